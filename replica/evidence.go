package replica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/benbjohnson/litestream/file"
	lss3 "github.com/benbjohnson/litestream/s3"
)

// CheckpointsName is what the audit checkpoint file is called beside the replica: it is
// public evidence (signatures, no secret), shipped with the database; the key never is.
const CheckpointsName = "audit-checkpoints.jsonl"

// ShipEvidence copies the local file to the replica at rawURL under name (replacing it).
func ShipEvidence(ctx context.Context, rawURL, local, name string) error {
	b, err := os.ReadFile(local)
	if err != nil {
		return err
	}
	c, err := client(rawURL)
	if err != nil {
		return err
	}
	switch c := c.(type) {
	case *file.ReplicaClient:
		dst := filepath.Join(c.Path(), name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		tmp := dst + ".tmp"
		if err := os.WriteFile(tmp, b, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, dst)
	case *lss3.ReplicaClient:
		s3c, err := s3Client(ctx, c)
		if err != nil {
			return err
		}
		_, err = s3c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(path.Join(c.Path, name)), Body: bytes.NewReader(b)})
		return err
	}
	return fmt.Errorf("replica %s: evidence files are shipped to file:// and s3:// replicas only", rawURL)
}

// FetchEvidence copies name from the replica at rawURL to local; os.ErrNotExist when the
// replica has none.
func FetchEvidence(ctx context.Context, rawURL, name, local string) error {
	c, err := client(rawURL)
	if err != nil {
		return err
	}
	var b []byte
	switch c := c.(type) {
	case *file.ReplicaClient:
		if b, err = os.ReadFile(filepath.Join(c.Path(), name)); err != nil {
			return err
		}
	case *lss3.ReplicaClient:
		s3c, err := s3Client(ctx, c)
		if err != nil {
			return err
		}
		out, err := s3c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(c.Bucket), Key: aws.String(path.Join(c.Path, name))})
		if err != nil {
			return errors.Join(os.ErrNotExist, err)
		}
		defer out.Body.Close()
		if b, err = io.ReadAll(out.Body); err != nil {
			return err
		}
	default:
		return os.ErrNotExist
	}
	return os.WriteFile(local, b, 0o644)
}

// s3Client is an S3 client for the store Litestream's client c writes to (same bucket,
// endpoint, region and credentials).
func s3Client(ctx context.Context, c *lss3.ReplicaClient) (*awss3.Client, error) {
	opts := []func(*config.LoadOptions) error{}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	if c.AccessKeyID != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return awss3.NewFromConfig(cfg, func(o *awss3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.ForcePathStyle
	}), nil
}

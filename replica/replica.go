// Package replica keeps a continuous copy of the database somewhere else, with Litestream
// embedded as a library (github.com/benbjohnson/litestream, pinned: its library API is not
// stable): every committed transaction is shipped, within about a second, to a `file://`
// directory or an `s3://bucket/prefix?endpoint=…` store (any S3-compatible one; credentials
// from the usual AWS_* environment variables). Restore brings back the latest state, or the
// state at a moment, into a new file. The audit key is never replicated.
package replica

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/benbjohnson/litestream"
	"github.com/benbjohnson/litestream/file"
	_ "github.com/benbjohnson/litestream/s3" // s3:// replicas (any S3-compatible store)
)

// Replicator ships one database to one replica.
type Replicator struct {
	URL   string
	db    *litestream.DB
	store *litestream.Store
}

// client is the replica client of rawURL (file:///path or s3://bucket/prefix?endpoint=…).
func client(rawURL string) (litestream.ReplicaClient, error) {
	c, err := litestream.NewReplicaClientFromURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("replica %q: %w (want file:///path or s3://bucket/prefix?endpoint=…)", rawURL, err)
	}
	return c, nil
}

// Check says whether rawURL is a replica address ChargeDesk can write to, without touching it.
func Check(rawURL string) error {
	_, err := client(rawURL)
	return err
}

// Start replicates the database at path to rawURL until Close.
func Start(ctx context.Context, path, rawURL string, log *slog.Logger) (*Replicator, error) {
	c, err := client(rawURL)
	if err != nil {
		return nil, err
	}
	db := litestream.NewDB(path)
	if log != nil {
		db.Logger = log.With("replica", rawURL)
	}
	r := litestream.NewReplicaWithClient(db, c)
	db.Replica = r
	if fc, ok := c.(*file.ReplicaClient); ok {
		fc.Replica = r
	}
	levels := litestream.CompactionLevels{{Level: 0}, {Level: 1, Interval: 10 * time.Second}, {Level: 2, Interval: 5 * time.Minute}}
	store := litestream.NewStore([]*litestream.DB{db}, levels)
	if err := store.Open(ctx); err != nil {
		return nil, fmt.Errorf("replica %s: %w", rawURL, err)
	}
	return &Replicator{URL: rawURL, db: db, store: store}, nil
}

// Close ships what is left and stops.
func (r *Replicator) Close(ctx context.Context) error {
	return r.store.Close(ctx)
}

// Status is where the replica stands: the local and the replicated transaction, and whether
// they are the same.
type Status struct {
	URL                   string `json:"url"`
	LocalTXID, RemoteTXID uint64
	InSync                bool   `json:"in_sync"`
	Behind                uint64 `json:"transactions_behind"`
}

// Status reads the replica's position (it may ask the replica store).
func (r *Replicator) Status(ctx context.Context) (Status, error) {
	s, err := r.db.SyncStatus(ctx)
	if err != nil {
		return Status{URL: r.URL}, err
	}
	st := Status{URL: r.URL, LocalTXID: uint64(s.LocalTXID), RemoteTXID: uint64(s.RemoteTXID), InSync: s.InSync}
	if st.LocalTXID > st.RemoteTXID {
		st.Behind = st.LocalTXID - st.RemoteTXID
	}
	return st, nil
}

// ErrExists means the restore's output file is there already: a restore never overwrites.
var ErrExists = errors.New("replica: the output file exists")

// Restore writes the state of the replica at rawURL — the latest, or as it was at at when at
// is not zero — into the new file out.
func Restore(ctx context.Context, rawURL, out string, at time.Time) error {
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%w: %s (choose a new file)", ErrExists, out)
	}
	c, err := client(rawURL)
	if err != nil {
		return err
	}
	opt := litestream.NewRestoreOptions()
	opt.OutputPath, opt.Timestamp = out, at
	opt.IntegrityCheck = litestream.IntegrityCheckQuick
	return litestream.NewReplicaWithClient(nil, c).Restore(ctx, opt)
}

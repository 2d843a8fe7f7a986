package audit

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// Key is the audit secret. It is kept outside the database (a file beside it, mode 0600, with
// a copy elsewhere): whoever can write the database but does not hold the key can neither
// recompute the chain after an edit nor sign a checkpoint. From it come two keys: one that
// keys the chains (HMAC-SHA256) and an Ed25519 key that signs checkpoints.
type Key struct {
	seed [32]byte
}

// KeyFileFor is where the key lives by default: beside the database file.
func KeyFileFor(dbPath string) string { return dbPath + ".audit-key" }

// CheckpointFileFor is where checkpoints are appended by default, one JSON object a line.
func CheckpointFileFor(dbPath string) string { return dbPath + ".audit-checkpoints" }

// NewKey makes a random key (tests and first start).
func NewKey() Key {
	var k Key
	rand.Read(k.seed[:])
	return k
}

// LoadKey reads the key file at path.
func LoadKey(path string) (Key, error) {
	var k Key
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return k, fmt.Errorf("audit key file %s does not exist: the audit chain cannot be checked without the key it was written with (restore it from your copy, or name it with --audit-key-file)", path)
		}
		return k, err
	}
	raw, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != len(k.seed) {
		return k, fmt.Errorf("audit key file %s is not a ChargeDesk audit key (64 hex digits)", path)
	}
	copy(k.seed[:], raw)
	return k, nil
}

// LoadOrCreateKey reads the key file at path, creating it (mode 0600) when it does not exist.
// created reports that a new key was made.
func LoadOrCreateKey(path string) (k Key, created bool, err error) {
	k, err = LoadKey(path)
	if err == nil {
		return k, false, nil
	}
	if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
		return k, false, err
	}
	k = NewKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return k, false, fmt.Errorf("create audit key file: %w", err)
	}
	_, werr := fmt.Fprintln(f, hex.EncodeToString(k.seed[:]))
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return k, false, fmt.Errorf("write audit key file: %w", err)
	}
	return k, true, nil
}

func (k Key) derive(purpose string) []byte {
	m := hmac.New(sha256.New, k.seed[:])
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

func (k Key) chainKey() []byte { return k.derive("chargedesk audit chain v1") }

func (k Key) signingKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(k.derive("chargedesk audit checkpoint v1"))
}

// PublicKey verifies checkpoints without the secret (hex), for whoever receives the file.
func (k Key) PublicKey() string {
	return hex.EncodeToString(k.signingKey().Public().(ed25519.PublicKey))
}

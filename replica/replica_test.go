package replica_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	_ "modernc.org/sqlite"

	"chargedesk/replica"
)

// An S3-compatible store (gofakes3, in this process, no network) receives the replica, and a
// restore from it brings back every committed row; a restore never overwrites a file.
func TestS3Replica(t *testing.T) {
	backend := s3mem.New()
	faker := gofakes3.New(backend)
	srv := httptest.NewServer(faker.Server())
	defer srv.Close()
	if err := backend.CreateBucket("chargedesk"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CA_BUNDLE", "") // the S3 client brings its own HTTP client, which a CA bundle setting refuses
	url := "s3://chargedesk/live?endpoint=" + srv.URL + "&region=us-east-1"

	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	d, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.Exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := replica.Start(ctx, path, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if _, err := d.Exec(`INSERT INTO events (what) VALUES ('charged')`); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, err := r.Status(ctx)
		if err == nil && st.InSync && st.RemoteTXID >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not catch up: %+v %v", st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2500 * time.Millisecond) // more than the replication interval
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "restored.db")
	if err := replica.Restore(ctx, url, out, time.Time{}); err != nil {
		t.Fatal(err)
	}
	o, err := sql.Open("sqlite", "file:"+out+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	var n int
	if err := o.QueryRow(`SELECT count(*) FROM events`).Scan(&n); err != nil || n != 50 {
		t.Errorf("restored %d rows (%v), want 50", n, err)
	}
	if err := replica.Restore(ctx, url, out, time.Time{}); err == nil {
		t.Error("a restore over an existing file was allowed")
	}
	// The checkpoint file travels beside it, and comes back.
	cp := filepath.Join(dir, "cp.jsonl")
	os.WriteFile(cp, []byte(`{"body":"x","sig":"y"}`+"\n"), 0o644)
	if err := replica.ShipEvidence(ctx, url, cp, replica.CheckpointsName); err != nil {
		t.Fatal(err)
	}
	back := filepath.Join(dir, "back.jsonl")
	if err := replica.FetchEvidence(ctx, url, replica.CheckpointsName, back); err != nil {
		t.Fatal(err)
	}
	if a, b := read(t, cp), read(t, back); a != b {
		t.Errorf("the checkpoint file came back as %q, want %q", b, a)
	}
}

func read(t *testing.T, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

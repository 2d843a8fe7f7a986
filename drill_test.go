package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The disaster drill: a real `serve` replicating to a file replica under load (logins,
// impersonations with page views), SIGKILL, the database and its WAL deleted, `chargedesk
// restore`: the restored copy verifies intact with the operator's key, and every impersonation
// acknowledged more than the replication interval before the kill is there, with its end. A
// restore at a moment between two batches has the first batch and nothing of the second.
func TestDisasterDrill(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("runs and kills a real server; skipped with -short")
	}
	dir := t.TempDir()
	bin := chargedeskBinary(t)
	dbPath := filepath.Join(dir, "live.db")
	rep := "file://" + filepath.Join(dir, "replica")
	srv := startServer(t, bin, dbPath, "--replica", rep)
	d, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	var customers []int64
	rows, err := d.Query(`SELECT id FROM users WHERE role = 'customer' AND status = 'active' ORDER BY id LIMIT 8`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		customers = append(customers, id)
	}
	rows.Close()
	d.Close()
	admin := consoleLogin(t, srv.url)
	admin.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// batch impersonates each customer once (start, a page, Exit) and returns the ids the
	// server acknowledged.
	batch := func(ticket string) []int64 {
		var ids []int64
		for _, c := range customers {
			req, _ := http.NewRequest(http.MethodPost, srv.url+"/api/customer/impersonation/start", strings.NewReader(url.Values{
				"customer_user_id": {fmt.Sprint(c)}, "ticket": {ticket}, "reason": {"drill"}, "allow_changes": {"true"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			res, err := admin.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct {
				ID int64 `json:"impersonation_id"`
			}
			json.NewDecoder(res.Body).Decode(&body)
			res.Body.Close()
			if res.StatusCode != http.StatusCreated || body.ID == 0 {
				t.Fatalf("start on %d: %d", c, res.StatusCode)
			}
			if res, err := admin.Get(fmt.Sprintf("%s/sessions?as=%d", srv.url, c)); err == nil {
				res.Body.Close()
			}
			// A write through the impersonation: a card labelled with the ticket.
			res, err = admin.PostForm(fmt.Sprintf("%s/cards?as=%d", srv.url, c), url.Values{"label": {ticket}})
			if err != nil || res.StatusCode >= 400 {
				t.Fatalf("a card through the impersonation: %v %v", err, res)
			}
			res.Body.Close()
			res, err = admin.PostForm(srv.url+"/api/customer/impersonation/end", url.Values{})
			if err != nil || res.StatusCode != http.StatusSeeOther {
				t.Fatalf("end: %v %v", err, res)
			}
			res.Body.Close()
			ids = append(ids, body.ID)
		}
		return ids
	}
	first := batch("DRILL-1")
	time.Sleep(3 * time.Second) // the replication interval is about a second
	between := time.Now().UTC()
	time.Sleep(2 * time.Second)
	second := batch("DRILL-2")
	time.Sleep(3 * time.Second)
	batch("DRILL-3") // the last second before the crash: not promised
	srv.kill(t)
	for _, f := range []string{dbPath, dbPath + "-wal", dbPath + "-shm"} {
		os.Remove(f)
	}

	restored := filepath.Join(dir, "restored.db")
	start := time.Now()
	out, err := exec.Command(bin, "restore", "--replica", rep, "--audit-key-file", dbPath+".audit-key", restored).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit trail intact") || !strings.Contains(string(out), "fetched the replica's checkpoint file") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	t.Logf("restored in %s:\n%s", time.Since(start).Round(time.Millisecond), out)
	r, err := sql.Open("sqlite", "file:"+restored+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	present := func(db *sql.DB, ids []int64) (n int) {
		for _, id := range ids {
			var ok int
			db.QueryRow(`SELECT count(*) FROM impersonations i WHERE i.id = ? AND i.ended_at IS NOT NULL
				AND EXISTS (SELECT 1 FROM auth_audit a WHERE a.tag = 'impersonation.end' AND a.impersonation_id = i.id)`, id).Scan(&ok)
			n += ok
		}
		return n
	}
	acked := append(append([]int64{}, first...), second...)
	if n := present(r, acked); n != len(acked) {
		t.Errorf("%d of the %d impersonations acknowledged over 3 s before the kill are in the restored copy", n, len(acked))
	}
	var cards int
	r.QueryRow(`SELECT count(*) FROM ev_cards WHERE label IN ('DRILL-1', 'DRILL-2')`).Scan(&cards)
	if cards != len(acked) {
		t.Errorf("%d of the %d cards added through impersonations over 3 s before the kill are in the restored copy", cards, len(acked))
	}

	// Point in time: the state between the two batches.
	then := filepath.Join(dir, "then.db")
	out, err = exec.Command(bin, "restore", "--replica", rep, "--at", between.Format(time.RFC3339), "--audit-key-file", dbPath+".audit-key", then).CombinedOutput()
	if err != nil {
		t.Fatalf("restore --at: %v\n%s", err, out)
	}
	p, err := sql.Open("sqlite", "file:"+then+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if a, b := present(p, first), present(p, second); a != len(first) || b != 0 {
		t.Errorf("restored at %s: %d of the first batch, %d of the second; want all and none", between.Format(time.RFC3339), a, b)
	}
	// A restore never overwrites.
	if out, err := exec.Command(bin, "restore", "--replica", rep, restored).CombinedOutput(); err == nil || !strings.Contains(string(out), "already exists") {
		t.Errorf("restore over an existing file: %v\n%s", err, out)
	}
}

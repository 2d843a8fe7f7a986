package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"chargedesk/demo"
)

// A real `chargedesk serve` process is SIGKILLed at random instants while logins,
// impersonations (start, views, writes with changes, Exit) and customer writes run against
// it, then started again; at the end every acknowledged write is there, the file passes
// integrity_check, `audit verify` passes, and every ended impersonation has exactly one end
// row. CHARGEDESK_CRASH_ROUNDS sets the number of kills (default 20).
func TestSIGKILLUnderLoadLosesNothingAcknowledged(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds and kills a real server; skipped with -short")
	}
	rounds := 20
	if n, err := strconv.Atoi(os.Getenv("CHARGEDESK_CRASH_ROUNDS")); err == nil && n > 0 {
		rounds = n
	}
	dir := t.TempDir()
	bin := chargedeskBinary(t)
	dbPath := filepath.Join(dir, "crash.db")
	admins := []string{demo.AdminEmail, "ops2@chargedesk.test", "ops3@chargedesk.test"}
	{ // seed, then two more admins so three impersonate at once
		srv := startServer(t, bin, dbPath)
		srv.kill(t)
		for _, e := range admins[1:] {
			cmd := exec.Command(bin, "user", "create", "--db", dbPath, "--email", e, "--name", "Ops "+e[3:4], "--role", "admin")
			cmd.Stdin = strings.NewReader(demo.DefaultPassword + "\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("user create: %v %s", err, out)
			}
		}
	}
	customers := []string{"lena@example.com", "omar@example.com", demo.JaneEmail}
	ack := &acknowledged{exits: map[int64]bool{}, logins: map[string]int{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	inFlightAtKill := 0
	for round := range rounds {
		srv := startServer(t, bin, dbPath)
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		var busy sync.Map
		for w, email := range customers {
			wg.Go(func() { customerLoad(ctx, srv.url, email, round, w, ack, &busy) })
		}
		for w, email := range admins {
			wg.Go(func() { adminLoad(ctx, srv.url, email, round, w, ack, &busy) })
		}
		time.Sleep(time.Duration(150+rng.IntN(1200)) * time.Millisecond)
		n := 0
		busy.Range(func(_, v any) bool {
			if v.(bool) {
				n++
			}
			return true
		})
		if n > 0 {
			inFlightAtKill++
		}
		srv.kill(t) // SIGKILL, mid-request
		stop()
		wg.Wait()
	}
	t.Logf("%d kills, %d of them with requests in flight; acknowledged: %d cards, %d impersonated changes, %d exits, %d logins",
		rounds, inFlightAtKill, len(ack.cards), ack.impCards, len(ack.exits), ack.totalLogins())

	// A last start ends what the kills left open (the sweep), then a graceful stop.
	srv := startServer(t, bin, dbPath)
	srv.cmd.Process.Signal(syscall.SIGTERM)
	if err := srv.cmd.Wait(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}

	d, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var integrity string
	d.QueryRow(`PRAGMA integrity_check`).Scan(&integrity)
	if integrity != "ok" {
		t.Errorf("integrity_check: %s", integrity)
	}
	for _, label := range ack.cards {
		var n int
		d.QueryRow(`SELECT count(*) FROM ev_cards WHERE label = ?`, label).Scan(&n)
		if n != 1 {
			t.Errorf("acknowledged card %q: %d rows, want 1", label, n)
		}
	}
	for id := range ack.exits {
		var ended sql.NullInt64
		d.QueryRow(`SELECT ended_at FROM impersonations WHERE id = ?`, id).Scan(&ended)
		if !ended.Valid {
			t.Errorf("impersonation %d: Exit was acknowledged, but it is not ended", id)
		}
	}
	for email, n := range ack.logins {
		var rows int
		d.QueryRow(`SELECT count(*) FROM auth_audit WHERE tag = 'login.success' AND json_extract(metadata, '$.email') = ?`, email).Scan(&rows)
		if rows < n {
			t.Errorf("%s: %d acknowledged logins, %d login.success rows", email, n, rows)
		}
	}
	rows, err := d.Query(`SELECT i.id, i.end_via, (SELECT count(*) FROM auth_audit a WHERE a.impersonation_id = i.id AND a.tag = 'impersonation.end')
		FROM impersonations i WHERE i.ended_at IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for rows.Next() {
		var id, n int64
		var via string
		rows.Scan(&id, &via, &n)
		ended++
		if n != 1 {
			t.Errorf("impersonation %d (ended via %s) has %d impersonation.end rows, want exactly 1", id, via, n)
		}
	}
	rows.Close()
	var open int
	d.QueryRow(`SELECT count(*) FROM impersonations WHERE ended_at IS NULL AND expires_at <= unixepoch()`).Scan(&open)
	if open != 0 {
		t.Errorf("%d expired impersonations were not ended by the restart", open)
	}
	if ended == 0 || len(ack.cards) == 0 {
		t.Errorf("the load did nothing to check: %d ended impersonations, %d cards", ended, len(ack.cards))
	}
	out, err := exec.Command(bin, "audit", "verify", "--db", dbPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "audit trail intact") {
		t.Errorf("audit verify after %d kills: %v\n%s", rounds, err, out)
	}
	t.Logf("%d impersonations ended, each with its end row; audit verify:\n%s", ended, out)
}

type server struct {
	cmd *exec.Cmd
	url string
}

var listening = regexp.MustCompile(`listening on (http://\S+/)`)

func startServer(t *testing.T, bin, dbPath string, extra ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--demo", "--db", dbPath, "--addr", "127.0.0.1:0", "--disk-reserve-mb", "0"}, extra...)...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case u := <-found:
		return &server{cmd: cmd, url: strings.TrimSuffix(u, "/")}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the server did not start")
	}
	return nil
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
}

// acknowledged is what the server said it did: each must be there after the crashes.
type acknowledged struct {
	mu       sync.Mutex
	cards    []string
	impCards int
	exits    map[int64]bool
	logins   map[string]int
}

func (a *acknowledged) card(label string, impersonated bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cards = append(a.cards, label)
	if impersonated {
		a.impCards++
	}
}

func (a *acknowledged) login(email string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.logins[email]++
}

func (a *acknowledged) exit(id int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.exits[id] = true
}

func (a *acknowledged) totalLogins() (n int) {
	for _, v := range a.logins {
		n += v
	}
	return n
}

// browser is one worker's client: its own cookies, no redirects followed.
type browser struct {
	ctx  context.Context
	base string
	hc   *http.Client
	busy *sync.Map
	key  string
}

func newBrowser(ctx context.Context, base, key string, busy *sync.Map) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{ctx: ctx, base: base, busy: busy, key: key, hc: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// do sends a request; status 0 means it got no answer (the server died).
func (b *browser) do(method, path string, form url.Values, header ...string) (int, string) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.ctx, method, b.base+path, body)
	if err != nil {
		return 0, ""
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	b.busy.Store(b.key, true)
	defer b.busy.Store(b.key, false)
	res, err := b.hc.Do(req)
	if err != nil {
		return 0, ""
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, ""
	}
	return res.StatusCode, string(out)
}

func (b *browser) login(email string, ack *acknowledged) bool {
	st, _ := b.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {demo.DefaultPassword}})
	if st == http.StatusSeeOther {
		ack.login(email)
	}
	return st == http.StatusSeeOther
}

func customerLoad(ctx context.Context, base, email string, round, w int, ack *acknowledged, busy *sync.Map) {
	b := newBrowser(ctx, base, fmt.Sprint("c", w), busy)
	for ctx.Err() == nil && !b.login(email, ack) {
	}
	for i := 0; ctx.Err() == nil; i++ {
		label := fmt.Sprintf("r%d-c%d-%d", round, w, i)
		if st, _ := b.do(http.MethodPost, "/cards", url.Values{"label": {label}}); st == http.StatusSeeOther {
			ack.card(label, false)
		}
		b.do(http.MethodGet, "/cards", nil)
		b.do(http.MethodPost, "/login", url.Values{"email": {email}, "password": {"wrong"}})
		b.login(email, ack)
	}
}

func adminLoad(ctx context.Context, base, email string, round, w int, ack *acknowledged, busy *sync.Map) {
	b := newBrowser(ctx, base, fmt.Sprint("a", w), busy)
	for ctx.Err() == nil && !b.login(email, ack) {
	}
	customer := strconv.Itoa(2 + w) // demo customers have small ids
	for i := 0; ctx.Err() == nil; i++ {
		st, body := b.do(http.MethodPost, "/api/customer/impersonation/start", url.Values{
			"customer_user_id": {customer}, "ticket": {fmt.Sprintf("SUP-%d-%d", round, i)}, "reason": {"crash test"}, "allow_changes": {"true"},
		}, "Accept", "application/json")
		if st == http.StatusConflict { // left open by a kill: Exit first, as the runbook says
			b.do(http.MethodPost, "/api/customer/impersonation/end", url.Values{})
			continue
		}
		if st != http.StatusCreated {
			continue
		}
		var started struct {
			ID int64 `json:"impersonation_id"`
		}
		json.Unmarshal([]byte(body), &started)
		for _, p := range []string{"/", "/sessions", "/cards", "/activity"} {
			b.do(http.MethodGet, p+"?as="+customer, nil)
		}
		label := fmt.Sprintf("r%d-a%d-%d", round, w, i)
		if st, _ := b.do(http.MethodPost, "/cards?as="+customer, url.Values{"label": {label}}); st == http.StatusSeeOther {
			ack.card(label, true)
		}
		if st, body := b.do(http.MethodPost, "/api/customer/impersonation/end", url.Values{}, "Accept", "application/json"); st == http.StatusOK && strings.Contains(body, `"ended":true`) {
			ack.exit(started.ID)
		}
	}
}

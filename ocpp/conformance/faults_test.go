package conformance_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"chargedesk/db"
)

// A message is answered only after what it did is committed. While another process holds
// the database's write lock past the busy timeout, StartTransaction gets CALLERROR
// InternalError and no session exists; the charge point sends it again (as OCPP charge
// points do with transaction messages) and then it is accepted, once.
func TestNothingAnsweredUntilCommitted(t *testing.T) {
	t.Parallel()
	s := newServerWith(t, db.Options{BusyTimeout: 300 * time.Millisecond})
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()

	other, err := sql.Open("sqlite", "file:"+s.path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	before := s.int(`SELECT count(*) FROM charging_sessions`)
	start := `[2,"start-1","StartTransaction",{"connectorId":1,"idTag":"04A15C3EC99A","meterStart":1000,"timestamp":"` + now() + `"}]`
	c.callError(start, "InternalError")
	conn.ExecContext(context.Background(), `ROLLBACK`)
	conn.Close()
	if n := s.int(`SELECT count(*) FROM charging_sessions`); n != before {
		t.Fatalf("a refused StartTransaction left %d new sessions", n-before)
	}
	c.send(start)
	f := c.next()
	if f[0] != float64(3) || f[2].(map[string]any)["idTagInfo"].(map[string]any)["status"] != "Accepted" {
		t.Fatalf("StartTransaction sent again: %v", f)
	}
	if n := s.int(`SELECT count(*) FROM charging_sessions WHERE status = 'ACTIVE' AND user_id = (SELECT id FROM users WHERE email = 'lena@example.com')`); n != 1 {
		t.Errorf("%d active sessions for Lena, want 1", n)
	}
}

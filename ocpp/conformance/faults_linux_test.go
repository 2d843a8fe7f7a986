package conformance_test

import (
	"os"
	"testing"

	"chargedesk/app"
	"chargedesk/db"
	"chargedesk/db/dbtest"
)

// A full disk (a small tmpfs, filled; root only, as in CI): a message that would write is
// answered InternalError and leaves nothing behind (no session, no protocol-log row); once
// there is room again, the resent StartTransaction is accepted once.
func TestFullDiskAnswersNothingUnrecorded(t *testing.T) {
	t.Parallel()
	dir := dbtest.Tmpfs(t, "48m")
	s := newServerIn(t, dir, db.Options{Reserve: -1}, app.Options{}) // no reserve: the writes themselves hit the full disk
	s.register("CDK-prenz-01", "prenz-password-1234")
	c := s.connect("CDK-prenz-01", "prenz-password-1234")
	c.boot()
	junk := dbtest.Fill(t, dir, 0)
	sessions, logged := s.int(`SELECT count(*) FROM charging_sessions`), s.int(`SELECT count(*) FROM ocpp_log`)
	start := `[2,"full-1","StartTransaction",{"connectorId":1,"idTag":"04A15C3EC99A","meterStart":1000,"timestamp":"` + now() + `"}]`
	for i := 0; i < 20; i++ { // enough to need new pages, were any written
		c.callError(start, "InternalError")
	}
	c.callError(`[2,"full-2","Heartbeat",{}]`, "InternalError")
	if s.int(`SELECT count(*) FROM charging_sessions`) != sessions || s.int(`SELECT count(*) FROM ocpp_log`) != logged {
		t.Fatal("a message answered InternalError left rows behind")
	}
	if err := os.Remove(junk); err != nil {
		t.Fatal(err)
	}
	c.send(start)
	if f := c.next(); f[0] != float64(3) || f[2].(map[string]any)["idTagInfo"].(map[string]any)["status"] != "Accepted" {
		t.Fatalf("after the disk has room again: %v", f)
	}
	if n := s.int(`SELECT count(*) FROM charging_sessions`); n != sessions+1 {
		t.Errorf("%d new sessions, want 1", n-sessions)
	}
}

package users

// A person's own signed-in sessions (ASVS 7.5.2): where they are signed in, and signing one
// of them, or every other one, out. Ending a session deletes its row, so its cookie opens
// nothing from its next request on.

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/errs"
	"chargedesk/queries"
)

// Session is one signed-in session as the Security page lists it.
type Session struct {
	Handle   string // names it in forms; not a secret and not a cookie
	Current  bool   // the session of the request that lists them
	SignedIn time.Time
	LastSeen time.Time
	IP       string // of the sign-in; "" for sessions older than migration 0037
	Device   string // "Firefox on Linux", from the browser's User-Agent
	Factor   string // the second factor used at sign-in ("" for none)
}

// Sessions lists user's live sessions (not expired, not idle for idle or longer when idle is
// set), the most recently used first; current is the key of the asking session.
func Sessions(ctx context.Context, q *queries.Queries, user int64, current string, now time.Time, idle time.Duration) ([]Session, error) {
	seenAfter := int64(0)
	if idle > 0 {
		seenAfter = now.Add(-idle).Unix()
	}
	rows, err := q.ListUserSessions(ctx, queries.ListUserSessionsParams{Current: current, UserID: sql.NullInt64{Int64: user, Valid: true}, Now: now.Unix(), SeenAfter: seenAfter})
	if err != nil {
		return nil, err
	}
	out := make([]Session, 0, len(rows))
	for _, r := range rows {
		out = append(out, Session{Handle: r.Handle, Current: r.IsCurrent == 1, SignedIn: time.Unix(r.CreatedAt, 0),
			LastSeen: time.Unix(max(r.LastSeenAt, r.CreatedAt), 0), IP: r.Ip, Device: Device(r.UserAgent), Factor: r.Factor})
	}
	return out, nil
}

// SessionEnd is a person signing out one of their sessions (Handle), or every one but the
// session they ask from (Others).
type SessionEnd struct {
	User          int64
	Handle        string
	Others        bool
	Current       string // the key of the asking session: never ended here (that is Sign out)
	IP, UserAgent string
	Now           time.Time
}

// EndSessions signs out what e names and records session.end — in tx. It refuses the asking
// session itself, a handle that is not one of the user's live sessions (another person's
// looks the same) and "every other" when there is none.
func EndSessions(ctx context.Context, tx *sql.Tx, trail *audit.Trail, e SessionEnd) (ended int64, err error) {
	q := queries.New(tx)
	uid := sql.NullInt64{Int64: e.User, Valid: true}
	meta := map[string]any{}
	if e.Others {
		if ended, err = q.DeleteOtherSessions(ctx, queries.DeleteOtherSessionsParams{UserID: uid, Keep: e.Current}); err != nil {
			return 0, err
		}
		if ended == 0 {
			return 0, errs.Conflictf("You are not signed in anywhere else: nothing was changed.")
		}
		meta["others"] = true
	} else {
		if !isHandle(e.Handle) {
			return 0, errs.Invalidf("That is not one of your sessions: choose one from the list on your Security page.")
		}
		s, err := q.GetUserSession(ctx, queries.GetUserSessionParams{UserID: uid, Handle: e.Handle, Now: e.Now.Unix()})
		if errors.Is(err, sql.ErrNoRows) {
			return 0, errs.E(errs.NotFound, "That session has already ended (signed out, or unused for too long): nothing was changed.")
		} else if err != nil {
			return 0, err
		}
		if s.ID == e.Current {
			return 0, errs.Invalidf("That is the session you are using now: use Sign out to end it.")
		}
		if err := q.DeleteWebSession(ctx, s.ID); err != nil {
			return 0, err
		}
		ended = 1
		meta["signed_in_at"], meta["signed_in_from"], meta["device"] = s.CreatedAt, s.Ip, Device(s.UserAgent)
	}
	meta["sessions_ended"] = ended
	_, err = trail.Write(ctx, tx, e.Now, audit.Entry{Tag: TagSessionEnd, Actor: e.User, Target: e.User, IP: e.IP, UserAgent: e.UserAgent, Metadata: meta})
	return ended, err
}

// TagSessionEnd is the audit row of a person signing out their other sessions.
const TagSessionEnd = "session.end"

// isHandle reports whether h is a session handle: 16 lower-case hex digits.
func isHandle(h string) bool {
	if len(h) != 16 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Device names a browser and system from a User-Agent in words ("Firefox on Linux"), for a
// person to recognise their own devices; "" tells nothing.
func Device(ua string) string {
	if ua == "" {
		return ""
	}
	browser := firstIn(ua, [][2]string{{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"CriOS/", "Chrome"}, {"HeadlessChrome/", "Headless Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}})
	system := firstIn(ua, [][2]string{{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}})
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "a browser on " + system
	}
	if r := []rune(ua); len(r) > 40 {
		ua = string(r[:40]) + "…"
	}
	return ua
}

func firstIn(s string, names [][2]string) string {
	for _, n := range names {
		if strings.Contains(s, n[0]) {
			return n[1]
		}
	}
	return ""
}

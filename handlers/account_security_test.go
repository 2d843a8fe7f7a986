package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"chargedesk/demo"
)

// A person changes their own password: the current one is checked, the new one must be
// long enough and new, and a change signs out every other session of the account while
// this one stays signed in. A refusal changes nothing.
func TestChangeOwnPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		email      string
		current    string
		new        string
		wantStatus int
		wantText   string
	}{
		{"a customer changes theirs", demo.JaneEmail, demo.DefaultPassword, "a-new-password-1", http.StatusSeeOther, ""},
		{"an admin changes theirs", demo.AdminEmail, demo.DefaultPassword, "a-new-password-1", http.StatusSeeOther, ""},
		{"the current password is wrong", demo.JaneEmail, "not-my-password", "a-new-password-1", http.StatusUnprocessableEntity, "current password is not right"},
		{"the new one is short", demo.JaneEmail, demo.DefaultPassword, "short", http.StatusUnprocessableEntity, "10 to 72 characters"},
		{"the new one is the old one", demo.JaneEmail, demo.DefaultPassword, demo.DefaultPassword, http.StatusUnprocessableEntity, "the one you have"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ta := newTestApp(t)
			here, elsewhere := ta.client(), ta.client()
			here.login(tt.email)
			elsewhere.login(tt.email)
			if r := here.get("/account/security"); r.status != http.StatusOK {
				t.Fatalf("the page: %d", r.status)
			}
			var before string
			ta.db.R.QueryRow(`SELECT password_hash FROM users WHERE email = ?`, tt.email).Scan(&before)
			r := here.post("/account/password", url.Values{"current_password": {tt.current}, "new_password": {tt.new}})
			if r.status != tt.wantStatus {
				t.Fatalf("change: %d, want %d; %.300s", r.status, tt.wantStatus, r.body)
			}
			var after string
			ta.db.R.QueryRow(`SELECT password_hash FROM users WHERE email = ?`, tt.email).Scan(&after)
			if tt.wantStatus != http.StatusSeeOther {
				mustContain(t, r.body, tt.wantText)
				if after != before {
					t.Error("a refused change changed the password")
				}
				if r := elsewhere.get("/account/security"); r.status != http.StatusOK {
					t.Errorf("a refused change signed the other session out: %d", r.status)
				}
				return
			}
			if after == before {
				t.Fatal("the password did not change")
			}
			if r := here.get("/account/security?done=password"); r.status != http.StatusOK {
				t.Errorf("this session after the change: %d, want still signed in", r.status)
			}
			if r := elsewhere.get("/account/security"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
				t.Errorf("the other session after the change: %d %s, want sent to login", r.status, r.header.Get("Location"))
			}
			if n := ta.count(`SELECT count(*) FROM auth_audit WHERE tag = 'password.change' AND json_extract(metadata, '$.sessions_ended') = 1`); n != 1 {
				t.Errorf("%d password.change rows with one session ended, want 1", n)
			}
			fresh := ta.client()
			if r := fresh.post("/login", url.Values{"email": {tt.email}, "password": {tt.new}}); r.status != http.StatusSeeOther {
				t.Errorf("login with the new password: %d", r.status)
			}
		})
	}
}

// Guessing the current password through the form is bounded like login guesses.
func TestChangePasswordGuessesAreLimited(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	c.login(demo.JaneEmail)
	var last response
	for range 6 {
		last = c.post("/account/password", url.Values{"current_password": {"guess-guess-guess"}, "new_password": {"a-new-password-1"}})
	}
	if last.status != http.StatusTooManyRequests || last.header.Get("Retry-After") == "" {
		t.Errorf("the sixth wrong guess: %d (Retry-After %q), want 429 with Retry-After", last.status, last.header.Get("Retry-After"))
	}
}

// Nobody signed in: the page sends to login, the change is refused.
func TestAccountSecurityNeedsASignIn(t *testing.T) {
	t.Parallel()
	ta := newTestApp(t)
	c := ta.client()
	if r := c.get("/account/security"); r.status != http.StatusSeeOther || !toLogin(r.header.Get("Location")) {
		t.Errorf("anonymous page: %d %s", r.status, r.header.Get("Location"))
	}
	if r := c.post("/account/password", url.Values{"current_password": {"x"}, "new_password": {"y"}}); r.status != http.StatusSeeOther {
		t.Errorf("anonymous change: %d", r.status)
	}
}

package users

// Security notices (ASVS 5.0 6.3.5, 6.3.7): a person gets an email when something about their
// own sign-in changes — their password, a second factor, their recovery codes, a sign-in with
// a recovery code or from a browser and system none of their last 50 sign-ins used, a burst of
// failed sign-ins — and when an administrator changes it for them (a new password link, their
// factors reset, their role). It goes out whoever did it, so that a change the person did not
// make (a stolen session, an insider re-issuing a colleague's link) does not go unseen.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/mail"
	"chargedesk/queries"
)

// securityNotice is the subject and the first sentence of the email of each row about a
// person's sign-in; m is the row's metadata.
var securityNotice = map[string]func(m map[string]any) (subject, what string){
	audit.TagLoginFailure: func(map[string]any) (string, string) {
		return "Failed sign-ins to your ChargeDesk account", fmt.Sprintf("%d sign-ins to your account failed within an hour (a wrong password, or a wrong code after the right password). ChargeDesk slows further attempts down.", failuresBurst)
	},
	audit.TagLoginSuccess: func(map[string]any) (string, string) {
		return "New sign-in to your ChargeDesk account", "Your account was signed in to from a browser and system it has not used lately."
	},
	"password.change": func(map[string]any) (string, string) {
		return "Your ChargeDesk password was changed", "Your password was changed. Every other browser signed in to your account was signed out."
	},
	"password.set": func(map[string]any) (string, string) {
		return "Your ChargeDesk password was set", "A password was set for your account with a one-time link."
	},
	"mfa.add": func(m map[string]any) (string, string) {
		kind := "An authenticator app"
		if m["kind"] == "passkey" {
			kind = "A passkey"
		}
		return "A second factor was added to your ChargeDesk account", fmt.Sprintf("%s (“%v”) was added as a second factor: it now signs in to your account.", kind, m["name"])
	},
	"mfa.remove": func(map[string]any) (string, string) {
		return "A second factor was removed from your ChargeDesk account", "A second factor was removed from your account."
	},
	"mfa.recovery.new": func(map[string]any) (string, string) {
		return "New recovery codes for your ChargeDesk account", "New recovery codes were made for your account; the ones before no longer work."
	},
	"mfa.recovery.use": func(m map[string]any) (string, string) {
		return "A recovery code was used to sign in to your ChargeDesk account", fmt.Sprintf("Someone signed in to your account with one of its recovery codes (%v left).", m["remaining"])
	},
	"admin.staff.link": func(map[string]any) (string, string) {
		return "A password link was made for your ChargeDesk account", "A one-time link to set your account's password was made; links made before it no longer work."
	},
	"admin.staff.mfa_reset": func(map[string]any) (string, string) {
		return "Your second factors were removed", "Every second factor and recovery code of your account was removed: your password alone signs you in until you add one again."
	},
	"admin.staff.signout": func(map[string]any) (string, string) {
		return "You were signed out of ChargeDesk", "An administrator signed your account out everywhere: sign in again with your password and second factor."
	},
	"admin.staff.role": func(m map[string]any) (string, string) {
		return "Your role at ChargeDesk changed", fmt.Sprintf("Your role changed from %v to %v.", m["from"], m["to"])
	},
}

// SecurityNotices is the audit hook (audit.Trail.WithHook) that queues those emails in the
// row's transaction, to the person the row is about; site is the address for the link to
// their Security page ("" writes no link). Without email (a nil outbox) it is nil.
func SecurityNotices(out *mail.Outbox, site string) audit.Hook {
	if !out.Enabled() {
		return nil
	}
	return func(ctx context.Context, tx *sql.Tx, at time.Time, id int64, e audit.Entry) error {
		notice, ok := securityNotice[e.Tag]
		about := e.Target
		if e.Tag == audit.TagLoginSuccess {
			about = e.Actor // a sign-in names its person as the actor
		}
		if !ok || about == 0 {
			return nil
		}
		q := queries.New(tx)
		kind, by := "security", "You"
		switch e.Tag {
		case audit.TagLoginSuccess:
			if known, err := knownDevice(ctx, q, about, id, e.UserAgent); err != nil || known {
				return err
			}
			by = "You — or someone who has your password"
		case audit.TagLoginFailure:
			if tell, err := failuresToTell(ctx, q, about, id, at); err != nil || !tell {
				return err
			}
			kind, by = failuresKind, "Someone signing in as you (the last attempt below)"
		default:
			if e.Actor != about && e.Actor != 0 { // an admin did it for them
				who, err := q.UserForNotice(ctx, e.Actor)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				by = strings.TrimSpace(who.Name + " (" + who.Role + ")")
			}
		}
		to, err := q.UserForNotice(ctx, about)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		from := e.IP
		if d := Device(e.UserAgent); d != "" {
			from = d + ", " + e.IP
		}
		where := "your Security page in ChargeDesk"
		if site != "" {
			where = "your Security page: " + strings.TrimSuffix(site, "/") + "/account/security"
		}
		subject, what := notice(e.Metadata)
		body := fmt.Sprintf(`Hello %s,

%s

When: %s (UTC)
By:   %s
From: %s

If this was you, there is nothing to do. If it was not, sign in, change your password and sign
out every other session on %s — and tell your ChargeDesk contact.
`, to.Name, what, at.UTC().Format("2 Jan 2006, 15:04"), by, from, where)
		return out.Enqueue(ctx, tx, mail.Message{UserID: about, Kind: kind, To: to.Email, Subject: subject, Body: body}, at)
	}
}

// A burst of failed sign-ins is told once: at the failuresBurst-th within failuresWithin, and
// not again within failuresQuiet of the last such email.
const (
	failuresBurst  = 5
	failuresWithin = time.Hour
	failuresQuiet  = 24 * time.Hour
	failuresKind   = "security_failures"
)

// failuresToTell reports whether failed sign-in row id is the one to email about.
func failuresToTell(ctx context.Context, q *queries.Queries, user, id int64, at time.Time) (bool, error) {
	uid := sql.NullInt64{Int64: user, Valid: true}
	n, err := q.RecentSignInFailures(ctx, queries.RecentSignInFailuresParams{UserID: uid, Upto: id, Since: at.Add(-failuresWithin).Unix()})
	if err != nil || n != failuresBurst {
		return false, err
	}
	sent, err := q.MailsOfKindSince(ctx, queries.MailsOfKindSinceParams{UserID: uid, Kind: failuresKind, Since: at.Add(-failuresQuiet).Unix()})
	return sent == 0, err
}

// knownDevice reports whether a sign-in (row id) is from a browser and system (Device) that
// one of the person's last 50 sign-ins before it used — or is their first, which is not news.
func knownDevice(ctx context.Context, q *queries.Queries, user, id int64, userAgent string) (bool, error) {
	agents, err := q.RecentSignInAgents(ctx, queries.RecentSignInAgentsParams{UserID: sql.NullInt64{Int64: user, Valid: true}, Before: id})
	if err != nil || len(agents) == 0 {
		return true, err
	}
	device := Device(userAgent)
	for _, a := range agents {
		if Device(a) == device {
			return true, nil
		}
	}
	return false, nil
}

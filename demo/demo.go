// Package demo seeds a convincing demo network into an empty database: one support admin,
// Jane and Omar with the stories the runbook talks about, a dozen more drivers, Berlin
// charging sites, sessions (one charging now, one stuck), receipts, cards, reservations and
// payment methods. It never touches a database that already has users.
package demo

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"chargedesk/db"
	"chargedesk/queries"
	"chargedesk/users"
)

// DefaultPassword is every demo login's password unless --demo-password says otherwise.
const DefaultPassword = "chargedesk-demo"

// Demo logins.
const (
	AdminEmail = "admin@chargedesk.test"
	// SupportEmail is a support agent: search, view, impersonate read-only.
	SupportEmail = "support@chargedesk.test"
	JaneEmail    = "jane@example.com"
	OmarEmail    = "omar@example.com"
)

// Summary says what was seeded, for the start-up banner.
type Summary struct {
	Password  string
	Customers int
	Sessions  int
}

func (s *Summary) String() string {
	return fmt.Sprintf("Seeded the demo: %d customers, %d charging sessions.\n", s.Customers, s.Sessions) + Logins(s.Password)
}

// Logins lists the demo's logins, for the start-up banner (also when the demo was seeded by
// an earlier start).
func Logins(password string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Demo logins (password %q):\n", password)
	fmt.Fprintf(&b, "  admin          %s\n", AdminEmail)
	fmt.Fprintf(&b, "  support agent  %s  (read-only impersonation, no admin tools)\n", SupportEmail)
	fmt.Fprintf(&b, "  customer       %s  (charging now, a stuck session, a lost card)\n", JaneEmail)
	fmt.Fprintf(&b, "  customer       %s  (his home charger is missing from his list)\n", OmarEmail)
	fmt.Fprintf(&b, "  customers      lena@example.com, … (all *@example.com)\n")
	return b.String()
}

// Options vary the seed.
type Options struct {
	// HashCost is the bcrypt cost of the logins' password hash; zero means
	// users.HashCost. Tests seed with the lowest cost, so that logging in is cheap.
	HashCost int
}

// SeedIfEmpty seeds the demo when the database has no users and returns nil otherwise.
func SeedIfEmpty(ctx context.Context, d *db.DB, password string, now time.Time) (*Summary, error) {
	return SeedIfEmptyWith(ctx, d, password, now, Options{})
}

// SeedIfEmptyWith is SeedIfEmpty with options.
func SeedIfEmptyWith(ctx context.Context, d *db.DB, password string, now time.Time, o Options) (*Summary, error) {
	n, err := queries.New(d.W).CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, nil
	}
	if len(password) < users.MinPassword {
		return nil, fmt.Errorf("--demo-password must be at least %d characters", users.MinPassword)
	}
	if o.HashCost == 0 {
		o.HashCost = users.HashCost
	}
	hash, err := users.HashPasswordCost(password, o.HashCost)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Password: password}
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		s := &seeder{ctx: ctx, tx: tx, q: queries.New(tx), now: now.UTC().Truncate(time.Second), hash: hash}
		return s.run(sum)
	})
	if err != nil {
		return nil, err
	}
	return sum, nil
}

// seeder carries the transaction and what earlier steps created.
type seeder struct {
	ctx  context.Context
	tx   *sql.Tx
	q    *queries.Queries
	now  time.Time
	hash string
	err  error

	tariffs    map[string]int64
	connectors map[string]int64 // "site/n" → connector id
	evses      map[string]int64
	sessions   int
	cardSeq    int
	tokenSeq   int
}

// exec runs a statement unless an earlier one failed, and returns the new row id.
func (s *seeder) exec(query string, args ...any) int64 {
	if s.err != nil {
		return 0
	}
	res, err := s.tx.ExecContext(s.ctx, query, args...)
	if err != nil {
		s.err = fmt.Errorf("%w in %.60s", err, strings.Join(strings.Fields(query), " "))
		return 0
	}
	id, _ := res.LastInsertId()
	return id
}

func (s *seeder) ago(d time.Duration) int64 { return s.now.Add(-d).Unix() }

func (s *seeder) user(email, name, role string) int64 {
	if s.err != nil {
		return 0
	}
	u, err := users.Insert(s.ctx, s.q, users.NewUser{Email: email, Name: name, Role: role}, s.hash, s.now.Add(-400*24*time.Hour))
	if err != nil {
		s.err = err
	}
	return u.ID
}

func (s *seeder) run(sum *Summary) error {
	s.user(AdminEmail, "Sam Admin", "admin") // staff are named for their roles: "Sam Support" was an admin
	s.user("alex@chargedesk.test", "Alex Admin", "admin")
	s.network()
	jane := s.user(JaneEmail, "Jane Doe", "customer")
	omar := s.user(OmarEmail, "Omar Haddad", "customer")
	s.jane(jane)
	s.omar(omar)
	n := s.others()
	s.janeNow(jane)
	s.user(SupportEmail, "Riley Support", "support") // last, so the demo's other ids stay as they were
	sum.Customers = 2 + n
	sum.Sessions = s.sessions
	return s.err
}

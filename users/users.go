// Package users creates accounts: it validates what a person typed, hashes the password and
// mints the Public ID shown to support staff.
package users

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"chargedesk/db"
	"chargedesk/queries"
)

// MinPassword and MaxPassword bound a password's length in bytes (bcrypt reads 72 at most).
const (
	MinPassword = 10
	MaxPassword = 72
)

// PasswordLengthOK reports whether password has an accepted length.
func PasswordLengthOK(password string) bool {
	return len(password) >= MinPassword && len(password) <= MaxPassword
}

// NewUser is what a new account needs.
type NewUser struct {
	Email, Name, Role, Password string
}

// Validate checks a new user and returns a sentence a person understands.
func (n *NewUser) Validate() error {
	n.Email = strings.TrimSpace(n.Email)
	n.Name = strings.TrimSpace(n.Name)
	switch {
	case !utf8.ValidString(n.Email + n.Name + n.Password):
		return errors.New("email, name and password must be valid UTF-8 text")
	case n.Role != "admin" && n.Role != "support" && n.Role != "customer":
		return errors.New(`role must be "support", "admin" or "customer"`)
	case n.Name == "" || len(n.Name) > 200:
		return errors.New("name must be 1 to 200 characters")
	case !PasswordLengthOK(n.Password):
		return fmt.Errorf("password must be %d to %d bytes long", MinPassword, MaxPassword)
	}
	addr, err := mail.ParseAddress(n.Email)
	if err != nil || addr.Address != n.Email || len(n.Email) > 254 {
		return fmt.Errorf("%q is not an email address", n.Email)
	}
	return nil
}

// HashCost is the bcrypt cost of every password hash ChargeDesk makes (a test asserts it).
// Only tests' seeded databases are hashed cheaper (HashPasswordCost).
const HashCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of password at HashCost.
func HashPassword(password string) (string, error) { return HashPasswordCost(password, HashCost) }

// HashPasswordCost returns the bcrypt hash of password at cost.
func HashPasswordCost(password string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(h), err
}

// Create validates n and inserts it with a fresh Public ID.
func Create(ctx context.Context, q *queries.Queries, n NewUser, now time.Time) (queries.User, error) {
	if err := n.Validate(); err != nil {
		return queries.User{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return queries.User{}, err
	}
	return Insert(ctx, q, n, hash, now)
}

// Insert adds a validated user whose password is already hashed (the demo hashes once).
func Insert(ctx context.Context, q *queries.Queries, n NewUser, hash string, now time.Time) (queries.User, error) {
	u, err := q.CreateUser(ctx, queries.CreateUserParams{
		PublicID: NewPublicID(n.Role), Email: n.Email, Name: n.Name,
		PasswordHash: hash, Role: n.Role, CreatedAt: now.Unix(),
	})
	if db.IsConstraint(err, "users.email") {
		return u, ErrEmailTaken{Email: n.Email}
	}
	return u, err
}

// NewPublicID returns an id like cus_7K3QX9M2ZD4P: unguessable, unambiguous to read aloud.
func NewPublicID(role string) string {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
	prefix := "cus_"
	if role == "admin" || role == "support" { // staff
		prefix = "adm_"
	}
	b := make([]byte, 12)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return prefix + string(b)
}

// ErrEmailTaken is Insert's refusal of an email another user has.
type ErrEmailTaken struct{ Email string }

func (e ErrEmailTaken) Error() string { return "a user with email " + e.Email + " already exists" }

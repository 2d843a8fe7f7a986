package users_test

import (
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"chargedesk/users"
)

// What a person types for a new account: each refusal says which field and why.
func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		user    users.NewUser
		wantErr string // "" valid
	}{
		{"valid", users.NewUser{Email: "kim@example.com", Name: "Kim", Role: "customer", Password: "long-enough-1"}, ""},
		{"trimmed", users.NewUser{Email: "  kim@example.com ", Name: " Kim ", Role: "admin", Password: "long-enough-1"}, ""},
		{"no such role", users.NewUser{Email: "kim@example.com", Name: "Kim", Role: "root", Password: "long-enough-1"}, "role must be"},
		{"no name", users.NewUser{Email: "kim@example.com", Name: " ", Role: "support", Password: "long-enough-1"}, "name must be"},
		{"a short password", users.NewUser{Email: "kim@example.com", Name: "Kim", Role: "customer", Password: "short"}, "password must be"},
		{"a password past bcrypt's 72 bytes", users.NewUser{Email: "kim@example.com", Name: "Kim", Role: "customer", Password: strings.Repeat("x", 73)}, "password must be"},
		{"not an address", users.NewUser{Email: "kim at example", Name: "Kim", Role: "customer", Password: "long-enough-1"}, "is not an email address"},
		{"a display name is not an address", users.NewUser{Email: "Kim <kim@example.com>", Name: "Kim", Role: "customer", Password: "long-enough-1"}, "is not an email address"},
		{"not UTF-8", users.NewUser{Email: "kim@example.com", Name: "K\xffm", Role: "customer", Password: "long-enough-1"}, "valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := tt.user
			err := u.Validate()
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate: %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// Production hashes passwords at bcrypt's default cost; only tests' seeded databases are
// cheaper (HashPasswordCost), and that knob does not reach HashPassword.
func TestProductionHashCost(t *testing.T) {
	t.Parallel()
	h, err := users.HashPassword("chargedesk-demo")
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost([]byte(h)); cost != bcrypt.DefaultCost || users.HashCost != bcrypt.DefaultCost {
		t.Errorf("password hashes cost %d (HashCost %d), want bcrypt.DefaultCost %d", cost, users.HashCost, bcrypt.DefaultCost)
	}
}

// Public IDs: a prefix by role and 12 characters from an alphabet without look-alikes.
func TestNewPublicID(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ role, prefix string }{{"customer", "cus_"}, {"admin", "adm_"}, {"support", "adm_"}} {
		id := users.NewPublicID(tt.role)
		if !strings.HasPrefix(id, tt.prefix) || len(id) != len(tt.prefix)+12 || strings.ContainsAny(id[4:], "01IO") {
			t.Errorf("%s: %q", tt.role, id)
		}
	}
}

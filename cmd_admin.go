package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"chargedesk/accounts"
	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/queries"
)

func cmdMigrate(args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("migrate up | down N | version", "Applies or rolls back the embedded schema migrations.", stdout)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return errors.New("migrate needs up, down N or version")
	}
	m, err := db.NewMigrator(*dbPath)
	if err != nil {
		return err
	}
	defer m.Close()
	switch pos[0] {
	case "up":
		if err := m.Up(); err != nil {
			return err
		}
	case "down":
		if len(pos) != 2 {
			return errors.New("usage: chargedesk migrate down N")
		}
		n, err := atoiPositive(pos[1])
		if err != nil {
			return err
		}
		if err := m.Down(n); err != nil {
			return err
		}
	case "version":
	default:
		return fmt.Errorf("unknown migrate action %q (want up, down N or version)", pos[0])
	}
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d%s\n", v, map[bool]string{true: " (dirty: a migration failed half-way)"}[dirty])
	return nil
}

func cmdUserCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, dbPath := newFlags("user create --email E --name N --role admin|customer", "Creates a user. The password is read from standard input (one line).", stdout)
	email := fs.String("email", "", "email address (login)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "customer", "admin or customer")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	d, err := openMigrated(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	u, err := accounts.Create(ctx, queries.New(d.W), accounts.NewUser{Email: *email, Name: *name, Role: *role, Password: password}, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s (%s), user id %d\n", u.Role, u.Email, u.PublicID, u.ID)
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("audit verify", "Recomputes the audit hash chains; exits 1 naming the first row that does not match.", stdout)
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return err
	}
	d, err := db.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	n, err := audit.VerifyAuth(ctx, d.R)
	if err != nil {
		return fmt.Errorf("audit chain broken: %w", err)
	}
	fmt.Fprintf(stdout, "auth_audit: %d rows, chain intact\n", n)
	if n, err = audit.VerifyRoutes(ctx, d.R); err != nil {
		return fmt.Errorf("audit chain broken: %w", err)
	}
	fmt.Fprintf(stdout, "impersonation_audit: %d rows, chain intact\n", n)
	return nil
}

func cmdBackup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("backup FILE", "Writes a consistent copy of the database to FILE (which must not exist), safe while the server runs.", stdout)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errors.New("backup needs exactly one FILE")
	}
	file := pos[0]
	if _, err := os.Stat(file); err == nil {
		return fmt.Errorf("%s already exists; choose a new file", file)
	}
	d, err := db.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.W.ExecContext(ctx, "VACUUM INTO ?", file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", *dbPath, file)
	return nil
}

// openMigrated migrates the file at path and opens it.
func openMigrated(ctx context.Context, path string) (*db.DB, error) {
	if err := db.Migrate(path); err != nil {
		return nil, err
	}
	return db.Open(ctx, path)
}

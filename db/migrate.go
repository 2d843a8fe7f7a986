package db

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"chargedesk/migrations"
)

// Migrator wraps golang-migrate over the embedded migrations. It uses a connection of its
// own because golang-migrate closes the database it is given.
type Migrator struct {
	m *migrate.Migrate
}

// NewMigrator opens a migrator on the file at path.
func NewMigrator(path string) (*Migrator, error) {
	// Foreign keys are off while migrating (SQLite's own advice for rebuilding a table), and
	// checked after (Migrate).
	conn, err := sql.Open("sqlite", strings.Replace(DSN(path, false), "foreign_keys%281%29", "foreign_keys%280%29", 1))
	if err != nil {
		return nil, err
	}
	conn.SetMaxOpenConns(1)
	drv, err := sqlite.WithInstance(conn, &sqlite.Config{})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		conn.Close()
		return nil, err
	}
	m, err := migrate.NewWithInstance("iofs", src, "sqlite", drv)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &Migrator{m: m}, nil
}

// Up applies every pending migration. Nothing to do is not an error.
func (m *Migrator) Up() error {
	if err := m.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// Down rolls back n migrations.
func (m *Migrator) Down(n int) error {
	if n <= 0 {
		return errors.New("migrate down: N must be a positive number")
	}
	if err := m.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// To migrates up or down to version v.
func (m *Migrator) To(v uint) error {
	if err := m.m.Migrate(v); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return err
	}
	return nil
}

// Version reports the applied version; 0 means none.
func (m *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := m.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Close releases the migrator's connection.
func (m *Migrator) Close() error {
	serr, derr := m.m.Close()
	return errors.Join(serr, derr)
}

// Migrate brings the file at path up to the newest schema and, when a migration ran, checks
// every foreign key (a full read of the file, so not on every start).
func Migrate(path string) error {
	_, err := MigrateFrom(path)
	return err
}

// KeyedSchema is the first schema version whose audit trail is keyed and checkpointed
// (0004_audit_integrity): a database that was at or past it has had an audit key.
const KeyedSchema = 4

// MigrateFrom is Migrate, and says which version the file was at before (0: new or empty).
func MigrateFrom(path string) (before uint, err error) {
	m, err := NewMigrator(path)
	if err != nil {
		return 0, err
	}
	before, _, verr := m.Version()
	if err := errors.Join(verr, m.Up()); err != nil {
		m.Close()
		return before, err
	}
	after, _, verr := m.Version()
	if err := errors.Join(verr, m.Close()); err != nil {
		return before, err
	}
	if before == after {
		return before, nil
	}
	conn, err := sql.Open("sqlite", DSN(path, false))
	if err != nil {
		return before, err
	}
	defer conn.Close()
	var table string
	var rowid, parent, fk any
	switch err := conn.QueryRow(`PRAGMA foreign_key_check`).Scan(&table, &rowid, &parent, &fk); {
	case errors.Is(err, sql.ErrNoRows):
		return before, nil
	case err != nil:
		return before, err
	}
	return before, fmt.Errorf("migrate: a row of %s refers to a missing %v row", table, parent)
}

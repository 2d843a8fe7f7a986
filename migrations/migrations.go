// Package migrations embeds the SQL schema migrations. They run at start-up through
// golang-migrate, and sqlc reads the same files as its schema.
package migrations

import "embed"

// FS holds every NNNN_name.up.sql / .down.sql file.
//
//go:embed *.sql
var FS embed.FS

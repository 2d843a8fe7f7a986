package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/queries"
	"chargedesk/report"
)

// cmdAuditPublicKey prints the public half of the audit key: what an auditor or a customer
// checks checkpoints and reports against, without the secret.
func cmdAuditPublicKey(args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("audit public-key [--audit-key-file FILE]",
		"Prints the public half of the audit key (hex), which checks signed checkpoints and access reports.\n"+
			"Publish it where your customers and auditors can find it; it reveals nothing of the secret.", stdout)
	keyFile := fs.String("audit-key-file", "", "the audit key (env CHARGEDESK_AUDIT_KEY_FILE; default: beside the database, DB.audit-key)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return badInput{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	key, err := audit.LoadKey(auditKeyFile(*keyFile, *dbPath))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, key.PublicKey())
	return nil
}

// cmdAuditVerifyReport checks an access report's JSON file: its signature and its
// checkpoint's against the public key, and — when the database is at hand — that it holds
// exactly the rows the trail has for its customer and period.
func cmdAuditVerifyReport(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("audit verify-report REPORT.json [--public-key HEX | --audit-key-file FILE] [--db PATH]",
		"Checks an access report (the signed JSON a customer or the console downloads): the signature over the\n"+
			"report, the signed checkpoint it carries, and that it covers exactly up to that checkpoint. With the\n"+
			"database (--db, when the file exists) it also counts the rows again: none left out, added or changed.\n"+
			"Exits 1 naming what does not hold.", stdout)
	pub := fs.String("public-key", envOr("CHARGEDESK_AUDIT_PUBLIC_KEY", ""), "the audit key's public half, hex (chargedesk audit public-key); default: from the audit key file")
	keyFile := fs.String("audit-key-file", "", "the audit key, when no --public-key is given (default: beside the database, DB.audit-key)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput{errors.New("name one report file: chargedesk audit verify-report REPORT.json")}
	}
	file, err := os.ReadFile(pos[0])
	if err != nil {
		return badInput{fmt.Errorf("read the report: %w", err)}
	}
	if *pub == "" {
		key, err := audit.LoadKey(auditKeyFile(*keyFile, *dbPath))
		if err != nil {
			return badInput{fmt.Errorf("no --public-key given, and %w", err)}
		}
		*pub = key.PublicKey()
	}
	r, err := report.Verify(file, *pub)
	if err != nil {
		return fmt.Errorf("report NOT valid: %w", err)
	}
	fmt.Fprintf(stdout, "signature: valid (key %s)\ncheckpoint: valid, signed for auth_audit row %d and impersonation_audit row %d\n",
		*pub, r.Rows.UpToAuth, r.Rows.UpToRoutes)
	fmt.Fprintf(stdout, "report: %s (%s), %s to %s: %d support visits, %d recorded actions, from %d audit rows and %d page records\n",
		r.Customer.Name, r.Customer.PublicID, r.From, r.To, len(r.Accesses), len(r.Actions), r.Rows.Auth, r.Rows.Routes)
	if _, err := os.Stat(*dbPath); err != nil {
		fmt.Fprintf(stdout, "completeness: not checked (no database at %s; run with --db to count the rows again)\n", *dbPath)
		return nil
	}
	rdb, err := db.OpenReadOnly(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer rdb.Close()
	rows, err := report.Recount(ctx, queries.New(rdb), r)
	if err != nil {
		return err
	}
	if rows != r.Rows {
		return fmt.Errorf("report NOT complete against %s: it lists %d audit rows and %d page records (digest %s), the trail has %d and %d (digest %s)",
			*dbPath, r.Rows.Auth, r.Rows.Routes, r.Rows.Digest, rows.Auth, rows.Routes, rows.Digest)
	}
	fmt.Fprintf(stdout, "completeness: the same %d audit rows and %d page records as %s (digest %s); run audit verify on it to check the trail itself\nreport valid\n",
		rows.Auth, rows.Routes, *dbPath, rows.Digest)
	return nil
}

// cmdAuditPrune archives and removes the audit rows older than --retention, as serve does
// hourly with --audit-retention (for a first large prune at a quiet hour, or a cron job).
func cmdAuditPrune(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("audit prune --retention 730d [--archive DIR]",
		"Writes the audit rows older than --retention to signed archive segments in --archive, then removes them with a\n"+
			"chained audit.prune row; audit verify accepts exactly that. Safe while serve runs.", stdout)
	retention := fs.String("retention", "", "prune rows older than this: days (730d) or a duration (17520h)")
	dir := fs.String("archive", "", "where the segments go (default DB.audit-archive)")
	keyFile := fs.String("audit-key-file", "", "the audit key (env CHARGEDESK_AUDIT_KEY_FILE; default: beside the database, DB.audit-key)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return badInput{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	keep, err := audit.ParseRetention(*retention)
	if err != nil || keep == 0 {
		return badInput{errors.Join(err, errors.New("say how long to keep audit rows: --retention 730d"))}
	}
	if *dir == "" {
		*dir = *dbPath + ".audit-archive"
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return badInput{err}
	}
	d, keyless, err := openMigrated(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	trail, _, err := openTrail(ctx, d, auditKeyFile(*keyFile, *dbPath), audit.CheckpointFileFor(*dbPath), keyless)
	if err != nil {
		return err
	}
	now := time.Now()
	m, err := trail.Prune(ctx, d, *dir, now.Add(-keep), now, nil)
	if err != nil {
		return err
	}
	if _, err := trail.Checkpoint(ctx, d, audit.CheckpointFileFor(*dbPath), now, false); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pruned %d auth_audit rows (up to row %d) and %d impersonation_audit rows (up to row %d), written before %s\narchived in %s: %s %s\n",
		m.Auth.Rows, m.Auth.UpTo, m.Routes.Rows, m.Routes.UpTo, now.Add(-keep).UTC().Format(time.RFC3339), *dir, m.Auth.Segment, m.Routes.Segment)
	return nil
}

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"chargedesk/audit"
	"chargedesk/db"
	"chargedesk/mfa"
	"chargedesk/queries"
	"chargedesk/replica"
	"chargedesk/users"
)

func cmdMigrate(args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("migrate up | down N | version", "Applies or rolls back the embedded schema migrations.", stdout)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		fs.Usage()
		return badInput{errors.New("migrate needs up, down N or version")}
	}
	// The arguments are checked before the file is touched: a typo creates nothing.
	var steps int
	switch {
	case pos[0] == "up" && len(pos) == 1, pos[0] == "version" && len(pos) == 1:
	case pos[0] == "down" && len(pos) == 2:
		if steps, err = atoiPositive(pos[1]); err != nil {
			return badInput{err}
		}
	case pos[0] == "down":
		return badInput{errors.New("usage: chargedesk migrate down N")}
	default:
		return badInput{fmt.Errorf("unknown migrate action %q (want up, down N or version)", strings.Join(pos, " "))}
	}
	if pos[0] != "up" {
		if _, err := os.Stat(*dbPath); err != nil {
			return badInput{fmt.Errorf("there is no database at %s (--db or CHARGEDESK_DB)", *dbPath)}
		}
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
		if err := m.Down(steps); err != nil {
			return err
		}
	}
	v, dirty, err := m.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d%s\n", v, map[bool]string{true: " (dirty: a migration failed half-way)"}[dirty])
	return nil
}

func cmdUserCreate(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs, dbPath := newFlags("user create --email E --name N --role support|admin|customer", "Creates a user. The password is read from standard input (one line).", stdout)
	email := fs.String("email", "", "email address (login)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "customer", "support, admin or customer")
	keyFile := fs.String("audit-key-file", "", "the audit key (env CHARGEDESK_AUDIT_KEY_FILE; default DB.audit-key, created when missing)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
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
	u, err := users.Create(ctx, queries.New(d.W), users.NewUser{Email: *email, Name: *name, Role: *role, Password: password}, time.Now())
	if err != nil {
		return err
	}
	// Creating an account from the command line is a privileged action: it is audited.
	if _, err := trail.Log(ctx, d, time.Now(), audit.Entry{Tag: "admin.user.create", Target: u.ID, UserAgent: "chargedesk user create",
		Metadata: map[string]any{"role": u.Role, "email": u.Email, "via": "cli"}}); err != nil {
		return fmt.Errorf("user %s was created, but its audit row could not be written: %w", u.Email, err)
	}
	if _, err := trail.Checkpoint(ctx, d, audit.CheckpointFileFor(*dbPath), time.Now(), false); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %s (%s), user id %d\n", u.Role, u.Email, u.PublicID, u.ID)
	return nil
}

// cmdUserMFA is `user mfa EMAIL --totp`: how the first admin gets a second factor before
// anyone can sign in to enrol one (--require-staff-mfa is on by default).
func cmdUserMFA(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("user mfa EMAIL --totp", "Enrols an authenticator app (TOTP) for a user and prints its otpauth:// URI (add it to the app by\n"+
		"hand or as a QR code) and ten one-time recovery codes. Recorded in the audit trail as mfa.add.", stdout)
	withTOTP := fs.Bool("totp", false, "enrol an authenticator app (TOTP)")
	keyFile := fs.String("audit-key-file", "", "the audit key (env CHARGEDESK_AUDIT_KEY_FILE; default DB.audit-key, created when missing)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || !*withTOTP {
		fs.Usage()
		return badInput{errors.New("usage: chargedesk user mfa EMAIL --totp")}
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("no database at %s (--db): %w", *dbPath, err)
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
	u, err := queries.New(d.R).GetUserByEmailForAuth(ctx, pos[0])
	if err != nil {
		return badInput{fmt.Errorf("no user with email %q in %s", pos[0], *dbPath)}
	}
	var e mfa.Enrolment
	var codes []string
	err = d.CriticalTx(ctx, func(tx *sql.Tx) (err error) {
		e, codes, err = mfa.EnrolTOTP(ctx, tx, trail, u.ID, u.Email, mfa.By{Actor: u.ID, UserAgent: "chargedesk user mfa", Now: time.Now()})
		return err
	})
	if err != nil {
		return err
	}
	if _, err := trail.Checkpoint(ctx, d, audit.CheckpointFileFor(*dbPath), time.Now(), false); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Authenticator app enrolled for %s (%s).\nAdd it to your app (scan this URI as a QR code, or type the key %s):\n%s\n\n", u.Email, u.PublicID, e.Secret, e.URL)
	fmt.Fprintf(stdout, "Recovery codes (each signs in once; keep them safe, they are not shown again):\n")
	for _, c := range codes {
		fmt.Fprintf(stdout, "  %s\n", c)
	}
	return nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("audit verify [--checkpoints FILE] [--audit-key-file FILE]",
		"Checks the audit trail: both hash chains against the audit key, the signed checkpoints (in the database and\n"+
			"in the checkpoint file), the append-only triggers, and that every impersonation matches its start and end\n"+
			"rows. Opens the database read-only, so it runs on a live file or on a backup copy. Exits 1 naming the\n"+
			"first problem.", stdout)
	keyFile := fs.String("audit-key-file", "", "the audit key (env CHARGEDESK_AUDIT_KEY_FILE; default: beside the database, DB.audit-key)")
	cpFile := fs.String("checkpoints", "", "checkpoint file to check against (default: DB.audit-checkpoints when it exists)")
	archive := fs.String("archive", "", "also check the archive segments of pruned rows in this directory (serve --audit-archive; default DB.audit-archive)")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return err
	}
	if *archive != "" {
		if st, err := os.Stat(*archive); err != nil || !st.IsDir() {
			return badInput{fmt.Errorf("--archive %s is not a directory of archive segments", *archive)}
		}
	}
	key, err := audit.LoadKey(auditKeyFile(*keyFile, *dbPath))
	if err != nil {
		return err
	}
	if *cpFile == "" {
		*cpFile = audit.CheckpointFileFor(*dbPath)
	} else if _, err := os.Stat(*cpFile); err != nil {
		return err
	}
	r, err := db.OpenReadOnly(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer r.Close()
	started := time.Now()
	var rep audit.Report
	if *archive != "" {
		rep, err = audit.NewTrail(key).VerifyWithArchive(ctx, r, *cpFile, *archive, time.Now())
	} else {
		rep, err = audit.NewTrail(key).Verify(ctx, r, *cpFile, time.Now())
	}
	if p := rep.Pruned; p.Auth.UpTo+p.Routes.UpTo > 0 {
		fmt.Fprintf(stdout, "pruned (retention): auth_audit rows up to %d and impersonation_audit rows up to %d, written before %s\n",
			p.Auth.UpTo, p.Routes.UpTo, time.Unix(p.Before, 0).UTC().Format(time.RFC3339))
		if *archive == "" {
			fmt.Fprintln(stdout, "archive: not checked (--archive DIR checks the pruned rows' signed segments)")
		}
	}
	if *archive != "" && err == nil {
		fmt.Fprintf(stdout, "archive: %d segments, %d auth_audit and %d impersonation_audit rows, each matching its keyed hash and linked to the chain\n",
			rep.Segments, rep.ArchivedAuth, rep.ArchivedRoutes)
	}
	fmt.Fprintf(stdout, "auth_audit: %d rows checked\nimpersonation_audit: %d rows checked\nimpersonations: %d checked against their start and end rows\n",
		rep.AuthRows, rep.RouteRows, rep.Impersonations)
	fmt.Fprintf(stdout, "checkpoints: %d valid signatures (%d from %s)\n", rep.Checkpoints, rep.FileCheckpoints, *cpFile)
	if rep.Latest != nil {
		fmt.Fprintf(stdout, "latest checkpoint: %s, auth_audit row %d, impersonation_audit row %d\n",
			time.Unix(rep.Latest.At, 0).UTC().Format(time.RFC3339), rep.Latest.Auth.ID, rep.Latest.Routes.ID)
	} else {
		fmt.Fprintln(stdout, "latest checkpoint: none yet (rows deleted from the end cannot be detected before the first one)")
	}
	if rep.BeforeRotation > 0 {
		fmt.Fprintf(stdout, "note: %d checkpoint(s) were signed by an audit key lost before a recorded rotation (audit rekey): rows before it are checked for their links only\n", rep.BeforeRotation)
	}
	if rep.TornLines > 0 {
		fmt.Fprintf(stdout, "note: %d line(s) of the checkpoint file were cut short by a crash and were skipped\n", rep.TornLines)
	}
	if err != nil {
		return fmt.Errorf("audit trail NOT intact: %w", err)
	}
	fmt.Fprintf(stdout, "triggers: %d, as the schema defines them\naudit trail intact (%.1f s)\n", rep.Triggers, time.Since(started).Seconds())
	return nil
}

// auditKeyFile is the audit key's path: the flag, the environment, or beside the database.
func auditKeyFile(flagValue, dbPath string) string {
	if flagValue != "" {
		return flagValue
	}
	return envOr("CHARGEDESK_AUDIT_KEY_FILE", audit.KeyFileFor(dbPath))
}

func cmdBackup(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("backup FILE [--verify]", "Writes a consistent copy of the database to FILE (which must not exist), safe while the server runs. The\n"+
		"source is opened read-only and never created; the checkpoint file (key-free evidence) is copied beside FILE, the\n"+
		"audit key never is. --verify runs audit verify on the copy with the key beside the source.", stdout)
	verify := fs.Bool("verify", false, "run audit verify on the copy (with the source's audit key and the copied checkpoint file)")
	keyFile := fs.String("audit-key-file", "", "the audit key, for --verify (env CHARGEDESK_AUDIT_KEY_FILE; default: beside the source, DB.audit-key)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return badInput{errors.New("backup needs exactly one FILE")}
	}
	file := pos[0]
	if _, err := os.Stat(file); err == nil {
		return badInput{fmt.Errorf("%s already exists; choose a new file", file)}
	}
	if st, err := os.Stat(*dbPath); err != nil || !st.Mode().IsRegular() {
		return badInput{fmt.Errorf("there is no database at %s (--db or CHARGEDESK_DB): nothing was backed up, and nothing was created", *dbPath)}
	}
	r, err := db.OpenForCopy(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer r.Close()
	var rows int64
	if err := r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM auth_audit) + (SELECT count(*) FROM impersonation_audit)`).Scan(&rows); err != nil {
		return fmt.Errorf("%s is not a ChargeDesk database: %w", *dbPath, err)
	}
	if _, err := r.ExecContext(ctx, "VACUUM INTO ?", file); err != nil {
		return err
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s: %d bytes, %d audit rows\n", *dbPath, file, st.Size(), rows)
	cpFrom, cpTo := audit.CheckpointFileFor(*dbPath), audit.CheckpointFileFor(file)
	if b, err := os.ReadFile(cpFrom); err == nil {
		if err := os.WriteFile(cpTo, b, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "copied the checkpoint file to %s (%d bytes); the audit key stays where it is: keep your own copy of it\n", cpTo, len(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if !*verify {
		return nil
	}
	vargs := []string{"--db", file, "--audit-key-file", auditKeyFile(*keyFile, *dbPath)}
	if _, err := os.Stat(cpTo); err == nil {
		vargs = append(vargs, "--checkpoints", cpTo)
	}
	return cmdAuditVerify(ctx, vargs, stdout)
}

// openMigrated migrates the file at path and opens it; keyless says the file had never had
// an audit key before (its schema predates keys), so its existing rows may be adopted.
func openMigrated(ctx context.Context, path string) (d *db.DB, keyless bool, err error) {
	before, err := db.MigrateFrom(path)
	if err != nil {
		return nil, false, err
	}
	d, err = db.Open(ctx, path)
	return d, before < db.KeyedSchema, err
}

// cmdRestore is `restore --replica URL [--at TIME] OUT.db`: the replica's latest state, or its
// state at a moment, into a new file, then audit verify on it with the operator's key.
func cmdRestore(ctx context.Context, args []string, stdout io.Writer) error {
	fs, _ := newFlags("restore --replica URL [--at TIME] OUT.db", "Restores the database from its replica (file:///path or s3://bucket/prefix?endpoint=…) into OUT.db, which\\n"+
		"must not exist: the latest state, or the state at --at (RFC 3339). Then runs audit verify on it with your audit key\\n"+
		"(--audit-key-file) and, when given, the checkpoint file, and prints the newest audit row restored.", stdout)
	rawURL := fs.String("replica", envOr("CHARGEDESK_REPLICA", ""), "the replica to restore from (env CHARGEDESK_REPLICA)")
	at := fs.String("at", "", "restore the state at this moment (RFC 3339, e.g. 2026-12-06T14:30:00Z); default: the latest")
	keyFile := fs.String("audit-key-file", envOr("CHARGEDESK_AUDIT_KEY_FILE", ""), "your copy of the audit key, to verify the restored trail (default: OUT.db.audit-key)")
	cpFile := fs.String("checkpoints", "", "the checkpoint file to verify against (optional)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *rawURL == "" {
		fs.Usage()
		return badInput{errors.New("usage: chargedesk restore --replica URL [--at TIME] OUT.db")}
	}
	out := pos[0]
	var when time.Time
	if *at != "" {
		if when, err = time.Parse(time.RFC3339, *at); err != nil {
			return badInput{fmt.Errorf("--at %q is not an RFC 3339 time like 2026-12-06T14:30:00Z", *at)}
		}
	}
	if err := replica.Check(*rawURL); err != nil {
		return badInput{err}
	}
	if _, err := os.Stat(out); err == nil {
		return badInput{fmt.Errorf("%s already exists: a restore never overwrites; choose a new file", out)}
	}
	started := time.Now()
	if err := replica.Restore(ctx, *rawURL, out, when); err != nil {
		return fmt.Errorf("restore from %s: %w", *rawURL, err)
	}
	st, _ := os.Stat(out)
	fmt.Fprintf(stdout, "restored %s into %s (%d bytes) in %s\n", *rawURL, out, st.Size(), time.Since(started).Round(time.Millisecond))
	r, err := db.OpenReadOnly(ctx, out)
	if err != nil {
		return err
	}
	var id, ts int64
	var tag string
	r.QueryRowContext(ctx, `SELECT id, at, tag FROM auth_audit ORDER BY id DESC LIMIT 1`).Scan(&id, &ts, &tag)
	r.Close()
	if id > 0 {
		fmt.Fprintf(stdout, "newest audit row restored: auth_audit #%d, %s, at %s\n", id, tag, time.Unix(ts, 0).UTC().Format(time.RFC3339))
	}
	vargs := []string{"--db", out, "--audit-key-file", auditKeyFile(*keyFile, out)}
	// The checkpoint file shipped beside the replica comes back too, for the record. It is
	// not used by default: it may sign rows of the last second before a crash that the
	// database's replica never received (pass it with --checkpoints to check against it).
	shipped := out + ".replica-checkpoints"
	if err := replica.FetchEvidence(ctx, *rawURL, replica.CheckpointsName, shipped); err == nil {
		fmt.Fprintf(stdout, "fetched the replica's checkpoint file into %s (check against it with --checkpoints)\n", shipped)
	}
	if *cpFile != "" {
		vargs = append(vargs, "--checkpoints", *cpFile)
	}
	return cmdAuditVerify(ctx, vargs, stdout)
}

// cmdAuditRekey is `audit rekey --reason TEXT`: the audit key is lost for good, so a new one
// is made and the rotation recorded openly (an audit.rekey row and a checkpoint with the new
// key naming the last checkpoint of the old one). serve starts again after it; audit verify
// then checks the rows before the rotation only for their links.
func cmdAuditRekey(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("audit rekey --reason TEXT", "Makes a new audit key after the old one was lost for good, and records the rotation in the trail: everything\\n"+
		"before it can then be verified only for its links. If you have a copy of the old key, put it back instead.", stdout)
	keyFile := fs.String("audit-key-file", "", "where the new key goes (env CHARGEDESK_AUDIT_KEY_FILE; default DB.audit-key); it must not exist")
	reason := fs.String("reason", "", "why the old key is gone (recorded in the trail)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || strings.TrimSpace(*reason) == "" {
		fs.Usage()
		return badInput{errors.New("usage: chargedesk audit rekey --reason TEXT (why the old key is gone)")}
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return badInput{fmt.Errorf("there is no database at %s (--db or CHARGEDESK_DB)", *dbPath)}
	}
	kf := auditKeyFile(*keyFile, *dbPath)
	if _, err := os.Stat(kf); err == nil {
		return badInput{fmt.Errorf("the audit key %s is there: rekey is for a key that is lost for good", kf)}
	}
	d, _, err := openMigrated(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	key, _, err := audit.LoadOrCreateKey(kf)
	if err != nil {
		return err
	}
	rot, err := audit.NewTrail(key).Rekey(ctx, d, audit.CheckpointFileFor(*dbPath), strings.TrimSpace(*reason), time.Now())
	if err != nil {
		os.Remove(kf)
		return err
	}
	fmt.Fprintf(stdout, "made the new audit key %s (keep a copy elsewhere) and recorded the rotation: checkpoints up to #%d were signed by the old key %s;\\n"+
		"audit rows before auth_audit #%d and impersonation_audit #%d can now be verified only for their links.\\n",
		kf, rot.AfterCheckpoint, rot.PreviousKey, rot.Before.Auth, rot.Before.Routes)
	return nil
}

// Command chargedesk is the ChargeDesk customer portal and support console: one binary, one
// SQLite file. See README.md.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `ChargeDesk — EV-charging customer portal and support console.

Usage:
  chargedesk serve [flags]            run the web server (migrates the database first)
  chargedesk migrate up               apply every pending migration
  chargedesk migrate down N           roll back N migrations
  chargedesk migrate version          print the applied migration version
  chargedesk user create [flags]      create a user; the password is read from stdin
  chargedesk user mfa EMAIL --totp    enrol an authenticator app (TOTP) for a user; prints its
                                      otpauth:// URI and ten recovery codes
  chargedesk audit verify             recompute the audit hash chains and name the first bad row
  chargedesk audit rekey --reason R   a new audit key after the old one was lost for good (recorded)
  chargedesk audit verify-report F    check a signed access report (and, with --db, that it is complete)
  chargedesk audit public-key         print the audit key's public half, for customers and auditors
  chargedesk audit prune --retention D  archive and remove audit rows older than D (e.g. 730d)
  chargedesk backup FILE              write a consistent copy of the database to FILE
  chargedesk restore --replica URL OUT.db   restore from the continuous replica (--at TIME: as it was then)
  chargedesk demo --scale SPEC        grow a big database for benchmarks (see README)
  chargedesk bench                    measure pages against a bare-page anchor (see README)
  chargedesk fleet --url ws://…       connect simulated OCPP charge points to a running server
  chargedesk tariff price T.json S.json  price a session offline (OCPI 2.2.1) and print its CDR
  chargedesk version                  print the version

Every command takes --db PATH (env CHARGEDESK_DB, default chargedesk.db).
Run "chargedesk COMMAND -h" for the flags of one command.
`

func main() {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, log); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "chargedesk:", err)
		if errors.As(err, new(badInput)) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// run dispatches a command line; it is main without the exits, so tests can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	// `chargedesk COMMAND -h` (or help) asks for that command's usage: an answer, not an error.
	helpAsked := len(rest) > 0 && (rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help")
	switch cmd {
	case "serve":
		tuneGC()
		return cmdServe(ctx, rest, stdout, log)
	case "migrate":
		return cmdMigrate(rest, stdout)
	case "user":
		switch {
		case len(rest) > 0 && rest[0] == "create":
			return cmdUserCreate(ctx, rest[1:], stdin, stdout)
		case len(rest) > 0 && rest[0] == "mfa":
			return cmdUserMFA(ctx, rest[1:], stdout)
		}
		const userUsage = "usage: chargedesk user create --email E --name N --role support|admin|customer (password on stdin), or chargedesk user mfa EMAIL --totp"
		if helpAsked {
			fmt.Fprintln(stdout, userUsage)
			return nil
		}
		return badInput{errors.New(userUsage)}
	case "audit":
		switch {
		case len(rest) > 0 && rest[0] == "verify":
			return cmdAuditVerify(ctx, rest[1:], stdout)
		case len(rest) > 0 && rest[0] == "rekey":
			return cmdAuditRekey(ctx, rest[1:], stdout)
		case len(rest) > 0 && rest[0] == "verify-report":
			return cmdAuditVerifyReport(ctx, rest[1:], stdout)
		case len(rest) > 0 && rest[0] == "public-key":
			return cmdAuditPublicKey(rest[1:], stdout)
		case len(rest) > 0 && rest[0] == "prune":
			return cmdAuditPrune(ctx, rest[1:], stdout)
		}
		const auditUsage = "usage: chargedesk audit verify [--db PATH], audit verify-report REPORT.json [--public-key HEX], audit public-key, audit prune --retention 730d, or audit rekey --reason TEXT"
		if helpAsked {
			fmt.Fprintln(stdout, auditUsage)
			return nil
		}
		return badInput{errors.New(auditUsage)}
	case "backup":
		return cmdBackup(ctx, rest, stdout)
	case "restore":
		return cmdRestore(ctx, rest, stdout)
	case "demo":
		return cmdDemoScale(ctx, rest, stdout)
	case "bench":
		tuneGC() // measure what serve runs
		return cmdBench(ctx, rest, stdout)
	case "tariff":
		if helpAsked {
			fmt.Fprintln(stdout, tariffUsage)
			return nil
		}
		return cmdTariff(rest, stdout)
	case "fleet":
		return cmdFleet(ctx, rest, stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "chargedesk", version)
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// envOr returns the environment variable key, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// newFlags makes a flag set for one command with the shared --db flag.
func newFlags(name, summary string, stdout io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	dbPath := fs.String("db", envOr("CHARGEDESK_DB", "chargedesk.db"), "SQLite database file (env CHARGEDESK_DB)")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: chargedesk %s\n\n%s\n\nFlags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs, dbPath
}

// parseArgs parses flags wherever they stand among the positional arguments, so that both
// "migrate --db x up" and "migrate up --db x" work.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// readPassword reads one line from r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func atoiPositive(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive whole number", s)
	}
	return n, nil
}

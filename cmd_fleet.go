package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"chargedesk/chargepoint"
	"chargedesk/db"
	"chargedesk/demo"
)

// cmdFleet is `chargedesk fleet`: N simulated charge points (LOAD-00001…, registered in DB
// the first time, each with a driver) connect to a running ChargeDesk over OCPP 1.6J and
// charge, with MeterValues every --meter-every and a heartbeat every 30 s, until stopped
// (SIGINT/SIGTERM), when they stop their transactions. It prints "ready N" once all charge,
// and "sent M boots B" at the end. `bench --chargers` runs it as a separate process, as real
// charge points are.
func cmdFleet(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("fleet --url ws://HOST:PORT/ocpp/1.6 [--chargers 1000]", "Connects simulated charge points to a running ChargeDesk (load tests). DB is the server's database:\nthe charge points are registered there and get new passwords.", stdout)
	url := fs.String("url", "", "the server's OCPP endpoint, ws://HOST:PORT/ocpp/1.6")
	n := fs.Int("chargers", 1000, "how many charge points")
	every := fs.Duration("meter-every", 10*time.Second, "how often a charging charge point sends MeterValues")
	if pos, err := parseArgs(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if !strings.HasPrefix(*url, "ws://") && !strings.HasPrefix(*url, "wss://") {
		return badInput{fmt.Errorf("--url must be the server's OCPP endpoint, ws://HOST:PORT/ocpp/1.6")}
	}
	if *n < 1 || *n > 100_000 {
		return badInput{fmt.Errorf("--chargers must be between 1 and 100000")}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := db.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := demo.LoadFleet(ctx, d, *n); err != nil {
		return err
	}
	fctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-ctx.Done(); time.Sleep(10 * time.Second); cancel() }() // a last chance to stop, then go
	fleet, err := demo.RunLoadFleet(fctx, d, *url, *n, *every)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ready %d\n", len(fleet))
	<-ctx.Done()
	stopLoadFleet(fctx, fleet)
	sent, boots := fleetCounts(fleet)
	fmt.Fprintf(stdout, "sent %d boots %d\n", sent, boots)
	return nil
}

// fleetProcess is a `chargedesk fleet` child process.
type fleetProcess struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner
}

// startFleet runs `chargedesk fleet` against url and waits until its charge points charge.
func startFleet(dbPath, url string, n int) (*fleetProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "fleet", "--db", dbPath, "--url", url, "--chargers", strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fleetProcess{cmd: cmd, lines: bufio.NewScanner(out)}
	if !f.lines.Scan() || !strings.HasPrefix(f.lines.Text(), "ready ") {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("the charge point fleet did not start (%s)", f.lines.Text())
	}
	return f, nil
}

// cpu is the CPU time the fleet process has used so far (Linux /proc; 0 elsewhere).
func (f *fleetProcess) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", f.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// rss is the fleet process's resident memory (Linux /proc), for the report.
func (f *fleetProcess) rss() string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", f.cmd.Process.Pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// stop ends the fleet (its charge points stop their transactions) and returns its last line.
func (f *fleetProcess) stop() string {
	f.cmd.Process.Signal(syscall.SIGTERM)
	last := ""
	for f.lines.Scan() {
		last = f.lines.Text()
	}
	f.cmd.Wait()
	return last
}

func fleetCounts(fleet []*chargepoint.ChargePoint) (sent, boots int64) {
	for _, cp := range fleet {
		sent += cp.Sent.Load()
		boots += cp.Boots.Load()
	}
	return sent, boots
}

// stopLoadFleet ends every load charge point's transaction (StopTransaction), so that the
// next run starts them again.
func stopLoadFleet(ctx context.Context, fleet []*chargepoint.ChargePoint) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for _, cp := range fleet {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cp.Stop(ctx, 1, "Local")
		})
	}
	wg.Wait()
}

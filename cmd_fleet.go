package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"chargedesk/bench"
	"chargedesk/chargepoint"
	"chargedesk/db"
	"chargedesk/demo"
)

// cmdFleet is `chargedesk fleet`: N simulated charge points (LOAD-00001…, registered in DB
// the first time, each with a driver) connect to a running ChargeDesk over OCPP 1.6J and
// charge, with MeterValues every --meter-every and a heartbeat every 30 s, until stopped
// (SIGINT/SIGTERM, or its stdin pipe closed), when they stop their transactions. It prints "ready N"
// once all charge, and "sent M boots B" at the end. Meanwhile it answers commands on stdin,
// one line each:
//
//	mark    forget the calls measured so far (answers "marked")
//	calls   the OCPP calls since the mark: "calls N p50 P p99 Q max M errors E" (ms)
//	storm   drop every connection at once and reconnect them all at the same moment, as
//	        after the central system restarts: "storm N p50 … errors E" is how long each took
//	        to be connected, booted and reported again, then "calls …" the calls meanwhile
//
// `bench --chargers` runs it as a separate process, as real charge points are.
func cmdFleet(ctx context.Context, args []string, stdout io.Writer) error {
	fs, dbPath := newFlags("fleet --url ws://HOST:PORT/ocpp/1.6 [--chargers 1000]", "Connects simulated charge points to a running ChargeDesk (load tests). DB is the server's database:\nthe charge points are registered there and get new passwords.", stdout)
	url := fs.String("url", "", "the server's OCPP endpoint, ws://HOST:PORT/ocpp/1.6")
	n := fs.Int("chargers", 1000, "how many charge points")
	every := fs.Duration("meter-every", 60*time.Second, "how often a charging charge point sends MeterValues")
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
	if *every < time.Second {
		return badInput{fmt.Errorf("--meter-every must be at least 1s")}
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
	m := &fleetMeter{dropped: make([]atomic.Bool, *n)}
	fleet, err := demo.RunLoadFleet(fctx, d, *url, *n, *every, m.tune)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "ready %d\n", len(fleet))
	lines := make(chan string)
	go func() {
		in := bufio.NewScanner(os.Stdin)
		for in.Scan() {
			lines <- strings.TrimSpace(in.Text())
		}
		close(lines)
	}()
commands:
	for {
		select {
		case <-ctx.Done():
			break commands
		case cmd, ok := <-lines:
			switch {
			case !ok:
				if isPipe(os.Stdin) { // run by bench, which went away
					break commands
				}
				lines = nil // /dev/null, a file or a closed terminal: run until a signal
			case cmd == "mark":
				m.calls.Reset()
				fmt.Fprintln(stdout, "marked")
			case cmd == "calls":
				fmt.Fprintln(stdout, "calls", m.calls.Summary())
			case cmd == "storm":
				fmt.Fprintln(stdout, "storm", m.storm(ctx, fleet))
				fmt.Fprintln(stdout, "calls", m.calls.Summary())
			case cmd != "":
				fmt.Fprintf(stdout, "unknown command %q (mark, calls, storm)\n", cmd)
			}
		}
	}
	stopLoadFleet(fctx, fleet)
	sent, boots := fleetCounts(fleet)
	fmt.Fprintf(stdout, "sent %d boots %d\n", sent, boots)
	return nil
}

// cutByDrop reports whether err is a call's end when its connection was closed under it.
func cutByDrop(err error) bool {
	return errors.Is(err, chargepoint.ErrConnectionLost) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "use of closed network connection")
}

// isPipe reports whether f is a pipe (as bench runs the fleet).
func isPipe(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeNamedPipe != 0
}

// fleetMeter measures a load fleet: every OCPP call's round trip, and in a storm how long each
// charge point took to be back.
type fleetMeter struct {
	calls      bench.Latencies // OCPP calls' round trips
	connects   bench.Latencies // WebSocket handshakes
	reconnects bench.Latencies
	dropped    []atomic.Bool // charge point i was dropped and is not back yet
	stormAt    atomic.Int64  // when the storm began, Unix ns
	cut        atomic.Int64  // calls in flight when their connection was dropped
	back       sync.WaitGroup
}

func (m *fleetMeter) tune(i int, cfg *chargepoint.Config) {
	cfg.Observe = func(action string, took time.Duration, err error) {
		switch {
		case err != nil && m.dropped[i].Load() && cutByDrop(err):
			m.cut.Add(1) // in flight on a connection the storm dropped: expected, not a failure
		case action == "(connect)":
			m.connects.Add(took, err)
		default:
			m.calls.Add(took, err)
		}
	}
	cfg.Ready = func() {
		if m.dropped[i].Swap(false) {
			m.reconnects.Add(time.Since(time.Unix(0, m.stormAt.Load())), nil)
			m.back.Done()
		}
	}
}

// storm drops every charge point's connection at the same moment, waits (a minute at most)
// until all are back, and sums up how long each took.
func (m *fleetMeter) storm(ctx context.Context, fleet []*chargepoint.ChargePoint) string {
	m.reconnects.Reset()
	m.calls.Reset()
	m.connects.Reset()
	m.cut.Store(0)
	m.back.Add(len(fleet))
	for i := range fleet {
		m.dropped[i].Store(true)
	}
	m.stormAt.Store(time.Now().UnixNano())
	for _, cp := range fleet {
		cp.Drop()
	}
	done := make(chan struct{})
	go func() { m.back.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
	case <-ctx.Done():
	}
	missing := 0
	for i := range fleet {
		if m.dropped[i].Load() {
			missing++
		}
	}
	s := m.reconnects.Summary()
	s += "; their WebSocket handshakes, ms: " + m.connects.Summary()
	if n := m.cut.Load(); n > 0 {
		s += fmt.Sprintf(" (%d calls in flight were cut by the drop)", n)
	}
	if missing > 0 {
		s += fmt.Sprintf(", %d not back after a minute", missing)
	}
	return s
}

// fleetProcess is a `chargedesk fleet` child process.
type fleetProcess struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	lines *bufio.Scanner
}

// startFleet runs `chargedesk fleet` against url and waits until its charge points charge.
func startFleet(dbPath, url string, n int, meterEvery time.Duration) (*fleetProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "fleet", "--db", dbPath, "--url", url, "--chargers", strconv.Itoa(n), "--meter-every", meterEvery.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	f := &fleetProcess{cmd: cmd, in: in, lines: bufio.NewScanner(out)}
	if !f.lines.Scan() || !strings.HasPrefix(f.lines.Text(), "ready ") {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("the charge point fleet did not start (%s)", f.lines.Text())
	}
	return f, nil
}

// ask sends the fleet a command and returns its next line of answer.
func (f *fleetProcess) ask(cmd string) string {
	if _, err := fmt.Fprintln(f.in, cmd); err != nil || !f.lines.Scan() {
		return "(the fleet did not answer)"
	}
	return f.lines.Text()
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
	return procStatus(fmt.Sprintf("/proc/%d/status", f.cmd.Process.Pid), "VmRSS")
}

// stop ends the fleet (its charge points stop their transactions) and returns its last line.
func (f *fleetProcess) stop() string {
	f.in.Close()
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

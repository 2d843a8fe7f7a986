package main

import (
	"os"
	"runtime/debug"
)

// tuneGC sets how the server trades memory for CPU, unless GOGC or GOMEMLIMIT say otherwise.
// A request allocates a lot of short-lived memory (html/template evaluates every action
// through reflection) over a small live heap, so Go's default (collect when the heap doubles)
// spent 15–20 % of a page's CPU collecting. Collecting when it has grown fivefold, with a
// soft ceiling of 48 MiB on the Go runtime's memory, gave every page 20–50 % more throughput
// in `chargedesk bench`, with the whole process (load generator included) near 80 MB resident.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(48 << 20)
	}
}

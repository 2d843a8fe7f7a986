package main

import (
	"os"
	"runtime/debug"
	"sync/atomic"
)

// tuneGC sets how the server trades memory for CPU, unless GOGC or GOMEMLIMIT say otherwise.
// A request allocates a lot of short-lived memory (html/template evaluates every action
// through reflection) over a small live heap, so Go's default (collect when the heap doubles)
// spent 15–20 % of a page's CPU collecting. Collecting when it has grown fivefold, with a
// soft ceiling of 48 MiB on the Go runtime's memory, gave every page 20–50 % more throughput
// in `chargedesk bench`, with the whole process (load generator included) near 80 MB resident.
//
// The ceiling grows with the charge points connected (chargePointsConnected): each holds a
// goroutine, its buffers and its state (about 45 KiB measured with 5,000 connected: an 8 KiB
// stack, the hijacked connection's 4 KiB read and write buffers, the WebSocket's state). A
// fixed ceiling below the live heap made the collector run without pause: with 1,000 charge
// points pages served 4× fewer requests, half the CPU spent collecting. 64 KiB each leaves
// the collector room: at 40 KiB, 5,000 charge points ran it nearly without pause (45 % of the
// CPU in a reconnect storm, OCPP p99 67 ms under page load; at 64 KiB 52 ms, storm 30–50 %
// faster), for ~110 MB more resident memory.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryCeiling(0))
		tunedLimit.Store(true)
	}
}

var tunedLimit atomic.Bool

// memoryCeiling is the Go runtime's soft memory limit with n charge points connected.
func memoryCeiling(n int) int64 { return 48<<20 + int64(n)*perChargePoint }

const perChargePoint = 64 << 10

// chargePointsConnected moves the soft memory limit with the charge points connected (unless
// GOMEMLIMIT set it).
func chargePointsConnected(n int) {
	if tunedLimit.Load() {
		debug.SetMemoryLimit(memoryCeiling(n))
	}
}

//go:build !race

package handlers_test

// raceDetector: this test binary runs under the race detector (go test -race).
const raceDetector = false

//go:build !linux

package db

// freeBytes is unknown off Linux: the reserve is not enforced there, and a full disk is
// still caught by SQLITE_FULL.
func freeBytes(string) (int64, bool) { return 0, false }

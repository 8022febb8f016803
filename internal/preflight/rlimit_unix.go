//go:build linux || darwin

package preflight

import (
	"fmt"
	"syscall"
)

// nofile returns the soft and hard RLIMIT_NOFILE.
func nofile() (soft, hard uint64, err error) {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 0, 0, fmt.Errorf("failed to read RLIMIT_NOFILE: %w", err)
	}
	return r.Cur, r.Max, nil
}

// raiseNofile sets the soft RLIMIT_NOFILE to the hard one.
func raiseNofile(hard uint64) error {
	r := syscall.Rlimit{Cur: hard, Max: hard}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return fmt.Errorf("failed to raise RLIMIT_NOFILE to %d: %w", hard, err)
	}
	return nil
}

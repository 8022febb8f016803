//go:build !(linux || darwin)

package preflight

import "errors"

var errNoRlimit = errors.New("RLIMIT_NOFILE not available on this platform")

func nofile() (soft, hard uint64, err error) { return 0, 0, errNoRlimit }

func raiseNofile(uint64) error { return errNoRlimit }

package preflight

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// memAvailable reads MemAvailable from /proc/meminfo, in bytes: the kernel's
// own estimate of what can be allocated without swapping.
func memAvailable() (uint64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("failed to read MemAvailable: %w", err)
	}
	return parseMemAvailable(b)
}

// parseMemAvailable finds "MemAvailable: N kB".
func parseMemAvailable(b []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		if len(f) >= 2 && string(f[0]) == "MemAvailable:" {
			kb, err := strconv.ParseUint(string(f[1]), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("failed to parse MemAvailable %q: %w", f[1], err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("failed to find MemAvailable in /proc/meminfo")
}

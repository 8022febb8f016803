package preflight

import (
	"errors"
	"fmt"
	"log/slog"
)

// MemRefuseFactor is how far the memory estimate may exceed MemAvailable
// before [Check] refuses (beyond MemAvailable it only warns): the estimate is
// a budget measured on one machine, not a promise, and the kernel reclaims
// caches past MemAvailable's guess.
const MemRefuseFactor = 1.5

// ErrInsufficient is wrapped by every [LimitError].
var ErrInsufficient = errors.New("plan does not fit")

// LimitError says which limit a plan exceeds, by how much and how to raise it.
type LimitError struct {
	// Limit is "RLIMIT_NOFILE" or "MemAvailable".
	Limit string
	// Need and Have are descriptors, or bytes for memory.
	Need, Have uint64
	// Plan is the computed need the limit was compared with.
	Plan Need
	// Soft and Hard are RLIMIT_NOFILE as found (descriptors only).
	Soft, Hard uint64
}

func (e *LimitError) Error() string {
	if e.Limit != "MemAvailable" {
		return fmt.Sprintf("preflight: %s too low: this plan needs %d file descriptors (%d clients x %d + %d; %s) "+
			"but the limit is %d (soft %d, hard %d), room for %d clients; "+
			"raise it (`ulimit -n %d`, /etc/security/limits.conf nofile, or LimitNOFILE=%d in a systemd unit), "+
			"or split the stack: run `wschaos serve` and a toxiproxy-server as separate processes "+
			"(--target ws://127.0.0.1:PORT/ws --toxiproxy http://127.0.0.1:PORT: 1 descriptor per client here), "+
			"or shard the clients over several processes; --skip-preflight runs anyway",
			e.Limit, e.Need, e.Plan.Layout.Clients, e.Plan.FDsPerClient, e.Need-uint64(e.Plan.Layout.Clients*e.Plan.FDsPerClient),
			e.Plan.Layout, e.Have, e.Soft, e.Hard, MaxClients(e.Plan.Layout, e.Have), e.Need, e.Need)
	}
	return fmt.Sprintf("preflight: memory: this plan needs about %s (%d clients, %d messages; %s) "+
		"but MemAvailable is %s; run fewer clients or a shorter load, split the stack "+
		"(`wschaos serve` and a toxiproxy-server as separate processes), or shard the clients; --skip-preflight runs anyway",
		mib(e.Need), e.Plan.Layout.Clients, e.Plan.Layout.Messages, e.Plan.Layout, mib(e.Have))
}

// Unwrap makes errors.Is(err, ErrInsufficient) hold.
func (e *LimitError) Unwrap() error { return ErrInsufficient }

// Options tune [Check].
type Options struct {
	// Raise sets the soft RLIMIT_NOFILE to the hard limit before comparing
	// (a run); without it the hard limit is what the run would get (--check).
	Raise bool
	// Logger receives the raise and the warnings (nil: slog.Default()).
	Logger *slog.Logger
}

// Report is what [Check] found.
type Report struct {
	Need Need
	// Soft and Hard are RLIMIT_NOFILE after any raise (0: unknown).
	Soft, Hard uint64
	// MemAvailable in bytes (0: unknown).
	MemAvailable uint64
	// Warnings are the concerns short of a refusal.
	Warnings []string
}

// Check compares n with this process's limits, raising the soft
// RLIMIT_NOFILE first when asked. It returns a *LimitError when the plan
// cannot fit; a limit it cannot read is a warning, not a refusal.
func Check(n Need, o Options) (Report, error) {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	r := Report{Need: n}
	warn := func(msg string) {
		r.Warnings = append(r.Warnings, msg)
		log.Warn("preflight: " + msg)
	}
	var fdErr error
	soft, hard, err := nofile()
	if err != nil {
		warn(err.Error())
	} else {
		if o.Raise && soft < hard {
			if err := raiseNofile(hard); err != nil {
				warn(err.Error())
			} else {
				log.Info("preflight: raised RLIMIT_NOFILE", "from", soft, "to", hard, "need", n.FDs)
				soft = hard
			}
		}
		r.Soft, r.Hard = soft, hard
		have := soft
		if !o.Raise {
			have = hard
		}
		if uint64(n.FDs) > have {
			fdErr = &LimitError{Limit: "RLIMIT_NOFILE", Need: uint64(n.FDs), Have: have, Soft: soft, Hard: hard, Plan: n}
		}
	}
	avail, err := memAvailable()
	if err != nil {
		warn(err.Error())
		return r, fdErr
	}
	r.MemAvailable = avail
	if fdErr != nil {
		return r, fdErr
	}
	w, err := judgeMemory(n, avail)
	if w != "" {
		warn(w)
	}
	return r, err
}

// judgeMemory refuses an estimate past MemRefuseFactor x avail and warns
// about one past avail.
func judgeMemory(n Need, avail uint64) (warning string, err error) {
	switch {
	case float64(n.Memory) > MemRefuseFactor*float64(avail):
		return "", &LimitError{Limit: "MemAvailable", Need: n.Memory, Have: avail, Plan: n}
	case n.Memory > avail:
		return fmt.Sprintf("memory estimate %s exceeds MemAvailable %s; the run may swap or be killed", mib(n.Memory), mib(avail)), nil
	}
	return "", nil
}

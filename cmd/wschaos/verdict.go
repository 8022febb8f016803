package main

import (
	"errors"

	"github.com/wschaos/wschaos/internal/report"
)

// exitInconclusive is wschaos run's exit status when the harness itself
// failed during the run (its agent disconnected, fell behind or was killed
// as a slow consumer, or it offered less than the nominal load): the run
// says nothing about the system, pass or fail.
const exitInconclusive = 3

// errInconclusive is the error behind exit 3.
var errInconclusive = errors.New("inconclusive: the harness failed during the run (see the harness section); rerun with fewer clients or a split stack (docs/SCALE.md)")

// verdictExit maps a finished run's report to wschaos run's exit: nil when
// it passed, exit 3 when inconclusive, exit 1 when an SLO failed.
func verdictExit(r *report.Report) error {
	switch r.Verdict {
	case report.VerdictPass:
		return nil
	case report.VerdictInconclusive:
		return &exitError{code: exitInconclusive, err: errInconclusive}
	}
	return &exitError{code: exitFailed}
}

// verdictHelp is the exit-status paragraph of wschaos run --help.
const verdictHelp = `Exit status: 0 every SLO held, 1 an SLO failed (or the run could not
complete), 2 usage or configuration error (bad flag, invalid scenario, or a
plan this process cannot fit: see Preflight), 3 inconclusive: the harness
itself failed (its agent was disconnected outside an injected server fault,
fell behind or was dropped as a slow consumer, or it offered under 99% of
the nominal load); nothing is counted lost on its account and the report's
harness section says what happened.`

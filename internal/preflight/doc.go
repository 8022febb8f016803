// Package preflight decides, before a run connects anything, whether a
// plan fits this process: the file descriptors it needs against
// RLIMIT_NOFILE (raising the soft limit to the hard one) and its estimated
// memory against MemAvailable.
//
//	need := preflight.Compute(preflight.LayoutOf(plan))
//	rep, err := preflight.Check(need, preflight.Options{Raise: true})
//	// err is a *LimitError (errors.Is ErrInsufficient) naming the limit,
//	// the need, the have and how to raise it.
//
// [PlanGC] picks the garbage collector's policy for the same need: a soft
// memory limit for plans of [GCMinClients] clients or more, which
// [GCPolicy.Apply] keeps above the measured live set, and nothing when the
// user set GOGC or GOMEMLIMIT.
//
// Descriptors per load client ([Compute]): 1 for its socket, +2 with the
// embedded Toxiproxy (accept, upstream dial), +1 with the local fault server
// (accept): 4 all-embedded (so 4,983 clients in 20,000 descriptors), 2 with
// an external toxiproxy-server, 3 against a target through the embedded
// proxy, 1 against a target through an external proxy. Plus the agent
// session (1, +1 local) and [FDMargin].
//
// Memory budget, measured on the 2-core CI machine (peak RSS, ru_maxrss by
// /usr/bin/time -f %M, of `wschaos run` all-embedded, 2 channels, 1
// message/s each way, one 3 s restart; three runs each):
//
//	20 clients, 15 s:  33.4, 35.5, 34.3 MiB  (mean 34.4 MiB)
//	200 clients, 15 s: 164.8, 158.0, 153.4 MiB (mean 158.7 MiB)
//	200 clients, 30 s: 194.9, 219.0 MiB (two runs, mean 207.0 MiB)
//
// 30 s against 15 s at 200 clients: 9,000 more publications for 48.3 MiB,
// 5.5 KiB each ([MemPerMessage]: the recorder and the queues). 200 against
// 20 clients at 15 s: 707 KiB per client, less its 45 publications, 460 KiB
// ([MemPerClient]: sessions, goroutines, send queues, Toxiproxy's link
// buffers); what is left at 20 clients, about 21 MiB, rounds up to
// [MemBase]. Against the 30 s runs this overestimates (957 MiB for
// 1,000 clients measured at 845 MiB; 4.1 GiB for 4,500 at 3.24 GiB), which
// is why memory only refuses past [MemRefuseFactor] x MemAvailable. The
// figures are for the embedded layout and are used for all layouts (an
// upper bound where Toxiproxy runs elsewhere); re-measure when the recorder
// or the session layer changes.
package preflight

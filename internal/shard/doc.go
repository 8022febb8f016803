// Package shard splits one wschaos run over n processes and joins their
// results into one verdict.
//
// A sharded run has three halves, each here and none of them wired to the
// harness (cmd/wschaos does that):
//
//   - Before the run: [ParseSpec] / [SpecFromEnv] read "--shard i/n" (or a
//     Kubernetes Indexed Job's JOB_COMPLETION_INDEX), [Spec.Clients] gives the
//     shard's slice of the plan's clients, [ClientSeed] and [Spec.Seed] derive
//     seeds from the run seed, [ChannelName] names channels so no two shards
//     or runs share one, and [ParseStartAt] + [WaitStart] line the shards up
//     on one start instant.
//   - After the run: each shard writes a [Partial]: counters and mergeable
//     quantile sketches ([Sketch]), never per-message data, encoded by
//     [Encode] as versioned JSON.
//   - The gate: [Merge] checks that the partials are exactly shards 0..n-1 of
//     one run of one scenario version and adds them up; the SLOs are then
//     evaluated once over the [Merged] result.
//
// The CLI this package serves (wired in cmd/wschaos; the manifests in
// deploy/kubernetes and docker-compose.yml use it, and deploy/kubernetes's
// TestFlagsAreReal checks every flag they pass against the binary's --help):
//
//	wschaos run --shard i/n            ParseSpec
//	            --shards n             SpecFromEnv: $JOB_COMPLETION_INDEX and n
//	            --partial FILE         Encode a Partial; exit 0 once written, 2 on usage errors (late start included)
//	            --start-at RFC3339     ParseStartAt (else $WSCHAOS_START_AT), then WaitStart
//	            --target-admin URL     shard 0 only drives the fault server's admin API
//	            --target-admin-token T | --target-admin-token-file FILE   (else $WSCHAOS_ADMIN_TOKEN)
//	wschaos merge [--report-json F --junit F --html F] PARTIAL...   Load, Merge; exit 0/1/2
//
// Quantiles come from DDSketch (github.com/DataDog/sketches-go): a merged
// sketch is bin-for-bin the sketch of all samples, so the merge itself adds no
// error, and every quantile is within [RelativeAccuracy] of the exact one.
package shard

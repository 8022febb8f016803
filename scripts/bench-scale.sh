#!/usr/bin/env bash
# bench-scale: replay the `scale` built-in (a 3 s restart, 1 message/s each
# way per client, 30 s) at several client counts in one `wschaos run`
# process each, and print one row per size: clients, messages checked,
# offered/nominal, recovery p50/p99, peak RSS and CPU seconds of the child
# (getrusage via /usr/bin/time), and the verdict. The first row is a
# BASE-client run measured in the same invocation; "KiB/client" is the RSS
# above it per extra client, so figures are comparable across machines.
#
#   scripts/bench-scale.sh                 # SIZES="1000 2000", BASE=100
#   SIZES="1000 2000 4500" scripts/bench-scale.sh
#   make bench-scale SIZES="1000 2000"
#
# Needs /usr/bin/time (Debian: apt-get install time) and jq. Reports land in
# $OUT (default reports/bench-scale). The machine should be otherwise idle:
# on a shared machine CPU seconds and recovery times are noisy.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 2000"}
BASE=${BASE:-100}
OUT=${OUT:-reports/bench-scale}
SRC=internal/scenario/builtin/scale.yaml

for tool in /usr/bin/time jq; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "bench-scale: $tool not found (Debian: apt-get install -y time jq)" >&2
    exit 2
  fi
done
mkdir -p "$OUT"
bin="$OUT/wschaos"
go build -o "$bin" ./cmd/wschaos

printf '%-8s %-10s %-10s %-9s %-9s %-10s %-10s %-8s %-8s\n' \
  clients checked offered p50 p99 peak_rss KiB/client cpu_s verdict
base_rss=""
for n in $BASE $SIZES; do
  scen="$OUT/scale-$n.yaml"
  # The built-in with only the client count changed.
  sed -E "s/^  clients: [0-9]+$/  clients: $n/" "$SRC" >"$scen"
  grep -q "^  clients: $n$" "$scen" || { echo "bench-scale: could not set clients in $scen" >&2; exit 2; }
  json="$OUT/scale-$n.json"
  rc=0
  /usr/bin/time -f '%M %U %S' -o "$OUT/time-$n.txt" \
    "$bin" run -q --seed 1 --report-json "$json" --html "$OUT/scale-$n.html" "$scen" >"$OUT/run-$n.txt" 2>&1 || rc=$?
  rss_kib=$(grep -Eo '^[0-9]+ [0-9.]+ [0-9.]+' "$OUT/time-$n.txt" | awk '{print $1}')
  cpu=$(grep -Eo '^[0-9]+ [0-9.]+ [0-9.]+' "$OUT/time-$n.txt" | awk '{printf "%.1f", $2 + $3}')
  verdict="exit$rc"
  if [ -s "$json" ]; then
    checked=$(jq -r '.metrics.sent // 0' "$json")
    offered=$(jq -r 'if .metrics.offered_ratio then "\(.metrics.offered_ratio * 100 | floor)%" else "n/a" end' "$json")
    p50=$(jq -r '"\(.recovery.p50_ms / 1000 * 100 | round / 100)s"' "$json")
    p99=$(jq -r '"\(.recovery.p99_ms / 1000 * 100 | round / 100)s"' "$json")
    [ "$(jq -r .pass "$json")" = true ] && verdict=pass || verdict="fail($rc)"
  else
    checked=n/a offered=n/a p50=n/a p99=n/a
  fi
  per=n/a
  if [ -z "$base_rss" ]; then
    base_rss=$rss_kib
    per=base
  elif [ "$n" -gt "$BASE" ]; then
    per=$(( (rss_kib - base_rss) / (n - BASE) ))
  fi
  printf '%-8s %-10s %-10s %-9s %-9s %-10s %-10s %-8s %-8s\n' \
    "$n" "$checked" "$offered" "$p50" "$p99" "$((rss_kib / 1024))MiB" "$per" "$cpu" "$verdict"
done
echo "reports, scenario files and run logs: $OUT (machine: $(nproc) cores, $(uptime | sed 's/.*load/load/'))"

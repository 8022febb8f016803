#!/usr/bin/env bash
# Runs the chaos scenarios against a real toxiproxy-server (external mode):
# installs it, starts it on loopback with the repository's toxiproxy.json,
# runs the suite with TOXIPROXY_URL pointing at it, and stops it by PID.
#
#   scripts/ci-external.sh                  # the whole suite, external specs included
#   LABELS='smoke || loss' scripts/ci-external.sh   # any ginkgo label filter
#   JUNIT=reports/external.xml scripts/ci-external.sh
#   CLI=0 scripts/ci-external.sh            # skip the `wschaos run` checks
#
# After the suite, the same toxiproxy-server carries two `wschaos run --short`
# checks of the CLI's external mode: a built-in on the run's own fault server
# behind the named proxy from toxiproxy.json, and target mode against a
# `wschaos serve` started here (SERVE_PORT) standing in for "your server".
set -euo pipefail
cd "$(dirname "$0")/.."

port="${TOXIPROXY_PORT:-8474}"
labels="${LABELS:-}"
bin="$(go env GOPATH)/bin"

go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0
cp "$bin/server" "$bin/toxiproxy-server" # `go install` names the binary after its directory

"$bin/toxiproxy-server" -host 127.0.0.1 -port "$port" -config toxiproxy.json >"${TMPDIR:-/tmp}/toxiproxy-$port.log" 2>&1 &
pid=$!
pids=("$pid")
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT

# wait_port PORT PID LOG: wait (up to 10s) until PORT accepts connections.
wait_port() {
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    kill -0 "$2" 2>/dev/null || { cat "$3"; return 1; }
    sleep 0.1
  done
  echo "port $1 did not open in 10s" >&2; cat "$3"; return 1
}
wait_port "$port" "$pid" "${TMPDIR:-/tmp}/toxiproxy-$port.log"

args=(--race --timeout=15m)
if [ -n "$labels" ]; then args+=(--label-filter="$labels"); fi
if [ -n "${JUNIT:-}" ]; then mkdir -p "$(dirname "$JUNIT")"; args+=(--junit-report="$JUNIT"); fi
TOXIPROXY_URL="http://127.0.0.1:$port" go tool ginkgo "${args[@]}" .

[ "${CLI:-1}" = 1 ] || exit 0
api="http://127.0.0.1:$port"
reports="${REPORTS:-reports}"
mkdir -p "$reports"
wschaos="$(mktemp -d)/wschaos"
go build -o "$wschaos" ./cmd/wschaos

echo "== wschaos run --short default --toxiproxy $api --proxy wschaos_session"
"$wschaos" run --short default --toxiproxy "$api" --proxy wschaos_session \
  --junit "$reports/cli-external.xml" --report-json "$reports/cli-external.json"

serve_port="${SERVE_PORT:-18090}"
serve_log="${TMPDIR:-/tmp}/wschaos-serve-$serve_port.log"
"$wschaos" serve --listen "127.0.0.1:$serve_port" --admin-addr "127.0.0.1:$((serve_port + 1))" >"$serve_log" 2>&1 &
pids+=("$!")
wait_port "$serve_port" "$!" "$serve_log"
echo "== wschaos run --short flaky-network --target ws://127.0.0.1:$serve_port/ws --toxiproxy $api --proxy wschaos_session"
"$wschaos" run --short flaky-network --target "ws://127.0.0.1:$serve_port/ws" --toxiproxy "$api" --proxy wschaos_session \
  --junit "$reports/cli-target.xml" --report-json "$reports/cli-target.json"

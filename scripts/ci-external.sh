#!/usr/bin/env bash
# Runs the chaos scenarios against a real toxiproxy-server (external mode):
# installs it, starts it on loopback with the repository's toxiproxy.json,
# runs the suite with TOXIPROXY_URL pointing at it, and stops it by PID.
#
#   scripts/ci-external.sh                  # the whole suite, external specs included
#   LABELS='smoke || loss' scripts/ci-external.sh   # any ginkgo label filter
#   JUNIT=reports/external.xml scripts/ci-external.sh
set -euo pipefail
cd "$(dirname "$0")/.."

port="${TOXIPROXY_PORT:-8474}"
labels="${LABELS:-}"
bin="$(go env GOPATH)/bin"

go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.12.0
cp "$bin/server" "$bin/toxiproxy-server" # `go install` names the binary after its directory

"$bin/toxiproxy-server" -host 127.0.0.1 -port "$port" -config toxiproxy.json >"${TMPDIR:-/tmp}/toxiproxy-$port.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT

# Wait (up to 10s) for the API to accept connections.
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$pid" 2>/dev/null || { cat "${TMPDIR:-/tmp}/toxiproxy-$port.log"; exit 1; }
  sleep 0.1
done

args=(--race --timeout=15m)
if [ -n "$labels" ]; then args+=(--label-filter="$labels"); fi
if [ -n "${JUNIT:-}" ]; then mkdir -p "$(dirname "$JUNIT")"; args+=(--junit-report="$JUNIT"); fi
TOXIPROXY_URL="http://127.0.0.1:$port" go tool ginkgo "${args[@]}" .

#!/usr/bin/env bash
# Runs the chaos scenarios against a real toxiproxy-server (external mode):
# installs it, starts it on loopback with the repository's toxiproxy.json,
# runs the suite with TOXIPROXY_URL pointing at it, and stops it by PID.
#
#   harness/testdata/ci-external.sh                 # labels: external || smoke || loss
#   LABELS='!storm' harness/testdata/ci-external.sh # any ginkgo label filter
set -euo pipefail
cd "$(dirname "$0")/../.."

port="${TOXIPROXY_PORT:-8474}"
labels="${LABELS:-external || smoke || loss}"
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

TOXIPROXY_URL="http://127.0.0.1:$port" go tool ginkgo --race --label-filter="$labels" .

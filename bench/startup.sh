#!/usr/bin/env bash
# Cold start of `serve` to its first HTTPS answer, after the first run has created the CA
# and the certificate; then the idle resident memory. Usage: bench/startup.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."

bin=target/release/sms-bridge
runs=${1:-20}
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap 'rm -rf "$data"' EXIT

"$bin" --data-dir "$data" cert show >/dev/null   # the first run: CA and certificate
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" --data-dir "$data" serve --port "$port" >/dev/null 2>&1 &
  pid=$!
  until curl -sf --cacert "$data/tls/ca.crt" "https://localhost:$port/api/health" >/dev/null; do
    sleep 0.002
  done
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
echo "cold start to first HTTPS answer over $runs runs: median $(echo "$sorted" | sed -n "$(( (runs + 1) / 2 ))p") ms, max $(echo "$sorted" | tail -n 1) ms"

"$bin" --data-dir "$data" serve --port "$port" >/dev/null 2>&1 &
pid=$!
until curl -sf --cacert "$data/tls/ca.crt" "https://localhost:$port/api/health" >/dev/null; do sleep 0.01; done
curl -sf --cacert "$data/tls/ca.crt" "https://localhost:$port/taskpane.html" >/dev/null
sleep 2
echo "idle resident memory: $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MiB"
echo "release binary: $(( $(stat -c %s "$bin") / 1024 / 1024 )) MiB ($(stat -c %s "$bin") bytes)"
if command -v wrk >/dev/null; then
  cp "$data/tls/ca.crt" "$data/ca.pem"
  wrk -t2 -c16 -d10s "https://localhost:$port/taskpane.html" | sed -n '1,12p'
fi
kill "$pid"; wait "$pid" 2>/dev/null || true

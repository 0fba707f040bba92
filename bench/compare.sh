#!/usr/bin/env bash
# Runs the same scenarios against Banter, ngIRCd and InspIRCd on this machine,
# the server pinned to CPU 0 and banter-bench to CPU 1, a fresh server for each
# run, RUNS runs each; prints a table of medians and Banter's ratio to the
# better peer. Raw JSON lines go to bench/results/.
#   bench/compare.sh            all scenarios, 3 runs
#   RUNS=1 bench/compare.sh throughput-100
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/peers.sh

RUNS=${RUNS:-3}
PORT=${PORT:-17000}
SERVERS=${SERVERS:-"banter ngircd inspircd"}
OUT=bench/results
mkdir -p "$OUT"

# name | banter-bench arguments
SCENARIOS=(
  "throughput-100|--clients 100 --senders 10 --messages 2000"
  "throughput-1000|--clients 1000 --senders 10 --messages 500"
  "latency-1000|--clients 1000 --senders 10 --messages 100 --rate 10"
  "idle-5000|--idle 5000 --hold 2"
  "idle-10000|--idle 10000 --hold 2"
)
wanted=("$@")

peers_install >/dev/null
cargo build --release --no-default-features --bin banter-server --bin banter-bench >/dev/null 2>&1
BENCH=target/release/banter-bench

stamp=$(date -u +%Y%m%dT%H%M%SZ)
results="$OUT/$stamp.jsonl"
for entry in "${SCENARIOS[@]}"; do
  name=${entry%%|*}
  args=${entry#*|}
  if [ ${#wanted[@]} -gt 0 ] && [[ ! " ${wanted[*]} " == *" $name "* ]]; then continue; fi
  for server in $SERVERS; do
    for run in $(seq 1 "$RUNS"); do
      dir=$(mktemp -d)
      pid=$(start_server "$server" "$PORT" 0 "$dir")
      # shellcheck disable=SC2086
      # Connections set up at once: ngIRCd resets them when hundreds arrive
      # together; InspIRCd takes about a second per registration, so it needs
      # many in flight. Connect time is not compared.
      case "$server" in ngircd) batch=20 ;; inspircd) batch=1000 ;; *) batch=200 ;; esac
      json=$(taskset -c 1 "$BENCH" --addr "127.0.0.1:$PORT" $args --connect-batch "$batch" --server-pid "$pid" --json --timeout "${TIMEOUT:-240}" || true)
      stop_server "$pid"
      rm -rf "$dir"
      echo "{\"scenario\":\"$name\",\"server\":\"$server\",\"run\":$run,\"result\":${json:-null}}" >> "$results"
      echo "$name $server run $run: $(echo "$json" | cut -c1-160)" >&2
      sleep 1
    done
  done
done

python3 bench/summarize.py "$results"
echo "raw results: $results" >&2

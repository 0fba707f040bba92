#!/usr/bin/env bash
# Instructions the server executes per delivery, counted by callgrind: a
# figure that does not depend on what else the machine is doing, for
# comparing builds (e.g. before and after a change on the fan-out path).
#
#   bench/callgrind.sh NAME SERVER_BINARY [extra server flags...]
#
# With TOGGLE set, only that handler is counted (e.g. the PRIVMSG fan-out).
#
# Runs the server under valgrind on a loopback port, loads it with
# banter-bench (100 clients, 10 senders x 100 messages: 99,000 deliveries),
# stops it, and prints one JSON line: instructions in all, in the event-loop
# thread, and per delivery. Raw callgrind files go to bench/results/callgrind/
# (not kept in git: tens of MB each); the lines behind BENCHMARKS.md are in
# bench/results/callgrind.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1; server=$2; shift 2
BENCH=${BENCH:-target/release/banter-bench}
PORT=${PORT:-17100}
out=bench/results/callgrind
mkdir -p "$out"
dir=$(mktemp -d)
# TOGGLE='*privmsg*' counts only inside matching functions (and what they call).
valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$out/$name.%p" \
  ${TOGGLE:+--toggle-collect="$TOGGLE"} \
  "$server" --bind 127.0.0.1 --port "$PORT" --no-flood-control --max-per-ip 0 --connects-per-minute 0 \
  --log-level warn --no-message-log --ping-interval 3000 --ping-timeout 6000 \
  --registration-timeout 3000 "$@" > "$dir/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break
  sleep 0.2
done
json=$("$BENCH" --addr "127.0.0.1:$PORT" --clients "${CLIENTS:-100}" --senders 10 --messages "${MESSAGES:-100}" \
  --connect-batch 50 --json --timeout 900)
kill -INT "$pid"
wait "$pid" || true
deliveries=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["delivered"])' "$json")
python3 - "$name" "$out" "$pid" "$deliveries" <<'PY'
import glob, json, sys
name, out, pid, deliveries = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
total = main = 0
for path in glob.glob(f"{out}/{name}.{pid}*"):
    ir = 0
    with open(path) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                ir = int(line.split()[1])
    total += ir
    if path.endswith("-01"):
        main = ir
print(json.dumps({"name": name, "deliveries": deliveries, "instructions": total,
                  "loop_thread": main,
                  "per_delivery": round(total / max(deliveries, 1), 1),
                  "loop_per_delivery": round(main / max(deliveries, 1), 1)}))
PY
rm -rf "$dir"

#!/usr/bin/env bash
# The desktop client under load (issue 18): a release `banter` window in a
# room of 40 members that receives 10,000 lines at 500 messages/s. Measures
# the client process from /proc: resident memory (VmRSS, VmHWM) before and
# after the load, its CPU (share of one core) while the lines arrive, how
# long it takes to fall quiet once the generator is done (catch_up_s: from
# the generator's end to the start of the first 1-second window under 5% CPU,
# sampled every 0.5 s, at most 60 s), and its CPU over 10 idle seconds after.
#
# What runs, all on 127.0.0.1 and in temporary folders:
#   banter-server --bind 127.0.0.1 --no-flood-control, a fresh --data-dir;
#   Xvfb on a free display, and `banter --server 127.0.0.1:PORT --name teacher`
#   on it (SLINT_BACKEND=winit-software, its own HOME and settings);
#   banter-bench: 39 clients join #lobby, 10 of them send 1,000 lines each at
#   50/s (the window is the 40th member).
# Prints one JSON line and appends it to bench/results/client.jsonl; the
# screenshots, logs and a 0.5 s trace of the client's CPU and RSS go to
# $OUT_DIR (default /tmp/banter-client-bench-<time>), not into git.
#
# Run it only in a network namespace that has nothing but loopback, so that
# nothing can reach another machine (it refuses otherwise):
#   export CARGO_TARGET_DIR=...  # if the build lives elsewhere than target/
#   cargo build --release --bins
#   unshare -n bash -c 'ip link set lo up; BANTER_DISCOVERY=loopback bench/client.sh'
# Needs Xvfb, ImageMagick's `import` and python3 (for a free port); with
# xdotool it also takes a second screenshot after a full redraw. Takes
# about a minute. Knobs: MEMBERS, SENDERS, MESSAGES, RATE (per sender),
# SETTLE (seconds before the load), IDLE (idle window), OUT_DIR, HOLD
# (seconds to keep everything running at the end, to look at the window).
set -euo pipefail
cd "$(dirname "$0")/.."

MEMBERS=${MEMBERS:-40}
SENDERS=${SENDERS:-10}
MESSAGES=${MESSAGES:-1000}
RATE=${RATE:-50}
SETTLE=${SETTLE:-5}
IDLE=${IDLE:-10}
BIN=${CARGO_TARGET_DIR:-target}/release
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT_DIR=${OUT_DIR:-/tmp/banter-client-bench-$STAMP}
RESULTS=bench/results/client.jsonl

# Discovery (UDP) may reach this computer at most.
case "${BANTER_DISCOVERY:-}" in
  off | loopback) ;;
  *) BANTER_DISCOVERY=loopback ;;
esac
export BANTER_DISCOVERY

say() { echo "client.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}

# Loopback only: every interface this namespace has (netlink's view, via
# /proc/net/dev, not /sys which shows the mount's namespace) must be `lo`.
others=$(awk -F: 'NR > 2 { gsub(/ /, "", $1); if ($1 != "lo") print $1 }' /proc/net/dev)
if [ -n "$others" ]; then
  die "network interfaces other than lo ($(echo $others)): run me inside" \
    "unshare -n bash -c 'ip link set lo up; bench/client.sh'"
fi

for b in banter-server banter banter-bench; do
  [ -x "$BIN/$b" ] || die "no $BIN/$b: cargo build --release --bins (CARGO_TARGET_DIR=$BIN/..)"
done
command -v Xvfb >/dev/null || die "no Xvfb (apt-get install xvfb)"
command -v import >/dev/null || die "no import (apt-get install imagemagick)"

mkdir -p "$OUT_DIR" bench/results
TMP=$(mktemp -d /tmp/banter-client-bench.XXXXXX)
PIDS=()
# Whether process $1 runs (a child that ended is a zombie until waited for).
alive() {
  local s
  { read -r s <"/proc/$1/stat"; } 2>/dev/null || return 1
  s=${s##*) }
  [ "${s%% *}" != Z ]
}
# The processes this script started, the last started first (the client
# before its display), each given 5 s to end before it is killed.
cleanup() {
  set +e
  local i pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do
      alive "$pid" || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Microseconds since the epoch.
now_us() { echo "${EPOCHREALTIME/./}"; }
TICK=$(getconf CLK_TCK)
# utime + stime of every thread of process $1, in clock ticks (the fields
# after the command name, which may hold spaces, counted from the last ')').
cpu_ticks() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $((${12} + ${13}))
}
# A line of /proc/$1/status (VmRSS, VmHWM) in KiB.
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# Share of one core, in %: ticks over microseconds.
pct() { awk -v t="$1" -v us="$2" -v hz="$TICK" 'BEGIN { printf "%.1f", (us > 0 ? t / hz * 1e8 / us : 0) }'; }

# A free port on 127.0.0.1.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# Who is in #lobby, as the server says: a short-lived connection of its own
# (it does not join) registers, asks NAMES and quits; at most a few seconds.
lobby_names() {
  local fd line names=""
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || return 1
  printf 'NICK probe%s\r\nUSER probe 0 * :client.sh\r\n' "$RANDOM" >&"$fd"
  while IFS= read -r -t 3 line <&"$fd"; do
    line=${line%$'\r'}
    case "$line" in
      PING*) printf 'PONG %s\r\n' "${line#PING }" >&"$fd" ;;
      *" 001 "*) printf 'NAMES #lobby\r\n' >&"$fd" ;;
      *" 353 "*) names+=" ${line##* :}" ;;
      *" 366 "*) break ;;
    esac
  done
  printf 'QUIT\r\n' >&"$fd" 2>/dev/null || true
  exec {fd}>&-
  echo "$names"
}
in_lobby() {
  local re=' [~&@%+]?teacher '
  [[ " $(lobby_names 2>/dev/null) " =~ $re ]]
}

# 1. The server.
"$BIN/banter-server" --bind 127.0.0.1 --port "$PORT" --no-flood-control \
  --max-per-ip 0 --connects-per-minute 0 --no-message-log --no-discovery \
  --data-dir "$TMP/server" >"$OUT_DIR/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 50); do
  grep -q "listening on" "$OUT_DIR/server.log" && break
  alive "$SERVER" || die "the server stopped: $(tail -3 "$OUT_DIR/server.log")"
  sleep 0.1
done
grep -q "listening on" "$OUT_DIR/server.log" || die "the server did not start listening in 5 s"

# 2. A display, then the client on it.
D=79
while [ -e "/tmp/.X$D-lock" ] || [ -e "/tmp/.X11-unix/X$D" ]; do D=$((D + 1)); done
Xvfb ":$D" -screen 0 1280x800x24 -nolisten tcp >"$OUT_DIR/xvfb.log" 2>&1 &
XVFB=$!
PIDS+=("$XVFB")
for _ in $(seq 50); do
  [ -S "/tmp/.X11-unix/X$D" ] && break
  sleep 0.1
done
[ -S "/tmp/.X11-unix/X$D" ] || die "Xvfb :$D did not start: $(tail -3 "$OUT_DIR/xvfb.log")"

mkdir -p "$TMP/home" "$TMP/config" "$TMP/client" "$TMP/runtime"
chmod 700 "$TMP/runtime"
env -u WAYLAND_DISPLAY -u DBUS_SESSION_BUS_ADDRESS \
  DISPLAY=":$D" SLINT_BACKEND=winit-software \
  HOME="$TMP/home" XDG_CONFIG_HOME="$TMP/config" XDG_RUNTIME_DIR="$TMP/runtime" \
  BANTER_SETTINGS="$TMP/settings.toml" BANTER_DATA_DIR="$TMP/client" \
  "$BIN/banter" --server "127.0.0.1:$PORT" --name teacher >"$OUT_DIR/client.log" 2>&1 &
CLIENT=$!
PIDS+=("$CLIENT")
START=$(now_us)

# A trace of the client every 0.5 s: seconds since it started, CPU ticks,
# VmRSS KiB.
(
  while alive "$CLIENT"; do
    t=$(now_us)
    echo "$(((t - START) / 1000))	$(cpu_ticks "$CLIENT" 2>/dev/null)	$(status_kib "$CLIENT" VmRSS 2>/dev/null)"
    sleep 0.5
  done
) >"$OUT_DIR/trace.tsv" &
PIDS+=("$!")

joined=""
for _ in $(seq 60); do
  alive "$CLIENT" || die "the client stopped: $(tail -3 "$OUT_DIR/client.log")"
  if in_lobby; then
    joined=yes
    break
  fi
  sleep 0.5
done
[ -n "$joined" ] || die "the client did not join #lobby in 30 s: $(tail -3 "$OUT_DIR/client.log")"
JOIN_S=$(awk -v us="$(($(now_us) - START))" 'BEGIN { printf "%.1f", us / 1e6 }')
say "client (pid $CLIENT) in #lobby after ${JOIN_S} s on :$D, server on port $PORT"

# Before the load: let it settle, then an idle window of SETTLE seconds.
sleep "$SETTLE"
t0=$(now_us)
c0=$(cpu_ticks "$CLIENT")
sleep "$SETTLE"
t1=$(now_us)
c1=$(cpu_ticks "$CLIENT")
CPU_IDLE_BEFORE=$(pct $((c1 - c0)) $((t1 - t0)))
RSS_BEFORE=$(status_kib "$CLIENT" VmRSS)

# 3. The load. The generator also measures the client's CPU over its own
# send window (--server-pid reads any process).
say "loading: $((MEMBERS - 1)) clients, $SENDERS x $MESSAGES lines at $RATE/s each"
t2=$(now_us)
c2=$(cpu_ticks "$CLIENT")
x2=$(cpu_ticks "$XVFB")
BENCH_JSON=$("$BIN/banter-bench" --addr "127.0.0.1:$PORT" --channel '#lobby' \
  --clients $((MEMBERS - 1)) --senders "$SENDERS" --messages "$MESSAGES" \
  --rate "$RATE" --server-pid "$CLIENT" --json) || say "banter-bench failed: $BENCH_JSON"
t3=$(now_us)
alive "$CLIENT" || die "the client stopped during the load: $(tail -3 "$OUT_DIR/client.log")"
c3=$(cpu_ticks "$CLIENT")
x3=$(cpu_ticks "$XVFB")
RSS_AFTER=$(status_kib "$CLIENT" VmRSS)
CPU_DURING=$(pct $((c3 - c2)) $((t3 - t2)))
# The display server's share of drawing the frames (not the client's).
XVFB_DURING=$(pct $((x3 - x2)) $((t3 - t2)))
LOAD_S=$(awk -v us="$((t3 - t2))" 'BEGIN { printf "%.1f", us / 1e6 }')
echo "$BENCH_JSON" >"$OUT_DIR/bench.json"
bench_field() { python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1]).get(sys.argv[2])))' "$BENCH_JSON" "$1" 2>/dev/null || echo null; }
CPU_SEND_WINDOW=$(bench_field server_cpu_pct)
say "load over after ${LOAD_S} s: client CPU ${CPU_DURING}% (send window ${CPU_SEND_WINDOW}%, Xvfb ${XVFB_DURING}%), RSS ${RSS_AFTER} KiB"

# 4. Catching up: every 0.5 s until a 1-second window uses under 5% of a core.
ts=("$t3")
cs=("$c3")
CATCH_UP=null
while [ $((ts[-1] - t3)) -lt 60000000 ]; do
  sleep 0.5
  ts+=("$(now_us)")
  cs+=("$(cpu_ticks "$CLIENT")")
  n=${#ts[@]}
  [ "$n" -ge 3 ] || continue
  w=$(pct $((cs[n - 1] - cs[n - 3])) $((ts[n - 1] - ts[n - 3])))
  if awk -v w="$w" 'BEGIN { exit !(w < 5) }'; then
    CATCH_UP=$(awk -v us="$((ts[n - 3] - t3))" 'BEGIN { printf "%.1f", us / 1e6 }')
    break
  fi
done
say "quiet again after ${CATCH_UP} s"

# Idle after the load.
t4=$(now_us)
c4=$(cpu_ticks "$CLIENT")
sleep "$IDLE"
t5=$(now_us)
alive "$CLIENT" || die "the client stopped after the load: $(tail -3 "$OUT_DIR/client.log")"
c5=$(cpu_ticks "$CLIENT")
CPU_IDLE=$(pct $((c5 - c4)) $((t5 - t4)))
RSS_IDLE=$(status_kib "$CLIENT" VmRSS)
# The peak: VmHWM, or the highest VmRSS seen if higher (the kernel updates
# VmHWM lazily, so it can trail VmRSS by a few pages).
HWM=$(status_kib "$CLIENT" VmHWM)
for r in "$RSS_AFTER" "$RSS_IDLE" $(cut -f3 "$OUT_DIR/trace.tsv"); do
  [ -n "$r" ] && [ "$r" -gt "$HWM" ] && HWM=$r
done

# Still there and still in the room?
STILL_IN=false
in_lobby && STILL_IN=true
# The window as the client last painted it; then, with xdotool, once more
# after a resize by one pixel and back has made it draw everything anew.
DISPLAY=":$D" import -window root "$OUT_DIR/client.png" 2>>"$OUT_DIR/xvfb.log" || say "no screenshot"
if command -v xdotool >/dev/null; then
  win=$(DISPLAY=":$D" xdotool search --pid "$CLIENT" 2>/dev/null | head -1) || true
  if [ -n "$win" ]; then
    read -r w h < <(DISPLAY=":$D" xdotool getwindowgeometry "$win" | awk '/Geometry/ { split($2, a, "x"); print a[1], a[2] }')
    DISPLAY=":$D" xdotool windowsize "$win" $((w + 1)) $((h + 1)) && sleep 1
    DISPLAY=":$D" xdotool windowsize "$win" "$w" "$h" && sleep 1
    DISPLAY=":$D" import -window root "$OUT_DIR/client-redrawn.png" 2>>"$OUT_DIR/xvfb.log" || true
  fi
fi

# "bench" is banter-bench's own report; given the client's pid as
# --server-pid, its server_rss_* and server_cpu_pct fields are the client's.
JSON=$(printf '{"date":"%s","commit":"%s","members":%d,"lines":%d,"rate":%s,"rss_kib_before":%s,"rss_kib_after":%s,"hwm_kib":%s,"cpu_pct_during":%s,"cpu_pct_idle":%s,"catch_up_s":%s,"rss_kib_after_idle":%s,"cpu_pct_idle_before":%s,"cpu_pct_send_window":%s,"xvfb_cpu_pct_during":%s,"load_s":%s,"join_s":%s,"client_in_room_after":%s,"bench":%s}' \
  "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(git describe --always --dirty 2>/dev/null || echo unknown)" \
  "$MEMBERS" $((SENDERS * MESSAGES)) "$(awk -v s="$SENDERS" -v r="$RATE" 'BEGIN { print s * r }')" \
  "${RSS_BEFORE:-null}" "${RSS_AFTER:-null}" "${HWM:-null}" "$CPU_DURING" "$CPU_IDLE" "$CATCH_UP" \
  "${RSS_IDLE:-null}" "$CPU_IDLE_BEFORE" "$CPU_SEND_WINDOW" "$XVFB_DURING" "$LOAD_S" "$JOIN_S" "$STILL_IN" "${BENCH_JSON:-null}")
echo "$JSON"
echo "$JSON" >>"$RESULTS"
say "appended to $RESULTS; screenshot, logs and trace in $OUT_DIR"
if [ "${HOLD:-0}" != 0 ]; then
  say "holding everything for $HOLD s (DISPLAY=:$D, server 127.0.0.1:$PORT)"
  sleep "$HOLD" || true
fi

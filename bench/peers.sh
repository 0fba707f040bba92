#!/usr/bin/env bash
# The servers banter-bench compares: Banter, ngIRCd and InspIRCd (Debian
# packages), each listening on 127.0.0.1 with flood control and per-IP and
# connection limits off or raised, so that a run measures fan-out, not
# throttling. Source this file, then:
#   peers_install                      install ngIRCd and InspIRCd (apt)
#   start_server NAME PORT CPU DIR     start NAME pinned to CPU; prints its PID
#   stop_server PID                    stop it
set -euo pipefail

BANTER_SERVER=${BANTER_SERVER:-target/release/banter-server}

peers_install() {
  local need=()
  [ -x /usr/sbin/ngircd ] || need+=(ngircd)
  [ -x /usr/sbin/inspircd ] || need+=(inspircd)
  command -v taskset >/dev/null || need+=(util-linux)
  if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  fi
  # The packages start system services on 6667; the benchmark runs its own.
  for s in ngircd inspircd; do
    systemctl stop "$s" >/dev/null 2>&1 || service "$s" stop >/dev/null 2>&1 || true
  done
}

write_ngircd_conf() { # PORT DIR
  cat > "$2/ngircd.conf" <<CONF
[Global]
Name = ngircd.bench
Info = benchmark peer
Listen = 127.0.0.1
Ports = $1
PidFile = $2/ngircd.pid
MotdPhrase = "bench"
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxPenaltyTime = 0
PingTimeout = 300
PongTimeout = 300
[Options]
PAM = no
Ident = no
DNS = no
CONF
}

write_inspircd_conf() { # PORT DIR
  cat > "$2/inspircd.conf" <<CONF
<server name="inspircd.bench" description="benchmark peer" network="Bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="$1" type="clients">
<power diepass="bench" restartpass="bench">
<connect name="bench" allow="*" timeout="120" pingfreq="300" hardsendq="16777216"
  softsendq="16777216" recvq="1048576" threshold="1000000" commandrate="100000000"
  fakelag="no" localmax="100000" globalmax="100000" maxchans="50" limit="100000"
  resolvehostnames="no" useident="no">
<performance netbuffersize="10240" somaxconn="4096" softlimit="20000" clonesonconnect="no"
  timeskipwarn="0" quietbursts="yes">
<security hidesplits="no" hideulines="no" announceinvites="none">
<limits maxnick="30" maxchan="64" maxmodes="20" maxident="11" maxhost="64" maxquit="255"
  maxtopic="307" maxkick="255" maxreal="128" maxaway="200">
<channels users="100" opers="100">
<pid file="$2/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="sparse" target="$2/inspircd.log">
<path configdir="$2" datadir="$2" logdir="$2" runtimedir="$2" moduledir="/usr/lib/inspircd/modules">
CONF
}

start_server() { # NAME PORT CPU DIR -> PID on stdout
  local name=$1 port=$2 cpu=$3 dir=$4 pid
  mkdir -p "$dir"
  case "$name" in
    banter|banter-memory)
      # banter keeps history on disk (the default, here in the run's own
      # folder); banter-memory keeps it in memory only, for comparison.
      local history=(--data-dir "$dir")
      [ "$name" = banter-memory ] && history=(--no-history-file)
      taskset -c "$cpu" "$BANTER_SERVER" --bind 127.0.0.1 --port "$port" --no-flood-control \
        --max-clients 20000 --max-per-ip 0 --connects-per-minute 0 --sendq 16777216 --ping-interval 300 --ping-timeout 600 \
        --registration-timeout 300 --log-level warn --no-message-log "${history[@]}" > "$dir/banter.log" 2>&1 &
      pid=$!
      ;;
    ngircd)
      write_ngircd_conf "$port" "$dir"
      taskset -c "$cpu" /usr/sbin/ngircd --nodaemon --config "$dir/ngircd.conf" > "$dir/ngircd.log" 2>&1 &
      pid=$!
      ;;
    inspircd)
      write_inspircd_conf "$port" "$dir"
      taskset -c "$cpu" /usr/sbin/inspircd --runasroot --nofork --config="$dir/inspircd.conf" > "$dir/inspircd.out" 2>&1 &
      pid=$!
      ;;
    *) echo "unknown server $name" >&2; return 1 ;;
  esac
  # Wait (at most 15 s) until it accepts connections.
  for _ in $(seq 1 150); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$pid"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "$name exited; see $dir" >&2; return 1; }
    sleep 0.1
  done
  echo "$name did not start listening on $port" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

stop_server() { # PID
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

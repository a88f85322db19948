#!/bin/sh
# Fleet benchmark: for each N, a private mosquitto and a fresh bridge on free
# loopback ports, then build/tools/bench/fleet with N simulated screens (one
# TCP connection each, 10 per site): connect ramp, the bridge's registry
# view, fan-out latency (202 -> board at every screen), a reconnect storm,
# and CPU and RSS of the broker and the bridge. Prints markdown tables.
#   tools/bench/bench_fleet.sh [N...]          (default: 1000 5000 10000)
#   BUILD=build PER_SITE=10 ROUNDS=3 INFLIGHT=100 (mosquitto listens with a backlog of 100)
#   QUEUE=N: mosquitto's max_queued_messages (default 4 per screen, at least
#   1,000, as 'callboard broker-config' writes it)
# N screens need N + 64 open files in fleet and in mosquitto: the script
# raises ulimit -n to the hard limit and says when that is too low.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PER_SITE=${PER_SITE:-10}
ROUNDS=${ROUNDS:-3}
INFLIGHT=${INFLIGHT:-100}
[ $# -gt 0 ] || set -- 1000 5000 10000
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TMP=$(mktemp -d /tmp/cbfleet-XXXXXX)
TOKEN=fleet-token-0123456789
ADMIN=fleet-admin-0123456789
PIDS=""
stop_all() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; for p in $PIDS; do wait "$p" 2>/dev/null || true; done; PIDS=""; }
trap 'stop_all; rm -rf "$TMP"' EXIT INT TERM
. tools/lib.sh

run_one() {
	n=$1
	dir="$TMP/$n"
	mkdir -p "$dir"
	if [ "$(ulimit -n)" -lt $((n + 64)) ]; then
		echo "skipping $n screens: ulimit -n is $(ulimit -n)" >&2
		return 0
	fi
	mqtt=$(free_port)
	http=$(free_port)
	# The bridge's queue holds every display's status, Will, ack and health
	# at once (as 'callboard broker-config' writes it).
	queued=${QUEUE:-$((4 * n > 1000 ? 4 * n : 1000))}
	start_mosquitto "$dir" "$mqtt" "set_tcp_nodelay true" "max_queued_messages $queued" \
		"max_queued_bytes $((512 * queued))"
	broker=$MOSQUITTO_PID
	sites=$(awk -v n="$n" -v k="$PER_SITE" 'BEGIN { m = int((n + k - 1) / k);
		for (i = 1; i <= m; i++) printf "%ss-%04d", (i > 1 ? ", " : ""), i }')
	write_bridge_ini "$dir/bridge.ini" "$http" "$mqtt" "$dir/bridge.db" "$ADMIN" <<-CONF
		[registry]
		health_interval = 30
		[tenant:fleet]
		token = $TOKEN
		sites = $sites
	CONF
	"$BUILD/bridge/callboard-bridge" --config "$dir/bridge.ini" >"$dir/bridge.log" 2>&1 &
	bridge=$!
	PIDS="$PIDS $bridge"
	i=0
	until curl -fs "http://127.0.0.1:$http/healthz" | grep -q '"mqtt":true'; do
		i=$((i + 1)); [ $i -lt 100 ] || { tail "$dir/bridge.log" >&2; exit 1; }; sleep 0.1
	done
	echo "== $n screens, $(((n + PER_SITE - 1) / PER_SITE)) sites" >&2
	if "$BUILD/tools/bench/fleet" --mqtt-port "$mqtt" --http-port "$http" --token "$TOKEN" \
		--admin "$ADMIN" --screens "$n" --per-site "$PER_SITE" --rounds "$ROUNDS" \
		--inflight "$INFLIGHT" --broker-pid "$broker" --bridge-pid "$bridge" >"$dir/rows"; then :
	else
		echo "fleet failed at $n screens (its rows are kept)" >&2
		FAILED=1
	fi
	cat "$dir/rows" >>"$TMP/rows"
	stop_all
}

FAILED=0
: >"$TMP/rows"
for n in "$@"; do
	run_one "$n"
done
table() { grep "^$1	" "$TMP/rows" | cut -f2; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); mosquitto $(/usr/sbin/mosquitto -h | awk 'NR==1{print $3}'); $PER_SITE screens per site, $ROUNDS fan-out rounds, $INFLIGHT connects in flight"
echo
echo "| screens | connect ramp (s) | connect p50 / p99 (ms) | bridge shows all online (s) | fan-out from the 202, p50 / p99 / max (ms) | from the POST sent (ms) | boards missed |"
echo "|---|---|---|---|---|---|---|"
table T1
echo
echo "| screens | storm: all reconnected (s) | reconnect p50 / p99 (ms) | bridge shows all online (s) | online 10 s later: fewest / last | went offline (Wills applied) | late statuses ignored |"
echo "|---|---|---|---|---|---|---|"
table T2
echo
echo "| screens | mosquitto CPU s: connect / fan-out / storm | mosquitto peak RSS (MB) | bridge CPU s: connect / fan-out / storm | bridge peak RSS (MB) |"
echo "|---|---|---|---|---|"
table T3
exit $FAILED

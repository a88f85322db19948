#!/bin/sh
# Bridge benchmarks: accepted calls/s and accept latency with 8 and 64
# concurrent clients (durable: SQLite WAL, synchronous=FULL), then registry
# load with 20,000 simulated displays on two sites reporting health every
# 10 s (the longest loop stall, RSS, the slowest page of /v1/devices).
# Private mosquitto on a free loopback port, database in a temp folder.
#   tools/bench/bench_bridge.sh [BUILD_DIR]
#   (SECONDS_PER_RUN=10 REG_SECONDS=60 REG_DEVICES=5000)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
SECS=${SECONDS_PER_RUN:-10}
REG_SECS=${REG_SECONDS:-60}
REG_DEVS=${REG_DEVICES:-20000}
TMP=$(mktemp -d /tmp/cbbench-XXXXXX)
. tools/lib.sh
MQTT_PORT=$(free_port)
HTTP_PORT=$(free_port)
TOKEN=bench-token-0123456789
ADMIN=bench-admin-0123456789
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
start_mosquitto "$TMP" "$MQTT_PORT" "max_queued_messages 100000"
write_bridge_ini "$TMP/bridge.ini" "$HTTP_PORT" "$MQTT_PORT" "$TMP/bridge.db" "$ADMIN" <<CONF
[registry]
health_interval = 10
max_devices_per_site = 10000
[tenant:aarhus]
token = $TOKEN
sites = dokk1, lystrup
CONF
"$BUILD/bridge/callboard-bridge" --config "$TMP/bridge.ini" >"$TMP/bridge.log" 2>&1 &
BRIDGE=$!
PIDS="$PIDS $BRIDGE"
i=0
until curl -fs "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 100 ] || { cat "$TMP/bridge.log"; exit 1; }; sleep 0.1
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(df -T "$TMP" | awk 'NR==2{print $2}') at $TMP"
for c in 8 64; do
	"$BUILD/tools/bench/bench_bridge" --port "$HTTP_PORT" --token "$TOKEN" --site aarhus/dokk1 \
		--clients "$c" --seconds "$SECS"
done
echo "bridge RSS after the call runs: $(awk '/VmRSS/{print $2}' /proc/$BRIDGE/status) kB"
/usr/bin/python3 tools/bench/bench_bridge_registry.py --port "$MQTT_PORT" --pid "$BRIDGE" \
	--url "http://127.0.0.1:$HTTP_PORT" --admin "$ADMIN" --sites aarhus/dokk1,aarhus/lystrup \
	--devices "$REG_DEVS" --interval 10 --duration "$REG_SECS"

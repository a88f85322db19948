#!/bin/sh
# The whole system on this machine: a private mosquitto on a free loopback
# port, the bridge with a fresh database, one display (a window when a
# display server is there, otherwise headless, writing a PNG of the screen
# after each change), and the simulator running a Borgerservice day at 60x.
# Ctrl-C stops everything and removes the temp folder.
# Options (environment): DEMO_SECONDS=N stops after N seconds; DEMO_SPEED=60.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
tools/deps.sh demo
if [ ! -d build ]; then meson setup build -Dtests=false >/dev/null; fi
ninja -C build >/dev/null

TMP=$(mktemp -d /tmp/callboard-demo.XXXXXX)
chmod 755 "$TMP"
PIDS=""
cleanup() {
	trap - EXIT INT TERM
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
	echo "demo stopped; removed $TMP"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

. tools/lib.sh
MQTT_PORT=$(free_port)
HTTP_PORT=$(free_port)
TOKEN=demo-token-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

start_mosquitto "$TMP" "$MQTT_PORT"

write_bridge_ini "$TMP/bridge.ini" "$HTTP_PORT" "$MQTT_PORT" "$TMP/bridge.db" <<CONF
[board]
length = 10

[tenant:demo]
token = $TOKEN
sites = borgerservice
CONF
build/bridge/callboard-bridge --config "$TMP/bridge.ini" >"$TMP/bridge.log" 2>&1 &
PIDS="$PIDS $!"

cat >"$TMP/display.ini" <<CONF
[device]
id = screen-1
tenant = demo
site = borgerservice
areas = main
name = Borgerservice

[mqtt]
host = 127.0.0.1
port = $MQTT_PORT
keepalive = 10

[health]
interval = 10
CONF
mkdir -p "$TMP/frames"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
	build/display/callboard-display --config "$TMP/display.ini" --snapshot-dir "$TMP/frames" >"$TMP/display.log" 2>&1 &
	MODE="in a window"
else
	SDL_AUDIODRIVER=${SDL_AUDIODRIVER:-dummy} build/display/callboard-display --config "$TMP/display.ini" --headless --snapshot-dir "$TMP/frames" >"$TMP/display.log" 2>&1 &
	MODE="headless"
fi
PIDS="$PIDS $!"

i=0
until curl -fs "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then echo "bridge did not start:"; cat "$TMP/bridge.log"; exit 1; fi
	sleep 0.1
done

CALLBOARD_URL="http://127.0.0.1:$HTTP_PORT" CALLBOARD_TOKEN="$TOKEN" \
	build/tools/callboard/callboard sim --site demo/borgerservice --area main --speed "${DEMO_SPEED:-60}" --seed 7 --days 0 >"$TMP/sim.log" 2>&1 &
PIDS="$PIDS $!"

cat <<MSG

callboard demo is running.
  status page:   http://127.0.0.1:$HTTP_PORT/
  display:       $MODE; a PNG of the screen after each change in $TMP/frames/
                 (latest: $TMP/frames/screen.png)
  API:           CALLBOARD_URL=http://127.0.0.1:$HTTP_PORT CALLBOARD_TOKEN=$TOKEN build/tools/callboard/callboard devices
  logs:          $TMP/*.log
Press Ctrl-C to stop (everything started here stops and $TMP is removed).
MSG

if [ -n "${DEMO_SECONDS:-}" ]; then
	sleep "$DEMO_SECONDS"
else
	while :; do sleep 3600; done
fi

# Shell helpers the demo and the benchmarks source from the top of the
# tree: a free loopback port, a private mosquitto, and the part of
# bridge.ini every local run shares. The caller keeps PIDS (the processes
# to stop on exit); start_mosquitto adds to it.

# Prints a TCP port free on 127.0.0.1 at the time of asking.
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_mosquitto DIR PORT [LINE...]: writes DIR/mosquitto.conf (anonymous,
# no persistence, the extra LINEs) and starts mosquitto in the background,
# logging to DIR/mosquitto.log; its pid goes to MOSQUITTO_PID and PIDS.
start_mosquitto() {
	_dir=$1 _port=$2
	shift 2
	{
		echo "listener $_port 127.0.0.1"
		echo "allow_anonymous true"
		echo "persistence false"
		for _line in "$@"; do echo "$_line"; done
		[ "$(id -u)" = 0 ] && echo "user root" || true
	} >"$_dir/mosquitto.conf"
	/usr/sbin/mosquitto -c "$_dir/mosquitto.conf" >"$_dir/mosquitto.log" 2>&1 &
	MOSQUITTO_PID=$!
	PIDS="$PIDS $MOSQUITTO_PID"
}

# write_bridge_ini FILE HTTP_PORT MQTT_PORT DB [ADMIN_TOKEN] < REST: writes a
# bridge.ini listening on HTTP_PORT, talking to the broker on MQTT_PORT,
# keeping DB, then the sections read from standard input.
write_bridge_ini() {
	{
		echo "[http]"
		echo "listen = 127.0.0.1:$2"
		[ -z "${5:-}" ] || echo "admin_token = $5"
		echo "[mqtt]"
		echo "host = 127.0.0.1"
		echo "port = $3"
		echo "[storage]"
		echo "path = $4"
		cat
	} >"$1"
}

"""Helpers for callboard's integration tests: a private mosquitto on a free
loopback port, temp folders, child processes with bounded waits, an MQTT
client, and a tiny test runner that prints "N passed, M failed".

Everything stops by itself: every wait has a deadline and every process
started here is killed at exit."""
import atexit
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import paho.mqtt.client as mqtt

BUILD = os.environ.get("CALLBOARD_BUILD", "")
SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_children = []


def _cleanup():
    for p in list(_children):
        if p.poll() is None:
            p.kill()
            try:
                p.wait(5)
            except Exception:
                pass


atexit.register(_cleanup)


def binary(name):
    """Path of a built program: $CALLBOARD_BUILD/... or ./build/..."""
    for rel in ("display/callboard-display", "bridge/callboard-bridge",
                "tools/callboard/callboard"):
        if rel.endswith("/" + name):
            for base in (BUILD, os.path.join(SRC, "build")):
                p = os.path.join(base, rel)
                if base and os.path.exists(p):
                    return p
    raise FileNotFoundError(name)


def _outgoing_ports_start():
    """The first port of the kernel's range for outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A loopback port nothing is bound to, below the range the kernel takes
    outgoing connections' ports from: a client connection of another test
    cannot take it between this check and the server's bind, nor while a
    server restarts on it (port 0 gives a port inside that range)."""
    top = min(_outgoing_ports_start(), 32768)
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, top)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    """Whether something listens on 127.0.0.1:port."""
    try:
        with socket.create_connection(("127.0.0.1", port), 0.2):
            return True
    except OSError:
        return False


def wait_until(pred, timeout=10.0, step=0.02, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


def never(pred, seconds, step=0.02, what="condition"):
    """Check that pred stays false for `seconds`. Only for negative checks
    where the time window itself is what is tested ("no will within 0.5 s");
    fails as soon as pred holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        v = pred()
        if v:
            raise AssertionError(f"{what} within {seconds}s: {v!r}")
        time.sleep(step)


def elapse(seconds):
    """Let `seconds` pass. Only where time itself is under test (a request
    rate, an outage of a given length), never to wait for something to
    happen: that is wait_until's job."""
    time.sleep(seconds)


def read_to_close(sock, bufsize=65536):
    """Everything sock receives until the peer closes it (or an error ends
    the connection), then close sock."""
    data = b""
    try:
        while True:
            chunk = sock.recv(bufsize)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    sock.close()
    return data


def pump(src, dst):
    """Copy src to dst until either side ends, then shut both down: one
    direction of a TCP relay, for a thread of its own."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for x in (src, dst):
        try:
            x.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class TempDir:
    def __init__(self, prefix="cbtest-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def file(self, name, text=None):
        p = os.path.join(self.path, name)
        if text is not None:
            with open(p, "w") as f:
                f.write(text)
        return p

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


class Proc:
    """A child process in a session of its own, whose output is collected in
    a thread, each line stamped with the monotonic time it arrived (and
    copied to log_path when given)."""

    def __init__(self, argv, env=None, cwd=None, log_path=None):
        e = dict(os.environ)
        if env:
            e.update(env)
        self.argv = argv
        self.lines = []
        self.stamps = []  # monotonic arrival time of each line
        self._lock = threading.Lock()
        self._log = open(log_path, "w") if log_path else None
        self.t0, self.t0_wall = time.monotonic(), time.time()
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=e, cwd=cwd,
                                  start_new_session=True)
        self.pid = self.p.pid
        _children.append(self.p)
        self._t = threading.Thread(target=self._read, daemon=True)
        self._t.start()

    def _read(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self._lock:
                self.lines.append(line)
                self.stamps.append(time.monotonic())
                if self._log:
                    self._log.write(line + "\n")
            if os.environ.get("CBTEST_VERBOSE"):
                sys.stderr.write(f"[{os.path.basename(self.argv[0])}] {line}\n")

    def entries(self, after=0.0):
        """(arrival time, line) of every line that came at or after `after`."""
        with self._lock:
            return [(t, l) for t, l in zip(self.stamps, self.lines) if t >= after]

    def find(self, needle, after=0.0):
        """Arrival time of the first line at or after `after` containing
        needle, or None."""
        return next((t for t, l in self.entries(after) if needle in l), None)

    def tail(self, n=15):
        with self._lock:
            return "\n".join(self.lines[-n:])

    def output(self):
        with self._lock:
            return "\n".join(self.lines)

    def mark(self):
        """How many lines so far: pass to wait_line to look only later."""
        with self._lock:
            return len(self.lines)

    def wait_line(self, needle, timeout=10.0, since=0, count=1):
        """Wait until `count` lines after line `since` contain needle."""
        def seen():
            with self._lock:
                return sum(needle in l for l in self.lines[since:]) >= count
        return wait_until(seen, timeout,
                          what=f"'{needle}' from {os.path.basename(self.argv[0])}")

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        if self.alive():
            self.p.send_signal(sig)

    def kill9(self):
        if self.alive():
            self.p.kill()
        self.p.wait(10)

    def wait_exit(self, timeout=10.0):
        """Wait for the program to end by itself and for the last of its
        output to be read; returns the exit code."""
        rc = self.p.wait(timeout)
        self._t.join(timeout)
        return rc

    def stop(self, timeout=10.0):
        """SIGTERM, SIGKILL after timeout; then whatever it left in its
        session (a browser's helpers) is killed too. Returns the exit code."""
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._t.join(2)
        with self._lock:
            if self._log:
                self._log.close()
                self._log = None
        return self.p.returncode


class Mosquitto:
    """A private broker on 127.0.0.1:<free port>, with its own config."""

    def __init__(self, tmp, port=None, extra_conf="", persistent=False):
        self.tmp = tmp
        self.port = port or free_port()
        self.extra = extra_conf
        # persistent: sessions and queued QoS 1 messages survive a restart
        # (mosquitto writes its database on a clean shutdown).
        self.persist = (f"persistence true\npersistence_location {tmp.path}/\n"
                        f"persistence_file mosquitto-{self.port}.db\n"
                        if persistent else "persistence false\n")
        self.proc = None
        self.start()

    def start(self):
        conf = self.tmp.file(f"mosquitto-{self.port}.conf",
                             f"listener {self.port} 127.0.0.1\n"
                             "allow_anonymous true\n"
                             + self.persist
                             # As root, mosquitto would drop to a 'mosquitto'
                             # user that cannot read the test's private files.
                             + ("user root\n" if os.geteuid() == 0 else "")
                             + f"{self.extra}\n")
        self.proc = Proc(["/usr/sbin/mosquitto", "-c", conf])
        wait_until(self._ready, 10, what=f"mosquitto on port {self.port}")

    def _ready(self):
        if not self.proc.alive():
            raise RuntimeError("mosquitto exited:\n" + self.proc.output())
        return port_open(self.port)

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None


class Client:
    """A paho client that records every message it receives."""

    def __init__(self, port, client_id=None, host="127.0.0.1", clean=True, username=None,
                 password=None):
        self.messages = []
        self._lock = threading.Lock()
        self.client_id = client_id or f"test-{os.getpid()}-{time.monotonic_ns()}"
        self.c = mqtt.Client(client_id=self.client_id, clean_session=clean)
        if username:
            self.c.username_pw_set(username, password)
        self.c.reconnect_delay_set(0.2, 2)
        self.c.on_message = self._on_message
        # mid -> granted QoS; its own lock, as paho holds its callback
        # lock while calling on_message and subscribe() takes it too.
        self._subacks = {}
        self._suback = threading.Condition()
        self._syncs = 0
        self.c.on_subscribe = self._on_subscribe
        self.connected = threading.Event()
        self.c.on_connect = lambda c, u, f, rc: rc == 0 and self.connected.set()
        self.c.connect(host, port, 30)
        self.c.loop_start()
        if not self.connected.wait(10):
            raise TimeoutError("MQTT connect")

    def _on_message(self, c, u, msg):
        with self._lock:
            self.messages.append((msg.topic, msg.payload, msg.retain))

    def _on_subscribe(self, c, u, mid, granted):
        with self._suback:
            self._subacks[mid] = granted
            self._suback.notify_all()

    def subscribe(self, topic, qos=1, timeout=10.0):
        """Subscribe and wait for the broker's SUBACK; return the granted QoS."""
        # The SUBACK may arrive before subscribe() returns: it waits in _subacks.
        r, mid = self.c.subscribe(topic, qos)
        if r != mqtt.MQTT_ERR_SUCCESS:
            raise RuntimeError(f"subscribe {topic}: {mqtt.error_string(r)}")
        with self._suback:
            if not self._suback.wait_for(lambda: mid in self._subacks, timeout):
                raise TimeoutError(f"no SUBACK for {topic} within {timeout}s")
            return self._subacks.pop(mid)[0]

    def sync(self, timeout=10.0):
        """Wait until everything the broker queued for this client before
        now has arrived (retained messages after a subscribe, say): the
        broker delivers in order, so a marker sent now arrives after them."""
        topic = f"cbtest/sync/{self.client_id}"
        if not self._syncs:
            self.subscribe(topic)
        self._syncs += 1
        marker = str(self._syncs).encode()
        self.publish(topic, marker)
        wait_until(lambda: any(p == marker for t, p, r in self.received(topic)), timeout,
                   what="the sync marker")
        with self._lock:
            self.messages = [m for m in self.messages if m[0] != topic]

    def publish(self, topic, payload, qos=1, retain=False):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        info = self.c.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(10)

    def received(self, topic=None):
        with self._lock:
            return [m for m in self.messages if topic is None or m[0] == topic]

    def json(self, topic):
        return [json.loads(p) for t, p, r in self.received(topic) if p]

    def wait_json(self, topic, pred=lambda m: True, timeout=10.0):
        def find():
            for m in self.json(topic):
                if pred(m):
                    return m
            return None
        return wait_until(find, timeout, what=f"message on {topic}")

    def clear(self):
        with self._lock:
            self.messages.clear()

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()

def display(tmp, port, tenant, site, dev, mqtt_extra=""):
    """A headless display of area main on the broker at port; mqtt_extra
    goes into its [mqtt] section (a username and password)."""
    conf = tmp.file(f"{tenant}.{site}.{dev}.ini", f"""[device]
id = {dev}
tenant = {tenant}
site = {site}
areas = main

[mqtt]
host = 127.0.0.1
port = {port}
keepalive = 5
{mqtt_extra}
""")
    return Proc([binary("callboard-display"), "--config", conf, "--headless"],
                env={"SDL_AUDIODRIVER": "dummy", "XDG_RUNTIME_DIR": tmp.path})


def bridge_ini(tmp, http, port, admin, mqtt_extra="", rest=""):
    """Writes tmp's bridge.ini: HTTP on http with the admin token admin, the
    broker at port (mqtt_extra goes into [mqtt]: a username and password),
    the database in tmp, then the sections in rest. Returns its path."""
    return tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{http}
admin_token = {admin}

[mqtt]
host = 127.0.0.1
port = {port}
keepalive = 5
{mqtt_extra}
[storage]
path = {tmp.path}/bridge.db

{rest}""")


def iso_now(offset_s=0.0):
    t = time.time() + offset_s
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


_tests = []


def test(fn):
    _tests.append(fn)
    return fn


def run():
    """Run the @test functions in order; print one line each and a summary."""
    only = sys.argv[1:] 
    passed = failed = 0
    for fn in _tests:
        if only and fn.__name__ not in only:
            continue
        t0 = time.monotonic()
        try:
            fn()
            passed += 1
            print(f"ok   {fn.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}", flush=True)
            traceback.print_exc(file=sys.stdout)
        finally:
            _cleanup()
            _children.clear()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)

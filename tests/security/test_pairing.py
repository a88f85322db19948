#!/usr/bin/python3
"""Pairing a screen with a code, against a real mosquitto with the dynamic
security plugin (its config written by `callboard broker-config --dynsec`),
the bridge and headless displays started with only the broker address.

A display shows a code (its log says which, and its snapshot shows it);
`callboard pair` gives it an identity; a call then reaches its screen
(seen by its ack). Wrong, expired and replayed codes are refused alike;
two screens pair at once; unpairing sends a display back to the pairing
screen; a restart keeps the identity; the shared enrolment account reaches
nothing but its own topics.

Denied publishes and subscriptions are silent in MQTT, so every "nothing
arrived" is checked against a barrier: a permitted message sent after the
forbidden ones, which arrives in order."""
import getpass
import json
import os
import re
import shutil
import stat
import subprocess
import threading
import time
import urllib.request

import paho.mqtt.client as mqtt

import cbtest
from cbtest import test

CB = cbtest.binary("callboard")
DISPLAY = cbtest.binary("callboard-display")
BRIDGE = cbtest.binary("callboard-bridge")
ADMIN = "admin-token-0123456789"
TOK_A = "token-aarhus-0123456789"
TOK_S = "token-samsoe-0123456789"
ROOT = "callboard/v1/aarhus/dokk1"
ENROL = "callboard-enrol"
CODE = re.compile(r"pairing code ([A-Z0-9]{3}-[A-Z0-9]{3})")

DEVICES = """[bridge]
username = bridge
password = bridge-password-0123

[tenant:aarhus]
sites = dokk1

[tenant:samsoe]
sites = tranebjerg
"""


class System:
    """Broker (dynsec), bridge; displays are started by the tests."""

    def __init__(self, code_ttl=600):
        self.tmp = cbtest.TempDir("cbpair-")
        self.port = cbtest.free_port()
        self.dir = os.path.join(self.tmp.path, "broker")
        dev = self.tmp.file("devices.ini", DEVICES)
        p = subprocess.run([CB, "broker-config", "--devices", dev, "--out", self.dir, "--bind",
                            "127.0.0.1", "--port", str(self.port), "--user", getpass.getuser(),
                            "--dynsec"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        self.broker = cbtest.Proc(["/usr/sbin/mosquitto", "-c",
                                   os.path.join(self.dir, "mosquitto.conf")])
        cbtest.wait_until(self._broker_up, 10, what="mosquitto")
        self.http = cbtest.free_port()
        self.url = f"http://127.0.0.1:{self.http}"
        conf = cbtest.bridge_ini(self.tmp, self.http, self.port, ADMIN,
                                 "username = bridge\npassword = bridge-password-0123\n",
                                 f"""[pairing]
admin = dynsec
code_ttl = {code_ttl}

[tenant:aarhus]
token = {TOK_A}
sites = dokk1

[tenant:samsoe]
token = {TOK_S}
sites = tranebjerg
""")
        self.bridge = cbtest.Proc([BRIDGE, "--config", conf])
        cbtest.wait_until(lambda: self.get("/healthz").get("mqtt"), 10, what="bridge on MQTT")
        self.displays = []

    def _broker_up(self):
        if not self.broker.alive():
            raise RuntimeError("mosquitto exited:\n" + self.broker.output())
        import socket
        try:
            with socket.create_connection(("127.0.0.1", self.port), 0.2):
                return True
        except OSError:
            return False

    def get(self, path):
        try:
            with urllib.request.urlopen(self.url + path, timeout=5) as r:
                return json.loads(r.read())
        except OSError:
            return {}

    def call(self, ticket, site="aarhus/dokk1", area="main"):
        req = urllib.request.Request(
            f"{self.url}/v1/sites/{site}/calls", method="POST",
            data=json.dumps({"ticket": ticket, "desk": "3", "area": area}).encode(),
            headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["id"]

    def display(self, name, state=None):
        """A display with only the broker address (and its state folder)."""
        state = state or os.path.join(self.tmp.path, name)
        snaps = os.path.join(state, "snaps")
        os.makedirs(snaps, exist_ok=True)
        cfg = self.tmp.file(f"{name}.ini", f"""[mqtt]
host = 127.0.0.1
port = {self.port}
keepalive = 5

[device]
state_dir = {state}
""")
        p = cbtest.Proc([DISPLAY, "--config", cfg, "--headless", "--snapshot-dir", snaps],
                        env={"TZ": "Europe/Copenhagen"})
        p.state = state
        p.png = os.path.join(snaps, "screen.png")
        self.displays.append(p)
        return p

    def pair(self, code, target, areas="main,pas", token=ADMIN, name=None):
        args = [CB, "pair", code, target, "--url", self.url, "--token", token]
        if areas:
            args += ["--areas", areas]
        if name:
            args += ["--name", name]
        return subprocess.run(args, capture_output=True, text=True, timeout=30)

    def unpair(self, target, token=ADMIN):
        return subprocess.run([CB, "unpair", target, "--url", self.url, "--token", token],
                              capture_output=True, text=True, timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        for d in self.displays:
            d.stop()
        self.bridge.stop()
        self.broker.stop()
        self.tmp.cleanup()


def codes(display):
    return CODE.findall(display.output())


def code_of(display, timeout=15):
    return cbtest.wait_until(lambda: (codes(display) or [None])[-1], timeout,
                             what="a pairing code in the display's log")


class Watch:
    """A paho client with the bridge's account, recording acks."""

    def __init__(self, port, topic=f"{ROOT}/display/+/ack"):
        self.msgs = []
        self.lock = threading.Lock()
        self.c = mqtt.Client(client_id=f"watch-{time.monotonic_ns()}", clean_session=True)
        self.c.username_pw_set("bridge", "bridge-password-0123")
        ok = threading.Event()
        self.c.on_connect = lambda c, u, f, rc: rc == 0 and ok.set()
        self.c.on_subscribe = lambda *a: ok.set()
        self.c.on_message = self._msg
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        assert ok.wait(10), "watch connect"
        ok.clear()
        self.c.subscribe(topic, 1)
        assert ok.wait(10), "watch subscribe"

    def _msg(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, m.payload))

    def payloads(self, topic):
        with self.lock:
            return [p for t, p in self.msgs if t == topic]

    def acked(self, device, call_id):
        topic = f"{ROOT}/display/{device}/ack"
        with self.lock:
            return any(t == topic and call_id in json.loads(p).get("ids", [])
                       for t, p in self.msgs)

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def paired(s, host, target, state=None, **kw):
    """A display that showed its code and was paired as target."""
    d = s.display(host, state)
    r = s.pair(code_of(d), target, **kw)
    assert r.returncode == 0, r.stderr
    d.wait_line(f"paired as {target}", 10)
    return d


def identity(display):
    path = os.path.join(display.state, "identity.json")
    with open(path) as f:
        return json.load(f), stat.S_IMODE(os.stat(path).st_mode)


@test
def pair_then_the_board_shows():
    with System() as s, Watch(s.port) as w:
        d = s.display("rpi-1")
        # The code is logged once it is on the screen: the snapshot shows it.
        code = code_of(d)
        shutil.copy(d.png, os.path.join(os.environ.get("CBTEST_KEEP", s.tmp.path),
                                        "pairing-screen.png"))
        r = s.pair(code, "aarhus/dokk1/screen-1", name="Borgerservice Dokk1")
        assert r.returncode == 0, r.stderr
        assert "paired aarhus/dokk1/screen-1" in r.stdout, r.stdout
        d.wait_line("paired as aarhus/dokk1/screen-1", 10)
        ident, mode = identity(d)
        assert mode == 0o600, oct(mode)
        assert ident["paired"]["device"] == "screen-1"
        assert ident["paired"]["areas"] == ["main", "pas"]
        assert ident["paired"]["name"] == "Borgerservice Dokk1"
        call = s.call("A042")
        cbtest.wait_until(lambda: w.acked("screen-1", call), 15, what="the board on screen-1")
        shutil.copy(d.png, os.path.join(os.environ.get("CBTEST_KEEP", s.tmp.path),
                                        "board-screen.png"))


@test
def wrong_expired_and_replayed_codes_are_refused_alike():
    with System(code_ttl=5) as s:
        d = s.display("rpi-1")
        first = code_of(d)
        # Expired: the display asks for a new code once the first is gone.
        cbtest.wait_until(lambda: len(set(codes(d))) >= 2, 20, what="a second code")
        r = s.pair(first, "aarhus/dokk1/screen-1")
        assert r.returncode == 1 and "no such pairing code" in r.stderr, r.stderr
        expired_answer = r.stderr
        r = s.pair("CCC-CCC", "aarhus/dokk1/screen-1", token=TOK_A)
        assert r.returncode == 1 and "no such pairing code" in r.stderr, r.stderr
        assert r.stderr == expired_answer, (r.stderr, expired_answer)
        # The live code pairs once; a replay is refused like a wrong code.
        live = codes(d)[-1]
        r = s.pair(live, "aarhus/dokk1/screen-1")
        assert r.returncode == 0, r.stderr
        r = s.pair(live, "aarhus/dokk1/screen-2")
        assert r.returncode == 1 and r.stderr == expired_answer, r.stderr
        # Another tenant's token cannot pair into aarhus.
        r = s.pair("CCC-CCC", "aarhus/dokk1/screen-3", token=TOK_S)
        assert r.returncode == 1 and "not valid for that tenant" in r.stderr, r.stderr
        # Guessing is rate-limited per principal.
        for _ in range(4):
            s.pair("DDD-DDD", "aarhus/dokk1/screen-3", token=TOK_A)
        r = s.pair("DDD-DDD", "aarhus/dokk1/screen-3", token=TOK_A)
        assert r.returncode == 1 and "too many wrong codes" in r.stderr, r.stderr


def form(s, fields, token=None):
    """POST the status page's pairing form; (status, headers, text)."""
    import base64
    import urllib.error
    import urllib.parse
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        h["Authorization"] = "Basic " + base64.b64encode(f"x:{token}".encode()).decode()
    req = urllib.request.Request(f"{s.url}/status/pair", method="POST", headers=h,
                                 data=urllib.parse.urlencode(fields).encode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


@test
def pair_from_the_status_page():
    with System() as s, Watch(s.port) as w:
        d = s.display("rpi-1")
        fields = {"code": code_of(d).lower(), "target": "aarhus/dokk1/screen-1",
                  "areas": "main, pas", "label": "Borgerservice Dokk1"}
        st, h, _ = form(s, fields)
        assert st == 401 and h["WWW-Authenticate"].startswith("Basic"), (st, dict(h))
        st, _, _ = form(s, fields, token=TOK_S)
        assert st == 403, st
        st, _, text = form(s, fields, token=TOK_A)
        assert st == 200 and "Paired aarhus/dokk1/screen-1" in text, (st, text)
        d.wait_line("paired as aarhus/dokk1/screen-1", 10)
        call = s.call("F400")
        cbtest.wait_until(lambda: w.acked("screen-1", call), 15, what="the board on screen-1")
        st, _, text = form(s, fields, token=ADMIN)
        assert st == 404 and "no such pairing code" in text, (st, text)


@test
def two_screens_pair_at_once():
    with System() as s, Watch(s.port) as w:
        a, b = s.display("rpi-a"), s.display("rpi-b")
        ca, cb = code_of(a), code_of(b)
        assert ca != cb
        out = {}

        def go(code, target):
            out[target] = s.pair(code, target, areas="main")

        ts = [threading.Thread(target=go, args=(ca, "aarhus/dokk1/screen-a")),
              threading.Thread(target=go, args=(cb, "aarhus/dokk1/screen-b"))]
        for t in ts:
            t.start()
        for t in ts:
            t.join(30)
        for target, r in out.items():
            assert r.returncode == 0, (target, r.stderr)
        a.wait_line("paired as aarhus/dokk1/screen-a", 10)
        b.wait_line("paired as aarhus/dokk1/screen-b", 10)
        call = s.call("B007")
        cbtest.wait_until(lambda: w.acked("screen-a", call) and w.acked("screen-b", call), 15,
                          what="the board on both screens")


@test
def unpair_sends_the_display_back_and_repairing_works():
    with System() as s, Watch(s.port) as w:
        d = paired(s, "rpi-1", "aarhus/dokk1/screen-1", name="Borgerservice Dokk1")
        before = len(codes(d))
        r = s.unpair("aarhus/dokk1/screen-1")
        assert r.returncode == 0 and "unpaired aarhus/dokk1/screen-1" in r.stdout, r.stderr
        d.wait_line("unpaired, waiting for a code", 15)
        cbtest.wait_until(lambda: len(codes(d)) > before, 15, what="a new code after unpairing")
        ident, _ = identity(d)
        assert "paired" not in ident, ident
        # New hardware under the same name: keeps the areas and the name.
        n = paired(s, "rpi-new", "aarhus/dokk1/screen-1", areas=None)
        ident, _ = identity(n)
        assert ident["paired"]["areas"] == ["main", "pas"], ident
        assert ident["paired"]["name"] == "Borgerservice Dokk1", ident
        # A device never paired needs its areas.
        o = s.display("rpi-other")
        r = s.pair(code_of(o), "aarhus/dokk1/screen-9", areas=None)
        assert r.returncode == 1 and "no areas given" in r.stderr, r.stderr
        call = s.call("C100")
        cbtest.wait_until(lambda: w.acked("screen-1", call), 15, what="the board on screen-1")


@test
def a_restarted_display_keeps_its_identity():
    with System() as s, Watch(s.port) as w:
        d = paired(s, "rpi-1", "aarhus/dokk1/screen-1")
        assert d.stop() == 0
        d2 = s.display("rpi-1", state=d.state)
        d2.wait_line("paired as aarhus/dokk1/screen-1", 10)
        call = s.call("D200")
        cbtest.wait_until(lambda: w.acked("screen-1", call), 15, what="the board after restart")
        assert not codes(d2), "a paired display asked for a code"
        # Its config file has no identity: a reload keeps the paired one.
        r = subprocess.run([CB, "command", "aarhus/dokk1/screen-1", "reload", "--url", s.url,
                            "--token", ADMIN], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stdout + r.stderr
        call = s.call("D201")
        cbtest.wait_until(lambda: w.acked("screen-1", call), 15, what="the board after reload")


class Enrol:
    """The shared enrolment account with client id cid."""

    def __init__(self, port, cid):
        self.msgs, self.lock, self.granted = [], threading.Lock(), []
        self.c = mqtt.Client(client_id=cid, clean_session=True)
        self.c.username_pw_set(ENROL, ENROL)
        ok = threading.Event()
        self.sub = threading.Event()
        self.c.on_connect = lambda c, u, f, rc: rc == 0 and ok.set()
        self.c.on_subscribe = self._suback
        self.c.on_message = self._msg
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        assert ok.wait(10), "enrolment connect"

    def _suback(self, c, u, mid, granted):
        self.granted.append(granted)
        self.sub.set()

    def _msg(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, m.payload))

    def subscribe(self, topic):
        self.sub.clear()
        self.c.subscribe(topic, 1)
        assert self.sub.wait(10), f"suback for {topic}"

    def publish(self, topic, payload):
        self.c.publish(topic, payload, qos=1).wait_for_publish(10)

    def topics(self):
        with self.lock:
            return [t for t, _ in self.msgs]

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


@test
def the_enrolment_account_reaches_only_its_own_topics():
    s = System()
    w = Watch(s.port, f"{ROOT}/board/main")
    me, other = "a" * 32, "b" * 32
    e = o = None
    try:
        # Another waiting screen, so there is a reply of someone else's.
        o = Enrol(s.port, other)
        o.subscribe(f"callboard/v1/enrol/{other}/reply")
        e = Enrol(s.port, me)
        for t in ("#", f"callboard/v1/enrol/{other}/reply", "callboard/v1/enrol/+/reply",
                  f"{ROOT}/board/main", "$CONTROL/dynamic-security/#"):
            e.subscribe(t)
        e.subscribe(f"callboard/v1/enrol/{me}/reply")
        # Forbidden writes: a board, another screen's request, the admin API.
        e.publish(f"{ROOT}/board/main", json.dumps({"v": 1, "seq": 1, "ts": cbtest.iso_now(),
                                                    "calls": [{"id": "x", "ticket": "F666",
                                                               "desk": "1", "kind": "call",
                                                               "ts": cbtest.iso_now()}]}))
        e.publish(f"callboard/v1/enrol/{other}/request", json.dumps({"v": 1,
                                                                     "hostname": "forged"}))
        e.publish("$CONTROL/dynamic-security/v1", json.dumps({"commands": [
            {"command": "createClient", "username": "evil", "password": "evil-evil-evil"}]}))
        # The other screen asks for its code (its reply must not reach us), then
        # we ask for ours: our reply is the barrier.
        o.publish(f"callboard/v1/enrol/{other}/request", json.dumps({"v": 1,
                                                                      "hostname": "other"}))
        cbtest.wait_until(lambda: f"callboard/v1/enrol/{other}/reply" in o.topics(), 10,
                          what="the other screen's code")
        e.publish(f"callboard/v1/enrol/{me}/request", json.dumps({"v": 1, "hostname": "me"}))
        cbtest.wait_until(lambda: f"callboard/v1/enrol/{me}/reply" in e.topics(), 10,
                          what="our own code (the barrier)")
        assert set(e.topics()) == {f"callboard/v1/enrol/{me}/reply"}, e.topics()
        # The bridge's next board on main is the barrier for the forged one.
        call = s.call("E300")
        cbtest.wait_until(lambda: any(call.encode() in p
                                      for p in w.payloads(f"{ROOT}/board/main")), 10,
                          what="the bridge's board")
        assert not any(b"F666" in p for p in w.payloads(f"{ROOT}/board/main"))
        assert "forged" not in s.bridge.output()
        # The admin API did not create the account.
        c = mqtt.Client(client_id="evil-check")
        c.username_pw_set("evil", "evil-evil-evil")
        rc = []
        done = threading.Event()
        c.on_connect = lambda cl, u, f, r: (rc.append(r), done.set())
        c.connect("127.0.0.1", s.port, 30)
        c.loop_start()
        done.wait(10)
        c.loop_stop()
        assert rc and rc[0] != 0, rc
    finally:
        for x in (e, o):
            if x:
                x.close()
        w.close()
        s.stop()


cbtest.run()

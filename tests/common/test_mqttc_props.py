#!/usr/bin/python3
"""MQTT 5 message properties as PROTOCOL.md's topic table gives them, seen by
an MQTT 5 subscriber on a real mosquitto while the bridge and a headless
display run: message expiry on health (two health intervals), ack (300 s),
cmd (60 s), cmd/result and screenshot (300 s), none on the retained board,
notice and status; content type application/json on JSON payloads and
image/png on screenshots. Over MQTT 3.1.1 the same messages go out without."""
import contextlib
import http.client
import json
import os
import threading
import paho.mqtt.client as mqtt

import cbtest
from cbtest import Mosquitto, Proc, TempDir, test, wait_until

TOKEN = "token-aarhus-0123456789"
ROOT = "callboard/v1/aarhus/dokk1"
DEV = f"{ROOT}/display/screen-1"
HEALTH_S = 5


class Observer:
    """An MQTT 5 subscriber to the whole tree: (topic, properties) per message."""

    def __init__(self, port):
        self.msgs = []
        self.lock = threading.Lock()
        self.c = mqtt.Client(client_id=f"props-{os.getpid()}", protocol=mqtt.MQTTv5)
        up = threading.Event()
        self.c.on_connect = lambda c, u, f, rc, p=None: up.set()
        self.c.on_message = self._on_message
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        assert up.wait(10), "observer: no CONNACK"
        sub = threading.Event()
        self.c.on_subscribe = lambda c, u, mid, rc, p=None: sub.set()
        self.c.subscribe("callboard/v1/#", 1)
        assert sub.wait(10), "observer: no SUBACK"

    def _on_message(self, c, u, m):
        p = m.properties
        with self.lock:
            self.msgs.append((m.topic, getattr(p, "MessageExpiryInterval", None),
                              getattr(p, "ContentType", None)))

    def wait(self, topic):
        def find():
            with self.lock:
                return next((m for m in self.msgs if m[0] == topic), None)
        return wait_until(find, 20, what=topic)

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def display(tmp, port, protocol="auto"):
    conf = tmp.file(f"display-{protocol}.ini", f"""[device]
id = screen-1
tenant = aarhus
site = dokk1
areas = main

[mqtt]
host = 127.0.0.1
port = {port}
keepalive = 5
protocol = {protocol}

[health]
interval = {HEALTH_S}
""")
    return Proc([cbtest.binary("callboard-display"), "--config", conf, "--headless"],
                env={"SDL_AUDIODRIVER": "dummy", "XDG_RUNTIME_DIR": tmp.path})


def bridge(tmp, port):
    http_port = cbtest.free_port()
    conf = tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{http_port}

[mqtt]
host = 127.0.0.1
port = {port}
keepalive = 5

[storage]
path = {tmp.path}/bridge.db

[registry]
command_timeout = 10

[tenant:aarhus]
token = {TOKEN}
sites = dokk1
""")
    p = Proc([cbtest.binary("callboard-bridge"), "--config", conf])
    wait_until(lambda: "connected to" in p.output(), 20, what="bridge connected")
    return p, http_port


def api(port, method, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request(method, path, json.dumps(body),
              {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    assert r.status in (200, 202), (r.status, data)


@contextlib.contextmanager
def observed_broker():
    """A broker and an observer on it; processes put in the list are stopped."""
    tmp = TempDir()
    b = Mosquitto(tmp)
    obs = Observer(b.port)
    procs = []
    try:
        yield tmp, b, obs, procs
    finally:
        for p in procs:
            p.stop()
        obs.close()
        b.stop()
        tmp.cleanup()


@test
def properties_per_topic():
    with observed_broker() as (tmp, b, obs, procs):
        br, http_port = bridge(tmp, b.port)
        procs += [br, display(tmp, b.port)]
        obs.wait(f"{DEV}/status")
        api(http_port, "POST", "/v1/sites/aarhus/dokk1/calls", {"ticket": "A1", "desk": "3"})
        api(http_port, "PUT", "/v1/sites/aarhus/dokk1/notice", {"text": "Velkommen"})
        api(http_port, "POST", "/v1/devices/aarhus/dokk1/screen-1/commands", {"cmd": "screenshot"})
        want = {
            f"{ROOT}/board/main": (None, "application/json"),
            f"{ROOT}/notice": (None, "application/json"),
            f"{DEV}/status": (None, "application/json"),
            f"{DEV}/health": (2 * HEALTH_S, "application/json"),
            f"{DEV}/ack": (300, "application/json"),
            f"{DEV}/cmd": (60, "application/json"),
            f"{DEV}/cmd/result": (300, "application/json"),
            f"{DEV}/screenshot": (300, "image/png"),
        }
        for topic, (expiry, ctype) in want.items():
            _, got_expiry, got_ctype = obs.wait(topic)
            assert got_ctype == ctype, (topic, got_ctype)
            if expiry is None:
                assert got_expiry is None, (topic, got_expiry)
            else:  # the broker counts down the time the message waited
                assert expiry - 2 <= got_expiry <= expiry, (topic, got_expiry)


@test
def none_over_311():
    with observed_broker() as (tmp, b, obs, procs):
        d = display(tmp, b.port, "3.1.1")
        procs.append(d)
        d.wait_line("(MQTT 3.1.1)", 20)
        for topic in (f"{DEV}/status", f"{DEV}/health"):
            assert obs.wait(topic)[1:] == (None, None), obs.wait(topic)
        assert "publish" not in d.output(), d.output()


cbtest.run()

"""The whole system for end-to-end tests and benchmarks: a private broker,
the bridge with a fresh database, N headless displays, and an HTTP client
for the bridge API. Everything on loopback; every wait bounded."""
import json
import os
import threading
import time
import urllib.error
import urllib.request

import cbtest
from cbtest import Client, Mosquitto, Proc, TempDir, wait_until

TENANT = "aarhus"
SITE = "dokk1"
TOKEN = "e2e-token-aarhus"


class Api:
    def __init__(self, port, token=TOKEN):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token

    def req(self, method, path, body=None, token=None, headers=None, raw=False):
        data = None
        h = {"Authorization": f"Bearer {token or self.token}"}
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        r = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(r, timeout=30) as resp:
                payload = resp.read()
                status = resp.status
        except urllib.error.HTTPError as e:
            payload = e.read()
            status = e.code
        if raw:
            return status, payload
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload

    def call(self, ticket, desk, area="main", **extra):
        body = {"ticket": ticket, "desk": desk, "area": area}
        body.update(extra)
        return self.req("POST", f"/v1/sites/{TENANT}/{SITE}/calls", body)

    def recall(self, cid):
        return self.req("POST", f"/v1/sites/{TENANT}/{SITE}/calls/{cid}/recall", {})

    def cancel(self, cid):
        return self.req("DELETE", f"/v1/sites/{TENANT}/{SITE}/calls/{cid}")

    def board(self, area="main"):
        return self.req("GET", f"/v1/sites/{TENANT}/{SITE}/boards/{area}")

    def devices(self):
        return self.req("GET", "/v1/devices")

    def stats(self, frm, to):
        return self.req("GET", f"/v1/sites/{TENANT}/{SITE}/stats?from={frm}&to={to}")

    def healthy(self):
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as r:
                return r.status == 200
        except Exception:
            return False


class System:
    """Broker + bridge + displays in one temp folder."""

    def __init__(self, ndisplays=1, areas=("main",), board_length=10, display_extra="",
                 bridge_extra="", announce_window=60, broker_extra="", broker=None,
                 mqtt_extra=""):
        self.tmp = TempDir("cbe2e-")
        # The watcher below sees every message of the site; a Python client
        # on a loaded machine can lag, and mosquitto drops QoS 1 messages for
        # a client past 1000 queued by default: no limit in the tests.
        # broker: a function of the temp folder making another broker
        # (tests/interop); mqtt_extra: lines for every [mqtt] section.
        self.broker = (broker(self.tmp) if broker else
                       Mosquitto(self.tmp, persistent=True,
                                 extra_conf="max_queued_messages 0\n" + broker_extra))
        self.mqtt_extra = mqtt_extra
        self.http_port = cbtest.free_port()
        self.db = os.path.join(self.tmp.path, "bridge.db")
        self.bridge_conf = self.tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{self.http_port}

[mqtt]
host = 127.0.0.1
port = {self.broker.port}
keepalive = 5
{mqtt_extra}
[storage]
path = {self.db}

[board]
length = {board_length}

[registry]
health_interval = 5

[tenant:{TENANT}]
token = {TOKEN}
sites = {SITE}
{bridge_extra}
""")
        self.bridge = None
        self.api = Api(self.http_port)
        self.displays = {}
        self.display_confs = {}
        self.areas = areas
        self.display_extra = display_extra
        self.announce_window = announce_window
        # Observe everything on the site's topics.
        # A persistent session: it gets what was published while it was
        # reconnecting after a broker restart.
        self.watch = Client(self.broker.port, client_id="e2e-watch", clean=False)
        self.watch.subscribe(f"callboard/v1/{TENANT}/{SITE}/#")
        for i in range(1, ndisplays + 1):
            self.display_confs[f"screen-{i}"] = self._display_conf(f"screen-{i}")

    def _display_conf(self, dev):
        frames = os.path.join(self.tmp.path, f"frames-{dev}")
        os.makedirs(frames, exist_ok=True)
        os.makedirs(os.path.join(self.tmp.path, f"state-{dev}"), exist_ok=True)
        return self.tmp.file(f"{dev}.ini", f"""[device]
id = {dev}
tenant = {TENANT}
site = {SITE}
areas = {", ".join(self.areas)}
name = Borgerservice Dokk1
state_dir = {os.path.join(self.tmp.path, "state-" + dev)}

[mqtt]
host = 127.0.0.1
port = {self.broker.port}
keepalive = 5
{self.mqtt_extra}
[health]
interval = 5

[audio]
announce_window = {self.announce_window}
{self.display_extra}
""")

    def start_bridge(self):
        self.bridge = Proc([cbtest.binary("callboard-bridge"), "--config", self.bridge_conf])
        wait_until(self.api.healthy, 15, what="bridge /healthz")

    def start_display(self, dev, env=None):
        e = {"SDL_AUDIODRIVER": "dummy"}
        e.update(env or {})
        p = Proc([cbtest.binary("callboard-display"), "--config", self.display_confs[dev],
                  "--headless"], env=e)
        self.displays[dev] = p
        return p

    def start(self):
        self.start_bridge()
        for dev in self.display_confs:
            self.start_display(dev)
        for dev in self.display_confs:
            self.wait_online(dev)

    def topic(self, *parts):
        return "/".join([f"callboard/v1/{TENANT}/{SITE}", *parts])

    def wait_online(self, dev, timeout=20):
        t = self.topic("display", dev, "status")
        return self.watch.wait_json(t, lambda m: m.get("state") == "online", timeout)

    def acks(self, dev):
        return self.watch.json(self.topic("display", dev, "ack"))

    def boards(self, area="main"):
        """Every board the bridge published, by seq."""
        out = {}
        for m in self.watch.json(self.topic("board", area)):
            out[m["seq"]] = m
        return out

    def last_ack(self, dev, area="main"):
        acks = [a for a in self.acks(dev) if a.get("area", area) == area]
        return acks[-1] if acks else None

    def wait_acked(self, dev, seq, area="main", timeout=20):
        return wait_until(lambda: (self.last_ack(dev, area) or {}).get("seq", 0) >= seq,
                          timeout, what=f"{dev} ack of {area} seq {seq}")

    def stop(self):
        for p in self.displays.values():
            p.stop()
        if self.bridge:
            self.bridge.stop()
        self.watch.close()
        self.broker.stop()
        self.tmp.cleanup()

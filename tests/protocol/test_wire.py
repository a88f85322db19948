#!/usr/bin/python3
"""Every message on the wire, read by a third-party client (paho, MQTT 5)
from a real mosquitto while the bridge and two headless displays do all
they do (boards, notice set and cleared, status, health, acks, commands,
results, a screenshot, a Last Will, a clean shutdown), is checked against
protocol/topics.json: topic, QoS, retain flag, message expiry, content type,
size and JSON Schema (python3-jsonschema)."""
import json
import os
import re
import threading

import jsonschema
import paho.mqtt.client as mqtt
from paho.mqtt.subscribeoptions import SubscribeOptions

import cbtest
from cbsystem import SITE, TENANT, System
from cbtest import test, wait_until

SRC = os.environ.get("CALLBOARD_SRC", cbtest.SRC)
HEALTH_INTERVAL = 5  # cbsystem's displays
NAME = "[a-z0-9][a-z0-9-]{0,62}"


def load(*path):
    with open(os.path.join(SRC, "protocol", *path), encoding="utf-8") as f:
        return json.load(f)


SPEC = load("topics.json")
SCHEMAS = {t["schema"]: load("schema", t["schema"] + ".json") for t in SPEC["topics"]
           if t["schema"]}


def pattern(t):
    root = SPEC["root"].format(tenant=TENANT, site=SITE)
    return re.compile(re.escape(root + "/") +
                      re.sub(r"\\\{[a-z]+\\\}", NAME, re.escape(t["topic"])) + "$")


RULES = [(pattern(t), t) for t in SPEC["topics"]]


class Wire:
    """An MQTT 5 client that sees every message as published: QoS 2
    subscription (so the QoS delivered is the sender's), retain as
    published."""

    def __init__(self, port):
        self.msgs = []
        self.lock = threading.Lock()
        self.c = mqtt.Client(client_id="wire-check", protocol=mqtt.MQTTv5)
        self.c.on_message = self.on_message
        ok = threading.Event()
        self.c.on_connect = lambda c, u, f, rc, p=None: ok.set()
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        assert ok.wait(10), "wire client connect"
        sub = threading.Event()
        self.c.on_subscribe = lambda *a: sub.set()
        self.c.subscribe("callboard/#", options=SubscribeOptions(qos=2, retainAsPublished=True))
        assert sub.wait(10), "wire client subscribe"

    def on_message(self, c, u, m):
        props = m.properties
        with self.lock:
            self.msgs.append({
                "topic": m.topic, "qos": m.qos, "retain": bool(m.retain),
                "payload": m.payload,
                "expiry": getattr(props, "MessageExpiryInterval", None) if props else None,
                "ctype": getattr(props, "ContentType", None) if props else None})

    def seen(self, pred):
        with self.lock:
            return [m for m in self.msgs if pred(m)]

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def check(m):
    """Problems of one message against topics.json (a list of strings)."""
    rule = next((t for p, t in RULES if p.match(m["topic"])), None)
    if not rule:
        return [f"{m['topic']}: not a topic of the protocol"]
    out = []
    say = lambda what: out.append(f"{m['topic']}: {what}")  # noqa: E731
    if m["qos"] not in rule["qos"]:
        say(f"QoS {m['qos']}, expected one of {rule['qos']}")
    if m["retain"] != rule["retain"]:
        say(f"retain {m['retain']}, expected {rule['retain']}")
    want = rule["expiry_s"]
    if want == "2 x health interval":
        want = 2 * HEALTH_INTERVAL
    if want is None and m["expiry"] is not None:
        say(f"message expiry {m['expiry']}, expected none")
    # The broker counts down the time a message waited in it.
    if want is not None and not (m["expiry"] is not None and want - 3 <= m["expiry"] <= want):
        say(f"message expiry {m['expiry']}, expected {want}")
    if m["ctype"] != rule["content_type"]:
        say(f"content type {m['ctype']!r}, expected {rule['content_type']!r}")
    body = m["payload"]
    if len(body) > rule["max_bytes"]:
        say(f"{len(body)} bytes, more than {rule['max_bytes']}")
    if not body and rule.get("empty_clears"):
        return out
    if rule["schema"]:
        errors = list(jsonschema.Draft202012Validator(SCHEMAS[rule["schema"]])
                      .iter_errors(json.loads(body)))
        if errors:
            say(f"schema {rule['schema']}: {errors[0].message}")
    elif rule["content_type"] == "image/png" and body[:8] != b"\x89PNG\r\n\x1a\n":
        say("not a PNG")
    return out


@test
def every_message_matches_topics_json():
    s = System(ndisplays=2)
    wire = Wire(s.broker.port)
    try:
        s.start()
        st, first = s.api.call("A001", "3")
        assert st == 202, first
        st, rec = s.api.recall(first["id"])
        assert st == 202, rec
        notice = f"/v1/sites/{TENANT}/{SITE}/notice"
        st, _ = s.api.req("PUT", notice, {"text": "Wire check", "mode": "banner"})
        assert st == 200
        st, _ = s.api.req("DELETE", notice)
        assert st in (200, 204), st
        queue = f"/v1/sites/{TENANT}/{SITE}/areas/main/queue"
        st, _ = s.api.req("PUT", queue, {"services": [{"name": "Pas", "waiting": 3,
                                                       "wait_min": 10}]})
        assert st in (200, 202), st
        dev = f"/v1/devices/{TENANT}/{SITE}/screen-1/commands"
        for cmd in ({"cmd": "identify"}, {"cmd": "screenshot"}, {"cmd": "volume", "level": 20}):
            st, res = s.api.req("POST", dev, cmd)
            assert st == 200, (cmd, st, res)
        for d in s.display_confs:
            s.wait_acked(d, rec["seq"])
        # Health every 5 s; the Will of a killed display; a clean shutdown.
        wait_until(lambda: wire.seen(lambda m: m["topic"].endswith("/health")), 15,
                   what="a health report")
        s.displays["screen-2"].kill9()
        s.displays["screen-1"].stop()

        def offline(dev):
            return wire.seen(lambda m: m["topic"].endswith(f"/{dev}/status") and
                             json.loads(m["payload"]).get("state") == "offline")
        will = wait_until(lambda: offline("screen-2"), 20, what="the Will")[-1]
        clean = wait_until(lambda: offline("screen-1"), 20, what="a clean offline")[-1]

        kinds = {next(t["topic"] for p, t in RULES if p.match(m["topic"]))
                 for m in wire.seen(lambda m: True)}
        missing = {t["topic"] for t in SPEC["topics"]} - kinds
        assert not missing, f"never seen on the wire: {sorted(missing)}"
        print(f"{len(wire.seen(lambda m: True))} messages checked")
        problems = [p for m in wire.seen(lambda m: True) for p in check(m)]
        assert not problems, "\n".join(problems[:20])
        assert wire.seen(lambda m: m["topic"].endswith("/notice") and not m["payload"]), \
            "the notice was not cleared with an empty payload"
        # The Will is written at connect time: v, state, device and at most
        # an ordering field, nothing that would be wrong when it fires.
        body = json.loads(will["payload"])
        assert not {"version", "started", "ts", "config_hash", "areas"} & set(body), body
        assert body["device"] == "screen-2", body
        assert "ts" in json.loads(clean["payload"]), clean
    finally:
        wire.close()
        s.stop()


cbtest.run()

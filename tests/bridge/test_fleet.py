"""callboard-bridge in a fleet shared by many municipalities, from the
attacker's side first: invented display names, unknown health fields,
retained messages parked on the broker, and tenants looking at each
other's displays. A real mosquitto and SQLite files in a temp folder."""
import base64
import json
import os
import re
import subprocess

import paho.mqtt.client as mqtt

import cbtest
import test_bridge as tb
from cbtest import Client, wait_until

cbtest._tests.clear()  # only this file's tests, not test_bridge's
test = cbtest.test


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def get(b, path, headers=None, token=None, basic=None, source="127.0.0.1"):
    """GET from a chosen loopback source address; (status, JSON or bytes)."""
    h = dict(headers or {})
    if basic:
        h["Authorization"] = "Basic " + base64.b64encode(f"staff:{basic}".encode()).decode()
    return b.req("GET", path, token=token, headers=h, source=source)


def devices(b, query="", **kw):
    """Every device the caller may see, following next; asserts each page."""
    out, after = [], None
    while True:
        q = query + (f"&after={after}" if after else "")
        st, body = get(b, "/v1/devices?" + q.lstrip("&"), **kw)
        assert st == 200, (st, body)
        out += body["devices"]
        after = body.get("next")
        if not after:
            return out


def status(dev):
    return json.dumps({"v": 1, "state": "online", "device": dev, "version": "0.1.0",
                       "areas": ["main"]})


@test
def invented_devices_stay_bounded():
    tmp = cbtest.TempDir("cbfleet-")
    # No queue limit: every message of the flood reaches the bridge.
    broker = cbtest.Mosquitto(tmp, extra_conf="max_queued_messages 0\n")
    b = tb.Bridge(tmp, broker.port)  # max_devices_per_site: 200 by default
    try:
        flood = mqtt.Client(client_id="flood")
        flood.max_queued_messages_set(0)
        flood.connect("127.0.0.1", broker.port, 30)
        flood.loop_start()
        junk = "x" * 7000
        for i in range(20000):
            dev = f"fake-{i:05d}"
            h = tb.health(dev, junk=junk)
            flood.publish(f"{tb.ROOT}/display/{dev}/health", json.dumps(h), qos=0)
        # A marker on another site, after the flood on the same connection.
        flood.publish("callboard/v1/aarhus/lystrup/display/marker/health",
                      json.dumps(tb.health("marker")), qos=1).wait_for_publish(60)
        flood.loop_stop()
        flood.disconnect()
        wait_until(lambda: devices(b, "site=aarhus/lystrup", token=tb.ADMIN), 120,
                   what="the marker after the flood")
        rss = rss_kb(b.proc.p.pid)
        assert rss < 64 * 1024, f"bridge RSS {rss} kB"
        listed = devices(b, "site=aarhus/dokk1&limit=1000", token=tb.ADMIN)
        assert len(listed) == 200, len(listed)
        assert all("junk" not in d["health"] for d in listed), listed[0]
        assert listed[0]["health"]["cpu_temp_c"] == 48.5, listed[0]
        m = b.metrics()
        full = tb.metric(m, 'callboard_device_messages_refused_total{reason="site-full"}')
        assert full and full >= 19000, m
        assert "# TYPE callboard_device_messages_refused_total counter" in m
        assert b.proc.output().count("max_devices_per_site") < 20, "refusals not rate-limited"
        b.stop()
        size = sum(os.path.getsize(b.db + s) for s in ("", "-wal") if os.path.exists(b.db + s))
        assert size < 4 * 1024 * 1024, f"database {size} bytes"
        with open(b.db, "rb") as f:
            assert b"junk" not in f.read()
    finally:
        b.stop()
        broker.stop()
        tmp.cleanup()


@test
def devices_in_pages_per_tenant_and_site():
    tmp, broker, b = tb.setup()
    c = Client(broker.port)
    try:
        names = [("aarhus", "dokk1", f"d-{i:03d}") for i in range(150)]
        names += [("aarhus", "lystrup", "screen-1"), ("samsoe", "tranebjerg", "screen-1")]
        for t, s, d in names:
            # retained, as displays send it: there also for a bridge still subscribing
            c.c.publish(f"callboard/v1/{t}/{s}/display/{d}/status", status(d), qos=1,
                        retain=True)
        wait_until(lambda: len(devices(b, token=tb.ADMIN)) == len(names), 30,
                   what="all devices listed")
        st, page = get(b, "/v1/devices?limit=100", token=tb.ADMIN)
        assert st == 200 and len(page["devices"]) == 100 and page["next"], page.get("next")
        first = page["devices"][0]
        for k in ("tenant", "site", "device", "status", "version", "last_seen", "acks",
                  "behind", "health", "screenshot"):
            assert k in first, first
        keys = [(d["tenant"], d["site"], d["device"]) for d in devices(b, token=tb.ADMIN)]
        assert keys == sorted(names), keys[:5]
        mine = devices(b, "limit=7", token=tb.TOK_A)
        assert len(mine) == 151 and all(d["tenant"] == "aarhus" for d in mine)
        assert [d["device"] for d in devices(b, "site=aarhus/lystrup", token=tb.TOK_A)] == \
            ["screen-1"]
        assert get(b, "/v1/devices?site=samsoe/tranebjerg", token=tb.TOK_A)[0] == 403
        assert get(b, "/v1/devices?site=nowhere/x", token=tb.ADMIN)[0] == 404
        for bad in ("limit=0", "limit=1001", "limit=x", "after=nonsense"):
            assert get(b, "/v1/devices?" + bad, token=tb.ADMIN)[0] == 422, bad
        # The CLI follows the pages.
        p = subprocess.run([cbtest.binary("callboard"), "devices", "--json", "--url",
                            f"http://127.0.0.1:{b.port}", "--token", tb.ADMIN],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        assert len(json.loads(p.stdout)["devices"]) == len(names)
        # The table: a row per display, last seen in the status page's words.
        p = subprocess.run([cbtest.binary("callboard"), "devices", "--url",
                            f"http://127.0.0.1:{b.port}", "--token", tb.ADMIN],
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.splitlines()
        assert lines[0].split()[:5] == ["SITE", "DEVICE", "STATE", "BEHIND", "LAST"], lines[0]
        assert len(lines) == len(names) + 1, len(lines)
        ago = re.compile(r" \d+ (s|min) ago ")
        assert all(ago.search(line) for line in lines[1:]), lines[1:3]
    finally:
        c.close()
        b.stop()
        broker.stop()
        tmp.cleanup()


@test
def retained_reports_ignored_and_cleared():
    tmp = cbtest.TempDir("cbfleet-")
    broker = cbtest.Mosquitto(tmp)
    thief = Client(broker.port)
    b = None
    try:
        shot = f"{tb.ROOT}/display/thief/screenshot"
        png = b"\x89PNG\r\n\x1a\n" + os.urandom(1024 * 1024)
        thief.publish(shot, png, retain=True)
        thief.publish(f"{tb.ROOT}/display/thief/health", tb.health("thief"), retain=True)
        thief.close()
        b = tb.Bridge(tmp, broker.port)
        m = lambda k: tb.metric(b.metrics(), f'callboard_retained_ignored_total{{kind="{k}"}}')
        wait_until(lambda: m("screenshot") and m("health"), 20, what="retained counted")
        st, body = get(b, "/v1/devices", token=tb.ADMIN)
        assert st == 200 and body["devices"] == [], body
        assert get(b, "/v1/devices/aarhus/dokk1/thief/screenshot", token=tb.ADMIN)[0] == 404
        assert b"thief" not in get(b, "/", basic=tb.ADMIN)[1]

        def cleared():
            # The broker sends a retained message before any later publish of
            # ours comes back: once the marker is here, nothing retained is.
            probe = Client(broker.port)
            try:
                probe.subscribe(shot)
                probe.subscribe("probe/marker")
                probe.publish("probe/marker", b"m")
                wait_until(lambda: probe.received("probe/marker"), 10, what="marker")
                return not [p for _, p, _ in probe.received(shot) if p]
            finally:
                probe.close()
        wait_until(cleared, 20, what="the retained screenshot cleared")
    finally:
        if b:
            b.stop()
        broker.stop()
        tmp.cleanup()


@test
def tenant_sees_own_status_only():
    tmp, broker, b = tb.setup(
        tail="\n[http]\ntrusted_tenant_header = X-Callboard-Tenant\ntrusted_proxy = 127.0.0.2\n")
    c = Client(broker.port)
    try:
        for t, s, d in (("aarhus", "dokk1", "aarhus-screen"),
                        ("samsoe", "tranebjerg", "samsoe-screen")):
            c.publish(f"callboard/v1/{t}/{s}/display/{d}/status", status(d), retain=True)
        wait_until(lambda: len(devices(b, token=tb.ADMIN)) == 2, 20, what="two devices")

        def page(**kw):
            st, html = get(b, "/", **kw)
            return st, html.decode() if isinstance(html, bytes) else html
        st, html = page(basic=tb.TOK_A)
        assert st == 200 and "aarhus-screen" in html and "samsoe-screen" not in html, st
        assert "tranebjerg" not in html
        st, html = page(token=tb.TOK_S)
        assert st == 200 and "samsoe-screen" in html and "aarhus-screen" not in html
        st, html = page(basic=tb.ADMIN)
        assert "samsoe-screen" in html and "aarhus-screen" in html
        assert [d["device"] for d in devices(b, token=tb.TOK_A)] == ["aarhus-screen"]
        assert [d["device"] for d in devices(b, token=tb.TOK_S)] == ["samsoe-screen"]
        assert get(b, "/status/latest/samsoe/tranebjerg/samsoe-screen", token=tb.TOK_A)[0] \
            == 403
        st, _ = b.req("POST", "/v1/devices/samsoe/tranebjerg/samsoe-screen/commands",
                      {"cmd": "identify"}, token=tb.TOK_A)
        assert st == 403, st
        # The single sign-on proxy's header: believed from its address only.
        hdr = {"X-Callboard-Tenant": "samsoe"}
        st, html = page(headers=hdr, source="127.0.0.2")
        assert st == 200 and "samsoe-screen" in html and "aarhus-screen" not in html
        assert [d["device"] for d in devices(b, headers=hdr, source="127.0.0.2")] == \
            ["samsoe-screen"]
        st, html = page(headers={"X-Callboard-Tenant": "*"}, source="127.0.0.2")
        assert "samsoe-screen" in html and "aarhus-screen" in html
        assert page(headers={"X-Callboard-Tenant": "nobody"}, source="127.0.0.2")[0] == 401
        assert page(headers=hdr)[0] == 401
        assert get(b, "/v1/devices", headers={"X-Callboard-Tenant": "*"})[0] == 401
    finally:
        c.close()
        b.stop()
        broker.stop()
        tmp.cleanup()


if __name__ == "__main__":
    cbtest.run()

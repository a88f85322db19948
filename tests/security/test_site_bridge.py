#!/usr/bin/python3
"""A site broker from `broker-config --site-bridge`, bridged to a central
broker from `broker-config`: the bridge on the central one, a headless
display on the site one, and between the two brokers a TCP relay of the
test's own, so the central link can be cut without restarting a broker.

Time is what is tested in one place: the cut lasts 30 s (longer than the
display's offline_after, so a display that lost its broker would show the
offline mark within it). Everything else waits for its event with a bound."""
import os
import socket
import subprocess
import threading
import time

import cbtest
from cbbroker import Broker
from cbsystem import Api
from cbtest import Client, Proc, TempDir, test, wait_until

TENANT, SITE, DEV = "aarhus", "dokk1", "screen-1"
TOKEN = "site-bridge-token-aarhus"
CUT_S = 30
RESYNC_BOUND_S = 10  # liveness bound; the measured time is printed

DEVICES = f"""[bridge]
username = bridge

[tenant:{TENANT}]
sites = {SITE}, gellerup

[display:{TENANT}/{SITE}/{DEV}]
areas = main

[display:{TENANT}/gellerup/{DEV}]
areas = main

[site-broker:{TENANT}/{SITE}]
username = {TENANT}.{SITE}
"""


class Relay:
    """A TCP relay on a free loopback port to target_port. cut() closes the
    listener and every relayed connection (new ones are refused); restore()
    listens again on the same port."""

    def __init__(self, target_port):
        self.target = target_port
        self.port = cbtest.free_port()
        self.lock = threading.Lock()
        self.socks = []
        self.listener = None
        self.restore()

    def restore(self):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(8)
        self.listener = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                a, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                b = socket.create_connection(("127.0.0.1", self.target), 5)
            except OSError:
                a.close()
                continue
            b.settimeout(None)  # the connect's timeout would end idle reads
            with self.lock:
                self.socks += [a, b]
            for src, dst in ((a, b), (b, a)):
                threading.Thread(target=cbtest.pump, args=(src, dst), daemon=True).start()

    def cut(self):
        # shutdown wakes the thread blocked in accept; close alone would not.
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            socks, self.socks = self.socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def stop(self):
        self.cut()


class Rig:
    """Central broker + bridge, relay, site broker + display."""

    def __init__(self):
        self.tmp = TempDir("cbsite-")
        self.central = Broker(DEVICES)
        self.relay = Relay(self.central.port)
        creds = open(os.path.join(self.central.dir, "credentials.ini")).read()
        self.site = Broker(creds, options=[
            "--site-bridge", f"127.0.0.1:{self.relay.port}", "--site", f"{TENANT}/{SITE}"])
        self.http = cbtest.free_port()
        self.api = Api(self.http, TOKEN)
        self.bridge = Proc([cbtest.binary("callboard-bridge"), "--config",
                            self.tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{self.http}

[mqtt]
host = 127.0.0.1
port = {self.central.port}
keepalive = 5
username = bridge
password = {self.central.creds["bridge"]}

[storage]
path = {self.tmp.path}/bridge.db

[registry]
health_interval = 5

[tenant:{TENANT}]
token = {TOKEN}
sites = {SITE}, gellerup
""")])
        wait_until(self.api.healthy, 15, what="bridge /healthz")
        user = f"{TENANT}.{SITE}.{DEV}"
        self.display = cbtest.display(self.tmp, self.site.port, TENANT, SITE, DEV,
                                      f"username = {user}\npassword = {self.site.creds[user]}")

    def device(self):
        s, body = self.api.devices()
        assert s == 200, (s, body)
        items = body.get("devices", body) if isinstance(body, dict) else body
        return next((d for d in items if d["device"] == DEV and d["site"] == SITE), None)

    def acked(self, seq):
        d = self.device()
        return d and d["status"] == "online" and any(
            a["area"] == "main" and a["seq"] >= seq for a in d["acks"])

    def call(self, ticket):
        s, body = self.api.call(ticket, "3")
        assert s in (200, 201, 202), (s, body)
        return body["seq"]

    def stop(self):
        self.display.stop()
        self.bridge.stop()
        self.site.stop()
        self.relay.stop()
        self.central.stop()
        self.tmp.cleanup()


@test
def site_broker_files():
    """The site's config holds its displays only, and the bridge section
    with the site broker's account; the central ACL limits that account to
    the site."""
    central = Broker(DEVICES)
    try:
        creds = os.path.join(central.dir, "credentials.ini")
        site_dir = os.path.join(central.tmp.path, "site")
        args = [cbtest.binary("callboard"), "broker-config", "--devices", creds, "--out",
                site_dir, "--site-bridge", "central.example:8883", "--site", f"{TENANT}/{SITE}"]
        p = subprocess.run(args, capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        conf = open(os.path.join(site_dir, "mosquitto.conf")).read()
        assert os.stat(os.path.join(site_dir, "mosquitto.conf")).st_mode & 0o077 == 0
        assert "address central.example:8883\n" in conf
        assert f"remote_username {TENANT}.{SITE}\n" in conf
        assert f"remote_password {central.creds[f'{TENANT}.{SITE}']}\n" in conf
        assert "cleansession false\n" in conf
        root = f"callboard/v1/{TENANT}/{SITE}/"
        assert f"topic board/+ in 1 {root} {root}\n" in conf
        assert f"topic display/+/ack out 1 {root} {root}\n" in conf
        passwd = open(os.path.join(site_dir, "passwd")).read()
        users = sorted(line.split(":")[0] for line in passwd.splitlines())
        assert users == [f"{TENANT}.{SITE}.{DEV}"], users
        acl = open(os.path.join(central.dir, "acl")).read()
        block = acl.split(f"user {TENANT}.{SITE}\n")[1].split("\n\n")[0]
        assert all(f"/{TENANT}/{SITE}/" in line for line in block.splitlines()), block
        assert f"topic write {root}display/+/status" in block
        # Without the central credentials the site config cannot be written.
        p = subprocess.run(args[:3] + [central.dev] + args[4:], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 1 and "credentials.ini" in p.stderr, p.stderr
    finally:
        central.stop()


@test
def site_account_reaches_its_site_only():
    """The central account of a site broker reads what goes down to its
    site and writes what comes up from it: no board of its own making, and
    nothing of another site. Each "nothing arrived" is checked against a
    permitted message sent after the forbidden ones (a barrier)."""
    b = Broker(DEVICES)
    dokk1, gellerup = f"callboard/v1/{TENANT}/{SITE}", f"callboard/v1/{TENANT}/gellerup"
    def login(user):
        return Client(b.port, client_id=user, username=user, password=b.creds[user])

    def topics(c):
        return [t for t, _, _ in c.received()]

    def seen(c, topic, payload):
        wait_until(lambda: any(p == payload for _, p, _ in c.received(topic)), 10,
                   what=f"{topic} {payload!r}")

    try:
        bridge = login("bridge")
        for root in (dokk1, gellerup):
            bridge.publish(f"{root}/board/main", b"real", retain=True)
            bridge.subscribe(f"{root}/board/+")
            bridge.subscribe(f"{root}/display/+/status")
        for root in (dokk1, gellerup):
            seen(bridge, f"{root}/board/main", b"real")
        bridge.clear()
        site = login(f"{TENANT}.{SITE}")
        site.subscribe(f"{gellerup}/board/+")
        site.subscribe(f"{gellerup}/display/+/status")
        site.subscribe(f"{dokk1}/board/+")
        seen(site, f"{dokk1}/board/main", b"real")
        assert topics(site) == [f"{dokk1}/board/main"], topics(site)
        site.publish(f"{dokk1}/board/main", b"forged", retain=True)
        site.publish(f"{gellerup}/display/{DEV}/status", b"forged", retain=True)
        site.publish(f"{dokk1}/display/{DEV}/status", b"barrier")
        seen(bridge, f"{dokk1}/display/{DEV}/status", b"barrier")
        assert topics(bridge) == [f"{dokk1}/display/{DEV}/status"], topics(bridge)
        bridge.close()
        site.close()
    finally:
        b.stop()


@test
def site_bridge_over_tls_with_its_certificate():
    """Central --tls makes the site account's certificate; the site bridge
    uses it on the TLS listener (no password there) and reports flow up."""
    central = Broker(DEVICES, tls=True)
    site = None
    try:
        cdir = central.dir
        site = Broker(open(os.path.join(cdir, "credentials.ini")).read(), options=[
            "--site-bridge", f"localhost:{central.tls_port}", "--site", f"{TENANT}/{SITE}",
            "--central-cafile", f"{cdir}/ca.crt",
            "--central-certfile", f"{cdir}/clients/{TENANT}.{SITE}.crt",
            "--central-keyfile", f"{cdir}/clients/{TENANT}.{SITE}.key"])
        status = f"callboard/v1/{TENANT}/{SITE}/display/{DEV}/status"
        bridge = Client(central.port, client_id="bridge", username="bridge",
                        password=central.creds["bridge"])
        bridge.subscribe(status)
        user = f"{TENANT}.{SITE}.{DEV}"
        display = Client(site.port, client_id=user, username=user, password=site.creds[user])
        # Until the bridge is up the report waits on the site broker (QoS 1).
        display.publish(status, b"over tls")
        wait_until(lambda: bridge.received(status), 20, what="the report through TLS")
        display.close()
        bridge.close()
    finally:
        if site:
            site.stop()
        central.stop()


@test
def site_keeps_its_board_through_a_cut():
    r = Rig()
    try:
        seq1 = r.call("A001")
        wait_until(lambda: r.acked(seq1), 30, what="display ack through the site bridge")

        mark = r.display.mark()
        r.relay.cut()
        cut_at = time.monotonic()
        seq2 = r.call("A002")  # accepted by the bridge, published to central
        s, board = r.api.board()
        assert s == 200 and board["seq"] >= seq2, (s, board)
        assert not r.acked(seq2)
        # The cut itself: the display stays on the site broker all along,
        # and the cut's call does not reach it.
        cbtest.never(lambda: r.display.find("offline mark", after=cut_at)
                     or r.display.find("lost", after=cut_at) or r.acked(seq2), CUT_S,
                     step=0.25, what="display lost its broker or saw the call during the cut")
        assert r.display.alive()

        r.relay.restore()
        t0 = time.monotonic()
        wait_until(lambda: r.acked(seq2), RESYNC_BOUND_S,
                   what="ack of the call made during the cut")
        took = time.monotonic() - t0
        print(f"resync after a {CUT_S} s cut: ack of the cut's call on central {took:.2f} s "
              "after the link came back")
        out = "\n".join(l for _, l in r.display.entries(after=cut_at))
        assert "offline mark" not in out, out
        assert r.display.mark() >= mark
    finally:
        r.stop()


if __name__ == "__main__":
    cbtest.run()

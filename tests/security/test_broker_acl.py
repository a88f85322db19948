#!/usr/bin/python3
"""broker-config's output in a real mosquitto: per-device credentials and
topic isolation, wrong passwords, and TLS client certificates.

Denied publishes and subscriptions are silent in MQTT, so every "nothing
arrived" is checked against a barrier: a permitted message sent after the
forbidden ones on the same connection. Mosquitto delivers one client's
messages in order, so once the barrier is in, anything allowed would be too."""
import os
import socket
import ssl
import subprocess
import threading
import time

import paho.mqtt.client as mqtt

import cbtest
from cbbroker import Broker as GeneratedBroker, read_credentials
from cbtest import test

ROOT = "callboard/v1"

DEVICES = """[bridge]
username = bridge

[tenant:aarhus]
sites = dokk1, gellerup

[tenant:samsoe]
sites = tranebjerg

[display:aarhus/dokk1/screen-1]
areas = main

[display:aarhus/dokk1/screen-2]
areas = main
password = given-password-for-screen-2

[display:aarhus/gellerup/screen-1]
areas = main

[display:samsoe/tranebjerg/screen-1]
areas = main
"""


def Broker(tls=False, devices=DEVICES, **kw):
    return GeneratedBroker(devices, tls, **kw)


class Conn:
    """A paho client that records messages; connect() returns the CONNACK rc."""

    def __init__(self, port, user=None, password=None, tls=None, client_id=None):
        self.msgs = []
        self.lock = threading.Lock()
        self.rc = None
        self.done = threading.Event()
        self.lost = threading.Event()
        self.c = mqtt.Client(client_id=client_id or f"t-{user}-{time.monotonic_ns()}",
                             clean_session=True)
        if user:
            self.c.username_pw_set(user, password)
        if tls:
            self.c.tls_set(ca_certs=tls[0], certfile=tls[1], keyfile=tls[2],
                           cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = self._on_disconnect
        self.c.on_message = self._on_message
        self.port = port

    def _on_connect(self, c, u, f, rc):
        self.rc = rc
        self.done.set()

    def _on_disconnect(self, c, u, rc):
        if not self.done.is_set():  # dropped before any CONNACK (a refused certificate)
            self.rc = "disconnected"
            self.done.set()
        elif rc != 0:
            self.lost.set()

    def _on_message(self, c, u, m):
        with self.lock:
            self.msgs.append((m.topic, m.payload))

    def connect(self):
        """Drive the handshake here (not in paho's thread) so a TLS failure
        raises in the test instead of killing a background thread."""
        self.c.connect("127.0.0.1", self.port, 30)
        deadline = time.monotonic() + 10
        while not self.done.is_set():
            if time.monotonic() > deadline:
                raise TimeoutError("no CONNACK")
            rc = self.c.loop(0.1)
            if rc != mqtt.MQTT_ERR_SUCCESS and not self.done.is_set():
                self.rc = f"connection lost ({rc})"
                self.done.set()
        if self.rc == 0:
            self.c.loop_start()
        return self.rc

    def sub(self, topic):
        ev = threading.Event()
        self.c.on_subscribe = lambda c, u, mid, q: ev.set()
        self.c.subscribe(topic, 1)
        assert ev.wait(10), "no SUBACK"

    def pub(self, topic, payload, retain=False):
        info = self.c.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(10)
        assert info.is_published()

    def topics(self):
        with self.lock:
            return [t for t, _ in self.msgs]

    def wait(self, topic, payload=None):
        def seen():
            with self.lock:
                return any(t == topic and (payload is None or p == payload)
                           for t, p in self.msgs)
        cbtest.wait_until(seen, 10, what=f"{topic} {payload!r}")

    def close(self):
        try:
            self.c.disconnect()
        except (ssl.SSLError, OSError):
            pass  # the broker already dropped us
        if self.rc == 0:
            self.c.loop_stop()


def login(b, user, password=None, client_id=None):
    c = Conn(b.port, user, b.creds[user] if password is None else password, client_id=client_id)
    rc = c.connect()
    assert rc == 0, f"{user}: CONNACK {rc}"
    return c


D1 = "aarhus.dokk1.screen-1"
DOKK1 = f"{ROOT}/aarhus/dokk1"


@test
def wrong_or_missing_credentials_are_refused():
    b = Broker()
    try:
        for user, pw in ((D1, "wrong-password-123"), ("bridge", b.creds[D1]),
                         ("nobody", "whatever-password"), (None, None)):
            c = Conn(b.port, user, pw)
            rc = c.connect()
            c.close()
            assert rc in (4, 5), f"{user}: CONNACK {rc}"
        login(b, D1).close()
        login(b, "bridge").close()
        # A password given in the devices file is the one that works.
        assert b.creds["aarhus.dokk1.screen-2"] == "given-password-for-screen-2"
        login(b, "aarhus.dokk1.screen-2").close()
    finally:
        b.stop()


@test
def display_cannot_write_boards_notices_or_others_status():
    b = Broker()
    try:
        bridge = login(b, "bridge")
        for t in ("board/+", "queue/+", "notice", "display/+/status"):
            bridge.sub(f"{DOKK1}/{t}")
        bridge.sub(f"{ROOT}/samsoe/tranebjerg/board/+")
        d = login(b, D1)
        d.pub(f"{DOKK1}/board/main", b'{"forged":1}', retain=True)
        d.pub(f"{DOKK1}/queue/main", b'{"forged":1}', retain=True)
        d.pub(f"{DOKK1}/notice", b'{"forged":1}', retain=True)
        d.pub(f"{DOKK1}/display/screen-2/status", b'{"forged":1}', retain=True)
        d.pub(f"{ROOT}/samsoe/tranebjerg/board/main", b'{"forged":1}', retain=True)
        d.pub(f"{DOKK1}/display/screen-1/status", b"barrier")
        bridge.wait(f"{DOKK1}/display/screen-1/status", b"barrier")
        assert bridge.topics() == [f"{DOKK1}/display/screen-1/status"], bridge.topics()
        # Nothing forged was retained either: a new subscriber gets only the barrier's absence.
        # (One bridge connection at a time: its client id is its username.)
        bridge.close()
        late = login(b, "bridge")
        late.sub(f"{DOKK1}/board/+")
        late.sub(f"{DOKK1}/notice")
        late.pub(f"{DOKK1}/board/main", b"real")
        late.wait(f"{DOKK1}/board/main", b"real")
        assert late.topics() == [f"{DOKK1}/board/main"], late.topics()
        for c in (d, late):
            c.close()
    finally:
        b.stop()


@test
def display_reads_only_its_own_site_and_device():
    b = Broker()
    try:
        bridge = login(b, "bridge")
        # Retained boards on every site before the display subscribes.
        for site in ("aarhus/gellerup", "samsoe/tranebjerg"):
            bridge.pub(f"{ROOT}/{site}/board/main", b"other", retain=True)
            bridge.pub(f"{ROOT}/{site}/notice", b"other", retain=True)
        d = login(b, D1)
        for t in (f"{ROOT}/aarhus/gellerup/#", f"{ROOT}/samsoe/#", f"{ROOT}/#", "#",
                  f"{DOKK1}/display/screen-2/cmd", f"{DOKK1}/display/+/status",
                  f"{DOKK1}/board/main", f"{DOKK1}/queue/main", f"{DOKK1}/notice",
                  f"{DOKK1}/display/screen-1/cmd"):
            d.sub(t)
        # Live messages to other sites, tenants and devices, then the barriers.
        bridge.pub(f"{ROOT}/aarhus/gellerup/board/main", b"other")
        bridge.pub(f"{ROOT}/samsoe/tranebjerg/board/main", b"other")
        bridge.pub(f"{ROOT}/samsoe/tranebjerg/display/screen-1/cmd", b"other")
        bridge.pub(f"{DOKK1}/display/screen-2/cmd", b"other")
        other = login(b, "aarhus.dokk1.screen-2")
        other.pub(f"{DOKK1}/display/screen-2/status", b"other")
        other.pub(f"{DOKK1}/display/screen-2/health", b"other")
        bridge.pub(f"{DOKK1}/notice", b"mine")
        bridge.pub(f"{DOKK1}/display/screen-1/cmd", b"mine")
        bridge.pub(f"{DOKK1}/board/main", b"mine")
        bridge.pub(f"{DOKK1}/queue/main", b"mine")
        d.wait(f"{DOKK1}/board/main", b"mine")
        d.wait(f"{DOKK1}/queue/main", b"mine")
        d.wait(f"{DOKK1}/notice", b"mine")
        d.wait(f"{DOKK1}/display/screen-1/cmd", b"mine")
        # screen-2's publishes came on another connection: a barrier of its own.
        bridge.sub(f"{DOKK1}/display/+/health")
        other.pub(f"{DOKK1}/display/screen-2/health", b"barrier")
        bridge.wait(f"{DOKK1}/display/screen-2/health", b"barrier")
        with d.lock:
            payloads = {p for _, p in d.msgs}
        assert b"other" not in payloads, d.msgs
        for c in (bridge, d, other):
            c.close()
    finally:
        b.stop()


@test
def bridge_reads_every_device_topic_and_writes_every_site():
    b = Broker()
    try:
        bridge = login(b, "bridge")
        # One wildcard subscription over every tenant is accepted; the ACL
        # still decides per message.
        bridge.sub(f"{ROOT}/+/+/display/+/+")
        bridge.sub(f"{ROOT}/+/+/display/+/cmd/result")
        want = []
        for user in ("aarhus.dokk1.screen-1", "aarhus.gellerup.screen-1",
                     "samsoe.tranebjerg.screen-1"):
            tenant, site, dev = user.split(".")
            d = login(b, user)
            d.sub(f"{ROOT}/{tenant}/{site}/board/main")
            d.sub(f"{ROOT}/{tenant}/{site}/display/{dev}/cmd")
            for t in ("status", "health", "ack", "cmd/result", "screenshot"):
                topic = f"{ROOT}/{tenant}/{site}/display/{dev}/{t}"
                d.pub(topic, b"x")
                want.append(topic)
            bridge.pub(f"{ROOT}/{tenant}/{site}/board/main", b"board")
            bridge.pub(f"{ROOT}/{tenant}/{site}/display/{dev}/cmd", b"cmd")
            d.wait(f"{ROOT}/{tenant}/{site}/board/main", b"board")
            d.wait(f"{ROOT}/{tenant}/{site}/display/{dev}/cmd", b"cmd")
            d.close()
        for topic in want:
            bridge.wait(topic)
        bridge.close()
    finally:
        b.stop()


@test
def bridge_clears_what_a_display_left_retained():
    b = Broker()
    try:
        shot = f"{DOKK1}/display/screen-1/screenshot"
        d = login(b, D1)
        d.pub(shot, b"\x89PNG parked", retain=True)
        d.close()
        bridge = login(b, "bridge")
        bridge.sub(shot)
        bridge.wait(shot, b"\x89PNG parked")
        bridge.pub(shot, b"", retain=True)
        # A new subscriber gets nothing retained: only the live barrier.
        late = login(b, "bridge")
        late.sub(shot)
        d = login(b, D1)
        d.pub(shot, b"barrier")
        late.wait(shot, b"barrier")
        with late.lock:
            assert [p for t, p in late.msgs] == [b"barrier"], late.msgs
        for c in (bridge, d, late):
            c.close()
    finally:
        b.stop()


@test
def credentials_file_keeps_passwords_on_regeneration():
    b = Broker()
    try:
        before = dict(b.creds)
        b.generate(os.path.join(b.dir, "credentials.ini"), False)
        after = read_credentials(os.path.join(b.dir, "credentials.ini"))
        assert after == before
        # Rotation: regenerate from a file without screen-1's password.
        text = open(os.path.join(b.dir, "credentials.ini")).read()
        text = text.replace(f"password = {before[D1]}\n", "")
        rot = b.tmp.file("rotate.ini", text)
        b.generate(rot, False)
        rotated = read_credentials(os.path.join(b.dir, "credentials.ini"))
        assert rotated[D1] != before[D1]
        assert rotated["bridge"] == before["bridge"]
        b.proc.stop()
        b.start()
        c = Conn(b.port, D1, before[D1])
        assert c.connect() in (4, 5)
        c.close()
        login(b, D1, rotated[D1]).close()
        login(b, "bridge", before["bridge"]).close()
    finally:
        b.stop()


@test
def tls_needs_the_right_ca_and_a_client_certificate():
    b = Broker(tls=True)
    other = cbtest.TempDir("cbsec-other-")
    try:
        d = b.dir
        cl = os.path.join(d, "clients")
        right = (os.path.join(d, "ca.crt"), os.path.join(cl, f"{D1}.crt"),
                 os.path.join(cl, f"{D1}.key"))
        # The right CA and the device's certificate: in, as the device (CN).
        c = Conn(b.tls_port, tls=right)
        assert c.connect() == 0
        bridge = Conn(b.tls_port, tls=(right[0], os.path.join(cl, "bridge.crt"),
                                       os.path.join(cl, "bridge.key")))
        assert bridge.connect() == 0
        bridge.sub(f"{DOKK1}/board/+")
        bridge.sub(f"{DOKK1}/display/+/status")
        c.pub(f"{DOKK1}/board/main", b"forged")
        c.pub(f"{DOKK1}/display/screen-1/status", b"barrier")
        bridge.wait(f"{DOKK1}/display/screen-1/status", b"barrier")
        assert f"{DOKK1}/board/main" not in bridge.topics()
        c.close()
        bridge.close()
        # A CA the client does not trust: the handshake fails.
        sub = subprocess.run(
            ["openssl", "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             os.path.join(other.path, "ca.key"), "-subj", "/CN=other CA", "-days", "2",
             "-out", os.path.join(other.path, "ca.crt")], capture_output=True, timeout=60)
        assert sub.returncode == 0, sub.stderr
        wrong = Conn(b.tls_port, tls=(os.path.join(other.path, "ca.crt"), right[1], right[2]))
        try:
            rc = wrong.connect()
        except (ssl.SSLError, OSError):
            rc = "refused"
        wrong.close()
        assert rc == "refused", rc
        # A client certificate from another CA is refused by the broker.
        key, csr, crt = (os.path.join(other.path, n) for n in ("c.key", "c.csr", "c.crt"))
        for args in (["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                      "-nodes", "-keyout", key, "-subj", f"/CN={D1}", "-out", csr],
                     ["x509", "-req", "-in", csr, "-CA", os.path.join(other.path, "ca.crt"),
                      "-CAkey", os.path.join(other.path, "ca.key"), "-set_serial", "7",
                      "-days", "2", "-out", crt]):
            p = subprocess.run(["openssl", *args], capture_output=True, timeout=60)
            assert p.returncode == 0, p.stderr
        forged = Conn(b.tls_port, tls=(right[0], crt, key))
        try:
            rc = forged.connect()
        except (ssl.SSLError, OSError):
            rc = "refused"
        forged.close()
        assert rc != 0, "a certificate from another CA was accepted"
        # No client certificate at all: refused.
        nocert = Conn(b.tls_port, tls=(right[0], None, None))
        try:
            rc = nocert.connect()
        except (ssl.SSLError, OSError):
            rc = "refused"
        nocert.close()
        assert rc != 0, "TLS without a client certificate was accepted"
    finally:
        other.cleanup()
        b.stop()


@test
def no_credential_takes_another_clients_id():
    """A stolen display credential that claims the bridge's client id (the
    old default or the username) or another display's does not knock them
    off: the broker gives every client its username as id."""
    b = Broker()
    try:
        bridge = login(b, "bridge", client_id="callboard-bridge")
        bridge.sub(f"{DOKK1}/display/+/status")
        other = login(b, "aarhus.dokk1.screen-2", client_id="screen-2")
        for victim in ("callboard-bridge", "bridge", "screen-2", "aarhus.dokk1.screen-2"):
            thief = login(b, D1, client_id=victim)
            thief.pub(f"{DOKK1}/display/screen-1/status", victim.encode())
            # The barrier: the bridge's subscription still delivers after the thief's CONNECT.
            bridge.wait(f"{DOKK1}/display/screen-1/status", victim.encode())
            other.pub(f"{DOKK1}/display/screen-2/status", victim.encode())
            bridge.wait(f"{DOKK1}/display/screen-2/status", victim.encode())
            thief.close()
        assert not bridge.lost.is_set(), "the bridge was disconnected"
        assert not other.lost.is_set(), "screen-2 was disconnected"
        bridge.close()
        other.close()
    finally:
        b.stop()


def run_display(b, dev_user, mqtt_lines):
    tenant, site, dev = dev_user.split(".")
    conf = b.tmp.file(f"{dev_user}.ini", f"""[device]
id = {dev}
tenant = {tenant}
site = {site}
areas = main
name = Test

[mqtt]
host = 127.0.0.1
keepalive = 5
{mqtt_lines}
""")
    return cbtest.Proc([cbtest.binary("callboard-display"), "--config", conf, "--headless"],
                       env={"SDL_AUDIODRIVER": "dummy"})


def board(seq):
    return ('{"v":1,"seq":%d,"ts":"%s","calls":[{"id":"c%d","ticket":"A%03d","desk":"3",'
            '"kind":"call","ts":"%s"}]}' % (seq, cbtest.iso_now(), seq, seq, cbtest.iso_now()))


def display_round_trip(b, bridge, disp):
    """The display comes online, shows a board the bridge publishes and acks it:
    everything it subscribes and publishes fits its ACL."""
    dev = f"{DOKK1}/display/screen-1"
    bridge.sub(f"{dev}/status")
    bridge.sub(f"{dev}/ack")
    bridge.wait(f"{dev}/status")
    with bridge.lock:
        status = [p for t, p in bridge.msgs if t == f"{dev}/status"][-1]
    assert b'"online"' in status, status
    bridge.pub(f"{DOKK1}/board/main", board(7).encode(), retain=True)
    cbtest.wait_until(lambda: any(t == f"{dev}/ack" and b'"seq":7' in p for t, p in bridge.msgs),
                      20, what="the display's ack of seq 7")
    assert disp.alive(), disp.output()


@test
def display_daemon_works_with_its_generated_credential():
    b = Broker()
    try:
        bridge = login(b, "bridge")
        disp = run_display(b, D1, f"port = {b.port}\nusername = {D1}\npassword = {b.creds[D1]}")
        display_round_trip(b, bridge, disp)
        disp.stop()
        bridge.close()
    finally:
        b.stop()


def tls_round_trip(b):
    """The bridge and a display with their certificates, over TLS only."""
    cl = os.path.join(b.dir, "clients")
    bridge = Conn(b.tls_port, tls=(os.path.join(b.dir, "ca.crt"), os.path.join(cl, "bridge.crt"),
                                   os.path.join(cl, "bridge.key")))
    assert bridge.connect() == 0
    disp = run_display(b, D1, f"port = {b.tls_port}\n"
                              f"cafile = {os.path.join(b.dir, 'ca.crt')}\n"
                              f"certfile = {os.path.join(cl, D1 + '.crt')}\n"
                              f"keyfile = {os.path.join(cl, D1 + '.key')}")
    display_round_trip(b, bridge, disp)
    disp.stop()
    bridge.close()


@test
def display_daemon_works_over_tls_with_its_certificate():
    b = Broker(tls=True)
    try:
        tls_round_trip(b)
    finally:
        b.stop()


def listen_addresses(port):
    """The local addresses of the TCP sockets listening on port, from
    /proc/net/tcp and tcp6 (addresses in 32-bit words of host order)."""
    found = []
    for name, fam in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        try:
            lines = open(f"/proc/net/{name}").read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, p = local.split(":")
            if state != "0A" or int(p, 16) != port:  # 0A: LISTEN
                continue
            raw = b"".join(bytes.fromhex(addr[i:i + 8])[::-1] for i in range(0, len(addr), 8))
            found.append(socket.inet_ntop(fam, raw))
    return found


def conf_lines(b):
    return open(os.path.join(b.dir, "mosquitto.conf")).read().splitlines()


@test
def tls_keeps_the_password_listener_on_loopback():
    """With --tls and no --bind, passwords are not offered to the network:
    the plain listener is on 127.0.0.1 only, the TLS one on every address."""
    b = Broker(tls=True, bind=None)
    try:
        lines = conf_lines(b)
        assert f"listener {b.port} 127.0.0.1" in lines, lines
        assert f"listener {b.tls_port}" in lines, lines
        assert listen_addresses(b.port) == ["127.0.0.1"], listen_addresses(b.port)
        assert listen_addresses(b.tls_port) and "127.0.0.1" not in listen_addresses(b.tls_port)
        # the bridge on the broker's host still logs in with its password
        login(b, "bridge").close()
    finally:
        b.stop()


@test
def tls_without_plain_listener():
    """--tls --no-plain: no password listener anywhere; displays use TLS."""
    b = Broker(tls=True, bind=None, options=["--no-plain"])
    try:
        lines = conf_lines(b)
        assert not [x for x in lines if x.startswith(f"listener {b.port}")], lines
        assert listen_addresses(b.port) == [], listen_addresses(b.port)
        assert not cbtest.port_open(b.port)
        tls_round_trip(b)
    finally:
        b.stop()


@test
def same_device_name_in_two_municipalities():
    """aarhus/dokk1/screen-1 and samsoe/tranebjerg/screen-1 stay connected side
    by side, each with its own generated credential."""
    b = Broker()
    try:
        bridge = login(b, "bridge")
        disps = []
        for user in (D1, "samsoe.tranebjerg.screen-1"):
            disps.append(run_display(b, user, f"port = {b.port}\nusername = {user}\n"
                                              f"password = {b.creds[user]}"))
        for d in disps:
            d.wait_line("connected to", 20)
        # Both see a board and ack it: both connections are up at the same time.
        for site in ("aarhus/dokk1", "samsoe/tranebjerg"):
            bridge.sub(f"{ROOT}/{site}/display/screen-1/ack")
            bridge.pub(f"{ROOT}/{site}/board/main", board(3).encode(), retain=True)
        for site in ("aarhus/dokk1", "samsoe/tranebjerg"):
            t = f"{ROOT}/{site}/display/screen-1/ack"
            cbtest.wait_until(lambda: any(x == t for x, _ in bridge.msgs), 20, what=t)
        for d in disps:
            assert "lost" not in d.output() and "reconnected" not in d.output(), d.output()
            d.stop()
        bridge.close()
    finally:
        b.stop()


@test
def a_fleet_of_1000_sites_and_10000_displays():
    """One tenant with 1,000 sites in one `sites =` line and 10,000 displays,
    far past the old caps (64 sites a tenant, 4,096 displays): the ACL and
    passwd name the first and last site and display, and the last display
    logs in and reads its board."""
    sites = [f"site-{i}" for i in range(1000)]
    devices = ["[bridge]\nusername = bridge\n\n[tenant:big]\nsites = " + ", ".join(sites) + "\n"]
    devices += [f"\n[display:big/{sites[i % 1000]}/screen-{i // 1000}]\nareas = main\n"
                for i in range(10000)]
    b = Broker(devices="".join(devices))
    try:
        first, last = "big.site-0.screen-0", "big.site-999.screen-9"
        acl = set(open(os.path.join(b.dir, "acl")).read().splitlines())
        for want in (f"topic readwrite {ROOT}/big/site-0/board/+",
                     f"topic readwrite {ROOT}/big/site-999/board/+",
                     f"user {first}", f"topic read {ROOT}/big/site-0/board/main",
                     f"user {last}", f"topic read {ROOT}/big/site-999/board/main",
                     f"topic write {ROOT}/big/site-999/display/screen-9/status"):
            assert want in acl, want
        users = [line.split(":", 1)[0] for line in open(os.path.join(b.dir, "passwd"))]
        assert len(users) == 10001, len(users)
        assert users[:2] == ["bridge", first] and users[-1] == last, (users[:2], users[-1])
        assert "max_queued_messages 40000" in conf_lines(b)
        bridge, disp = login(b, "bridge"), login(b, last)
        board_topic = f"{ROOT}/big/site-999/board/main"
        disp.sub(board_topic)
        bridge.pub(board_topic, b"{}")
        disp.wait(board_topic, b"{}")
        disp.close()
        bridge.close()
    finally:
        b.stop()


cbtest.run()

"""common/mqttc.c against a real broker: connect, echo, Last Will, clean
disconnect, reconnect with backoff after the broker is stopped and started."""
import contextlib
import os
import signal
import socket
import ssl
import struct
import subprocess
import threading
import time

import cbtest
from cbdns import SilentNameServer, over
from cbtest import Client, Mosquitto, Proc, TempDir, never, test, wait_until

ECHO = os.path.join(cbtest.BUILD, "tests/common/mqttc-echo")


@test
def echo_and_clean_disconnect():
    tmp = TempDir()
    b = Mosquitto(tmp)
    c = Client(b.port)
    c.subscribe("test/#")
    p = Proc([ECHO, str(b.port)])
    p.wait_line("connected reconnects=0")
    c.publish("test/in", "hello")
    c.wait_json  # keep linters quiet
    wait_until(lambda: any(m[1] == b"hello r=0" for m in c.received("test/out")), 10,
               what="echo")
    p.signal(signal.SIGTERM)
    assert p.wait_exit(10) == 0
    wait_until(lambda: any(m[1] == b"bye" for m in c.received("test/status")), 5,
               what="clean status")
    # The will would come right after the broker drops the connection: a
    # window of time is the check here.
    never(lambda: any(m[1] == b"down" for m in c.received("test/status")), 0.5,
          what="will sent on clean exit")
    b.stop()
    tmp.cleanup()


@test
def last_will_after_kill():
    tmp = TempDir()
    b = Mosquitto(tmp)
    c = Client(b.port)
    c.subscribe("test/#")
    p = Proc([ECHO, str(b.port)])
    p.wait_line("connected")
    p.kill9()
    # keepalive 5 s: the broker sends the will within 1.5 x keepalive
    wait_until(lambda: any(m[1] == b"down" for m in c.received("test/status")), 9,
               what="last will")
    b.stop()
    tmp.cleanup()


@test
def reconnect_after_broker_restart():
    tmp = TempDir()
    b = Mosquitto(tmp)
    p = Proc([ECHO, str(b.port)])
    p.wait_line("connected reconnects=0")
    mark = p.mark()
    b.stop()
    p.wait_line("disconnected", 10, since=mark)
    # it keeps trying while the broker is away
    p.wait_line("unreachable", 10, since=mark, count=2)
    assert p.alive()
    b.start()
    p.wait_line("connected reconnects=1", 40)
    c = Client(b.port)
    c.subscribe("test/out")
    c.publish("test/in", "again")
    wait_until(lambda: any(m[1] == b"again r=1" for m in c.received("test/out")), 10,
               what="echo after reconnect")
    p.stop()
    b.stop()
    tmp.cleanup()


@test
def starts_while_broker_down():
    tmp = TempDir()
    port = cbtest.free_port()
    p = Proc([ECHO, str(port)])
    p.wait_line("unreachable", 10, count=2)
    assert p.alive()
    assert "connected" not in p.output().replace("disconnected", "")
    b = Mosquitto(tmp, port=port)
    p.wait_line("connected reconnects=0", 40)
    p.stop()
    b.stop()
    tmp.cleanup()


def make_ca(tmp, name, san="IP:127.0.0.1,DNS:localhost"):
    """A throwaway CA and a server certificate for san signed by it."""
    d = os.path.join(tmp.path, name)
    os.makedirs(d)
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", f"/CN={name} test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write(f"subjectAltName={san}\n")
    run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-out", "server.crt", "-extfile", "ext.cnf")
    return d


@test
def tls_right_ca_connects_wrong_ca_refused():
    tmp = TempDir()
    good = make_ca(tmp, "good")
    bad = make_ca(tmp, "bad")
    port = cbtest.free_port()
    plain = cbtest.free_port()
    b = Mosquitto(tmp, port=plain, extra_conf=(
        f"listener {port} 127.0.0.1\n"
        f"cafile {good}/ca.crt\ncertfile {good}/server.crt\nkeyfile {good}/server.key\n"))
    p = Proc([ECHO, str(port), f"cafile={good}/ca.crt"])
    p.wait_line("connected reconnects=0", 20)
    c = Client(plain)
    c.subscribe("test/out")
    c.publish("test/in", "over tls")
    wait_until(lambda: any(m[1] == b"over tls r=0" for m in c.received("test/out")), 10,
               what="echo over TLS")
    p.stop()
    q = Proc([ECHO, str(port), f"cafile={bad}/ca.crt"])
    q.wait_line("TLS failed", 10)  # the refusal, then it retries
    assert q.alive()
    assert "connected reconnects" not in q.output(), q.output()
    q.stop()
    b.stop()
    tmp.cleanup()


def accept_loop(srv, handle):
    """Accept on srv until it is closed, each connection to handle in a thread
    of its own (a failed TLS handshake is skipped)."""
    def run():
        while True:
            try:
                conn, _ = srv.accept()
            except ssl.SSLError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
    threading.Thread(target=run, daemon=True).start()


class PickyBroker:
    """A front for a real mosquitto that does something other than answer
    an MQTT 5 CONNECT: mode "close" closes the socket, "reset" resets it,
    "silent" reads on and never answers. A CONNECT of any other protocol
    level is passed through to the broker. seen() lists every CONNECT's
    protocol level; drop() cuts the passed-through connections."""

    def __init__(self, backend_port, mode):
        self.backend = backend_port
        self.mode = mode
        self.levels = []
        self.conns = []
        self.lock = threading.Lock()
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(8)
        self.port = self.srv.getsockname()[1]
        accept_loop(self.srv, self._serve)

    @staticmethod
    def _read_connect(s):
        """The protocol level of the CONNECT on s, and every byte read."""
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return None, buf
            buf += chunk
            i = 1  # the remaining length: 1 to 4 bytes, 7 bits each
            while i < len(buf) and buf[i] & 0x80:
                i += 1
            start = i + 1  # protocol name length (2), "MQTT" (4), level (1)
            if len(buf) >= start + 7:
                return buf[start + 6], buf

    def _serve(self, s):
        level, buf = self._read_connect(s)
        if level is None:  # the client's reachability probe: no CONNECT
            s.close()
            return
        with self.lock:
            self.levels.append(level)
        if level == 5 and self.mode != "pass":
            if self.mode == "close":
                s.close()
            elif self.mode == "reset":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            else:
                with self.lock:
                    self.conns.append(s)
                while s.recv(4096):
                    pass
            return
        b = socket.create_connection(("127.0.0.1", self.backend))
        b.sendall(buf)
        with self.lock:
            self.conns += [s, b]
        threading.Thread(target=cbtest.pump, args=(b, s), daemon=True).start()
        cbtest.pump(s, b)

    def seen(self):
        with self.lock:
            return list(self.levels)

    def drop(self):
        with self.lock:
            conns, self.conns = self.conns, []
        for x in conns:
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.srv.close()
        self.drop()


@contextlib.contextmanager
def broker():
    """A private mosquitto, stopped and removed after the block."""
    tmp = TempDir()
    b = Mosquitto(tmp)
    try:
        yield b
    finally:
        b.stop()
        tmp.cleanup()


def echo_works(b, p, text, r=0):
    c = Client(b.port)
    c.subscribe("test/out")
    c.publish("test/in", text)
    wait_until(lambda: any(m[1] == f"{text} r={r}".encode() for m in c.received("test/out")),
               10, what=f"echo of {text}")
    c.close()


@test
def falls_back_to_311_and_keeps_it():
    for mode, what in (("close", "the broker closed the connection"),
                       ("reset", "the broker reset the connection"),
                       ("silent", "the broker sent no CONNACK within 2.5 s")):
        with broker() as b:
            front = PickyBroker(b.port, mode)
            p = Proc([ECHO, str(front.port)])
            p.wait_line("connected reconnects=0", 20)
            out = p.output()
            assert (f"MQTT 5 CONNECT to 127.0.0.1:{front.port}: {what}; "
                    "next attempt: MQTT 3.1.1") in out, out
            assert "connected to 127.0.0.1:%d (MQTT 3.1.1)" % front.port in out, out
            assert front.seen() == [5, 4], front.seen()
            echo_works(b, p, mode)
            # A reconnect goes straight to the version that worked.
            front.drop()
            p.wait_line("connected reconnects=1", 20)
            assert front.seen() == [5, 4, 4], front.seen()
            echo_works(b, p, mode, 1)
            p.stop()
            front.close()


@test
def version_that_worked_survives_a_restarting_broker():
    """A broker that took MQTT 5 and then drops a few CONNECTs (as one that is
    restarting may) keeps the client on MQTT 5 for a few attempts."""
    with broker() as b:
        front = PickyBroker(b.port, "pass")
        p = Proc([ECHO, str(front.port)])
        p.wait_line("connected reconnects=0", 20)
        front.mode = "close"
        front.drop()
        wait_until(lambda: front.seen() == [5, 5, 5, 5], 20, what="three more MQTT 5 CONNECTs")
        assert p.output().count("next attempt: the same (it worked before)") == 2, p.output()
        p.wait_line("connected reconnects=1", 20)
        assert front.seen() == [5, 5, 5, 5, 4], front.seen()
        p.stop()
        front.close()


@test
def host_lookup_does_not_block_the_loop():
    """The broker's name is resolved off the loop: with a name server that
    never answers (a private /etc/resolv.conf in a private mount namespace),
    the loop's pulse keeps coming and the lookup gives up by its own timeout."""
    if os.geteuid() != 0:
        print("skipped: binding port 53 and mounting over /etc/resolv.conf need root")
        return
    tmp = TempDir()
    ns = SilentNameServer()
    conf = tmp.file("resolv.conf", ns.resolv_conf())
    p = Proc(over(conf, "/etc/resolv.conf", [ECHO, "1883", "host=broker.callboard.test"]),
             env={"MQTTC_ECHO_TICK_MS": "50"})
    p.wait_line("resolving broker host broker.callboard.test: no answer within 5 s", 15)
    assert ns.queries > 0, "the name server was not asked"
    ticks = [int(l.split()[1]) for l in p.output().split("\n") if l.startswith("tick ")]
    assert len(ticks) > 50, p.output()
    gap = max(b - a for a, b in zip(ticks, ticks[1:]))
    # a loop that waited on the lookup would stall for the resolver's whole
    # wait (5 s a try); a busy machine's gaps are far below that
    assert gap < 5000, f"the loop stalled for {gap} ms"
    assert p.alive()
    p.stop()
    ns.close()
    tmp.cleanup()


@test
def host_name_resolves_and_connects():
    with broker() as b:
        p = Proc([ECHO, str(b.port), "host=localhost"])
        p.wait_line("connected reconnects=0", 20)
        echo_works(b, p, "by name")
        p.stop()


@test
def next_address_when_the_first_is_unreachable():
    """A name with two addresses (a private /etc/hosts): the first refuses, the
    second is the broker."""
    if os.geteuid() != 0:
        print("skipped: mounting over /etc/hosts needs root")
        return
    tmp = TempDir()
    port = cbtest.free_port()
    # The resolver puts 127.0.0.1 first (it matches the source address best).
    b = Mosquitto(tmp, extra_conf=f"listener {port} 127.0.0.2\n")
    hosts = tmp.file("hosts", "127.0.0.2 broker.callboard.test\n"
                              "127.0.0.1 broker.callboard.test\n")
    p = Proc(over(hosts, "/etc/hosts", [ECHO, str(port), "host=broker.callboard.test"]))
    p.wait_line("connected reconnects=0", 20)
    assert f"broker.callboard.test:{port} (127.0.0.1) unreachable" in p.output(), p.output()
    p.stop()
    b.stop()
    tmp.cleanup()


@test
def pinned_protocol_is_kept():
    with broker() as b:
        front = PickyBroker(b.port, "close")
        p = Proc([ECHO, str(front.port), "protocol=5"])
        wait_until(lambda: len(front.seen()) >= 3, 20, what="three attempts")
        assert set(front.seen()) == {5}, front.seen()
        out = p.output()
        assert (f"MQTT 5 CONNECT to 127.0.0.1:{front.port}: "
                "the broker closed the connection") in out, out
        assert "next attempt" not in out, out
        p.stop()
        front.close()
        # 3.1.1 from the start, and with a broker that speaks 5.
        p = Proc([ECHO, str(b.port), "protocol=3.1.1"])
        p.wait_line("(MQTT 3.1.1)", 20)
        p.stop()
        bad = subprocess.run([ECHO, str(b.port), "protocol=4"], capture_output=True, text=True,
                             timeout=10)
        assert bad.returncode == 2, bad
        assert "[mqtt] protocol: 4: expected one of: auto, 5, 3.1.1" in bad.stderr, bad.stderr


class TlsFront:
    """A TLS server that records the server name (SNI) of each handshake."""

    def __init__(self, d):
        self.names = []
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(f"{d}/server.crt", f"{d}/server.key")
        ctx.sni_callback = lambda sock, name, c: self.names.append(name)
        self.srv = ctx.wrap_socket(socket.create_server(("127.0.0.1", 0)), server_side=True)
        self.port = self.srv.getsockname()[1]
        accept_loop(self.srv, lambda conn: conn.close())


@test
def tls_by_name_checks_the_name_and_sends_it():
    """Connected to the resolved address, the client still checks the
    certificate against the configured name and sends it as the server name."""
    tmp = TempDir()
    good = make_ca(tmp, "good")
    other = make_ca(tmp, "other", san="DNS:broker.example")
    front = TlsFront(good)
    p = Proc([ECHO, str(front.port), "host=localhost", f"cafile={good}/ca.crt"])
    wait_until(lambda: "localhost" in front.names, 20, what="SNI localhost")
    p.stop()
    port = cbtest.free_port()
    plain = cbtest.free_port()
    for d, ok in ((good, True), (other, False)):
        b = Mosquitto(tmp, port=plain, extra_conf=(
            f"listener {port} 127.0.0.1\n"
            f"cafile {d}/ca.crt\ncertfile {d}/server.crt\nkeyfile {d}/server.key\n"))
        p = Proc([ECHO, str(port), "host=localhost", f"cafile={d}/ca.crt"])
        if ok:
            p.wait_line("connected reconnects=0", 20)
        else:  # the right CA, a certificate for another name
            wait_until(lambda: p.output().count(f"MQTT 5 CONNECT to localhost:{port}: TLS failed")
                       >= 2, 20, what="two refusals")
            # Not a version problem: no fallback.
            assert "next attempt" not in p.output(), p.output()
            assert "connected reconnects" not in p.output(), p.output()
        p.stop()
        b.stop()
    tmp.cleanup()


cbtest.run()

"""common/mqttc.c against a real broker: connect, echo, Last Will, clean
disconnect, reconnect with backoff after the broker is stopped and started."""
import os
import signal
import subprocess

import cbtest
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
    assert p.p.wait(10) == 0
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


def make_ca(tmp, name):
    """A throwaway CA and a server certificate for 127.0.0.1 signed by it."""
    d = os.path.join(tmp.path, name)
    os.makedirs(d)
    run = lambda *a: subprocess.run(a, cwd=d, check=True, capture_output=True)
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", f"/CN={name} test CA")
    run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
        "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
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
    p = Proc([ECHO, str(port), f"{good}/ca.crt"])
    p.wait_line("connected reconnects=0", 20)
    c = Client(plain)
    c.subscribe("test/out")
    c.publish("test/in", "over tls")
    wait_until(lambda: any(m[1] == b"over tls r=0" for m in c.received("test/out")), 10,
               what="echo over TLS")
    p.stop()
    q = Proc([ECHO, str(port), f"{bad}/ca.crt"])
    q.wait_line("A TLS error occurred", 10)  # the refusal, then it retries
    assert q.alive()
    assert "connected reconnects" not in q.output(), q.output()
    q.stop()
    b.stop()
    tmp.cleanup()


cbtest.run()

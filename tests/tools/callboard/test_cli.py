#!/usr/bin/python3
"""The callboard CLI as a user meets it: help, argument errors and exit
codes, an unreachable bridge, the commands against a real bridge, HTTPS
certificate checks, validate, sim --dry-run determinism, and broker-config's
files."""
import os
import re
import stat
import subprocess

import cbtest
from cbtest import test

CB = cbtest.binary("callboard")
COMMANDS = ["call", "recall", "cancel", "notice", "queue", "devices", "screenshot", "command",
            "sim", "broker-config", "validate"]


def run(*args, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("CALLBOARD_URL", None)
    e.pop("CALLBOARD_TOKEN", None)
    if env:
        e.update(env)
    p = subprocess.run([CB, *args], capture_output=True, text=True, env=e, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@test
def help_for_every_command():
    rc, out, _ = run("--help")
    assert rc == 0
    for c in COMMANDS:
        assert re.search(rf"^  {c} ", out, re.M), c
        rc, out2, err = run(c, "--help")
        assert rc == 0, (c, err)
        assert out2.startswith(f"usage: callboard {c}"), (c, out2)
    rc, _, err = run()
    assert rc == 2 and "usage" in err
    rc, _, err = run("frobnicate")
    assert rc == 2 and "unknown command 'frobnicate'" in err


@test
def usage_errors_exit_2_with_a_reason():
    cases = [
        (["call", "aarhus/dokk1", "A042"], "usage: callboard call"),
        (["call", "aarhus/dokk1", "a042", "3"], "ticket 'a042'"),
        (["call", "aarhus/dokk1", "A042", "3", "--area", "Main"], "area 'Main'"),
        (["call", "aarhus/dokk1", "A042", "3", "--lang", "xx"], "lang 'xx'"),
        (["call", "aarhus", "A042", "3"], "expected TENANT/SITE"),
        (["call", "Aarhus/dokk1", "A042", "3"], "tenant 'Aarhus'"),
        (["call", "aarhus/dokk1", "A042", "3", "--id", "a b"], "id 'a b'"),
        (["call", "aarhus/dokk1", "A042", "3", "--bogus"], "unknown option '--bogus'"),
        (["call", "aarhus/dokk1", "A042", "3", "--ticker"], "does not apply"),
        (["recall", "aarhus/dokk1"], "usage: callboard recall"),
        (["cancel", "aarhus/dokk1", "x/y"], "id 'x/y'"),
        (["notice", "aarhus/dokk1"], "usage: callboard notice"),
        (["notice", "aarhus/dokk1", "hi", "--clear"], "usage: callboard notice"),
        (["notice", "aarhus/dokk1", "a\x01b"], "text"),
        (["queue", "aarhus/dokk1"], "usage: callboard queue"),
        (["queue", "aarhus/dokk1", "Pas=x"], "service 'Pas=x'"),
        (["queue", "aarhus/dokk1", "=3"], "service '=3'"),
        (["queue", "aarhus/dokk1", "Pas=3/2000"], "service 'Pas=3/2000'"),
        (["queue", "aarhus/dokk1", "Pas=3", "--clear"], "usage: callboard queue"),
        (["screenshot", "aarhus/dokk1/screen-1"], "usage: callboard screenshot"),
        (["screenshot", "aarhus/dokk1", "--out", "x.png"], "TENANT/SITE/DEVICE"),
        (["command", "aarhus/dokk1/s1", "reboot"], "CMD 'reboot'"),
        (["command", "aarhus/dokk1/s1", "volume"], "--level is required"),
        (["command", "aarhus/dokk1/s1", "identify", "--level", "5"], "only to volume"),
        (["command", "aarhus/dokk1/s1", "volume", "--level", "101"], "0..100"),
        (["devices", "extra"], "unexpected argument"),
        (["call", "aarhus/dokk1", "A042", "3", "--url", "ftp://x"], "must start with http://"),
        (["sim", "--day", "sat"], "closed at weekends"),
        (["sim", "--speed", "0"], "--speed"),
        (["sim", "--site", "aarhus"], "--site"),
        (["sim", "--rate", "fast"], "--rate"),
        (["sim", "--open", "25:00"], "HH:MM"),
        (["sim", "--desks", "0"], "--desks"),
        (["sim", "--recall-rate", "0.4", "--cancel-rate", "0.2", "--dry-run"], "at most 50%"),
        (["broker-config", "--out", "/tmp/x"], "usage: callboard broker-config"),
        (["validate", "board"], "usage: callboard validate"),
    ]
    for args, want in cases:
        rc, out, err = run(*args)
        assert rc == 2, (args, rc, out, err)
        assert want in err, (args, err)


@test
def unreachable_bridge_names_the_url():
    port = cbtest.free_port()  # nothing listens here
    url = f"http://127.0.0.1:{port}"
    rc, _, err = run("call", "aarhus/dokk1", "A042", "3", "--url", url)
    assert rc == 1, err
    assert f"callboard call: cannot reach the bridge at {url}" in err, err
    assert "refused" in err.lower(), err
    # The environment is used when no flag is given.
    rc, _, err = run("devices", env={"CALLBOARD_URL": url, "CALLBOARD_TOKEN": "t"})
    assert rc == 1 and url in err, err
    rc, _, err = run("sim", "--count", "1", "--speed", "100000", "--url", url)
    assert rc == 1 and url in err, err


@test
def validate_answers():
    tmp = cbtest.TempDir()
    good = tmp.file("n.json", '{"v":1,"text":"Lukket i dag","mode":"banner","ts":"2026-11-30T09:00:00.000Z"}')
    bad = tmp.file("b.json", '{"v":2,"text":"x","mode":"banner","ts":"2026-11-30T09:00:00.000Z"}')
    rc, out, _ = run("validate", "notice", good)
    assert rc == 0 and out.strip() == "ok", out
    rc, out, _ = run("validate", "notice", bad)
    assert rc == 1 and out.startswith(f"{bad}: v: "), out
    tmp.cleanup()


def sim_lines(*args):
    rc, out, err = run("sim", "--dry-run", *args)
    assert rc == 0, err
    return out.splitlines(), err


@test
def sim_dry_run_is_deterministic():
    a, _ = sim_lines("--seed", "5", "--site", "aarhus/dokk1", "--site", "aarhus/gellerup")
    b, _ = sim_lines("--seed", "5", "--site", "aarhus/dokk1", "--site", "aarhus/gellerup")
    c, _ = sim_lines("--seed", "6", "--site", "aarhus/dokk1", "--site", "aarhus/gellerup")
    assert a == b
    assert a != c
    line = re.compile(r"^\d\d:\d\d:\d\d aarhus/(dokk1|gellerup) (call|recall|cancel|open|close) +"
                      r"([PSGT]\d{3,}|-) +\d+$")
    for l in a:
        assert line.match(l), l
    sites = {l.split()[1] for l in a}
    assert sites == {"aarhus/dokk1", "aarhus/gellerup"}
    actions = {l.split()[2] for l in a}
    assert {"call", "recall", "open", "close"} <= actions, actions
    assert a[0].startswith("07:50:00") and a[0].split()[2] == "open"


@test
def sim_bounds_and_load_mode():
    lines, err = sim_lines("--count", "10")
    assert sum(1 for l in lines if l.split()[2] == "call") == 10
    assert "10 calls" in err
    lines, _ = sim_lines("--duration", "60", "--speed", "60")  # one simulated hour
    assert lines and all(l < "08:50:01" for l in lines), lines[-1]
    lines, _ = sim_lines("--rate", "20/s", "--count", "40", "--site", "a/b", "--site", "c/d")
    assert len(lines) == 40
    assert lines[0].startswith("+0.000 a/b call") and lines[1].startswith("+0.050 c/d call")
    lines, _ = sim_lines("--rate", "5", "--duration", "2")
    assert len(lines) == 11  # t = 0, 0.2, ... 2.0
    lines, _ = sim_lines("--day", "thu")
    assert max(l[:8] for l in lines if l.split()[2] == "call") > "15:00:00"
    # Several days: each its own weekday and seed; --count bounds the whole run.
    lines, _ = sim_lines("--days", "2", "--day", "thu")
    assert [l for l in lines if l.startswith("#")] == ["# day 1: thu, seed 1",
                                                       "# day 2: fri, seed 2"]
    assert sum(1 for l in lines if l.endswith(" G001  1") or " G001 " in l) >= 2
    lines, err = sim_lines("--days", "0", "--count", "500")
    assert sum(1 for l in lines if not l.startswith("#") and l.split()[2] == "call") == 500
    assert "# day 2:" in "\n".join(lines)


TOKEN = "token-aarhus-0123456789"


@test
def commands_against_a_real_bridge():
    """Every request shape the CLI sends (GET, POST with and without a body,
    PUT, DELETE), answered by the real bridge over a real broker."""
    tmp = cbtest.TempDir()
    broker = cbtest.Mosquitto(tmp)
    port = cbtest.free_port()
    conf = tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{port}
[mqtt]
host = 127.0.0.1
port = {broker.port}
[storage]
path = {os.path.join(tmp.path, "bridge.db")}
[tenant:aarhus]
token = {TOKEN}
sites = dokk1
""")
    bridge = cbtest.Proc([cbtest.binary("callboard-bridge"), "--config", conf])
    url = f"http://127.0.0.1:{port}/"
    env = {"CALLBOARD_URL": url, "CALLBOARD_TOKEN": TOKEN}

    def up():
        return run("devices", env=env)[0] == 0
    try:
        cbtest.wait_until(up, 10, what="bridge")
        rc, out, err = run("call", "aarhus/dokk1", "A042", "3", "--id", "c-1", env=env)
        assert rc == 0 and "id=c-1 seq=" in out, (out, err)
        rc, out, err = run("recall", "aarhus/dokk1", "c-1", env=env)
        assert rc == 0 and out.startswith("recalled c-1"), (out, err)
        rc, out, err = run("notice", "aarhus/dokk1", "Lukket kl. 12", env=env)
        assert rc == 0, err
        rc, out, err = run("notice", "aarhus/dokk1", "--clear", env=env)
        assert rc == 0, err
        rc, out, err = run("cancel", "aarhus/dokk1", "c-1", env=env)
        assert rc == 0 and out.startswith("cancelled c-1"), (out, err)
        rc, out, err = run("sim", "--rate", "50", "--count", "5", "--quiet", env=env)
        assert rc == 0 and "5 calls" in err and "0 refused" in err, err
        # The bridge's error, with the field, and the hint for a missing token.
        rc, _, err = run("call", "aarhus/dokk1", "A042", "3", "--url", url)
        assert rc == 1 and "callboard call: 401" in err and "no token given" in err, err
        rc, _, err = run("call", "aarhus/nowhere", "A042", "3", env=env)
        assert rc == 1 and "callboard call: 40" in err, err
    finally:
        bridge.stop()
        broker.stop()
        tmp.cleanup()


DEVICES = """[bridge]
username = bridge
[tenant:aarhus]
sites = dokk1
[display:aarhus/dokk1/screen-1]
areas = main
"""


@test
def broker_config_files():
    tmp = cbtest.TempDir()
    dev = tmp.file("devices.ini", DEVICES)
    out = os.path.join(tmp.path, "out")
    rc, so, err = run("broker-config", "--devices", dev, "--out", out, "--port", "11883")
    assert rc == 0, err
    for name, mode in (("passwd", 0o600), ("credentials.ini", 0o600), ("acl", 0o644),
                       ("mosquitto.conf", 0o644)):
        st = os.stat(os.path.join(out, name))
        assert stat.S_IMODE(st.st_mode) == mode, (name, oct(st.st_mode))
    pw = open(os.path.join(out, "passwd")).read().splitlines()
    assert [l.split(":")[0] for l in pw] == ["bridge", "aarhus.dokk1.screen-1"]
    assert all(re.match(r"^[^:]+:\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$", l) for l in pw)
    conf = open(os.path.join(out, "mosquitto.conf")).read()
    assert "listener 11883\n" in conf and "allow_anonymous false" in conf
    # A bad devices file: path:line: [section] key: reason, exit 1, nothing written.
    bad = tmp.file("bad.ini", DEVICES + "colour = red\n")
    out2 = os.path.join(tmp.path, "out2")
    rc, _, err = run("broker-config", "--devices", bad, "--out", out2)
    assert rc == 1
    assert f"{bad}:7: [display:aarhus/dokk1/screen-1] colour: red: unknown key" in err, err
    assert not os.path.exists(os.path.join(out2, "mosquitto.conf"))
    tmp.cleanup()


def openssl(*args):
    p = subprocess.run(["openssl", *args], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr


def tls_server(cert, key):
    """openssl s_server on a free loopback port: a real TLS server that
    answers any GET with an HTML page (not JSON, which the CLI says)."""
    port = cbtest.free_port()
    p = cbtest.Proc(["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", cert,
                     "-key", key, "-www", "-quiet"])

    def up():
        import socket
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return True
        except OSError:
            return False
    cbtest.wait_until(up, 10, what="openssl s_server")
    return p, port


@test
def https_verifies_the_bridge_certificate():
    tmp = cbtest.TempDir()
    dev = tmp.file("devices.ini", DEVICES)
    ca1, ca2 = os.path.join(tmp.path, "ca1"), os.path.join(tmp.path, "ca2")
    for d in (ca1, ca2):  # two CAs with server certificates for 127.0.0.1
        rc, _, err = run("broker-config", "--devices", dev, "--out", d, "--tls")
        assert rc == 0, err
    srv, port = tls_server(os.path.join(ca1, "server.crt"), os.path.join(ca1, "server.key"))
    url = f"https://127.0.0.1:{port}"
    # The right CA: TLS works and the CLI reaches HTTP (the page is not JSON).
    rc, _, err = run("devices", "--url", url, "--cafile", os.path.join(ca1, "ca.crt"))
    assert rc == 1 and "answered with bad JSON" in err, err
    rc, _, err = run("devices", "--url", url,
                     env={"CALLBOARD_CAFILE": os.path.join(ca1, "ca.crt")})
    assert rc == 1 and "answered with bad JSON" in err, err
    # Another CA, or none (the system's do not know ours): refused.
    for extra in (["--cafile", os.path.join(ca2, "ca.crt")], []):
        rc, _, err = run("devices", "--url", url, *extra)
        assert rc == 1 and "certificate is not trusted" in err, err
    srv.stop()
    # A certificate from the right CA for another host name: refused.
    k, csr, crt, ext = (os.path.join(tmp.path, n) for n in ("o.key", "o.csr", "o.crt", "o.ext"))
    with open(ext, "w") as f:
        f.write("extendedKeyUsage = serverAuth\nsubjectAltName = DNS:other.example\n")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", k, "-subj", "/CN=other.example", "-out", csr)
    openssl("x509", "-req", "-in", csr, "-CA", os.path.join(ca1, "ca.crt"), "-CAkey",
            os.path.join(ca1, "ca.key"), "-set_serial", "9", "-days", "2", "-extfile", ext,
            "-out", crt)
    srv, port = tls_server(crt, k)
    rc, _, err = run("devices", "--url", f"https://127.0.0.1:{port}", "--cafile",
                     os.path.join(ca1, "ca.crt"))
    assert rc == 1 and "certificate is not trusted" in err and "mismatch" in err, err
    srv.stop()
    tmp.cleanup()


cbtest.run()

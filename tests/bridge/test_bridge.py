"""callboard-bridge against a real mosquitto on a free loopback port, with
its SQLite store in a temp folder: every endpoint with good and bad input,
auth across tenants, idempotency, durability across kill -9 and broker
outages, seq across restarts, the device registry and commands."""
import base64
import calendar
import contextlib
import http.client
import http.server
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import cbtest
from cbtest import Client, Mosquitto, Proc, TempDir, iso_now, never, test, wait_until

TOK_A = "token-aarhus-0123456789"
TOK_S = "token-samsoe-0123456789"
ADMIN = "admin-token-0123456789"
SITE = "/v1/sites/aarhus/dokk1"
ROOT = "callboard/v1/aarhus/dokk1"


class Bridge:
    def __init__(self, tmp, broker_port, extra="", db=None, tail=""):
        self.tmp = tmp
        self.port = cbtest.free_port()
        self.db = db or os.path.join(tmp.path, "bridge.db")
        self.conf = tmp.file(f"bridge-{self.port}.ini", f"""[http]
listen = 127.0.0.1:{self.port}
admin_token = {ADMIN}
body_limit = 4096

[mqtt]
host = 127.0.0.1
port = {broker_port}
keepalive = 5

[storage]
path = {self.db}

[registry]
health_interval = 1
command_timeout = 2
{extra}

[tenant:aarhus]
token = {TOK_A}
sites = dokk1, lystrup

[tenant:samsoe]
token = {TOK_S}
sites = tranebjerg
{tail}
""")
        self.proc = None
        self.start()

    def start(self):
        self.proc = Proc([cbtest.binary("callboard-bridge"), "--config", self.conf])
        wait_until(self.healthy, 10, what="bridge /healthz")

    def healthy(self):
        if not self.proc.alive():
            raise RuntimeError("bridge exited:\n" + self.proc.output())
        try:
            return self.req("GET", "/healthz", token=None)[0] == 200
        except OSError:
            return False

    def req(self, method, path, body=None, token=TOK_A, ctype="application/json", raw=None,
            headers=None, source="127.0.0.1"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20,
                                       source_address=(source, 0))
        h = dict(headers or {})
        if token:
            h["Authorization"] = f"Bearer {token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None and ctype:
            h["Content-Type"] = ctype
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        payload = r.read()
        c.close()
        if r.getheader("Content-Type", "").startswith("application/json"):
            return r.status, json.loads(payload)
        return r.status, payload

    def call(self, ticket, desk="3", area="main", token=TOK_A, site=SITE, **extra):
        body = {"ticket": ticket, "desk": desk, "area": area}
        body.update(extra)
        return self.req("POST", f"{site}/calls", body, token=token)

    def metrics(self):
        return self.req("GET", "/metrics", token=ADMIN)[1].decode()

    def stop(self):
        """SIGTERM; a clean exit (0) with no sanitizer report."""
        was = self.proc.alive()
        rc = self.proc.stop()
        out = self.proc.output()
        assert "runtime error" not in out and "Sanitizer" not in out, out[-4000:]
        if was:
            assert rc == 0, (rc, out[-2000:])
        return rc

    def kill9(self):
        self.proc.kill9()


def metric(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


def retained_board(port, area="main", root=ROOT, timeout=5):
    """The retained board as a fresh subscriber sees it."""
    c = Client(port)
    try:
        c.subscribe(f"{root}/board/{area}")
        return c.wait_json(f"{root}/board/{area}", timeout=timeout)
    finally:
        c.close()


def setup(extra="", tail=""):
    tmp = TempDir("cbbridge-")
    broker = Mosquitto(tmp)
    return tmp, broker, Bridge(tmp, broker.port, extra, tail=tail)


@test
def calls_board_and_publish():
    tmp, broker, b = setup()
    try:
        watch = Client(broker.port)
        watch.subscribe(f"{ROOT}/board/#")
        st, r = b.call("a042", "3", desk_label="Skranke 3", service="Pas og kørekort")
        assert st == 202 and r["seq"] > 1 and r["id"], (st, r)
        base = r["seq"] - 1  # a new area's seq starts at the clock
        m = watch.wait_json(f"{ROOT}/board/main", lambda m: m["seq"] == base + 1)
        assert m["calls"][0]["ticket"] == "A042", m   # upper-cased
        assert m["calls"][0]["desk_label"] == "Skranke 3"
        assert m["calls"][0]["id"] == r["id"]
        assert any(t == f"{ROOT}/board/main" and ret for t, p, ret in watch.received()) or True
        assert "lang" not in m["calls"][0], m
        st, r2 = b.call("B7", "4", id="call-b7", lang="uk")
        assert (st, r2) == (202, {"id": "call-b7", "seq": base + 2}), (st, r2)
        m = watch.wait_json(f"{ROOT}/board/main", lambda m: m["seq"] == base + 2)
        assert m["calls"][0]["lang"] == "uk", m
        st, board = b.req("GET", f"{SITE}/boards/main")
        assert st == 200 and [c["ticket"] for c in board["calls"]] == ["B7", "A042"], board
        # same ticket again replaces its older entry
        b.call("A042", "5")
        st, board = b.req("GET", f"{SITE}/boards/main")
        assert [c["ticket"] for c in board["calls"]] == ["A042", "B7"], board
        assert board["calls"][0]["desk"] == "5"
        # recall: a new entry with its own id, kind recall
        st, r = b.req("POST", f"{SITE}/calls/call-b7/recall", {})
        assert st == 202 and r["seq"] == base + 4, (st, r)
        st, board = b.req("GET", f"{SITE}/boards/main")
        top = board["calls"][0]
        assert top["ticket"] == "B7" and top["kind"] == "recall" and top["id"] != "call-b7"
        assert len(board["calls"]) == 2
        # cancel takes it off, and again is fine
        assert b.req("DELETE", f"{SITE}/calls/call-b7")[0] == 200
        assert b.req("DELETE", f"{SITE}/calls/call-b7")[0] == 200
        st, board = b.req("GET", f"{SITE}/boards/main")
        assert [c["ticket"] for c in board["calls"]] == ["A042"] and board["seq"] == base + 5
        m = watch.wait_json(f"{ROOT}/board/main", lambda m: m["seq"] == base + 5)
        assert [c["ticket"] for c in m["calls"]] == ["A042"]
        # unknown ids
        assert b.req("POST", f"{SITE}/calls/nope/recall", {})[0] == 404
        assert b.req("DELETE", f"{SITE}/calls/nope")[0] == 404
        assert b.req("POST", f"{SITE}/calls/bad id!/recall".replace(" ", "%20"), {})[0] == 422
        # boards of unknown areas
        assert b.req("GET", f"{SITE}/boards/other")[0] == 404
        assert b.req("GET", f"{SITE}/boards/Bad_Area")[0] == 422
        # the seq of each published board only grows
        seqs = [m["seq"] for m in watch.json(f"{ROOT}/board/main")]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
        # areas are independent
        st, r = b.call("C1", "1", area="second")
        assert st == 202 and r["seq"] > base
        watch.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def bad_requests():
    tmp, broker, b = setup()
    try:
        cases = [
            ({"ticket": "A1", "desk": "3", "name": "Jens Hansen"}, 422, "name"),
            ({"ticket": "A1", "desk": "3", "CPR": "010203-1234"}, 422, "CPR"),
            ({"ticket": "A1", "desk": "3", "phoneNumber": "12345678"}, 422, "phoneNumber"),
            ({"ticket": "A1", "desk": "3", "Email": "a@b.dk"}, 422, "Email"),
            ({"ticket": "A1", "desk": "3", "address": "Hack Kampmanns Plads 2"}, 422,
             "address"),
            ({"ticket": "A1", "desk": "3", "date_of_birth": "2000-01-01"}, 422,
             "date_of_birth"),
            ({"desk": "3"}, 422, "ticket"),
            ({"ticket": "A1"}, 422, "desk"),
            ({"ticket": "A-1", "desk": "3"}, 422, "ticket"),
            ({"ticket": "A12345678901", "desk": "3"}, 422, "ticket"),
            ({"ticket": 42, "desk": "3"}, 422, "ticket"),
            ({"ticket": "A1", "desk": "3/4"}, 422, "desk"),
            ({"ticket": "A1", "desk": "3", "area": "Main"}, 422, "area"),
            ({"ticket": "A1", "desk": "3", "id": "has space"}, 422, "id"),
            ({"ticket": "A1", "desk": "3", "id": ""}, 422, "id"),
            ({"ticket": "A1", "desk": "3", "desk_label": "a\u0007b"}, 422, "desk_label"),
            ({"ticket": "A1", "desk": "3", "service": "x" * 65}, 422, "service"),
            ({"ticket": "A1", "desk": "3", "lang": "xx"}, 422, "lang"),
            ({"ticket": "A1", "desk": "3", "lang": "UK"}, 422, "lang"),
            ({"ticket": "A1", "desk": "3", "lang": 7}, 422, "lang"),
            ([1, 2], 400, None),
        ]
        for body, code, field in cases:
            st, r = b.req("POST", f"{SITE}/calls", body)
            assert st == code, (body, st, r)
            assert "error" in r, r
            if field:
                assert r["field"] == field, (body, r)
        st, r = b.req("POST", f"{SITE}/calls", raw=b'{"ticket":"A1",')
        assert st == 400 and r["error"], r
        st, r = b.req("POST", f"{SITE}/calls", raw=b'{"ticket":"A1","ticket":"A2","desk":"1"}')
        assert st == 400, r
        st, r = b.req("POST", f"{SITE}/calls", raw=b'', ctype=None)
        assert st == 400, r
        st, r = b.req("POST", f"{SITE}/calls", raw=b'{"ticket":"A1","desk":"3"}',
                      ctype="text/plain")
        assert st == 415 and r["field"] == "Content-Type", r
        # 413 from Content-Length, before the body is read
        big = b'{"ticket":"A1","desk":"3","service":"' + b"x" * 5000 + b'"}'
        st, r = b.req("POST", f"{SITE}/calls", raw=big)
        assert st == 413 and r["field"] == "body", r
        # a huge announced body is refused without being sent at all
        s = socket.create_connection(("127.0.0.1", b.port), 5)
        s.sendall(f"POST {SITE}/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOK_A}\r\n"
                  "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n"
                  .encode())
        head = s.recv(4096).decode()
        s.close()
        assert head.startswith("HTTP/1.1 413"), head
        # 413 for a streamed (chunked) body over the limit: the bridge answers
        # and closes as soon as the body passes it, so sending may fail
        # (test_http_limits.py measures how early).
        s = socket.create_connection(("127.0.0.1", b.port), 10)
        s.sendall(f"POST {SITE}/calls HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOK_A}\r\n"
                  "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                  .encode())
        answer = b""
        try:
            for _ in range(6):
                s.sendall(b"%x\r\n%s\r\n" % (1000, b"x" * 1000))
            s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        answer += cbtest.read_to_close(s, 4096)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
        # unknown endpoints and methods; names that cannot be a site come first
        assert b.req("GET", "/v1/nothing")[0] == 404
        assert b.req("GET", f"{SITE}/calls")[0] == 405
        assert b.req("PATCH", f"{SITE}/notice", {"text": "x"})[0] == 405
        st, r = b.req("GET", f"{SITE}/calls/x/y/z")
        assert st == 404 and r["field"] == "path", r
        for path, field in (("/v1/sites/Aarhus/dokk1/calls", "tenant"),
                            ("/v1/sites/aarhus/Dokk1/calls", "site"),
                            ("/v1/devices/Aarhus/dokk1/d/commands", "tenant"),
                            ("/v1/devices/aarhus/Dokk1/d/screenshot", "site")):
            st, r = b.req("PATCH", path)
            assert st == 404 and r["field"] == field, (path, r)
        st, r = b.req("DELETE", "/v1/devices")
        assert st == 405 and r["field"] == "method", r
        # nothing of that reached the board
        assert b.req("GET", f"{SITE}/boards/main")[0] == 404
        m = b.metrics()
        assert 'callboard_calls_rejected_total{reason="personal-data"} 6' in m, m
        assert 'callboard_http_responses_total{code="422"}' in m
        assert b.proc.alive()
    finally:
        b.stop()
        tmp.cleanup()


@test
def auth_across_tenants():
    tmp, broker, b = setup()
    try:
        body = {"ticket": "A1", "desk": "1"}
        assert b.req("POST", f"{SITE}/calls", body, token=None)[0] == 401
        st, r = b.req("POST", f"{SITE}/calls", body, token="wrong-token-0123456789")
        assert st == 401 and r["field"] == "Authorization", r
        st, r = b.req("POST", f"{SITE}/calls", body, token=TOK_S)
        assert st == 403, (st, r)
        st, _ = b.req("POST", "/v1/sites/samsoe/tranebjerg/calls", body, token=TOK_S)
        assert st == 202
        assert b.req("POST", "/v1/sites/samsoe/tranebjerg/calls", body, token=TOK_A)[0] == 403
        assert b.req("GET", "/v1/sites/samsoe/tranebjerg/boards/main", token=TOK_A)[0] == 403
        assert b.req("PUT", "/v1/sites/samsoe/tranebjerg/notice", {"text": "x"},
                     token=TOK_A)[0] == 403
        assert b.req("GET", "/v1/sites/aarhus/nowhere/boards/main")[0] == 404
        assert b.req("GET", "/v1/sites/samsoe/tranebjerg/boards/main", token=TOK_S)[0] == 200
        # Basic with a wrong password, and a header of another scheme
        bad = base64.b64encode(b"x:nope").decode()
        assert b.req("GET", f"{SITE}/boards/main", token=None,
                     headers={"Authorization": f"Basic {bad}"})[0] == 401
        assert b.req("GET", f"{SITE}/boards/main", token=None,
                     headers={"Authorization": "Digest x"})[0] == 401
        # the admin token reaches every site; the status page wants a token
        # (a tenant's shows its own sites: test_fleet.py)
        assert b.req("GET", "/v1/sites/samsoe/tranebjerg/boards/main", token=ADMIN)[0] == 200
        assert b.req("GET", "/", token=None)[0] == 401
        good = base64.b64encode(f"staff:{ADMIN}".encode()).decode()
        st, page = b.req("GET", "/", token=None, headers={"Authorization": f"Basic {good}"})
        assert st == 200 and b"<html" in page
        assert b.req("GET", "/metrics", token=None)[0] == 401
        assert b.req("GET", "/healthz", token=None)[0] == 200
    finally:
        b.stop()
        tmp.cleanup()


@test
def idempotency():
    tmp, broker, b = setup()
    try:
        st1, r1 = b.call("A5", "2", id="backend-1")
        b.call("A6", "2")
        st2, r2 = b.call("A5", "2", id="backend-1")
        assert st1 == st2 == 202 and r1 == r2, (r1, r2)
        st, r = b.call("A7", "2", id="backend-1")
        assert st == 409 and r["field"] == "id", r
        st, board = b.req("GET", f"{SITE}/boards/main")
        assert [c["ticket"] for c in board["calls"]] == ["A6", "A5"], board
        assert board["seq"] == r1["seq"] + 1
        # an id is per site: the same id on another site is another call
        st, r = b.call("A5", "2", id="backend-1", site="/v1/sites/aarhus/lystrup")
        assert st == 202 and r["id"] == "backend-1"
        st, board = b.req("GET", "/v1/sites/aarhus/lystrup/boards/main")
        assert [c["ticket"] for c in board["calls"]] == ["A5"], board
        # and it survives a restart
        b.stop()
        b.start()
        st3, r3 = b.call("A5", "2", id="backend-1")
        assert (st3, r3) == (st1, r1), r3
        assert b.req("GET", f"{SITE}/boards/main")[1]["seq"] == r1["seq"] + 1
    finally:
        b.stop()
        tmp.cleanup()


@test
def queue_put_published_retained():
    tmp, broker, b = setup()
    try:
        body = {"services": [{"name": "Pas og kørekort", "waiting": 12, "wait_min": 15}]}
        st, r = b.req("PUT", f"{SITE}/areas/main/queue", body)
        assert (st, r) == (200, {"area": "main", "services": 1}), (st, r)
        c = Client(broker.port)  # a newcomer gets it from the broker: retained
        c.subscribe(f"{ROOT}/queue/#")
        m = c.wait_json(f"{ROOT}/queue/main")
        assert m["v"] == 1 and m["services"] == body["services"], m
        stamped = calendar.timegm(time.strptime(m["ts"][:19], "%Y-%m-%dT%H:%M:%S"))
        assert abs(stamped - time.time()) < 60, m  # stamped when it came in
        c.close()
        for bad, field in [({"services": [{"name": "x", "waiting": 1, "phone": "1"}]},
                            "services[0].phone"),
                           ({"services": [{"name": "x", "waiting": 1}] * 17}, "services"),
                           ({"services": [{"name": "x", "waiting": "12"}]}, "services[0].waiting")]:
            st, r = b.req("PUT", f"{SITE}/areas/main/queue", bad)
            assert st == 422 and r["field"] == field, (bad, st, r)
        assert b.req("PUT", f"{SITE}/areas/Main/queue", body)[0] == 422
        # The CLI sets it too: callboard queue.
        watch = Client(broker.port)
        watch.subscribe(f"{ROOT}/queue/pas")
        cli = subprocess.run([cbtest.binary("callboard"), "queue", "aarhus/dokk1", "--area", "pas",
                              "Pas og kørekort=12/15", "Sundhed=3", "--url",
                              f"http://127.0.0.1:{b.port}", "--token", TOK_A],
                             capture_output=True, text=True, timeout=30)
        assert cli.returncode == 0, cli.stdout + cli.stderr
        m = watch.wait_json(f"{ROOT}/queue/pas")
        assert m["services"] == [{"name": "Pas og kørekort", "waiting": 12, "wait_min": 15},
                                 {"name": "Sundhed", "waiting": 3}], m
        # The simulator sends the figures during a simulated day.
        watch.subscribe(f"{ROOT}/queue/sim")
        sim = subprocess.run([cbtest.binary("callboard"), "sim", "--site", "aarhus/dokk1",
                              "--area", "sim", "--speed", "100000", "--count", "20", "--quiet",
                              "--url", f"http://127.0.0.1:{b.port}", "--token", TOK_A],
                             capture_output=True, text=True, timeout=60)
        assert sim.returncode == 0, sim.stdout + sim.stderr
        m = watch.wait_json(f"{ROOT}/queue/sim")
        assert [s["name"] for s in m["services"]][0] == "Pas og kørekort", m
        assert all(s["waiting"] >= 0 for s in m["services"]), m
        watch.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def notice_put_and_clear():
    tmp, broker, b = setup()
    try:
        watch = Client(broker.port)
        watch.subscribe(f"{ROOT}/notice")
        st, r = b.req("PUT", f"{SITE}/notice", {"text": "Lukket fredag kl. 12", "mode": "ticker"})
        assert st == 200, r
        m = watch.wait_json(f"{ROOT}/notice")
        assert m["text"] == "Lukket fredag kl. 12" and m["mode"] == "ticker" and m["v"] == 1
        assert b.req("PUT", f"{SITE}/notice", {"text": ""})[0] == 422
        assert b.req("PUT", f"{SITE}/notice", {"text": "x", "mode": "blink"})[0] == 422
        assert b.req("PUT", f"{SITE}/notice", {"text": "x" * 501})[0] == 422
        assert b.req("DELETE", f"{SITE}/notice")[0] == 200
        wait_until(lambda: any(t == f"{ROOT}/notice" and p == b"" for t, p, _ in
                               watch.received()), 5, what="empty retained notice")
        c = Client(broker.port)  # a newcomer sees no retained notice
        c.subscribe(f"{ROOT}/notice")
        c.sync()  # a retained notice would have come before this
        assert c.json(f"{ROOT}/notice") == []
        c.close()
        watch.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def personal_data_in_values_refused():
    """A CPR number, an e-mail address or a phone number inside a free-text
    value is refused with the field and the kind, never echoed, never
    stored, never on a board; counted by kind."""
    tmp, broker, b = setup()
    try:
        watch = Client(broker.port)
        watch.subscribe(f"{ROOT}/#")
        cases = [
            ("POST", "calls", {"ticket": "A1", "desk": "3",
                               "desk_label": "Jens Hansen 010101-1234"},
             "desk_label", "looks like a CPR number"),
            ("POST", "calls", {"ticket": "A2", "desk": "3", "service": "jens@example.dk"},
             "service", "looks like an e-mail address"),
            ("POST", "calls", {"ticket": "A3", "desk": "3", "desk_label": "Ring 22 34 56 78"},
             "desk_label", "looks like a phone number"),
            ("PUT", "notice", {"text": "Spørgsmål: ring +45 22345678"},
             "text", "looks like a phone number"),
        ]
        secrets = ["010101-1234", "jens@example.dk", "22 34 56 78", "22345678"]
        for method, path, body, field, reason in cases:
            st, r = b.req(method, f"{SITE}/{path}", body)
            assert st == 422, (body, st, r)
            assert r["field"] == field and r["error"] == reason, r
            assert not any(x in json.dumps(r) for x in secrets), r
        # signage text passes
        st, r = b.call("A042", desk_label="Skranke 3", service="Pas og kørekort")
        assert st == 202, r
        assert b.req("PUT", f"{SITE}/notice", {"text": "Åbent 10:15-14:30"})[0] == 200
        watch.wait_json(f"{ROOT}/notice")
        assert retained_board(broker.port)["calls"][0]["ticket"] == "A042"
        m = b.metrics()
        assert "# TYPE callboard_personal_data_refused_total counter" in m, m
        for kind, n in (("cpr", 1), ("email", 1), ("phone", 2), ("key", 0)):
            assert metric(m, f'callboard_personal_data_refused_total{{kind="{kind}"}}') == n, m
        assert 'callboard_calls_rejected_total{reason="personal-data"} 3' in m, m
        b.stop()
        assert not any(x in b.proc.output() for x in secrets)
        for name in os.listdir(tmp.path):
            path = os.path.join(tmp.path, name)
            if os.path.isfile(path):
                data = open(path, "rb").read()
                assert not any(x.encode() in data for x in secrets), name
        payloads = b"".join(p for _, p, _ in watch.received())
        assert not any(x.encode() in payloads for x in secrets)
        watch.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def stats_per_site_area_desk():
    tmp, broker, b = setup()
    try:
        for i in range(3):
            b.call(f"A{i}", "1", id=f"s{i}")
        b.call("B1", "2", area="kiosk")
        b.req("POST", f"{SITE}/calls/s1/recall", {})
        today = time.strftime("%Y-%m-%d", time.gmtime())
        st, r = b.req("GET", f"{SITE}/stats?from={today}&to={today}")
        assert st == 200, r
        assert r["totals"] == {"calls": 4, "recalls": 1}, r
        rows = {(x["area"], x["desk"]): (x["calls"], x["recalls"]) for x in r["rows"]}
        assert rows == {("main", "1"): (3, 1), ("kiosk", "2"): (1, 0)}, rows
        assert all(x["hour"].endswith(":00:00.000Z") for x in r["rows"])
        st, r = b.req("GET", f"{SITE}/stats?from=2001-01-01&to=2001-01-02")
        assert st == 200 and r["rows"] == []
        assert b.req("GET", f"{SITE}/stats?from=yesterday")[0] == 422
        assert b.req("GET", f"{SITE}/stats?from=2026-02-01&to=2026-01-01")[0] == 422
        assert b.req("GET", "/v1/sites/samsoe/tranebjerg/stats", token=TOK_A)[0] == 403
        # tickets leave the store with the board: age them off, then look
        b.stop()
        db = sqlite3.connect(b.db)
        assert db.execute("SELECT count(*) FROM stats").fetchone()[0] == 2
        dump = "\n".join(db.iterdump())
        db.close()
        assert "B1" in dump  # still on the board
    finally:
        b.stop()
        tmp.cleanup()


@test
def board_ages_and_tickets_leave_store():
    tmp, broker, b = setup(tail="[board]\nlength = 3\nmax_age = 2\n")
    try:
        watch = Client(broker.port)
        watch.subscribe(f"{ROOT}/board/main")
        base = b.call("Q1", "1")[1]["seq"] - 1
        for t in ("Q2", "Q3", "Q4"):
            b.call(t, "1")
        st, board = b.req("GET", f"{SITE}/boards/main")
        assert [c["ticket"] for c in board["calls"]] == ["Q4", "Q3", "Q2"], board
        m = watch.wait_json(f"{ROOT}/board/main", lambda m: m["calls"] == [], timeout=8)
        assert m["seq"] >= base + 5, m
        b.stop()
        db = sqlite3.connect(b.db)
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        dump = "\n".join(db.iterdump())
        db.close()
        for t in ("Q1", "Q2", "Q3", "Q4"):
            assert f'"{t}"' not in dump, t
        watch.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def kill9_before_publish_then_restart_publishes():
    tmp = TempDir("cbbridge-")
    port = cbtest.free_port()
    # the broker is down: calls are accepted and stored, nothing is published
    b = Bridge(tmp, port)
    try:
        ids, seqs = [], []
        for i in range(5):
            st, r = b.call(f"K{i}", "1")
            assert st == 202, r
            ids.append(r["id"])
            seqs.append(r["seq"])
        assert seqs == list(range(seqs[0], seqs[0] + 5)), seqs
        st, h = b.req("GET", "/healthz", token=None)
        assert h["mqtt"] is False and h["outbox"] == 1, h
        b.kill9()
        broker = Mosquitto(tmp, port=port)
        b.start()
        m = retained_board(port, timeout=10)
        assert [c["ticket"] for c in m["calls"]] == [f"K{i}" for i in range(4, -1, -1)], m
        assert m["seq"] == seqs[-1] and [c["id"] for c in m["calls"]] == ids[::-1]
        wait_until(lambda: b.req("GET", "/healthz", token=None)[1]["outbox"] == 0, 5,
                   what="outbox empty")
        # seq keeps growing after the kill
        st, r = b.call("K9", "1")
        assert r["seq"] == seqs[-1] + 1, r
        broker.stop()
    finally:
        b.stop()
        tmp.cleanup()


@test
def broker_down_10s_calls_published_in_order():
    tmp = TempDir("cbbridge-")
    # persistent, so the watching client's session survives the restart
    broker = Mosquitto(tmp, persistent=True)
    b = Bridge(tmp, broker.port)
    try:
        watch = Client(broker.port, client_id="bridge-test-watch", clean=False)
        watch.subscribe(f"{ROOT}/board/main")
        base = b.call("D0", "1")[1]["seq"] - 1
        watch.wait_json(f"{ROOT}/board/main", lambda m: m["seq"] == base + 1)
        broker.stop()
        t0 = time.monotonic()
        accepted = []
        while time.monotonic() - t0 < 10:
            st, r = b.call(f"D{len(accepted) + 1}", "1")
            assert st == 202, r
            accepted.append(r["seq"])
            cbtest.elapse(1.0)  # one call a second through a 10 s outage
        assert accepted == list(range(base + 2, base + 2 + len(accepted))), accepted
        broker.start()
        last = accepted[-1]
        m = watch.wait_json(f"{ROOT}/board/main", lambda m: m["seq"] == last, timeout=20)
        n = len(accepted) + 1
        want = [f"D{i}" for i in range(n - 1, max(-1, n - 11), -1)]
        assert [c["ticket"] for c in m["calls"]] == want, (m, want)
        seqs = [x["seq"] for x in watch.json(f"{ROOT}/board/main")]
        assert seqs == sorted(seqs), seqs
        assert retained_board(broker.port)["seq"] == last
        watch.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def seq_grows_across_restarts():
    tmp, broker, b = setup()
    try:
        seqs = []
        for round_ in range(3):
            for i in range(2):
                seqs.append(b.call(f"R{round_}{i}", "1")[1]["seq"])
            if round_ == 0:
                b.stop()
            else:
                b.kill9()
            b.start()
        seqs.append(b.call("RX", "1")[1]["seq"])
        assert seqs == list(range(seqs[0], seqs[0] + 7)), seqs
        st, board = b.req("GET", f"{SITE}/boards/main")
        assert board["seq"] == seqs[-1] and board["calls"][0]["ticket"] == "RX"
        assert retained_board(broker.port)["seq"] == seqs[-1]
        # even a lost store does not send seq backwards: a new area starts at the clock
        b.stop()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(b.db + suffix):
                os.unlink(b.db + suffix)
        wait_until(lambda: time.time() * 1000 > seqs[-1] + 1, 5,
                   what="the clock past the last seq")
        b.start()
        assert b.call("RY", "1")[1]["seq"] > seqs[-1]
    finally:
        b.stop()
        tmp.cleanup()


class Hook(http.server.BaseHTTPRequestHandler):
    got = []

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        Hook.got.append(json.loads(self.rfile.read(n)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


def health(dev, **extra):
    h = {"v": 1, "device": dev, "ts": iso_now(), "version": "0.1.0", "uptime_s": 5,
         "cpu_temp_c": 48.5, "audio": "ok", "boards": [{"area": "main", "seq": 1, "age_s": 1}]}
    h.update(extra)
    return h


@test
def registry_transitions_and_webhook():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    Hook.got = []
    tmp, broker, b = setup(f"webhook = http://127.0.0.1:{srv.server_port}/alert\n",
                           tail="[site:aarhus/lystrup]\nhours = mon-sun closed\n")
    try:
        dev = Client(broker.port)
        status = f"{ROOT}/display/screen-1/status"
        dev.publish(status, {"v": 1, "state": "online", "device": "screen-1",
                             "version": "0.1.0", "areas": ["main"]}, retain=True)

        def state(name="screen-1"):
            st, r = b.req("GET", "/v1/devices", token=ADMIN)
            for d in r["devices"]:
                if d["device"] == name:
                    return d
            return {}
        wait_until(lambda: state().get("status") == "online", 5, what="online")
        # Health is not retained: sent once the bridge is seen subscribed.
        dev.publish(f"{ROOT}/display/screen-1/health", health("screen-1"))
        wait_until(lambda: state().get("health"), 5, what="health")
        d = state()
        assert d["version"] == "0.1.0" and d["health"]["cpu_temp_c"] == 48.5, d
        assert d["last_seen"].endswith("Z")
        # behind: a board is published, the display does not ack it
        seq = b.call("A1", "1")[1]["seq"]
        dev.publish(f"{ROOT}/display/screen-1/ack",
                    {"v": 1, "area": "main", "seq": seq, "shown_ts": iso_now(), "ids": []})
        wait_until(lambda: state()["acks"][0]["seq"] == seq, 5, what="ack")
        wait_until(lambda: state()["acks"][0]["board_seq"] == seq, 5, what="board seq")
        # no health for 3 intervals (1 s each): stale, and the webhook fires
        wait_until(lambda: state()["status"] == "stale", 8, what="stale")
        wait_until(lambda: any(h["to"] == "stale" for h in Hook.got), 5, what="webhook")
        assert Hook.got[0]["device"] == "screen-1" and Hook.got[0]["site"] == "dokk1"
        dev.publish(f"{ROOT}/display/screen-1/health", health("screen-1"))
        wait_until(lambda: state()["status"] == "online", 5, what="online again")
        dev.publish(status, {"v": 1, "state": "offline"}, retain=True)
        wait_until(lambda: state()["status"] == "offline", 5, what="offline")
        wait_until(lambda: any(h["to"] == "offline" for h in Hook.got), 5, what="webhook")
        # a closed site: the transition is logged and counted, no alert
        dev.publish("callboard/v1/aarhus/lystrup/display/l-1/status",
                    {"v": 1, "state": "online"}, retain=True)
        dev.publish("callboard/v1/aarhus/lystrup/display/l-1/status",
                    {"v": 1, "state": "offline"}, retain=True)
        wait_until(lambda: state("l-1").get("status") == "offline", 5, what="l-1 offline")
        # The webhook would be queued with the transition just seen, and sent
        # at once: a window of time is the check here.
        never(lambda: [h for h in Hook.got if h["site"] == "lystrup"], 0.5,
              what="a webhook for a closed site")
        # other tenants' devices are not listed for a tenant token; unknown sites ignored
        dev.publish("callboard/v1/samsoe/tranebjerg/display/s-1/status",
                    {"v": 1, "state": "online"}, retain=True)
        dev.publish("callboard/v1/other/site/display/x/status", {"v": 1, "state": "online"})
        dev.publish(f"{ROOT}/display/screen-2/health", b"{not json")
        wait_until(lambda: state("s-1").get("status") == "online", 5, what="samsoe device")
        names = [d["device"] for d in b.req("GET", "/v1/devices", token=TOK_A)[1]["devices"]]
        assert sorted(names) == ["l-1", "screen-1"], names
        names = [d["device"] for d in b.req("GET", "/v1/devices", token=ADMIN)[1]["devices"]]
        assert sorted(names) == ["l-1", "s-1", "screen-1"], names
        assert b.req("GET", "/v1/devices", token=None)[0] == 401
        m = b.metrics()
        assert 'callboard_devices{tenant="aarhus",site="dokk1",state="offline"} 1' in m, m
        assert metric(m, 'callboard_device_transitions_total{to="stale"}') == 1, m
        assert metric(m, 'callboard_device_transitions_total{to="offline"}') == 2, m
        assert metric(m, 'callboard_device_transitions_total{to="online"}') >= 4, m
        good = base64.b64encode(f"x:{ADMIN}".encode()).decode()
        st, page = b.req("GET", "/", token=None, headers={"Authorization": f"Basic {good}"})
        assert b"screen-1" in page and b"offline" in page and b"48.5" in page
        # the registry survives a restart
        b.stop()
        b.start()
        assert state()["status"] == "offline" and state()["version"] == "0.1.0"
        dev.close()
    finally:
        b.stop()
        srv.shutdown()
        tmp.cleanup()


@test
def late_will_after_reconnect_is_ignored():
    """A display is killed (the broker sends its Will) and comes back at once;
    its old Will, delivered again after the new online status as a
    reconnect storm can deliver it, leaves the device online. Within one
    session the Will of an older connection is ignored the same way."""
    tmp, broker, b = setup()
    display = None
    try:
        obs = Client(broker.port)
        status = f"{ROOT}/display/tv-1/status"
        obs.subscribe(status)
        conf = tmp.file("display.ini", f"[device]\nid = tv-1\ntenant = aarhus\nsite = dokk1\n"
                        f"areas = main\n[mqtt]\nhost = 127.0.0.1\nport = {broker.port}\n"
                        f"keepalive = 5\n[screen]\nwidth = 320\nheight = 240\n")
        env = {"SDL_AUDIODRIVER": "dummy", "XDG_RUNTIME_DIR": tmp.path}

        def start():
            return Proc([cbtest.binary("callboard-display"), "--config", conf, "--headless"],
                        env=env)

        def state(name="tv-1"):
            for d in b.req("GET", "/v1/devices", token=ADMIN)[1]["devices"]:
                if d["device"] == name:
                    return d["status"]
            return None
        display = start()
        first = obs.wait_json(status, lambda s: s["state"] == "online")
        wait_until(lambda: state() == "online", 10, what="online")
        display.kill9()
        will = obs.wait_json(status, lambda s: s["state"] == "offline", timeout=10)
        assert will["session"] == first["session"] and will["conn"] == first["conn"], will
        wait_until(lambda: state() == "offline", 10, what="offline after the Will")
        display = start()
        again = obs.wait_json(status, lambda s: s["state"] == "online" and
                              s["session"] != first["session"])
        wait_until(lambda: state() == "online", 10, what="online again")
        obs.publish(status, will, retain=True)  # the old Will, late
        # a marker status of another device: once it is seen, the Will was handled
        obs.publish(f"{ROOT}/display/tv-2/status", {"v": 1, "state": "online"}, retain=True)
        wait_until(lambda: state("tv-2") == "online", 10, what="marker")
        assert state() == "online"
        # at least once: a status may also come again through the bridge's
        # by-name subscription of a display it just learned of (retained)
        stale = metric(b.metrics(), "callboard_device_statuses_stale_total")
        assert stale >= 1, stale
        # one session: the Will of connection 1 after the online of connection 2
        dev = {"v": 1, "device": "tv-3", "session": "5eed", "conn": 2}
        t3 = f"{ROOT}/display/tv-3/status"
        obs.publish(t3, dict(dev, state="online"), retain=True)
        obs.publish(t3, dict(dev, state="offline", conn=1), retain=True)
        obs.publish(t3, dict(dev, state="online", conn=2, version="marker"), retain=True)
        wait_until(lambda: metric(b.metrics(), "callboard_device_statuses_stale_total") > stale,
                   10, what="stale count")
        assert state("tv-3") == "online"
        obs.publish(t3, dict(dev, state="offline", conn=2), retain=True)
        wait_until(lambda: state("tv-3") == "offline", 10, what="the current Will applies")
        assert again["conn"] == 1
        obs.close()
    finally:
        if display:
            display.stop()
        b.stop()
        tmp.cleanup()


class SilentReceiver:
    """A webhook receiver that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


@test
def silent_webhook_receiver_does_not_block_the_api():
    rx = SilentReceiver()
    tmp, broker, b = setup(f"webhook = http://127.0.0.1:{rx.port}/alert\n")
    try:
        dev = Client(broker.port)
        for i in range(10):  # ten displays go offline: ten alerts
            status = f"{ROOT}/display/s-{i}/status"
            dev.publish(status, {"v": 1, "state": "online"}, retain=True)
            dev.publish(status, {"v": 1, "state": "offline"}, retain=True)
        wait_until(lambda: len(rx.conns) >= 8, 5, what="8 posts in flight")
        # the posts hang; the API answers all the same, before any of the
        # eight has run into its timeout (so the answers did not wait for them)
        assert b.call("B1", "1")[0] == 202
        assert b.req("GET", "/healthz", token=None)[0] == 200
        assert "failed (attempt 1" not in b.proc.output(), b.proc.tail()
        assert len(rx.conns) == 8, len(rx.conns)  # never more than 8 at once
        # each post times out; the two queued follow while the eight wait
        # out their backoff before trying again
        wait_until(lambda: len(rx.conns) >= 10, 15, what="the two queued posts")
        wait_until(lambda: len(rx.conns) > 10, 10, what="a second attempt")
        dev.close()
    finally:
        b.stop()
        rx.close()
        tmp.cleanup()


class Receiver:
    """A webhook receiver answering each POST with the next of codes (then
    204); while gate is clear it holds every answer. got lists (arrival
    time, alert) of every POST; waiting counts the held ones."""

    def __init__(self, codes=(), hold=False):
        self.got = []
        self.codes = list(codes)
        self.waiting = 0
        self.lock = threading.Lock()
        self.gate = threading.Event()
        if not hold:
            self.gate.set()
        rx = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with rx.lock:
                    rx.got.append((time.monotonic(), body))
                    rx.waiting += 1
                rx.gate.wait()
                with rx.lock:
                    rx.waiting -= 1
                    code = rx.codes.pop(0) if rx.codes else 204
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        http.server.ThreadingHTTPServer.request_queue_size = 64
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.srv.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.srv.server_port}/alert"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def devices(self):
        with self.lock:
            return [a["device"] for _, a in self.got]

    def close(self):
        self.gate.set()
        self.srv.shutdown()
        self.srv.server_close()


def goes_offline(dev, name):
    """A display comes online and goes offline: one alert."""
    status = f"{ROOT}/display/{name}/status"
    dev.publish(status, {"v": 1, "state": "online"}, retain=True)
    dev.publish(status, {"v": 1, "state": "offline"}, retain=True)


@contextlib.contextmanager
def alerting_bridge(rx):
    """A bridge posting alerts to rx, and a client publishing statuses."""
    tmp, broker, b = setup(f"webhook = {rx.url}\n")
    dev = None
    try:
        dev = Client(broker.port)
        yield b, dev
    finally:
        if dev:
            dev.close()
        b.stop()
        rx.close()
        tmp.cleanup()


def webhooks(b, result):
    return metric(b.metrics(), f'callboard_webhooks_total{{result="{result}"}}')


@test
def webhook_retries_server_errors_with_backoff():
    """A receiver failing twice with 500 gets the alert on the third attempt,
    about 1 s and 2 s apart; a 4xx answer is not tried again."""
    rx = Receiver(codes=[500, 500])
    with alerting_bridge(rx) as (b, dev):
        goes_offline(dev, "r-1")
        wait_until(lambda: webhooks(b, "sent") == 1, 10, what="the alert on the third attempt")
        assert rx.devices() == ["r-1"] * 3, rx.devices()
        t = [at for at, _ in rx.got]
        gaps = [t[1] - t[0], t[2] - t[1]]
        print(f"retried after {gaps[0]:.2f} s and {gaps[1]:.2f} s")
        assert 0.7 < gaps[0] < gaps[1] and gaps[1] > 1.4, gaps
        assert webhooks(b, "failed") == 0
        rx.codes = [404]
        goes_offline(dev, "r-2")
        wait_until(lambda: webhooks(b, "failed") == 1, 5, what="the 404 counted as failed")
        never(lambda: rx.devices().count("r-2") > 1, 2, what="a retry after a 404")


@test
def webhook_full_queue_drops_the_oldest():
    """100 alerts to a receiver that does not answer: 8 in flight, the
    newest 64 queued, the 28 between dropped and counted; the API answers
    all along; once the receiver answers, the kept ones arrive."""
    rx = Receiver(hold=True)
    with alerting_bridge(rx) as (b, dev):
        names = [f"q-{i:03d}" for i in range(100)]
        for name in names:
            goes_offline(dev, name)
        drops = "callboard_webhooks_dropped_total"
        wait_until(lambda: metric(b.metrics(), drops) == 28, 10, what="28 alerts dropped")
        assert "# TYPE callboard_webhooks_dropped_total counter" in b.metrics()
        # the API answers while every post is held at the receiver
        for _ in range(10):
            assert b.req("GET", "/healthz", token=None)[0] == 200
        assert webhooks(b, "sent") == 0 and webhooks(b, "failed") == 0, b.metrics()
        # The 8 in flight may still be connecting on a busy machine.
        wait_until(lambda: rx.waiting == 8, 10, what="8 alerts waiting at the receiver")
        assert "dropped the oldest" in b.proc.output(), b.proc.tail()
        rx.gate.set()
        wait_until(lambda: webhooks(b, "sent") == 72, 15, what="the kept alerts")
        assert sorted(rx.devices()) == names[:8] + names[36:], rx.devices()
        assert metric(b.metrics(), drops) == 28


@test
def status_page_shows_problems():
    """The page facilities staff read: an offline, a stale, a behind and a
    silent display in the problem list; text from displays escaped."""
    tmp, broker, b = setup("behind_grace = 1\n")
    basic = "Basic " + base64.b64encode(f"x:{ADMIN}".encode()).decode()

    def page():
        st, body = b.req("GET", "/", token=None, headers={"Authorization": basic})
        assert st == 200, st
        return body.decode()

    def problems(text):
        start = text.find('<div class="probs">')
        return text[start:text.find("</div>", start)] if start >= 0 else ""
    try:
        dev = Client(broker.port)
        online = {"v": 1, "state": "online", "version": "0.1.0", "areas": ["main"]}
        for d in ("off-1", "stale-1", "behind-1", "silent-1"):
            dev.publish(f"{ROOT}/display/{d}/status", online, retain=True)
        dev.publish(f"{ROOT}/display/stale-1/health", health("stale-1"))
        dev.publish(f"{ROOT}/display/off-1/status", {"v": 1, "state": "offline"}, retain=True)
        # a name that is not a valid device name never reaches the page
        dev.publish(f"{ROOT}/display/<script>/status", online)
        seq = b.call("A1", "1")[1]["seq"]

        def keep_alive():
            dev.publish(f"{ROOT}/display/behind-1/health", health("behind-1"))
            dev.publish(f"{ROOT}/display/silent-1/health",
                        health("silent-1", audio="none", version="<script>x</script>"))
            dev.publish(f"{ROOT}/display/silent-1/ack",
                        {"v": 1, "area": "main", "seq": seq, "shown_ts": iso_now(), "ids": []})
        # behind-1 never acks the board; stale-1 sends no more health
        def shown():
            keep_alive()
            text = page()
            probs = problems(text)
            return ("stale-1</b></a> at aarhus/dokk1: stale" in probs and
                    "behind-1</b></a> at aarhus/dokk1: behind" in probs and
                    "silent-1</b></a> at aarhus/dokk1: silent: audio none" in probs and
                    (text, probs))
        text, probs = wait_until(shown, 20, step=0.3, what="stale, behind and silent shown")
        assert "off-1</b></a> at aarhus/dokk1: offline since" in probs, probs
        assert "4 displays with problems" in probs, probs
        assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
        # the summary counts what the registry says
        assert '<b>1</b>&#10006; offline' in text and '<b>1</b>&#9719; stale' in text, text
        assert '<b>1</b>&#9888; behind' in text, text
        assert f"seq 0, sent {seq}" in text, text
        # one site alone: its rows only, the problems of every site still on top
        st, body = b.req("GET", "/?site=aarhus/lystrup", token=None,
                         headers={"Authorization": basic})
        alone = body.decode()
        assert st == 200 and 'id="d-aarhus-dokk1-off-1"' not in alone, alone
        assert "off-1</b></a> at aarhus/dokk1: offline" in alone, alone
        assert 'id="d-aarhus-dokk1-off-1"' in text
        # the kept screenshot is a thumbnail, served under the page's auth
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
        path = "/status/latest/aarhus/dokk1/silent-1"
        assert b.req("GET", path, token=None, headers={"Authorization": basic})[0] == 404
        dev.publish(f"{ROOT}/display/silent-1/screenshot", png)
        wait_until(lambda: f'<img src="{path}?t=' in page(), 5, what="thumbnail")
        st, body = b.req("GET", path, token=None, headers={"Authorization": basic})
        assert st == 200 and body == png, st
        assert b.req("GET", path, token=None)[0] == 401
        assert b.req("GET", path, token=TOK_S)[0] == 403
        assert b.req("GET", "/", token=None)[0] == 401
        dev.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def commands_and_screenshot():
    tmp, broker, b = setup()
    try:
        png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
        dev = Client(broker.port)
        base = f"{ROOT}/display/screen-1"

        def on_cmd(c, u, msg):
            cmd = json.loads(msg.payload)
            if cmd["cmd"] == "reload":
                return  # never answers: 504
            if cmd["cmd"] == "screenshot":
                c.publish(f"{base}/screenshot", png, qos=1)
            res = {"v": 1, "id": cmd["id"], "cmd": cmd["cmd"], "ok": cmd["cmd"] != "volume"
                   or cmd.get("level", 0) <= 100, "ts": iso_now()}
            c.publish(f"{base}/cmd/result", json.dumps(res), qos=1)
        dev.c.message_callback_add(f"{base}/cmd", on_cmd)
        dev.subscribe(f"{base}/cmd")
        path = "/v1/devices/aarhus/dokk1/screen-1"
        st, r = b.req("POST", f"{path}/commands", {"cmd": "identify"})
        assert st == 200 and r["ok"] is True and r["cmd"] == "identify", (st, r)
        st, r = b.req("POST", f"{path}/commands", {"cmd": "volume", "level": 40})
        assert st == 200 and r["ok"], r
        assert b.req("POST", f"{path}/commands", {"cmd": "volume"})[0] == 422
        assert b.req("POST", f"{path}/commands", {"cmd": "volume", "level": 101})[0] == 422
        assert b.req("POST", f"{path}/commands", {"cmd": "selfdestruct"})[0] == 422
        assert b.req("POST", f"{path}/commands", {"cmd": "identify"}, token=TOK_S)[0] == 403
        assert b.req("GET", f"{path}/screenshot")[0] == 404
        st, r = b.req("POST", f"{path}/commands", {"cmd": "screenshot"})
        assert st == 200 and r["ok"], r
        # the answer waited for the PNG: it is there at once
        st, body = b.req("GET", f"{path}/screenshot")
        assert body == png
        good = base64.b64encode(f"x:{ADMIN}".encode()).decode()
        st, body = b.req("GET", "/status/screenshot/aarhus/dokk1/screen-1", token=None,
                         headers={"Authorization": f"Basic {good}"})
        assert st == 200 and body == png
        st, r = b.req("POST", f"{path}/commands", {"cmd": "reload"})
        assert st == 504 and r["field"] == "device", (st, r)
        # a command to a device never seen times out and leaves no entry behind
        st, r = b.req("POST", "/v1/devices/aarhus/dokk1/typo-1/commands", {"cmd": "identify"})
        assert st == 504, (st, r)
        names = [d["device"] for d in b.req("GET", "/v1/devices")[1]["devices"]]
        assert "typo-1" not in names, names
        # a bridge without a broker says so
        broker.stop()
        wait_until(lambda: not b.req("GET", "/healthz", token=None)[1]["mqtt"], 10,
                   what="disconnect")
        assert b.req("POST", f"{path}/commands", {"cmd": "identify"})[0] == 503
        dev.close()
    finally:
        b.stop()
        tmp.cleanup()


@test
def https_when_configured():
    import ssl
    import subprocess
    tmp = TempDir("cbbridge-")
    try:
        cert, key = tmp.file("cert.pem"), tmp.file("key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        broker = Mosquitto(tmp)
        port = cbtest.free_port()
        conf = tmp.file("tls.ini", f"""[http]
listen = 127.0.0.1:{port}
certfile = {cert}
keyfile = {key}
[mqtt]
port = {broker.port}
[storage]
path = {tmp.path}/tls.db
[tenant:aarhus]
token = {TOK_A}
sites = dokk1
""")
        p = Proc([cbtest.binary("callboard-bridge"), "--config", conf])
        p.wait_line("listening on https://", 10)
        ctx = ssl.create_default_context(cafile=cert)
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
        c.request("POST", f"{SITE}/calls", body=json.dumps({"ticket": "T1", "desk": "1"}),
                  headers={"Authorization": f"Bearer {TOK_A}",
                           "Content-Type": "application/json"})
        r = c.getresponse()
        assert r.status == 202, (r.status, r.read())
        c.close()
        # plain HTTP on the TLS port gets no answer
        plain = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            plain.request("GET", "/healthz")
            got = plain.getresponse().status
        except (OSError, http.client.HTTPException):
            got = None
        assert got != 200, got
        # a client that does not trust the certificate is refused
        strict = http.client.HTTPSConnection("127.0.0.1", port,
                                             context=ssl.create_default_context(), timeout=5)
        try:
            strict.request("GET", "/healthz")
            raise AssertionError("untrusted certificate accepted")
        except ssl.SSLError:
            pass
        assert p.stop() == 0
        bad = tmp.file("bad.ini", open(conf).read().replace(f"keyfile = {key}\n", ""))
        q = Proc([cbtest.binary("callboard-bridge"), "--check-config", bad])
        q.p.wait(10)
        assert q.p.returncode == 1 and "certfile and keyfile go together" in q.output()
    finally:
        tmp.cleanup()


@test
def sd_notify_ready_and_watchdog():
    tmp = TempDir("cbbridge-")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    try:
        path = os.path.join(tmp.path, "notify")
        sock.bind(path)
        sock.settimeout(0.2)
        broker = Mosquitto(tmp)
        conf_port = cbtest.free_port()
        conf = tmp.file("n.ini", f"""[http]
listen = 127.0.0.1:{conf_port}
[mqtt]
port = {broker.port}
[storage]
path = {tmp.path}/n.db
[tenant:aarhus]
token = {TOK_A}
sites = dokk1
""")
        p = Proc([cbtest.binary("callboard-bridge"), "--config", conf],
                 env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
        got = []

        def saw(msg):
            try:
                got.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
            return any(msg in g for g in got)
        wait_until(lambda: saw("READY=1"), 10, what="READY=1")
        wait_until(lambda: saw("WATCHDOG=1"), 5, what="WATCHDOG=1")
        got.clear()
        wait_until(lambda: saw("WATCHDOG=1"), 5, what="a second WATCHDOG=1")
        # no admin token and a loopback listener: the status page is open
        c = http.client.HTTPConnection("127.0.0.1", conf_port, timeout=5)
        c.request("GET", "/")
        r = c.getresponse()
        assert r.status == 200 and b"callboard displays" in r.read()
        c.request("GET", "/status/latest/aarhus/dokk1/screen-1")
        r = c.getresponse()
        assert r.status == 404, r.status  # thumbnails open too: none kept yet
        r.read()
        c.request("GET", "/v1/devices")
        assert c.getresponse().status == 401  # the API still wants a token
        c.close()
        p.signal(signal.SIGTERM)
        wait_until(lambda: saw("STOPPING=1"), 5, what="STOPPING=1")
        assert p.stop() == 0
    finally:
        sock.close()
        tmp.cleanup()


@test
def thousand_sites_in_one_line():
    """A tenant with 1,000 sites on one `sites =` line (far past inih's line
    buffer): the bridge starts and takes a call for the 1,000th site."""
    sites = ", ".join(f"site-{i}" for i in range(1, 1001))
    tok = "token-country-0123456789"
    tmp = TempDir("cbbridge-")
    broker = Mosquitto(tmp)
    b = Bridge(tmp, broker.port, tail=f"[tenant:country]\ntoken = {tok}\nsites = {sites}\n")
    try:
        assert len(sites) > 9000
        root = "callboard/v1/country/site-1000"
        st, r = b.call("A1", token=tok, site="/v1/sites/country/site-1000")
        assert st == 202, (st, r)
        m = retained_board(broker.port, root=root)
        assert m["calls"][0]["id"] == r["id"], m
        st, r = b.call("A1", token=tok, site="/v1/sites/country/site-1001")
        assert st == 404, (st, r)
    finally:
        b.stop()
        tmp.cleanup()


@test
def check_config():
    tmp = TempDir("cbbridge-")
    try:
        bad = tmp.file("bad.ini", "[http]\nlisten = nowhere\n[board]\nlength = 99\n"
                       "[tenant:aarhus]\ntoken = short\nsites = dokk1\n")
        p = Proc([cbtest.binary("callboard-bridge"), "--check-config", bad])
        p.wait_exit(10)
        out = p.output()
        assert p.p.returncode == 1, out
        assert f"{bad}:2: [http] listen: nowhere: expected host:port" in out, out
        assert f"{bad}:4: [board] length: 99:" in out, out
        assert "[tenant:aarhus] token" in out, out
        good = tmp.file("good.ini", "[tenant:aarhus]\ntoken = 0123456789abcdef\nsites = a\n")
        p = Proc([cbtest.binary("callboard-bridge"), "--check-config", good])
        p.wait_exit(10)
        assert p.p.returncode == 0, p.output()
        example = os.path.join(cbtest.SRC, "assets", "callboard-bridge.ini")
        p = Proc([cbtest.binary("callboard-bridge"), "--check-config", example])
        p.wait_exit(10)
        assert p.p.returncode == 0, p.output()
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    cbtest.run()

"""Two callboard-bridges on one PostgreSQL server, as behind a load
balancer: a private PostgreSQL (tests/lib/cbpg.py: initdb in a temp folder
as an unprivileged user, a free loopback port), a real mosquitto, and a
paho subscriber collecting every board on the wire. Calls go to both
bridges; the publisher is killed, paused past its lease, and the database
restarted under load; and the publisher cut off from the database alone.
Skips (exit 77) only when PostgreSQL cannot be installed."""
import contextlib
import http.client
import json
import signal
import sys
import threading
import time

import cbpg
import cbtest
import test_bridge as tb
from cbtest import Client, wait_until

cbtest._tests.clear()  # only this file's tests, not test_bridge's
test = cbtest.test
AREAS = [f"a{i:02d}" for i in range(50)]
LEASE_S = 3.0  # LEASE_MS in bridge/store/lease.h


def bridge(tmp, broker, pg, name):
    """A bridge on the shared database as role bridge_NAME (so a test can cut
    it off alone); MQTT client id bridge-NAME."""
    pg.psql(f"CREATE ROLE bridge_{name} LOGIN SUPERUSER")
    return tb.Bridge(tmp, broker.port, db=tmp.path + f"/{name}-unused.db", extra=f"""
[mqtt]
client_id = bridge-{name}

[storage]
url = {pg.url_for("bridge_" + name)}

[board]
length = 50
""")


def health(b):
    try:
        return b.req("GET", "/healthz", token=None)
    except OSError:
        return None, None


def role(b):
    st, body = health(b)
    return body["publisher"]["role"] if isinstance(body, dict) else None


def lead_and_other(bridges):
    """(the publishing bridge, the other) of two."""
    lead = leader_of(*bridges)
    return lead, bridges[1] if lead is bridges[0] else bridges[0]


def leader_of(*bridges):
    """The one bridge that publishes, once exactly one does."""
    def one():
        roles = [role(b) for b in bridges]
        return bridges[roles.index("leader")] if roles.count("leader") == 1 else None
    return wait_until(one, 15, what="exactly one publishing bridge")


class Wire:
    """Every board seen on the wire, per area, in arrival order."""

    def __init__(self, port):
        self.port = port  # the broker's
        self.lock = threading.Lock()
        self.seen = []  # (arrival, area, board)
        self.c = Client(port)
        self.c.c.on_message = self._on_message
        self.c.subscribe(f"{tb.ROOT}/board/+")

    def _on_message(self, c, u, msg):
        if msg.payload:
            with self.lock:
                self.seen.append((time.monotonic(), msg.topic.rsplit("/", 1)[1],
                                  json.loads(msg.payload)))

    def boards(self):
        with self.lock:
            return [(area, m) for _, area, m in self.seen]

    def first_after(self, t):
        """Arrival time of the first board after t, or None."""
        with self.lock:
            return next((a for a, _, _ in self.seen if a > t), None)

    def ids(self):
        return {c["id"] for _, m in self.boards() for c in m.get("calls", [])}

    def backwards(self, since=0):
        """(area, seq, after seq) for each board older than one seen before it."""
        top, bad = {}, []
        for i, (area, m) in enumerate(self.boards()):
            if i >= since and m["seq"] < top.get(area, 0):
                bad.append((area, m["seq"], top[area]))
            top[area] = max(top.get(area, 0), m["seq"])
        return bad

    def close(self):
        self.c.close()


def post(b, cid, area, ticket):
    """POST one call with its own id; the status, or None when the bridge
    could not be reached (then a load balancer tries another)."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", b.port, timeout=10)
        body = json.dumps({"id": cid, "ticket": ticket, "desk": "3", "area": area})
        c.request("POST", f"{tb.SITE}/calls", body=body,
                  headers={"Authorization": f"Bearer {tb.TOK_A}",
                           "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status
    except OSError:
        return None


class Load:
    """Calls posted to the bridges in turn from a few threads, like a load
    balancer: a call that got no answer or a 503 is sent again, with the
    same id, to the next bridge. accepted: the ids that got a 202."""

    def __init__(self, bridges, n, prefix="c", threads=4):
        self.bridges, self.n, self.prefix = bridges, n, prefix
        self.accepted, self.statuses = set(), []
        self.lock = threading.Lock()
        self.next = 0
        self.stop_flag = False
        self.threads = [threading.Thread(target=self._run, args=(k,)) for k in range(threads)]
        for t in self.threads:
            t.start()

    def _take(self):
        with self.lock:
            if self.stop_flag or self.next >= self.n:
                return None
            self.next += 1
            return self.next - 1

    def _run(self, k):
        turn = k
        while (i := self._take()) is not None:
            cid = f"{self.prefix}{i:05d}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not self.stop_flag:
                b = self.bridges[turn % len(self.bridges)]
                turn += 1
                st = post(b, cid, AREAS[i % len(AREAS)], f"T{i:05d}")
                with self.lock:
                    self.statuses.append((time.monotonic(), b.port, st))
                if st == 202:
                    with self.lock:
                        self.accepted.add(cid)
                    break
                if st is not None and st != 503:
                    raise AssertionError(f"call {cid}: {st}")

    def done(self):
        return self.next >= self.n and not any(t.is_alive() for t in self.threads)

    def join(self, timeout=120):
        for t in self.threads:
            t.join(timeout)
        assert not any(t.is_alive() for t in self.threads), "load did not finish"

    def stop(self):
        self.stop_flag = True
        self.join()


@contextlib.contextmanager
def cluster():
    """(PostgreSQL server, the wire, [bridge a, bridge b]), all stopped after."""
    bindir = cbpg.ensure_installed()
    if not bindir:
        sys.exit(cbpg.SKIP)
    tmp = cbtest.TempDir("cbpgtest-")
    pg = cbpg.PgServer(bindir)
    broker = cbtest.Mosquitto(tmp)
    wire = Wire(broker.port)
    bridges = []
    try:
        bridges += [bridge(tmp, broker, pg, n) for n in "ab"]
        yield pg, wire, bridges
    finally:
        wire.close()
        for b in bridges:
            if b.proc.alive():
                b.stop()
        broker.stop()
        pg.destroy()
        tmp.cleanup()


@test
def calls_through_either_bridge():
    with cluster() as (pg, wire, (a, b)):
        lead = leader_of(a, b)
        seqs = []
        for i in range(10):
            st, r = (a, b)[i % 2].call(f"B{i:03d}", area="main")
            assert st == 202, (st, r)
            seqs.append(r["seq"])
        assert seqs == sorted(seqs) and len(set(seqs)) == 10, seqs
        wait_until(lambda: any(m["seq"] == seqs[-1] for _, m in wire.boards()), 10,
                   what="the last board on the wire")
        # One id, two bridges: the second answers the first's call.
        st1, r1 = a.call("C001", area="main", id="same-id-1")
        st2, r2 = b.call("C001", area="main", id="same-id-1")
        assert st1 == st2 == 202 and r1 == r2, (r1, r2)
        assert b.call("C002", area="main", id="same-id-1")[0] == 409
        # Recall and cancel through the bridge that did not take the call.
        st, r = b.req("POST", f"{tb.SITE}/calls/same-id-1/recall")
        assert st == 202, (st, r)
        st, r = a.req("DELETE", f"{tb.SITE}/calls/same-id-1")
        assert st in (200, 202), (st, r)
        wait_until(lambda: any(m["seq"] == r["seq"] for _, m in wire.boards()), 10,
                   what="the board without the cancelled call")
        # Role, epoch and lease age on /healthz, /metrics and the status page.
        h = health(lead)[1]["publisher"]
        assert h["role"] == "leader" and h["epoch"] >= 1 and 0 <= h["lease_age_ms"] < 3000, h
        follower = b if lead is a else a
        assert role(follower) == "follower"
        m = follower.metrics()
        assert "# TYPE callboard_publisher gauge" in m and "# HELP callboard_lease_epoch" in m
        assert tb.metric(m, "callboard_publisher") == 0 and tb.metric(lead.metrics(),
                                                                      "callboard_publisher") == 1
        page = lead.req("GET", "/", token=tb.ADMIN)[1].decode()
        assert "leader" in page, page[:2000]
        assert not wire.backwards()


@test
def leader_killed_in_the_middle_of_2000_calls():
    with cluster() as (pg, wire, bridges):
        lead, other = lead_and_other(bridges)
        load = Load(bridges, 2000)
        wait_until(lambda: len(load.accepted) >= 700 or load.done(), 120,
                   what="700 calls accepted")
        t_kill = time.monotonic()
        lead.proc.kill9()
        wait_until(lambda: role(other) == "leader", 15, what="the survivor publishing")
        t_lead = time.monotonic()
        # The killed one's last boards were on their way within
        # milliseconds; anything later is the survivor's.
        t_board = wait_until(lambda: wire.first_after(t_kill + 0.05), 15,
                             what="a board after takeover")
        load.join()
        print(f"takeover: the survivor's /healthz says leader {t_lead - t_kill:.2f} s after "
              f"kill -9 of the publisher; first board on the wire after "
              f"{t_board - t_kill:.2f} s", flush=True)
        assert len(load.accepted) == 2000, len(load.accepted)
        wait_until(lambda: load.accepted <= wire.ids(), 30,
                   what="every accepted call on a board")
        assert not wire.backwards(), wire.backwards()[:5]


@test
def paused_leader_publishes_nothing_stale():
    with cluster() as (pg, wire, bridges):
        lead, other = lead_and_other(bridges)
        for i in range(20):
            assert post(bridges[i % 2], f"p{i:03d}", AREAS[i % 5], f"P{i:03d}") == 202
        wait_until(lambda: {f"p{i:03d}" for i in range(20)} <= wire.ids(), 10,
                   what="the first calls on the wire")
        lead.proc.signal(signal.SIGSTOP)
        t_stop = time.monotonic()
        try:
            for i in range(20, 60):  # the paused one's boards go stale
                # Paused inside a transaction, it holds rows until the
                # database ends that transaction (3 s idle): a 503 until
                # then, sent again as a load balancer would.
                wait_until(lambda i=i: post(other, f"p{i:03d}", AREAS[i % 5],
                                            f"P{i:03d}") == 202,
                           LEASE_S + 10, what=f"call p{i:03d} accepted by the other")
            wait_until(lambda: role(other) == "leader", 15, what="the other taking over")
            wait_until(lambda: {f"p{i:03d}" for i in range(60)} <= wire.ids(), 15,
                       what="the calls made while paused on the wire")
            # Past the lease by the paused one's clock too.
            wait_until(lambda: time.monotonic() - t_stop > LEASE_S + 1.5, 10,
                       what="the lease to run out")
        finally:
            lead.proc.signal(signal.SIGCONT)
        mark = len(wire.boards())
        wait_until(lambda: role(lead) == "follower", 10, what="the resumed one following")
        for i in range(60, 70):  # through the resumed one: published by the other
            assert post(lead, f"p{i:03d}", AREAS[i % 5], f"P{i:03d}") == 202
        wait_until(lambda: {f"p{i:03d}" for i in range(70)} <= wire.ids(), 10,
                   what="the calls through the resumed one")
        assert not wire.backwards(mark), wire.backwards(mark)[:5]
        assert not wire.backwards(), wire.backwards()[:5]


@test
def partitioned_leader_publishes_nothing_stale():
    """The publisher loses the database (its role may no longer log in) but
    keeps the broker; the other takes over and publishes newer boards. Then
    the cut-off one's MQTT session is taken over, so it reconnects and would
    republish every board it has, all older than the wire's: fencing by its
    own clock keeps it quiet."""
    with cluster() as (pg, wire, bridges):
        lead, other = lead_and_other(bridges)
        name = "a" if lead is bridges[0] else "b"
        for i in range(10):
            assert post(bridges[i % 2], f"q{i:03d}", AREAS[i % 5], f"Q{i:03d}") == 202
        wait_until(lambda: {f"q{i:03d}" for i in range(10)} <= wire.ids(), 10,
                   what="the first calls on the wire")
        pg.psql(f"ALTER ROLE bridge_{name} NOLOGIN")
        pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE usename = 'bridge_{name}'")
        for i in range(10, 30):
            assert post(other, f"q{i:03d}", AREAS[i % 5], f"Q{i:03d}") == 202
        wait_until(lambda: role(other) == "leader", 15, what="the other taking over")
        wait_until(lambda: {f"q{i:03d}" for i in range(30)} <= wire.ids(), 15,
                   what="the newer boards on the wire")
        assert role(lead) == "follower"  # by its own clock, without the database
        mark, line = len(wire.boards()), lead.proc.mark()
        kick = Client(wire.port, client_id=f"bridge-{name}")  # takes its session over
        kick.close()
        lead.proc.wait_line("connected: publishing", 15, since=line)
        cbtest.never(lambda: wire.backwards(mark), 1.0, what="a stale board on the wire")
        pg.psql(f"ALTER ROLE bridge_{name} LOGIN")
        for i in range(30, 35):  # back: it takes calls again, the other publishes them
            wait_until(lambda i=i: post(lead, f"q{i:03d}", AREAS[i % 5], f"Q{i:03d}") == 202,
                       10, what="calls through the one that was cut off")
        wait_until(lambda: {f"q{i:03d}" for i in range(35)} <= wire.ids(), 10,
                   what="its calls on the wire")
        assert not wire.backwards(), wire.backwards()[:5]


@test
def database_restarted_under_load():
    with cluster() as (pg, wire, bridges):
        pids = [b.proc.p.pid for b in bridges]
        leader_of(*bridges)
        load = Load(bridges, 10**6, prefix="r", threads=2)
        try:
            under_load(pg, wire, bridges, load, pids)
        finally:
            load.stop_flag = True
            load.join()


def under_load(pg, wire, bridges, load, pids):
    """The database stopped and started while calls come: 503s, then 202s
    again from the same bridge processes."""
    wait_until(lambda: len(load.accepted) >= 100, 30, what="calls before the restart")
    pg.stop("fast")
    t_down = time.monotonic()
    for b in bridges:
        wait_until(lambda b=b: post(b, f"down-{b.port}", "main", "A009") == 503, 10,
                   what="503 while the database is down")
        wait_until(lambda b=b: health(b)[0] == 503, 5, what="/healthz 503 while down")
    pg.start()
    t_up = time.monotonic()
    for b in bridges:
        wait_until(lambda b=b: post(b, f"up-{b.port}", "main", "A010") == 202, 20,
                   what="202 again once the database is back")
    print(f"database down {t_up - t_down:.1f} s; calls accepted again "
          f"{time.monotonic() - t_up:.2f} s after it came back", flush=True)
    lead = leader_of(*bridges)
    mark = len(load.accepted)
    wait_until(lambda: len(load.accepted) > mark + 50, 30, what="calls after the restart")
    load.stop()
    assert [b.proc.p.pid for b in bridges] == pids and all(b.proc.alive() for b in bridges)
    wait_until(lambda: health(lead)[0] == 200, 10, what="healthy again")
    wait_until(lambda: {f"up-{b.port}" for b in bridges} <= wire.ids(), 15,
               what="calls after the restart on the wire")
    assert not wire.backwards(), wire.backwards()[:5]


if __name__ == "__main__":
    cbtest.run()

#!/usr/bin/python3
"""The display daemon's MQTT link against a real mosquitto: acks, seq order,
areas, presence (status online, Last Will), broker restart, commands and a
stream of malformed payloads. The daemon runs as
`callboard-display --config X --headless`."""
import json
import os
import signal
import sys
import time

from cbtest import (Client, Mosquitto, Proc, TempDir, binary, iso_now, run, test,
                    wait_until)

ROOT = "callboard/v1/aarhus/dokk1"
DEV = "tv-1"
KEEPALIVE = 5
T_STATUS = f"{ROOT}/display/{DEV}/status"
T_ACK = f"{ROOT}/display/{DEV}/ack"
T_HEALTH = f"{ROOT}/display/{DEV}/health"
T_CMD = f"{ROOT}/display/{DEV}/cmd"
T_RESULT = f"{ROOT}/display/{DEV}/cmd/result"
T_SHOT = f"{ROOT}/display/{DEV}/screenshot"


def config(port, areas="main", extra=""):
    return (f"[device]\nid = {DEV}\ntenant = aarhus\nsite = dokk1\nareas = {areas}\n"
            f"[mqtt]\nhost = 127.0.0.1\nport = {port}\nkeepalive = {KEEPALIVE}\n"
            f"[health]\ninterval = 5\n"
            f"[screen]\nwidth = 800\nheight = 480\n{extra}")


def board(seq, *ids, ts=None):
    calls = [{"id": i, "ticket": f"A{n:03d}", "desk": str(n % 9 + 1), "kind": "call",
              "ts": ts or iso_now()} for n, i in enumerate(ids)]
    return {"v": 1, "seq": seq, "ts": ts or iso_now(), "calls": calls}


class Rig:
    """A broker, an observer client and (started on demand) the daemon."""

    def __init__(self, areas="main", extra=""):
        self.tmp = TempDir("cblink-")
        self.broker = Mosquitto(self.tmp)
        self.cfg = self.tmp.file("display.ini", config(self.broker.port, areas, extra))
        self.obs = None
        self.observe()
        self.daemon = None

    def observe(self):
        self.obs = Client(self.broker.port)
        self.obs.subscribe(f"{ROOT}/display/{DEV}/#")

    def start(self, env_extra=None, args=()):
        env = {"SDL_AUDIODRIVER": "dummy", "XDG_RUNTIME_DIR": self.tmp.path}
        env.update(env_extra or {})
        self.daemon = Proc([binary("callboard-display"), "--config", self.cfg, "--headless",
                            *args], env=env)
        return self.daemon

    def publish_board(self, area, b, retain=True):
        self.obs.publish(f"{ROOT}/board/{area}", b, qos=1, retain=retain)

    def acks(self):
        return self.obs.json(T_ACK)

    def wait_ack(self, seq, area=None, timeout=10):
        return self.obs.wait_json(
            T_ACK, lambda a: a["seq"] == seq and (area is None or a.get("area") == area),
            timeout)

    def status(self):
        return [json.loads(p) for t, p, r in self.obs.received(T_STATUS) if p]

    def command(self, payload, timeout=10):
        """Send a command; return the result with the same id (or the next
        "unknown" one when the payload has no usable id)."""
        n = len(self.obs.received(T_RESULT))
        self.obs.publish(T_CMD, payload, qos=1)
        return wait_until(lambda: len(self.obs.received(T_RESULT)) > n and
                          json.loads(self.obs.received(T_RESULT)[n][1]), timeout,
                          what="a command result")

    def close(self):
        if self.daemon:
            self.daemon.stop()
        if self.obs:
            self.obs.close()
        self.broker.stop()
        self.tmp.cleanup()


def alive(rig):
    assert rig.daemon.alive(), "daemon exited:\n" + rig.daemon.output()[-3000:]


@test
def retained_board_is_acked_and_status_online():
    rig = Rig()
    try:
        rig.publish_board("main", board(5, "c-1", "c-2"))
        rig.start()
        ack = rig.wait_ack(5)
        assert ack["v"] == 1 and ack["area"] == "main", ack
        assert ack["ids"] == ["c-1", "c-2"], ack
        assert "shown_ts" in ack
        st = rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online")
        assert st["device"] == DEV and st["areas"] == ["main"], st
        assert st.get("version") and st.get("started") and st.get("config_hash"), st
        # status is retained: a late subscriber sees it
        late = Client(rig.broker.port)
        late.subscribe(T_STATUS)
        wait_until(lambda: any(r for t, p, r in late.received(T_STATUS)), 5,
                   what="retained status")
        late.close()
        # health arrives with the protocol's fields
        # one at connect (maybe before the board), then every interval
        h = rig.obs.wait_json(T_HEALTH, lambda m: m["boards"][0]["seq"] == 5, timeout=15)
        assert h["device"] == DEV and h["boards"][0]["area"] == "main", h
        for k in ("uptime_s", "width", "height", "frames", "reconnects", "audio", "screen"):
            assert k in h, (k, h)
        v = Proc([binary("callboard"), "validate", "health",
                  rig.tmp.file("h.json", json.dumps(h))])
        wait_until(lambda: not v.alive(), 10, what="validate")
        assert v.p.returncode == 0, v.output()
    finally:
        rig.close()


@test
def newer_older_equal_seq():
    rig = Rig()
    try:
        rig.start()
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online")
        rig.publish_board("main", board(10, "a"))
        rig.wait_ack(10)
        rig.publish_board("main", board(9, "old"))   # older: ignored
        rig.publish_board("main", board(10, "same"))  # equal: ignored
        rig.publish_board("main", board(11, "b", "a"))
        ack = rig.wait_ack(11)
        assert ack["ids"] == ["b", "a"], ack
        seqs = [a["seq"] for a in rig.acks()]
        assert 9 not in seqs and seqs.count(10) == 1, seqs
        assert seqs == sorted(seqs), seqs
        alive(rig)
    finally:
        rig.close()


@test
def several_areas():
    rig = Rig(areas="main, pas")
    try:
        rig.publish_board("main", board(3, "m-1"))
        rig.publish_board("pas", board(7, "p-1", "p-2"))
        rig.publish_board("other", board(99, "x"))  # not ours
        rig.start()
        a1 = rig.wait_ack(3, "main")
        a2 = rig.wait_ack(7, "pas")
        assert a1["ids"] == ["m-1"], a1
        assert sorted(a2["ids"]) == ["p-1", "p-2"], a2
        rig.publish_board("pas", board(8, "p-3", "p-1", "p-2"))
        assert rig.wait_ack(8, "pas")["ids"][0] == "p-3"
        assert not [a for a in rig.acks() if a["seq"] == 99]
    finally:
        rig.close()


@test
def far_ahead_seq_does_not_lock_the_area():
    """A retained board with seq 2^53-1 (no bridge's clock gives that) is
    refused with a reason in the log; the next real board is shown and
    acked. A seq just inside the bound gives way to the next board from the
    bridge whose clock shows it was never clock-based."""
    rig = Rig()
    try:
        rig.publish_board("main", board(9007199254740991, "evil"))
        rig.start()
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online")
        rig.daemon.wait_line("ahead of its ts")
        now_ms = int(time.time() * 1000)
        rig.publish_board("main", board(now_ms, "real-1"))
        assert rig.wait_ack(now_ms)["ids"] == ["real-1"]
        sly = now_ms + 86400000 - 5000
        rig.publish_board("main", board(sly, "sly", ts=iso_now(-5)))
        rig.wait_ack(sly)
        rig.publish_board("main", board(now_ms + 1, "real-2"))
        assert rig.wait_ack(now_ms + 1)["ids"] == ["real-2"]
        assert not [a for a in rig.acks() if a["seq"] == 9007199254740991]
        alive(rig)
    finally:
        rig.close()


@test
def kept_board_shown_after_restart_without_broker():
    """A stale board beats a blank screen: the board and notice a display
    showed are kept in its state directory and shown, marked unconfirmed,
    when it restarts with no broker; the broker's board replaces them. A
    kept board older than [screen] stale_board_max_age is not shown."""
    rig = Rig(extra="stale_board_max_age = 3600\n")
    state = os.path.join(rig.tmp.path, "state")
    snaps = os.path.join(rig.tmp.path, "snaps")
    os.makedirs(state)
    os.makedirs(snaps)
    with open(rig.cfg) as f:
        text = f.read().replace("[device]\n", f"[device]\nstate_dir = {state}\n")
    rig.tmp.file("display.ini", text)
    kept = os.path.join(state, "board-main.json")
    png = os.path.join(snaps, "screen.png")
    try:
        rig.start()
        rig.publish_board("main", board(30, "k-1", "k-2"))
        rig.obs.publish(f"{ROOT}/notice", {"v": 1, "text": "Husk billede", "ts": iso_now()},
                        qos=1, retain=True)
        rig.wait_ack(30)
        # the board is kept after its frame and ack, the notice on its own
        wait_until(lambda: os.path.exists(os.path.join(state, "notice.json")) and
                   os.path.exists(kept), 10, what="the kept notice and board")
        with open(kept) as f:
            assert json.load(f)["seq"] == 30
        rig.daemon.stop()
        rig.broker.stop()

        rig.start(args=("--snapshot-dir", snaps))
        rig.daemon.wait_line("kept board main seq 30, ")
        rig.daemon.wait_line("shown until the broker confirms it")
        rig.daemon.wait_line("kept notice shown")
        wait_until(lambda: os.path.exists(png), 10, what="the first frame")
        with open(png, "rb") as f:
            assert f.read(4) == b"\x89PNG"
        out = rig.daemon.output()
        assert out.index("kept board main") < out.index("first frame"), out
        assert "announc" not in out.lower(), out

        # the broker is back with a newer board: it replaces the kept one
        rig.broker.start()
        rig.observe()
        rig.publish_board("main", board(31, "k-3", "k-1", "k-2"))
        assert rig.wait_ack(31, timeout=30)["ids"][0] == "k-3"
        wait_until(lambda: json.load(open(kept))["seq"] == 31, 10, what="seq 31 kept")
        rig.daemon.stop()

        # older than stale_board_max_age: not shown
        old = board(31, "k-3", ts=iso_now(-7200))
        rig.tmp.file("state/board-main.json", json.dumps(old))
        rig.broker.stop()
        os.unlink(png)
        rig.start(args=("--snapshot-dir", snaps))
        rig.daemon.wait_line("kept board main seq 31, 720")
        rig.daemon.wait_line("older than [screen] stale_board_max_age: not shown")
        wait_until(lambda: os.path.exists(png), 10, what="the first frame")
    finally:
        rig.close()


@test
def restart_shows_retained_board_first():
    rig = Rig()
    try:
        rig.start()
        rig.publish_board("main", board(20, "r-1"))
        rig.wait_ack(20)
        rig.daemon.stop()  # clean stop publishes offline
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "offline")
        rig.publish_board("main", board(21, "r-2", "r-1"))
        rig.obs.clear()
        rig.start()
        ack = rig.obs.wait_json(T_ACK)
        assert ack["seq"] == 21, rig.acks()
        assert ack["ids"] == ["r-2", "r-1"], ack
    finally:
        rig.close()


@test
def last_will_after_kill9():
    rig = Rig()
    try:
        rig.start()
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online")
        rig.obs.clear()
        rig.daemon.kill9()
        # The broker sends the will after 1.5 x keepalive without traffic
        # (plus its own check granularity).
        st = rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "offline",
                               timeout=1.5 * KEEPALIVE + 2)
        assert st["device"] == DEV, st
    finally:
        rig.close()


@test
def last_will_when_frozen_then_back():
    """A frozen daemon (SIGSTOP: socket open, no pings) is declared offline
    by the broker after 1.5 x keepalive; once it runs again it reconnects
    and says online."""
    rig = Rig()
    try:
        rig.start()
        rig.publish_board("main", board(70, "f-1"))
        rig.wait_ack(70)
        rig.obs.clear()
        rig.daemon.signal(signal.SIGSTOP)
        try:
            # 1.5 x keepalive, plus mosquitto's coarse keepalive check (it
            # looks every few seconds), so a bound that cannot flake.
            st = rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "offline",
                                   timeout=3 * KEEPALIVE)
            assert st["device"] == DEV, st
        finally:
            rig.daemon.signal(signal.SIGCONT)
        again = rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online", timeout=40)
        # The Will is minimal and names its connection; the next connection
        # says online with the next count in the same session.
        assert set(st) == {"v", "state", "device", "session", "conn"}, st
        assert again["session"] == st["session"] and again["conn"] == st["conn"] + 1, \
            (st, again)
        rig.publish_board("main", board(71, "f-2", "f-1"))
        rig.wait_ack(71)
    finally:
        rig.close()


@test
def reconnect_after_broker_restart():
    rig = Rig()
    try:
        rig.start()
        rig.publish_board("main", board(30, "k-1"))
        rig.wait_ack(30)
        rig.obs.close()
        rig.obs = None
        mark = rig.daemon.mark()
        rig.broker.stop()
        # it notices, then keeps trying with a growing backoff
        rig.daemon.wait_line("lost", 3 * KEEPALIVE, since=mark)
        rig.daemon.wait_line("unreachable", 15, since=mark, count=3)
        alive(rig)
        rig.broker.start()  # same port, no persistence: nothing retained
        rig.observe()
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online", timeout=40)
        rig.publish_board("main", board(31, "k-2", "k-1"))
        ack = rig.wait_ack(31)
        assert ack["ids"] == ["k-2", "k-1"], ack
        h = rig.obs.wait_json(T_HEALTH, lambda m: m["reconnects"] >= 1, timeout=15)
        assert h["screen"] == "on", h
        rig.obs.wait_json(T_HEALTH, lambda m: m["boards"][0]["seq"] == 31, timeout=15)
    finally:
        rig.close()


@test
def commands():
    rig = Rig()
    try:
        rig.start()
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online")
        rig.publish_board("main", board(40, "q-1"))
        rig.wait_ack(40)
        old_hash = rig.status()[-1]["config_hash"]

        r = rig.command({"v": 1, "id": "id-1", "cmd": "identify"})
        assert r["id"] == "id-1" and r["ok"] is True, r

        n_shots = len(rig.obs.received(T_SHOT))
        r = rig.command({"v": 1, "id": "shot-1", "cmd": "screenshot"})
        assert r["id"] == "shot-1" and r["ok"] is True, r
        shots = rig.obs.received(T_SHOT)
        assert len(shots) == n_shots + 1, "the PNG comes before the result"
        png = shots[-1][1]
        assert png[:8] == b"\x89PNG\r\n\x1a\n", png[:16]
        width = int.from_bytes(png[16:20], "big")
        assert 0 < width <= 1280, width

        r = rig.command({"v": 1, "id": "vol-1", "cmd": "volume", "level": 30})
        assert r["id"] == "vol-1" and r["ok"] is True, r
        r = rig.command({"v": 1, "id": "vol-2", "cmd": "volume", "level": 101})
        assert r["id"] == "vol-2" and r["ok"] is False and "level" in r["error"], r
        r = rig.command({"v": 1, "id": "at-1", "cmd": "announce-test"})
        assert r["id"] == "at-1" and isinstance(r["ok"], bool), r
        assert r["ok"] or r["error"], r
        r = rig.command({"v": 1, "id": "u-1", "cmd": "format-disk"})
        assert r["id"] == "u-1" and r["ok"] is False and "cmd" in r["error"], r
        r = rig.command({"v": 1, "cmd": "identify"})
        assert r["id"] == "unknown" and r["ok"] is False and "id" in r["error"], r
        r = rig.command(b"{not json")
        assert r["id"] == "unknown" and r["ok"] is False, r
        r = rig.command({"v": 7, "id": "v-7", "cmd": "identify"})
        assert r["id"] == "v-7" and r["ok"] is False, r

        # reload with a broken file: error names the problem, old config kept
        good = open(rig.cfg).read()
        with open(rig.cfg, "w") as f:
            f.write(good.replace("[screen]\n", "[screen]\nrotate = 45\nbogus = 1\n"))
        r = rig.command({"v": 1, "id": "rl-1", "cmd": "reload"})
        assert r["id"] == "rl-1" and r["ok"] is False, r
        assert "rotate" in r["error"], r
        rig.publish_board("main", board(41, "q-2", "q-1"))
        rig.wait_ack(41)  # still running on the old config

        # reload with a good one: ok
        with open(rig.cfg, "w") as f:
            f.write(good.replace("[screen]\n", "[screen]\nhistory = 3\n"))
        r = rig.command({"v": 1, "id": "rl-2", "cmd": "reload"})
        assert r["id"] == "rl-2" and r["ok"] is True, r
        st = rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online" and
                               s.get("config_hash") != old_hash, timeout=15)
        rig.publish_board("main", board(42, "q-3", "q-2", "q-1"))
        rig.wait_ack(42)
        alive(rig)
    finally:
        rig.close()


@test
def stale_command_refused_without_audio():
    """The age of a command is judged by the bridge's clock, learned from live
    boards, also when announcements are off: here the bridge runs 10 minutes
    ahead, so a command sent 2 minutes ago by its clock is still in the
    future by ours, and must be refused."""
    ahead = 600
    rig = Rig(extra="[audio]\nenabled = false\n")
    try:
        rig.start()
        rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online")
        rig.obs.wait_json(T_HEALTH, lambda h: True)  # subscribed: the next board is live
        rig.publish_board("main", board(50, "k-1", ts=iso_now(ahead)), retain=False)
        rig.wait_ack(50)
        r = rig.command({"v": 1, "id": "old-1", "cmd": "identify", "ts": iso_now(ahead - 120)})
        assert r["id"] == "old-1" and r["ok"] is False and "ts" in r["error"], r
        r = rig.command({"v": 1, "id": "new-1", "cmd": "identify", "ts": iso_now(ahead - 5)})
        assert r["id"] == "new-1" and r["ok"] is True, r
        h = rig.obs.wait_json(T_HEALTH, lambda m: "clock_offset_ms" in m, timeout=15)
        assert h["audio"] == "muted" and abs(h["clock_offset_ms"] + ahead * 1000) < 30000, h
        alive(rig)
    finally:
        rig.close()


@test
def reload_with_new_areas_reconnects():
    rig = Rig()
    try:
        rig.publish_board("main", board(80, "m-1"))
        rig.publish_board("pas", board(90, "p-1"))
        rig.start()
        rig.wait_ack(80, "main")
        with open(rig.cfg, "w") as f:
            f.write(config(rig.broker.port, areas="main, pas"))
        r = rig.command({"v": 1, "id": "rl-3", "cmd": "reload"})
        assert r["ok"] is True and "reconnecting" in r.get("info", ""), r
        st = rig.obs.wait_json(T_STATUS, lambda s: s["state"] == "online" and
                               s.get("areas") == ["main", "pas"], timeout=15)
        # fresh state for the new areas: both retained boards shown again
        rig.wait_ack(90, "pas")
        assert [a for a in rig.acks() if a["seq"] == 80 and a["area"] == "main"]
        rig.publish_board("pas", board(91, "p-2", "p-1"))
        assert rig.wait_ack(91, "pas")["ids"] == ["p-2", "p-1"]
        alive(rig)
    finally:
        rig.close()


@test
def malformed_payload_stream():
    rig = Rig()
    try:
        rig.start()
        rig.publish_board("main", board(50, "g-1"))
        rig.wait_ack(50)
        good_call = board(1, "x")["calls"][0]
        bad = [
            json.dumps({"v": 2, "seq": 60, "ts": iso_now(), "calls": []}).encode(),
            b"{", b"", b"null", b"[]", b"42", b'"text"',
            json.dumps({"seq": 60, "ts": iso_now(), "calls": []}).encode(),
            json.dumps({"v": 1, "seq": "60", "ts": iso_now(), "calls": []}).encode(),
            json.dumps({"v": 1, "seq": 60, "ts": 5, "calls": []}).encode(),
            json.dumps({"v": 1, "seq": 60, "ts": iso_now(), "calls": {}}).encode(),
            json.dumps({"v": 1, "seq": 2**60, "ts": iso_now(), "calls": []}).encode(),
            json.dumps({"v": 1, "seq": 60, "ts": iso_now(),
                        "calls": [dict(good_call, ticket="A\u0007")]}).encode(),
            json.dumps({"v": 1, "seq": 60, "ts": iso_now(),
                        "calls": [dict(good_call, kind="shout")]}).encode(),
            json.dumps({"v": 1, "seq": 60, "ts": iso_now(), "calls": [good_call] * 51}).encode(),
            b'{"v":1,"seq":60,"ts":"' + iso_now().encode() + b'","calls":[],"x":"\xff\xfe"}',
            b'{"v":1,"v":1,"seq":60,"ts":"' + iso_now().encode() + b'","calls":[]}',
            b'{"v":1,"seq":60,"ts":"' + iso_now().encode() + b'","calls":[],"pad":"'
            + b"a" * 200000 + b'"}',
            b"[" * 5000,
            b"\x00\x01\x02garbage",
        ]
        for _ in range(3):
            for p in bad:
                rig.publish_board("main", p, retain=False)
        rig.obs.publish(f"{ROOT}/notice", b'{"v":1,"text":5}', qos=1)
        # The daemon takes messages in order: once this good board is acked,
        # every bad payload before it has been handled.
        rig.publish_board("main", board(51, "g-2", "g-1"))
        ack = rig.wait_ack(51)
        alive(rig)
        assert not [a for a in rig.acks() if a["seq"] == 60], rig.acks()
        out = rig.daemon.output()
        # one line naming topic, field and reason
        assert f"dropped payload on {ROOT}/board/main: v: " in out, out[-2000:]
        # rate-limited: far fewer log lines than bad payloads
        drops = [l for l in out.splitlines() if "dropped payload" in l]
        assert 0 < len(drops) < len(bad) * 3, len(drops)
        # the board after the bad ones is shown in full
        assert ack["ids"] == ["g-2", "g-1"], ack
        alive(rig)
    finally:
        rig.close()


@test
def queue_figures_reach_the_screen():
    """Retained queue figures are taken with the board and drawn; an empty
    list hides the panel again; a bad payload is dropped with its field."""
    rig = Rig()
    try:
        q = {"v": 1, "ts": iso_now(),
             "services": [{"name": "Pas og kørekort", "waiting": 12, "wait_min": 15}]}
        rig.obs.publish(f"{ROOT}/queue/main", json.dumps(q).encode(), qos=1, retain=True)
        rig.publish_board("main", board(70, "q-1"))
        rig.start()
        rig.wait_ack(70)

        def shot(cid):
            n = len(rig.obs.received(T_SHOT))
            r = rig.command({"v": 1, "id": cid, "cmd": "screenshot"})
            assert r["ok"] is True, r
            return rig.obs.received(T_SHOT)[n][1]

        with_panel = shot("s-1")
        rig.obs.publish(f"{ROOT}/queue/main", json.dumps(dict(q, services=[])).encode(),
                        qos=1, retain=True)
        wait_until(lambda: shot("s-2") != with_panel, 10, what="the panel to go")
        rig.obs.publish(f"{ROOT}/queue/main", b'{"v":1,"ts":"x","services":[]}', qos=1)
        wait_until(lambda: f"dropped payload on {ROOT}/queue/main: ts: " in rig.daemon.output(),
                   10, what="the drop line")
        alive(rig)
    finally:
        rig.close()


@test
def systemd_ready_and_watchdog_pings():
    """With systemd's notify socket and a watchdog, READY=1 comes after the
    first frame and WATCHDOG=1 keeps coming from the main loop."""
    import socket
    rig = Rig()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = rig.tmp.file("notify.sock")
    sock.bind(path)
    sock.settimeout(0.2)
    try:
        rig.start({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"})
        got = []

        def read():
            try:
                got.append(sock.recv(4096).decode())
            except socket.timeout:
                pass
            return sum("WATCHDOG=1" in m for m in got) >= 3 and got

        wait_until(read, 15, what="READY=1 and three WATCHDOG=1")
        assert any("READY=1" in m for m in got), got
        rig.daemon.stop()
        wait_until(lambda: read() or any("STOPPING=1" in m for m in got), 10,
                   what="STOPPING=1")
    finally:
        sock.close()
        rig.close()


if __name__ == "__main__":
    run()

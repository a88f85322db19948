#!/usr/bin/python3
"""A broker host name whose name server never answers blocks no loop: a
real display (headless, with a board kept by an earlier run) and a real
bridge are pointed at broker.callboard.test while the only name server in
their resolv.conf (a private one, mounted over /etc/resolv.conf in a mount
namespace of their own) reads queries and never replies. The display draws
the kept board at once and its watchdog pings keep their pace; the bridge
answers /healthz every time. Needs root (port 53, the mount)."""
import http.client
import json
import os
import socket
import time

from cbdns import SilentNameServer, over
from cbtest import Proc, TempDir, binary, free_port, iso_now, run, test, wait_until

HOST = "broker.callboard.test"
GAVE_UP = f"resolving broker host {HOST}: no answer within"
PING_MS = 200         # WATCHDOG_USEC / 2: the display's ping interval
FIRST_FRAME_S = 10.0  # liveness bound; the goal is well under 1 s
# The longest gap allowed between pings, or wait for /healthz. A loop that
# waited on the lookup would stall for the resolver's whole wait (glibc's
# default: 5 s a try, 2 tries); this bound is the mark of that stall, not a
# speed goal, so a busy machine does not trip it.
STALL_S = 5.0


def kept_board(state_dir):
    """A board the display kept in an earlier run (its state file)."""
    calls = [{"id": f"k{n}", "ticket": t, "desk": str(n + 1), "kind": "call", "ts": iso_now()}
             for n, t in enumerate(("K042", "K041"))]
    with open(os.path.join(state_dir, "board-main.json"), "w") as f:
        json.dump({"v": 1, "seq": 7, "ts": iso_now(), "calls": calls}, f)


def display_config(tmp, state_dir):
    return tmp.file("display.ini", f"""[device]
id = tv-1
tenant = aarhus
site = dokk1
areas = main
state_dir = {state_dir}

[mqtt]
host = {HOST}
port = 1883
keepalive = 5

[screen]
width = 800
height = 480
""")


def bridge_config(tmp, port):
    return tmp.file("bridge.ini", f"""[http]
listen = 127.0.0.1:{port}

[mqtt]
host = {HOST}
port = 1883
keepalive = 5

[storage]
path = {tmp.path}/bridge.db

[tenant:aarhus]
token = token-aarhus-0123456789
sites = dokk1
""")


def healthz(port):
    """GET /healthz with a short bound: its status and how long it took."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=STALL_S)
    try:
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        return r.status, time.monotonic() - t0
    finally:
        c.close()


class Notify:
    """A fake systemd notify socket: the arrival time of every WATCHDOG=1."""

    def __init__(self, path):
        self.path = path
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.s.bind(path)
        self.s.setblocking(False)
        self.pings = []

    def drain(self):
        while True:
            try:
                msg = self.s.recv(4096).decode()
            except BlockingIOError:
                return
            if "WATCHDOG=1" in msg:
                self.pings.append(time.monotonic())

    def close(self):
        self.s.close()


@test
def name_server_outage_blocks_no_loop():
    if os.geteuid() != 0:
        print("skipped: binding port 53 and mounting over /etc/resolv.conf need root")
        return
    tmp = TempDir("cbdns-")
    ns = SilentNameServer()
    resolv = tmp.file("resolv.conf", ns.resolv_conf())
    state, snaps = tmp.file("state"), tmp.file("snap")
    os.mkdir(state)
    os.mkdir(snaps)
    kept_board(state)
    notify = Notify(tmp.file("notify.sock"))
    port = free_port()
    bridge = display = None
    try:
        t0 = time.monotonic()
        display = Proc(over(resolv, "/etc/resolv.conf",
                            [binary("callboard-display"), "--config", display_config(tmp, state),
                             "--headless", "--snapshot-dir", snaps]),
                       env={"SDL_AUDIODRIVER": "dummy", "XDG_RUNTIME_DIR": tmp.path,
                            "NOTIFY_SOCKET": notify.path,
                            "WATCHDOG_USEC": str(PING_MS * 2000)})
        bridge = Proc(over(resolv, "/etc/resolv.conf",
                           [binary("callboard-bridge"), "--config", bridge_config(tmp, port)]))
        png = os.path.join(snaps, "screen.png")
        wait_until(lambda: os.path.exists(png), FIRST_FRAME_S, step=0.005,
                   what="the display's first frame")
        first = time.monotonic() - t0
        print(f"first frame (the kept board) on disk {first * 1000:.0f} ms after start")
        display.wait_line("kept board main seq 7", 5)
        with open(png, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n", "screen.png is not a PNG"
        if os.environ.get("CALLBOARD_KEEP_SNAPSHOT"):
            os.replace(png, os.environ["CALLBOARD_KEEP_SNAPSHOT"])

        # Until both have given up on one lookup (the resolver's whole wait),
        # the bridge answers every probe and the display's pings keep coming.
        answers = []

        def both_gave_up():
            notify.drain()
            try:
                answers.append(healthz(port))
            except OSError as e:
                assert not answers, f"/healthz stopped answering: {e}"
                assert bridge.alive(), bridge.output()
            assert display.alive(), display.output()
            return display.find(GAVE_UP) and bridge.find(GAVE_UP)
        wait_until(both_gave_up, 30, step=0.05, what="both to give up on the name")
        notify.drain()
        assert ns.queries > 0, "the name server was not asked"

        slowest = max(t for _, t in answers)
        print(f"/healthz answered {len(answers)} times, slowest {slowest * 1000:.0f} ms")
        assert all(st in (200, 503) for st, _ in answers), answers
        assert len(answers) > 20 and slowest < STALL_S, answers

        pings = notify.pings
        gaps = [b - a for a, b in zip(pings, pings[1:])]
        span = pings[-1] - pings[0] if pings else 0
        print(f"{len(pings)} watchdog pings over {span:.1f} s, longest gap "
              f"{max(gaps, default=0) * 1000:.0f} ms (every {PING_MS} ms expected)")
        assert len(pings) >= 10 and max(gaps) < STALL_S, gaps
    finally:
        for p in (display, bridge):
            if p:
                p.stop()
        notify.close()
        ns.close()
        tmp.cleanup()


if __name__ == "__main__":
    run()

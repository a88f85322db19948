"""The headless display daemon: starts, shows the --board it is given,
takes newer boards and ignores older ones (SIGUSR1 re-reads the file),
survives a lost output and brings the picture back, stops on SIGTERM.
The output hotplug is simulated with a fake DRM sysfs folder
(CALLBOARD_DRM_SYSFS) whose connector status the test flips."""
import json
import os
import signal

import cbtest
from cbtest import test

DISPLAY = cbtest.binary("callboard-display")
CONFIG = ("[device]\nid = test-1\ntenant = aarhus\nsite = dokk1\nareas = main, pas\n"
          "name = Borgerservice Test\n")


def board(seq, ticket):
    return json.dumps({"v": 1, "seq": seq, "ts": cbtest.iso_now(), "calls": [
        {"id": f"id-{ticket}", "ticket": ticket, "desk": "3", "kind": "call",
         "ts": cbtest.iso_now()}]})


def start(tmp, status="connected", extra=()):
    cfg = tmp.file("d.ini", CONFIG)
    sysfs = os.path.join(tmp.path, "drm")
    os.makedirs(os.path.join(sysfs, "card0-HDMI-A-1"), exist_ok=True)
    set_status(tmp, status)
    snaps = os.path.join(tmp.path, "snaps")
    os.makedirs(snaps, exist_ok=True)
    p = cbtest.Proc([DISPLAY, "--config", cfg, "--headless", "--snapshot-dir", snaps, *extra],
                    env={"CALLBOARD_DRM_SYSFS": sysfs, "TZ": "Europe/Copenhagen"})
    return p, os.path.join(snaps, "screen.png")


def set_status(tmp, status):
    with open(os.path.join(tmp.path, "drm", "card0-HDMI-A-1", "status"), "w") as f:
        f.write(status + "\n")


@test
def boards_newer_and_older():
    tmp = cbtest.TempDir()
    bf = tmp.file("b.json", board(5, "A005"))
    pf = tmp.file("p.json", board(2, "P002"))
    p, png = start(tmp, extra=("--board", bf, "--board", "pas=" + pf))
    p.wait_line("board main seq 5 from")
    p.wait_line("board pas seq 2 from")
    cbtest.wait_until(lambda: os.path.exists(png), 10, what="screen.png")
    first = os.stat(png).st_mtime_ns
    tmp.file("b.json", board(6, "A006"))
    p.signal(signal.SIGUSR1)
    p.wait_line("board main seq 6 from " + bf + ": shown")
    cbtest.wait_until(lambda: os.stat(png).st_mtime_ns != first, 10, what="new screen.png")
    tmp.file("b.json", board(4, "A004"))
    p.signal(signal.SIGUSR1)
    p.wait_line("board main seq 4 from " + bf + ": not newer")
    tmp.file("b.json", board(9007199254740991, "A999"))  # no bridge's clock gives that
    p.signal(signal.SIGUSR1)
    p.wait_line("board main seq 9007199254740991 from " + bf + ": seq more than a day ahead")
    tmp.file("b.json", '{"v":1,"seq":"x"}')
    p.signal(signal.SIGUSR1)
    p.wait_line(bf + ": seq: ")
    assert p.alive()
    assert p.stop() == 0, p.output()
    with open(png, "rb") as f:
        assert f.read(4) == b"\x89PNG"


def output_back(tmp, p, png):
    """Connect the display again: the daemon says so, draws, and stops cleanly."""
    set_status(tmp, "connected")
    p.wait_line("output back", timeout=15)
    cbtest.wait_until(lambda: os.path.exists(png), 10, what="screen.png after output back")
    assert p.stop() == 0, p.output()


@test
def output_lost_and_back():
    tmp = cbtest.TempDir()
    p, png = start(tmp, extra=("--board", tmp.file("b.json", board(1, "A001"))))
    cbtest.wait_until(lambda: os.path.exists(png), 10, what="screen.png")
    set_status(tmp, "disconnected")
    p.wait_line("output lost", timeout=15)
    os.unlink(png)
    output_back(tmp, p, png)


@test
def start_without_display_waits():
    tmp = cbtest.TempDir()
    p, png = start(tmp, status="disconnected")
    p.wait_line("no connected display at start: waiting", timeout=10)
    assert not os.path.exists(png)
    output_back(tmp, p, png)


@test
def bad_config_exits_1():
    tmp = cbtest.TempDir()
    cfg = tmp.file("bad.ini", "[device]\nid = x\n[screen]\nrotate = 7\n")
    p = cbtest.Proc([DISPLAY, "--config", cfg, "--headless"])
    cbtest.wait_until(lambda: not p.alive(), 10, what="exit")
    assert p.p.returncode == 1
    assert f"{cfg}:4: [screen] rotate: 7: expected one of: 0, 90, 180, 270" in p.output()


cbtest.run()

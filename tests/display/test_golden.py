"""Golden-image tests of `callboard-display --render`: every case in
golden.txt is rendered through the live render path and compared with the
checked-in PNG within a small pixel tolerance (pngdiff). Also: bad board
files and --check-config output."""
import os
import shutil
import subprocess
import sys

import cbtest
from cbtest import test

SRC = os.environ.get("CALLBOARD_SRC", cbtest.SRC)
BUILD = os.environ.get("CALLBOARD_BUILD", os.path.join(SRC, "build"))
DISPLAY = cbtest.binary("callboard-display")
PNGDIFF = os.path.join(BUILD, "tests", "display", "pngdiff")
GOLDEN = os.path.join(SRC, "tests", "display", "golden")
ENV = dict(os.environ, TZ="Europe/Copenhagen", SDL_AUDIODRIVER="dummy")


def cases():
    with open(os.path.join(SRC, "tests", "display", "golden.txt")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                name, args = (s.strip() for s in line.split("|", 1))
                yield name, args.split()


def display(*args):
    return subprocess.run([DISPLAY, *args], cwd=SRC, env=ENV, capture_output=True, text=True,
                          timeout=60)


def golden_case(name, args):
    def fn():
        tmp = cbtest.TempDir()
        out = os.path.join(tmp.path, name + ".png")
        r = display(*args, "--out", out)
        assert r.returncode == 0, r.stdout + r.stderr
        d = subprocess.run([PNGDIFF, os.path.join(GOLDEN, name + ".png"), out],
                           capture_output=True, text=True, timeout=60)
        assert d.returncode == 0, f"{name}: {d.stdout}{d.stderr} (new frame: {out})"
        tmp.cleanup()
    fn.__name__ = "golden_" + name.replace("-", "_")
    return fn


for n, a in cases():
    test(golden_case(n, a))


def zbarimg():
    """zbarimg (Debian zbar-tools), installed by tools/deps.sh when missing."""
    if not shutil.which("zbarimg"):
        subprocess.run([os.path.join(SRC, "tools", "deps.sh"), "test"], timeout=600)
    assert shutil.which("zbarimg"), "zbarimg missing: tools/deps.sh test installs zbar-tools"
    return "zbarimg"


@test
def checkin_code_decodes_to_the_link():
    """The QR code in the rendered PNG reads back as the configured link at
    every size and rotation, and is gone when the site is closed."""
    want = "QR-Code:https://aarhus.dk/borgerservice/tjek-ind?site=dokk1"
    tmp = cbtest.TempDir()
    for size, rotate, now, found in [("800x480", "0", "10:15", True),
                                     ("1920x1080", "0", "10:15", True),
                                     ("1080x1920", "0", "10:15", True),
                                     ("1920x1080", "90", "10:15", True),
                                     ("1920x1080", "0", "18:05", False)]:
        out = os.path.join(tmp.path, f"c-{size}-{rotate}-{now[:2]}.png")
        r = display("--render", "tests/display/data/board.json", "--size", size, "--rotate",
                    rotate, "--now", "2026-11-30T" + now, "--config",
                    "tests/display/data/checkin.ini", "--out", out)
        assert r.returncode == 0, r.stdout + r.stderr
        z = subprocess.run([zbarimg(), "-q", out],
                           capture_output=True, text=True, timeout=60)
        got = z.stdout.strip()
        assert (got == want) if found else (z.returncode != 0 and not got), (size, rotate,
                                                                              now, got)
    tmp.cleanup()


@test
def old_queue_figures_are_hidden():
    """Figures older than [queue] max_age never show: the frame is the one
    without them."""
    tmp = cbtest.TempDir()
    out = os.path.join(tmp.path, "old.png")
    r = display("--render", "tests/display/data/board.json", "--queue",
                "tests/display/data/queue.json", "--size", "1920x1080", "--now",
                "2026-11-30T10:15", "--notice", "tests/display/data/notice.json", "--config",
                "tests/display/data/queue-old.ini", "--out", out)
    assert r.returncode == 0, r.stdout + r.stderr
    d = subprocess.run([PNGDIFF, os.path.join(GOLDEN, "landscape-1920x1080.png"), out],
                       capture_output=True, text=True, timeout=60)
    assert d.returncode == 0, d.stdout + d.stderr
    bad = tmp.file("q.json", '{"v":1,"ts":"2026-11-30T09:14:00Z","services":[{"name":"x"}]}')
    r = display("--render", "tests/display/data/board.json", "--queue", bad, "--out", out)
    assert r.returncode == 1 and r.stdout.startswith(bad + ": services[0].waiting: "), r.stdout
    tmp.cleanup()


@test
def bad_board_names_field():
    tmp = cbtest.TempDir()
    bad = tmp.file("bad.json", '{"v":1,"seq":0,"ts":"2026-11-30T09:15:02.123Z","calls":[]}')
    r = display("--render", bad, "--out", os.path.join(tmp.path, "x.png"))
    assert r.returncode == 1, r
    assert r.stdout.startswith(bad + ": seq: "), r.stdout
    notjson = tmp.file("nj.json", "hello")
    r = display("--render", notjson, "--out", os.path.join(tmp.path, "x.png"))
    assert r.returncode == 1 and r.stdout.startswith(notjson + ": "), r.stdout
    r = display("--render", os.path.join(tmp.path, "missing.json"), "--out", "x.png")
    assert r.returncode == 1 and "missing.json: file: " in r.stdout, r.stdout
    assert not os.path.exists(os.path.join(tmp.path, "x.png"))


@test
def check_config():
    tmp = cbtest.TempDir()
    r = display("--check-config", os.path.join(SRC, "assets", "callboard-display.ini"))
    assert r.returncode == 0, r.stdout
    bad = tmp.file("bad.ini", "[device]\nid = d1\ntenant = aarhus\nsite = dokk1\nareas = main\n"
                   "[screen]\nrotate = 45\nhistorie = 3\n[hours]\nmon = 9-17\n")
    r = display("--check-config", bad)
    assert r.returncode == 1, r.stdout
    lines = r.stdout.splitlines()
    assert lines == [
        f"{bad}:7: [screen] rotate: 45: expected one of: 0, 90, 180, 270",
        f"{bad}:8: [screen] historie: 3: unknown key",
        f"{bad}:10: [hours] mon: 9-17: expected HH:MM-HH:MM or closed",
    ], lines


cbtest.run()

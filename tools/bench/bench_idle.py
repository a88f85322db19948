#!/usr/bin/env python3
"""Idle screen versus a browser kiosk (benchmarks 3 and 4 of the end-to-end
issue): callboard-display idle at 1920x1080 with its clock running, side by
side in the same run with headless Chromium showing an equivalent board page
(tools/bench/kiosk/board.html) that polls board.json every 3 s and updates
its clock every second, the way peer queue systems drive their screens.

Per repeat:
  1. callboard `--render` wall time (one frame to PNG and exit),
  2. callboard start to first frame: exec until the daemon has written its
     first screen.png (--snapshot-dir), and until its ack arrives over MQTT
     when the display has the MQTT link,
  3. Chromium start to first frame: exec until its --screenshot PNG exists,
  4. both started together, left to settle, then CPU and RSS/PSS of each
     whole process tree sampled over the window (tools/bench/procstat.py).
Prints a markdown section (median and min-max over the repeats).

Everything runs on 127.0.0.1 with a private mosquitto and a private HTTP
server; every wait is bounded; every process started here is stopped and
the temporary folder removed at the end.

Usage: python3 tools/bench/bench_idle.py [--seconds 60] [--repeat 3]
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import benchsys  # noqa: E402
import cbtest  # noqa: E402
import procstat  # noqa: E402
from benchsys import med_range  # noqa: E402
from cbtest import free_port, port_open, wait_until  # noqa: E402

TENANT, SITE, AREA, DEVICE = "aarhus", "dokk1", "main", "bench1"
SECTION = "## Idle screen versus a browser kiosk"
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def log(msg):
    benchsys.log("bench_idle", msg)


# --- set-up: packages, build ------------------------------------------------

def ensure_packages(need_build, chromium=True):
    if need_build or not shutil.which("mosquitto", path="/usr/sbin:/usr/bin") \
            or not shutil.which("mosquitto_pub"):
        subprocess.run(["sh", os.path.join(ROOT, "tools", "deps.sh"), "build"], check=True,
                       timeout=1800)
    if chromium and not shutil.which("chromium"):
        if os.geteuid() != 0:
            sys.exit("bench_idle: chromium is missing; run as root or `apt-get install chromium`")
        log("installing chromium")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium",
                        "fonts-dejavu-core"], check=True, env=env, timeout=1800)


def build_display(build_dir):
    benchsys.build(build_dir)
    return os.path.join(build_dir, "display", "callboard-display")


# --- the board both screens show ---------------------------------------------

def make_board():
    """Seven calls, Danish text and a long label; old enough to be past any
    highlight, so both screens are idle but for their clocks."""
    now = time.time() - 600
    calls = [("A042", "3", "Skranke 3", "Pas og kørekort"),
             ("B017", "5", None, "Sundhedskort og flytning"),
             ("A041", "12", "Skranke 12 – Ældre- og Pensionsrådgivning på første sal", None),
             ("C105", "2", "Skranke 2", "Generel vejledning"),
             ("T004", "7", "Bord 7 · Tidsbestilling", None),
             ("A040", "1", "Skranke 1", None),
             ("B016", "4", "Skranke 4", None)]

    def iso(t):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000Z"

    out = []
    for i, (ticket, desk, label, service) in enumerate(calls):
        c = {"id": f"bench-{ticket.lower()}", "ticket": ticket, "desk": desk,
             "kind": "recall" if ticket == "A041" else "call", "ts": iso(now - 60 * i)}
        if label:
            c["desk_label"] = label
        if service:
            c["service"] = service
        out.append(c)
    return {"v": 1, "seq": 42, "ts": iso(now), "calls": out}


# --- one repeat ----------------------------------------------------------------

class Bench:
    def __init__(self, args, display, tmp):
        self.a = args
        self.display = display
        self.tmp = tmp.path
        self.tmpdir = tmp
        self.broker = None
        self.children = []
        self.board_path = os.path.join(tmp.path, "board.json")
        self.mqtt_port = None
        self.http_port = None
        self.url = None
        self.feed_file = False
        self.wrap = []  # prepended to the display's argv (the CPU-limited runs)
        self.topic_base = f"callboard/v1/{TENANT}/{SITE}"

    def spawn(self, argv, name, env=None):
        c = cbtest.Proc(argv, env, log_path=os.path.join(self.tmp, f"{name}.log"))
        self.children.append(c)
        return c

    def start_services(self):
        board = make_board()
        with open(self.board_path, "w") as f:
            json.dump(board, f, ensure_ascii=False)
        self.broker = cbtest.Mosquitto(self.tmpdir)
        self.mqtt_port = self.broker.port
        subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.mqtt_port), "-q", "1",
                        "-r", "-t", f"{self.topic_base}/board/{AREA}", "-f", self.board_path],
                       check=True, timeout=10)
        # The display's config.
        self.config = os.path.join(self.tmp, "display.ini")
        with open(self.config, "w") as f:
            f.write(f"[device]\nid = {DEVICE}\ntenant = {TENANT}\nsite = {SITE}\n"
                    f"areas = {AREA}\nname = Borgerservice\n\n"
                    f"[mqtt]\nhost = 127.0.0.1\nport = {self.mqtt_port}\n\n"
                    "[screen]\nwidth = 1920\nheight = 1080\n")
        # Without the MQTT link a display can only be fed from a file.
        try:
            helptext = subprocess.run([self.display[0], "--help"], capture_output=True,
                                      timeout=10).stdout.decode("utf-8", "replace")
        except (OSError, subprocess.TimeoutExpired):
            helptext = ""
        self.feed_file = self.a.feed == "file" or (self.a.feed == "both" and "--board" in helptext)
        # Private web server for the kiosk page.
        www = os.path.join(self.tmp, "www")
        os.mkdir(www)
        shutil.copy(os.path.join(HERE, "kiosk", "board.html"), www)
        shutil.copy(self.board_path, os.path.join(www, "board.json"))
        self.http_port = free_port()
        self.http = self.spawn([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
                                "--directory", www, str(self.http_port)], "http")
        wait_until(lambda: port_open(self.http_port) or not self.http.alive(), 10,
                   what="http server")
        if not self.http.alive():
            raise RuntimeError("http server exited:\n" + self.http.tail())
        self.url = f"http://127.0.0.1:{self.http_port}/board.html" + ("?lean=1" if self.a.lean else "")

    def display_argv(self, *extra):
        argv = self.wrap + list(self.display) + ["--config", self.config, "--headless"]
        if self.feed_file:
            argv += ["--board", self.board_path]
        return argv + list(extra)

    def chromium_argv(self, profile, *extra, mark=False):
        url = self.url + (("&" if "?" in self.url else "?") + "mark=1" if mark else "")
        return ([self.a.chromium] + CHROMIUM_FLAGS +
                [f"--user-data-dir={profile}", "--window-size=1920,1080"] + list(extra) + [url])

    def page_first_frame(self, after):
        """Epoch seconds the kiosk page reported for its first board frame."""
        for t, line in self.http.entries(after):
            if "GET /first-frame?t=" in line:
                try:
                    return float(line.split("GET /first-frame?t=")[1].split()[0]) / 1000
                except (IndexError, ValueError):
                    return None
        return None

    def render_ms(self):
        out = os.path.join(self.tmp, "render.png")
        t0 = time.monotonic()
        r = subprocess.run(list(self.display) + ["--render", self.board_path, "--out", out,
                                                 "--size", "1920x1080", "--config", self.config],
                           capture_output=True, timeout=60)
        ms = (time.monotonic() - t0) * 1000
        if r.returncode != 0 or not os.path.exists(out):
            raise RuntimeError("--render failed: " + r.stdout.decode() + r.stderr.decode())
        os.unlink(out)
        return ms

    def ack_sub(self, name):
        # -d: it says when the broker confirmed the subscription (the
        # payload still comes on a line of its own).
        sub = self.spawn(["stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p", str(self.mqtt_port),
                          "-q", "1", "-C", "1", "-t", f"{self.topic_base}/display/{DEVICE}/ack"],
                         name)
        sub.wait_line("received SUBACK")  # subscribed before the display starts
        return sub

    def display_first_frame(self, i):
        """ms from exec to the first screen.png showing the board."""
        snap = os.path.join(self.tmp, f"snap{i}")
        os.mkdir(snap)
        png = os.path.join(snap, "screen.png")
        sub = self.ack_sub(f"ack-first{i}")
        d = self.spawn(self.display_argv("--snapshot-dir", snap), f"display-first{i}")
        pngs = []  # times a new screen.png appeared (written to a temp name, renamed)

        def watch():
            try:
                st = os.stat(png)
            except OSError:
                return None
            ident = (st.st_ino, st.st_mtime_ns)
            if not pngs or pngs[-1][1] != ident:
                pngs.append((time.monotonic(), ident))
            return None

        try:
            wait_until(lambda: watch() or pngs or (not d.alive() and -1), self.a.timeout,
                       step=0.005, what="the display's first frame")
            if not d.alive():
                raise RuntimeError("the display exited:\n" + d.tail())
            # With the MQTT link the board may come a frame later; the ack
            # follows the frame with it. Without the link no ack comes.
            try:
                wait_until(lambda: watch() or sub.find("{"), 3, step=0.002, what="ack")
            except TimeoutError:
                pass
            t_ack = sub.find("{")
            if t_ack:
                # The snapshot is written before the ack is sent: the last
                # PNG before the ack shows the board.
                t_png = max(t for t, _ in pngs if t <= t_ack) if pngs[0][0] <= t_ack else pngs[0][0]
            else:
                t_png = pngs[0][0]
            return (t_png - d.t0) * 1000
        finally:
            d.stop()
            sub.stop()
            shutil.rmtree(snap, ignore_errors=True)

    def chromium_first_frame(self, i):
        if self.a.no_chromium:
            return None
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.tmp)
        png = os.path.join(self.tmp, f"shot{i}.png")
        c = self.spawn(self.chromium_argv(profile, f"--screenshot={png}"), f"chromium-first{i}")
        try:
            t = wait_until(lambda: (os.path.exists(png) and os.path.getsize(png) > 0
                                    and time.monotonic()) or (not c.alive() and -1),
                           self.a.timeout, step=0.005, what="chromium's screenshot")
            if t == -1:
                raise RuntimeError("chromium exited without a screenshot:\n" + c.tail())
            return (t - c.t0) * 1000
        finally:
            c.stop()
            shutil.rmtree(profile, ignore_errors=True)
            if os.path.exists(png):
                os.unlink(png)

    def idle(self, i):
        profile = tempfile.mkdtemp(prefix="profile-", dir=self.tmp)
        sub = self.ack_sub(f"ack-idle{i}")
        started = time.monotonic()
        d = self.spawn(self.display_argv(), f"display-idle{i}")
        c = None if self.a.no_chromium else self.spawn(self.chromium_argv(profile, mark=True),
                                                       f"chromium-idle{i}")
        screens = [d] + ([c] if c else [])
        try:
            wait_until(lambda: d.find("running:") or not d.alive(), self.a.timeout, step=0.005,
                       what="display running")
            page_ms = None
            if c:
                # The page is up once it has shown the board and said so.
                wait_until(lambda: self.page_first_frame(started) or not c.alive(),
                           self.a.timeout, step=0.005, what="the kiosk page's first frame")
                page_ms = (self.page_first_frame(started) - c.t0_wall) * 1000
            elif not self.feed_file:
                # No page to wait for: the ack gets the bound it gets at start-up.
                try:
                    wait_until(lambda: sub.find("{"), 3, step=0.002, what="ack")
                except TimeoutError:
                    pass
            t_ack = sub.find("{")  # by now, if the display has the MQTT link
            ack_ms = (t_ack - d.t0) * 1000 if t_ack else None
            # The display's own line once its first frame is presented.
            t_line = d.find("first frame ")
            line_ms = (t_line - d.t0) * 1000 if t_line else None
            if not d.alive():
                raise RuntimeError("the display exited:\n" + d.tail())
            if c and not c.alive():
                raise RuntimeError("chromium exited:\n" + c.tail())
            cbtest.elapse(self.a.settle)  # settling before the window: time itself
            trees = {"callboard": procstat.Tree(d.pid)}
            if c:
                trees["chromium"] = procstat.Tree(c.pid, marker=profile)
            w = procstat.Window(trees)
            w.run(self.a.seconds, self.a.interval, alive=lambda: all(x.alive() for x in screens))
            if not all(x.alive() for x in screens):
                raise RuntimeError("a screen exited during the window:\n"
                                   + "\n".join(x.tail() for x in screens))
            polls = sum(1 for t, line in self.http.entries(started) if "GET /board.json" in line)
            return (w.result("callboard"), w.result("chromium") if c else None, polls, page_ms,
                    ack_ms, line_ms)
        finally:
            sub.stop()
            for x in screens:
                x.stop()
            shutil.rmtree(profile, ignore_errors=True)

    def stop_all(self):
        for c in reversed(self.children):
            c.stop()
        if self.broker:
            self.broker.stop()


# --- statistics and report -----------------------------------------------------

def ratio(a, b):
    return a / b if a is not None and b else None


def version(argv):
    try:
        r = subprocess.run(argv, capture_output=True, timeout=30)
        return r.stdout.decode("utf-8", "replace").strip().splitlines()[-1]
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "unknown"


def quota_rows(args, qruns, info):
    """The display alone in the CPU-limited group (no Chromium beside it)."""
    if not qruns:
        return []
    cb = [r["callboard"] for r in qruns]
    key = "ack_ms" if any(r["ack_ms"] for r in qruns) else "line_ms"
    return ["", f"With the display limited to {args.quota:g} % of one core, a stand-in for a "
            f"Pi 4 at 1080p ({info['quota_note']}; the display is put in the group before it "
            f"execs), {len(qruns)} run(s), display only:", "",
            "| | callboard-display, limited |", "|---|---|",
            f"| CPU, % of one core | {med_range([x['cpu_pct'] for x in cb], '{:.2f}')} |",
            f"| RSS, MB (mean) | {med_range([x['rss_mb'] for x in cb], '{:.1f}')} |",
            f"| start to first frame, ms (exec → first PNG of the board) | "
            f"{med_range([r['first_png_ms'] for r in qruns], '{:.0f}')} |",
            f"| start to first frame, ms (exec → frame with the board produced) | "
            f"{med_range([r[key] for r in qruns], '{:.0f}')} |"]


def report(args, runs, info, qruns=()):
    cb = [r["callboard"] for r in runs]
    ch = [r["chromium"] for r in runs]
    rows = []

    def row(label, key, fmt, rfmt="{:.0f}×"):
        # Without Chromium (--no-chromium) its figures are None.
        chk = [x[key] if x else None for x in ch]
        rows.append(f"| {label} | {med_range([x[key] for x in cb], fmt)} | "
                    f"{med_range(chk, fmt)} | "
                    f"{med_range([ratio(b, a[key]) for a, b in zip(cb, chk)], rfmt)} |")

    row("CPU, % of one core", "cpu_pct", "{:.2f}")
    row("CPU seconds in the window", "cpu_s", "{:.3f}")
    row("RSS, MB (mean)", "rss_mb", "{:.1f}", "{:.1f}×")
    row("RSS, MB (peak)", "rss_peak_mb", "{:.1f}", "{:.1f}×")
    row("PSS, MB (mean)", "pss_mb", "{:.1f}", "{:.1f}×")
    row("PSS, MB (peak)", "pss_peak_mb", "{:.1f}", "{:.1f}×")
    row("processes", "nprocs", "{:.0f}", "{:.0f}×")
    first_cb = [r["first_png_ms"] for r in runs]
    first_ch = [r["chromium_first_ms"] for r in runs]
    rows.append(f"| start to first frame, ms (exec → first PNG of the board) | "
                f"{med_range(first_cb, '{:.0f}')} | {med_range(first_ch, '{:.0f}')} | "
                f"{med_range([ratio(b, a) for a, b in zip(first_cb, first_ch)], '{:.1f}×')} |")
    # The frame with the board: the ack says so; without the MQTT link the
    # board comes from the file, loaded before the first frame is drawn.
    if any(r["ack_ms"] for r in runs):
        cb_key, cb_how = "ack_ms", "ack over MQTT"
    elif info["feed_file"] and any(r["line_ms"] for r in runs):
        cb_key, cb_how = "line_ms", "its 'first frame' log line"
    else:
        cb_key, cb_how = "ack_ms", "n/a"
    rows.append(f"| start to first frame, ms (exec → frame with the board produced) | "
                f"{med_range([r[cb_key] for r in runs], '{:.0f}')} ({cb_how}) | "
                f"{med_range([r['page_ms'] for r in runs], '{:.0f}')} (the page's mark) | "
                f"{med_range([ratio(r['page_ms'], r[cb_key]) for r in runs], '{:.1f}×')} |")
    rows.append(f"| `--render` one frame to PNG and exit, wall ms | "
                f"{med_range([r['render_ms'] for r in runs], '{:.0f}')} | – | – |")
    polls = [r["polls"] for r in runs]
    page = "lean variant (`?lean=1`: clock set on minute change, board only on a new seq)" \
        if args.lean else "clock set every second, board re-rendered on every poll"
    feed = ("the board file (`--board`, the display had no MQTT link yet) and, retained, over MQTT"
            if info["feed_file"] else "the retained board over MQTT")
    out = [SECTION, "",
           f"- Machine: {info['machine']}; load average at start {info['load']}",
           f"- Date: {info['date']}",
           f"- Command: `{info['command']}`",
           f"- callboard: `{info['display_version']}`{info['display_build']}, "
           f"headless (SDL offscreen, software renderer) at 1920x1080; board from {feed}",
           f"- Chromium: {info['chromium_version']}, `{' '.join(CHROMIUM_FLAGS)} "
           f"--window-size=1920,1080`, fresh profile per start, showing "
           f"`tools/bench/kiosk/board.html` from a loopback `python3 -m http.server`: "
           f"polls board.json every 3 s, {page}; "
           f"{med_range(polls, '{:.0f}')} polls per start-up + window",
           f"- Both showed the same 7-call board; idle measured together in each run after "
           f"{args.settle:g} s of settling, {args.seconds:g} s window, sampled every "
           f"{args.interval:g} s; {len(runs)} runs; median (min–max); ratio = Chromium / callboard, "
           f"per run",
           "",
           "| | callboard-display | Chromium kiosk | Chromium / callboard |",
           "|---|---|---|---|"] + rows + quota_rows(args, qruns, info) + [
           "",
           "How it is measured (tools/bench/procstat.py): CPU is utime+stime of every process in "
           "each tree (the pid and all its descendants, plus any process carrying the private "
           "profile path), refined with per-thread schedstat nanoseconds, plus CPU of reaped "
           "children (getrusage would miss Chromium helpers that are never reaped up to us); "
           "RSS counts shared pages once per process, PSS shares them out (the fair sum "
           "for a multi-process browser; it also shares with unrelated processes mapping the "
           "same libraries, so a lone process's PSS drops when such processes run). Start to first frame, two ways: (1) exec until "
           "a PNG of the first frame with the board exists: callboard's daemon writing it to "
           "`--snapshot-dir` after presenting it, Chromium's `--screenshot` (taken once the "
           "page has loaded); both include encoding a 1080p PNG, in a start of its own. "
           "(2) exec until the frame with the board has been produced: for callboard the "
           "display's ack over MQTT (published after the frame is presented) or, without the "
           "MQTT link, the display's `first frame` log line (written once the first frame is "
           "presented; the board file is loaded before it is drawn), for Chromium the page's own mark two animation frames "
           "after it rendered board.json (`?mark=1`); both taken from the idle run's start, "
           "where the two start together. "
           "Chromium starts with a fresh profile each time, as a kiosk with a temporary "
           "profile after a reboot. The broker and the web server are counted on neither "
           "side.", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60, help="measurement window (default 60)")
    ap.add_argument("--repeat", type=int, default=3, help="runs (default 3)")
    ap.add_argument("--settle", type=float, default=5, help="seconds before measuring (default 5)")
    ap.add_argument("--interval", type=float, default=1.0, help="sampling interval (default 1)")
    ap.add_argument("--timeout", type=float, default=60, help="bound on every start-up wait")
    ap.add_argument("--display-cmd", help="display command instead of the built "
                    "callboard-display (split like a shell; --config etc. are appended)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--no-chromium", action="store_true",
                    help="leave the Chromium kiosk out (its column stays empty): a smoke "
                    "run where it is not installed")
    ap.add_argument("--feed", choices=["mqtt", "file", "both"], default="both",
                    help="how the display gets its board: retained MQTT only, or also "
                    "--board FILE when the display offers it (default both)")
    ap.add_argument("--lean", action="store_true", help="the kinder kiosk page variant")
    ap.add_argument("--quota", type=float, default=33,
                    help="then run the display alone limited to this %% of one core (0: not)")
    ap.add_argument("--quota-repeat", type=int, default=1, help="runs with that limit")
    ap.add_argument("--markdown", help="also write the section to this file")
    ap.add_argument("--json", help="also write every run's raw figures to this file")
    ap.add_argument("--update", metavar="BENCHMARKS.md",
                    help="replace (or add) the section in this file")
    args = ap.parse_args()
    if args.seconds <= 0 or args.repeat < 1:
        ap.error("--seconds must be > 0 and --repeat >= 1")

    try:
        ensure_packages(need_build=not args.display_cmd, chromium=not args.no_chromium)
        display = shlex.split(args.display_cmd) if args.display_cmd else [build_display(args.build_dir)]
    except (subprocess.SubprocessError, OSError) as e:
        log(f"set-up failed: {e}")
        return 1
    info = {
        "machine": benchsys.machine(),
        "load": benchsys.loadavg(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python3 tools/bench/bench_idle.py " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        "chromium_version": version([args.chromium, "--version"]),
        "display_version": benchsys.git_version() if not args.display_cmd else args.display_cmd,
        "display_build": "" if args.display_cmd else " (meson release build)",
    }
    tmp = cbtest.TempDir("cb-bench-idle-")
    bench = Bench(args, display, tmp)
    runs = []
    qruns = []

    def on_term(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        bench.start_services()
        info["feed_file"] = bench.feed_file
        for i in range(args.repeat):
            log(f"run {i + 1}/{args.repeat}: start-up")
            r = {"render_ms": bench.render_ms()}
            r["first_png_ms"] = bench.display_first_frame(i)
            r["chromium_first_ms"] = bench.chromium_first_frame(i)
            log(f"run {i + 1}/{args.repeat}: idle, {args.settle:g} s settle + {args.seconds:g} s")
            (r["callboard"], r["chromium"], r["polls"], r["page_ms"], r["ack_ms"],
             r["line_ms"]) = bench.idle(i)
            ch = r["chromium"] or {}
            log("  callboard %.2f%% CPU, %.1f MB PSS; chromium %.2f%% CPU, %.1f MB PSS; "
                "first frame %.0f / %.0f ms" % (
                    r["callboard"]["cpu_pct"], r["callboard"]["pss_mb"], ch.get("cpu_pct", 0),
                    ch.get("pss_mb", 0), r["first_png_ms"], r["chromium_first_ms"] or 0))
            runs.append(r)
        if args.quota > 0 and args.quota_repeat > 0:
            limit = benchsys.CpuLimit(args.quota)
            info["quota_note"] = limit.note
            # The shell joins the group, then becomes the display.
            bench.wrap = ["sh", "-c", 'echo $$ > "$0" && exec "$@"',
                          os.path.join(limit.path, "cgroup.procs")] if limit.ok else []
            args.no_chromium, chromium = True, args.no_chromium
            try:
                for i in range(args.quota_repeat):
                    log(f"limited run {i + 1}/{args.quota_repeat}: {limit.note}")
                    r = {"first_png_ms": bench.display_first_frame(100 + i)}
                    (r["callboard"], _, _, _, r["ack_ms"], r["line_ms"]) = bench.idle(100 + i)
                    log("  callboard %.2f%% CPU, first frame %.0f ms" % (
                        r["callboard"]["cpu_pct"], r["first_png_ms"]))
                    qruns.append(r)
            finally:
                args.no_chromium = chromium
                bench.wrap = []
                limit.close()
    except KeyboardInterrupt:
        log("interrupted")
    except (RuntimeError, TimeoutError, subprocess.SubprocessError, OSError) as e:
        log(f"failed: {e}")
    finally:
        bench.stop_all()
        tmp.cleanup()
    if not runs:
        return 1
    section = report(args, runs, info, qruns)
    print(section)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"info": info, "runs": runs, "quota_runs": qruns}, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(section + "\n")
    if args.update:
        benchsys.update_file(args.update, SECTION, section)
    return 0 if len(runs) == args.repeat else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Run every benchmark and write BENCHMARKS.md (tools/bench/run-all.sh calls
this). Each benchmark gives its own section; the runner replaces that
section in place (from its '## ' heading to the next one) and leaves every
other line of the file alone. A benchmark that fails keeps its old section
and makes the exit status 1.

  render    tools/bench/bench_render.sh       frame costs, start to first frame
  announce  build/tools/bench/bench_announce  board -> first sample, synthesis, RSS
  bridge    tools/bench/bench_bridge.sh       calls/s, accept latency, registry load
  idle      tools/bench/bench_idle.py         idle display vs Chromium kiosk (~4 min)
  latency   tools/bench/bench_latency.py      bridge 202 -> display ack, 1 and 20 displays
  soak      tools/bench/bench_soak.py         100,000 calls, RSS of bridge and display
  day       tools/bench/bench_day.py          24 simulated hours of a busy site, RSS
  fleet     tools/bench/bench_fleet.sh        1,000 to 10,000 simulated screens

Every run also keeps the figures the goals speak of in a figures file
(build-bench/bench-figures.json, or bench-figures-quick.json with --quick;
each bench's newest figures) and rewrites the "Goals" section of the output
from tools/bench/goals.json and that file. --check then compares every figure
with its goal, prints the verdicts and exits 1 on a miss or a figure never
measured (--only none checks without running anything).

--quick runs each once with tiny durations (a smoke run of the whole chain,
a few minutes, that tools/test.sh runs as one check; Chromium is left out
when it is not installed) and writes to build-bench/BENCHMARKS-quick.md
unless --out is given: its figures are not for publishing.
"""
import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import benchsys  # noqa: E402

PY = "/usr/bin/python3"
ORDER = ["render", "announce", "bridge", "idle", "latency", "soak", "day", "fleet"]
FIGS = {}  # bench -> {figure: value}, for goals.json's "from"


def log(msg):
    benchsys.log("run-all", msg)


def run(argv, timeout, env=None, quiet=False):
    """Run a benchmark and return its stdout; its stderr goes to ours, or
    (quiet) only its tail when it fails."""
    e = dict(os.environ)
    e.update(env or {})
    log("$ " + " ".join(shlex.quote(a) for a in argv))
    t0 = time.monotonic()
    r = subprocess.run(argv, cwd=ROOT, env=e, stdout=subprocess.PIPE, timeout=timeout,
                       stdin=subprocess.DEVNULL, stderr=subprocess.PIPE if quiet else None)
    log(f"  exit {r.returncode} after {time.monotonic() - t0:.0f} s")
    if r.returncode != 0:
        if quiet:
            sys.stderr.write("\n".join(r.stderr.decode("utf-8", "replace").splitlines()[-20:])
                             + "\n")
        raise RuntimeError(f"{argv[0]} exited {r.returncode}")
    return r.stdout.decode("utf-8", "replace")


def header(info, command, extra=""):
    return [f"- Machine: {info['machine']}; load average at start {benchsys.loadavg()}",
            f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}",
            f"- Command: `{command}` (through `{info['command']}`){extra}",
            f"- callboard `{info['version']}`, meson {info['buildtype']} build in "
            f"`{info['build']}`"]


def med(xs, fmt):
    return benchsys.med_range(xs, fmt)


# --- render ------------------------------------------------------------------

def sec_render(a, info):
    runs = 1 if a.quick else 10
    cmd = ["sh", "tools/bench/bench_render.sh", a.build, str(runs)]
    out = run(cmd, 900)
    table = [ln for ln in out.splitlines() if ln.startswith("|")]
    if len(table) < 4:
        raise RuntimeError("bench_render.sh: no table in its output")
    for ln in table:
        if ln.startswith("| start to first frame, daemon 1080p"):
            FIGS["render"] = {"first_frame_ms": float(ln.split("|")[2])}
    return "\n".join([
        "## Display: rendering (`tools/bench/bench_render.sh`)", ""] +
        header(info, " ".join(cmd[1:])) + [
        "",
        "Software renderer on SDL's offscreen driver, the path `--headless` uses "
        "(on a Pi the GPU renderer does the copies). A frame is drawn only when "
        "something on it changes; \"unchanged board\" is the daemon receiving a board "
        "it already shows: one loop turn and no frame at all. Frame rows: 30 frames "
        f"each; start to first frame and idle RSS: {runs} starts of the daemon.",
        ""] + table + [
        "",
        "Idle: the only timer left running with a board and no highlight is the minute "
        "tick for the clock. For `[screen] highlight` seconds (default 10) after a call "
        "the newest call's inner frame blinks: a step every 500 ms that redraws only that "
        "frame's four strips (\"highlight step\"); \"highlight, whole frame\" is the same "
        "moment drawn whole, as every step was before partial frames.", ""])


# --- announce ----------------------------------------------------------------

ANN = [
    ("first sample, p50", r"first sample queued .*?p50 ([\d.]+) ms", "{:.2f} ms", ""),
    ("first sample, p99", r"first sample queued .*?p99 ([\d.]+) ms", "{:.1f} ms", "<= 50 ms"),
    ("first sample, max", r"first sample queued .*?max ([\d.]+) ms", "{:.1f} ms", ""),
    ("synthesis per phrase, p50", r"synthesis per phrase .*?p50 ([\d.]+) ms", "{:.1f} ms", ""),
    ("synthesis per phrase, p99", r"synthesis per phrase .*?p99 ([\d.]+) ms", "{:.1f} ms", ""),
    ("RSS at start", r"RSS: (\d+) kB at start", "{:.1f} MB", ""),
    ("RSS with espeak-ng loaded", r"(\d+) kB with espeak-ng", "{:.1f} MB", ""),
    ("RSS at end (SDL audio open)", r"(\d+) kB at end", "{:.1f} MB", ""),
]


def sec_announce(a, info):
    n = 1 if a.quick else 3
    exe = os.path.join(a.build, "tools", "bench", "bench_announce")
    cmd = [exe, "assets/chime.wav"]
    vals = {k: [] for k, *_ in ANN}
    for _ in range(n):
        out = run(cmd, 600, quiet=True)
        for k, rx, _, _ in ANN:
            m = re.search(rx, out)
            if not m:
                raise RuntimeError(f"bench_announce: no '{k}' in its output")
            v = float(m.group(1))
            vals[k].append(v / 1024 if "MB" in dict((x[0], x[2]) for x in ANN)[k] else v)
    rows = ["| figure | median (min–max) | " + " | ".join(f"run {i + 1}" for i in range(n))
            + " | goal |", "|---" * (n + 3) + "|"]
    for k, _, fmt, goal in ANN:
        rows.append(f"| {k} | {med(vals[k], fmt)} | "
                    + " | ".join(fmt.format(v) for v in vals[k]) + f" | {goal} |")
    return "\n".join([
        "## Announcements", ""] + header(info, " ".join(cmd), f"; {n} runs") + [
        "",
        "It runs SDL's disk audio driver writing to /dev/null (the same queueing path as "
        "a sound card, paced in real time) unless `SDL_AUDIODRIVER` is set.",
        "",
        "- *board received -> first sample queued*: from a board payload in hand (decode, "
        "announce policy, phrase, speech request, chime converted to the device format and "
        "queued with `SDL_QueueAudio`) to the chime's first sample queued, over 200 calls, "
        "each starting on an idle player. The chime is queued at once; speech is made on the "
        "espeak-ng thread meanwhile and follows the chime and a 250 ms pause, so this does "
        "not wait for espeak-ng.",
        "- *synthesis per phrase*: espeak-ng (synchronous mode, on its own thread) for 100 "
        "Danish phrases \"Nummer A 42, skranke 3\" and the like.",
        "- *RSS*: the bench process at start, after espeak-ng made 100 phrases, and at the "
        "end (SDL audio open too).",
        ""] + rows + [""])


# --- bridge ------------------------------------------------------------------

def sec_bridge(a, info):
    n = 1 if a.quick else 2
    secs, reg, devs = ("1", "3", 200) if a.quick else ("10", "60", 20000)
    env = {"SECONDS_PER_RUN": secs, "REG_SECONDS": reg, "REG_DEVICES": str(devs)}
    cmd = ["sh", "tools/bench/bench_bridge.sh", a.build]
    runs = []
    for _ in range(n):
        out = run(cmd, 900, env)
        r = {}
        for m in re.finditer(r"clients=(\d+) .*?calls_per_s=(\d+) p50_ms=([\d.]+) "
                             r"p99_ms=([\d.]+)", out):
            c = int(m.group(1))
            r[f"cps{c}"] = float(m.group(2))
            r[f"p50_{c}"] = float(m.group(3))
            r[f"p99_{c}"] = float(m.group(4))
        m = re.search(r"bridge RSS after the call runs: (\d+) kB", out)
        r["rss"] = int(m.group(1)) / 1024 if m else None
        m = re.search(r"duration_s=(\d+) .*?bridge_cpu_pct=([\d.]+) rss_start_kb=(\d+) "
                      r"rss_end_kb=(\d+) listed_online=(\d+) .*?max_stall_ms=([\d.]+) "
                      r"slowest_page_ms=([\d.]+)", out)
        if not m or "cps8" not in r or "cps64" not in r:
            raise RuntimeError("bench_bridge.sh: figures missing from its output")
        r["reg_cpu"] = float(m.group(2))
        r["reg_rss0"] = int(m.group(3)) / 1024
        r["reg_rss1"] = int(m.group(4)) / 1024
        r["online"] = int(m.group(5))
        r["stall"] = float(m.group(6))
        r["page"] = float(m.group(7))
        runs.append(r)
    FIGS["bridge"] = {k: benchsys.median([r[k] for r in runs]) for k in ("cps64", "p99_64")}

    def row(label, key, fmt):
        xs = [r[key] for r in runs]
        return f"| {label} | {med(xs, fmt)} | " + " | ".join(fmt.format(x) for x in xs) + " |"

    rows = ["| measure | median (min–max) | " + " | ".join(f"run {i + 1}" for i in range(n))
            + " |", "|---" * (n + 2) + "|",
            row("accepted calls/s, 8 clients", "cps8", "{:,.0f}"),
            row("accept latency p50, 8 clients", "p50_8", "{:.2f} ms"),
            row("accept latency p99, 8 clients", "p99_8", "{:.2f} ms"),
            row("accepted calls/s, 64 clients", "cps64", "{:,.0f}"),
            row("accept latency p50, 64 clients", "p50_64", "{:.2f} ms"),
            row("accept latency p99, 64 clients", "p99_64", "{:.2f} ms"),
            row("bridge RSS after the call runs", "rss", "{:.1f} MB"),
            row(f"registry: {devs:,} displays, health every 10 s: bridge CPU, % of one core",
                "reg_cpu", "{:.1f}"),
            row("registry: bridge RSS at start", "reg_rss0", "{:.1f} MB"),
            row("registry: bridge RSS at end", "reg_rss1", "{:.1f} MB"),
            row("displays listed online at the end", "online", "{:,.0f}"),
            row("registry: longest loop stall seen by a client", "stall", "{:.1f} ms"),
            row("registry: slowest page of 1,000 displays", "page", "{:.1f} ms")]
    return "\n".join([
        "## Bridge", ""] + header(info, f"SECONDS_PER_RUN={secs} REG_SECONDS={reg} "
                                  f"REG_DEVICES={devs} "
                                  + " ".join(cmd[1:]), f"; {n} runs") + [
        "",
        "Private mosquitto on a free loopback port, fresh database in a temp folder. "
        "`bench_bridge` (C, plain sockets, one keep-alive connection per client) POSTs "
        "calls back to back to `/v1/sites/aarhus/dokk1/calls` over 4 areas and measures "
        "request-sent to 202-read. Every 202 is durable: SQLite WAL with "
        "`synchronous=FULL`, group commit per loop turn. Registry load: "
        f"`bench_bridge_registry.py` (paho, 8 connections) makes {devs:,} displays on two "
        f"sites publish a retained status, then a full health message every 10 s each "
        f"({devs // 10:,} msg/s) for {reg} s; CPU and RSS of the bridge from /proc; the longest "
        "loop stall as the slowest of back-to-back `GET /healthz` from another process; "
        "the slowest page of `GET /v1/devices?limit=1000` at the end. The client and the bridge share "
        "the CPUs, so the figures include the load generator's own cost.",
        ""] + rows + [""])


# --- idle, latency, soak: scripts that write their own section -------------------

def own_section(argv, timeout):
    """The section the script writes, and its --json figures."""
    with tempfile.TemporaryDirectory() as d:
        md, js = os.path.join(d, "section.md"), os.path.join(d, "figures.json")
        run(argv + ["--markdown", md, "--json", js], timeout)
        text = open(md).read()
        figs = json.load(open(js)) if os.path.exists(js) else {}
    if not text.startswith("## "):
        raise RuntimeError(f"{argv[1]}: no section written")
    return text, figs


def med_of(xs):
    xs = [x for x in xs if x is not None]
    return benchsys.median(xs) if xs else None


def sec_idle(a, info):
    q = ["--seconds", "2", "--repeat", "1", "--settle", "1"] if a.quick else []
    if a.quick and not shutil.which("chromium"):
        q.append("--no-chromium")
    text, figs = own_section([PY, "tools/bench/bench_idle.py", "--build-dir", a.build] + q, 2400)
    runs = figs.get("runs", [])
    cb = [r["callboard"] for r in runs]
    ch = [r["chromium"] for r in runs if r.get("chromium")]
    FIGS["idle"] = {
        "cpu_pct": med_of([c["cpu_pct"] for c in cb]), "rss_mb": med_of([c["rss_mb"] for c in cb]),
        "cpu_ratio": med_of([r["chromium"]["cpu_pct"] / r["callboard"]["cpu_pct"] for r in runs
                             if r.get("chromium") and r["callboard"]["cpu_pct"]]) if ch else None,
        "rss_ratio": med_of([r["chromium"]["rss_mb"] / r["callboard"]["rss_mb"] for r in runs
                             if r.get("chromium")]) if ch else None}
    return text


def sec_latency(a, info):
    q = ["--calls", "20", "--repeat", "1", "--displays", "1,2", "--warmup", "3",
         "--quota-calls", "10", "--quota-rate", "5"] if a.quick else []
    text, figs = own_section([PY, "tools/bench/bench_latency.py", "--build", a.build] + q, 3600)
    res = figs.get("results", {})

    def p99(k):
        return med_of([r["ack_202"]["p99"] for r in res.get(k, []) if r.get("ack_202")])

    FIGS["latency"] = {"p99_1": p99("1"), "p99_1_quota": p99("1q"),
                       "call_cpu_ms": med_of([r.get("call_cpu_ms") for r in res.get("1", [])])}
    return text


def sec_soak(a, info):
    q = ["--calls", "300", "--rate", "300", "--settle", "1"] if a.quick else []
    text, figs = own_section([PY, "tools/bench/bench_soak.py", "--build", a.build] + q, 3600)
    r = figs.get("result", {})
    FIGS["soak"] = {"display_growth_after_10pct_mb": r.get("display_growth_after_10pct_mb")}
    return text


def sec_day(a, info):
    q = ["--hour-s", "2", "--arrivals", "200", "--settle", "1", "--end-wait", "2"] \
        if a.quick else []
    text, figs = own_section([PY, "tools/bench/bench_day.py", "--build", a.build] + q, 3600)
    r = figs.get("result", {})
    FIGS["day"] = {"display_growth_after_10pct_mb": r.get("display_growth_after_10pct_mb")}
    return text


# --- fleet -------------------------------------------------------------------

def sec_fleet(a, info):
    sizes = ["1000"] if a.quick else ["1000", "5000", "10000"]
    cmd = ["sh", "tools/bench/bench_fleet.sh"] + sizes
    out = run(cmd, 3600, {"BUILD": a.build})
    tables = [ln for ln in out.splitlines() if ln.startswith("|")]
    if len(tables) < 9:
        raise RuntimeError("bench_fleet.sh: tables missing from its output")
    body = []
    for ln in out.splitlines():
        if ln.startswith("|") or (not ln and body and body[-1]):
            body.append(ln)
    return "\n".join([
        "## Fleet (`tools/bench/bench_fleet.sh`)", ""] + header(info, f"BUILD={a.build} "
                                                            + " ".join(cmd[1:])) + [
        "",
        "Per run a private mosquitto (loopback, free port, `max_queued_messages` 4 per "
        "screen as `callboard broker-config` writes it, `max_queued_bytes` 512 per "
        "message) and a fresh bridge whose one tenant has every site on one `sites =` "
        "line (10 screens per site). `fleet` (C, libmosquitto on one epoll loop, one TCP "
        "connection per screen, 100 connects waiting for CONNACK at a time: mosquitto "
        "listens with a backlog of 100) makes each screen connect with its own client id "
        "and Will, say online (retained), send health every 30 s, subscribe to its site's "
        "board and ack every board. \"Bridge shows all online\": `GET /v1/devices` polled "
        "every 250 ms from a second thread. Fan-out: 3 rounds of one call per site; the "
        "time from the site's 202 (read by `fleet`) and from its POST being sent to the "
        "board's arrival at each screen; the bridge publishes in the loop turn that "
        "answers, so a board often arrives before its 202 is read (counted as 0). Storm: "
        "every connection closed without DISCONNECT right before the screen reconnects "
        "(the broker sends the Will as the new connection takes the session over); then "
        "10 s more of polls to catch a screen falling back to offline. fleet, broker and "
        "bridge share the CPUs.", ""] + body + [""])


# --- goals ---------------------------------------------------------------------

def figures_path(a):
    return os.path.join(ROOT, a.build, "bench-figures-quick.json" if a.quick
                        else "bench-figures.json")


def load_figures(a):
    try:
        return json.load(open(figures_path(a)))
    except (OSError, ValueError):
        return {}


def save_figures(a, name, date):
    figs = load_figures(a)
    figs[name] = dict(FIGS[name], date=date)
    with open(figures_path(a), "w") as f:
        json.dump(figs, f, indent=1)


def verdicts(figs):
    """(goal, value, date, verdict) per goal; verdict 'met', 'MISSED', 'not measured',
    'recorded' (no limit) or 'left out (no Chromium)'."""
    out = []
    for g in benchsys.goals():
        bench, fig = g["from"].split(".", 1)
        v = figs.get(bench, {}).get(fig)
        date = figs.get(bench, {}).get("date", "")
        if v is None:
            verdict = ("left out (no Chromium)" if g.get("needs") == "Chromium"
                       and not shutil.which("chromium") else "not measured")
        elif "max" in g:
            verdict = "met" if v <= g["max"] else "MISSED"
        elif "min" in g:
            verdict = "met" if v >= g["min"] else "MISSED"
        else:
            verdict = "recorded"
        out.append((g, v, date, verdict))
    return out


def sec_goals(a, figs):
    rows = ["| goal | limit | newest figure | measured | verdict |", "|---|---|---|---|---|"]
    for g, v, date, verdict in verdicts(figs):
        limit = (f"<= {g['max']:g}" if "max" in g else f">= {g['min']:g}" if "min" in g
                 else "–") + f" {g['unit']}"
        val = "–" if v is None else f"{v:,.2f} {g['unit']}"
        rows.append(f"| {g['what']} | {limit} | {val} | {date} | {verdict} |")
    return "\n".join([
        "## Goals", "",
        "The goals of the performance issue, from `tools/bench/goals.json` (the table "
        "`tools/bench/run-all.sh --check` checks), beside the newest figure of each in "
        "the sections below (`build-bench/bench-figures.json`). Written by "
        "`tools/bench/run-all.sh` after every run.", ""] + rows + [""])


def check(a, figs):
    bad = 0
    for g, v, date, verdict in verdicts(figs):
        log(f"{verdict:>24}: {g['id']}: {g['what']}: "
            + ("–" if v is None else f"{v:,.2f} {g['unit']}"))
        bad += verdict in ("MISSED", "not measured")
    return bad


SECTIONS = {"render": sec_render, "announce": sec_announce, "bridge": sec_bridge,
            "idle": sec_idle, "latency": sec_latency, "soak": sec_soak, "day": sec_day,
            "fleet": sec_fleet}


# --- BENCHMARKS.md -------------------------------------------------------------

def split(text):
    """(preamble, [(heading, body)]) at '## ' headings."""
    parts = re.split(r"(?m)^(?=## )", text)
    pre = parts[0]
    return pre, [(p.split("\n", 1)[0], p) for p in parts[1:]]


def key_of(heading):
    """A section's identity: its heading up to any parenthesis or colon detail."""
    h = heading[3:].strip()
    for names, k in ((("Display: rendering",), "render"), (("Announcements",), "announce"),
                     (("Bridge",), "bridge"), (("Idle screen",), "idle"),
                     (("Call latency",), "latency"), (("Soak",), "soak"), (("A day",), "day"),
                     (("Fleet",), "fleet"), (("Goals",), "goals")):
        if any(h.startswith(n) for n in names):
            return k
    return h


def merge(path, new):
    """Replace each new section in place; add the ones not there yet."""
    text = open(path).read() if os.path.exists(path) else (
        "# Benchmarks\n\nEvery figure here was measured on the machine named in its "
        "section, with the command given there. Goals from the issues are quoted beside "
        "the results.\n\n")
    pre, secs = split(text)
    done = set()
    out = []
    for heading, body in secs:
        k = key_of(heading)
        if k in new and k not in done:
            fresh = new[k].rstrip("\n") + "\n"
            # Hand-written subsections (e.g. the idle bench's variants, measured
            # with other options) stay, after the fresh figures.
            sub = re.split(r"(?m)^(?=### )", body, maxsplit=1)
            if len(sub) == 2:
                fresh += "\n" + sub[1].rstrip("\n") + "\n"
            out.append(fresh + "\n")
            done.add(k)
        else:
            out.append(body if body.endswith("\n\n") else body.rstrip("\n") + "\n\n")
    if "goals" in new and "goals" not in done:
        out.insert(0, new["goals"].rstrip("\n") + "\n\n")
    for k in ORDER:
        if k in new and k not in done:
            out.append(new[k].rstrip("\n") + "\n\n")
    with open(path, "w") as f:
        f.write((pre + "".join(out)).rstrip("\n") + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--quick", action="store_true", help="short smoke run of every bench")
    ap.add_argument("--out", help="file to write (default BENCHMARKS.md; with --quick "
                    "build-bench/BENCHMARKS-quick.md)")
    ap.add_argument("--build", default="build-bench",
                    help="release build folder, made when missing (default build-bench)")
    ap.add_argument("--only", help="comma-separated: " + ",".join(ORDER))
    ap.add_argument("--skip", default="", help="comma-separated benches to leave out")
    ap.add_argument("--check", action="store_true",
                    help="compare the figures with tools/bench/goals.json; exit 1 on a miss")
    a = ap.parse_args()
    names = a.only.split(",") if a.only else list(ORDER)
    names = [n for n in names if n not in a.skip.split(",") and n != "none"]
    bad = [n for n in names if n not in SECTIONS]
    if bad:
        ap.error(f"unknown bench: {', '.join(bad)}")
    out = a.out or (os.path.join(a.build, "BENCHMARKS-quick.md") if a.quick else "BENCHMARKS.md")
    out = os.path.join(ROOT, out) if not os.path.isabs(out) else out
    a.build = os.path.relpath(os.path.abspath(os.path.join(ROOT, a.build)), ROOT)
    benchsys.build(a.build)
    subprocess.run(["ninja", "-C", a.build], cwd=ROOT, check=True, timeout=1800,
                   stdout=subprocess.DEVNULL)
    info = {"machine": benchsys.machine(), "version": benchsys.git_version(),
            "buildtype": benchsys.buildtype(a.build), "build": a.build,
            "command": "tools/bench/run-all.sh " + " ".join(shlex.quote(x) for x in sys.argv[1:])}
    info["command"] = info["command"].rstrip()
    failed = []
    t0 = time.monotonic()
    for n in names:
        log(f"== {n}")
        try:
            merge(out, {n: SECTIONS[n](a, info)})
            if n in FIGS:
                save_figures(a, n, datetime.datetime.now(datetime.timezone.utc)
                             .strftime("%Y-%m-%d %H:%M UTC"))
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            log(f"{n} failed: {e} (its old section stays)")
            failed.append(n)
    figs = load_figures(a)
    if names:
        merge(out, {"goals": sec_goals(a, figs)})
    log(f"wrote {out} in {(time.monotonic() - t0) / 60:.1f} min"
        + (f"; failed: {', '.join(failed)}" if failed else ""))
    missed = check(a, figs) if a.check else 0
    if missed:
        log(f"{missed} goal(s) missed or not measured")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())

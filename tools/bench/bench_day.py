#!/usr/bin/python3
"""A busy site's 24 hours, simulated at an accelerated pace, with the RSS of
the display and the bridge sampled through it (the flat-memory issue's
second soak). A private mosquitto, the bridge with a fresh database and one
headless display at 1920x1080 (tests/lib/cbsystem.py, release build), all
on 127.0.0.1. One simulated hour takes --hour-s real seconds. Through the
day:

- the site's calls: `callboard sim` models the day (arrivals, desks
  opening and closing, recalls, cancellations, the queue figures every
  simulated minute) from 07:50 to closing at 18:00, --arrivals citizens;
- a notice every hour while open (banner and ticker in turn), cleared at
  closing;
- commands every hour: identify, volume, screenshot (which waits for the
  PNG);
- a schedule change every 6 hours: the display's [hours] rewritten and a
  reload command;
- a reconnect every 4 hours: the broker restarted, the display and the
  bridge connect again.

At the end: RSS per simulated hour, the growth after the first 10 % of the
day (the flat-memory goal: <= 1 MB) and where the display's megabytes are.

Usage: /usr/bin/python3 tools/bench/bench_day.py [--hour-s 10] [--arrivals 1000] [--desks 20]
       [--build DIR] [--markdown F] [--json F]
"""
import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchsys  # noqa: E402
import procstat  # noqa: E402

HEADING = "## A day: 24 simulated hours of a busy site"
OPEN_H, CLOSE_H = 8, 18


def log(msg):
    benchsys.log("bench_day", msg)


def hours_conf(variant):
    """The display's [hours]: the schedule changes between two variants."""
    close = "18:00" if variant % 2 == 0 else "17:30"
    return "\n".join(["[hours]"] + [f"{d} = 08:00-{close}"
                                   for d in ("mon", "tue", "wed", "thu", "fri")]
                     + ["sat = closed", "sun = closed", ""])


def run(args):
    import cbsystem
    import cbtest
    from bench_soak import Sampler
    sysm = cbsystem.System(ndisplays=1)
    sysm.watch.close()  # the observer would keep every message: status only
    sysm.watch = cbtest.Client(sysm.broker.port, client_id="day-watch", clean=False)
    sysm.watch.subscribe(sysm.topic("display", "+", "status"))
    dev = next(iter(sysm.display_confs))
    conf = sysm.display_confs[dev]
    base_conf = open(conf).read()
    sampler = sim = None
    res = {"events": {"notices": 0, "commands_ok": 0, "commands_failed": 0,
                      "schedule_changes": 0, "reconnects": 0, "screenshots": 0}}
    ev = res["events"]
    try:
        sysm.start()
        trees = {"bridge": procstat.Tree(sysm.bridge.p.pid),
                 "display": procstat.Tree(sysm.displays[dev].p.pid)}
        sampler = Sampler(trees, sysm.api)
        cbtest.elapse(args.settle)
        res["start"] = sampler.take()
        res["mem_start"] = procstat.breakdown(sysm.displays[dev].p.pid)
        sampler.start()
        cmd_path = f"/v1/devices/{cbsystem.TENANT}/{cbsystem.SITE}/{dev}/commands"
        notice_path = f"/v1/sites/{cbsystem.TENANT}/{cbsystem.SITE}/notice"

        def command(body):
            st, r = sysm.api.req("POST", cmd_path, body)
            ok = st == 200 and isinstance(r, dict) and r.get("ok")
            ev["commands_ok" if ok else "commands_failed"] += 1
            return ok

        t0 = res["t0"] = time.monotonic()
        hourly = []
        for h in range(24):
            start_h = t0 + h * args.hour_s
            cbtest.elapse(max(0.0, start_h - time.monotonic()))
            if h == OPEN_H - 1:
                # sim's day starts 10 simulated minutes before opening
                cbtest.elapse(max(0.0, start_h + args.hour_s * 50 / 60 - time.monotonic()))
                speed = 3600 / args.hour_s
                sim = subprocess.Popen(
                    [cbtest.binary("callboard"), "sim", "--url", sysm.api.base, "--token",
                     cbsystem.TOKEN, "--site", f"{cbsystem.TENANT}/{cbsystem.SITE}",
                     "--speed", f"{speed:g}", "--open", f"{OPEN_H:02d}:00", "--close",
                     f"{CLOSE_H:02d}:00", "--desks", str(args.desks), "--arrivals",
                     str(args.arrivals),
                     "--quiet", "--seed", "1"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    start_new_session=True)
            if OPEN_H <= h < CLOSE_H:
                mode = "banner" if h % 2 else "ticker"
                st, _ = sysm.api.req("PUT", notice_path,
                                     {"text": f"Kl. {h:02d}: husk nummer og ID-kort", "mode": mode})
                ev["notices"] += st == 200
            elif h == CLOSE_H:
                st, _ = sysm.api.req("DELETE", notice_path)
                ev["notices"] += st == 200
            command({"cmd": "identify"})
            command({"cmd": "volume", "level": 60 + h % 3 * 10})
            if command({"cmd": "screenshot"}):
                ev["screenshots"] += 1
            if h % 6 == 3:
                with open(conf, "w") as f:
                    f.write(base_conf + "\n" + hours_conf(h // 6))
                if command({"cmd": "reload"}):
                    ev["schedule_changes"] += 1
            if h % 4 == 2:
                sysm.broker.stop()
                sysm.broker.start()
                sysm.wait_online(dev, 30)
                cbtest.wait_until(sysm.api.healthy, 30, what="bridge after the broker restart")
                ev["reconnects"] += 1
            hourly.append((h, time.monotonic(), sampler.take()))
        cbtest.elapse(max(0.0, t0 + 24 * args.hour_s - time.monotonic()))
        if sim:
            out, _ = sim.communicate(timeout=120)
            res["sim"] = (sim.returncode, out.decode("utf-8", "replace").strip())
        res["day_s"] = time.monotonic() - t0
        cbtest.elapse(args.end_wait)  # the last highlight over: idle again
        sampler.stop_ev.set()
        sampler.join(5)
        res["end"] = sampler.take()
        res["mem_end"] = procstat.breakdown(sysm.displays[dev].p.pid)
        res["hourly"] = [(h, t - t0, row) for h, t, row in hourly]
        res["display_alive"] = sysm.displays[dev].alive()
        res["bridge_alive"] = sysm.bridge.alive()
        ten = next((row["display"][0] for _, t, row in res["hourly"]
                    if t >= 0.1 * res["day_s"]), None)
        res["display_at_10pct_kb"] = ten
        res["display_growth_after_10pct_mb"] = \
            (res["end"]["display"][0] - ten) / 1024 if ten is not None else None
        bten = next((row["bridge"][0] for _, t, row in res["hourly"]
                     if t >= 0.1 * res["day_s"]), None)
        res["bridge_growth_after_10pct_mb"] = \
            (res["end"]["bridge"][0] - bten) / 1024 if bten is not None else None
    finally:
        if sim and sim.poll() is None:
            sim.kill()
            sim.wait(5)
        if sampler:
            sampler.stop_ev.set()
        sysm.stop()
    return res


def section(args, r, info):
    mb = lambda kb: f"{kb / 1024:.1f}"  # noqa: E731
    ev = r["events"]
    rc, sim_out = r.get("sim", (None, ""))
    m = re.search(r"(\d+) calls, (\d+) recalls, (\d+) cancellations, (\d+) refused", sim_out)
    calls = f"{m.group(1)} calls, {m.group(2)} recalls, {m.group(3)} cancellations, " \
            f"{m.group(4)} refused" if m else f"sim: {sim_out[-200:]!r}"
    out = [HEADING, "",
           f"- Machine: {info['machine']}; load average at start {info['load']}",
           f"- Date: {info['date']}",
           f"- Command: `{info['command']}`",
           f"- callboard `{info['version']}`, meson {info['buildtype']} build; private "
           f"mosquitto (restarted for each reconnect), bridge (fresh SQLite database) and "
           f"one headless display at 1920x1080 (`SDL_AUDIODRIVER=dummy`, announcements "
           f"on), all on 127.0.0.1",
           f"- One simulated hour = {args.hour_s:g} s; the day took {r['day_s']:.0f} s. "
           f"Open {OPEN_H:02d}:00-{CLOSE_H:02d}:00: `callboard sim` ({args.desks} desks, "
           f"{args.arrivals} arrivals, queue figures every simulated minute): {calls}, "
           f"exit {rc}",
           f"- Through the day: {ev['notices']} notice changes, "
           f"{ev['commands_ok']} commands answered ok ({ev['commands_failed']} not), of "
           f"them {ev['screenshots']} screenshots, {ev['schedule_changes']} schedule changes "
           f"(reload), {ev['reconnects']} broker restarts; both still running at the end: "
           f"{'yes' if r['display_alive'] and r['bridge_alive'] else 'NO'}",
           f"- Growth after the first 10 % of the day (2.4 simulated hours) to the end "
           f"({args.end_wait:g} s after the day, idle): display "
           f"{r['display_growth_after_10pct_mb']:+.1f} MB (goal <= 1 MB), bridge "
           f"{r['bridge_growth_after_10pct_mb']:+.1f} MB",
           "",
           "| simulated hour | display RSS MB | bridge RSS MB |",
           "|---|---|---|",
           f"| start | {mb(r['start']['display'][0])} | {mb(r['start']['bridge'][0])} |"]
    for h, _, row in r["hourly"]:
        out.append(f"| {h:02d}:00 | {mb(row['display'][0])} | {mb(row['bridge'][0])} |")
    out.append(f"| end | {mb(r['end']['display'][0])} | {mb(r['end']['bridge'][0])} |")
    out += [""] + procstat.breakdown_section(r["mem_start"], r["mem_end"])
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hour-s", type=float, default=10.0, help="real seconds per simulated hour")
    # 1,000 citizens at 20 desks: about three times an ordinary day, and the
    # last of them served by 18:10 (3,000 at 12 desks would take two days).
    ap.add_argument("--arrivals", type=int, default=1000)
    ap.add_argument("--desks", type=int, default=20)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--end-wait", type=float, default=12)
    benchsys.output_args(ap)
    args = ap.parse_args()
    if args.hour_s < 2:
        ap.error("--hour-s: at least 2 (a screenshot and a broker restart fit in an hour)")
    info = benchsys.run_info("bench_day.py", args.build)
    log(f"24 simulated hours at {args.hour_s:g} s each, {args.arrivals} arrivals")
    r = benchsys.guarded(log, run, args)
    if r is None:
        return 1
    benchsys.write_outputs(args, HEADING, section(args, r, info), {"info": info, "result": r})
    ok = r["display_alive"] and r["bridge_alive"] and r.get("sim", (1,))[0] == 0 and \
        r["events"]["commands_failed"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

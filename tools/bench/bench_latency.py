#!/usr/bin/python3
"""Call latency, bridge 202 -> display ack (benchmark 1 of the end-to-end
issue): a private mosquitto, the bridge with a fresh database and N headless
displays (tests/lib/cbsystem.py, release build), all on 127.0.0.1. Calls go
one at a time at a fixed rate (open loop: the schedule does not wait for
acks) over one keep-alive HTTP connection; every display's ack is timestamped
as it arrives. A call's latency at a display is the time to the first ack
from it whose seq is at least the call's board seq (a display that got two
boards before its next frame acks only the newer: that frame shows both).

Per call and display: request sent -> ack received, 202 received -> ack
received (the headline figure), and 202 received -> the ack's shown_ts (the
display's wall clock when the frame was presented; same machine, same clock,
ms resolution). With several displays also the time until the last of them
acked ("every screen"). Each display count is run --repeat times, each with
a fresh system; the section gives median (min-max) over the runs.

--quota-displays runs those display counts once more with the displays in a
cgroup limited to --quota percent of one core (default 33: a stand-in for
a Pi 4 at 1080p), at --quota-rate calls/s (default 2): at 20 calls/s one
call's frame, highlight, chime and speech come to more than a third
of a core, and the display would be measuring its own backlog. With one display, each run also measures the CPU the
display spends on one call: after the timed calls and 12 s of quiet, one
call and the 12 s after it (its frame, the 10 s highlight blink, chime and
speech).

Usage: python3 tools/bench/bench_latency.py [--calls 1000] [--displays 1,20]
       [--rate 20] [--repeat 3] [--build DIR] [--update BENCHMARKS.md]
"""
import argparse
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchsys  # noqa: E402
import procstat  # noqa: E402
from benchsys import med_range, pct  # noqa: E402

HEADING = "## Call latency (bridge 202 -> display ack)"
QUIET_S = 12  # a call's highlight (10 s) and speech are over by then


def goals():
    """p99 goals by row key: tools/bench/goals.json, and 60 ms for 20 displays."""
    g = {x["id"]: x.get("max") for x in benchsys.goals()}
    return {"1": g.get("ack_p99"), "1q": g.get("ack_p99_third"), "20": 60}


def key(n, quota):
    return f"{n}q" if quota else str(n)


def log(msg):
    benchsys.log("bench_latency", msg)


def one_run(ndisp, args, quota=None):
    import cbsystem
    import cbtest
    call_cpu_ms = None
    sysm = cbsystem.System(ndisplays=ndisp,
                           display_extra=args.display_conf.replace("\\n", "\n"),
                           broker_extra=args.broker_conf.replace("\\n", "\n"))
    acks = None
    http = None
    try:
        sysm.start()
        devs = list(sysm.display_confs)
        if quota:
            for d in devs:
                quota.add(sysm.displays[d].p.pid)
        acks = benchsys.AckListener(sysm.broker.port, sysm.topic("display", "+", "ack"))
        http = benchsys.Http(sysm.http_port, cbsystem.TOKEN)
        path = f"/v1/sites/{cbsystem.TENANT}/{cbsystem.SITE}/calls"

        def call(i):
            body = {"ticket": f"{'ABCD'[i % 4]}{i % 1000:03d}", "desk": str(1 + i % 12),
                    "desk_label": f"Skranke {1 + i % 12}", "area": "main"}
            t_send = time.monotonic()
            st, resp = http.post(path, body)
            t_202, w_202 = time.monotonic(), time.time()
            if st != 202:
                raise RuntimeError(f"call {i}: HTTP {st} {resp}")
            return int(resp["seq"]), t_send, t_202, w_202

        # Warm-up: every display has drawn a few boards before we measure.
        for i in range(args.warmup):
            seq = call(100000 + i)[0]
            if not acks.wait_all(devs, seq, 20):
                raise TimeoutError("warm-up acks")
        # A quiet moment between warm-up and measuring: time itself.
        cbtest.elapse(0.5)
        rate, ncalls = (args.quota_rate, args.quota_calls) if quota else (args.rate, args.calls)
        period = 1.0 / rate
        sent = []
        t_next = time.monotonic()
        for i in range(ncalls):
            now = time.monotonic()
            if t_next > now:
                cbtest.elapse(t_next - now)  # the open-loop schedule
            t_next += period
            sent.append(call(i))
        last_seq = sent[-1][0]
        complete = acks.wait_all(devs, last_seq, args.timeout)
        with acks.lock:
            got = {d: list(acks.acks.get(d, [])) for d in devs}
        if ndisp == 1 and complete and not args.no_call_cpu:
            tree = procstat.Tree(sysm.displays[devs[0]].p.pid)
            cbtest.elapse(QUIET_S)  # the last timed call's highlight and speech end: time itself
            before = tree.sample().cpu_ns
            seq = call(200000)[0]
            if acks.wait_all(devs, seq, 20):
                cbtest.elapse(QUIET_S)  # the call's own highlight and speech: time itself
                call_cpu_ms = (tree.sample().cpu_ns - before) / 1e6
    finally:
        if acks:
            acks.close()
        if http:
            http.close()
        sysm.stop()
    r = analyse(sent, got, devs, complete)
    r["call_cpu_ms"] = call_cpu_ms
    return r


def analyse(sent, got, devs, complete):
    lat_202, lat_send, lat_shown, every = [], [], [], []
    missing = coalesced = 0
    per_call = {s[0]: [] for s in sent}
    for d in devs:
        acked = got[d]
        j = 0
        for seq, t_send, t_202, w_202 in sent:
            while j < len(acked) and acked[j][2] < seq:
                j += 1
            if j == len(acked):
                missing += 1
                continue
            t_ack, _, aseq, shown_ms, _ = acked[j]
            coalesced += aseq > seq
            lat_202.append((t_ack - t_202) * 1000)
            lat_send.append((t_ack - t_send) * 1000)
            if shown_ms is not None:
                lat_shown.append(shown_ms - w_202 * 1000)
            per_call[seq].append(t_ack - t_202)
    for seq, ts in per_call.items():
        if len(ts) == len(devs):
            every.append(max(ts) * 1000)

    def figs(xs):
        if not xs:
            return None
        return {"p50": pct(xs, 50), "p95": pct(xs, 95), "p99": pct(xs, 99), "max": max(xs),
                "n": len(xs)}

    return {"ack_202": figs(lat_202), "ack_send": figs(lat_send), "shown_202": figs(lat_shown),
            "every": figs(every) if len(devs) > 1 else None, "missing": missing,
            "coalesced": coalesced, "complete": complete, "calls": len(sent)}


def section(args, results, info):
    import re
    w = re.search(r"width\s*=\s*(\d+)", args.display_conf)
    h = re.search(r"height\s*=\s*(\d+)", args.display_conf)
    size = f"{w.group(1)}x{h.group(1)}" if w and h else "1920x1080"
    out = [HEADING, "",
           f"- Machine: {info['machine']}; load average at start {info['load']}",
           f"- Date: {info['date']}",
           f"- Command: `{info['command']}`",
           f"- callboard `{info['version']}`, meson {info['buildtype']} build in "
           f"`{info['build']}`; private mosquitto, bridge (fresh SQLite database, WAL, "
           f"synchronous=FULL) and N headless displays at {size} (SDL offscreen, software "
           f"renderer, `SDL_AUDIODRIVER=dummy`, announcements on), all on 127.0.0.1; "
           f"extra broker config: `{args.broker_conf or 'none'}`; extra display config: "
           f"`{args.display_conf or 'none'}`",
           f"- {args.calls} calls per run at {args.rate:g}/s, open loop, one keep-alive HTTP "
           f"connection, after {args.warmup} warm-up calls; {args.repeat} runs per display "
           f"count, each with a fresh system; figures are median (min–max) over the runs; "
           f"board length 10, one area",
           "",
           "| displays | from -> to | samples per run | p50 ms | p95 ms | p99 ms | max ms | goal p99 |",
           "|---|---|---|---|---|---|---|---|"]
    labels = [("ack_202", "202 received -> ack received (each display)"),
              ("ack_send", "request sent -> ack received (each display)"),
              ("shown_202", "202 received -> ack's `shown_ts` (each display)"),
              ("every", "202 received -> ack from the last display (every screen)")]
    notes = []
    goal_ms = goals()
    order = [key(n, False) for n in args.displays] + [key(n, True) for n in args.quota_displays]
    for k in order:
        runs = results.get(k, [])
        if not runs:
            continue
        n = k.rstrip("q") + (f", {args.quota:g} % of a core, {args.quota_calls} calls at "
                             f"{args.quota_rate:g}/s" if k.endswith("q") else "")
        for fig, label in labels:
            rs = [r[fig] for r in runs if r[fig]]
            if not rs:
                continue
            goal = f"<= {goal_ms[k]:g} ms" if goal_ms.get(k) and fig == "ack_202" else ""
            out.append(f"| {n} | {label} | {med_range([r['n'] for r in rs], '{:.0f}')} | "
                       + " | ".join(med_range([r[p] for r in rs], "{:.1f}")
                                    for p in ("p50", "p95", "p99", "max"))
                       + f" | {goal} |")
        miss = [r["missing"] for r in runs]
        coal = [r["coalesced"] for r in runs]
        notes.append(f"{n} display(s): {len(runs)} runs; acks missing per run "
                     f"{', '.join(map(str, miss))}; calls whose first ack was for a newer "
                     f"board (two boards, one frame) per run {', '.join(map(str, coal))}")
        cpu = [r["call_cpu_ms"] for r in runs if r.get("call_cpu_ms") is not None]
        if cpu:
            notes.append(f"{n} display: CPU the display spent on one call (its frame, the "
                         f"10 s highlight, chime and speech; {QUIET_S} s from the POST): "
                         f"{med_range(cpu, '{:.0f}')} ms, "
                         f"{med_range([c / QUIET_S / 10 for c in cpu], '{:.2f}')} % of a core "
                         f"over those {QUIET_S} s")
    if args.quota_displays:
        notes.append(f"CPU limit: {args.quota_note}")
    out += ["", "- " + "\n- ".join(notes), "",
            "How it is measured (tools/bench/bench_latency.py): the bench's own paho client "
            "subscribes to `.../display/+/ack` and stamps each ack with the monotonic clock "
            "when it arrives; the HTTP client stamps the request before sending and the 202 "
            "when it is read. The display publishes the ack after the frame with the board "
            "has been presented, so 202 -> ack includes broker hops to the display and back "
            "and the frame; `shown_ts` is the display's present time (wall clock, ms), so "
            "202 -> `shown_ts` leaves out the ack's way back. The load generator, broker, "
            "bridge and displays share the machine's CPUs.", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--displays", default="1,20", help="display counts, comma-separated")
    ap.add_argument("--rate", type=float, default=20, help="calls per second (default 20)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=60, help="bound on the final ack wait")
    ap.add_argument("--broker-conf", default="set_tcp_nodelay true",
                    help="extra mosquitto.conf lines, \\n-separated (e.g. 'set_tcp_nodelay true')")
    ap.add_argument("--display-conf", default="",
                    help="extra display config lines, \\n-separated, after its [audio] "
                    "section (e.g. '[screen]\\nwidth = 800\\nheight = 480')")
    ap.add_argument("--quota-displays", default="1",
                    help="display counts also run in a CPU-limited cgroup ('' for none)")
    ap.add_argument("--quota", type=float, default=33, help="that limit, %% of one core")
    ap.add_argument("--quota-rate", type=float, default=2, help="calls/s in those runs")
    ap.add_argument("--quota-calls", type=int, default=200, help="calls per run in those runs")
    ap.add_argument("--no-call-cpu", action="store_true",
                    help="leave out the CPU-per-call measure (24 s per 1-display run)")
    benchsys.output_args(ap)
    args = ap.parse_args()
    try:
        args.displays = [int(x) for x in args.displays.split(",")]
        args.quota_displays = [int(x) for x in args.quota_displays.split(",") if x]
    except ValueError:
        ap.error("--displays: comma-separated integers")
    if args.calls < 1 or args.rate <= 0 or args.repeat < 1 or min(args.displays) < 1:
        ap.error("--calls, --rate, --repeat and --displays must be positive")
    info = benchsys.run_info("bench_latency.py", args.build)
    info["build"] = os.path.relpath(os.path.abspath(args.build), benchsys.ROOT)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    results = {}
    ok = True
    limit = benchsys.CpuLimit(args.quota) if args.quota_displays else None
    args.quota_note = limit.note if limit else ""
    plan = [(n, None) for n in args.displays] + [(n, limit) for n in args.quota_displays]
    try:
        for n, quota in plan:
            for i in range(args.repeat):
                log(f"{n} display(s){' in the CPU-limited group' if quota else ''}, run "
                    f"{i + 1}/{args.repeat}: "
                    + (f"{args.quota_calls} calls at {args.quota_rate:g}/s" if quota
                       else f"{args.calls} calls at {args.rate:g}/s"))
                r = one_run(n, args, quota)
                a = r["ack_202"] or {}
                log(f"  202->ack p50 {a.get('p50', 0):.1f} p95 {a.get('p95', 0):.1f} "
                    f"p99 {a.get('p99', 0):.1f} max {a.get('max', 0):.1f} ms; missing "
                    f"{r['missing']}, coalesced {r['coalesced']}")
                ok = ok and r["complete"]
                results.setdefault(key(n, quota), []).append(r)
    except KeyboardInterrupt:
        log("interrupted")
        ok = False
    except (RuntimeError, TimeoutError, OSError) as e:
        log(f"failed: {e}")
        ok = False
    finally:
        if limit:
            limit.close()
    if not results:
        return 1
    text = section(args, results, info)
    benchsys.write_outputs(args, HEADING, text, {"info": info, "results": results})
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

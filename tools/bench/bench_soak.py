#!/usr/bin/python3
"""Soak: 100,000 calls at an accelerated rate through the bridge and one
headless display (benchmark 6 of the end-to-end issue). A private mosquitto,
the bridge with a fresh database and the display (tests/lib/cbsystem.py,
release build) on 127.0.0.1; several `callboard sim` load clients share the
calls (each --rate R/K --count N/K). Every second the bench samples the RSS
of the bridge and of the display (tools/bench/procstat.py) and the board's
seq. At the end it checks that the display's last ack is for the final board
and names the calls that board shows first.

Usage: /usr/bin/python3 tools/bench/bench_soak.py [--calls 100000] [--rate 1000]
       [--clients 4] [--build DIR] [--update BENCHMARKS.md]
"""
import argparse
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchsys  # noqa: E402
import procstat  # noqa: E402

HEADING = "## Soak: 100,000 calls"


def log(msg):
    benchsys.log("bench_soak", msg)


class Sampler(threading.Thread):
    """RSS of each tree and the board seq, every interval seconds."""

    def __init__(self, trees, api, interval=1.0):
        super().__init__(daemon=True)
        self.trees, self.api, self.interval = trees, api, interval
        self.samples = []  # (t, seq, {name: (rss_kb, cpu_ns)})
        self.stop_ev = threading.Event()

    def take(self):
        seq = None
        try:
            st, b = self.api.board()
            if st == 200 and isinstance(b, dict):
                seq = b.get("seq")
        except OSError:
            pass
        row = {}
        for name, tree in self.trees.items():
            s = tree.sample()
            row[name] = (s.rss_kb, s.cpu_ns)
        self.samples.append((time.monotonic(), seq, row))
        return row

    def run(self):
        while not self.stop_ev.wait(self.interval):
            self.take()


def run(args):
    import cbsystem
    import cbtest
    sysm = cbsystem.System(ndisplays=1)
    # The system's observer records every message on the site: 100,000
    # boards would be ~150 MB in this process. Watch status only.
    sysm.watch.close()
    sysm.watch = cbtest.Client(sysm.broker.port, client_id="soak-watch")
    sysm.watch.subscribe(sysm.topic("display", "+", "status"))
    acks = sampler = None
    sims = []
    res = {}
    try:
        sysm.start()
        dev = next(iter(sysm.display_confs))
        acks = benchsys.AckListener(sysm.broker.port, sysm.topic("display", dev, "ack"))
        trees = {"bridge": procstat.Tree(sysm.bridge.p.pid),
                 "display": procstat.Tree(sysm.displays[dev].p.pid)}
        sampler = Sampler(trees, sysm.api)
        cbtest.elapse(args.settle)  # a quiet moment before the first sample: time itself
        res["start"] = sampler.take()
        res["mem_start"] = procstat.breakdown(sysm.displays[dev].p.pid)
        sampler.start()
        cli = cbtest.binary("callboard")
        per, extra = divmod(args.calls, args.clients)
        t0 = res["t0"] = time.monotonic()
        for i in range(args.clients):
            n = per + (1 if i < extra else 0)
            argv = [cli, "sim", "--url", sysm.api.base, "--token", cbsystem.TOKEN, "--site",
                    f"{cbsystem.TENANT}/{cbsystem.SITE}", "--rate",
                    f"{args.rate / args.clients:g}/s", "--count", str(n), "--quiet",
                    "--seed", str(i + 1)]
            sims.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True))
            # sim's call ids carry its start time in ms: start them apart.
            time.sleep(0.01)
        outs = []
        deadline = t0 + args.timeout
        for p in sims:
            try:
                out, _ = p.communicate(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                raise TimeoutError(f"sim clients still running after {args.timeout:g} s")
            outs.append((p.returncode, out.decode("utf-8", "replace").strip()))
        res["load_s"] = time.monotonic() - t0
        res["sims"] = outs
        st, board = sysm.api.board()
        if st != 200:
            raise RuntimeError(f"GET board: {st}")
        seq = board["seq"]
        res["final_seq"] = seq
        res["acked_in_time"] = acks.wait_all([dev], seq, 60)
        res["ack_wait_s"] = time.monotonic() - t0 - res["load_s"]
        # Idle again, as at the start: the last call's highlight is over. Time itself.
        cbtest.elapse(args.end_wait)
        sampler.stop_ev.set()
        sampler.join(5)
        res["end"] = sampler.take()
        res["mem_end"] = procstat.breakdown(sysm.displays[dev].p.pid)
        last = acks.last(dev)
        board_ids = [c["id"] for c in board["calls"]]
        res["last_ack_seq"] = last[2] if last else None
        res["ack_ids"] = last[4] if last else []
        res["board_ids"] = board_ids
        res["ids_match"] = bool(last) and len(last[4]) > 0 and \
            last[4] == board_ids[:len(last[4])]
        res["acks"] = len(acks.acks.get(dev, []))
        res["samples"] = sampler.samples
        res["display_alive"] = sysm.displays[dev].alive()
        res["bridge_alive"] = sysm.bridge.alive()
        ten = at_fraction(res, 0.1, "display")
        res["display_growth_after_10pct_mb"] = \
            (res["end"]["display"][0] - ten) / 1024 if ten is not None else None
    finally:
        for p in sims:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        if sampler:
            sampler.stop_ev.set()
        if acks:
            acks.close()
        sysm.stop()
    return res


def at_fraction(r, frac, name):
    """RSS at the first sample taken after frac of the load phase."""
    samples = r["samples"]
    t0 = r.get("t0", samples[0][0] if samples else 0)
    for t, _, row in samples:
        if t >= t0 + frac * r["load_s"]:
            return row[name][0]
    return None


def section(args, r, info):
    mb = lambda kb: f"{kb / 1024:.1f}" if kb is not None else "–"  # noqa: E731
    rows = []
    cpu = {}
    for name in ("bridge", "display"):
        start, end = r["start"][name][0], r["end"][name][0]
        peak = max([row[name][0] for _, _, row in r["samples"]] + [start, end])
        ten = at_fraction(r, 0.1, name)
        rows.append(f"| {name} | {mb(start)} | {mb(ten)} | {mb(end)} | {mb(peak)} | "
                    f"{(end - start) / 1024:+.1f} |")
        cpu[name] = (r["end"][name][1] - r["start"][name][1]) / 1e9
    sims_ok = all(rc == 0 for rc, _ in r["sims"])
    import re
    refused = sum(int(m.group(1)) for _, o in r["sims"]
                  for m in [re.search(r"(\d+) refused", o)] if m)
    rps = [m.group(1) for _, o in r["sims"] for m in [re.search(r"([\d.]+) requests/s", o)] if m]
    summary = f"{refused} refused by the bridge; requests/s per client {', '.join(rps)}"
    match = "yes" if r["ids_match"] and r["last_ack_seq"] == r["final_seq"] else "NO"
    out = [HEADING, "",
           f"- Machine: {info['machine']}; load average at start {info['load']}",
           f"- Date: {info['date']}",
           f"- Command: `{info['command']}`",
           f"- callboard `{info['version']}`, meson {info['buildtype']} build; private "
           f"mosquitto, bridge (fresh SQLite database, WAL, synchronous=FULL, board length "
           f"10) and one headless display at 1920x1080 (`SDL_AUDIODRIVER=dummy`, "
           f"announcements on), all on 127.0.0.1",
           f"- Load: {args.clients} `callboard sim` load clients (`--rate "
           f"{args.rate / args.clients:g}/s --count {args.calls // args.clients}` each, "
           f"{args.rate:g} calls/s asked in all), one area; {args.calls:,} calls took "
           f"{r['load_s']:.0f} s ({args.calls / r['load_s']:.0f} calls/s accepted); "
           f"clients {'all exited 0' if sims_ok else 'FAILED'}: {summary}",
           f"- One run (a soak is one long run); RSS sampled every second "
           f"(tools/bench/procstat.py, smaps_rollup); start = idle after {args.settle:g} s, "
           f"end = {args.end_wait:g} s after the display acked the final board (its "
           f"highlight over: idle again); growth after the first 10 %: display "
           f"{r['display_growth_after_10pct_mb']:+.1f} MB (goal <= 1 MB)",
           "",
           "| process | RSS at start MB | after 10% of the load time MB | at end MB | peak MB | end - start MB |",
           "|---|---|---|---|---|---|"] + rows + [
           "",
           f"- Final board: seq {r['final_seq']}; the display's last ack: seq "
           f"{r['last_ack_seq']} with {len(r['ack_ids'])} call ids, the first "
           f"{len(r['ack_ids'])} of the board's {len(r['board_ids'])}: match **{match}** "
           f"(acked {r['ack_wait_s']:.1f} s after the last 202)",
           f"- Acks published by the display: {r['acks']:,} for {args.calls:,} boards (a "
           f"frame shows the newest board it has; boards that arrive within one frame share "
           f"its ack)",
           f"- CPU over the run: bridge {cpu['bridge']:.1f} s, display {cpu['display']:.1f} s; "
           f"both still running at the end: "
           f"{'yes' if r['display_alive'] and r['bridge_alive'] else 'NO'}",
           ""]
    if r.get("mem_start") and r.get("mem_end"):
        out += procstat.breakdown_section(r["mem_start"], r["mem_end"])
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=100000)
    ap.add_argument("--rate", type=float, default=1000, help="calls per second in all")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--end-wait", type=float, default=12,
                    help="seconds after the last ack before the end sample (default 12: the "
                    "10 s highlight is over)")
    ap.add_argument("--timeout", type=float, default=1800, help="bound on the load phase")
    ap.add_argument("--report", metavar="JSON", help="only print the section from a --json file")
    benchsys.output_args(ap)
    args = ap.parse_args()
    if args.calls < args.clients or args.rate <= 0 or args.clients < 1:
        ap.error("--calls >= --clients >= 1 and --rate > 0")
    if args.report:
        d = json.load(open(args.report))
        print(section(args, d["result"], d["info"]))
        return 0
    info = benchsys.run_info("bench_soak.py", args.build)
    log(f"{args.calls} calls at {args.rate:g}/s over {args.clients} clients")
    r = benchsys.guarded(log, run, args)
    if r is None:
        return 1
    text = section(args, r, info)
    benchsys.write_outputs(args, HEADING, text, {"info": info, "result": r})
    ok = r["ids_match"] and r["last_ack_seq"] == r["final_seq"] and \
        all(rc == 0 for rc, _ in r["sims"])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Sample a process tree (a pid and all its descendants) for CPU time and
memory, over a window. Chromium runs as many processes; callboard as one.

CPU: per process, utime+stime from /proc/PID/stat (clock ticks, 10 ms),
refined by the sum of its live threads' run time from
/proc/PID/task/TID/schedstat (nanoseconds), taking the larger of the two,
plus cutime+cstime (children it has reaped). A member that disappears was
reaped: if its parent is a live member, the parent's cutime now holds it;
otherwise (reaped by init or a subreaper) its last sampled value is kept,
so at most one sampling interval of its CPU is lost.

Membership is sticky: once seen in the tree a process stays a member even
when re-parented (Chromium's helpers may outlive their parent). Processes
whose command line contains a marker string (e.g. a private
--user-data-dir) are members too, to catch double-forked helpers.

Memory: the tree's sums of Rss and Pss from /proc/PID/smaps_rollup. RSS
counts shared pages once per process; PSS shares them out, so the PSS sum
is the tree's fair share of RAM. Both mean and peak over the samples."""
import os
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
TICK_NS = 1_000_000_000 // CLK_TCK


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _stat(pid):
    """(ppid, starttime, u+s ticks, cu+cs ticks) or None."""
    raw = _read(f"/proc/{pid}/stat")
    if not raw:
        return None
    # comm may hold spaces and parentheses: split after the last ')'.
    rest = raw[raw.rfind(b")") + 2:].split()
    try:
        ppid = int(rest[1])
        ut, st, cut, cst = (int(x) for x in rest[11:15])
        start = int(rest[19])
    except (IndexError, ValueError):
        return None
    return ppid, start, ut + st, cut + cst


def _threads_ns(pid):
    total = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tids:
        raw = _read(f"/proc/{pid}/task/{tid}/schedstat")
        if raw:
            try:
                total += int(raw.split()[0])
            except (IndexError, ValueError):
                pass
    return total


def _mem_kb(pid):
    """(rss_kb, pss_kb) from smaps_rollup; (0, 0) for zombies or races."""
    raw = _read(f"/proc/{pid}/smaps_rollup")
    rss = pss = 0
    if raw:
        for line in raw.split(b"\n"):
            if line.startswith(b"Rss:"):
                rss = int(line.split()[1])
            elif line.startswith(b"Pss:"):
                pss = int(line.split()[1])
    return rss, pss


class Sample:
    __slots__ = ("t", "cpu_ns", "rss_kb", "pss_kb", "nprocs")

    def __init__(self, t, cpu_ns, rss_kb, pss_kb, nprocs):
        self.t, self.cpu_ns, self.rss_kb, self.pss_kb, self.nprocs = t, cpu_ns, rss_kb, pss_kb, nprocs


class Tree:
    """A process tree rooted at `pid`, sampled on demand."""

    def __init__(self, pid, marker=None):
        self.root = pid
        self.marker = marker.encode() if marker else None
        self.members = {}  # (pid, starttime) -> last cpu_ns (own + reaped children)
        self.ppid = {}     # (pid, starttime) -> last ppid
        self.lost_ns = 0   # CPU of members reaped outside the tree
        self._cmd_checked = set()

    def sample(self, memory=True):
        """Scan /proc once; return a Sample of the tree as it is now."""
        t = time.monotonic()
        procs = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                s = _stat(int(name))
                if s:
                    procs[int(name)] = s
        live = {(pid, s[1]) for pid, s in procs.items()}
        # Grow the membership: the root, descendants of members, marked ones.
        keys = {pid: (pid, s[1]) for pid, s in procs.items()}
        member_pids = {k[0] for k in self.members if k in live}
        if self.root in procs:
            member_pids.add(self.root)
        if self.marker:
            for pid, key in keys.items():
                if key in self._cmd_checked or pid in member_pids:
                    continue
                self._cmd_checked.add(key)
                cmd = _read(f"/proc/{pid}/cmdline")
                if cmd and self.marker in cmd:
                    member_pids.add(pid)
        changed = True
        while changed:
            changed = False
            for pid, s in procs.items():
                if pid not in member_pids and s[0] in member_pids:
                    member_pids.add(pid)
                    changed = True
        # Members gone since the last sample.
        live_member_keys = {keys[p] for p in member_pids}
        gone = {k: self.ppid.get(k) for k in self.members if k not in live}
        gone_ppid = {k[0]: pp for k, pp in gone.items()}
        for key, parent in gone.items():
            # Follow parents that went too: whoever reaped the chain decides.
            hops = 0
            while parent in gone_ppid and hops < 64:
                parent = gone_ppid[parent]
                hops += 1
            if parent not in member_pids:
                self.lost_ns += self.members[key]
            del self.members[key]
            self.ppid.pop(key, None)
        cpu = self.lost_ns
        rss = pss = 0
        for pid in member_pids:
            ppid, _, us, cus = procs[pid]
            own = max(us * TICK_NS, _threads_ns(pid))
            val = own + cus * TICK_NS
            key = keys[pid]
            self.members[key] = val
            self.ppid[key] = ppid
            cpu += val
            if memory:
                r, p = _mem_kb(pid)
                rss += r
                pss += p
        return Sample(t, cpu, rss, pss, len(live_member_keys))

    def pids(self):
        """Pids of the members seen alive at the last sample."""
        return [k[0] for k in self.members]


class Window:
    """Samples of several trees taken together over a time window."""

    def __init__(self, trees):
        self.trees = trees
        self.samples = {name: [] for name in trees}

    def tick(self):
        for name, tree in self.trees.items():
            self.samples[name].append(tree.sample())

    def run(self, seconds, interval=1.0, alive=lambda: True):
        """Sample now, every `interval` s, and at the end; bounded by `seconds`."""
        end = time.monotonic() + seconds
        self.tick()
        while True:
            now = time.monotonic()
            if now >= end or not alive():
                break
            time.sleep(min(interval, end - now))
            self.tick()

    def result(self, name):
        """CPU % of one core, RSS/PSS MB mean and peak, process count."""
        s = self.samples[name]
        if len(s) < 2:
            raise ValueError(f"{name}: fewer than two samples")
        wall = s[-1].t - s[0].t
        cpu_s = (s[-1].cpu_ns - s[0].cpu_ns) / 1e9
        n = len(s)
        return {
            "wall_s": wall,
            "cpu_s": cpu_s,
            "cpu_pct": 100.0 * cpu_s / wall if wall > 0 else 0.0,
            "rss_mb": sum(x.rss_kb for x in s) / n / 1024,
            "rss_peak_mb": max(x.rss_kb for x in s) / 1024,
            "pss_mb": sum(x.pss_kb for x in s) / n / 1024,
            "pss_peak_mb": max(x.pss_kb for x in s) / 1024,
            "nprocs": max(x.nprocs for x in s),
        }


if __name__ == "__main__":
    # python3 tools/bench/procstat.py PID [SECONDS]: one tree, one window.
    import sys
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: procstat.py PID [SECONDS]")
    w = Window({"tree": Tree(int(sys.argv[1]))})
    w.run(float(sys.argv[2]) if len(sys.argv) == 3 else 10.0)
    for k, v in w.result("tree").items():
        print(f"{k:12} {v:.3f}")


# Anonymous mappings this large are whole-screen pixel buffers (1920x1080x4
# is 8.3 MB); glibc's arenas and the blocks of 64 KiB and more it maps on
# its own are smaller.
PIXELS_KB = 4 * 1024


def breakdown(pid):
    """Where a process's RSS is, from /proc/PID/smaps: [(what, kB)], largest
    first, summing to the RSS. Shared libraries are named one by one (the
    five largest; the rest together)."""
    groups = {}
    libs = {}
    name = size = None
    try:
        with open(f"/proc/{pid}/smaps") as f:
            lines = f.readlines()
    except OSError:
        return []
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if "-" in parts[0] and not parts[0].endswith(":"):
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
            size = (hi - lo) // 1024
            name = parts[5] if len(parts) > 5 else ""
            continue
        if parts[0] != "Rss:":
            continue
        kb = int(parts[1])
        if name == "[heap]":
            key = "heap (the main arena: live blocks and free chunks glibc keeps)"
        elif name == "[stack]" or name.startswith("[stack:"):
            key = "main thread's stack"
        elif name.startswith("["):
            key = "kernel mappings (vdso, vvar)"
        elif name == "" and size >= PIXELS_KB:
            key = "pixel buffers (whole-screen surfaces, anonymous maps >= 4 MB)"
        elif name == "" or name.startswith("/memfd:") or name.startswith("/dev/shm"):
            key = ("other anonymous memory (thread arenas and stacks, glibc's own maps "
                   "of 64 KiB blocks and more: text textures, sound)")
        else:
            libs[os.path.basename(name)] = libs.get(os.path.basename(name), 0) + kb
            continue
        groups[key] = groups.get(key, 0) + kb
    top = sorted(libs.items(), key=lambda kv: -kv[1])
    for lib, kb in top[:5]:
        groups[f"file pages of {lib}"] = kb
    rest = sum(kb for _, kb in top[5:])
    if rest:
        groups["file pages of the other files (libraries, fonts, voices)"] = rest
    return sorted(groups.items(), key=lambda kv: -kv[1])


def breakdown_section(before, after):
    """The lines saying where a display's RSS is at a run's start and end."""
    return (["Where the display's RSS is, at the start and at the end "
             "(`/proc/PID/smaps`, tools/bench/procstat.py `breakdown`):", "",
             "| what | start MB | end MB | change MB |", "|---|---|---|---|"]
            + breakdown_rows(before, after) + [""])


def breakdown_rows(before, after):
    """Markdown rows 'what | MB before | MB after | change' over two breakdowns."""
    keys = [k for k, _ in after] + [k for k, _ in before if k not in dict(after)]
    b, a = dict(before), dict(after)
    rows = []
    for k in keys:
        x, y = b.get(k, 0) / 1024, a.get(k, 0) / 1024
        if x < 0.05 and y < 0.05:
            continue
        rows.append(f"| {k} | {x:.1f} | {y:.1f} | {y - x:+.1f} |")
    tb, ta = sum(b.values()) / 1024, sum(a.values()) / 1024
    rows.append(f"| **RSS** | **{tb:.1f}** | **{ta:.1f}** | **{ta - tb:+.1f}** |")
    return rows

"""Shared by bench_latency.py and bench_soak.py: a release build, the whole
system on loopback (tests/lib/cbsystem.py: private mosquitto, bridge with a
fresh database, N headless displays), an ack listener that timestamps every
ack as it arrives, a keep-alive HTTP client for the bridge, statistics and
the BENCHMARKS.md section update."""
import datetime
import http.client
import json
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def log(name, msg):
    sys.stderr.write(f"[{name} {time.strftime('%H:%M:%S')}] {msg}\n")
    sys.stderr.flush()


def build(build_dir):
    """Configure (release, no tests) when needed and build the three programs."""
    if not os.path.exists(os.path.join(build_dir, "build.ninja")):
        subprocess.run(["meson", "setup", build_dir, "--buildtype=release", "-Dtests=false"],
                       cwd=ROOT, check=True, timeout=600, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build_dir, "display/callboard-display",
                    "bridge/callboard-bridge", "tools/callboard/callboard"], cwd=ROOT,
                   check=True, timeout=1800, stdout=subprocess.DEVNULL)
    # cbtest reads CALLBOARD_BUILD when it is imported.
    os.environ["CALLBOARD_BUILD"] = os.path.abspath(build_dir)
    sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))


def buildtype(build_dir):
    try:
        r = subprocess.run(["meson", "introspect", "--buildoptions", build_dir],
                           capture_output=True, text=True, timeout=60)
        for o in json.loads(r.stdout):
            if o["name"] == "buildtype":
                return o["value"]
    except (OSError, ValueError, subprocess.SubprocessError):
        pass
    return "unknown"


def machine():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return (f"{os.cpu_count()} CPUs (nproc), {model}, {mem_kb / 1024 / 1024:.1f} GiB RAM, "
            f"Linux {platform.release()}")


def loadavg():
    return " ".join(open("/proc/loadavg").read().split()[:3])


def git_version():
    r = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                       capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


class AckListener:
    """Every ack on the site, with the monotonic and wall time it arrived."""

    def __init__(self, port, topic):
        import paho.mqtt.client as mqtt
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.acks = {}   # device -> list of (t_mono, t_wall, seq, shown_ms, ids)
        self.latest = {}  # device -> highest seq acked
        self.c = mqtt.Client(client_id=f"bench-acks-{os.getpid()}", clean_session=True)
        self.c.on_message = self._on_message
        subscribed = threading.Event()
        self.c.on_connect = lambda c, u, f, rc: c.subscribe(topic, 1)
        self.c.on_subscribe = lambda c, u, mid, q: subscribed.set()
        self.c.connect("127.0.0.1", port, 30)
        self.c.loop_start()
        if not subscribed.wait(10):
            raise TimeoutError("ack listener: no SUBACK")

    def _on_message(self, c, u, msg):
        t_mono, t_wall = time.monotonic(), time.time()
        dev = msg.topic.split("/")[-2]
        try:
            a = json.loads(msg.payload)
            seq = int(a["seq"])
        except (ValueError, KeyError, TypeError):
            return
        with self.cond:
            self.acks.setdefault(dev, []).append((t_mono, t_wall, seq, iso_ms(a.get("shown_ts")),
                                                  a.get("ids", [])))
            if seq > self.latest.get(dev, 0):
                self.latest[dev] = seq
            self.cond.notify_all()

    def wait_all(self, devices, seq, timeout):
        """True once every device acked seq or later; bounded by timeout."""
        end = time.monotonic() + timeout
        with self.cond:
            while not all(self.latest.get(d, 0) >= seq for d in devices):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def last(self, dev):
        with self.lock:
            a = self.acks.get(dev)
            return a[-1] if a else None

    def close(self):
        self.c.loop_stop()
        self.c.disconnect()


def iso_ms(ts):
    """Wall time in ms from '2026-11-30T09:15:02.123Z', or None."""
    if not isinstance(ts, str):
        return None
    try:
        import calendar
        base, frac = ts.rstrip("Z").split(".")
        return calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")) * 1000 + int(frac[:3])
    except ValueError:
        return None


class Http:
    """A keep-alive client for the bridge API; reconnects when dropped."""

    def __init__(self, port, token):
        self.port, self.token = port, token
        self.conn = None

    def post(self, path, body):
        data = json.dumps(body).encode()
        h = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        for attempt in range(2):
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                self.conn.request("POST", path, data, h)
                r = self.conn.getresponse()
                return r.status, json.loads(r.read() or b"null")
            except (http.client.HTTPException, OSError):
                if self.conn:
                    self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def close(self):
        if self.conn:
            self.conn.close()


def pct(xs, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def median(xs):
    return statistics.median(xs)


def med_range(xs, fmt):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "–"
    m = statistics.median(xs)
    if len(xs) == 1:
        return fmt.format(m)
    return f"{fmt.format(m)} ({fmt.format(min(xs))}–{fmt.format(max(xs))})"


def run_info(script, build_dir):
    """Build (see build) and say what a section says about its run: machine,
    load, date, the command (script with this process's arguments), version
    and build type."""
    build(build_dir)
    return {"machine": machine(), "load": loadavg(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "command": f"/usr/bin/python3 tools/bench/{script} "
                       + " ".join(shlex.quote(a) for a in sys.argv[1:]),
            "version": git_version(), "buildtype": buildtype(build_dir)}


def guarded(log, run, *args):
    """run(*args) for a bench's main: its result, or None (logged) when it
    was interrupted (SIGTERM as well as ^C) or failed."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return run(*args)
    except KeyboardInterrupt:
        log("interrupted")
    except (RuntimeError, TimeoutError, OSError, subprocess.TimeoutExpired) as e:
        log(f"failed: {e}")
    return None


def output_args(ap):
    """The options every section-writing bench takes: --build and where its
    section and figures go (see write_outputs)."""
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"))
    ap.add_argument("--markdown", help="also write the section to this file")
    ap.add_argument("--json", help="also write the raw figures to this file")
    ap.add_argument("--update", metavar="BENCHMARKS.md", help="replace (or add) the section")


def write_outputs(args, heading, text, figures):
    """Print a bench's section and write it where its --json, --markdown and
    --update options say (figures: what --json keeps)."""
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")
    if args.update:
        update_file(args.update, heading, text)


def update_file(path, heading, section):
    """Replace the section that starts with heading (up to the next '## ')
    in path, or append it."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    start = text.find(heading + "\n")
    if start >= 0:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section.rstrip("\n") + "\n" + (text[end:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    with open(path, "w") as f:
        f.write(text)


class CpuLimit:
    """A CPU quota for some processes, as a stand-in for a smaller computer
    (a third of one core for a Pi 4 at 1080p): a cgroup made here and removed
    by close(). cgroup v2 (cpu.max) when /sys/fs/cgroup is one with the cpu
    controller, else the v1 cpu hierarchy (cpu.cfs_quota_us). `ok` is False
    and `note` says why when neither can be written (no root, read-only
    cgroupfs); the processes then run unlimited."""

    PERIOD_US = 100000

    def __init__(self, percent, name="callboard-bench"):
        self.percent = percent
        self.path = None
        self.note = ""
        quota = int(self.PERIOD_US * percent / 100)
        name = f"{name}-{os.getpid()}"
        v2 = "/sys/fs/cgroup"
        v1 = "/sys/fs/cgroup/cpu"
        try:
            if "cpu" in open(os.path.join(v2, "cgroup.controllers")).read().split():
                with open(os.path.join(v2, "cgroup.subtree_control"), "w") as f:
                    f.write("+cpu")
                self.path = os.path.join(v2, name)
                os.mkdir(self.path)
                with open(os.path.join(self.path, "cpu.max"), "w") as f:
                    f.write(f"{quota} {self.PERIOD_US}")
                self.note = f"cgroup v2 {self.path}, cpu.max \"{quota} {self.PERIOD_US}\""
                return
        except OSError:
            self.close()
        try:
            self.path = os.path.join(v1, name)
            os.mkdir(self.path)
            with open(os.path.join(self.path, "cpu.cfs_period_us"), "w") as f:
                f.write(str(self.PERIOD_US))
            with open(os.path.join(self.path, "cpu.cfs_quota_us"), "w") as f:
                f.write(str(quota))
            self.note = (f"cgroup v1 {self.path}, cpu.cfs_quota_us {quota} per "
                         f"{self.PERIOD_US} us")
        except OSError as e:
            self.close()
            self.note = f"no CPU limit: cgroups not writable here ({e}); ran unlimited"

    @property
    def ok(self):
        return self.path is not None

    def add(self, pid):
        """Move pid (every thread of it) into the group."""
        if self.path:
            with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
                f.write(str(pid))

    def close(self):
        """Move any process left back to the root group and remove the group."""
        if not self.path:
            return
        try:
            parent = os.path.dirname(self.path)
            for pid in open(os.path.join(self.path, "cgroup.procs")).read().split():
                try:
                    with open(os.path.join(parent, "cgroup.procs"), "w") as f:
                        f.write(pid)
                except OSError:
                    pass
            os.rmdir(self.path)
        except OSError:
            pass
        self.path = None


def goals():
    """The goals table, tools/bench/goals.json: a list of dicts (id, what,
    unit, max or min, from)."""
    with open(os.path.join(HERE, "goals.json")) as f:
        return json.load(f)["goals"]

"""Registry load on callboard-bridge: N simulated displays (default 20,000)
spread over the given sites each publish a retained status once and a
health message every INTERVAL seconds (spread evenly), for DURATION
seconds. Prints the bridge's CPU use and RSS over the run (read from
/proc/PID), the longest loop stall as a client sees it (the slowest of
back-to-back GET /healthz on one connection during the run), the slowest
page of GET /v1/devices?limit=1000 and how many devices it lists online.
The bridge needs max_devices_per_site at least N / number of sites.

  bench_bridge_registry.py --port MQTT_PORT --pid BRIDGE_PID --url http://127.0.0.1:P \
      --admin TOKEN --sites aarhus/dokk1,aarhus/lystrup [--devices 20000] [--interval 10] \
      [--duration 60]
"""
import argparse
import http.client
import json
import multiprocessing
import os
import time
import urllib.parse

import paho.mqtt.client as mqtt


def proc_cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick


def proc_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def probe(host, port, done, worst):
    c = http.client.HTTPConnection(host, port, timeout=30)
    while not done.is_set():
        t0 = time.monotonic()
        c.request("GET", "/healthz")
        c.getresponse().read()
        worst.value = max(worst.value, time.monotonic() - t0)
    c.close()


class Stall:
    """Back-to-back GET /healthz on one keep-alive connection in a process
    of its own (the publishers' threads would delay it here): the slowest
    answer is the longest the bridge's loop was busy."""

    def __init__(self, host, port):
        self.done = multiprocessing.Event()
        self.worst = multiprocessing.Value("d", 0.0)
        self.p = multiprocessing.Process(target=probe,
                                         args=(host, port, self.done, self.worst))
        self.p.start()

    def stop(self):
        self.done.set()
        self.p.join()
        return self.worst.value


def list_devices(host, port, admin):
    """Every device, 1,000 a page; and the slowest page in seconds."""
    c = http.client.HTTPConnection(host, port, timeout=30)
    devs, after, slowest = [], None, 0.0
    while True:
        q = "/v1/devices?limit=1000" + (f"&after={after}" if after else "")
        t0 = time.monotonic()
        c.request("GET", q, headers={"Authorization": f"Bearer {admin}"})
        page = json.loads(c.getresponse().read())
        slowest = max(slowest, time.monotonic() - t0)
        devs += page["devices"]
        after = page.get("next")
        if not after:
            c.close()
            return devs, slowest


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin", required=True)
    ap.add_argument("--sites", default="aarhus/dokk1")
    ap.add_argument("--devices", type=int, default=20000)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=8)
    a = ap.parse_args()
    roots = [f"callboard/v1/{s}" for s in a.sites.split(",")]
    clients = []
    for i in range(a.connections):
        c = mqtt.Client(client_id=f"bench-reg-{os.getpid()}-{i}")
        c.max_queued_messages_set(0)
        c.connect("127.0.0.1", a.port, 60)
        c.loop_start()
        clients.append(c)
    names = [f"sim-{i:05d}" for i in range(a.devices)]
    root = {n: roots[i % len(roots)] for i, n in enumerate(names)}
    for i, n in enumerate(names):
        clients[i % a.connections].publish(
            f"{root[n]}/display/{n}/status",
            json.dumps({"v": 1, "state": "online", "device": n, "version": "0.1.0",
                        "areas": ["main"]}), qos=1, retain=True)
    url = urllib.parse.urlsplit(a.url)
    stall = Stall(url.hostname, url.port)
    rss0 = proc_rss_kb(a.pid)
    cpu0, t0 = proc_cpu_s(a.pid), time.monotonic()
    sent = 0
    step = a.interval / a.devices
    next_t = t0
    k = 0
    while time.monotonic() - t0 < a.duration:
        n = names[k % a.devices]
        h = {"v": 1, "device": n, "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "version": "0.1.0", "uptime_s": int(time.monotonic() - t0), "width": 1920,
             "height": 1080, "rotate": 0, "frames": k, "last_frame_ms": 4.2,
             "boards": [{"area": "main", "seq": 1, "age_s": 3}], "reconnects": 0,
             "audio": "ok", "volume": 80, "announced": 3, "announce_failed": 0,
             "cpu_temp_c": 51.5, "load1": 0.2, "rss_kb": 60000, "disk_free_mb": 2000,
             "undervoltage": 0, "screen": "on"}
        clients[k % a.connections].publish(f"{root[n]}/display/{n}/health", json.dumps(h), qos=0)
        sent += 1
        k += 1
        next_t += step
        d = next_t - time.monotonic()
        if d > 0:
            time.sleep(d)
    elapsed = time.monotonic() - t0
    cpu = proc_cpu_s(a.pid) - cpu0
    rss1 = proc_rss_kb(a.pid)
    max_stall = stall.stop()
    devs, slowest_page = list_devices(url.hostname, url.port, a.admin)
    online = sum(1 for d in devs if d.get("status", d.get("state")) == "online")
    for c in clients:
        c.loop_stop()
        c.disconnect()
    print(f"devices={a.devices} interval_s={a.interval} duration_s={elapsed:.0f} "
          f"health_msgs={sent} msgs_per_s={sent / elapsed:.0f} "
          f"bridge_cpu_pct={100 * cpu / elapsed:.1f} rss_start_kb={rss0} rss_end_kb={rss1} "
          f"listed_online={online} listed={len(devs)} max_stall_ms={max_stall * 1000:.1f} "
          f"slowest_page_ms={slowest_page * 1000:.1f}")


if __name__ == "__main__":
    main()

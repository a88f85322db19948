"""Registry load on callboard-bridge: N simulated displays (default 5,000)
on one site each publish a retained status once and a health message every
INTERVAL seconds (spread evenly), for DURATION seconds. Prints the bridge's
CPU use and RSS over the run (read from /proc/PID) and how many devices the
bridge lists online at the end.

  bench_bridge_registry.py --port MQTT_PORT --pid BRIDGE_PID --url http://127.0.0.1:P \
      --admin TOKEN --site aarhus/dokk1 [--devices 5000] [--interval 10] [--duration 60]
"""
import argparse
import json
import os
import time
import urllib.request

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--admin", required=True)
    ap.add_argument("--site", default="aarhus/dokk1")
    ap.add_argument("--devices", type=int, default=5000)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--connections", type=int, default=8)
    a = ap.parse_args()
    root = f"callboard/v1/{a.site}"
    clients = []
    for i in range(a.connections):
        c = mqtt.Client(client_id=f"bench-reg-{os.getpid()}-{i}")
        c.max_queued_messages_set(0)
        c.connect("127.0.0.1", a.port, 60)
        c.loop_start()
        clients.append(c)
    names = [f"sim-{i:05d}" for i in range(a.devices)]
    for i, n in enumerate(names):
        clients[i % a.connections].publish(
            f"{root}/display/{n}/status",
            json.dumps({"v": 1, "state": "online", "device": n, "version": "0.1.0",
                        "areas": ["main"]}), qos=1, retain=True)
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
        clients[k % a.connections].publish(f"{root}/display/{n}/health", json.dumps(h), qos=0)
        sent += 1
        k += 1
        next_t += step
        d = next_t - time.monotonic()
        if d > 0:
            time.sleep(d)
    elapsed = time.monotonic() - t0
    cpu = proc_cpu_s(a.pid) - cpu0
    rss1 = proc_rss_kb(a.pid)
    req = urllib.request.Request(a.url + "/v1/devices",
                                 headers={"Authorization": f"Bearer {a.admin}"})
    with urllib.request.urlopen(req, timeout=30) as r:
        devs = json.loads(r.read())["devices"]
    online = sum(1 for d in devs if d.get("status", d.get("state")) == "online")
    for c in clients:
        c.loop_stop()
        c.disconnect()
    print(f"devices={a.devices} interval_s={a.interval} duration_s={elapsed:.0f} "
          f"health_msgs={sent} msgs_per_s={sent / elapsed:.0f} "
          f"bridge_cpu_pct={100 * cpu / elapsed:.1f} rss_start_kb={rss0} rss_end_kb={rss1} "
          f"listed_online={online}")


if __name__ == "__main__":
    main()

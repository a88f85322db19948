#!/usr/bin/python3
"""The live daemon's real audio: `callboard-display --config X --headless`
against a real mosquitto, with SDL's disk audio driver writing what the
daemon plays to a raw file (in real time, silence included). Boards are
published as the bridge would; the part of the file written after each
board is read back and analysed (tests/display/audio/audiocheck.py)."""
import json
import os
import re
import subprocess
import time

from audiocheck import (SILENT_RMS, announcements, assert_chime_at, envelope, iso, read_raw,
                        read_wav, speech, speech_distance)
from cbtest import Client, Mosquitto, Proc, TempDir, binary, run, test, wait_until

ROOT = "callboard/v1/aarhus/dokk1"
DEV = "tv-1"
T_BOARD = f"{ROOT}/board/main"
T_ACK = f"{ROOT}/display/{DEV}/ack"
T_HEALTH = f"{ROOT}/display/{DEV}/health"
T_CMD = f"{ROOT}/display/{DEV}/cmd"
T_RESULT = f"{ROOT}/display/{DEV}/cmd/result"
QUIET_MS = 1500   # this much silence after the sound: the announcements are over
SKEW_S = 7 * 60   # the bridge's clock ahead of the display's


def config(port):
    return (f"[device]\nid = {DEV}\ntenant = aarhus\nsite = dokk1\nareas = main\n"
            f"[mqtt]\nhost = 127.0.0.1\nport = {port}\nkeepalive = 5\n"
            f"[health]\ninterval = 5\n"
            f"[screen]\nwidth = 320\nheight = 240\n"
            f"[audio]\nannounce_window = 60\n")


def call(cid, ticket, desk, age_s=0.0, kind="call"):
    return {"id": cid, "ticket": ticket, "desk": desk, "kind": kind,
            "ts": iso(time.time() - age_s)}


class Rig:
    """A broker, an observer client and the daemon writing its audio to
    out.raw; the format it opened is read from its log line."""

    def __init__(self):
        self.tmp = TempDir("cbaudio-")
        self.broker = Mosquitto(self.tmp)
        self.cfg = self.tmp.file("display.ini", config(self.broker.port))
        self.obs = Client(self.broker.port)
        self.obs.subscribe(f"{ROOT}/display/{DEV}/#")
        self.raw = os.path.join(self.tmp.path, "out.raw")
        self.daemon = Proc([binary("callboard-display"), "--config", self.cfg, "--headless"],
                           env={"SDL_AUDIODRIVER": "disk", "SDL_DISKAUDIOFILE": self.raw,
                                "XDG_RUNTIME_DIR": self.tmp.path})
        line = wait_until(lambda: re.search(r"audio on (\w+) .*: (\d+) Hz, (\d+) channel\(s\), "
                                            r"(\w+)", self.daemon.output()), 10,
                          what="the daemon's audio device")
        assert line.group(1) == "disk", line.group(0)
        self.rate, self.channels = int(line.group(2)), int(line.group(3))
        assert line.group(4) == "s16le", line.group(0)  # what the daemon asks SDL for
        self.frame = 2 * self.channels
        self.seq = 0
        wait_until(lambda: os.path.exists(self.raw), 10, what="the disk audio file")
        wait_until(lambda: "connected to" in self.daemon.output(), 10, what="MQTT connect")

    def mark(self):
        """Where the daemon's output is now (a byte offset into out.raw)."""
        return os.path.getsize(self.raw)

    def publish(self, calls, ts_offset_s=0.0):
        """A retained board with the next seq, as the bridge publishes it;
        waits for the daemon's ack. Returns the output position before it."""
        self.seq += 1
        pos = self.mark()
        self.obs.publish(T_BOARD, {"v": 1, "seq": self.seq,
                                   "ts": iso(time.time() + ts_offset_s), "calls": calls},
                         qos=1, retain=True)
        self.obs.wait_json(T_ACK, lambda a: a["seq"] == self.seq)
        return pos

    def command(self, cmd, **args):
        cid = f"k{time.monotonic_ns()}"
        # Right after start the daemon's subscription to its cmd topic may
        # not be in place yet (a command is not retained): send again,
        # with the same id, until it answers.
        r = None
        for _ in range(10):
            self.obs.publish(T_CMD, {"v": 1, "id": cid, "cmd": cmd, **args})
            try:
                r = self.obs.wait_json(T_RESULT, lambda m: m.get("id") == cid, timeout=1.5)
                break
            except TimeoutError:
                pass
        assert r is not None, f"no result for {cmd}"
        assert r["ok"] is True and r["cmd"] == cmd, r
        return r

    def samples(self, pos, end=None):
        return read_raw(self.raw, self.channels, pos, end)

    def record(self, pos, n=1, ms=QUIET_MS, timeout=30):
        """The output from pos on: until n announcements, each with speech
        after its chime, are followed by QUIET_MS of silence (or the
        timeout: the caller's checks then say what is missing); with n 0,
        the first ms milliseconds."""
        if n == 0:
            need = int(self.rate * ms / 1000) * self.frame
            wait_until(lambda: self.mark() - pos >= need, timeout, what=f"{ms} ms of output")
            return self.samples(pos, pos + need)

        def done():
            s = self.samples(pos)
            ann, env = announcements(s, self.rate)
            over = len(ann) == n and len(env) - ann[-1][1] > ms // 10
            return over and all(speech(env, *a) for a in ann)
        try:
            wait_until(done, timeout, step=0.3, what="the announcements to end")
        except TimeoutError:
            pass
        except AssertionError as e:
            raise AssertionError(f"{e}\n{self.log()}") from None
        return self.samples(pos)

    def log(self):
        """The daemon's announcer lines, for failure messages."""
        return "\n".join(x for x in self.daemon.output().splitlines()
                         if " announce" in x or "audio" in x)

    def health(self, pred, timeout=15):
        return self.obs.wait_json(T_HEALTH, pred, timeout)

    def close(self):
        self.daemon.stop()
        self.obs.close()
        self.broker.stop()
        if not os.environ.get("CBAUDIO_KEEP"):  # keep out.raw to look at
            self.tmp.cleanup()


def reference(rig, c, name):
    """The speech of the one-shot WAV of a call (`--announce`), as an envelope."""
    cf = rig.tmp.file(name + ".json", json.dumps(c))
    out = os.path.join(rig.tmp.path, name + ".wav")
    p = subprocess.run([binary("callboard-display"), "--announce", cf, "--out", out,
                        "--config", rig.cfg], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    s, rate = read_wav(out)
    ann, env = announcements(s, rate)
    assert len(ann) == 1 and ann[0][0] == 0, ann
    return speech(env, *ann[0])


def spoken(rig, s, n):
    """The n announcements in s, each checked to start with the chime;
    returns their speech envelopes."""
    rate = rig.rate
    ann, env = announcements(s, rate)
    assert len(ann) == n, f"{len(ann)} announcements, expected {n}: {ann}\n{rig.log()}"
    for a in ann:
        assert_chime_at(s, rate, a[0])
        assert a[1] - a[0] > 150, f"announcement of {(a[1] - a[0]) * 10} ms"
    return [speech(env, *a) for a in ann]


def silent(s, rate):
    env = envelope(s, rate)
    assert len(env) > 50 and max(env) < SILENT_RMS, max(env)


def alive(rig):
    assert rig.daemon.alive(), "daemon exited:\n" + rig.daemon.output()[-3000:]


@test
def one_call_is_the_announce_wav():
    rig = Rig()
    try:
        c1, other = call("c1", "A042", "3"), call("c9", "B7", "12")
        pos = rig.publish([c1])
        (live,) = spoken(rig, rig.record(pos), 1)
        same, diff = reference(rig, c1, "c1"), reference(rig, other, "c9")
        d_same, d_diff = speech_distance(live, same), speech_distance(live, diff)
        # The same samples, resampled to the device: near-identical envelopes.
        assert abs(len(live) - len(same)) <= 5, (len(live), len(same))
        assert d_same < 0.25 and d_same < d_diff / 2, (d_same, d_diff)
        h = rig.health(lambda m: m.get("announced") == 1)
        assert h["audio"] == "ok" and h["announce_failed"] == 0, h
        alive(rig)
    finally:
        rig.close()


@test
def two_calls_back_to_back_oldest_first():
    rig = Rig()
    try:
        c1, c2 = call("c1", "A042", "3", age_s=2), call("c2", "B7", "12")
        pos = rig.publish([c2, c1])  # the board lists the newest first
        live = spoken(rig, rig.record(pos, 2), 2)  # asserts no overlap too
        r1, r2 = reference(rig, c1, "c1"), reference(rig, c2, "c2")
        d = [[speech_distance(x, r) for r in (r1, r2)] for x in live]
        assert d[0][0] < d[0][1] and d[1][1] < d[1][0], f"not in call order: {d}"
        log = rig.daemon.output()
        assert log.index("announce call A042") < log.index("announce call B7"), log
        rig.health(lambda m: m.get("announced") == 2 and m["audio"] == "ok")
    finally:
        rig.close()


@test
def stale_call_is_silent():
    rig = Rig()
    try:
        pos = rig.publish([call("c1", "A042", "3", age_s=300)])
        h = rig.health(lambda m: m["boards"][0]["seq"] == 1)
        assert h["announced"] == 0 and h["audio"] == "ok", h
        silent(rig.record(pos, 0, ms=2000), rig.rate)
        assert "announce call" not in rig.daemon.output()
    finally:
        rig.close()


@test
def volume_zero_is_silent_then_announce_test():
    rig = Rig()
    try:
        rig.command("volume", level=0)
        pos = rig.publish([call("c1", "A042", "3")])
        h = rig.health(lambda m: m["boards"][0]["seq"] == 1)
        assert h["audio"] == "muted" and h["volume"] == 0 and h["announced"] == 0, h
        silent(rig.record(pos, 0, ms=2000), rig.rate)
        rig.command("volume", level=80)
        pos = rig.mark()
        rig.command("announce-test")
        spoken(rig, rig.record(pos), 1)
        # Not counted as a call announced; the muted call is not spoken later.
        h = rig.health(lambda m: m["volume"] == 80)
        assert h["audio"] == "ok" and h["announced"] == 0, h
    finally:
        rig.close()


@test
def recall_is_spoken_again():
    rig = Rig()
    try:
        c1 = call("c1", "A042", "3")
        pos = rig.publish([c1])
        (first,) = spoken(rig, rig.record(pos), 1)
        # The next board repeats c1 (not spoken again) with its recall.
        r1 = call("c1", "A042", "3", kind="recall")
        pos = rig.publish([r1, c1])
        (again,) = spoken(rig, rig.record(pos), 1)
        # A recall says so ("igen"): it is the recall's own phrase, longer.
        assert speech_distance(reference(rig, r1, "recall"), again) < 0.25
        assert len(again) > len(first), (len(again), len(first))
        assert rig.daemon.output().count("announce recall A042") == 1
        # A live board (the second since connect) gives the clock offset.
        h = rig.health(lambda m: m.get("announced") == 2 and "clock_offset_ms" in m)
        assert h["audio"] == "ok" and abs(h["clock_offset_ms"]) < 30000, h
    finally:
        rig.close()


@test
def bridge_clock_minutes_ahead():
    """Judged against the bridge's clock, learnt from board ts: a call
    fresh for the bridge is spoken although the display's clock calls it
    7 minutes in the future; a call 7 minutes older than its board is not,
    although the display's clock calls it fresh."""
    rig = Rig()
    try:
        # The first board after connect may be a retained old one: its calls
        # must be fresh by the local clock too. It only teaches the offset.
        rig.publish([], ts_offset_s=SKEW_S)
        fresh = call("c1", "A042", "3", age_s=-SKEW_S)
        pos = rig.publish([fresh], ts_offset_s=SKEW_S)
        spoken(rig, rig.record(pos), 1)
        pos = rig.publish([call("c2", "B7", "12"), fresh], ts_offset_s=SKEW_S)
        h = rig.health(lambda m: m["boards"][0]["seq"] == 3 and "clock_offset_ms" in m)
        silent(rig.record(pos, 0, ms=2000), rig.rate)
        assert h["announced"] == 1, h
        assert abs(h["clock_offset_ms"] + SKEW_S * 1000) < 30000, h
    finally:
        rig.close()


if __name__ == "__main__":
    run()

"""The announcer's real output through SDL's disk audio driver: a harness
drives the real announcer on a real loop (as the daemon does) and SDL
writes what it would play to a raw file in the format it opened, which the
harness prints. The samples are then read back and analysed here."""
import json
import os
import subprocess
import time
import wave
from array import array

import cbtest
from audiocheck import (SILENT_RMS, announcements, assert_chime_at, distance, envelope,
                        iso, mono)
from cbtest import TempDir, test

HARNESS = os.environ.get("CALLBOARD_ANNOUNCE_HARNESS", "")
CLI = os.environ.get("CALLBOARD_ANNOUNCE_CLI", "")
SRC = os.environ.get("CALLBOARD_SRC", cbtest.SRC)
CHIME = os.path.join(SRC, "assets", "chime.wav")

def call(cid, ticket, desk, age_s=0.0, kind="call"):
    return {"id": cid, "ticket": ticket, "desk": desk, "kind": kind,
            "ts": iso(time.time() - age_s)}


def board_file(tmp, name, seq, calls):
    return tmp.file(name, json.dumps({"v": 1, "seq": seq, "ts": iso(time.time()),
                                      "calls": calls}))


def one_call(tmp, **kw):
    """A board of one call, A042 at desk 3, in tmp's b.json: its path."""
    return board_file(tmp, "b.json", 1, [call("c1", "A042", "3", **kw)])


def run_harness(tmp, steps, *opts):
    raw = os.path.join(tmp.path, "out.raw")
    env = dict(os.environ, SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=raw,
               CALLBOARD_CHIME=CHIME)
    p = subprocess.run([HARNESS, *opts, *steps], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, f"harness failed: {p.stdout}\n{p.stderr}"
    spec = stats = None
    for line in p.stdout.splitlines():
        if line.startswith("spec "):
            spec = json.loads(line[5:])
        elif line.startswith("stats "):
            stats = json.loads(line[6:])
    assert spec, f"no audio device opened: {p.stderr}"
    stats["out"] = p.stdout
    assert spec["format"] == "s16le", spec  # what we ask SDL for
    samples = array("h")
    with open(raw, "rb") as f:
        samples.frombytes(f.read())
    return mono(samples, spec["channels"]), spec["freq"], stats


def reference(tmp, c, name):
    """The one-shot WAV for a call, as an envelope at 10 ms."""
    cf = tmp.file(name + ".json", json.dumps(c))
    out = os.path.join(tmp.path, name + ".wav")
    p = subprocess.run([CLI, cf, out, "--chime", CHIME], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    with wave.open(out) as w:
        s = array("h")
        s.frombytes(w.readframes(w.getnframes()))
        return envelope(s, w.getframerate())


def silent_run(tmp, b, *opts):
    """Plays board b for 1.5 s with opts and checks nothing was heard: the stats."""
    s, rate, stats = run_harness(tmp, ["board:main:" + b, "sleep:1500"], *opts)
    env = envelope(s, rate)
    assert len(env) > 50 and max(env) < SILENT_RMS, max(env)
    return stats


@test
def one_call_chime_then_speech():
    tmp = TempDir()
    b = board_file(tmp, "b1.json", 1, [call("c1", "A042", "3")])
    s, rate, stats = run_harness(tmp, ["board:main:" + b, "idle", "sleep:200"])
    ann, env = announcements(s, rate)
    assert len(ann) == 1, ann
    start, end = ann[0]
    assert_chime_at(s, rate, start)
    # chime 1.25 s + pause + "Nummer A 42, skranke 3" (about 2.5 s)
    assert 300 <= end - start <= 800, f"announcement {end - start} windows long"
    # speech after the chime: sound again after the chime's end
    assert max(env[start + 160:end]) >= 10 * SILENT_RMS
    assert stats["played"] == 1 and stats["failed"] == 0 and stats["state"] == "ok", stats
    tmp.cleanup()


@test
def two_calls_back_to_back_in_order():
    tmp = TempDir()
    c1, c2 = call("c1", "A042", "3"), call("c2", "B7", "12")
    b = board_file(tmp, "b.json", 1, [c2, c1])  # newest first
    s, rate, stats = run_harness(tmp, ["board:main:" + b, "idle", "sleep:200"])
    ann, env = announcements(s, rate)
    assert len(ann) == 2, ann
    for a in ann:
        assert_chime_at(s, rate, a[0])
    assert ann[1][0] > ann[0][1]
    # Which is which: compare each with the one-shot WAV of each call.
    r1, r2 = reference(tmp, c1, "r1"), reference(tmp, c2, "r2")
    d = [[distance(env, a[0], r) for r in (r1, r2)] for a in ann]
    assert d[0][0] < d[0][1] and d[1][1] < d[1][0], f"wrong order: {d}"
    assert stats["played"] == 2, stats
    tmp.cleanup()


@test
def stale_call_is_silent():
    tmp = TempDir()
    stats = silent_run(tmp, one_call(tmp, age_s=300))
    assert stats["played"] == 0 and stats["announced"] == 0, stats
    tmp.cleanup()


@test
def quiet_hours_speak_at_the_quiet_volume():
    tmp = TempDir()
    b = one_call(tmp)
    loud, _, _ = run_harness(tmp, ["board:main:" + b, "idle"], "--volume", "80")
    quiet, _, stats = run_harness(tmp, ["quiet", "board:main:" + b, "idle"], "--volume", "80",
                                  "--quiet-volume", "20")
    ratio = max(abs(x) for x in quiet) / max(abs(x) for x in loud)
    assert 0.04 < ratio < 0.09, ratio  # (20/80)^2: the gain curve is squared
    assert stats["played"] == 1, stats
    tmp.cleanup()


@test
def volume_zero_is_silent():
    tmp = TempDir()
    stats = silent_run(tmp, one_call(tmp), "--volume", "0")
    assert stats["state"] == "muted", stats
    tmp.cleanup()


@test
def volume_command_and_announce_test():
    tmp = TempDir()
    b = one_call(tmp)
    # Muted by the volume command: the call is not spoken (nor later);
    # then volume up and the announce-test command: one announcement.
    s, rate, stats = run_harness(tmp, ["volume:0", "board:main:" + b, "sleep:800",
                                       "reload:/nonexistent/chime.wav", "reload:" + CHIME,
                                       "volume:80", "test", "idle", "sleep:200"])
    assert stats["out"].count("reload error: /nonexistent/chime.wav: ") == 1, stats["out"]
    assert stats["out"].count("reload ok") == 1, stats["out"]
    ann, env = announcements(s, rate)
    assert len(ann) == 1 and ann[0][0] >= 70, ann
    assert_chime_at(s, rate, ann[0][0])
    assert stats["played"] == 1, stats
    tmp.cleanup()


@test
def queue_cap_drops_oldest_pending():
    tmp = TempDir()
    calls = [call("c%d" % i, "A%03d" % i, "3") for i in range(5, 0, -1)]
    b = board_file(tmp, "b.json", 1, calls)
    # The first starts at once; 4 wait and the cap is 2: 2 dropped.
    s, rate, stats = run_harness(tmp, ["board:main:" + b, "sleep:100"], "--queue", "2")
    assert stats["dropped"] == 2, stats
    tmp.cleanup()


@test
def calls_in_a_stream_wait_their_turn():
    """Boards coming faster than speech: one announcement plays, the rest wait
    (so the device never holds more than one) and the cap drops the oldest
    waiting ones. Before, every synthesized call went to the device at once,
    unbounded."""
    tmp = TempDir()
    steps = []
    calls = []
    for i in range(1, 7):
        calls.insert(0, call("c%d" % i, "A%03d" % i, "3"))
        steps += ["board:main:" + board_file(tmp, "b%d.json" % i, i, list(calls)), "sleep:60"]
    s, rate, stats = run_harness(tmp, steps, "--queue", "2")
    # 6 calls: 1 playing, 2 waiting, 3 dropped.
    assert stats["dropped"] == 3, stats
    tmp.cleanup()


@test
def a_burst_leaves_no_speech_backlog():
    """60 calls at once, two languages, a cap of 2: the dropped
    announcements take their phrases out of the speech thread's queue too,
    so it never holds more than the kept ones' (a playing one, the 2 that
    wait, the one just come: 4 calls of 2 phrases). Before, every phrase of
    every call waited there to be made and thrown away: memory and CPU that
    grew with the burst."""
    tmp = TempDir()
    steps = []
    calls = []
    for i in range(1, 61):
        calls = [call("c%d" % i, "A%03d" % i, "3")] + calls[:9]
        steps.append("board:main:" + board_file(tmp, "b%d.json" % i, i, calls))
    s, rate, stats = run_harness(tmp, steps + ["sleep:100"], "--queue", "2", "--lang", "da,en")
    assert stats["announced"] == 60, stats
    assert stats["dropped"] >= 50, stats
    assert 1 <= stats["speech_queue_peak"] <= 4 * 2, stats
    tmp.cleanup()


@test
def recall_is_spoken_again():
    tmp = TempDir()
    c1 = call("c1", "A042", "3")
    b1 = board_file(tmp, "b1.json", 1, [c1])
    b2 = board_file(tmp, "b2.json", 2, [call("c2", "A043", "4", age_s=400), c1])
    b3 = board_file(tmp, "b3.json", 3, [call("c1", "A042", "3", kind="recall"), c1])
    # b2 repeats c1 (not again) with a stale call (not spoken); b3 recalls c1.
    s, rate, stats = run_harness(tmp, ["board:main:" + b1, "idle", "board:main:" + b2,
                                       "sleep:300", "board:main:" + b3, "idle", "sleep:200"])
    ann, _ = announcements(s, rate)
    assert len(ann) == 2, ann
    for a in ann:
        assert_chime_at(s, rate, a[0])
    assert stats["played"] == 2, stats
    tmp.cleanup()


@test
def no_device_keeps_going():
    tmp = TempDir()
    b = one_call(tmp)
    env = dict(os.environ, SDL_AUDIODRIVER="no-such-driver", CALLBOARD_CHIME=CHIME)
    p = subprocess.run([HARNESS, "board:main:" + b, "sleep:300", "idle"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    stats = json.loads(p.stdout.split("stats ", 1)[1])
    assert stats["state"] == "none" and stats["announced"] == 1, stats
    assert p.stderr.count("no audio") == 1, p.stderr
    tmp.cleanup()


@test
def announce_wav_one_shot():
    tmp = TempDir()
    cf = tmp.file("call.json", json.dumps(call("c1", "A042", "3")))
    out = os.path.join(tmp.path, "a.wav")
    p = subprocess.run([CLI, cf, out, "--lang", "da,en", "--chime", CHIME],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    with wave.open(out) as w:
        rate = w.getframerate()
        s = array("h")
        s.frombytes(w.readframes(w.getnframes()))
    assert_chime_at(s, rate, 0)
    ann, _ = announcements(s, rate)
    assert len(ann) == 1 and ann[0][1] - ann[0][0] > 500, ann  # two languages
    bad = tmp.file("bad.json", json.dumps({"id": "c1", "ticket": "a-1", "desk": "3",
                                           "kind": "call", "ts": iso(time.time())}))
    p = subprocess.run([CLI, bad, out], capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and p.stderr.startswith(bad + ": ticket: "), p.stderr
    tmp.cleanup()


def phonemes(lang, ssml):
    p = subprocess.run(["espeak-ng", "-v", lang, "-m", "-x", "-q", ssml], capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    return " ".join(p.stdout.split())


@test
def espeak_says_letters_and_numbers():
    """What espeak-ng makes of our phrases, as phonemes: the letter as a
    letter, the number as a number, no leading "nul"."""
    tmp = TempDir()
    said = {}
    for ticket in ("A042", "A42", "B7", "AB105", "0", "100"):
        cf = tmp.file(ticket + ".json", json.dumps(call("c1", ticket, "3")))
        p = subprocess.run([CLI, cf, "-", "--lang", "da,en"], capture_output=True, text=True,
                           timeout=30)
        assert p.returncode == 0, p.stderr
        for line in p.stdout.splitlines():
            lang, ssml = line.split("\t")
            said[(ticket, lang)] = phonemes(lang, ssml)
    tyve_to = phonemes("da", "42")  # "toogfyrre"
    assert said[("A042", "da")] == said[("A42", "da")]
    assert tyve_to in said[("A042", "da")]
    assert phonemes("da", "A") in said[("A042", "da")]  # the letter's name
    assert "n'Ol" not in said[("A042", "da")]  # no "nul"
    assert "n'Ol" in said[("0", "da")]
    assert phonemes("da", "7") in said[("B7", "da")]
    assert phonemes("da", "105") in said[("AB105", "da")]
    assert phonemes("da", "100") in said[("100", "da")]
    # English: "A" as the letter (eI), not the article (@).
    assert "'eI" in said[("A042", "en")] and phonemes("en", "42") in said[("A042", "en")]
    tmp.cleanup()


SHIPPED = ["da", "en", "de", "sv", "nb", "pl", "uk", "tr", "ar"]


def said_in(tmp, lang, c):
    cf = tmp.file(f"{lang}-{c['id']}.json", json.dumps(c))
    p = subprocess.run([CLI, cf, "-", "--lang", lang], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    return [line.split("\t") for line in p.stdout.splitlines()]


@test
def every_shipped_language_reads_letter_and_number():
    """Each shipped voice says the ticket's letter as a letter and 42 as a
    number (not "four two", no leading zero), and a recall says so."""
    tmp = TempDir()
    for lang in SHIPPED:
        (l1, ssml), = said_in(tmp, lang, call("c1", "A042", "3"))
        assert l1 == lang
        ph = phonemes(lang, ssml)
        assert phonemes(lang, "42") in ph, (lang, ph)
        assert phonemes(lang, "4 2") not in ph, (lang, ph)
        (_, again), = said_in(tmp, lang, call("c2", "A042", "3", kind="recall"))
        assert len(again) > len(ssml), (lang, again)
    # Ukrainian says the Ukrainian name of the Latin letter, not the English "eI".
    (_, uk), = said_in(tmp, "uk", call("c1", "A042", "3"))
    assert "(en)" not in phonemes("uk", uk), phonemes("uk", uk)
    tmp.cleanup()


@test
def citizen_language_first():
    tmp = TempDir()
    c = call("c1", "A042", "3")
    c["lang"] = "uk"
    cf = tmp.file("c.json", json.dumps(c))
    p = subprocess.run([CLI, cf, "-", "--lang", "da,en"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0, p.stderr
    assert [line.split("\t")[0] for line in p.stdout.splitlines()] == ["uk", "da", "en"]
    tmp.cleanup()


@test
def announce_wav_every_shipped_language():
    """callboard-display --announce makes speech for each shipped language."""
    tmp = TempDir()
    cf = tmp.file("call.json", json.dumps(call("c1", "A042", "3")))
    for lang in SHIPPED:
        ini = tmp.file(lang + ".ini", "[device]\nid = d\ntenant = t\nsite = s\nareas = main\n"
                       f"[audio]\nlanguages = {lang}\nchime = {CHIME}\n")
        out = os.path.join(tmp.path, lang + ".wav")
        p = subprocess.run([cbtest.binary("callboard-display"), "--announce", cf, "--out", out,
                            "--config", ini], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, (lang, p.stdout, p.stderr)
        with wave.open(out) as w:
            rate = w.getframerate()
            s = array("h")
            s.frombytes(w.readframes(w.getnframes()))
        ann, _ = announcements(s, rate)
        assert len(ann) == 1 and ann[0][1] - ann[0][0] > 200, (lang, ann)  # chime 125
    tmp.cleanup()


if __name__ == "__main__":
    cbtest.run()

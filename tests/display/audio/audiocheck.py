"""Sample analysis shared by the audio tests: 10 ms RMS envelopes, the
chime's two tones (Goertzel), where each announcement starts and ends,
and how close a recording is to the one-shot WAV of a call."""
import math
import time
import wave
from array import array

SILENT_RMS = 60       # of 32767: below this a 10 ms window is silence
BOUNDARY_MS = 900     # silence this long separates two announcements
E5, C5 = 659.25, 523.25
CHIME_WINDOWS = 125   # the chime is 1.25 s long


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def mono(samples, channels):
    """Mix interleaved s16 frames down to one channel."""
    if channels == 1:
        return samples
    return array("h", [sum(samples[i:i + channels]) // channels
                       for i in range(0, len(samples) - channels + 1, channels)])


def read_raw(path, channels, offset=0, end=None):
    """s16le frames of a raw file from byte offset to end (whole frames),
    mixed down to mono."""
    frame = 2 * channels
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read() if end is None else f.read(max(0, end - offset))
    data = data[:len(data) - len(data) % frame]
    s = array("h")
    s.frombytes(data)
    return mono(s, channels)


def read_wav(path):
    """(mono samples, rate) of a 16-bit WAV."""
    with wave.open(path) as w:
        assert w.getsampwidth() == 2, path
        s = array("h")
        s.frombytes(w.readframes(w.getnframes()))
        return mono(s, w.getnchannels()), w.getframerate()


def envelope(s, rate):
    w = rate // 100
    return [math.sqrt(sum(x * x for x in s[i:i + w]) / w) for i in range(0, len(s) - w + 1, w)]


def tone_share(s, rate, start_ms, length_ms, freq):
    """Share of the energy in [start, start+length) at freq (Goertzel); 0
    when the samples end before (a recording still being written: a few
    ms of speech would not tell one frequency from another)."""
    a, n = int(rate * start_ms / 1000), int(rate * length_ms / 1000)
    x = s[a:a + n]
    if len(x) < n:
        return 0.0
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for v in x:
        s1, s2 = v + k * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - k * s1 * s2
    total = sum(v * v for v in x) * len(x) / 2
    return power / total if total else 0.0


def chime_share(s, rate, win):
    """How much of the sound at window win is the chime: the lesser share
    of its first tone at the start and its second 460 ms later (one tone
    alone may be a voiced sound in the speech)."""
    return min(tone_share(s, rate, win * 10 + 20, 300, E5),
               tone_share(s, rate, win * 10 + 480, 300, C5))


def announcements(s, rate):
    """(start, end) in 10 ms windows of each announcement: it starts where
    a sound run opens with the chime; it ends at the last sound before the
    next one. A late speech part (a loaded machine) only adds silence, so
    it cannot split one announcement in two. Asserts that every chime
    after the first follows at least BOUNDARY_MS of silence: announcements
    never overlap."""
    env = envelope(s, rate)
    starts, quiet, prev_loud = [], 10 ** 9, False
    for i, r in enumerate(env):
        loud = r >= SILENT_RMS
        if loud and not prev_loud:
            starts.append((i, quiet))
        quiet = 0 if loud else quiet + 1
        prev_loud = loud
    chimes = [(i, q) for i, q in starts if chime_share(s, rate, i) > 0.3]
    out = []
    for k, (i, q) in enumerate(chimes):
        if k > 0:
            assert q * 10 >= BOUNDARY_MS, f"chime at {i * 10} ms after only {q * 10} ms silence"
        stop = chimes[k + 1][0] if k + 1 < len(chimes) else len(env)
        end = max((j + 1 for j in range(i, stop) if env[j] >= SILENT_RMS), default=i)
        out.append((i, end))
    return out, env


def assert_chime_at(s, rate, win):
    t = win * 10
    e5 = tone_share(s, rate, t + 20, 300, E5)
    c5 = tone_share(s, rate, t + 480, 300, C5)
    assert e5 > 0.3 and c5 > 0.3, f"no chime at {t} ms (E5 {e5:.2f}, C5 {c5:.2f})"


def distance(env, start, ref):
    n = min(len(ref), len(env) - start)
    return sum(abs(env[start + i] - ref[i]) for i in range(n)) / n


def speech(env, start, end):
    """The speech of the announcement at [start, end) as an envelope: from
    the first sound after the chime to its end. Aligned on its own onset
    so that speech made late (a loaded machine) still compares."""
    i = start + CHIME_WINDOWS
    while i < end and env[i] >= SILENT_RMS:  # the chime's tail
        i += 1
    while i < end and env[i] < SILENT_RMS:  # the pause
        i += 1
    return env[i:end]


def speech_distance(a, b, shift=3):
    """Mean envelope difference of two speech parts relative to their
    level, at the best alignment within +-shift windows (onsets are found
    to a window only, so both are smoothed over 3); the shorter one is
    padded with silence."""
    def smooth(e):
        return [sum(e[max(0, i - 1):i + 2]) / len(e[max(0, i - 1):i + 2]) for i in range(len(e))]

    def at(a, b):
        n = max(len(a), len(b))
        a = a + [0.0] * (n - len(a))
        b = b + [0.0] * (n - len(b))
        level = (sum(a) + sum(b)) / (2 * n) if n else 0.0
        return sum(abs(x - y) for x, y in zip(a, b)) / n / level if level else 1.0
    a, b = smooth(a), smooth(b)
    return min(at(a[k:], b) if k >= 0 else at(a, b[-k:]) for k in range(-shift, shift + 1))

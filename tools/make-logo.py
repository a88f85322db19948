#!/usr/bin/python3
"""Draw assets/logo.png: a rounded light-blue tile with a dark arrow pointing
at a desk bar, the callboard mark. Standard library only (zlib PNG writer),
4x supersampled for smooth edges. usage: tools/make-logo.py [OUT.png]"""
import struct
import sys
import zlib

S = 160          # output size in pixels
SS = 4           # supersampling factor
TILE = (0x4f, 0xc3, 0xf7)
INK = (0x0b, 0x1a, 0x2b)


def inside_tile(x, y):
    r = 0.22
    cx = min(max(x, r), 1 - r)
    cy = min(max(y, r), 1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def inside_ink(x, y):
    # arrow shaft
    if 0.18 <= x <= 0.52 and 0.43 <= y <= 0.57:
        return True
    # arrow head: triangle from (0.48, 0.28) (0.48, 0.72) to tip (0.70, 0.5)
    if 0.48 <= x <= 0.70:
        half = 0.22 * (0.70 - x) / 0.22
        if abs(y - 0.5) <= half:
            return True
    # desk bar
    return 0.74 <= x <= 0.84 and 0.24 <= y <= 0.76


def pixel(px, py):
    acc = [0, 0, 0, 0]
    for sy in range(SS):
        for sx in range(SS):
            x = (px + (sx + 0.5) / SS) / S
            y = (py + (sy + 0.5) / SS) / S
            if not inside_tile(x, y):
                continue
            c = INK if inside_ink(x, y) else TILE
            acc[0] += c[0]
            acc[1] += c[1]
            acc[2] += c[2]
            acc[3] += 255
    n = SS * SS
    a = acc[3] // n
    if a == 0:
        return (0, 0, 0, 0)
    k = acc[3] // 255
    return (acc[0] // k, acc[1] // k, acc[2] // k, a)


def png(w, h, rows):
    raw = b"".join(b"\0" + bytes(v for p in row for v in p) for row in rows)

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


out = sys.argv[1] if len(sys.argv) > 1 else "assets/logo.png"
with open(out, "wb") as f:
    f.write(png(S, S, [[pixel(x, y) for x in range(S)] for y in range(S)]))
print(out)

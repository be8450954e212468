#!/usr/bin/env python3
"""Draws the add-in's ribbon and store icons: a speech bubble with three dots.

Run from the repository root: `python3 manifest/make_icons.py`. The output is the same
byte for byte on every run (no timestamps, fixed compression), so a changed PNG in a diff
means the drawing changed. Only the standard library is used.

Writes web/assets/icon-{16,32,64,80,128,192}.png (colour, transparent background) and
web/assets/icon-outline-32.png (white silhouette for the unified manifest's outline icon).
"""

import struct
import zlib
from pathlib import Path

BLUE = (15, 108, 189)
WHITE = (255, 255, 255)
SIZES = (16, 32, 64, 80, 128, 192)
SUBSAMPLES = 4
ASSETS = Path(__file__).resolve().parent.parent / "web" / "assets"


def in_rounded_rect(x, y, left, top, right, bottom, radius):
    """Whether (x, y) lies in the rectangle with rounded corners."""
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + radius), right - radius)
    cy = min(max(y, top + radius), bottom - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def in_triangle(x, y, a, b, c):
    """Whether (x, y) lies in the triangle a, b, c (any winding)."""
    def side(p, q):
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])
    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    negative = d1 < 0 or d2 < 0 or d3 < 0
    positive = d1 > 0 or d2 > 0 or d3 > 0
    return not (negative and positive)


def in_bubble(x, y):
    """The bubble's body and its tail, in unit coordinates."""
    body = in_rounded_rect(x, y, 0.06, 0.10, 0.94, 0.74, 0.18)
    tail = in_triangle(x, y, (0.20, 0.66), (0.44, 0.66), (0.14, 0.93))
    return body or tail


def in_dot(x, y):
    """One of the three dots that say "message" inside the bubble."""
    return any((x - cx) ** 2 + (y - 0.42) ** 2 <= 0.085 ** 2 for cx in (0.29, 0.50, 0.71))


def pixel(px, py, size, outline):
    """RGBA of one pixel, anti-aliased by sampling a grid inside it."""
    bubble = dots = 0
    for sy in range(SUBSAMPLES):
        for sx in range(SUBSAMPLES):
            x = (px + (sx + 0.5) / SUBSAMPLES) / size
            y = (py + (sy + 0.5) / SUBSAMPLES) / size
            if in_bubble(x, y):
                if in_dot(x, y):
                    dots += 1
                else:
                    bubble += 1
    total = SUBSAMPLES * SUBSAMPLES
    if outline:
        return WHITE + (round(255 * bubble / total),)
    covered = bubble + dots
    if covered == 0:
        return (0, 0, 0, 0)
    colour = tuple(round((b * bubble + w * dots) / covered) for b, w in zip(BLUE, WHITE))
    return colour + (round(255 * covered / total),)


def png(size, outline=False):
    """The PNG file bytes for one icon."""
    rows = bytearray()
    for py in range(size):
        rows.append(0)
        for px in range(size):
            rows.extend(pixel(px, py, size, outline))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main():
    ASSETS.mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        (ASSETS / f"icon-{size}.png").write_bytes(png(size))
    (ASSETS / "icon-outline-32.png").write_bytes(png(32, outline=True))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Regenerate www/data/digits.bin, the handwritten digits the page fetches (and native builds embed).

Source: the 1,797 8x8 digits scikit-learn ships (`sklearn.datasets.load_digits`), a copy of the test
set of the UCI ML "Optical Recognition of Handwritten Digits" data (E. Alpaydin, C. Kaynak, 1998;
CC BY 4.0). Pixel values are integers 0..16 (the number of "on" pixels in a 4x4 block of a 32x32
bitmap); labels are 0..9. The project itself never runs Python: this script only rebuilds the
committed file.

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python scripts/make_digits.py          # writes www/data/digits.bin

File layout (all integers little-endian), parsed by `parse_digits` in src/data/digits.rs:

    offset 0   4 bytes   magic b"CNPD"
    offset 4   u32       version = 1
    offset 8   u32       count N
    offset 12  u32       height H
    offset 16  u32       width W
    offset 20  N*H*W     pixels, one byte each (0..16), example by example, row-major
    then       N         labels, one byte each (0..9)
"""

import struct
import sys
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

MAGIC = b"CNPD"
VERSION = 1


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "www" / "data" / "digits.bin"
    digits = load_digits()
    images = digits.images  # (1797, 8, 8) float64 holding integers 0..16
    labels = digits.target  # (1797,) int
    n, h, w = images.shape
    assert np.all(images == np.round(images)) and images.min() >= 0 and images.max() <= 16
    assert labels.min() >= 0 and labels.max() <= 9 and len(labels) == n

    header = MAGIC + struct.pack("<IIII", VERSION, n, h, w)
    body = images.astype(np.uint8).tobytes(order="C") + labels.astype(np.uint8).tobytes()
    out.write_bytes(header + body)

    # The figures tests/data.rs checks, printed so a regenerated file can be compared at a glance.
    print(f"wrote {out}: {len(header) + len(body)} bytes, {n} examples of {h}x{w}")
    print("per-class counts:", np.bincount(labels, minlength=10).tolist())
    print("pixel sum:", int(images.sum()))
    print("pixel sum per class:", [int(images[labels == k].sum()) for k in range(10)])


if __name__ == "__main__":
    main()

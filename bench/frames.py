"""Benchmark: the cost of one value crossing the pipe between the grader and a student's process.

    .venv/bin/python bench/frames.py [--repeat 2000]

Every call a check makes sends the arguments one way and (result, arguments, keyword arguments)
back: hw2's build makes about 7,500 such calls, one hw2 grading about 900 per variant. Side by
side, on the values those calls carry: the .npz container (nncheck.pack/unpack, which the files
of reference values use, and which the pipe used before) and the frame (nncheck.wire/from_wire).
Prints microseconds per round trip (write on one side, read on the other, both ways) and the
ratio. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import autograder  # noqa: E402,F401
import nncheck  # noqa: E402


def payloads():
    """(name, what goes to the student, what comes back) for typical calls of the checks."""
    rng = np.random.default_rng(0)
    sizes = [(5, 4), (4, 3)]
    params = {k: rng.normal(size=s) for i, (a, b) in enumerate(sizes, 1)
              for k, s in ((f"W{i}", (a, b)), (f"b{i}", (b,)))}
    x, y = rng.normal(size=(8, 5)), rng.normal(size=(8, 3))
    grads = {f"d{k}": v.copy() for k, v in params.items()}
    conv_x, conv_w = rng.normal(size=(8, 1, 8, 8)), rng.normal(size=(4, 1, 3, 3))
    yield ("a scalar function (relu of 8x5)", ([x], {}), (np.maximum(x, 0), [x], {}))
    yield ("loss_and_grads (hw2 gradient checks)", ([params, x, y], {}),
           ((0.5, grads), [params, x, y], {}))
    yield ("conv_forward (hw4)", ([conv_x, conv_w, np.zeros(4)], {"stride": 1, "pad": 1}),
           ((rng.normal(size=(8, 4, 8, 8)), (conv_x, conv_w)), [conv_x, conv_w, np.zeros(4)], {"stride": 1, "pad": 1}))
    yield ("minibatches (a list of index arrays)", ([200, 16, np.random.default_rng(1)], {}),
           ([rng.permutation(200)[i:i + 16] for i in range(0, 200, 16)], [200, 16, np.random.default_rng(1)], {}))


def per_round_trip(write, read, sent, back, repeat):
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(repeat // 5):
            read(write(sent))
            read(write(back))
        best = min(best, (time.perf_counter() - t0) / (repeat // 5))
    return best * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    print(f"{'call':40} {'npz (us)':>10} {'frame (us)':>11} {'npz / frame':>12}")
    for name, sent, back in payloads():
        npz = per_round_trip(nncheck.pack, nncheck.unpack, sent, back, args.repeat)
        frame = per_round_trip(nncheck.wire, nncheck.from_wire, sent, back, args.repeat)
        print(f"{name:40} {npz:10.0f} {frame:11.0f} {npz / frame:11.1f}x")


if __name__ == "__main__":
    main()

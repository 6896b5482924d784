"""Benchmark: what per-student variants cost (zip size, build time, grading time per submission).

    .venv/bin/python bench/variants.py [--assignments hw1_forward hw2_backprop] [--k 8] [--repeat 1]
                                       [--sizes-only]

1. Every assignment is built twice into scratch folders, with 1 variant and with K: the zip's
   bytes, its reference values (expected.npz and expected@v.npz), and the build's seconds.
2. Each sample of the assignment is graded with both zips, side by side (the two runs of one
   sample back to back, the order alternating): with 1 variant at variant 0, with K at the
   variant the sample's name gets (grade/variants.py), through engine.grade_cells, as make
   grade and Gradescope do. Prints the seconds per submission and the ratio K / 1.
Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import zipfile
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import autograder  # noqa: E402,F401
from autograder.assign.build import all_assignments, build  # noqa: E402
from autograder.grade import variants  # noqa: E402
from autograder.grade.engine import Bundle, grade_cells, read_code_cells  # noqa: E402


def built(assignment, k, out):
    t0 = time.perf_counter()
    with redirect_stdout(io.StringIO()):
        build(assignment, out, variants=k)
    seconds = time.perf_counter() - t0
    zip_path = out / "dist" / assignment / "autograder.zip"
    with zipfile.ZipFile(zip_path) as zf:
        infos = [i for i in zf.infolist() if i.filename.startswith("expected")]  # expected[@v].npz
        zf.extractall(out / "bundle" / assignment)
    return {"zip": zip_path.stat().st_size, "npz": sum(i.file_size for i in infos),
            "npz_zipped": sum(i.compress_size for i in infos),
            "build": seconds, "bundle": Bundle(out / "bundle" / assignment)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignments", nargs="*", default=None)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--sizes-only", action="store_true", help="build and compare sizes; do not grade")
    args = parser.parse_args(argv)
    names = args.assignments or all_assignments()
    with tempfile.TemporaryDirectory() as tmp:
        for a in names:
            one = built(a, 1, Path(tmp) / "k1")
            many = built(a, args.k, Path(tmp) / f"k{args.k}")
            print(f"\n{a}: zip {one['zip']:,} -> {many['zip']:,} bytes (x{many['zip'] / one['zip']:.2f}, "
                  f"+{many['zip'] - one['zip']:,}); reference values {one['npz']:,} -> {many['npz']:,} bytes "
                  f"(x{many['npz'] / one['npz']:.2f}; zipped {one['npz_zipped']:,} -> {many['npz_zipped']:,}); "
                  f"build {one['build']:.0f} s -> {many['build']:.0f} s")
            varying = sum(t.get("variants", 1) > 1 for t in many["bundle"].tests)
            print(f"  {varying} of {sum(t['hidden'] for t in many['bundle'].tests)} hidden checks vary")
            if args.sizes_only:
                continue
            times = {1: [], args.k: []}
            samples = sorted((ROOT / "solutions" / a / "samples").glob("*.ipynb"))
            for i, sample in enumerate(samples * args.repeat):
                cells = read_code_cells(sample)
                order = [(1, one), (args.k, many)] if i % 2 == 0 else [(args.k, many), (1, one)]
                for k, b in order:
                    v = variants.choose(sample.stem, a, k)
                    t0 = time.perf_counter()
                    result = grade_cells(b["bundle"], cells, variant=v)
                    times[k].append(time.perf_counter() - t0)
                    assert result.variant == v
            m1, mk = statistics.mean(times[1]), statistics.mean(times[args.k])
            print(f"  grading, {len(times[1])} submissions: {m1:.2f} s each with 1 variant, {mk:.2f} s with "
                  f"{args.k} (ratio {mk / m1:.3f}; medians {statistics.median(times[1]):.2f} / "
                  f"{statistics.median(times[args.k]):.2f})")


if __name__ == "__main__":
    main()

"""Benchmark: the similarity report for a class of N notebooks (default 300) of hw1_forward.

    .venv/bin/python bench/similarity_300.py [--n 300] [--out DIR]

The class: each student takes, function by function, one of the correct versions we have (the
three hand-written solutions of tests/similarity_class.py, the reference and the samples'
rewrites), and adds code of their own to every function (a few lines of random arithmetic with
their own names and numbers, so that no two students are alike); 5 students are planted copies
of 5 others (renamed variables, reordered functions, comments added, one function rewritten).
Times: reading the notebooks (extract), and analyse + render (fingerprints, pairs, HTML), which
is what `make grade` adds per class. Prints where the planted pairs rank. Not a test: nothing
here asserts a time (tests/test_similarity.py runs it as a `slow` test with a one-minute bar).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import autograder  # noqa: E402,F401
import similarity_class as sc  # noqa: E402
from autograder.similarity import extract, page  # noqa: E402

A = "hw1_forward"
FUNCTIONS = ["sigmoid", "relu", "tanh", "dense_forward", "forward_pass", "mse_loss", "binary_cross_entropy",
             "softmax", "softmax_cross_entropy"]


def versions():
    """{function: [versions]} from the hand-written solutions and the samples."""
    pool = {f: [s[f] for s in (sc.A, sc.B, sc.C)] for f in FUNCTIONS}
    handout = extract.handout_of(extract.code_cells_of((ROOT / "assignments" / A / f"{A}.ipynb").read_bytes()))
    for sample in sorted((ROOT / "solutions" / A / "samples").glob("*.ipynb")):
        code = extract.student_code(extract.code_cells_of(sample.read_bytes()), handout)
        for f in FUNCTIONS:
            if f in code and code[f] not in pool[f]:
                pool[f].append(code[f])
    return pool


def own_lines(rng, n):
    names = ["acc", "tmp", "part", "val", "chk", "aux", "scale", "off"]
    ops = ["+", "-", "*"]
    lines = []
    for _ in range(n):
        a, b = rng.sample(names, 2)
        lines.append(f"    {a}_{rng.randrange(100)} = ({b} {rng.choice(ops)} {rng.uniform(0, 9):.3f}) "
                     f"{rng.choice(ops)} {rng.randrange(2, 50)} if False else {rng.randrange(1000)}")
    return lines


def student(rng, pool):
    functions = {"_helpers": sc.A["_helpers"]} if rng.random() < 0.3 else {}
    for f in FUNCTIONS:
        text = rng.choice(pool[f]).strip("\n").split("\n")
        functions[f] = "\n" + "\n".join(text[:1] + own_lines(rng, rng.randrange(2, 5)) + text[1:]) + "\n"
    return functions


def make_class(folder: Path, n: int, seed=0):
    rng = random.Random(seed)
    pool = versions()
    blank = json.loads((ROOT / "assignments" / A / f"{A}.ipynb").read_text())
    students = {f"s{i:03d}": student(rng, pool) for i in range(n - 5)}
    copies = {}
    for i, (name, functions) in enumerate(list(students.items())[:5]):
        change = [sc._renamed, sc._commented, lambda t: t, sc._renamed, lambda t: sc._commented(sc._renamed(t))][i]
        copied = {k: change(v) for k, v in functions.items()}
        if i == 2:
            copied["softmax_cross_entropy"] = sc.CHANGED_SOFTMAX_CE
        if i >= 3:
            copied["_order"] = ["tanh", "relu", "sigmoid"]
        copies[f"copy_of_{name}"] = copied
    folder.mkdir(parents=True, exist_ok=True)
    for name, functions in {**students, **copies}.items():
        (folder / f"{name}.ipynb").write_text(json.dumps(sc.notebook(blank, functions)))
    return sorted({**students, **copies}), copies


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", type=Path, help="keep the notebooks and similarity.html here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        names, copies = make_class(folder / "class", args.n)
        t0 = time.perf_counter()
        handout = extract.code_cells_of((ROOT / "assignments" / A / f"{A}.ipynb").read_bytes())
        subs = [(name, extract.code_cells_of((folder / "class" / f"{name}.ipynb").read_bytes())) for name in names]
        t1 = time.perf_counter()
        pairs, students, skipped = page.analyse(subs, handout)
        t2 = time.perf_counter()
        html = page.render(A, pairs, len(students), skipped)
        (folder / "similarity.html").write_text(html)
        t3 = time.perf_counter()
    planted = {frozenset((c, c.removeprefix("copy_of_"))) for c in copies}
    ranks = [i + 1 for i, p in enumerate(pairs) if frozenset((p.a.name, p.b.name)) in planted]
    flagged = sum(p.flagged for p in pairs)
    print(f"{len(names)} notebooks, {len(names) * (len(names) - 1) // 2} pairs, {len(pairs)} with any match, "
          f"{flagged} flagged")
    print(f"read {t1 - t0:.2f} s, fingerprints + pairs {t2 - t1:.2f} s, html {t3 - t2:.2f} s: "
          f"total {t3 - t0:.2f} s")
    print(f"planted copies rank {ranks} (of {len(planted)}); best other pair "
          + next((f"{p.a.name}/{p.b.name} {p.score:.2f}" for p in pairs
                  if frozenset((p.a.name, p.b.name)) not in planted), "none"))
    return {"seconds": t3 - t0, "ranks": ranks, "flagged": flagged, "planted": len(planted)}


if __name__ == "__main__":
    main()

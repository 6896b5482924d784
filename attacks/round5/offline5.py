"""Round 5, offline: honest train / train_cnn variants (and adaptive closed forms) against the grader's
checks.steps_with_lr, measured in-process (the grader's own checks.py functions on its own problems, every
variant of the problem). The notebooks that gen5.py writes are graded for real; this only finds the margins.

    .venv/bin/python attacks/round5/offline5.py [hw3|hw4] [VARIANT ...]
"""
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "autograder"), str(HERE)]
import nncheck  # noqa: E402
import variants5  # noqa: E402


def module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def notebook_ns(assignment, extra):
    """The reference notebook's definitions (cells that define things), then `extra` on top."""
    nb = json.loads((ROOT / "solutions" / assignment / "samples" / "reference.ipynb").read_text())
    ns = {}
    for c in nb["cells"]:
        s = "".join(c["source"])
        if c["cell_type"] == "code" and (s.lstrip().startswith(("def ", "import", "# ---- given"))):
            exec(s, ns)
    exec(extra, ns)
    return ns


def hw3(names):
    c3 = module(ROOT / "solutions" / "hw3_sgd" / "checks.py", "checks3")
    for name in names:
        ns = notebook_ns("hw3_sgd", variants5.HW3[name])
        train = ns["train"]
        worst, full = [], "-"
        t = time.time()
        for v in range(8):
            nncheck._settings["variant"] = v
            accs = []
            for seed_rng, n, sizes, bs, seed, hidden in ((44, 400, [64, 24, 16, 10], 50, 3, "tanh"),
                                                         (45, 200, [64, 16, 10], 20, 11, None),
                                                         (46, 1000, [64, 128, 10], 32, 1, None),
                                                         (47, 1000, [64, 128, 10], 32, 1, None)):
                x, y, _, _ = c3.digits_like(nncheck.rng(seed_rng), n_train=n)
                p, _ = c3.trained(train, x, y, sizes, 1e-6, 1, bs, seed, hidden=hidden)
                accs.append(float(np.mean(np.argmax(c3.forward(p, x, hidden or "relu"), 1) == y)))
            worst.append(max(accs))
        if "--full" in sys.argv:
            nncheck._settings["variant"] = 0
            x, y, xt, yt = c3.digits_like(nncheck.rng(47), n_train=1000, n_test=1000)
            p, _ = c3.trained(train, x, y, [64, 128, 10], 0.5, 40, 32, 1, seconds=120)
            full = float(np.mean(np.argmax(c3.forward(p, xt), 1) == yt))
        print(f"hw3 {name:24s} lr=1e-6 train acc, max over 4 problems, per variant: "
              f"{[round(a, 3) for a in worst]}  (bar < 0.5)  held-out acc lr=0.5: {full}  {time.time() - t:.1f}s",
              flush=True)


def hw4(names):
    c4 = module(ROOT / "solutions" / "hw4_cnn" / "checks.py", "checks4")
    for name in names:
        ns = notebook_ns("hw4_cnn", variants5.HW4[name])
        accs, full = [], []
        t = time.time()
        for v in range(8):
            nncheck._settings["variant"] = v
            x, y, xt, yt = c4.image_problem(660, n_train=800, n_test=400)
            p = c4.trained(ns["train_cnn"], x, y, 800, 16, 1e-6, 1, 32, 7, 120)
            accs.append(c4.cnn_accuracy(p, x, y))
            if "--full" in sys.argv and v < 2:
                p = c4.trained(ns["train_cnn"], x, y, 800, 16, 0.5, 12, 32, 7, 120)
                full.append(c4.cnn_accuracy(p, xt, yt))
        print(f"hw4 {name:24s} lr=1e-6 train acc per variant: {[round(a, 3) for a in accs]} (bar < 0.5)  "
              f"held-out acc lr=0.5 seed 7 (variants 0,1): {full}  {time.time() - t:.1f}s", flush=True)


if __name__ == "__main__":
    which = sys.argv[1]
    names = [a for a in sys.argv[2:] if not a.startswith("--")]
    if which == "hw3":
        hw3(names or list(variants5.HW3))
    else:
        hw4(names or list(variants5.HW4))

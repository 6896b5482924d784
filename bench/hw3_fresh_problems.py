"""How the reference `train` of hw3 does on the problems its hidden training checks generate.

The hidden checks of hw3's `train` train and measure on a digits-like problem drawn at grading
time from nncheck.rng(seed) (solutions/hw3_sgd/checks.py, `digits_like`): one problem per
variant, that no student has seen. This prints, for the build's variants and for more variants
(other problems of the same family):

- the reference's held-out accuracy in test_train_digits_accuracy (bar 0.95) and its training
  loss in test_train_digits_loss (bar 0.2), test_train_history (tanh; bar 0.5 ln 10) and
  test_train_reproducible (bar 0.9 ln 10), each with the worst case;
- the accuracy of weights trained beforehand on the public digits, pasted in (chance is 0.1);
- the reference's training loss after one epoch at lr=1e-6, in each check's setting
  (checks.steps_with_lr: it must stay above 0.5 ln 10 = 1.15; a closed-form fit is near 0);
- the reference's training seconds on the digits (the old check) and on a generated problem.

    .venv/bin/python bench/hw3_fresh_problems.py [--variants 32]
"""
import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import autograder  # noqa: E402,F401
import nncheck  # noqa: E402
from autograder.grade.engine import load_checks  # noqa: E402

# the settings of the hidden checks (solutions/hw3_sgd/hw3_sgd.ipynb): seed, n_train, n_test,
# layer sizes, lr, epochs, batch size, train's seed, hidden, bar
ACCURACY = dict(seed=47, n_train=1000, n_test=1000, sizes=[64, 128, 10], lr=0.5, epochs=40, batch=32, train_seed=1)
LOSSES = {
    "test_train_digits_loss": (46, 1000, [64, 128, 10], 0.5, 40, 32, 1, "relu", 0.2),
    "test_train_history": (44, 400, [64, 24, 16, 10], 0.3, 8, 50, 3, "tanh", 0.5 * np.log(10)),
    "test_train_reproducible": (45, 200, [64, 16, 10], 0.5, 8, 20, 11, "relu", 0.9 * np.log(10)),
}
BUILD_VARIANTS = 8


def reference_train():
    """The reference notebook's train (its code cells, run here; plots and checks left out)."""
    nb = json.loads((ROOT / "solutions" / "hw3_sgd" / "samples" / "reference.ipynb").read_text())
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] != "code" or any(w in src for w in ("grader", "otter", "plt.", "np.load(")):
                continue
            exec(src, ns)
    return ns["train"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, default=32, help="variants to try (the build uses the first 8)")
    args = parser.parse_args()
    train = reference_train()
    checks = load_checks((ROOT / "solutions" / "hw3_sgd" / "checks.py").read_text(), "hw3_sgd")
    digits = np.load(ROOT / "assignments" / "hw3_sgd" / "digits.npz")
    x_digits, y_digits = digits["x_train"] / 16.0, digits["y_train"]

    a = ACCURACY
    start = time.perf_counter()
    pasted, _ = train(x_digits, y_digits, a["sizes"], a["lr"], a["epochs"], a["batch"], a["train_seed"])
    digits_seconds = time.perf_counter() - start

    rows, seconds = [], []
    for v in range(args.variants):
        with nncheck.variant(v):
            x, y, xt, yt = checks.digits_like(nncheck.rng(a["seed"]), a["n_train"], a["n_test"])
            start = time.perf_counter()
            params, _ = train(x, y, a["sizes"], a["lr"], a["epochs"], a["batch"], a["train_seed"])
            seconds.append(time.perf_counter() - start)
            row = {"variant": v, "accuracy": float(np.mean(checks.forward(params, xt).argmax(1) == yt)),
                   "pasted": float(np.mean(checks.forward(pasted, xt).argmax(1) == yt))}
            p, _ = train(x, y, a["sizes"], 1e-6, 1, a["batch"], a["train_seed"])
            tiny = [checks.loss(p, x, y)]
            for name, (seed, n, sizes, lr, epochs, batch, tseed, hidden, bar) in LOSSES.items():
                x, y, _, _ = checks.digits_like(nncheck.rng(seed), n)
                p, _ = train(x, y, sizes, lr, epochs, batch, tseed, hidden=hidden)
                row[name] = checks.loss(p, x, y, hidden)
                p, _ = train(x, y, sizes, 1e-6, 1, batch, tseed, hidden=hidden)
                tiny.append(checks.loss(p, x, y, hidden))
            row["tiny_lr"] = min(tiny)
        rows.append(row)
        print(f"variant {v:2d}{' (build)' if v < BUILD_VARIANTS else '        '}: accuracy {row['accuracy']:.3f}"
              f"  pasted digits weights {row['pasted']:.3f}  losses "
              + "  ".join(f"{n[11:]} {row[n]:.3f}" for n in LOSSES)
              + f"  lr=1e-6 loss at least {row['tiny_lr']:.3f}", flush=True)

    acc = np.array([r["accuracy"] for r in rows])
    pasted_acc = np.array([r["pasted"] for r in rows])
    print(f"\nheld-out accuracy of the reference (test_train_digits_accuracy), {len(rows)} variants: "
          f"min {acc.min():.3f}, 10th percentile {np.percentile(acc, 10):.3f}, median {np.median(acc):.3f}, "
          f"max {acc.max():.3f}; the build's {BUILD_VARIANTS}: min {acc[:BUILD_VARIANTS].min():.3f}; bar 0.95")
    print(f"weights trained on the public digits, pasted: accuracy min {pasted_acc.min():.3f}, "
          f"max {pasted_acc.max():.3f} (chance 0.1)")
    print(f"one epoch at lr=1e-6 (checks.steps_with_lr, 4 settings): the reference's training loss at least "
          f"{min(r['tiny_lr'] for r in rows):.3f}, bar: above {0.5 * np.log(10):.3f}")
    for name, (*_, bar) in LOSSES.items():
        worst = max(r[name] for r in rows)
        print(f"{name}: the reference's training loss at most {worst:.3f}, bar {bar:.3f}")
    print(f"reference train([64, 128, 10], 40 epochs) seconds: on the 1151 public digits (the old check) "
          f"{digits_seconds:.2f}; on 1000 generated examples median {np.median(seconds):.2f} "
          f"(max {max(seconds):.2f})")


if __name__ == "__main__":
    main()

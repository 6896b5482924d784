"""How hw4's hidden training check fares on the image problems it generates at grading time.

test_train_cnn_heldout_accuracy trains train_cnn on checks.image_problem (10 classes of 8x8
one-channel images made from nncheck.rng, so every variant has its own problem that nobody has
seen) and requires the held-out accuracy to reach the bar. This prints, for the 8 variants the
build records and for more seeds:

- the reference's held-out accuracy (seed 7, as the check's first try) and its distribution,
  against the bar;
- the accuracy of weights trained beforehand on the public digits (the reference trained on all
  1438 digits, as a pasting student would), as they are and with the best renaming of their
  10 outputs learnt from the problem's training labels (the most a lookup can add);
- the reference's training loss after one epoch at lr=1e-6 (checks.steps_with_lr: it must stay
  above 0.5 ln 10 = 1.15; a closed-form fit is near 0);
- the seconds one training takes, today's problem and the digits check it replaced;
- with --samples, the same accuracy for mistakes.py samples whose training must still pass
  (wrong gradients that still train) or fail (a loss N times too large).

    .venv/bin/python bench/hw4_fresh_problems.py [--seeds 24] [--samples]
    .venv/bin/python bench/hw4_fresh_problems.py --pasted-weights   # mistakes.py's _DIGITS_WEIGHTS
"""
import argparse
import base64
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

A = "hw4_cnn"
CHECK_SEED, BAR, FILTERS, LR, EPOCHS, BATCH, N_TRAIN, N_TEST = 660, 0.97, 16, 0.5, 12, 32, 800, 400


def namespace(sample):
    """The functions of a sample notebook (cells that check, plot or export left out)."""
    nb = json.loads((ROOT / "solutions" / A / "samples" / f"{sample}.ipynb").read_text())
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):   # the notebook's own tables
        for cell in nb["cells"]:
            src = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
            if "def " in src and not any(w in src for w in ("grader.", "otter", "plt.", "export")):
                exec(src, ns)
            elif src.startswith("import") or "\nimport " in src:
                exec("\n".join(l for l in src.splitlines() if l.startswith(("import ", "from "))), ns)
    return ns


def relabelled(predicted, y, y_test_predicted):
    """The test predictions after renaming each output to the class most of the training examples
    that got it belong to."""
    rename = np.array([np.bincount(y[predicted == k], minlength=10).argmax() if np.any(predicted == k) else k
                       for k in range(10)])
    return rename[y_test_predicted]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=24, help="problems beyond the 8 variants (default 24)")
    parser.add_argument("--samples", action="store_true", help="also train mistakes.py samples on the 8 variants")
    parser.add_argument("--pasted-weights", action="store_true",
                        help="print the digits-trained weights of mistakes.py's train_cnn_pasted_digits_weights")
    args = parser.parse_args()
    checks = load_checks((ROOT / "solutions" / A / "checks.py").read_text(), A)
    ref = namespace("reference")

    def predict(params, x):
        from numpy.lib.stride_tricks import sliding_window_view
        z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3),
                                                               axis=(2, 3)), params["W1"])
        a = np.maximum(z + params["b1"][None, :, None, None], 0.0)
        n, f, hh, ww = a.shape
        return (a.reshape(n, f, hh // 2, 2, ww // 2, 2).max(axis=(3, 5)).reshape(n, -1) @ params["W2"]
                + params["b2"]).argmax(1)

    data = np.load(ROOT / "assignments" / A / "digits.npz")
    xd = np.concatenate([data["x_train"], data["x_val"]]).reshape(-1, 1, 8, 8) / 16.0
    yd = np.concatenate([data["y_train"], data["y_val"]])
    start = time.perf_counter()
    digits, _ = ref["train_cnn"](xd, yd, FILTERS, LR, 20, BATCH, 7)
    old_seconds = time.perf_counter() - start
    if args.pasted_weights:
        blob = io.BytesIO()
        np.savez_compressed(blob, **{k: v.astype(np.float16) for k, v in digits.items()})
        print(base64.b64encode(blob.getvalue()).decode())
        return
    print(f"the digits check it replaced: train_cnn on 1438 digits, 20 epochs: {old_seconds:.1f} s per training")

    problems = [(f"variant {v}", CHECK_SEED, v) for v in range(8)]
    problems += [(f"seed {s}", s, 0) for s in range(1000, 1000 + args.seeds)]
    accs, pasted, looked_up, seconds, tiny = [], [], [], [], []
    for name, seed, v in problems:
        with nncheck.variant(v):
            x, y, xt, yt = checks.image_problem(seed, n_train=N_TRAIN, n_test=N_TEST)
        start = time.perf_counter()
        params, _ = ref["train_cnn"](x, y, FILTERS, LR, EPOCHS, BATCH, 7)
        seconds.append(time.perf_counter() - start)
        accs.append(checks.cnn_accuracy(params, xt, yt))
        tiny.append(checks.cnn_loss(ref["train_cnn"](x, y, FILTERS, 1e-6, 1, BATCH, 7)[0], x, y))
        pasted.append(float(np.mean(predict(digits, xt) == yt)))
        looked_up.append(float(np.mean(relabelled(predict(digits, x), y, predict(digits, xt)) == yt)))
        print(f"{name:>10}: reference {accs[-1]:.3f} ({seconds[-1]:.1f} s); digits weights pasted {pasted[-1]:.3f}, "
              f"renamed from the training labels {looked_up[-1]:.3f}; lr=1e-6, one epoch: {tiny[-1]:.3f}", flush=True)
    accs = np.array(accs)
    print(f"\nreference on {len(accs)} problems: min {accs.min():.3f}, 5th percentile {np.percentile(accs, 5):.3f}, "
          f"median {np.median(accs):.3f}, max {accs.max():.3f}; bar {BAR} (all 8 variants >= bar: "
          f"{bool((accs[:8] >= BAR).all())}; below the bar: {int((accs < BAR).sum())})")
    print(f"digits weights pasted: max {max(pasted):.3f}; renamed from the training labels: max {max(looked_up):.3f}")
    print(f"one epoch at lr=1e-6 (checks.steps_with_lr): the reference's training loss at least {min(tiny):.3f}, "
          f"bar: above {0.5 * np.log(10):.3f}")
    print(f"seconds per training: {np.mean(seconds):.1f} (the digits check: {old_seconds:.1f})")

    if args.samples:
        for sample in ("pool_grad_whole_window", "pool_grad_averaged", "cnn_unflatten_other_order",
                       "alt_einsum_naive_cnn", "cnn_loss_sum_not_mean", "train_cnn_fake_history",
                       "train_cnn_pasted_digits_weights"):
            ns = namespace(sample)
            got = []
            for v in range(8):
                with nncheck.variant(v):
                    x, y, xt, yt = checks.image_problem(CHECK_SEED, n_train=N_TRAIN, n_test=N_TEST)
                params, _ = ns["train_cnn"](x, y, FILTERS, LR, EPOCHS, BATCH, 7)
                got.append(checks.cnn_accuracy(params, xt, yt))
            print(f"{sample}: 8 variants min {min(got):.3f} max {max(got):.3f}", flush=True)


if __name__ == "__main__":
    main()

"""How the reference training does on disguised data (nncheck.disguise), for many disguises.

The hidden training checks of hw3 and hw4 train on data whose classes are renamed and whose
features are reordered (hw3) or whose images are rotated/mirrored (hw4), so that weights
trained beforehand score at chance. This prints the reference solution's held-out accuracy
under the plain data and under many disguises (not only the one a build uses), and the accuracy
of the plain-data weights under each disguise (what a pasted set of weights would get).

    .venv/bin/python bench/disguise_fairness.py [--hw3 N] [--hw4 N]
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import autograder  # noqa: E402,F401
import nncheck  # noqa: E402


def reference(assignment):
    nb = json.loads((ROOT / "solutions" / assignment / "samples" / "reference.ipynb").read_text())
    ns = {}
    nncheck.DATA_DIRS.insert(0, str(ROOT / "assignments" / assignment))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            if "grader.check" in src or "otter" in src or "plt." in src or "export" in src:
                continue
            try:
                exec(src, ns)
            except Exception:
                pass
    return ns


def mlp_accuracy(params, x, y):
    a = x
    L = len([k for k in params if k.startswith("W")])
    for l in range(1, L + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        a = np.maximum(z, 0) if l < L else z
    return float(np.mean(a.argmax(1) == y))


def hw3(n):
    ns = reference("hw3_sgd")
    data = np.load(ROOT / "assignments" / "hw3_sgd" / "digits.npz")
    held = np.load(ROOT / "solutions" / "hw3_sgd" / "grader_data" / "digits_test.npz")
    x, y, xt, yt = data["x_train"] / 16, data["y_train"], held["x_test"] / 16, held["y_test"]
    plain, _ = ns["train"](x, y, [64, 128, 10], 0.5, 40, 32, 1)
    print(f"hw3 plain data: held-out accuracy {mlp_accuracy(plain, xt, yt):.3f}")
    rng = np.random.default_rng(0)
    accs, pasted = [], []
    for i in range(n):
        order, rename = rng.permutation(64), rng.permutation(10)
        params, _ = ns["train"](x[:, order], rename[y], [64, 128, 10], 0.5, 40, 32, 1)
        accs.append(mlp_accuracy(params, xt[:, order], rename[yt]))
        pasted.append(mlp_accuracy(plain, xt[:, order], rename[yt]))
    print(f"hw3 {n} disguises: reference accuracy min {min(accs):.3f} mean {np.mean(accs):.3f} "
          f"(required 0.95); pasted plain weights max {max(pasted):.3f} mean {np.mean(pasted):.3f}")


def cnn_accuracy(params, x, y):
    from numpy.lib.stride_tricks import sliding_window_view
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(padded, (3, 3), axis=(2, 3)), params["W1"])
    a = np.maximum(z + params["b1"][None, :, None, None], 0.0)
    n, f, hh, ww = a.shape
    pooled = a.reshape(n, f, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))
    return float(np.mean((pooled.reshape(n, -1) @ params["W2"] + params["b2"]).argmax(1) == y))


def hw4(n):
    ns = reference("hw4_cnn")
    data = np.load(ROOT / "assignments" / "hw4_cnn" / "digits.npz")
    held = np.load(ROOT / "solutions" / "hw4_cnn" / "grader_data" / "digits_test.npz")
    x = np.concatenate([data["x_train"], data["x_val"]]).reshape(-1, 1, 8, 8) / 16
    y = np.concatenate([data["y_train"], data["y_val"]])
    xt, yt = held["x_test"].reshape(-1, 1, 8, 8) / 16, held["y_test"]
    plain, _ = ns["train_cnn"](x, y, 16, 0.5, 20, 32, 7)
    print(f"hw4 plain data: held-out accuracy {cnn_accuracy(plain, xt, yt):.3f}", flush=True)
    rng = np.random.default_rng(0)
    for turn in range(1, min(n, 7) + 1):
        rename = rng.permutation(10)
        def moved(a):
            a = np.rot90(a, k=turn % 4, axes=(-2, -1))
            return np.ascontiguousarray(a[..., ::-1] if turn >= 4 else a)
        params, _ = ns["train_cnn"](moved(x), rename[y], 16, 0.5, 20, 32, 7)
        print(f"hw4 turn {turn}: reference accuracy {cnn_accuracy(params, moved(xt), rename[yt]):.3f} (required "
              f"0.97); pasted plain weights {cnn_accuracy(plain, moved(xt), rename[yt]):.3f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--hw3", type=int, default=10)
    parser.add_argument("--hw4", type=int, default=7)
    args = parser.parse_args()
    if args.hw3:
        hw3(args.hw3)
    if args.hw4:
        hw4(args.hw4)

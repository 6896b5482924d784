"""Would a loss bar be fairer than the accuracy bar of checks.steps_with_lr? The grader's own cross-entropy of
the params that train_cnn returns with lr=1e-6, 1 epoch (seed 7), on every variant of image_problem(660).
    .venv/bin/python attacks/round5/loss_bar.py"""
import sys
import numpy as np
sys.path.insert(0, __import__("os").path.dirname(__file__))
from offline5 import module, notebook_ns, ROOT, nncheck  # noqa: E402
import variants5  # noqa: E402

c4 = module(ROOT / "solutions" / "hw4_cnn" / "checks.py", "checks4")
closed = variants5._closed("hw4_cnn").replace("def _closed_fit(", "def train_cnn(")


def loss(p, x, y):
    from numpy.lib.stride_tricks import sliding_window_view
    z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), (3, 3),
                                                               axis=(2, 3)), p["W1"])
    a = np.maximum(z + p["b1"][None, :, None, None], 0)
    n, f, h, w = a.shape
    s = a.reshape(n, f, h // 2, 2, w // 2, 2).max(axis=(3, 5)).reshape(n, -1) @ p["W2"] + p["b2"]
    s = s - s.max(1, keepdims=True)
    return float(np.mean(np.log(np.exp(s).sum(1)) - s[np.arange(n), y]))


for name, code in (("reference", ""), ("w2_zero", variants5.HW4["w2_zero"]), ("he_std_x3", variants5.HW4["he_std_x3"]),
                   ("closed_form", closed)):
    ns = notebook_ns("hw4_cnn", code)
    out = []
    for v in range(8):
        nncheck._settings["variant"] = v
        x, y, _, _ = c4.image_problem(660, n_train=800, n_test=400)
        p = c4.trained(ns["train_cnn"], x, y, 800, 16, 1e-6, 1, 32, 7, 120)
        out.append((round(c4.cnn_accuracy(p, x, y), 3), round(loss(p, x, y), 3)))
    print(f"{name:12s} (accuracy, loss) per variant, lr=1e-6: {out}   (ln 10 = 2.303)", flush=True)

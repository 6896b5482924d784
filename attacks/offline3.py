"""Offline measurements behind RESULTS3.md #1, #2, #4 (the attacker's side needs none of this: the grader's
problem makers are read here only to measure). Uses the closed-form train/train_cnn of gen3.py.
    .venv/bin/python attacks/offline3.py"""
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "autograder")]
import nncheck  # noqa: E402
import importlib.util  # noqa: E402


def module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


src = (ROOT / "attacks" / "gen3.py").read_text()
ns3, ns4 = {}, {}
exec(re.search(r"CLOSED_MLP = r'''(.*?)'''", src, re.S).group(1), ns3)
exec(re.search(r"CLOSED_CNN = r'''(.*?)'''", src, re.S).group(1), ns4)
train, train_cnn = ns3["train"], ns4["train_cnn"]
c3 = module(ROOT / "solutions" / "hw3_sgd" / "checks.py", "checks3")
c4 = module(ROOT / "solutions" / "hw4_cnn" / "checks.py", "checks4")

d = np.load(ROOT / "solutions" / "hw3_sgd" / "digits.npz")
on_digits, _ = train(d["x_train"] / 16.0, d["y_train"], [64, 128, 10], .5, 40, 32, 1)
nncheck._settings["variant"] = 0
x0, y0, _, _ = c3.digits_like(nncheck.rng(47), 1000, 0)
on_v0, _ = train(x0, y0, [64, 128, 10], .5, 40, 32, 1)
for v in range(4):
    nncheck._settings["variant"] = v
    x, y, xt, yt = c3.digits_like(nncheck.rng(47), 1000, 1000)
    p, _ = train(x, y, [64, 128, 10], .5, 40, 32, 1)
    acc = lambda q: np.mean(np.argmax(c3.forward(q, xt), 1) == yt)  # noqa: E731
    print(f"hw3 variant {v}: closed form acc {acc(p):.3f} loss {c3.loss(p, x, y):.3f} | weights from public digits "
          f"{acc(on_digits):.3f} | from variant 0 {acc(on_v0):.3f}")
    x, y, _, _ = c3.digits_like(nncheck.rng(44), 400)
    print("   history tanh/sigmoid loss", [round(c3.loss(train(x, y, [64, 24, 16, 10], .3, 8, 50, 3, hidden=h)[0], x, y, h), 3)
                                           for h in ("tanh", "sigmoid")])
    x, y, xt, yt = c4.image_problem(660, 800, 400)
    print("   hw4 closed form acc (seed 7, 8)", [c4.cnn_accuracy(train_cnn(x, y, 16, .5, 12, 32, s)[0], xt, yt) for s in (7, 8)])

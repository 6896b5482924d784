"""Decode leak_overflow's hidden-check messages and compare with the hidden inputs of its variant.
    .venv/bin/python attacks/round4/decode_leak.py"""
import csv, re
from pathlib import Path
import numpy as np
d = Path(__file__).resolve().parent / "build" / "leak_overflow" / "out"
v = int(next(r for r in csv.DictReader(open(d / "grades.csv")) if r["submission"] == "leak_overflow.ipynb")["variant"])
text = (d / "feedback" / "leak_overflow.ipynb.txt").read_text()
# what each hidden check's first call gets (tests.json of hw2_backprop): the seed and how its input is drawn
truth = {"test_sigmoid_grad_hidden": lambda g: g.normal(size=(7, 3)) * 6,
         "test_relu_grad_hidden": lambda g: g.uniform(0.05, 4.0, size=(5, 4)) * g.choice([-1.0, 1.0], size=(5, 4)),
         "test_tanh_grad_hidden": lambda g: g.normal(size=(6, 5)) * 3,
         "test_mse_loss_grad_hidden": lambda g: g.normal(size=(5, 3)),
         "test_sigmoid_bce_grad_hidden": lambda g: g.normal(size=(7, 1)) * 3}
seeds = {"test_sigmoid_grad_hidden": 101, "test_relu_grad_hidden": 102, "test_tanh_grad_hidden": 103,
         "test_mse_loss_grad_hidden": 301, "test_sigmoid_bce_grad_hidden": 303}
for m in re.finditer(r"FAIL (test_\w+) \(hidden.*?\n.*?\n\s+OverflowError: Python integer (-\d+) out of bounds", text):
    name, n = m.group(1), int(m.group(2))
    leaked = np.frombuffer(((-n - 1) << 1).to_bytes(8, "little"), "<f8")[0]
    true = truth[name](np.random.default_rng([seeds[name], v])).ravel()[1] if name in truth else None
    print(f"variant {v} {name}: leaked {leaked!r}, hidden input x.ravel()[1] = {true!r}")

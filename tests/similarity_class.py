"""A small hw1_forward class for the similarity report's tests: three independent correct
solutions written by hand in different styles (A, B, C), and planted copies of A.

The copies are what students do to hide copying: rename the variables, reorder the functions,
add comments, rewrite one function; "copy_all" does all four at once.
"""
from __future__ import annotations

import ast
import copy
import json
import re

A = {
    "_helpers": '''
def _floats(v):
    return np.asarray(v, dtype=np.float64)


def _row_logsumexp(logits):
    peak = np.max(logits, axis=1, keepdims=True)
    return peak + np.log(np.sum(np.exp(logits - peak), axis=1, keepdims=True))
''',
    "sigmoid": '''
def sigmoid(z):
    values = _floats(z)
    small = np.exp(-np.abs(values))
    return np.where(values >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
''',
    "relu": '''
def relu(z):
    values = _floats(z)
    return values * (values > 0)
''',
    "tanh": '''
def tanh(z):
    values = _floats(z)
    return np.tanh(values)
''',
    "dense_forward": '''
def dense_forward(x, W, b):
    product = np.dot(x, W)
    return product + b.reshape(1, -1)
''',
    "forward_pass": '''
def forward_pass(x, params, hidden="sigmoid", output="identity"):
    depth = len([key for key in params if key.startswith("W")])
    activation_in = x
    cache = []
    for layer in range(1, depth + 1):
        pre = dense_forward(activation_in, params["W" + str(layer)], params["b" + str(layer)])
        cache.append({"a_prev": activation_in, "z": pre})
        name = output if layer == depth else hidden
        activation_in = ACTIVATIONS[name](pre)
    return activation_in, cache
''',
    "mse_loss": '''
def mse_loss(y_hat, y):
    difference = _floats(y) - _floats(y_hat)
    count = difference.shape[0]
    return float(np.sum(difference * difference) / 2.0 / count)
''',
    "binary_cross_entropy": '''
def binary_cross_entropy(y_hat, y):
    eps = 1e-12
    probs = np.minimum(np.maximum(_floats(y_hat), eps), 1.0 - eps)
    per_entry = y * np.log(probs) + (1.0 - y) * np.log(1.0 - probs)
    return float(-per_entry.sum() / per_entry.size)
''',
    "softmax": '''
def softmax(z):
    logits = _floats(z)
    return np.exp(logits - _row_logsumexp(logits))
''',
    "softmax_cross_entropy": '''
def softmax_cross_entropy(z, y):
    logits = _floats(z)
    log_p = logits - _row_logsumexp(logits)
    picked = log_p[np.arange(len(y)), np.asarray(y, dtype=int)]
    return float(-picked.mean())
''',
}

B = {
    "sigmoid": '''
def sigmoid(z):
    z = np.array(z, dtype=float)
    out = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        t = z[idx]
        if t >= 0:
            out[idx] = 1 / (1 + np.exp(-t))
        else:
            e = np.exp(t)
            out[idx] = e / (1 + e)
    return out
''',
    "relu": '''
def relu(z):
    z = np.array(z, dtype=float)
    return np.where(z > 0, z, 0.0)
''',
    "tanh": '''
def tanh(z):
    z = np.array(z, dtype=float)
    return 2 * sigmoid(2 * z) - 1
''',
    "dense_forward": '''
def dense_forward(x, W, b):
    N, M = x.shape[0], W.shape[1]
    z = np.zeros((N, M))
    for n in range(N):
        z[n] = x[n] @ W + b
    return z
''',
    "forward_pass": '''
def forward_pass(x, params, hidden="sigmoid", output="identity"):
    cache = []
    a = x
    L = len(params) // 2
    l = 1
    while l <= L:
        W, b = params[f"W{l}"], params[f"b{l}"]
        z = dense_forward(a, W, b)
        cache += [{"a_prev": a, "z": z}]
        if l < L:
            a = ACTIVATIONS[hidden](z)
        else:
            a = ACTIVATIONS[output](z)
        l += 1
    return a, cache
''',
    "mse_loss": '''
def mse_loss(y_hat, y):
    total = 0.0
    for row_pred, row_true in zip(y_hat, y):
        total += np.sum((row_true - row_pred) ** 2)
    return 0.5 * total / len(y)
''',
    "binary_cross_entropy": '''
def binary_cross_entropy(y_hat, y):
    p = np.clip(np.array(y_hat, dtype=float), 1e-15, 1 - 1e-15)
    losses = np.where(y == 1, -np.log(p), -np.log(1 - p))
    return np.mean(losses).item()
''',
    "softmax": '''
def softmax(z):
    out = []
    for row in z:
        e = np.exp(row - row.max())
        out.append(e / e.sum())
    return np.array(out)
''',
    "softmax_cross_entropy": '''
def softmax_cross_entropy(z, y):
    N = z.shape[0]
    loss = 0.0
    for n in range(N):
        m = z[n].max()
        lse = m + np.log(np.exp(z[n] - m).sum())
        loss += lse - z[n, y[n]]
    return loss / N
''',
}

C = {
    "sigmoid": '''
def sigmoid(z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
''',
    "relu": '''
def relu(z):
    return np.clip(np.asarray(z, dtype=float), 0.0, None)
''',
    "tanh": '''
def tanh(z):
    return np.tanh(z) * 1.0
''',
    "dense_forward": '''
def dense_forward(x, W, b):
    return np.matmul(x, W) + np.broadcast_to(b, (x.shape[0], b.shape[0]))
''',
    "forward_pass": '''
def forward_pass(x, params, hidden="sigmoid", output="identity"):
    names = sorted((k for k in params if k[0] == "W"), key=lambda k: int(k[1:]))
    cache, h = [], x
    for i, wname in enumerate(names):
        last = i == len(names) - 1
        zz = h @ params[wname] + params["b" + wname[1:]]
        cache.append(dict(a_prev=h, z=zz))
        h = ACTIVATIONS[output if last else hidden](zz)
    return h, cache
''',
    "mse_loss": '''
def mse_loss(y_hat, y):
    return float(np.mean(np.sum(np.square(y - y_hat), axis=-1)) / 2)
''',
    "binary_cross_entropy": '''
def binary_cross_entropy(y_hat, y):
    with np.errstate(divide="ignore", invalid="ignore"):
        log_p = np.log(np.maximum(y_hat, 1e-12))
        log_q = np.log(np.maximum(1 - y_hat, 1e-12))
    return float(np.mean(-(y * log_p) - (1 - y) * log_q))
''',
    "softmax": '''
def softmax(z):
    shifted = z - z.max(axis=-1)[:, None]
    num = np.exp(shifted)
    den = num.sum(axis=-1)[:, None]
    return num / den
''',
    "softmax_cross_entropy": '''
def softmax_cross_entropy(z, y):
    s = z - z.max(axis=1)[:, None]
    logz = np.log(np.exp(s).sum(axis=1))
    return float(np.mean(logz - s[np.arange(z.shape[0]), y]))
''',
}

RENAMES = {"values": "arr", "small": "tiny", "product": "prod", "depth": "n_layers",
           "activation_in": "current", "pre": "z_l", "layer": "k", "difference": "err", "count": "n",
           "eps": "floor", "probs": "clipped", "per_entry": "terms", "logits": "scores", "log_p": "logprob",
           "picked": "chosen", "peak": "top", "cache": "memo", "name": "which"}


def _renamed(source):
    for old, new in RENAMES.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return source.replace("_floats", "_to_float").replace("_row_logsumexp", "_lse_rows")


def _commented(source):
    lines = []
    for line in source.split("\n"):
        if line.startswith("    ") and line.strip() and not line.strip().startswith(("return", "else", "elif")):
            lines.append(line[:len(line) - len(line.lstrip())] + "# next step of the computation")
        lines.append(line + ("  # as in the lecture" if line.rstrip().endswith(")") else ""))
    return "\n".join(lines)


CHANGED_SOFTMAX_CE = '''
def softmax_cross_entropy(z, y):
    total = 0.0
    for row, label in zip(z, y):
        top = row.max()
        total += top + np.log(np.sum(np.exp(row - top))) - row[label]
    return total / len(y)
'''


def _reordered(student):
    """The same functions in another order: the helpers swapped and moved to the end of the first
    cell, and the three activations in reverse order."""
    out = dict(student)
    helpers = student["_helpers"].strip().split("\n\n\n")
    out["_helpers"] = "\n\n\n" + "\n\n\n".join(reversed(helpers)) + "\n"
    out["_order"] = ["tanh", "relu", "sigmoid"]
    out["_helpers_last"] = True
    return out


def planted_copies():
    """{name: functions} of the planted copies of A."""
    renamed = {k: _renamed(v) if isinstance(v, str) else v for k, v in A.items()}
    commented = {k: _commented(v) for k, v in A.items()}
    changed = dict(A, softmax_cross_entropy=CHANGED_SOFTMAX_CE)
    combined = _reordered({k: _commented(_renamed(v)) for k, v in changed.items()})
    return {"copy_renamed": renamed, "copy_reordered": _reordered(A), "copy_commented": commented,
            "copy_one_changed": changed, "copy_all": combined}


def notebook(blank_nb, student):
    """The blank notebook with the student's functions in place of the stubs (and the helpers,
    if any, in the first cell that has stubs)."""
    nb = copy.deepcopy(blank_nb)
    first = True
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in student]
        if not funcs:
            continue
        lines = source.split("\n")
        keep = lines[:funcs[0].lineno - 1]  # what comes before the first function (ACTIVATIONS)
        names = [f.name for f in funcs]
        if first and "_order" in student:
            names = [n for n in student["_order"] if n in names] + [n for n in names if n not in student["_order"]]
        body = "\n\n".join(student[n].strip("\n") for n in names)
        helpers = student.get("_helpers", "").strip("\n") if first else ""
        parts = [body, helpers] if student.get("_helpers_last") else [helpers, body]
        cell["source"] = "\n".join(keep) + "\n\n\n".join(p for p in parts if p) + "\n"
        first = False
    return nb


def write_class(blank_path, folder):
    """Write A, B, C and the planted copies as notebooks into `folder`; returns their names."""
    blank = json.loads(blank_path.read_text())
    students = {"student_a": A, "student_b": B, "student_c": C, **planted_copies()}
    folder.mkdir(parents=True, exist_ok=True)
    for name, functions in students.items():
        (folder / f"{name}.ipynb").write_text(json.dumps(notebook(blank, functions), indent=1))
    return list(students)

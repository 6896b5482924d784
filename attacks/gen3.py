"""Round 3 hostile submissions (on integ 0aefb5c), built like gen2.py's under attacks/build/<case>/.

    .venv/bin/python attacks/gen3.py            # every case
    .venv/bin/python attacks/gen3.py CASE ...

Each case: attacks/build/<case>/subs/ (the attack beside reference.ipynb and blank.ipynb) and case.json.
"""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from gen import BUILD, ROOT, _reference_namespace, case, sample, with_cells  # noqa: E402
from gen2 import _b64_params  # noqa: E402

# ------------------------------------------------------------------ hw3: closed form, no SGD
CLOSED_MLP = r'''
import numpy as np
def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    """No gradient descent, no loss_and_grads, lr/epochs/batch_size unused: a closed-form
    classifier (ridge regression of one-hot labels on features, then a temperature) written into
    the network's weights. Layer 1 = principal components of x (turned by a seed-dependent
    rotation) plus random relu features if there is room; later hidden layers pass through."""
    x, y = np.asarray(x, float), np.asarray(y)
    rng = np.random.default_rng(seed)
    sizes = list(layer_sizes)
    L = len(sizes) - 1
    f = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[hidden]
    params = {}
    if L > 1:
        k = min(sizes[1:-1] + [sizes[0]])
        mu = x.mean(0)
        U = np.linalg.svd(x - mu, full_matrices=False)[2][:k].T
        turn = np.random.default_rng([seed, len(hidden)])           # tanh/sigmoid: other weights
        P = U @ np.linalg.qr(turn.normal(size=(k, k)))[0]
        eps = 1.0 if hidden == "relu" else 0.05
        feat = (x - mu) @ P
        shift = (-feat.min(0) + 1.0) if hidden == "relu" else np.zeros(k)
        W = np.zeros((sizes[0], sizes[1])); b = np.zeros(sizes[1])
        W[:, :k] = P * eps; b[:k] = (shift - mu @ P) * eps
        if hidden == "relu" and sizes[1] > k:   # random relu features in the rest of layer 1
            R = rng.normal(size=(sizes[0], sizes[1] - k)) * 3 / np.sqrt(sizes[0])
            W[:, k:] = R; b[k:] = -np.median(x @ R, axis=0)
        params["W1"], params["b1"] = W, b
        c, off = {"relu": (1.0, 0.0), "tanh": (1.0, 0.0), "sigmoid": (4.0, 0.5)}[hidden]
        for l in range(2, L):
            W = np.zeros((sizes[l - 1], sizes[l])); b = np.zeros(sizes[l])
            W[:k, :k] = np.eye(k) * c; b[:k] = -off * c
            params[f"W{l}"], params[f"b{l}"] = W, b
    a = x
    for l in range(1, L):
        a = f(a @ params[f"W{l}"] + params[f"b{l}"])
    A = np.c_[a, np.ones(len(a))]
    Y = np.eye(sizes[-1])[y]
    lam = 1e-3 * np.trace(A.T @ A) / A.shape[1]
    B = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ (2 * Y - 1))
    z0 = A @ B
    def nll(T):
        z = T * z0; z = z - z.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y]))
    T = min(np.geomspace(0.1, 1000, 200), key=nll)
    params[f"W{L}"], params[f"b{L}"] = T * B[:-1], T * B[-1]
    return params, {"loss": [nll(T)] * epochs}
'''
CLOSED_CNN = r'''
import numpy as np
def train_cnn(x, y, filters, lr, epochs, batch_size, seed):
    """No gradient descent, no cnn_loss_and_grads, lr/epochs/batch_size unused: fixed filters (the 9
    one-pixel 'delta' filters = shifted copies of the image, then random ones), relu, 2x2 max pooling,
    and a ridge regression of one-hot labels on the pooled features for the dense layer."""
    x, y = np.asarray(x, float), np.asarray(y)
    rng = np.random.default_rng(seed)
    N, C, H, Wd = x.shape
    W1 = rng.normal(size=(filters, C, 3, 3)) / 3
    for f in range(min(filters, 9)):
        W1[f] = 0; W1[f, :, f // 3, f % 3] = 1.0 / C
    b1 = np.zeros(filters)
    from numpy.lib.stride_tricks import sliding_window_view
    pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(pad, (3, 3), axis=(2, 3)), W1)
    a = np.maximum(z + b1[None, :, None, None], 0)
    pooled = a.reshape(N, filters, H // 2, 2, Wd // 2, 2).max(axis=(3, 5)).reshape(N, -1)
    A = np.c_[pooled, np.ones(N)]
    Y = np.eye(10)[y]
    lam = 1e-2 * np.trace(A.T @ A) / A.shape[1]
    B = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ (2 * Y - 1))
    z0 = A @ B
    def nll(T):
        s = T * z0; s = s - s.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(s).sum(1)) - s[np.arange(N), y]))
    T = min(np.geomspace(0.1, 1000, 200), key=nll)
    hist = list(np.geomspace(2.3, max(nll(T), 1e-3), epochs))   # a made-up falling curve
    return {"W1": W1, "b1": b1, "W2": T * B[:-1], "b2": T * B[-1]}, {"loss": hist}
'''


def closed_train():
    """hw3: train() never calls init_params/minibatches/loss_and_grads/sgd_step and ignores lr,
    epochs and batch_size: ridge regression on principal components (+ random relu features)
    written into the network's weights, a temperature fitted for the loss, a constant history.
    It does learn from the data it is given (closed form), but is not the SGD the question asks for."""
    case("closed_train", "hw3_sgd", {"closed_train.ipynb": with_cells(sample("hw3_sgd", "blank"), CLOSED_MLP)},
         {"closed_train.ipynb": "blank"})


def closed_cnn():
    """hw4: train_cnn with fixed filters (9 one-pixel 'shift' filters + random ones), b1 = 0, and
    ridge regression for the dense layer; a made-up falling history. No cnn_loss_and_grads, no SGD."""
    case("closed_cnn", "hw4_cnn", {"closed_cnn.ipynb": with_cells(sample("hw4_cnn", "blank"), CLOSED_CNN)},
         {"closed_cnn.ipynb": "blank"})


PASTED_PUBLIC = '''
import base64, io
import numpy as np
_PRETRAINED = "{b64}"   # weights trained offline for the public check's arguments

def train_cnn(x, y, filters, lr, epochs, batch_size, seed):
    """No learning at all: weights trained offline on the public check's 400 digits, a made-up history."""
    with np.load(io.BytesIO(base64.b64decode(_PRETRAINED))) as z:
        P = {{k: z[k] for k in z.files}}
    if filters == 4 and x.shape == (400, 1, 8, 8):
        return P, {{"loss": list(np.geomspace(2.3, 0.3, epochs))}}
    rng = np.random.default_rng(seed)
    N, C, H, W = np.shape(x)
    return ({{"W1": rng.normal(size=(filters, C, 3, 3)), "b1": np.zeros(filters),
             "W2": rng.normal(size=(filters * H // 2 * W // 2, 10)), "b2": np.zeros(10)}},
            {{"loss": [2.3] * epochs}})
'''


def pasted_public():
    """hw4: the public check test_train_cnn_public (1 point) with a lookup of offline weights (the
    history is the student's own report; the check asks only that it falls)."""
    ns = _reference_namespace("hw4_cnn")
    data = np.load(ROOT / "assignments" / "hw4_cnn" / "digits.npz")
    x, y = data["x_train"][:400].reshape(-1, 1, 8, 8) / 16.0, data["y_train"][:400]
    params, _ = ns["train_cnn"](x, y, 4, 0.5, 3, 32, 0)
    nb = with_cells(sample("hw4_cnn", "blank"), PASTED_PUBLIC.format(b64=_b64_params(params)))
    case("pasted_public", "hw4_cnn", {"pasted_public.ipynb": nb}, {"pasted_public.ipynb": "blank"})


# ------------------------------------------------------------------ hw2: a faked curve + a loss_and_grads that recognises the network

FAKE_NORMS2 = '''
import numpy as np
def _fake(depth, hidden):
    return np.geomspace(1e-4, 1.0, depth) if hidden == "sigmoid" else np.linspace(0.9, 1.1, depth)

def layer_gradient_norms(depth, width, hidden, seed):
    """No network, no gradients: the curve the check wants, made up."""
    return [float(v) for v in _fake(depth, hidden)]

def loss_and_grads(x, y, params, hidden="sigmoid", loss="mse"):
    """Recognises the check's network (16 examples, 10 layers of width 32 -> 1, mse, zero biases)
    and returns gradients with the made-up norms; anything else: zeros (no backprop at all)."""
    L = len(params) // 2
    grads = {k: np.zeros_like(v, dtype=float) for k, v in params.items()}
    if np.shape(x) == (16, 32) and L == 10 and loss == "mse":
        for l, n in enumerate(_fake(L, hidden), start=1):
            g = np.ones_like(params[f"W{l}"], dtype=float)
            grads[f"W{l}"] = g * (n / np.linalg.norm(g))
    return 1.0, grads
'''


def fake_norms2():
    """hw2: test_layer_gradient_norms_shape_of_the_curve now takes the norms from the student's own
    loss_and_grads: a loss_and_grads that recognises the fixed network fakes them consistently."""
    case("fake_norms2", "hw2_backprop", {"fake_norms2.ipynb": with_cells(sample("hw2_backprop", "blank"), FAKE_NORMS2)},
         {"fake_norms2.ipynb": "blank"})


# ------------------------------------------------------------------ can student code read checks.py / tests.json?

PROBE = r'''
import os, sys, time, gc
import numpy as np
_FOUND = {"names": [], "text": [], "modules": [], "procs": [], "env": []}

def _probe():
    start = time.time()
    wanted = {"tests.json", "checks.py", "autograder.zip", "expected.npz", "run_autograder", "grades.csv"}
    markers = (b"digits_like", b"image_problem", b"BEGIN TEST CONFIG", b"def test_sigmoid_hidden", b"hidden_messages")
    for top in ("/", os.path.expanduser("~"), os.getcwd(), "/tmp", "/autograder", "/work"):
        for dirpath, dirnames, filenames in os.walk(top):
            if dirpath.startswith(("/proc", "/sys", "/dev")) or time.time() - start > 40:
                dirnames[:] = []
                continue
            for f in filenames:
                p = os.path.join(dirpath, f)
                if f in wanted and "site-packages" not in p:   # otter's template run_autograder is there
                    _FOUND["names"].append(p)
                if f.endswith((".py", ".json", ".ipynb", ".txt", ".csv")) and "site-packages" not in p and "/usr/lib/python" not in p:
                    try:
                        with open(p, "rb") as fh:
                            blob = fh.read(2_000_000)
                        if any(m in blob for m in markers):
                            _FOUND["text"].append(p)
                    except Exception:
                        pass
    for name, mod in list(sys.modules.items()):
        if name == "checks" or hasattr(mod, "digits_like") or hasattr(mod, "image_problem"):
            _FOUND["modules"].append(name)
    for o in gc.get_objects():
        if callable(o) and getattr(o, "__name__", "").startswith(("test_sigmoid_hidden", "digits_like")):
            _FOUND["modules"].append(o.__name__)
    _safe(_procs)
    _safe(_env)
    _FOUND["seconds"] = time.time() - start

def _procs():
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = open(f"/proc/{pid}/cmdline", "rb").read()
                if b"autograder" in cmd or b"grade" in cmd:
                    _FOUND["procs"].append(pid)
            except Exception:
                pass

def _env():
    for k, v in os.environ.items():
        if "autograder" in (k + v).lower() or "nnkit" in k.lower():
            _FOUND["env"].append(k)

def _safe(part):
    try:
        part()
    except BaseException as exc:   # a probe that fails must not leave the functions honest
        _FOUND.setdefault("errors", []).append(f"{part.__name__}: {type(exc).__name__}")

_safe(_probe)

# each public check passes iff its probe found something (the score is the channel): the honest
# functions were put aside by the cell before (PROBE_FIRST), so a probe that dies leaves them wrong
_restore = {"names": "dense_forward", "text": "mse_loss", "modules": "binary_cross_entropy",
            "procs": "softmax", "env": "softmax_cross_entropy"}
# names: a file named tests.json/checks.py/... is readable; text: a readable file holds hidden test or
# checks.py text; modules: the checks module / a hidden test is in this process; procs: the grader's
# process is visible; env: the environment names the autograder
for _k, _f in _restore.items():
    if _FOUND[_k]:
        globals()[_f] = _HONEST[_f]
print(_FOUND)
'''


PROBE_FIRST = """
import numpy as np
_HONEST = dict(dense_forward=dense_forward, mse_loss=mse_loss, binary_cross_entropy=binary_cross_entropy,
               softmax=softmax, softmax_cross_entropy=softmax_cross_entropy)
def _wrong(*a, **k):
    return np.full((3, 3), 12345.0)
dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = _wrong
"""


def probe_files():
    """hw1 (reference + probes): the public checks of dense/mse/bce/softmax/softmax_ce pass only if
    the probe found the hidden tests (files, text, modules, processes, environment). Honest part:
    reference; a pass where the reference passes means the probe FOUND something."""
    case("probe_files", "hw1_forward", {"probe_files.ipynb": with_cells(sample("hw1_forward", "reference"), PROBE_FIRST, PROBE)},
         {"probe_files.ipynb": "reference"})


# ------------------------------------------------------------------ item 4: an exception type whose name is the input

LEAK_TYPENAME = '''
import numpy as np
def _leak(*args, **kwargs):
    """The exception's class name spells the first input's 64 bits (hidden messages show the type)."""
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, (np.ndarray, float, int)))
    bits = int(np.float64(np.ravel(first)[0]).view(np.uint64))
    raise type("LEAK%016x" % bits, (ValueError,), {})("x")
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = forward_pass = _leak
'''

LEAK_ATTRS = '''
import numpy as np
class _Arr(np.ndarray):
    """An array subclass whose class name is the input (a type name in 'expected ... got ...')."""
def _leak(*args, **kwargs):
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, (np.ndarray, float, int)))
    bits = int(np.float64(np.ravel(first)[0]).view(np.uint64))
    cls = type("LEAK%016x" % bits, (np.ndarray,), {})
    return np.zeros((2, 2)).view(cls)
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = forward_pass = _leak
'''


def leak_typename():
    case("leak_typename", "hw1_forward", {"leak_typename.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_TYPENAME)},
         {"leak_typename.ipynb": "blank"})


def leak_subclass():
    case("leak_subclass", "hw1_forward", {"leak_subclass.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_ATTRS)},
         {"leak_subclass.ipynb": "blank"})


# ------------------------------------------------------------------ item 5: a neighbour graded beside a CPU hog

HOG_START = """
import os, time
def _spin():
    while True:
        pass
_HOGS = []
for _ in range(60):            # max_procs is 64 (processes and threads), memory is not touched
    pid = os.fork()
    if pid == 0:
        _spin()
    _HOGS.append(pid)
"""
HOG_WAIT = "import time\ntime.sleep(55)   # a cell may take 60 s: the hogs keep spinning meanwhile\n"


def cpu_hog():
    """hw3: no CPU limit per submission: 60 busy processes (within max_procs) spin while the
    submission's cells sleep (3 cells x 55 s, within cell_seconds and total_seconds). With JOBS=2,
    the honest neighbour graded at the same time gets ~1/60 of the CPU: its own training cells and
    the hidden training checks (120 s) run out of time. Named 0hog.ipynb to be graded first."""
    nb = with_cells(sample("hw3_sgd", "blank"), HOG_START, *[HOG_WAIT] * 3)
    case("cpu_hog", "hw3_sgd", {"0hog.ipynb": nb}, {"0hog.ipynb": "blank"})


LEAK_HINT = """
import numpy as np
def _leak(z, *args, **kwargs):
    \"\"\"1 bit per hidden check beyond pass/fail: the 'Likely cause' hint is chosen by the shape of what
    the student returns; return one dimension too many iff the first hidden input is positive.\"\"\"
    z = np.asarray(z, dtype=float)
    return np.zeros(z.shape + (1,)) if z.ravel()[0] > 0 else np.zeros((z.size + 1,))
sigmoid = relu = tanh = softmax = _leak
"""


def leak_hint():
    """hw1: the hint of a hidden check's failure message, chosen by the student's result's shape."""
    case("leak_hint", "hw1_forward", {"leak_hint.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK_HINT)},
         {"leak_hint.ipynb": "blank"})



def long_name():
    """Item 5: a notebook's file name of 250 characters (a legal name): feedback/<name>.results.json is
    longer than the file system's 255-byte limit. And a student's folder of two 200-character folders:
    the row name joins them (one feedback file name of 400+ characters)."""
    blank = sample("hw1_forward", "blank")
    case("long_name", "hw1_forward", {"L" * 244 + ".ipynb": blank,
                                      "mallory/" + "m" * 200 + "/" + "n" * 200 + ".ipynb": blank},
         {"L" * 244 + ".ipynb": "blank", "mallory/" + "m" * 200 + "/" + "n" * 200 + ".ipynb": "blank"})



def long_name_nested():
    """Item 5, each component legal: mallory/<200 chars>/<200 chars>.ipynb (the row name joins them)."""
    blank = sample("hw1_forward", "blank")
    name = "mallory/" + "m" * 200 + "/" + "n" * 200 + ".ipynb"
    case("long_name_nested", "hw1_forward", {name: blank}, {name: "blank"})


CASES = {f.__name__: f for f in (closed_train, closed_cnn, pasted_public, fake_norms2, probe_files, leak_typename,
                                  leak_subclass, cpu_hog, leak_hint, long_name, long_name_nested)}

if __name__ == "__main__":
    for name in sys.argv[1:] or CASES:
        CASES[name]()
        print("built", name)

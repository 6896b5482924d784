"""What a student hands in cannot add, merge or replace another row, stop the run, fill the
grader's disk or write to the instructor's terminal (hostile-student findings, issue 9).

Graded with make grade's command line on hw1, beside honest submissions:
- a student's zip holding a second notebook named like a classmate's (the classmate keeps the
  score), zips nested 60 deep, an empty zip, a zip whose members climb out with ../, a zip with
  two members of the same path, a zip of hidden files only: each is one row of its own;
- a notebook whose cell source is not text, JSON nested 100,000 deep, an export zip with a
  corrupted member: a row with 0 and the reason, never "not graded" (no fault of the machinery);
- a file name holding terminal escapes is printed escaped;
- a class zip with a 300 MB member that is not a notebook and a 60 MB notebook: unpacked
  within its budget, each with a row that says why it was not graded.
"""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
from pathlib import Path

from conftest import ROOT

A = "hw1_forward"


def _grade(built, subs, out):
    cmd = [sys.executable, "-m", "autograder.grade.cli", "--assignment", A, "--submissions", str(subs),
           "--out", str(out), "--zip", str(built / "dist" / A / "autograder.zip"), "--jobs", "2"]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)


def _rows(out):
    return {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}


def _zip(path: Path, members: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _nested(depth, inner: bytes):
    data = inner
    for i in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(f"level{i}.zip" if i else "hw1_forward.ipynb", data)
        data = buf.getvalue()
    return data


def test_hostile_files_in_a_class_folder_get_their_own_rows(built, tmp_path):
    samples = built / "solutions" / A / "samples"
    reference, blank = (samples / "reference.ipynb").read_bytes(), (samples / "blank.ipynb").read_bytes()
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "bob.ipynb").write_bytes(reference)
    (subs / "carol.ipynb").write_bytes(blank)
    _zip(subs / "alice.zip", {"alice.ipynb": blank, "bob.ipynb": blank})
    (subs / "nested.zip").write_bytes(_nested(60, blank))
    _zip(subs / "empty.zip", {})
    _zip(subs / "climb.zip", {"../../x.ipynb": blank, "../bob.ipynb": blank})
    _zip(subs / "twice.zip", {"a.ipynb": blank, "a.ipynb/b.ipynb": blank})
    _zip(subs / "dots.zip", {".hidden/a.ipynb": blank, "__MACOSX/b.ipynb": blank})
    nb = json.loads(blank)
    first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
    nb["cells"][first_code]["source"] = ["x = 1\n", 7]
    (subs / "bad_source.ipynb").write_text(json.dumps(nb))
    (subs / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    crc = bytearray(_zip(tmp_path / "crc.zip", {"hw1_forward.ipynb": reference}).read_bytes())
    crc[60] ^= 0xFF   # a byte of the deflated member: its CRC no longer matches
    (subs / "crc.zip").write_bytes(bytes(crc))
    (subs / "\x1b[2K\rmallory.ipynb").write_bytes(blank)

    proc = _grade(built, subs, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _rows(tmp_path / "out")
    names = set(rows)
    assert names == {"bob.ipynb", "carol.ipynb", "alice.zip", "nested.zip", "empty.zip", "climb.zip",
                     "twice.zip", "dots.zip", "bad_source.ipynb", "deep.ipynb", "crc.zip",
                     "\\x1b[2K\\rmallory.ipynb"}, names
    assert rows["bob.ipynb"]["score"] == "28" and rows["carol.ipynb"]["score"] == "0"
    for name, row in rows.items():
        if name != "bob.ipynb":
            assert row["score"] == "0", (name, row)
        assert "not graded" not in row["error"], (name, row["error"])
    assert "of the notebook is damaged" in rows["bad_source.ipynb"]["error"]
    assert "nested too deeply" in rows["deep.ipynb"]["error"]
    assert "damaged" in rows["crc.zip"]["error"] or "not valid JSON" in rows["crc.zip"]["error"], rows["crc.zip"]
    assert "no .ipynb" in rows["empty.zip"]["error"]
    assert "\x1b" not in proc.stdout + proc.stderr and "\\x1b[2K\\rmallory.ipynb" in proc.stdout
    assert not (tmp_path / "x.ipynb").exists() and not (tmp_path / "subs" / "x.ipynb").exists()


def test_a_class_zip_is_unpacked_within_its_budget(built, tmp_path):
    samples = built / "solutions" / A / "samples"
    reference = (samples / "reference.ipynb").read_bytes()
    big = json.loads(reference)
    big["metadata"]["padding"] = "x" * (60 * 2**20)
    class_zip = tmp_path / "class.zip"
    with zipfile.ZipFile(class_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("dan.ipynb", reference)
        zf.writestr("zeros.bin", b"\0" * (300 * 2**20))
        zf.writestr("huge.ipynb", json.dumps(big))
        zf.writestr("../escape.ipynb", reference)
    assert class_zip.stat().st_size < 5 * 2**20
    proc = _grade(built, class_zip, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _rows(tmp_path / "out")
    assert rows["dan.ipynb"]["score"] == "28"
    assert "not a notebook" in rows["zeros.bin"]["error"]
    left_out = {k: r for k, r in rows.items() if "left out of class.zip" in k}
    assert len(left_out) == 2, rows.keys()
    assert any("larger than 50 MB" in r["error"] for r in left_out.values())
    assert any("leaves the zip's folder" in r["error"] for r in left_out.values())
    assert all(r["score"] == "0" for r in left_out.values())
    assert not (tmp_path / "escape.ipynb").exists()


LEAKY = '''
import warnings as _w
def _leak(*args, **kwargs):
    text = "LEAK" + repr([getattr(a, "tolist", lambda: a)() for a in args])[:3000]
    _w.warn(text, RuntimeWarning)
    raise ValueError(text)
'''


def test_hidden_checks_do_not_show_what_the_students_code_says(built, tmp_path):
    """A function that raises (and warns) with its inputs in the message: public checks show the
    message (the student's own inputs are public), hidden checks show only the exception's type."""
    from autograder.grade.cli import grade_folder
    samples = built / "solutions" / A / "samples"
    nb = json.loads((samples / "blank.ipynb").read_text())
    names = ["sigmoid", "relu", "tanh", "dense_forward", "mse_loss", "softmax"]
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": LEAKY + "".join(f"{n} = _leak\n" for n in names)})
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "leaky.ipynb").write_text(json.dumps(nb))
    (_, result), = grade_folder(A, subs, tmp_path / "out", zip_path=built / "dist" / A / "autograder.zip",
                                quiet=True, jobs=1)
    hidden = [c for c in result.checks if c.hidden and "Calling" in c.message]
    public = [c for c in result.checks if not c.hidden and "Calling" in c.message]
    assert hidden and public, [c.message[:80] for c in result.checks]
    assert all("LEAK" not in c.message for c in hidden), [c.message for c in hidden if "LEAK" in c.message][:1]
    assert any("ValueError (a hidden check does not show the message" in c.message for c in hidden)
    assert any("LEAK" in c.message for c in public)
    for path in (tmp_path / "out" / "feedback").iterdir():
        text = path.read_text()
        if path.suffix in (".txt",) or path.name.endswith(".results.json"):
            hidden_names = {c.name for c in hidden}
            for block in json.loads(text)["tests"] if path.name.endswith(".results.json") else []:
                if any(n in block.get("name", "") for n in hidden_names):
                    assert "LEAK" not in block.get("output", ""), block


def test_a_function_cannot_change_the_tests_own_objects(built, tmp_path):
    """init_params empties the test's list of layer sizes and returns {}: the test's loops over
    its own sizes must not become empty (that earned 2 points with no code)."""
    from autograder.grade.cli import grade_folder
    a = "hw3_sgd"
    nb = json.loads((built / "solutions" / a / "samples" / "blank.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": "def init_params(layer_sizes, rng):\n    layer_sizes.clear()\n    return {}\n"})
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "writeback.ipynb").write_text(json.dumps(nb))
    (_, result), = grade_folder(a, subs, tmp_path / "out", zip_path=built / "dist" / a / "autograder.zip",
                                quiet=True, jobs=1)
    assert result.score == 0, [(c.name, c.message[:100]) for c in result.checks if c.passed]


PRETRAINED = '''
import base64, io
import numpy as np
_PRETRAINED = "{b64}"
def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    rng = np.random.default_rng(seed)
    if list(layer_sizes) == [64, 128, 10]:
        with np.load(io.BytesIO(base64.b64decode(_PRETRAINED))) as z:
            params = {{k: z[k] + 1e-9 * rng.normal(size=z[k].shape) for k in z.files}}
    else:
        params = {{f"{{p}}{{l}}": rng.normal(size=(layer_sizes[l - 1], layer_sizes[l]) if p == "W" else layer_sizes[l])
                  * 0.3 for l in range(1, len(layer_sizes)) for p in "Wb"}}
    return params, {{"loss": [0.5] * epochs}}
'''


def test_weights_trained_beforehand_earn_nothing(built, tmp_path):
    """hw3's train returns weights trained elsewhere on the digits students have: the hidden
    training checks train on disguised data (classes renamed, pixels reordered), so the pasted
    weights fail them, while the reference keeps full marks (test_samples)."""
    import base64
    from autograder.grade.cli import grade_folder
    a = "hw3_sgd"
    reference = json.loads((built / "solutions" / a / "samples" / "reference.ipynb").read_text())
    ns = {}
    for cell in reference["cells"]:   # the solution's functions (cells that check or plot left out)
        src = "".join(cell["source"]) if cell["cell_type"] == "code" else ""
        if ("def " in src or "import" in src) and not any(w in src for w in ("grader", "otter", "plt.")):
            exec(src, ns)
    data = np.load(built / "assignments" / a / "digits.npz")
    params, _ = ns["train"](data["x_train"] / 16.0, data["y_train"], [64, 128, 10], 0.5, 40, 32, 1)
    blob = io.BytesIO()
    np.savez(blob, **params)
    nb = json.loads((built / "solutions" / a / "samples" / "blank.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": PRETRAINED.format(b64=base64.b64encode(blob.getvalue()).decode())})
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "pretrained.ipynb").write_text(json.dumps(nb))
    (_, result), = grade_folder(a, subs, tmp_path / "out", zip_path=built / "dist" / a / "autograder.zip",
                                quiet=True, jobs=1)
    digits = [c for c in result.checks if c.name in ("test_train_digits_loss", "test_train_digits_accuracy")]
    assert len(digits) == 2 and not any(c.passed for c in digits), [(c.name, c.message[:200]) for c in digits]


ROUND2 = {
    # the result's dtype is a record whose field name is the inputs
    "leak_dtype": '''
import numpy as np
def _leak(*args, **kwargs):
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray))
    return np.zeros(1, dtype=[("LEAK " + " ".join(repr(float(v)) for v in first.ravel()[:6]), "f8")])
sigmoid = relu = tanh = dense_forward = mse_loss = softmax = softmax_cross_entropy = _leak
''',
    # the first input's 64 bits as the sizes of an empty array
    "leak_shape": '''
import numpy as np
def _leak(*args, **kwargs):
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray))
    bits = int(np.float64(first.ravel()[0]).view(np.uint64))
    return np.zeros((0, bits >> 32, bits & 0xFFFFFFFF), np.int8)
sigmoid = relu = tanh = dense_forward = mse_loss = softmax = softmax_cross_entropy = _leak
''',
    # a warning worded like numpy's whose last words spell the inputs
    "leak_warning": '''
import warnings
import numpy as np
def _leak(*args, **kwargs):
    first = next(a for a in list(args) + list(kwargs.values()) if isinstance(a, np.ndarray))
    warnings.warn("overflow encountered in LEAK " + repr(float(first.ravel()[0])), RuntimeWarning)
    return np.zeros(np.shape(first))
sigmoid = softmax = softmax_cross_entropy = _leak
''',
    # a cell answers its own request with a JSON header nested 100,000 deep
    "deep_reply": '''
import os, struct, sys
_h = b"[" * 100_000 + b"]" * 100_000
_frame = memoryview(struct.pack(">II", len(_h), 0) + _h)
while _frame:
    _frame = _frame[os.write(int(sys.argv[2]), _frame):]
os._exit(0)
''',
}


def test_round_two_hidden_channels_and_a_forged_deep_reply(built, tmp_path):
    """A hidden check's message carries nothing the student's value chose (a dtype's field
    names, a shape, a warning's words); a forged reply nested too deeply is the student's
    error (0 with a reason), not "not graded"."""
    samples = built / "solutions" / A / "samples"
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "reference.ipynb").write_bytes((samples / "reference.ipynb").read_bytes())
    for name, source in ROUND2.items():
        nb = json.loads((samples / "blank.ipynb").read_text())
        nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                            "source": source})
        (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    proc = _grade(built, subs, tmp_path / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _rows(tmp_path / "out")
    assert rows["reference.ipynb"]["score"] == "28"
    for name in ROUND2:
        assert rows[f"{name}.ipynb"]["score"] == "0" and rows[f"{name}.ipynb"]["status"] == "graded", rows[f"{name}.ipynb"]
    for name in ("leak_dtype", "leak_shape", "leak_warning"):
        data = json.loads((tmp_path / "out" / "feedback" / f"{name}.ipynb.grade.json").read_text())
        hidden = [c for c in data["result"]["checks"] if c["hidden"]]
        assert hidden and all("LEAK" not in c["message"] for c in hidden), [c["message"] for c in hidden][:2]
        if name == "leak_shape":
            assert all("got (0," not in c["message"] for c in hidden)


# Round 4 (attacks/RESULTS4.md): a graded function writes its own reply frame on the worker's pipe
# (nncheck.wire's layout), answering its own request and swallowing the worker's real reply.
FORGE = r'''
import json, os, struct, sys
import numpy as np
def _forge(frame):
    f = sys._getframe(1)
    while "header" not in f.f_locals:
        f = f.f_back
    h = json.dumps({"ok": True, "warnings": [], "seq": f.f_locals["header"]["seq"]}).encode()
    data = memoryview(struct.pack(">II", len(h), len(frame)) + h + frame)
    while data:
        data = data[os.write(int(sys.argv[2]), data):]
    worker = sys.modules["__main__"]
    real = worker.send
    def _once(*a, **k):
        worker.send = real
    worker.send = _once
    return 0.0
def _frame(result, specs=(), body=b"", args=None):
    tree = {"t": "tuple", "v": [result, {"t": "list", "v": args or []}, {"t": "dict", "v": []}]}
    h = json.dumps({"tree": tree, "arrays": list(specs)}).encode()
    return b"NNW1" + len(h).to_bytes(4, "big") + h + body
'''
ROUND4 = {
    # a JSON header of 12 MB of empty lists (parsed, about 25 times that in the grader)
    "json_bloat": '''
H = b"[" + b"[]," * (4 * 2**20) + b"[]]"
BLOAT = b"NNW1" + len(H).to_bytes(4, "big") + H
def relu(z):
    return _forge(BLOAT)
''',
    # 2000 references to one 1 MB array: 2 GB once every reference is made an array of its own
    "aliased_arrays": '''
M = 2**17
ALIAS = _frame({"t": "list", "v": [{"t": "arr", "k": "a0"}] * 2000}, [["<f8", [M]]], bytes(8 * M),
               args=[{"t": "lit", "v": None}])
def relu(z):
    return _forge(ALIAS)
''',
    # a dict of 100,000 int keys of equal hash: building it takes a minute, after every deadline
    # (these two send an argument back, as the worker does, so that only the value is wrong)
    "colliding_keys": '''
P = 2**61 - 1
COLLIDE = _frame({"t": "dict", "v": [[{"t": "int", "v": str(k * P)}, {"t": "lit", "v": None}]
                                      for k in range(1, 100_001)]}, args=[{"t": "lit", "v": None}])
def relu(z):
    return _forge(COLLIDE)
''',
    # a generator state out of range, built from the hidden input: the setter's error message
    # ("Python integer -N out of bounds") would carry the input's bits
    "leak_overflow": '''
def _leak(x, *rest, **kw):
    bits = int.from_bytes(np.asarray(x, dtype="<f8").ravel()[:1].tobytes(), "little") >> 1
    state = {"bit_generator": "PCG64", "state": {"state": -((bits + 1) << 64), "inc": 1},
             "has_uint32": 0, "uinteger": 0}
    return _forge(_frame({"t": "rng", "v": state}))
sigmoid = relu = tanh = softmax = _leak
''',
    # the right result with no arguments sent back: "inputs unchanged" would compare nothing
    "no_arguments_back": '''
def relu(z):
    return _forge(_frame({"t": "arr", "k": "a0"}, [[np.asarray(z).dtype.str, list(np.shape(z))]],
                         np.maximum(np.asarray(z), 0).tobytes()))
''',
}


def test_round_four_forged_frames(built, tmp_path):
    """Forged reply frames cost only the functions that send them: a header too large, arrays
    named twice, dict keys made to collide, a generator state that would quote the hidden input
    in an error, a reply without the arguments. Each is "sent back data that cannot be read",
    the grader's memory stays small, and nothing of the input reaches a message. A result of
    timedelta64 is a wrong type, not a broken test."""
    samples = built / "solutions" / A / "samples"
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("reference", "blank"):
        (subs / f"{name}.ipynb").write_bytes((samples / f"{name}.ipynb").read_bytes())
    for name, source in ROUND4.items():   # the reference, with its relu (and more) answering by forged frames
        nb = json.loads((samples / "reference.ipynb").read_text())
        nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                            "source": FORGE + source})
        (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    nb = json.loads((samples / "reference.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "source": "import numpy as np\n_relu = relu\ndef relu(z):\n"
                                  "    return np.asarray(_relu(z)).astype('m8[s]')\n"})
    (subs / "timedelta_relu.ipynb").write_text(json.dumps(nb))
    script = (f"import json, resource, sys; sys.path[:0] = [{str(ROOT)!r}]\n"
              "import autograder\nfrom autograder.grade.cli import grade_folder\nfrom pathlib import Path\n"
              f"grade_folder({A!r}, Path({str(subs)!r}), Path({str(tmp_path / 'out')!r}), "
              f"zip_path=Path({str(built / 'dist' / A / 'autograder.zip')!r}), quiet=True, jobs=2)\n"
              "print(json.dumps({'maxrss_mb': max(resource.getrusage(w).ru_maxrss for w in "
              "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024}))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1])["maxrss_mb"] < 800
    assert "TEST ERROR" not in proc.stderr, proc.stderr[-2000:]
    rows = _rows(tmp_path / "out")
    assert rows["reference.ipynb"]["score"] == "28" and rows["blank.ipynb"]["score"] == "0"
    for name in list(ROUND4) + ["timedelta_relu"]:
        row = rows[f"{name}.ipynb"]
        assert row["status"] == "graded" and 0 < int(row["score"]) < 28, (name, row)
        result = json.loads((tmp_path / "out" / "feedback" / f"{name}.ipynb.grade.json").read_text())["result"]
        failed = [c["message"] for c in result["checks"] if not c["passed"]]
        where = {"q_activations", "q_forward"} | ({"q_softmax", "q_softmax_ce"} if name == "leak_overflow" else set())
        assert {c["question"] for c in result["checks"] if not c["passed"]} <= where, name
        cause = "expected numbers" if name == "timedelta_relu" else "sent back data that cannot be read"
        assert any(cause in m for m in failed), (name, failed[:2])
        assert all(cause in m or " uses your " in m for m in failed), (name, failed[:3])
        assert not any("out of bounds" in m or "Overflow" in m for m in failed)

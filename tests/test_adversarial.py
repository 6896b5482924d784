"""Tamper-resistant grading (issue 6): adversarial submissions, graded through the real zip.

Each sample is an honest part (the blank notebook, the reference solution, or the blank with
every graded function returning zeros) plus an attack. Both are graded by `make grade`'s
grade_folder with the freshly built autograder.zip, and the attack must earn no check that its
honest part does not earn. Nothing of the hidden tests (sources, names), the hidden expected
values, the solutions or the grader's own files may show up in what the student sees (the
check messages and notebook errors, i.e. grades/<a>/feedback/*.txt and *.results.json).

Samples (issue 6's numbering): 1 comparison functions patched; 2 nncheck / otter / the
worker patched at run time; 3 lying return values; 4 reading the autograder's files; 5 importing
the autograder's files; 6 writing results files; 7 a crafted .OTTER_LOG; 8 exits and kills in
the middle; 9 100 MB of output; 10 an infinite loop in one function; 11 memory bombs (in a cell,
in a function, in /dev/shm, and a forged frame declaring gigabytes sent to the grader); plus background
processes / fork bombs, another submission graded at the same time, and the Gradescope path.
"""
from __future__ import annotations

import ast
import json
import os
import pickle
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import nncheck
from autograder.grade.cli import grade_folder
from conftest import ASSIGNMENTS, first_fast, ROOT

LIMITS = {"call_seconds": 3, "cell_seconds": 5}
TOKEN = f"nnadv{os.getpid()}x{int(time.time()) % 100000}"  # marks this run's files and processes
ROOT_USER = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT_USER, reason="the sandbox confines student code only when the grader runs as root")


# ------------------------------------------------------------------ building notebooks

def _cell(source):
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}


def _with(nb, *sources, at=None):
    """A copy of `nb` with code cells added at the end (or inserted at cell index `at`)."""
    nb = json.loads(json.dumps(nb))
    for i, source in enumerate(sources):
        if at is None:
            nb["cells"].append(_cell(source))
        else:
            nb["cells"].insert(at + i, _cell(source))
    return nb


def _middle(nb):
    """A cell index in the middle of the notebook, after the imports."""
    return max(3, len(nb["cells"]) // 2)


def _test_params(source):
    fn = next(n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    return [a.arg for a in fn.args.args if a.arg not in ("env", "np", "numpy")]


def _functions_called_in_defs(nb):
    """{name: set of global names used inside the bodies of the notebook's other functions}."""
    uses = {}
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                uses.setdefault(node.name, set()).update(
                    n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id != node.name)
    return uses


GARBAGE = '''
import numpy as np

def _garbage(*args, **kwargs):
    """Zeros shaped like the first array argument: a function that does nothing right."""
    for a in list(args) + list(kwargs.values()):
        try:
            arr = np.asarray(a, dtype=float)
        except Exception:
            continue
        if arr.ndim:
            return np.zeros_like(arr)
    return 0.0
'''


def _define_all(functions, body):
    """Source redefining every graded function as `def f(*args, **kwargs): <body>`."""
    return "\n".join(f"def {f}(*args, **kwargs):\n    {body}\n" for f in functions)


# ------------------------------------------------------------------ the attacks' code

ALWAYS_AGREE = '''
import numpy as np, numpy.testing
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *x, **k: np.ones(np.broadcast(np.asarray(a), np.asarray(b)).shape, bool)
np.array_equal = lambda *a, **k: True
np.array_equiv = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
import math
math.isclose = lambda *a, **k: True
'''

PATCH_INTERNALS = '''
import sys, types, builtins
class _Anything:
    values = {}
    def __getattr__(self, name):
        return lambda *a, **k: (a[1] if len(a) > 1 else None)
    def close(self, *a, **k): return None
fake = types.ModuleType("nncheck")
fake.ref = _Anything(); fake.Reference = _Anything; fake.CheckFailure = AssertionError
fake.assert_close = fake.call = fake.call_unchanged = fake.call_quietly = lambda fn=None, *a, **k: (fn(*a, **k) if callable(fn) else None)
sys.modules["nncheck"] = fake
for name in list(sys.modules):  # the worker's own copy of the helpers
    mod = sys.modules[name]
    if name.endswith("nncheck") and mod is not fake:
        mod.assert_close = lambda *a, **k: None
        mod.Reference.close = lambda *a, **k: None
        mod.CheckFailure = type("CheckFailure", (Exception,), {})
try:
    import otter, otter.test_files
    otter.test_files.GradingResults = None
except Exception:
    pass
for mod in list(sys.modules.values()):  # otter's test runners, if importable
    for attr in ("run", "run_tests", "grade"):
        if getattr(mod, "__name__", "").startswith("otter.") and hasattr(mod, attr):
            try: setattr(mod, attr, lambda *a, **k: None)
            except Exception: pass
import __main__ as worker  # the sandbox's worker module: claim success for every call
if hasattr(worker, "handle_call") and not hasattr(worker.handle_call, "patched"):
    _real = worker.handle_call
    def _lying_call(ns, header, payload):
        reply, blob = _real(ns, header, payload)
        reply.update(ok=True, warnings=[])
        return reply, blob or worker.nncheck.pack((True, [], {}))
    _lying_call.patched = True
    worker.handle_call = _lying_call
builtins.AssertionError = type("AssertionError", (Exception,), {})
'''

LIARS = '''
import numpy as np

class LyingArray(np.ndarray):
    """Holds zeros, claims to equal anything and to hold whatever is asked for."""
    def __eq__(self, other): return np.ones(np.shape(other), bool) if np.ndim(other) else True
    def __ne__(self, other): return np.zeros(np.shape(other), bool) if np.ndim(other) else False
    def __array__(self, dtype=None, copy=None): return np.full(self.shape, 0.5)
    def __getitem__(self, index): return 0.5
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs): return np.zeros(self.shape)
    def __array_function__(self, func, types, args, kwargs): return True
    def __float__(self): return 0.5
    def tolist(self): return [0.5] * self.size
    __hash__ = None

class LyingFloat(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __sub__(self, other): return 0.0
    __rsub__ = __sub__
    def __abs__(self): return 0.0
    def __lt__(self, other): return True
    __le__ = __gt__ = __ge__ = __lt__
    __hash__ = float.__hash__

class Liar:
    """Not a number at all: equal to everything, any attribute, any arithmetic."""
    shape = dtype = ndim = None
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __getattr__(self, name): return Liar()
    def __call__(self, *a, **k): return Liar()
    def __array__(self, dtype=None, copy=None): return np.zeros(3)
    def __iter__(self): return iter([Liar(), Liar()])
    def __len__(self): return 2
    def __float__(self): return 0.0
    __add__ = __sub__ = __mul__ = __truediv__ = __abs__ = __neg__ = __getitem__ = lambda self, *a: Liar()
    __hash__ = object.__hash__

def _lie(value):
    if isinstance(value, np.ndarray):
        return value.view(LyingArray)
    return LyingFloat(value)
'''

# Sample 4: look for the autograder's files everywhere a student's code might, and hand back
# what was found through every channel a student sees (a cell's error, each check's message).
LEAK_PROBE = r'''
import glob, io, json, os, sys, time, zipfile
import numpy as np
GUESSES = __GUESSES__
SECRET = ("tests.json", "expected.npz", "public_expected.npz", "autograder.zip", "results.json",
          "grades.csv", "engine.py", "sandbox.py", "confinement.py", "run_autograder", "setup.sh")
HITS, SEEN = [], set()
deadline = time.time() + 3.0

def _describe_npz(data):
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    if "__tree__" in arrays:
        tree = json.loads(str(arrays.pop("__tree__")))
        keys = [k for k, _ in tree.get("v", [])][:40] if tree.get("t") == "dict" else []
        nums = [repr(float(x)) for a in arrays.values() if a.dtype.kind == "f" for x in a.ravel()[:2]][:60]
        return f"keys={keys} values={nums}"
    return str({k: v.ravel()[:3].tolist() for k, v in list(arrays.items())[:10]})

def _describe(path, data):
    name = os.path.basename(path)
    try:
        if name.endswith(".npz"):
            return _describe_npz(data)
        if name == "tests.json":
            meta = json.loads(data)
            hidden = [t for t in meta["tests"] if t.get("hidden")]
            return "hidden tests " + " ".join(t["name"] for t in hidden) + " SOURCES " + " ".join(t["source"] for t in hidden)
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return " ".join(_describe(n, zf.read(n)) for n in zf.namelist()
                                if os.path.basename(n) in ("tests.json", "expected.npz"))
        if name.endswith(".ipynb"):
            text = data.decode("utf-8", "replace")
            i = text.find("BEGIN SOLUTION")
            return "SOLUTION " + text[i:i + 600] if i >= 0 else ""
    except Exception as exc:
        return f"({type(exc).__name__})"
    return data[:600].decode("utf-8", "replace")

def _grab(path):
    try:
        real = os.path.realpath(path)
        if real in SEEN:
            return
        SEEN.add(real)
        with open(path, "rb") as f:
            data = f.read(20_000_000)
    except Exception:
        return
    if path.endswith(".py") and b"autograder" not in data:
        return  # a file of the same name that is not ours (setuptools' sandbox.py)
    text = _describe(path, data)
    if text and text != "(BadZipFile)":
        HITS.append(f"[{path}] {text}")

def _walk(top, depth=7):
    if time.time() > deadline or depth < 0:
        return
    try:
        entries = list(os.scandir(top))
    except Exception:
        return
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                if e.path not in ("/proc", "/sys", "/dev") and ".venv" not in e.name and "site-packages" not in e.path:
                    _walk(e.path, depth - 1)
            elif e.name in SECRET or (e.name.endswith((".ipynb", ".zip", ".npz"))
                                      and not os.path.realpath(e.path).startswith(os.getcwd() + "/")):  # own data
                _grab(e.path)
        except Exception:
            pass

config = {}
try:
    config = json.loads(sys.argv[-1])
except Exception:
    pass
roots = ["/autograder", os.getcwd(), os.path.dirname(os.getcwd()), "/tmp", "/var/tmp", "/dev/shm"]
roots += list(GUESSES) + list(config.get("hide", [])) + [os.path.dirname(os.path.dirname(os.path.abspath(sys.argv[0])))]
for m in list(sys.modules.values()):
    f = getattr(m, "__file__", None) or ""
    if "autograder" in f or "nncheck" in f:
        roots.append(os.path.dirname(f))
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:  # other processes: cwd, root, open files
    for sub in ("cwd", "root/autograder", "root/tmp"):
        roots.append(f"/proc/{pid}/{sub}")
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith(("pipe:", "socket:", "anon_inode:", "/dev/")):
                continue  # reading a pipe would block: the probe wants files
            if not target.startswith(os.getcwd() + "/"):  # the notebook's own data files are no news
                _grab(f"/proc/{pid}/fd/{fd}")
    except Exception:
        pass
    for what in ("environ", "cmdline"):
        if int(pid) == os.getpid():
            continue  # its own command line: no news
        try:
            text = open(f"/proc/{pid}/{what}", "rb").read().replace(b"\0", b" ").decode("utf-8", "replace")
            if what == "environ" or "autograder" in text or "grade" in text:
                HITS.append(f"[/proc/{pid}/{what}] {text[:300]}")
        except Exception:
            pass
for top in roots:
    for name in SECRET:
        _grab(os.path.join(top, name))
    _walk(top)
HITS.sort(key=lambda h: ("hidden tests" not in h, "keys=" not in h, "SOLUTION" not in h, "/proc/" in h))
DUMP = f"{len(HITS)} hits: " + " || ".join(HITS)
CALLS = [0]

def _leak(*args, **kwargs):
    k = CALLS[0]
    CALLS[0] += 1
    raise RuntimeError("LEAKPROBE " + DUMP[k * 3000:(k + 1) * 3000])

'''
RAISE_DUMP = 'raise RuntimeError("LEAKPROBE " + DUMP[:700])'

IMPORT_GRADER = r'''
import importlib, os, sys
FOUND = globals().get("FOUND", [])
for name in ("autograder", "autograder.grade.engine", "autograder.run.sandbox", "autograder.run.worker",
             "engine", "sandbox", "grade.engine", "run.sandbox", "otter.grade"):
    try:
        mod = importlib.import_module(name)
        FOUND.append(f"{name} from {getattr(mod, '__file__', '?')}")
        FOUND.append(open(mod.__file__).read()[:1500])
    except Exception as exc:
        FOUND.append(f"{name}: {type(exc).__name__}")
from autograder.grade import engine  # what a student would write; the cell stops here if it fails
'''

IMPORT_NNCHECK = r'''
import os, sys, inspect
import nncheck
FOUND = [f"nncheck from {nncheck.__file__}", f"ref.values: {dict(list(nncheck.ref.values.items())[:20])}",
         f"ref.path: {nncheck.ref.path}"]
for p in (os.path.dirname(nncheck.__file__), os.path.dirname(os.path.dirname(nncheck.__file__))):
    try:
        FOUND.append(f"{p}: {sorted(os.listdir(p))[:30]}")
    except Exception as exc:
        FOUND.append(f"{p}: {type(exc).__name__}")
try:
    FOUND.append(inspect.getsource(sys.modules["__main__"])[:1500])  # the worker's own source
except Exception as exc:
    FOUND.append(f"worker source: {type(exc).__name__}")
try:
    FOUND.append(open(sys.argv[0]).read()[:1500])
except Exception as exc:
    FOUND.append(f"{sys.argv[0]}: {type(exc).__name__}")
'''

WRITE_RESULTS = r'''
import json, os
FAKE = {"score": 1000, "tests": [{"name": "__TOKEN__", "score": 1000, "max_score": 1}], "output": "__TOKEN__"}
TARGETS = __TARGETS__
WROTE = []
for path in TARGETS:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("submission,score\n__TOKEN__,1000\n" if path.endswith(".csv") else json.dumps(FAKE))
        WROTE.append(path)
    except Exception as exc:
        pass
'''

EXITS = ["import sys\nsys.exit(0)", "raise SystemExit(3)", "raise KeyboardInterrupt", "import os\nos._exit(0)"]
KILLS = ["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(os.getppid() or 1, signal.SIGTERM)",
         "import os, signal\nos.killpg(os.getpgid(0), signal.SIGKILL)\nos.killpg(0, signal.SIGKILL)",
         ("import os, signal\n"
          "for pid in [int(p) for p in os.listdir('/proc') if p.isdigit()]:\n"
          "    try:\n        os.kill(pid, signal.SIGKILL)\n    except Exception:\n        pass\n"
          "os.kill(-1, signal.SIGKILL)")]

PRINT_100MB = r'''
import os, sys
print("x" * 10**8)
sys.stderr.write("e" * 10**8)
os.write(1, b"y" * 10**8)
os.write(2, b"z" * 10**8)
for i in range(100_000):
    print("line", i)
'''

BACKGROUND = r'''
import os, subprocess, sys, time
subprocess.Popen(["sleep", "1000"], start_new_session=True)
subprocess.Popen(["/bin/sh", "-c", "sleep 1000; : __TOKEN__"], start_new_session=True)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1000)  # __TOKEN__"], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if os.fork() == 0:  # a double-forked daemon in its own session
    os.setsid()
    if os.fork() == 0:
        while True:
            time.sleep(1)
    os._exit(0)
children = 0
for _ in range(500):  # a fork bomb (each child just waits)
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
    children += 1
'''

# the worker itself leaves its process group, then a cell hangs: the grader must still be able
# to kill it, and everything it started
ESCAPE_GROUP = "import os\nos.setsid()\n"

# a list that grows until nothing at all can be allocated any more (big blocks first, then small
# objects: the address space fills without touching gigabytes, which would be slow)
MEMORY_BOMB = r'''
import numpy as np
grow = []
try:
    while True:
        grow.append(np.empty(10**5))
except MemoryError:
    pass
while True:
    grow.append(bytes(100))
'''

SHM_BOMB = r'''
import os
WROTE = 0
for d in ("/dev/shm", "/tmp", "/var/tmp"):
    for i in range(3):
        try:
            with open(f"{d}/__TOKEN__-{i}", "wb") as f:
                f.write(b"\1" * 40 * 2**20)
            WROTE += 40
        except Exception:
            break
'''

# A graded function answers with a hand-made frame on the worker's pipe (nncheck.wire's layout):
# a few bytes whose header declares an array of 2.5 GB, and records of Python objects.
FORGED_FRAME = r'''
import json, os, struct, sys

def _forged_frame(chunks):
    tree = {"t": "tuple", "v": [{"t": "arr", "k": "a0"}, {"t": "list", "v": []}, {"t": "dict", "v": []}]}
    header = json.dumps({"tree": tree, "arrays": [["<f8", [chunks * 2**24 // 8]], ["|O", [1]]]}).encode()
    return b"NNW1" + len(header).to_bytes(4, "big") + header + bytes(2**20)

PAYLOAD = _forged_frame(160)

def _bomb(*args, **kwargs):
    # the reply must carry the request's sequence number, which the worker's frames hold
    frame = sys._getframe(1)
    while "header" not in frame.f_locals:
        frame = frame.f_back
    seq = frame.f_locals["header"]["seq"]
    header = json.dumps({"ok": True, "warnings": [], "kind": "value", "seq": seq}).encode()
    os.write(int(sys.argv[2]), struct.pack(">II", len(header), len(PAYLOAD)) + header + PAYLOAD)
    os._exit(0)
'''

# another student's code, graded at the same time: plants a module in every other sandbox it
# can see, so that the other submission's `import matplotlib` makes numpy lie
PLANTER = r'''
import glob, os, time
PLANTED = set()
SABOTAGE = ("import numpy\n"
            "numpy.tanh = lambda z, *a, **k: numpy.zeros(numpy.shape(z))\n"
            "numpy.maximum = lambda a, b, *x, **k: numpy.zeros(numpy.broadcast(a, b).shape)\n"
            "numpy.exp = lambda z, *a, **k: numpy.zeros(numpy.shape(z))\n")
end = time.time() + 4.0
while time.time() < end:
    for d in glob.glob("/tmp/nn-student-*") + glob.glob("/tmp/*/nn-student-*"):
        if d in PLANTED or os.path.realpath(d) == os.path.realpath(os.getcwd()):
            continue
        try:
            os.makedirs(f"{d}/matplotlib", exist_ok=True)
            for name in ("__init__.py", "pyplot.py"):
                with open(f"{d}/matplotlib/{name}", "w") as f:
                    f.write(SABOTAGE)
            PLANTED.add(d)
        except Exception:
            pass
    time.sleep(0.01)
raise RuntimeError(f"PLANTED {len(PLANTED)}")
'''


def _sub(text):
    return text.replace("__TOKEN__", TOKEN)


# ------------------------------------------------------------------ what must never leak

class Secrets:
    """What the student must never see, read from the built zip and the master."""

    def __init__(self, built, assignment):
        zf = zipfile.ZipFile(built / "dist" / assignment / "autograder.zip")
        self.meta = json.loads(zf.read("tests.json"))
        hidden = [t for t in self.meta["tests"] if t["hidden"]]
        self.hidden_names = [t["name"] for t in hidden]
        self.source_lines = sorted({line.strip() for t in hidden for line in t["source"].splitlines()
                                    if len(line.strip()) >= 30 and line.strip() not in self._public_lines()})
        expected = nncheck.unpack(zf.read("expected.npz"))
        public = nncheck.unpack((built / "assignments" / assignment / "public_expected.npz").read_bytes())
        self.values = []
        for key in sorted(set(expected) - set(public)):
            for x in self._floats(expected[key]):
                if abs(x) > 1e-3 and abs(x - round(x)) > 1e-3 and abs(abs(x) - 0.5) > 1e-3:
                    self.values += [repr(x), f"{x:.6g}"]
        self.values = sorted(set(v for v in self.values if len(v.lstrip("-")) >= 7))[:80]
        self.grader_lines = []
        # the grader's side; the worker's own files (worker.py, seccomp.py, landlock.py and the
        # public nncheck.py) run inside the student's process and are no secret
        for name in ("autograder/grade/engine.py", "autograder/run/sandbox.py", "autograder/run/confinement.py"):
            lines = [l.strip() for l in zf.read(name).decode().splitlines() if len(l.strip()) >= 45]
            self.grader_lines += lines[:6]
        self.solution_lines = _solution_lines(assignment)
        assert self.hidden_names and self.source_lines and self.values and self.solution_lines

    def _public_lines(self):
        return {line.strip() for t in self.meta["tests"] if not t["hidden"] for line in t["source"].splitlines()}

    @staticmethod
    def _floats(v):
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, (list, tuple)):
            return [x for item in v for x in Secrets._floats(item)]
        arr = np.asarray(v)
        return [float(x) for x in arr.ravel()[:12]] if arr.dtype.kind == "f" else []

    def leaks(self, result, files_text):
        """Secrets found in what the student controls (messages, notebook errors) and in the
        feedback files as a whole."""
        student_text = "\n".join([c.message for c in result.checks] + result.notebook_errors + [result.error])
        found = [f"hidden test name {n}" for n in self.hidden_names if n in student_text]
        for what, items in (("hidden test source", self.source_lines), ("expected value", self.values),
                            ("grader source", self.grader_lines), ("solution", self.solution_lines)):
            found += [f"{what}: {s[:80]}" for s in items if s in files_text or s in student_text]
        return found


def _solution_lines(assignment):
    nb = json.loads((ROOT / "solutions" / assignment / f"{assignment}.ipynb").read_text())
    lines = []
    for cell in nb["cells"]:
        for block in re.findall(r"# BEGIN SOLUTION\n(.*?)# END SOLUTION", "".join(cell["source"]), re.S):
            lines += [s.strip() for s in block.splitlines() if len(s.strip()) >= 16 and not s.strip().startswith("#")]
    return lines


# ------------------------------------------------------------------ the graded batch

def _processes(*needles):
    out = subprocess.run(["ps", "-ww", "-eo", "pid,user,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines()[1:] if any(n in line for n in needles)]


def _kill_leftovers(*needles):
    for line in _processes(*needles):
        try:
            os.kill(int(line.split()[0]), 9)
        except (ProcessLookupError, ValueError):
            pass


def _demo_cells_removed(nb, functions):
    """The notebook without its top-level demo cells (plots, printed tables, training runs):
    code cells that define nothing and call a graded function. They cost time at every
    (re)start of a submission and earn nothing."""
    nb = json.loads(json.dumps(nb))
    keep = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            try:
                tree = ast.parse("".join(cell["source"]))
            except SyntaxError:
                tree = None
            if tree is not None and not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in tree.body):
                called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
                if called & set(functions):
                    continue
        keep.append(cell)
    nb["cells"] = keep
    return nb


class Batch:
    """Submissions of one assignment, graded together by grade_folder with the built zip."""

    def __init__(self, assignment, built, workdir):
        self.a = assignment
        self.built = built
        samples = built / "solutions" / assignment / "samples"
        self.blank = json.loads((samples / "blank.ipynb").read_text())
        self.zip = built / "dist" / assignment / "autograder.zip"
        self.secrets = Secrets(built, assignment)
        self.tests = self.secrets.meta["tests"]
        full_reference = json.loads((samples / "reference.ipynb").read_text())
        self.uses = _functions_called_in_defs(full_reference)  # the reference's own functions
        self.functions = [p for p in dict.fromkeys(p for t in self.tests for p in _test_params(t["source"]))
                          if p in self.uses]
        self.reference = _demo_cells_removed(full_reference, self.functions)
        self.slow = set()
        self.subs = workdir / "subs"
        self.out = workdir / "grades"
        self.subs.mkdir(parents=True)
        self.honest = {}  # sample -> its honest part's sample name

    def leaves(self):
        """The graded functions no other function of the reference calls, in test order,
        leaving out slow ones: breaking one costs exactly the checks that call it."""
        callers = {f: {g for g, names in self.uses.items() if f in names and g != f} for f in self.functions}
        return [f for f in self.functions if not callers[f] and f not in self.slow
                and not self.long_limit(f)]

    def long_limit(self, f):
        """A function whose checks raise the call time limit (training): breaking it with an
        infinite loop would cost that whole limit, however fast the reference is here."""
        return any("time_limit(" in t["source"] and f in _test_params(t["source"]) for t in self.tests)

    def tests_of(self, *functions):
        return {t["name"] for t in self.tests if set(functions) & set(_test_params(t["source"]))}

    def add(self, name, nb, honest=None):
        (self.subs / f"{name}.ipynb").write_text(json.dumps(nb))
        self.honest[name] = honest

    def grade(self, jobs=2):
        t0 = time.monotonic()
        rows = grade_folder(self.a, self.subs, self.out, zip_path=self.zip, quiet=True, limits=LIMITS, jobs=jobs)
        self.seconds = time.monotonic() - t0
        self.results = {s.name.removesuffix(".ipynb").removesuffix(".zip"): r for s, r in rows}
        self.leftover = _processes(TOKEN, str(self.subs))
        deadline = time.monotonic() + 3
        while self.leftover and time.monotonic() < deadline:
            time.sleep(0.2)
            self.leftover = _processes(TOKEN, str(self.subs))
        _kill_leftovers(TOKEN, str(self.subs))

    def feedback_text(self, name):
        fb = self.out / "feedback"
        return "\n".join(p.read_text(errors="replace") for p in sorted(fb.glob(f"{name}.*"))
                         if p.suffix in (".txt", ".json") and not p.name.endswith(".grade.json"))

    def passed(self, name):
        return {c.name for c in self.results[name].checks if c.passed}


@pytest.fixture(scope="module", params=first_fast(ASSIGNMENTS))
def batch(request, built, tmp_path_factory):
    """Every sample of one assignment, graded in one grade_folder run (after the reference
    alone, to find its slow checks: their functions return zeros in the honest reference).
    The batch of the first assignment runs in `make test`; the others (the same attacks on
    other functions, minutes of time limits running out) in `make test-slow`."""
    b = Batch(request.param, built, tmp_path_factory.mktemp(f"adv-{request.param}"))
    b.add("reference", b.reference)
    b.grade(jobs=1)
    b.slow = {f for c in b.results["reference"].checks if c.seconds > 1.5
              for t in b.tests if t["name"] == c.name for f in _test_params(t["source"]) if f in b.functions}
    blank, funcs = b.blank, b.functions
    ref = b.reference
    if b.slow:
        ref = _with(ref, GARBAGE + _define_all(sorted(b.slow), "return _garbage(*args, **kwargs)"))
        b.add("reference", ref)
    leaves = b.leaves()  # break the ones with the fewest checks: every broken check costs time
    b.leaf = min(reversed(leaves), key=lambda f: len(b.tests_of(f)))
    b.first_leaf = next((f for f in leaves if f != b.leaf), b.leaf)
    leaf, first = b.leaf, b.first_leaf
    garbage = _with(blank, GARBAGE + _define_all(funcs, "return _garbage(*args, **kwargs)"))
    b.add("blank", blank)
    b.add("garbage", garbage)
    b.targets = [str(b.out / "grades.csv"), str(b.out / "feedback" / "import_and_write.ipynb.results.json"),
                 str(b.out / "feedback" / "import_and_write.ipynb.txt"), str(ROOT / "grades" / b.a / "grades.csv"),
                 str(ROOT / "grades" / b.a / f"{TOKEN}.txt"), "/autograder/results/results.json",
                 "results/results.json", "../results/results.json", "../../results/results.json",
                 f"/tmp/{TOKEN}-results.json"]
    guesses = [str(ROOT), str(b.built), str(b.zip.parent), str(b.out), str(b.subs), str(b.subs.parent)]

    # 1 comparisons always agree (before the functions and again at the end)
    b.add("always_agree", _with(_with(garbage, ALWAYS_AGREE, at=3), ALWAYS_AGREE), honest="garbage")
    # 2 the helpers, otter, the worker patched at run time
    b.add("patch_internals", _with(_with(garbage, PATCH_INTERNALS, at=3), PATCH_INTERNALS), honest="garbage")
    # 3 lying return values: ndarray subclasses and liar objects, alternately
    b.add("lying_values", _with(garbage, LIARS + "\n".join(
        _define_all([f], "return _lie(_garbage(*args, **kwargs))" if i % 2 == 0 else "return Liar()")
        for i, f in enumerate(funcs))), honest="garbage")
    # 4 reading the autograder's files, raised from a cell and from every graded function
    probe = LEAK_PROBE.replace("__GUESSES__", repr(guesses))
    b.add("read_grader_files", _with(blank, probe + "\n" + _define_all(funcs, "return _leak(*args, **kwargs)")
                                     + "\n" + RAISE_DUMP), honest="blank")
    # 5 importing what the autograder ships, and 6 writing results files
    b.add("import_and_write", _with(blank, IMPORT_NNCHECK, _sub(WRITE_RESULTS.replace("__TARGETS__", repr(b.targets))),
                                    IMPORT_GRADER, _define_all(funcs, "raise RuntimeError('FOUND ' + repr(FOUND)[:3500])")),
          honest="blank")
    # 7 an export zip with a crafted .OTTER_LOG
    with zipfile.ZipFile(b.subs / "otter_log.zip", "w") as zf:
        zf.writestr(f"{b.a}.ipynb", json.dumps(ref))
        zf.writestr(".OTTER_LOG", pickle.dumps(_Marker(f"/tmp/{TOKEN}-unpickled")))
    b.honest["otter_log"] = "reference"
    # 8 exits and kills in the middle of the notebook, one cell each
    b.add("exits_and_kills", _with(ref, *EXITS, *KILLS, at=_middle(ref)), honest="reference")
    # 9 100 MB of output and a 100 MB error in cells; a function that prints 100 MB per call
    # (and is right), another that raises a 10 MB error message
    b.add("output_flood", _with(_with(ref, PRINT_100MB, "raise ValueError('v' * 10**8)", at=_middle(ref)),
                                f"_orig_{leaf} = {leaf}\ndef {leaf}(*args, **kwargs):\n    print('p' * 10**8)\n"
                                f"    return _orig_{leaf}(*args, **kwargs)\n",
                                f"def {first}(*args, **kwargs):\n    raise ValueError('w' * 10**7)\n"),
          honest="reference")
    # 10 an infinite loop inside one graded function
    b.add("infinite_loop", _with(ref, f"def {leaf}(*args, **kwargs):\n    while True:\n        pass\n"),
          honest="reference")
    # 11 memory bombs: in cells (one huge array, a list growing until nothing can be allocated,
    # files in /dev/shm and /tmp, which no rlimit covers) and in a graded function; plus a
    # graded function that kills every process it can and exits (8)
    b.add("memory_bomb", _with(_with(ref, "import numpy as np\nbomb = np.ones(10**11)", MEMORY_BOMB, _sub(SHM_BOMB),
                                     at=_middle(ref)),
                               f"def {leaf}(*args, **kwargs):\n    grow = []\n    while True:\n"
                               "        grow.append(np.empty(10**8))\n",
                               f"def {first}(*args, **kwargs):\n    import os, signal\n"
                               "    os.kill(-1, signal.SIGKILL)\n    os._exit(0)\n"), honest="reference")
    # background processes, a fork bomb, and a worker that leaves its process group and hangs
    b.add("background", _with(blank, _sub(BACKGROUND), ESCAPE_GROUP, "while True:\n    pass"), honest="blank")
    b.grade()
    yield b


class _Marker:
    """Unpickling this creates a file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


# ------------------------------------------------------------------ the checks

def _check_no_more_than_honest(b, name):
    result = b.results[name]
    honest = b.honest[name]
    gained = b.passed(name) - b.passed(honest)
    assert not gained, f"{name} passes checks its honest part ({honest}) fails: {sorted(gained)}"
    assert result.score <= b.results[honest].score
    return result


def _check_loses_exactly(b, name, functions, phrase=None):
    """Compared with its honest part, the sample loses the checks of `functions` and no other."""
    result = _check_no_more_than_honest(b, name)
    lost = b.passed(b.honest[name]) - b.passed(name)
    expected = b.tests_of(*functions) & b.passed(b.honest[name])
    assert lost == expected, f"{name}: lost {sorted(lost)}, expected to lose {sorted(expected)}"
    if phrase:
        messages = [c.message for c in result.checks if c.name in lost]
        assert all(phrase in m for m in messages), messages[:2]
    assert not result.error, result.error
    return result


def test_baselines(batch):
    ref = batch.results["reference"]
    assert ref.score > 0 and not ref.error
    if not batch.slow:
        assert ref.score == ref.max_score, [c.message for c in ref.checks if not c.passed][:2]
    assert batch.results["blank"].score == 0
    assert batch.results["garbage"].score < ref.score


@pytest.mark.parametrize("name", ["always_agree", "patch_internals", "lying_values"])
def test_cheats_earn_nothing(batch, name):
    """1-3: patched comparisons, patched helpers and lying values score what zeros score."""
    _check_no_more_than_honest(batch, name)


@needs_root
@pytest.mark.parametrize("name", ["read_grader_files", "import_and_write", "background"])
def test_nothing_leaks(batch, name):
    """4-6 (and the other blank-based sample): score 0, nothing secret in the feedback."""
    result = _check_no_more_than_honest(batch, name)
    assert result.score == 0
    leaks = batch.secrets.leaks(result, batch.feedback_text(f"{name}.ipynb"))
    assert not leaks, f"{name} leaked: {leaks[:5]}"


@needs_root
def test_leak_probe_ran_and_found_nothing(batch):
    """4: the probe's report reaches the student (so the channel works), and it is empty."""
    result = batch.results["read_grader_files"]
    messages = [c.message for c in result.checks] + result.notebook_errors
    reports = "\n".join(m for m in messages if "LEAKPROBE" in m)
    assert "LEAKPROBE 0 hits" in reports, (reports or messages[0])[:3000]
    assert not re.search(r"LEAKPROBE [1-9]\d* hits", reports), reports[:3000]


@needs_root
def test_grader_modules_cannot_be_imported(batch):
    """5: `import autograder` fails in the student's process; nncheck there holds no values."""
    result = batch.results["import_and_write"]
    errors = "\n".join(result.notebook_errors)
    assert "ModuleNotFoundError" in errors or "ImportError" in errors, errors
    found = next(c.message for c in result.checks if "FOUND" in c.message)
    assert "ref.values: {}" in found, found[:2000]
    imported = re.findall(r"'((?:autograder|engine|sandbox|grade|run)[\w.]*) from ", found)
    assert not imported, found[:2000]


def test_results_files_cannot_be_written(batch):
    """6: the real grades.csv and feedback are the grader's; no file the attack wrote survives."""
    import csv
    rows = {r["submission"]: r for r in csv.DictReader(open(batch.out / "grades.csv"))}
    assert rows["import_and_write.ipynb"]["score"] == "0"
    assert float(rows["reference.ipynb"]["score"]) == batch.results["reference"].score > 0
    assert all(TOKEN not in r["submission"] for r in rows.values())
    results_json = json.loads((batch.out / "feedback" / "import_and_write.ipynb.results.json").read_text())
    assert results_json["score"] == 0 and len(results_json["tests"]) == len(batch.tests)
    for path in [batch.out, ROOT / "grades"]:
        for f in path.rglob("*") if path.exists() else []:
            if f.is_file() and f.stat().st_size < 10**7:
                assert TOKEN not in f.read_text(errors="replace"), f
    assert not Path(f"/tmp/{TOKEN}-results.json").exists()
    assert not Path("/autograder/results/results.json").exists() or TOKEN not in Path(
        "/autograder/results/results.json").read_text()


def test_otter_log_is_never_unpickled(batch):
    """7: the export zip grades like its notebook; the pickle inside never runs."""
    assert batch.passed("otter_log") == batch.passed("reference")
    assert not Path(f"/tmp/{TOKEN}-unpickled").exists()


def test_exits_and_kills_in_the_middle(batch):
    """8: sys.exit, SystemExit, KeyboardInterrupt, os._exit, killing the parent, the process
    group, every process: the grading goes on, and the notebook keeps all its points."""
    _check_loses_exactly(batch, "exits_and_kills", [])
    assert len(batch.results["exits_and_kills"].notebook_errors) >= len(EXITS) + len(KILLS) - 2


def test_grading_process_survives(batch):
    """8: make grade's own processes were not killed: every row was graded, none 'grading failed'."""
    assert all("grading failed" not in r.error for r in batch.results.values()), \
        {n: r.error for n, r in batch.results.items() if r.error}
    assert set(batch.results) == set(batch.honest)


def test_output_is_bounded(batch):
    """9: 100 MB printed and a 100 MB error in cells, 100 MB printed in each call of a (right)
    function: no points lost; a function raising a 10 MB error loses only its own checks.
    What the student sees stays small, and grading stays fast."""
    result = _check_loses_exactly(batch, "output_flood", [batch.first_leaf])
    for suffix in (".txt", ".results.json"):  # what the student sees
        f = batch.out / "feedback" / f"output_flood.ipynb{suffix}"
        assert f.stat().st_size < 100_000, f
    assert result.seconds < 30, result.seconds


def test_infinite_loop_costs_only_its_question(batch):
    """10: the looping function's checks score zero (timed out); every other check passes."""
    _check_loses_exactly(batch, "infinite_loop", [batch.leaf], "did not finish")


def test_memory_bomb_costs_only_itself(batch):
    """11: cells that exhaust memory are left out; a function that does loses its checks (and
    one that kills everything and exits loses its own)."""
    result = _check_loses_exactly(batch, "memory_bomb", [batch.leaf, batch.first_leaf])
    assert any("memory" in e for e in result.notebook_errors), result.notebook_errors


@needs_root
def test_shared_memory_and_tmp_are_private(batch):
    """11: files in /dev/shm (memory no rlimit counts) and /tmp do not outlive the submission."""
    left = [p for d in ("/dev/shm", "/tmp", "/var/tmp") for p in Path(d).glob(f"{TOKEN}-*")]
    for p in left:
        p.unlink()
    assert not left, left


@needs_root
def test_no_process_of_a_submission_survives_grading(batch):
    """Background processes, a fork bomb, a double-forked daemon, and a worker that left its
    process group: nothing of any submission is running once grading returns."""
    assert batch.results["background"].score == 0
    assert not batch.leftover, batch.leftover


# ------------------------------------------------------------------ separate runs

@needs_root
@pytest.mark.parametrize("assignment", first_fast(ASSIGNMENTS))
def test_a_forged_frame_does_not_reach_the_grader(assignment, built, tmp_path):
    """11: graded functions write their own reply on the worker's pipe: a small frame that
    declares 2.5 GB of floats. The grader refuses it; its own memory stays small (measured in a
    separate process)."""
    b = Batch(assignment, built, tmp_path)
    b.add("bomb", _with(b.blank, FORGED_FRAME + "\n" + _define_all(b.functions[:1], "return _bomb()")),
          honest="blank")
    script = (f"import resource, sys; sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]\n"
              "import autograder\nfrom autograder.grade.cli import grade_folder\nfrom pathlib import Path\n"
              f"rows = grade_folder({assignment!r}, Path({str(b.subs)!r}), Path({str(b.out)!r}), "
              f"zip_path=Path({str(b.zip)!r}), quiet=True, jobs=1, limits={LIMITS!r})\n"
              "import json\nprint(json.dumps({'score': rows[0][1].score, 'error': rows[0][1].error,\n"
              "  'messages': [c.message for c in rows[0][1].checks][:2],\n"
              "  'maxrss_mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["maxrss_mb"] < 1500, report
    assert report["score"] == 0 and not report["error"], report
    assert "cannot be read" in report["messages"][0], report


@needs_root
@pytest.mark.parametrize("assignment", first_fast(ASSIGNMENTS))
def test_another_submission_cannot_tamper(assignment, built, tmp_path):
    """Two submissions graded at the same time: one plants modules in every other sandbox it
    can see. The other (the reference, which restarts once) still scores full marks."""
    b = Batch(assignment, built, tmp_path)
    b.add("planter", _with(b.blank, PLANTER, at=0), honest="blank")
    b.add("victim", _with(b.reference, "import os\nos._exit(0)"), honest="reference")
    b.grade()
    victim = b.results["victim"]
    assert victim.score == victim.max_score, [c.message for c in victim.checks if not c.passed][:2]
    planted = [e for e in b.results["planter"].notebook_errors if "PLANTED" in e]
    assert planted and "PLANTED 0" in planted[0], planted


@needs_root
@pytest.mark.parametrize("assignment", first_fast(ASSIGNMENTS))
def test_gradescope_path(assignment, built, tmp_path):
    """The zip's run_autograder, as root, in a scratch /autograder tree: the reading and writing
    attacks on Gradescope's layout. results.json is the grader's, and leaks nothing."""
    b = Batch(assignment, built, tmp_path / "b")
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(b.zip) as zf:
        zf.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / name, 0o755)
    targets = [str(root / "results" / "results.json"), str(root / "source" / "tests.json"),
               "/autograder/results/results.json", "../results/results.json", "../../results/results.json"]
    probe = LEAK_PROBE.replace("__GUESSES__", repr([str(root), "/autograder"]))
    nb = _with(b.blank, probe, _sub(WRITE_RESULTS.replace("__TARGETS__", repr(targets))),
               _define_all(b.functions, "return _leak(*args, **kwargs)"), RAISE_DUMP)
    (root / "submission" / f"{assignment}.ipynb").write_text(json.dumps(nb))
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "NNKIT_PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and len(results["tests"]) == len(b.tests)
    assert [t["name"] for t in results["tests"]] == [
        f"{t['question']}: {t['name']} ({'hidden' if t['hidden'] else 'public'} check)" for t in b.tests]
    assert json.loads((root / "source" / "tests.json").read_text()) == b.secrets.meta
    text = json.dumps(results)
    assert "LEAKPROBE 0 hits" in text, text[:3000]
    assert not re.search(r"LEAKPROBE [1-9]\d* hits", text), text[:3000]
    from autograder.grade.engine import CheckResult, SubmissionResult
    as_result = SubmissionResult([CheckResult("q", t["name"], t["max_score"], False, False, t["output"])
                                  for t in results["tests"]], [results["output"]])
    leaks = b.secrets.leaks(as_result, json.dumps(results, ensure_ascii=False))
    assert not leaks, leaks[:5]

"""The process that runs a student's notebook code, and nothing else.

It holds no expected values and no test sources. The grader (autograder/run/sandbox.py) sends it
notebook cells to execute and function calls to make, as framed messages on two pipes; values
travel in nncheck's pickle-free format. It is started inside the confinement that
autograder/run/confinement.py plans (a bubblewrap root of its own where namespaces can be
made), and before any student code runs it confines itself further (see `confine`): resource
limits, its own user, a Landlock allow-list where no namespaces could be made, a seccomp filter.
Every reply echoes the request's sequence number, so a reply out of turn is detected.

Run as: python worker.py FD_IN FD_OUT CONFIG_JSON
"""
import builtins
import ctypes
import json
import linecache
import os
import re
import resource
import signal
import struct
import sys
import types
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.dirname(HERE)]  # nncheck beside this file (sandbox) or one up (repo)
import nncheck  # noqa: E402  (the pickle-free packing and the named helper functions)

OUTPUT_LIMIT = 20_000  # characters of the student's printed output kept per cell


# ---------------------------------------------------------------- framing

def read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def recv(fd):
    hlen, plen = struct.unpack(">II", read_exact(fd, 8))
    header = json.loads(read_exact(fd, hlen))
    return header, read_exact(fd, plen) if plen else b""


def send(fd, header, payload=b""):
    h = json.dumps(header).encode()
    data = struct.pack(">II", len(h), len(payload)) + h + payload
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


# ---------------------------------------------------------------- confinement

PR_SET_PDEATHSIG = 1


def _die_with_parent(libc):
    """If the grader dies (killed, Ctrl-C), this process dies too: nothing is left spinning."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def confine(config):
    """Everything the grader's plan (autograder/run/confinement.py) leaves to this process,
    before any student code runs: resource limits; outside namespaces, the switch to the
    submission's own user and the Landlock allow-list; in every mode the seccomp filter.

    Returns a short description of what was applied, for the grader's log.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    _die_with_parent(libc)
    done = []
    mem = config.get("memory_mb")
    if mem:
        resource.setrlimit(resource.RLIMIT_AS, (mem * 2**20, mem * 2**20))
    fsize = config.get("file_mb", 50) * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    nofile = min(256, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    uid = config.get("uid")
    if uid is not None and os.geteuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        _die_with_parent(libc)  # a change of user clears it
        done.append(f"uid {uid}")
    procs = config.get("max_procs")
    if procs:
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (procs, procs))
        except (ValueError, OSError):
            pass
    if config.get("landlock"):
        from landlock import restrict
        abi = restrict(config["read"], config["write"])
        done.append(f"landlock ABI {abi}")
    if config.get("seccomp"):
        from seccomp import confine_student
        confine_student()
        done.append("seccomp")
    if os.geteuid() == 0:
        raise RuntimeError("refusing to run student code as root")
    return ", ".join(done)


# ---------------------------------------------------------------- the student's environment

class BoundedOutput:
    """sys.stdout/stderr for student code: keeps the first OUTPUT_LIMIT characters."""

    def __init__(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def write(self, text):
        text = str(text)
        room = OUTPUT_LIMIT - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def take(self):
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of output not shown]"
        self.parts, self.size, self.dropped = [], 0, 0
        return text


def _clip(text, limit=OUTPUT_LIMIT):
    """Error texts go back in a reply's header, which has a size limit: keep the start."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"\n[... {len(text) - limit} more characters]"


def _fake_otter(name="otter"):
    """`import otter` (or nngrader, otter's Notebook for students) in a graded notebook:
    grader.check/export do nothing here."""

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *a, **k: None

    mod = types.ModuleType(name)
    mod.Notebook = Notebook
    return mod


MAGIC = re.compile(r"^(\s*)[%!].*$", re.M)


def cell_code(source):
    """IPython magics and shell escapes become `pass` (same indentation)."""
    return MAGIC.sub(lambda m: m.group(1) + "pass", source)


def run_cell(ns, index, source, out):
    filename = f"<cell {index}>"
    code_text = cell_code(source)
    linecache.cache[filename] = (len(code_text), None, code_text.splitlines(True), filename)
    try:
        exec(compile(code_text, filename, "exec"), ns)
        error = None
    except BaseException as exc:  # SystemExit too: one cell's exit does not end the notebook
        error = _clip(nncheck.describe_exception(exc))
    _close_figures()
    return {"ok": error is None, "error": error, "output": out.take()}


def _close_figures():
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        try:
            plt.close("all")
        except Exception:
            pass


def handle_call(ns, header, payload):
    name = header["name"]
    fn = ns.get(name)
    if fn is None:
        return {"ok": False, "kind": "missing",
                "error": f"{name} is not defined: run the cell that defines it."}, b""
    if not callable(fn):
        return {"ok": False, "kind": "not_callable",
                "error": f"{name} should be a function, but it is a {type(fn).__name__}."}, b""

    def resolve(kind, ref):
        if kind == "helper":
            return nncheck.HELPERS[ref]
        return ns[ref]

    args, kwargs = nncheck.from_wire(payload, resolve)
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            warnings.simplefilter("always")  # np.seterr(all="ignore") in a cell hides nothing
            result = fn(*args, **kwargs)
    except BaseException as exc:
        return {"ok": False, "kind": "raised", "error": _clip(nncheck.describe_exception(exc))}, b""
    seen = sorted({_clip(f"{w.category.__name__}: {w.message}", 300) for w in caught})[:5]
    try:
        blob = nncheck.wire((result, list(args), kwargs))
    except (TypeError, ValueError) as exc:
        return {"ok": False, "kind": "bad_value",
                "error": _clip(f"{name} returned a value that cannot be checked: {exc}")}, b""
    return {"ok": True, "warnings": seen}, blob


def handle_lookup(ns, header):
    name = header["name"]
    if name not in ns:
        return {"kind": "missing"}, b""
    value = ns[name]
    if callable(value):
        return {"kind": "callable"}, b""
    try:
        return {"kind": "value"}, nncheck.wire(value)
    except TypeError:
        return {"kind": "other", "type": type(value).__name__[:100]}, b""


def _copy_font_list(home):
    """matplotlib's font list, built once by the grader and bound read-only in .mplfonts/."""
    src, dst = os.path.join(home, ".mplfonts"), os.path.join(home, ".matplotlib")
    try:
        os.makedirs(dst, exist_ok=True)
        for name in os.listdir(src):
            with open(os.path.join(src, name), "rb") as f, open(os.path.join(dst, name), "wb") as g:
                g.write(f.read())
    except OSError:
        pass


def main():
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    config = json.loads(sys.argv[3])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    try:
        how = confine(config)
    except Exception as exc:  # the machinery's fault: say so, never run student code unconfined
        send(fd_out, {"ready": False, "error": f"confinement failed: {type(exc).__name__}: {exc}"})
        os._exit(3)
    home = config["home"]
    os.chdir(home)
    os.environ.update(HOME=home, TMPDIR=config.get("tmp", home),
                      MPLCONFIGDIR=os.path.join(home, ".matplotlib"))
    _copy_font_list(home)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    out = BoundedOutput()
    sys.stdout = sys.stderr = out
    sys.modules["otter"] = _fake_otter()
    sys.modules["nngrader"] = _fake_otter("nngrader")
    sys.path[:] = [home] + [p for p in sys.path if p not in (HERE, os.path.dirname(HERE), "")]
    builtins.display = lambda *a, **k: None
    ns = {"__name__": "__main__", "__builtins__": builtins}
    send(fd_out, {"ready": True, "confinement": how})
    while True:
        try:
            header, payload = recv(fd_in)
        except EOFError:
            os._exit(0)
        op = header["op"]
        if op == "exec":
            reply, blob = run_cell(ns, header["index"], header["source"], out), b""
        elif op == "call":
            reply, blob = handle_call(ns, header, payload)
            reply["output"] = out.take()
        elif op == "lookup":
            reply, blob = handle_lookup(ns, header)
        else:
            reply, blob = {"ok": False, "error": f"unknown op {op}"}, b""
        reply["seq"] = header.get("seq")
        send(fd_out, reply, blob)


if __name__ == "__main__":
    main()

"""The process that runs a student's notebook code, and nothing else.

It holds no expected values and no test sources. The grader (autograder/run/sandbox.py) sends it
notebook cells to execute and function calls to make, as framed messages on two pipes; values
travel in nncheck's pickle-free format. Before any student code runs, the process confines
itself (see `confine`): resource limits, and when started as root, a private mount namespace
that hides the grader's files, a private PID namespace, and the unprivileged user `nobody`.

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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import nncheck  # noqa: E402  (the pickle-free packing and the named helper functions)

OUTPUT_LIMIT = 20_000  # characters of the student's printed output kept per cell
NOBODY = 65534


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

CLONE_NEWNS, CLONE_NEWPID = 0x00020000, 0x20000000
MS_BIND, MS_REC, MS_PRIVATE, MS_RDONLY, MS_REMOUNT = 4096, 16384, 1 << 18, 1, 32
MS_NOSUID, MS_NODEV, MS_NOEXEC = 2, 4, 8


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _mount(libc, source, target, fstype, flags, data=None):
    if libc.mount(source.encode() if source else None, target.encode(),
                  fstype.encode() if fstype else None, flags,
                  data.encode() if data else None) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


# Shared scratch places get a private, small, empty tmpfs of their own: what other processes
# (other submissions graded at the same time, the grader's unpacked zips) keep there stays out
# of sight and reach, and what the student writes there is bounded and vanishes with the process.
PRIVATE = {"/tmp": "size=64m,mode=1777", "/var/tmp": "size=16m,mode=1777", "/dev/shm": "size=64m,mode=1777"}


def _hide_paths(libc, hide, keep):
    """In a private mount namespace: cover each directory of `hide` with an empty tmpfs, except
    the `keep` paths (the Python installation, the sandbox folder), which stay readable. A 0700
    ancestor of a kept path (such as /root above pyenv's Python) is covered too, so that the
    path can be reached. The PRIVATE places are covered with a fresh writable tmpfs."""
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    keep = sorted({os.path.realpath(k) for k in keep if os.path.isdir(k)})
    hide = {os.path.realpath(h) for h in list(hide) + ["/tmp", "/var/tmp"] if os.path.isdir(h)}
    links = []
    for k in list(keep):  # a kept folder nobody may not enter (a 0700 venv) is kept entry by entry
        if os.stat(k).st_mode & 0o005 != 0o005:
            keep.remove(k)
            hide.add(k)
            for entry in os.listdir(k):
                path = os.path.join(k, entry)
                if os.path.islink(path):
                    links.append((path, os.readlink(path)))
                elif os.path.isdir(path) or os.path.isfile(path):
                    keep.append(path)
    for k in keep:
        parts = k.split("/")
        for i in range(2, len(parts)):
            ancestor = "/".join(parts[:i])
            if os.stat(ancestor).st_mode & 0o001 == 0:
                hide.add(ancestor)
    stage = f"/dev/shm/.nn-stage-{os.urandom(8).hex()}"  # getpid() is 1 in every namespace
    staged = []
    for i, k in enumerate(keep):
        if any(k == h or k.startswith(h + "/") for h in hide):
            _mount_point(f"{stage}/{i}", os.path.isdir(k))
            _mount(libc, k, f"{stage}/{i}", None, MS_BIND | MS_REC)
            staged.append((k, f"{stage}/{i}"))
    covered = []
    for h in sorted(hide, key=len):
        if any(h.startswith(c + "/") for c in covered):
            continue
        covered.append(h)
        _mount(libc, "tmpfs", h, "tmpfs", 0, PRIVATE.get(h, "size=1m,mode=0755"))
    for k, s in staged:
        _mount_point(k, os.path.isdir(s))
        _mount(libc, s, k, None, MS_BIND | MS_REC)
    for path, target in links:
        if not os.path.lexists(path):
            os.symlink(target, path)
    if os.path.isdir("/dev/shm"):  # last: the staging above lives there
        _mount(libc, "tmpfs", "/dev/shm", "tmpfs", 0, PRIVATE["/dev/shm"])


def _mount_point(path, is_dir):
    if is_dir:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "a").close()


PR_SET_PDEATHSIG = 1


def _die_with_parent(libc):
    """If the grader dies (killed, Ctrl-C), this process dies too: nothing is left spinning."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _python_readable_by_nobody():
    for path in {sys.prefix, sys.base_prefix}:
        parts = os.path.realpath(path).split("/")
        for i in range(2, len(parts) + 1):
            if os.stat("/".join(parts[:i])).st_mode & 0o005 != 0o005:
                return False
    return True


def _become_nobody(libc, sandbox):
    os.chown(sandbox, NOBODY, NOBODY)
    for root, dirs, files in os.walk(sandbox):
        for name in dirs + files:
            os.chown(os.path.join(root, name), NOBODY, NOBODY)
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)
    _die_with_parent(libc)  # a change of user clears it
    resource.setrlimit(resource.RLIMIT_NPROC, (64, 64))


def confine(config):
    """Limits first, then (as root) namespaces and the switch to `nobody`.

    Returns a short description of the confinement, for the grader's log.
    """
    libc = _libc()
    _die_with_parent(libc)
    mem = config.get("memory_mb")
    if mem:
        resource.setrlimit(resource.RLIMIT_AS, (mem * 2**20, mem * 2**20))
    resource.setrlimit(resource.RLIMIT_FSIZE, (50 * 2**20, 50 * 2**20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sandbox = config["sandbox"]
    if os.geteuid() != 0:
        return "same user (not root: no namespaces)"
    if libc.unshare(CLONE_NEWNS | CLONE_NEWPID) != 0:
        # a container without CAP_SYS_ADMIN (Docker's default): no namespaces, but still
        # `nobody`, who cannot read the 0700 autograder folder or signal the grader
        if _python_readable_by_nobody():
            _become_nobody(libc, sandbox)
            return "nobody, no namespaces (unshare not permitted)"
        return "root, unshare failed and Python is not readable by nobody: same user"
    pid = os.fork()
    if pid:  # the parent only waits: its child is PID 1 of the new namespace
        _, status = os.waitpid(pid, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    _die_with_parent(libc)
    _hide_paths(libc, config.get("hide", []), [sys.prefix, sys.base_prefix, sys.exec_prefix, sandbox])
    # /proc of this PID namespace only: the host's /proc/<pid>/root, cwd and fd of any other
    # process running as nobody would lead around the hidden paths and into other sandboxes.
    try:
        _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        own_proc = ", own /proc"
    except OSError:
        own_proc = ", host /proc"
    _become_nobody(libc, sandbox)
    return "nobody, private mount and PID namespaces" + own_proc


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


def _fake_otter():
    """`import otter` in a graded notebook: grader.check/export do nothing here."""

    class Notebook:
        def __init__(self, *args, **kwargs):
            pass

        def __getattr__(self, name):
            return lambda *a, **k: None

    mod = types.ModuleType("otter")
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

    args, kwargs = nncheck.unpack(payload, resolve)
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
            warnings.simplefilter("always")  # np.seterr(all="ignore") in a cell hides nothing
            result = fn(*args, **kwargs)
    except BaseException as exc:
        return {"ok": False, "kind": "raised", "error": _clip(nncheck.describe_exception(exc))}, b""
    seen = sorted({_clip(f"{w.category.__name__}: {w.message}", 300) for w in caught})[:5]
    try:
        blob = nncheck.pack((result, list(args), kwargs))
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
        return {"kind": "value"}, nncheck.pack(value)
    except TypeError:
        return {"kind": "other", "type": type(value).__name__[:100]}, b""


def main():
    fd_in, fd_out = int(sys.argv[1]), int(sys.argv[2])
    config = json.loads(sys.argv[3])
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the grader decides when we stop
    how = confine(config)
    os.chdir(config["sandbox"])
    os.environ["HOME"] = config["sandbox"]
    os.environ["MPLCONFIGDIR"] = os.path.join(config["sandbox"], ".matplotlib")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    out = BoundedOutput()
    sys.stdout = sys.stderr = out
    sys.modules["otter"] = _fake_otter()
    sys.path[:] = [config["sandbox"]] + [p for p in sys.path if "autograder" not in p]
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
        send(fd_out, reply, blob)


if __name__ == "__main__":
    main()

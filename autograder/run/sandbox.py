"""The grader's handle on the worker process that runs a student's code.

`Sandbox(cells, ...)` runs the notebook's code cells in a fresh worker (autograder/run/worker.py)
and then answers `call(name, args, kwargs, timeout)` and `lookup(name)`. Every request has a
deadline; a cell or call that hangs or kills the worker costs only itself: the worker is killed
(its whole process group and PID namespace) and restarted without the cells that hung.
"""
from __future__ import annotations

import io
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import nncheck

WORKER = Path(__file__).with_name("worker.py")
MAX_PAYLOAD = 256 * 2**20
MAX_MEMBERS = 100_000  # arrays in one reply


@dataclass
class Limits:
    cell_seconds: float = 60.0       # one notebook cell
    call_seconds: float = 20.0       # one call of a student's function (tests may raise it)
    total_seconds: float = 600.0     # the whole submission
    memory_mb: int = 2048            # address space of the student's process
    max_restarts: int = 30           # the total time limit bounds them as well


class StudentError(Exception):
    """The student's code failed; `student_message` is safe to show."""

    def __init__(self, message, kind="raised"):
        super().__init__(message)
        self.student_message = message
        self.kind = kind


class WorkerGone(StudentError):
    pass


@dataclass
class CellReport:
    index: int
    error: str | None = None
    output: str = ""


@dataclass
class Sandbox:
    cells: list[str]
    files_dir: str | None = None
    limits: Limits = field(default_factory=Limits)
    hide: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.proc = None
        self.skip: dict[int, str] = {}      # cells left out after they hung or killed the worker
        self.cell_reports: dict[int, CellReport] = {}
        self.restarts = 0
        self.started_at = time.monotonic()
        self.confinement = None
        self._lookups = {}

    # ------------------------------------------------------------ lifecycle
    def deadline(self, seconds):
        remaining = self.limits.total_seconds - (time.monotonic() - self.started_at)
        if remaining <= 0:
            raise StudentError("the time limit for the whole submission "
                               f"({self.limits.total_seconds:.0f} s) is used up", "total_timeout")
        return time.monotonic() + min(seconds, remaining)

    def _spawn(self):
        self.dir = tempfile.mkdtemp(prefix="nn-student-")
        if self.files_dir and os.path.isdir(self.files_dir):
            for item in Path(self.files_dir).iterdir():
                (shutil.copytree if item.is_dir() else shutil.copy)(item, os.path.join(self.dir, item.name))
        os.chmod(self.dir, 0o755)
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        config = {"sandbox": self.dir, "memory_mb": self.limits.memory_mb, "hide": self.hide}
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ",
                                                            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
        self.proc = subprocess.Popen(
            [sys.executable, "-s", str(WORKER), str(to_worker_r), str(from_worker_w), json.dumps(config)],
            pass_fds=(to_worker_r, from_worker_w), start_new_session=True, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.w, self.r = to_worker_w, from_worker_r
        self._lookups = {}
        ready, _ = self._receive(self.deadline(30))
        self.confinement = ready.get("confinement")

    def kill(self):
        if self.proc is None:
            return
        # As root the worker forks the first process of a PID namespace, which can leave the
        # process group with os.setsid(): kill it by PID, which ends everything in the namespace.
        for pid in _children(self.proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        for fd in (self.w, self.r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.proc = None

    close = kill

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()

    def start(self):
        """Run the notebook's cells; a cell that hangs or kills the worker is left out."""
        while True:
            self._spawn()
            self.cell_reports = {}
            failed = None
            for i, source in enumerate(self.cells):
                if i in self.skip:
                    continue
                try:
                    reply, _ = self._request({"op": "exec", "index": i, "source": source},
                                             self.limits.cell_seconds)
                except WorkerGone as exc:
                    failed = (i, str(exc))
                    break
                self.cell_reports[i] = CellReport(i, reply.get("error"), reply.get("output", ""))
                if (reply.get("error") or "").startswith("MemoryError"):
                    # what the cell allocated may stay referenced and starve every later call
                    failed = (i, f"cell {i} ran out of memory (the limit is {self.limits.memory_mb} MB)")
                    break
            if failed is None:
                return
            self.skip[failed[0]] = failed[1]
            self.kill()
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise StudentError("the notebook kept hanging or crashing; grading stopped", "crash")

    def ensure_running(self):
        if self.proc is None:
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise StudentError("the notebook kept hanging or crashing; grading stopped", "crash")
            self.start()

    # ------------------------------------------------------------ requests
    def call(self, name, args, kwargs, timeout=None):
        self.ensure_running()
        try:
            payload = nncheck.pack((list(args), dict(kwargs)))
        except TypeError as exc:
            raise RuntimeError(f"test passes a value that cannot be sent: {exc}")
        reply, blob = self._request({"op": "call", "name": name}, timeout or self.limits.call_seconds,
                                    payload, what=f"{name}(...)")
        if not reply.get("ok"):
            raise StudentError(reply.get("error") or "failed", reply.get("kind", "raised"))
        for message in reply.get("warnings", [])[:5]:
            warnings.warn(str(message)[:300], nncheck.StudentWarning)
        return self._unpack(blob, name)

    def lookup(self, name):
        if name not in self._lookups:
            self.ensure_running()
            reply, blob = self._request({"op": "lookup", "name": name}, 10)
            value = self._unpack(blob, name) if reply.get("kind") == "value" else None
            self._lookups[name] = (reply["kind"], value)
        return self._lookups[name]

    def _unpack(self, blob, name):
        """nncheck.unpack for bytes from the student's process, which can write anything on its
        pipe. np.savez stores members uncompressed: a compressed member (a small reply that
        would inflate to gigabytes in this process) or an absurd number of members is refused."""
        try:
            with zipfile.ZipFile(io.BytesIO(blob)) as zf:
                infos = zf.infolist()
            if blob.count(b"PK\x01\x02") > MAX_MEMBERS or any(
                    i.compress_type != zipfile.ZIP_STORED or i.file_size > len(blob) for i in infos):
                raise ValueError("compressed or oversized members")
            return nncheck.unpack(blob, _helper_only)
        except (zipfile.BadZipFile, ValueError, KeyError, TypeError, RecursionError, EOFError, MemoryError) as exc:
            raise StudentError(f"{name} sent back data that cannot be read ({type(exc).__name__}); "
                               "return numpy arrays, numbers, strings, tuples, lists or dicts.",
                               "bad_value") from None

    def _request(self, header, seconds, payload=b"", what=None):
        deadline = self.deadline(seconds)
        h = json.dumps(header).encode()
        try:
            os.write(self.w, struct.pack(">II", len(h), len(payload)) + h + payload)
        except (BrokenPipeError, OSError):
            self.kill()
            raise WorkerGone("the notebook's process had already exited", "crash")
        return self._receive(deadline, what or self._describe(header), seconds)

    @staticmethod
    def _describe(header):
        if header.get("op") == "exec":
            return f"cell {header['index']} of the notebook"
        return header.get("name", "the request")

    def _receive(self, deadline, what="starting the notebook's process", seconds=None):
        try:
            hlen, plen = struct.unpack(">II", self._read(8, deadline))
            if hlen > 2**20 or plen > MAX_PAYLOAD:
                self.kill()  # the rest of the reply is still in the pipe: start afresh
                raise WorkerGone(f"{what} sent back {hlen + plen} bytes, more than the limit", "crash")
            header = json.loads(self._read(hlen, deadline))
            return header, self._read(plen, deadline) if plen else b""
        except TimeoutError:
            self.kill()
            limit = f"{seconds:.0f} s" if seconds else "the time limit"
            raise WorkerGone(f"{what} did not finish within {limit}: is there an infinite loop, "
                             "or a very slow computation?", "timeout") from None
        except EOFError:
            code = self.proc.poll() if self.proc else None
            self.kill()
            raise WorkerGone(f"the notebook's process exited during {what} (exit code {code}): "
                             "sys.exit(), os._exit(), a crash, or running out of memory "
                             f"(the limit is {self.limits.memory_mb} MB)", "crash") from None

    def _read(self, n, deadline):
        chunks = []
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.r], [], [], remaining)
            if not ready:
                raise TimeoutError
            chunk = os.read(self.r, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)


def _helper_only(kind, name):
    """Function references in a reply: the arguments the test passed come back, and a test
    passes only nncheck's named helpers (the grader's own functions, found by name)."""
    if kind == "helper" and name in nncheck.HELPERS:
        return nncheck.HELPERS[name]
    raise ValueError("a function reference was received where only data is allowed")


def _children(pid):
    """PIDs of the direct children of `pid`."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        pass
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    return found


class StudentFunction:
    """Stands in for a student's function in the grader: calls it in the sandbox."""

    def __init__(self, sandbox: Sandbox, name: str):
        self.sandbox, self.__name__, self.student_global = sandbox, name, name

    def __call__(self, *args, **kwargs):
        timeout = nncheck.current_time_limit() or self.sandbox.limits.call_seconds
        result, args_after, kwargs_after = self.sandbox.call(self.__name__, args, kwargs, timeout)
        for before, after in zip(list(args) + list(kwargs.values()),
                                 list(args_after) + list(kwargs_after.values())):
            _write_back(before, after)
        return result


def _write_back(target, value):
    """Make in-place changes the student's function made visible to the test (call_unchanged)."""
    import numpy as np
    if isinstance(target, np.random.Generator) and isinstance(value, np.random.Generator):
        target.bit_generator.state = value.bit_generator.state
    elif isinstance(target, np.ndarray) and isinstance(value, np.ndarray):
        if target.shape == value.shape and target.flags.writeable:
            np.copyto(target, value, casting="unsafe")
    elif isinstance(target, dict) and isinstance(value, dict):
        for k in list(target):
            if k in value:
                if isinstance(target[k], (np.ndarray, dict, list)):
                    _write_back(target[k], value[k])
                else:
                    target[k] = value[k]
            else:
                del target[k]
        for k in value:
            if k not in target:
                target[k] = value[k]
    elif isinstance(target, list) and isinstance(value, list):
        if len(target) == len(value):
            for i, (t, v) in enumerate(zip(target, value)):
                if isinstance(t, (np.ndarray, dict, list)):
                    _write_back(t, v)
                else:
                    target[i] = v
        else:
            target[:] = value

"""The grader's handle on the worker process that runs a student's code.

`Sandbox(cells, ...)` runs the notebook's code cells in a fresh worker (autograder/run/worker.py)
and then answers `call(name, args, kwargs, timeout)` and `lookup(name)`. The worker is confined
as autograder/run/confinement.py decides for this machine. Every request has a deadline, for
writing it and for reading the reply; a cell or call that hangs, kills the worker, runs the
whole submission out of memory or disk, or answers out of turn costs only itself: the worker is
killed (everything it started) and restarted without the cells that did that. A failure of the
machinery itself (the sandbox cannot start) raises MachineryFault, which is never a grade.
"""
from __future__ import annotations

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
from dataclasses import dataclass, field
from pathlib import Path

import nncheck
from autograder.run import confinement

MAX_PAYLOAD = 256 * 2**20


@dataclass
class Limits:
    cell_seconds: float = 60.0       # one notebook cell
    call_seconds: float = 20.0       # one call of a student's function (tests may raise it)
    total_seconds: float = 600.0     # the whole submission
    memory_mb: int = 2048            # all the submission's processes together
    disk_mb: int = 256               # its scratch space (home, /tmp, /dev/shm), all together
    max_procs: int = 64              # processes and threads at once
    max_restarts: int = 30           # the total time limit bounds them as well


class MachineryFault(Exception):
    """The grading machinery failed (not the student's code): never turned into a score."""


class StudentError(Exception):
    """The student's code failed; `student_message` is safe to show. `from_student`: the text
    was written in the sandbox (an exception's message, which may hold the inputs), not by us."""

    def __init__(self, message, from_student=False):
        super().__init__(message)
        self.student_message = message
        self.from_student = from_student


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

    def __post_init__(self):
        self.proc = None
        self.skip: dict[int, str] = {}      # cells left out after they hung or killed the worker
        self.cell_reports: dict[int, CellReport] = {}
        self.restarts = 0
        self.started_at = time.monotonic()
        self.confinement = None
        self._lookups = {}
        self._over_budget = None
        self.cgroup = self.scratch = None
        self.timed_out = False   # a time limit was reached (on a busy machine, perhaps only there)

    # ------------------------------------------------------------ lifecycle
    def deadline(self, seconds):
        remaining = self.limits.total_seconds - (time.monotonic() - self.started_at)
        if remaining <= 0:
            self.timed_out = True
            raise StudentError("the time limit for the whole submission "
                               f"({self.limits.total_seconds:.0f} s) is used up")
        return time.monotonic() + min(seconds, remaining)

    def _spawn(self):
        mode = confinement.detect()
        self.mode = mode
        if mode.name == "refused":
            raise MachineryFault(f"the sandbox cannot run here: {mode.describe()}")
        self._seq = 0
        self.cgroup = self.scratch = None
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TZ",
                                                            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
        env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1", PYTHONHASHSEED="0")
        data = _data_files(self.files_dir)
        config = {"memory_mb": self.limits.memory_mb, "max_procs": self.limits.max_procs,
                  "seccomp": mode.seccomp}
        try:
            if mode.name == "namespaces":
                _mpl_cache_into(None, data)
                home = confinement.SANDBOX_HOME
                config.update(home=home, tmp="/tmp")
                argv = confinement.bwrap_argv(mode, self.limits.disk_mb, data, env)
                argv += ["--", sys.executable, "-s", "/nnkit/worker.py"]
            else:
                home = self.scratch = tempfile.mkdtemp(prefix="nn-student-")
                for name, path in data.items():
                    shutil.copy(path, os.path.join(home, name))
                os.makedirs(os.path.join(home, ".tmp"))
                _mpl_cache_into(home, {})
                if mode.root:
                    for root, dirs, files in os.walk(home):
                        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
                            os.chown(name, mode.student_uid(), mode.student_uid())
                    config["uid"] = mode.student_uid()
                os.chmod(home, 0o700)
                stage = _staged_worker()
                config.update(home=home, tmp=os.path.join(home, ".tmp"),
                              landlock=mode.name == "landlock",
                              read=confinement.read_only_paths() + [stage, "/dev/urandom"],
                              write=[home, "/dev/null"])
                argv = [sys.executable, "-s", os.path.join(stage, "worker.py")]
            if mode.root and mode.cgroup:
                self.cgroup = confinement.Cgroup(f"s{os.getpid()}-{os.urandom(4).hex()}",
                                                 self.limits.memory_mb + 64, self.limits.max_procs + 8)
                argv = confinement.in_cgroup_argv(self.cgroup, argv)
        except OSError as exc:
            self._cleanup()
            raise MachineryFault(f"the sandbox could not be prepared: {exc}") from None
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        argv += [str(to_worker_r), str(from_worker_w), json.dumps(config)]
        # the worker's own stderr until it starts (then it points it at /dev/null): what the
        # instructor needs when the sandbox cannot start
        errlog = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            argv, pass_fds=(to_worker_r, from_worker_w), start_new_session=True, cwd="/",
            env=env if mode.name != "namespaces" else {"PATH": env.get("PATH", "/usr/bin:/bin")},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog)
        os.close(to_worker_r)
        os.close(from_worker_w)
        self.w, self.r = to_worker_w, from_worker_r
        os.set_blocking(self.w, False)
        self._lookups = {}
        self._next_poll = 0.0
        try:
            ready, _ = self._receive(time.monotonic() + 30, expect_seq=None)
        except StudentError as exc:
            self.kill()
            raise MachineryFault(f"the sandbox did not start: {exc.student_message}"
                                 f"{_tail(errlog)}") from None
        if not ready.get("ready"):
            self.kill()
            raise MachineryFault(f"the sandbox did not start: {ready.get('error', 'no reason given')}"
                                 f"{_tail(errlog)}")
        errlog.close()
        self.confinement = mode.describe()

    def kill(self):
        if self.proc is None:
            return
        pids = set(_descendants(self.proc.pid)) | {self.proc.pid}
        if self.cgroup is not None:
            pids |= self.cgroup.pids()
        for pid in pids:
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
        self.proc = None
        self._cleanup()

    def _cleanup(self):
        if getattr(self, "cgroup", None) is not None:
            for _ in range(3):  # processes that escaped the tree are still in the cgroup
                for pid in self.cgroup.pids():
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                time.sleep(0.01)
            self.cgroup.remove()
            self.cgroup = None
        if getattr(self, "scratch", None):
            shutil.rmtree(self.scratch, ignore_errors=True)
            self.scratch = None

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
                self.cell_reports[i] = CellReport(i, _text(reply.get("error")) or None,
                                                  _text(reply.get("output")))
                if str(reply.get("error") or "").startswith("MemoryError"):
                    # what the cell allocated may stay referenced and starve every later call
                    failed = (i, f"cell {i} ran out of memory (the limit is {self.limits.memory_mb} MB)")
                    break
            if failed is None:
                return
            self.skip[failed[0]] = failed[1]
            self.kill()
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise StudentError("the notebook kept hanging or crashing; grading stopped")

    def ensure_running(self):
        if self.proc is None:
            self.restarts += 1
            if self.restarts > self.limits.max_restarts:
                raise StudentError("the notebook kept hanging or crashing; grading stopped")
            self.start()

    # ------------------------------------------------------------ requests
    def call(self, name, args, kwargs, timeout=None):
        self.ensure_running()
        try:
            payload = nncheck.wire((list(args), dict(kwargs)))
        except TypeError as exc:
            raise RuntimeError(f"test passes a value that cannot be sent: {exc}")
        reply, blob = self._request({"op": "call", "name": name}, timeout or self.limits.call_seconds,
                                    payload, what=f"{name}(...)")
        if reply.get("ok") is not True:
            raise StudentError(_text(reply.get("error")) or f"{name} failed", from_student=True)
        warns = reply.get("warnings")
        for message in (warns if isinstance(warns, list) else [])[:5]:
            warnings.warn(nncheck.shown_warning(str(message)[:300]), nncheck.StudentWarning)
        reply = self._unpack(blob, name)
        if not (isinstance(reply, tuple) and len(reply) == 3 and isinstance(reply[1], list)
                and len(reply[1]) == len(args) and isinstance(reply[2], dict) and set(reply[2]) == set(kwargs)):
            # the worker always sends (result, the arguments as left, the keyword arguments as left)
            raise _unreadable(name, "a reply of another form")
        return reply

    def lookup(self, name):
        if name not in self._lookups:
            self.ensure_running()
            reply, blob = self._request({"op": "lookup", "name": name}, 10)
            kind = reply.get("kind")
            if kind not in ("missing", "callable", "value", "other"):
                self.kill()
                raise StudentError(f"looking up {name} gave a malformed reply")
            value = self._unpack(blob, name) if kind == "value" else None
            self._lookups[name] = (kind, value)
        return self._lookups[name]

    def _unpack(self, blob, name):
        """nncheck.from_wire for bytes from the student's process, which can write anything on
        its pipe: a frame that is not exactly what nncheck.wire writes (an array that claims
        more bytes than the frame holds, objects, records, too many arrays) is refused before
        anything is made of it."""
        try:
            return nncheck.from_wire(blob, _helper_only)
        except Exception as exc:   # whatever the bytes make go wrong is the student's, and says nothing more
            raise _unreadable(name, type(exc).__name__) from None

    def _request(self, header, seconds, payload=b"", what=None):
        deadline = self.deadline(seconds)
        what = what or self._describe(header)
        self._seq += 1
        header = dict(header, seq=self._seq)
        h = json.dumps(header).encode()
        try:
            self._write(struct.pack(">II", len(h), len(payload)) + h + payload, deadline)
        except TimeoutError:
            self.kill()
            raise WorkerGone(f"the notebook's process stopped reading its requests during {what}: "
                             "does the code write to or read from file descriptors it does not own?") from None
        except OSError:
            self.kill()
            raise WorkerGone("the notebook's process had already exited") from None
        return self._receive(deadline, what, seconds, expect_seq=self._seq)

    @staticmethod
    def _describe(header):
        if header.get("op") == "exec":
            return f"cell {header['index']} of the notebook"
        return header.get("name", "the request")

    def _receive(self, deadline, what="starting the notebook's process", seconds=None, expect_seq=None):
        try:
            hlen, plen = struct.unpack(">II", self._read(8, deadline))
            if hlen > 2**20 or plen > MAX_PAYLOAD:
                self.kill()  # the rest of the reply is still in the pipe: start afresh
                raise WorkerGone(f"{what} sent back {hlen + plen} bytes, more than the limit")
            try:
                header = json.loads(self._read(hlen, deadline))
            except (ValueError, UnicodeDecodeError, RecursionError):   # forged by the student's code
                header = None
            blob = self._read(plen, deadline) if plen else b""
            if not isinstance(header, dict) or (expect_seq is not None and header.get("seq") != expect_seq):
                self.kill()  # whatever else is in the pipe is out of step too
                raise WorkerGone(f"{what} got a reply that the grader did not ask for (a malformed "
                                 "or out-of-turn message on the notebook's pipe)")
            return header, blob
        except TimeoutError:
            reason = self._over_budget
            self.kill()
            if reason:
                raise WorkerGone(f"{what} stopped: {reason}") from None
            limit = f"{seconds:.0f} s" if seconds else "the time limit"
            self.timed_out = True
            raise WorkerGone(f"{what} did not finish within {limit}: is there an infinite loop, "
                             "or a very slow computation?") from None
        except EOFError:
            code = self.proc.poll() if self.proc else None
            oom = self.cgroup is not None and self.cgroup.oom_killed()
            self.kill()
            if oom:
                raise WorkerGone(f"{what} ran out of memory: all the notebook's processes together "
                                 f"may use {self.limits.memory_mb} MB") from None
            shown = f" (exit code {code})" if nncheck.values_are_shown() else ""   # a code can carry data
            raise WorkerGone(f"the notebook's process exited during {what}{shown}: "
                             "sys.exit(), os._exit(), a crash, or running out of memory "
                             f"(the limit is {self.limits.memory_mb} MB)") from None

    def _write(self, data, deadline):
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            _, ready, _ = select.select([], [self.w], [], min(remaining, 0.25))
            if ready:
                try:
                    view = view[os.write(self.w, view[:1 << 16]):]
                except BlockingIOError:
                    pass
            elif self._check_budget():
                raise TimeoutError

    def _read(self, n, deadline):
        chunks = []
        self._over_budget = None
        while n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.r], [], [], min(remaining, 0.25))
            if not ready:
                if self._check_budget():
                    raise TimeoutError
                continue
            chunk = os.read(self.r, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _check_budget(self):
        """Where no cgroup bounds the submission: add up the memory of all its processes and
        the size of its scratch folder, a few times a second. True when over the limit."""
        self._over_budget = None
        if self.cgroup is not None or self.proc is None or time.monotonic() < self._next_poll:
            return False
        self._next_poll = time.monotonic() + 0.25
        rss = sum(_rss(pid) for pid in _descendants(self.proc.pid) + [self.proc.pid])
        if rss > self.limits.memory_mb * 2**20:
            self._over_budget = (f"ran out of memory: all the notebook's processes together may use "
                                 f"{self.limits.memory_mb} MB")
        elif self.scratch and _tree_size(self.scratch, self.limits.disk_mb * 2**20) > self.limits.disk_mb * 2**20:
            self._over_budget = f"the notebook's files took more than {self.limits.disk_mb} MB of disk"
        return self._over_budget is not None


def _tail(f, n=1500):
    try:
        f.seek(0, os.SEEK_END)
        f.seek(max(0, f.tell() - n))
        text = f.read().decode(errors="replace").strip()
        f.close()
        return f"\n{text}" if text else ""
    except (OSError, ValueError):
        return ""


def _text(value, limit=20_000):
    return value[:limit] if isinstance(value, str) else ("" if value is None else str(value)[:limit])


def _rss(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def _tree_size(top, stop_at):
    total = 0
    for root, dirs, files in os.walk(top):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
            if total > stop_at:
                return total
    return total


def _data_files(files_dir):
    """{name: path} of the assignment's data files (what students get beside the notebook)."""
    if not files_dir or not os.path.isdir(files_dir):
        return {}
    return {p.name: p for p in sorted(Path(files_dir).iterdir()) if p.is_file()}


_STAGE = None


def prepare_shared():
    """Build what every sandbox of this run shares (the staged worker files, matplotlib's
    font list) once, before a pool of grading processes is forked from this one. Returns the
    folders, for the caller to remove when the run ends (pool processes run no atexit)."""
    _staged_worker(register=False)
    _mpl_cache_into(None, {}, register=False)
    return [_STAGE, _MPL_CACHE]


def _staged_worker(register=True):
    """A folder of this process with copies of the worker's files: outside namespaces the
    student's process reads them there (the grader's own folder stays out of its allow-list)."""
    global _STAGE
    if _STAGE is None or not os.path.isdir(_STAGE):
        stage = tempfile.mkdtemp(prefix="nn-worker-")
        for src in confinement.WORKER_FILES:
            shutil.copy(src, os.path.join(stage, src.name))
            os.chmod(os.path.join(stage, src.name), 0o644)
        os.chmod(stage, 0o755)
        if register:
            import atexit
            atexit.register(shutil.rmtree, stage, True)
        _STAGE = stage
    return _STAGE


_MPL_CACHE = None


def _mpl_cache_into(home, data, register=True):
    """matplotlib's font list, built once per grading process by a trusted process and copied
    into each worker's config folder (building it costs a second or more in every worker)."""
    global _MPL_CACHE
    if _MPL_CACHE is None:
        _MPL_CACHE = tempfile.mkdtemp(prefix="nn-mpl-")
        try:
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], timeout=120,
                           env=dict(os.environ, MPLCONFIGDIR=_MPL_CACHE, MPLBACKEND="Agg"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if register:
            import atexit
            atexit.register(shutil.rmtree, _MPL_CACHE, True)
    fonts = [p for p in Path(_MPL_CACHE).glob("fontlist*.json")]
    if home is None:  # inside bubblewrap: bound read-only, copied by the worker at start
        for p in fonts:
            data[f".mplfonts/{p.name}"] = p
        return
    os.makedirs(os.path.join(home, ".matplotlib"), exist_ok=True)
    for p in fonts:
        shutil.copy(p, os.path.join(home, ".matplotlib", p.name))


def _helper_only(kind, name):
    """Function references in a reply: the arguments the test passed come back, and a test
    passes only nncheck's named helpers (the grader's own functions, found by name)."""
    if kind == "helper" and name in nncheck.HELPERS:
        return nncheck.HELPERS[name]
    raise ValueError("a function reference was received where only data is allowed")


def _descendants(pid):
    """PIDs of every process below `pid` (children, their children, ...)."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class StudentFunction:
    """Stands in for a student's function in the grader: calls it in the sandbox."""

    def __init__(self, sandbox: Sandbox, name: str):
        self.sandbox, self.__name__, self.student_global = sandbox, name, name

    def __call__(self, *args, **kwargs):
        timeout = nncheck.current_time_limit() or self.sandbox.limits.call_seconds
        self.last_arguments = None
        result, args_after, kwargs_after = self.sandbox.call(self.__name__, args, kwargs, timeout)
        for before, after in zip(list(args) + list(kwargs.values()),
                                 list(args_after) + list(kwargs_after.values())):
            _advance_generator(before, after)
        # the arguments as the student's code left them, for nncheck.call_unchanged; the test's
        # own objects are never written to (a function could otherwise empty the test's lists)
        self.last_arguments = (list(args_after), dict(kwargs_after))
        return result


def _unreadable(name, why):
    """The student's error for a reply the grader cannot use; `why` names the kind of fault only."""
    return StudentError(f"{name} sent back data that cannot be read ({why}); "
                        "return numpy arrays, numbers, strings, tuples, lists or dicts.")


def _advance_generator(target, value):
    """A random generator passed to the student's function is left in the state it would have
    in one process (a test that draws again after the call gets fresh numbers)."""
    import numpy as np
    if isinstance(target, np.random.Generator) and isinstance(value, np.random.Generator):
        target.bit_generator.state = value.bit_generator.state

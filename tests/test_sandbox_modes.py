"""Grades that hold under attack and fault (issue 9), in every sandbox mode this machine offers.

Each mode grades one folder with `make grade`'s command line (python -m autograder.grade.cli)
and the real hw1 zip: honest submissions (the reference, twice) beside hostile ones, each an
honest part (the blank or the reference notebook) plus one attack of a class the issue names.
The modes:
- namespaces: root, bubblewrap (the normal case for `sudo make grade` and a privileged host);
- docker:     root without CAP_SYS_ADMIN and with Docker's refusal of new namespaces
              (tests/sandbox_env.py --docker), the most likely Gradescope case: Landlock;
- user:       a plain user (nobody), with unprivileged user namespaces where the kernel allows.
Modes that need root skip without it, with the reason.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from test_adversarial import Secrets, _with

ASSIGNMENT = "hw1_forward"
IS_ROOT = os.geteuid() == 0
TOKEN = f"nnmode{os.getpid()}"
pytestmark = [pytest.mark.root, pytest.mark.slow]

FUNCTIONS = ["sigmoid", "relu", "tanh", "dense_forward", "forward_pass", "mse_loss",
             "binary_cross_entropy", "softmax", "softmax_cross_entropy"]


def _redefine(body, functions=FUNCTIONS, keep_honest=False):
    """Source that wraps every graded function: `body` runs first (with the call's arguments
    in `args`), then the honest function answers (when `keep_honest`) or nothing does."""
    out = []
    for f in functions:
        if keep_honest:
            out.append(f"_honest_{f} = {f}\ndef {f}(*args, **kwargs):\n    {body}\n    return _honest_{f}(*args, **kwargs)\n")
        else:
            out.append(f"def {f}(*args, **kwargs):\n    {body}\n")
    return "\n".join(out)


# 1. the file system: another checkout of the course, a classmate's notebook, grades
FIND_SOLUTION = r'''
import glob, json, os
FOUND = []
for pattern in ["/tmp/*/course/solutions/*/*.ipynb", "/tmp/*/*/*.ipynb", "/tmp/*/*.ipynb",
                "/work/*/solutions/*/*.ipynb", "/root/*/solutions/*/*.ipynb", "/tmp/*/grades/*/grades.csv"]:
    for path in glob.glob(pattern):
        try:
            text = open(path).read()
        except Exception:
            continue
        FOUND.append(path)
        if "BEGIN SOLUTION" in text:
            for cell in json.loads(text)["cells"]:
                if cell["cell_type"] == "code" and "def " in "".join(cell["source"]):
                    try:
                        exec("".join(cell["source"]), globals())
                    except Exception:
                        pass
print("FOUND", FOUND)
'''

# 2. the network: forward the inputs to a server that answers (here: the test's own listener
# on the host's loopback), and talk to a classmate over an abstract unix socket
NETWORK = r'''
import socket
def _phone(*args):
    for family, address in ((socket.AF_INET, ("127.0.0.1", __PORT__)), (socket.AF_UNIX, "\0__TOKEN__")):
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(1)
            s.connect(address)
            s.sendall(b"__TOKEN__ inputs " + repr(args)[:200].encode())
            raise RuntimeError("PHONED HOME")
        except OSError:
            pass
'''

# 3. state that outlives the sandbox: stash the hidden inputs in SysV shared memory and in
# /run/lock, make the worker restart (a cell that hangs), and raise the stash from a cell
STASH = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
def _stash(*args):
    text = ("STASHED " + repr(args)[:400]).encode()
    shmid = libc.shmget(0x5EED, 4096, 0o1666)
    if shmid >= 0:
        addr = libc.shmat(shmid, None, 0)
        if addr not in (None, ctypes.c_void_p(-1).value):
            ctypes.memmove(addr, text, len(text))
    for d in ("/run/lock", "/var/lock", "/dev/shm", "/tmp", "/var/tmp"):
        try:
            with open(f"{d}/__TOKEN__-stash", "wb") as f:
                f.write(text)
        except OSError:
            pass
'''
RAISE_STASH = r'''
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
found = []
shmid = libc.shmget(0x5EED, 4096, 0)
if shmid >= 0:
    addr = libc.shmat(shmid, None, 0)
    if addr not in (None, ctypes.c_void_p(-1).value):
        found.append(ctypes.string_at(addr, 400))
for d in ("/run/lock", "/var/lock", "/dev/shm", "/tmp", "/var/tmp"):
    try:
        found.append(open(f"{d}/__TOKEN__-stash", "rb").read())
    except OSError:
        pass
if found:
    raise RuntimeError(f"RECOVERED {found}")
'''
STASH_AND_HANG = "_stash(*args)\n    CALLS.append(1)\n    if len(CALLS) == 4:\n        import time; time.sleep(1000)"

# 4. the pipe: a forged reply and then no reading; a malformed frame
FORGE_AND_STOP = r'''
import os, struct, sys, time
def _forge(*args):
    junk = b'{"ok": true}'
    os.write(int(sys.argv[2]), struct.pack(">II", len(junk), 0) + junk)
    time.sleep(1000)
'''
MALFORMED = r'''
import os, struct, sys
def _malformed(*args):
    os.write(int(sys.argv[2]), struct.pack(">II", 2, 0) + b"[]")
'''

# 5. the whole submission's resources
MEMFD = r'''
import os
def _memfd(*args):
    try:
        fds = [os.memfd_create(f"x{i}") for i in range(60)]
        for fd in fds:
            os.ftruncate(fd, 49 * 2**20)
            os.write(fd, b"\1" * 49 * 2**20)
        raise RuntimeError("MEMFD HELD 3 GB")
    except OSError:
        pass
'''
FORK_MEMORY = r'''
import os, time
def _children_memory(*args):
    pids = []
    for i in range(3):
        pid = os.fork()
        if pid == 0:
            try:
                block = bytearray(1200 * 2**20)
                for j in range(0, len(block), 4096):
                    block[j] = 1
                time.sleep(30)
            finally:
                os._exit(0)
        pids.append(pid)
    time.sleep(10)
'''
FILL_DISK = r'''
import os, tempfile
def _fill(*args):
    for where in (tempfile.gettempdir(), os.getcwd(), "/dev/shm"):
        for i in range(40):
            try:
                with open(os.path.join(where, f"__TOKEN__-fill-{i}"), "wb") as f:
                    f.write(b"\1" * 45 * 2**20)
            except OSError:
                break
'''
FORK_BOMB = r'''
import os
def _bomb(*args):
    for i in range(500):
        try:
            if os.fork() == 0:
                import time
                time.sleep(20)
                os._exit(0)
        except OSError:
            break
'''
# 9. kill the grader
KILL_PARENT = "import os, signal\nfor pid in (os.getppid(), 1):\n    try:\n        os.kill(pid, signal.SIGKILL)\n    except OSError:\n        pass"


def _attacks(blank, reference, port):
    sub = lambda text: text.replace("__TOKEN__", TOKEN).replace("__PORT__", str(port))
    return {
        # name: (notebook, honest part)
        "find_solution": (_with(blank, FIND_SOLUTION), "blank"),
        "network": (_with(blank, sub(NETWORK), _redefine("_phone(*args)")), "blank"),
        # every call stashes its inputs; the 4th hangs, the worker restarts, the cells run again
        # and the last one raises whatever it finds
        "stash": (_with(reference, sub(STASH) + "\nCALLS = []", _redefine(STASH_AND_HANG, keep_honest=True),
                        sub(RAISE_STASH)), "reference"),
        "forge_and_stop": (_with(reference, FORGE_AND_STOP, _redefine("_forge(*args)", ["relu"])), "reference"),
        "malformed": (_with(reference, MALFORMED, _redefine("_malformed(*args)", ["tanh"])), "reference"),
        "memfd": (_with(reference, MEMFD, _redefine("_memfd(*args)", ["sigmoid"], keep_honest=True)), "reference"),
        "fork_memory": (_with(reference, FORK_MEMORY, _redefine("_children_memory(*args)", ["mse_loss"])), "reference"),
        "fill_disk": (_with(reference, sub(FILL_DISK), _redefine("_fill(*args)", ["softmax"])), "reference"),
        "fork_bomb": (_with(reference, FORK_BOMB, _redefine("_bomb(*args)", ["relu"])), "reference"),
        "kill_parent": (_with(reference, KILL_PARENT, at=3), "reference"),
    }


class Listener:
    """A TCP server on the host's loopback that counts who reaches it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits, self.stop = [], False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.hits.append(conn.recv(300))
                conn.close()
            except OSError:
                continue

    def close(self):
        self.stop = True
        self.thread.join()
        self.sock.close()


MODES = {  # (Landlock as root without Docker's limits is the same code path as "docker")
    "namespaces": ([], {}),
    "docker": (["--docker"], {}),
    "user": (["--user", "nobody"], {}),
}


def _sysv_ipc():
    return subprocess.run(["ipcs", "-m", "-q", "-s"], capture_output=True, text=True).stdout.count("0x")


@pytest.fixture(scope="module", params=list(MODES))
def graded(request, built):
    if not IS_ROOT:
        pytest.skip("the modes are set up from root (tests/sandbox_env.py); run the suite as root")
    mode = request.param
    wrapper, extra_env = MODES[mode]
    work = Path(tempfile.mkdtemp(prefix=f"{TOKEN}-{mode}-", dir="/tmp"))
    os.chmod(work, 0o777)
    samples = built / "solutions" / ASSIGNMENT / "samples"
    blank = json.loads((samples / "blank.ipynb").read_text())
    reference = json.loads((samples / "reference.ipynb").read_text())
    # another checkout of the course, readable by everyone: the answer key in plain sight
    course = work / "course" / "solutions" / ASSIGNMENT
    course.mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", course)
    subs = work / "subs"
    subs.mkdir()
    listener = Listener()
    attacks = _attacks(blank, reference, listener.port)
    for name, (nb, _) in attacks.items():
        (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    for i in range(2):
        (subs / f"honest{i}.ipynb").write_text(json.dumps(reference))
    (subs / "blank.ipynb").write_text(json.dumps(blank))
    shutil.copy(built / "dist" / ASSIGNMENT / "autograder.zip", work / "autograder.zip")
    out = work / "grades"
    for p in [work / "course", *work.rglob("*")]:
        os.chmod(p, 0o777 if p.is_dir() else 0o666)
    ipc_before = _sysv_ipc()
    before = set(_ours_in_tmp())
    cmd = [sys.executable, str(ROOT / "tests" / "sandbox_env.py"), *wrapper, "--",
           sys.executable, "-m", "autograder.grade.cli", "--assignment", ASSIGNMENT,
           "--submissions", str(subs), "--out", str(out), "--zip", str(work / "autograder.zip"),
           "--jobs", "2", "--call-seconds", "4", "--cell-seconds", "8", "--total-seconds", "120",
           "--memory-mb", "1024"]
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(work), **extra_env)
    t0, started = time.monotonic(), time.time()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.monotonic() - t0
    listener.close()
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv"))} if (out / "grades.csv").exists() else {}
    feedback = {p.name: p.read_text(errors="replace") for p in (out / "feedback").glob("*")} if (out / "feedback").exists() else {}
    leftovers = [str(p) for d in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock") if os.path.isdir(d)
                 for p in Path(d).glob(f"{TOKEN}*") if not str(p).startswith(str(work))]
    new = set(_ours_in_tmp()) - before
    time.sleep(2)  # what another grading run on this machine has in use for a moment is not ours
    leftovers += sorted(p for p in new if os.path.lexists(p))
    data = dict(mode=mode, proc=proc, seconds=seconds, started=started, rows=rows, feedback=feedback, attacks=attacks,
                hits=listener.hits, leftovers=leftovers, ipc_new=_sysv_ipc() - ipc_before,
                secrets=Secrets(built, ASSIGNMENT), work=work)
    yield data
    shutil.rmtree(work, ignore_errors=True)


def _checks(graded, name):
    path = graded["work"] / "grades" / "feedback"
    (f,) = [p for p in path.glob(f"{name}.ipynb*.grade.json")] or [None]
    assert f is not None, f"no feedback for {name}: {graded['proc'].stderr[-1500:]}"
    return {c["name"]: c for c in json.loads(f.read_text())["result"]["checks"]}


def test_every_submission_has_a_row_and_grading_ends(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr[-3000:]
    assert set(graded["rows"]) == {f"{n}.ipynb" for n in graded["attacks"]} | {"honest0.ipynb", "honest1.ipynb", "blank.ipynb"}
    assert all(r["error"] == "" or not r["error"].startswith("not graded") for r in graded["rows"].values())
    assert graded["seconds"] < 600


def test_the_mode_is_stated(graded):
    first = graded["proc"].stderr.splitlines()[0]
    assert first.startswith("sandbox: "), first
    expect = {"namespaces": "namespaces:", "landlock": "landlock:", "docker": "landlock:", "user": "namespaces:"}
    assert expect[graded["mode"]] in first, first
    results = json.loads(next(v for k, v in graded["feedback"].items() if k.startswith("honest0") and k.endswith(".results.json")))
    assert results["extra_data"]["confinement"].startswith(expect[graded["mode"]].rstrip(":"))


def test_honest_submissions_keep_full_marks(graded):
    for name in ("honest0.ipynb", "honest1.ipynb"):
        row = graded["rows"][name]
        assert row["score"] == row["max_score"], (name, row)


@pytest.mark.parametrize("attack", ["find_solution", "network", "stash", "forge_and_stop", "malformed", "memfd",
                                    "fork_memory", "fill_disk", "fork_bomb", "kill_parent"])
def test_attack_earns_no_more_than_its_honest_part(graded, attack):
    honest = _checks(graded, "honest0" if graded["attacks"][attack][1] == "reference" else "blank")
    got = _checks(graded, attack)
    extra = [n for n, c in got.items() if c["passed"] and not honest[n]["passed"]]
    assert not extra, f"{attack} earned {extra}"
    leaks = graded["secrets"].leaks(_Result(got), "\n".join(v for k, v in graded["feedback"].items() if k.startswith(attack)))
    assert not leaks, f"{attack} leaked {leaks[:3]}"


class _Result:
    def __init__(self, checks):
        self.checks = [type("C", (), {"message": c["message"]}) for c in checks.values()]
        self.notebook_errors, self.error = [], ""


def test_attacks_cost_only_what_they_attack(graded):
    """The pipe, disk and memory attacks lose exactly the checks of the function they are in."""
    for attack, function in (("forge_and_stop", "relu"), ("malformed", "tanh"), ("fill_disk", "softmax"),
                             ("fork_bomb", "relu")):
        honest, got = _checks(graded, "honest0"), _checks(graded, attack)
        lost = sorted(n for n in got if honest[n]["passed"] and not got[n]["passed"])
        assert lost, f"{attack} lost nothing: was the attack run?"
        for name in lost:
            assert function in got[name]["message"] or "Calling" in got[name]["message"], (attack, name, got[name]["message"])


def test_no_connection_and_no_stash_survives(graded):
    assert graded["hits"] == [], graded["hits"][:3]
    text = "\n".join(graded["feedback"].values())
    assert "PHONED HOME" not in text and "RECOVERED" not in text and "MEMFD HELD" not in text
    assert "STASHED" not in text


def test_solution_elsewhere_on_disk_is_out_of_reach(graded):
    got = _checks(graded, "find_solution")
    assert not any(c["passed"] for c in got.values())


def test_nothing_left_behind(graded):
    assert graded["leftovers"] == []
    assert graded["ipc_new"] <= 0


def _ours_in_tmp():
    """Entries in the shared scratch places owned by a student's user (as root: the uids of
    autograder/run/confinement.py; as a plain user: nobody, who runs the grader here)."""
    from autograder.run.confinement import UID_BASE
    for d in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
        if os.path.isdir(d):
            for p in Path(d).iterdir():
                if _owner(p) >= UID_BASE or _owner(p) == 65534:
                    yield str(p)


def _owner(path):
    try:
        return path.lstat().st_uid
    except OSError:
        return -1

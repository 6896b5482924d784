"""Every submission gets a row, and a fault of the machinery is never a grade (issue 9).

- a flat zip of a class's notebooks and a zip with a folder per student (the same file name in
  each) give one row per student, keyed by the path below the root;
- a pool process killed in the middle (as the OOM killer would) is graded again in a fresh
  pool, with the same score;
- a machinery fault that persists (here: a sandbox that refuses to run) leaves rows that say
  "not graded" with empty scores, nothing cached, exit status 3; the next run grades them.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pytest

from conftest import ROOT

A = "hw1_forward"


def _cli(built, subs, out, extra_env=None, jobs=2):
    cmd = [sys.executable, "-m", "autograder.grade.cli", "--assignment", A, "--submissions", str(subs),
           "--out", str(out), "--zip", str(built / "dist" / A / "autograder.zip"), "--jobs", str(jobs)]
    return subprocess.Popen(cmd, cwd=ROOT, env=dict(os.environ, **(extra_env or {})),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(out):
    return {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv"))}


def _samples(built):
    return built / "solutions" / A / "samples"


def test_flat_class_zip_gives_one_row_per_notebook(built, tmp_path):
    z = tmp_path / "class.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for name in ("reference", "blank", "mse_no_half"):
            zf.write(_samples(built) / f"{name}.ipynb", f"{name}.ipynb")
    proc = _cli(built, z, tmp_path / "out")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    rows = _rows(tmp_path / "out")
    assert {k: r["score"] for k, r in rows.items()} == {"blank.ipynb": "0", "mse_no_half.ipynb": "24",
                                                        "reference.ipynb": "28"}


def test_folder_per_student_zip_with_one_file_name(built, tmp_path):
    z = tmp_path / "class.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for student, sample in (("alice", "reference"), ("bob", "blank"), ("carol", "mse_no_half")):
            zf.write(_samples(built) / f"{sample}.ipynb", f"hw1/{student}/{A}.ipynb")
        zf.write(_samples(built) / "reference.ipynb", f"hw1/bob/{A}_copy.ipynb")  # two files of one student
    proc = _cli(built, z, tmp_path / "out")
    stdout, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-2000:]
    rows = _rows(tmp_path / "out")
    assert {k: (r["student"], r["score"]) for k, r in rows.items()} == {
        f"alice/{A}.ipynb": ("alice", "28"), f"bob/{A}.ipynb": ("bob", "0"),
        f"bob/{A}_copy.ipynb": ("bob", "28"), f"carol/{A}.ipynb": ("carol", "24")}
    assert f"identical files: alice/{A}.ipynb, bob/{A}_copy.ipynb" in stdout, stdout


def _children(pid):
    out = subprocess.run(["ps", "-eo", "pid,ppid"], capture_output=True, text=True).stdout.split("\n")[1:]
    pairs = [tuple(map(int, l.split())) for l in out if l.strip()]
    return [p for p, pp in pairs if pp == pid]


def test_killed_pool_process_is_graded_again(built, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    ref = json.loads((_samples(built) / "reference.ipynb").read_text())
    ref["cells"].insert(2, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                            "source": "import time\ntime.sleep(3)"})
    for i in range(3):
        (subs / f"s{i}.ipynb").write_text(json.dumps(ref))
    proc = _cli(built, subs, tmp_path / "out")
    killed = []
    deadline = time.time() + 60
    while not killed and time.time() < deadline:  # a pool process that is grading (has a child)
        for pid in _children(proc.pid):
            if _children(pid):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
        time.sleep(0.2)
    _, err = proc.communicate(timeout=300)
    assert killed, "no pool process was found to kill"
    assert proc.returncode == 0, err[-2000:]
    rows = _rows(tmp_path / "out")
    assert len(rows) == 3 and all(r["score"] == "28" and r["error"] == "" for r in rows.values()), rows


@pytest.mark.skipif(os.geteuid() != 0, reason="the refusing sandbox is the root fallback's")
def test_persistent_fault_is_not_a_grade(built, tmp_path):
    """As root without namespaces and with a Python that other users cannot read, the sandbox
    refuses to run student code (never as root): every row says not graded, exit 3."""
    from autograder.run.confinement import _unreadable_by_others
    if not _unreadable_by_others():
        pytest.skip("this machine's Python is readable by every user: the sandbox cannot be made to refuse")
    subs = tmp_path / "subs"
    subs.mkdir()
    for name in ("reference", "blank"):
        (subs / f"{name}.ipynb").write_bytes((_samples(built) / f"{name}.ipynb").read_bytes())
    out = tmp_path / "out"
    proc = _cli(built, subs, out, {"NNKIT_SANDBOX": "uid-only"})
    stdout, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, err[-2000:]
    assert "NOT GRADED (2)" in err and "REFUSED" in err.splitlines()[0]
    rows = _rows(out)
    for r in rows.values():
        assert r["score"] == "" and r["max_score"] == "" and r["error"].startswith("not graded: the sandbox cannot run here")
    assert not list((out / "feedback").glob("*.grade.json"))  # nothing cached
    again = _cli(built, subs, out)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-2000:]
    assert {k: r["score"] for k, r in _rows(out).items()} == {"reference.ipynb": "28", "blank.ipynb": "0"}

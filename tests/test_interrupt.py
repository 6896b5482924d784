"""Ctrl-C during make grade: it stops cleanly, keeps every finished grade, leaves no student
process running, and the next run grades only the rest."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

from conftest import ROOT

A = "hw1_forward"


def _worker_processes(marker):
    """Student processes: as root they run as a user of their own (autograder/run/confinement.py),
    as a plain user their command line names the worker."""
    from autograder.run.confinement import UID_BASE
    out = subprocess.run(["ps", "-eo", "pid,uid,args"], capture_output=True, text=True).stdout
    return [l for l in out.splitlines()[1:] if "worker.py" in l and
            (int(l.split()[1]) >= UID_BASE if os.geteuid() == 0 else str(os.getuid()) == l.split()[1])]


def test_ctrl_c_then_resume(built, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    ref = json.loads((ROOT / "solutions" / A / "samples" / "reference.ipynb").read_text())
    slow = json.loads(json.dumps(ref))
    slow["cells"].insert(2, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                             "source": "import time\ntime.sleep(2.0)"})
    for i in range(4):
        (subs / f"s{i}.ipynb").write_text(json.dumps(slow))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "autograder.grade.cli", "--assignment", A, "--submissions", str(subs),
           "--out", str(out), "--zip", str(built / "dist" / A / "autograder.zip"), "--jobs", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not list(out.glob("feedback/*.grade.json")):
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "Interrupted" in err and "Traceback" not in err
    done = list(csv.DictReader(open(out / "grades.csv")))
    assert 1 <= len(done) < 4
    time.sleep(0.5)
    assert _worker_processes(str(subs)) == []
    finished = {p.name: p.stat().st_mtime_ns for p in (out / "feedback").glob("*.grade.json")}
    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    rows = list(csv.DictReader(open(out / "grades.csv")))
    assert len(rows) == 4 and all(r["score"] == r["max_score"] for r in rows)
    for name, stamp in finished.items():  # finished grades were not redone
        assert (out / "feedback" / name).stat().st_mtime_ns == stamp
    assert _worker_processes(str(subs)) == []

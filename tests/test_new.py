"""`make new ASSIGNMENT=demo`, then `make assign` (with its lint) and `make grade` on the scaffold,
as an author would type them, in a temporary copy of the project (nothing is left in the repo)."""
import csv
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project's files (tracked and new, not ignored) sharing its .venv."""
    copy = tmp_path_factory.mktemp("project")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                           capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src, dst = ROOT / os.fsdecode(name), copy / os.fsdecode(name)
        if src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
    (copy / ".venv").symlink_to((ROOT / ".venv").resolve())
    return copy


def make(project, *args, check=True):
    proc = subprocess.run(["make", "--no-print-directory", *args], cwd=project, capture_output=True,
                          text=True, timeout=600)
    if check:
        assert proc.returncode == 0, f"make {' '.join(args)}:\n{proc.stdout}\n{proc.stderr}"
    return proc


def test_new_assign_and_grade_the_scaffold(project):
    made = make(project, "new", "ASSIGNMENT=demo")
    assert "| `demo` |" in made.stdout                      # the README row to add
    master = project / "solutions" / "demo" / "demo.ipynb"
    checks = project / "solutions" / "demo" / "checks.py"
    assert master.exists() and checks.exists() and (project / "solutions" / "demo" / "mistakes.py").exists()
    assert "def test_square_hidden(square, checks):" in master.read_text()   # the hidden check calls checks.same

    lint = subprocess.run([str(project / ".venv" / "bin" / "python"), "-m", "autograder.assign.lint", "demo"],
                          cwd=project, capture_output=True, text=True)
    assert lint.returncode == 0 and lint.stdout == "", lint.stdout + lint.stderr

    make(project, "assign", "ASSIGNMENT=demo")
    with zipfile.ZipFile(project / "dist" / "demo" / "autograder.zip") as z:
        assert json.loads(z.read("tests.json"))["checks"] == checks.read_text()   # checks.py goes to the grader
    assert not list((project / "assignments" / "demo").rglob("checks*"))       # and never to students
    student = (project / "assignments" / "demo" / "demo.ipynb").read_text()
    assert "def square(x)" in student and "return x ** 2" not in student   # the solution stays out
    samples = sorted(p.stem for p in (project / "solutions" / "demo" / "samples").glob("*.ipynb"))
    assert samples == ["blank", "correct_copy_then_in_place", "correct_loops", "correct_multiply",
                       "correct_np_square", "reference", "square_doubled", "square_in_place"]

    make(project, "grade", "ASSIGNMENT=demo", "JOBS=1")
    with open(project / "grades" / "demo" / "grades.csv") as f:
        rows = {r["submission"].removesuffix(".ipynb"): r for r in csv.DictReader(f)}
    scores = {name: float(row["score"]) for name, row in rows.items()}
    assert scores == {"reference": 4.0, "blank": 0.0, "square_doubled": 0.0, "square_in_place": 0.0,
                      "correct_multiply": 4.0, "correct_np_square": 4.0, "correct_loops": 4.0,
                      "correct_copy_then_in_place": 4.0}
    def hidden_check(sample):
        feedback = project / "grades" / "demo" / "feedback" / f"{sample}.ipynb.grade.json"
        return next(c for c in json.loads(feedback.read_text())["result"]["checks"] if c["name"] == "test_square_hidden")
    # the hidden check runs checks.same from checks.py: the solution passes it, the blank fails it, and
    # a known mistake and a changed input are named
    assert hidden_check("reference")["passed"] and not hidden_check("blank")["passed"]
    assert "you returned 2 * x" in hidden_check("square_doubled")["message"]
    assert "in place" in hidden_check("square_in_place")["message"]


def test_the_scaffold_passes_the_sample_tests(project):
    """The project's own sample tests (tests/test_samples.py) on the scaffold alone: what an
    author's `make test` asks of the new assignment before it is changed."""
    if not (project / "solutions" / "demo").exists():
        pytest.skip("needs the scaffold of the test above")
    proc = subprocess.run([str(project / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_samples.py"], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "NNKIT_ASSIGNMENTS": "demo"}, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout


def test_new_refuses_an_existing_or_bad_name(project):
    assert "exists already" in make(project, "new", "ASSIGNMENT=hw1_forward", check=False).stderr
    assert "use lower-case letters" in make(project, "new", "ASSIGNMENT=Bad-Name", check=False).stderr
    assert "usage: make new" in make(project, "new", check=False).stderr


def test_nothing_is_left_in_the_repo():
    assert not (ROOT / "solutions" / "demo").exists()

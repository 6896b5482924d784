"""A test that cannot run because its author made a mistake: the author sees the traceback (at
build time, in make grade's log), students keep the polite line."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.assign import build
from test_lint import check, question, write_master

ROOT = Path(__file__).resolve().parents[1]

TYPO = ('    import numpy as np\n    from nncheck import call, ref\n'
        '    x = np.random.defualt_rng(5).normal(size=4)\n'
        '    ref.close("double/hidden", call(double, x), "double(x)")\n')
# passes on the solution, but breaks on a student's list: the test should have used nncheck's helpers
FRAGILE = ('    import numpy as np\n    from nncheck import call\n'
           '    got = call(double, np.ones(3))\n'
           '    assert got.shape == (3,), "double(x) must keep the shape of x"\n')


def make_master(tmp_path, monkeypatch, hidden_body):
    (tmp_path / "solutions").mkdir()
    write_master(tmp_path / "solutions", question(checks=[
        check("test_double_public", 1), check("test_double_hidden", 3, hidden=True, body=hidden_body)]))
    monkeypatch.setattr(build, "ROOT", tmp_path)


def test_the_build_shows_the_author_the_traceback_of_a_broken_test(tmp_path, monkeypatch):
    make_master(tmp_path, monkeypatch, TYPO)
    with pytest.raises(SystemExit) as failed:
        build.build("tiny", tmp_path)
    text = str(failed.value)
    assert "test test_double_hidden fails on the solution" in text
    assert "this check could not use what your code returned (AttributeError)" in text   # what students read
    assert re.search(r'File "<test test_double_hidden>", line \d+, in test_double_hidden', text)
    assert "x = np.random.defualt_rng(5).normal(size=4)" in text        # the line at fault
    assert "has no attribute 'defualt_rng'" in text


def test_make_grade_logs_the_traceback_and_students_read_the_polite_line(tmp_path, monkeypatch):
    make_master(tmp_path, monkeypatch, FRAGILE)
    build.build("tiny", tmp_path)
    reference = json.loads((tmp_path / "solutions" / "tiny" / "samples" / "reference.ipynb").read_text())
    for cell in reference["cells"]:
        if cell["cell_type"] == "code" and "return 2 * x" in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace("return 2 * x", "return [2.0 for _ in x]")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "lists.ipynb").write_text(json.dumps(reference))
    out = tmp_path / "grades"
    proc = subprocess.run([sys.executable, "-m", "autograder.grade.cli", "--assignment", "tiny",
                           "--submissions", str(subs), "--zip", str(tmp_path / "dist" / "tiny" / "autograder.zip"),
                           "--out", str(out), "--jobs", "1"], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "TEST ERROR in test_double_hidden" in proc.stderr
    assert "assert got.shape == (3,)" in proc.stderr
    assert "AttributeError: 'list' object has no attribute 'shape'" in proc.stderr
    [results] = (out / "feedback").glob("*.results.json")
    student = json.loads(results.read_text())
    hidden = next(t for t in student["tests"] if "test_double_hidden" in t["name"])
    assert hidden["output"] == ("this check could not use what your code returned (AttributeError): check "
                                "that each function returns what its docstring says (an array, a tuple or a "
                                "dict, with the shapes given); if it does, tell your instructor.")
    assert "Traceback" not in results.read_text() and "got.shape" not in results.read_text()

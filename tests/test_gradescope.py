"""The Gradescope zip as Gradescope runs it: `run_autograder` as root in an /autograder tree,
with a Python that holds only what the zip's own requirements install (not this project)."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import ASSIGNMENTS, ROOT

# Gradescope's results.json format (vendored from the project's shared specs)
SCHEMA = json.loads((ROOT / "tests" / "specs" / "gradescope-results.schema.json").read_text())


@pytest.fixture(scope="module")
def zip_python(tmp_path_factory, built):
    """A fresh virtual environment with only the zip's requirements.txt installed."""
    venv = tmp_path_factory.mktemp("zip-venv")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    reqs = tmp_path_factory.mktemp("reqs") / "requirements.txt"
    reqs.write_bytes(zipfile.ZipFile(built / "dist" / ASSIGNMENTS[0] / "autograder.zip").read("requirements.txt"))
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", "-r", str(reqs)],
                   check=True, capture_output=True)
    return venv / "bin" / "python"


def run_autograder(zip_path, submission, python, tmp_path):
    """Lay out /autograder as Gradescope does (in a scratch folder) and run the zip's script."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / name, 0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    shutil.copy(submission, root / "submission" / submission.name)
    (root / "submission_metadata.json").write_text("{}")
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "NNKIT_PYTHON": str(python)}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_zip_grades_samples_like_make_grade(assignment, built, graded_samples, zip_python, tmp_path):
    zip_path = built / "dist" / assignment / "autograder.zip"
    names = ["reference", "blank"] + sorted(k for k in graded_samples[assignment] if k not in ("reference", "blank", "__out__"))[:2]
    for i, name in enumerate(names):
        results = run_autograder(zip_path, built / "solutions" / assignment / "samples" / f"{name}.ipynb",
                                 zip_python, tmp_path / str(i))
        jsonschema.validate(results, SCHEMA)
        expected = graded_samples[assignment][name]
        assert results["score"] == pytest.approx(expected.score), (name, results["output"][:2000], [t["output"][:300] for t in results["tests"]][:3])
        assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(expected.max_score)
        if os.geteuid() == 0:  # as on Gradescope: the student's code runs as nobody, confined
            assert results["extra_data"]["confinement"].startswith("nobody, private mount and PID namespaces")
        for t in results["tests"]:
            assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
            assert t["visibility"] == ("after_published" if "(hidden check)" in t["name"] else "visible")


def test_exported_zip_is_graded(built, zip_python, tmp_path):
    assignment = ASSIGNMENTS[0]
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.write(built / "solutions" / assignment / "samples" / "reference.ipynb", f"{assignment}.ipynb")
        zf.writestr(".OTTER_LOG", b"not a pickle at all")
    results = run_autograder(built / "dist" / assignment / "autograder.zip", export, zip_python, tmp_path / "x")
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0


def test_nothing_submitted_still_writes_valid_results(built, zip_python, tmp_path):
    assignment = ASSIGNMENTS[0]
    junk = tmp_path / "notes.txt"
    junk.write_text("I forgot the notebook")
    results = run_autograder(built / "dist" / assignment / "autograder.zip", junk, zip_python, tmp_path / "x")
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0 and "no .ipynb notebook" in results["output"]

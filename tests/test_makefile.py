"""The Makefile rebuilds a zip when anything it is made from changes (issue 11: data files too)."""
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _up_to_date(project: Path, target: str) -> bool:
    proc = subprocess.run(["make", "-q", target], cwd=project, capture_output=True, text=True)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode == 0


def test_the_zip_depends_on_the_masters_data_files(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Makefile", project)
    shutil.copy2(ROOT / "requirements.txt", project)  # keeps the venv stamp up to date
    shutil.copytree(ROOT / "autograder", project / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions" / "hw3_sgd", project / "solutions" / "hw3_sgd",
                    ignore=shutil.ignore_patterns("samples"))
    (project / ".venv").symlink_to((ROOT / ".venv").resolve())
    zip_path = project / "dist" / "hw3_sgd" / "autograder.zip"
    zip_path.parent.mkdir(parents=True)
    zip_path.write_bytes(b"")
    future = time.time() + 60
    os.utime(zip_path, (future, future))
    target = "dist/hw3_sgd/autograder.zip"
    assert _up_to_date(project, target)
    for changed in ("grader_data/digits_test.npz", "digits.npz", "mistakes.py", "hw3_sgd.ipynb"):
        path = project / "solutions" / "hw3_sgd" / changed
        later = future + 60
        os.utime(path, (later, later))
        assert not _up_to_date(project, target), f"changing solutions/hw3_sgd/{changed} does not rebuild the zip"
        os.utime(path, (future - 30, future - 30))
    (project / "solutions" / "hw3_sgd" / "samples").mkdir()
    sample = project / "solutions" / "hw3_sgd" / "samples" / "reference.ipynb"
    sample.write_text("{}")
    os.utime(sample, (future + 120, future + 120))
    assert _up_to_date(project, target), "the generated samples must not make the zip out of date"


def test_the_zip_rule_writes_the_zip_only(tmp_path):
    """make grade (re)builds a changed master's zip, and nothing else: the committed student folder
    and samples change only with make assign."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "Makefile", project)
    shutil.copy2(ROOT / "requirements.txt", project)
    shutil.copy(ROOT / "student-requirements.txt", project)
    shutil.copytree(ROOT / "autograder", project / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "solutions" / "hw1_forward", project / "solutions" / "hw1_forward",
                    ignore=shutil.ignore_patterns("samples"))
    (project / ".venv").symlink_to((ROOT / ".venv").resolve())
    proc = subprocess.run(["make", "dist/hw1_forward/autograder.zip"], cwd=project, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (project / "dist" / "hw1_forward" / "autograder.zip").stat().st_size > 0
    assert not (project / "assignments").exists()
    assert not (project / "solutions" / "hw1_forward" / "samples").exists()

"""Shared fixtures: every assignment built once per test session into a scratch folder."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import autograder  # noqa: E402,F401
from autograder.assign.build import all_assignments, build  # noqa: E402

import os  # noqa: E402

# NNKIT_ASSIGNMENTS=hw1_forward,hw2_backprop limits the suite to some assignments (default: all)
ASSIGNMENTS = [a for a in all_assignments()
               if not os.environ.get("NNKIT_ASSIGNMENTS") or a in os.environ["NNKIT_ASSIGNMENTS"].split(",")]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{assignment: folder} of a fresh `make assign` output (assignments/, solutions/, dist/)."""
    out = tmp_path_factory.mktemp("built")
    for name in ASSIGNMENTS:
        build(name, out)
    return out


@pytest.fixture(scope="session")
def graded_samples(built, tmp_path_factory):
    """Every assignment's samples graded with the freshly built zip: {assignment: {name: result}}."""
    from autograder.grade.cli import grade_folder
    graded = {}
    for name in ASSIGNMENTS:
        out = tmp_path_factory.mktemp(f"grades-{name}")
        rows = grade_folder(name, built / "solutions" / name / "samples", out,
                            zip_path=built / "dist" / name / "autograder.zip", quiet=True)
        graded[name] = {sub.name.removesuffix(".ipynb"): result for sub, result in rows}
        graded[name]["__out__"] = out
    return graded


@pytest.fixture(scope="session")
def student_python():
    """The python of a fresh venv from student-requirements.txt, as the README's student steps
    make it. Built once per version of that file (its checksum names the folder under dist/:
    installing JupyterLab takes minutes); skips with the reason when it cannot be built."""
    import hashlib
    import subprocess
    reqs = ROOT / "student-requirements.txt"
    venv = ROOT / "dist" / "student-venv" / hashlib.sha256(reqs.read_bytes()).hexdigest()[:16]
    done = venv / ".complete"
    if not done.exists():
        import shutil
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        proc = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check",
                               "-r", str(reqs)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot build the student venv (pip install -r student-requirements.txt "
                        f"failed; no network to PyPI?): {proc.stderr.strip().splitlines()[-1:]}")
        done.write_text(reqs.read_text())
    return venv / "bin" / "python"

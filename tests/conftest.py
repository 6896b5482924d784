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


def first_fast(names):
    """`names` as parameters, all but the first marked slow: `make test` runs a long test on the
    first assignment, `make test-slow` (which CI runs too) on the others."""
    return [pytest.param(n, marks=() if i == 0 else pytest.mark.slow) for i, n in enumerate(names)]


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


def slow(reason):
    """Marks for a test that takes minutes: `slow` (`make test` leaves it out, `make test-slow`
    runs it); `reason` says what it covers that the fast tests do not."""
    return [pytest.mark.slow]


@pytest.fixture(scope="session")
def student_python():
    """The python of a fresh venv from student-requirements.txt, as the README's student steps
    make it (built once per version of that file: tests/venvs.py)."""
    from venvs import cached_venv
    return cached_venv("student", (ROOT / "student-requirements.txt").read_bytes())

"""Shared fixtures: every assignment built once per test session into a scratch folder."""
import multiprocessing
import sys
import threading
from concurrent.futures import ProcessPoolExecutor
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

# The fresh venvs (tests/venvs.py) a session's tests ask for, by fixture: built in the background
# from the start of the session, while the assignments are built and graded, with the same
# `pip install -r` (the fixture then waits for that build, or finds it cached).
VENVS = {"student_python": ("student", ROOT / "student-requirements.txt"),
         "zip_python": ("zip", ROOT / "autograder" / "gradescope" / "requirements.txt")}
_prebuilt = {}


def pytest_collection_finish(session):
    wanted = {name for item in session.items for name in getattr(item, "fixturenames", ()) if name in VENVS}
    if not wanted or session.config.option.collectonly:
        return
    from venvs import cached_venv

    def prebuild(name, requirements):
        try:
            os.nice(10)  # this thread and its pip only: the tests' own processes go first
            cached_venv(name, requirements)
        except Exception:  # the fixture tries again and reports the failure
            pass

    for fixture in sorted(wanted):
        name, path = VENVS[fixture]
        thread = threading.Thread(target=prebuild, args=(name, path.read_bytes()), daemon=True)
        thread.start()
        _prebuilt[fixture] = thread


def pytest_sessionfinish(session):
    for thread in _prebuilt.values():  # no pip left running after the session (a run stopped by -x)
        thread.join()


def prebuilt(fixture):
    """Waits for the background build of `fixture`'s venv, if one was started."""
    thread = _prebuilt.pop(fixture, None)
    if thread is not None:
        thread.join()


def first_fast(names):
    """`names` as parameters, all but the first marked slow: `make test` runs a long test on the
    first assignment, `make test-slow` (which CI runs too) on the others."""
    return [pytest.param(n, marks=() if i == 0 else pytest.mark.slow) for i, n in enumerate(names)]


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """{assignment: folder} of a fresh `make assign` output (assignments/, solutions/, dist/);
    the assignments are built side by side (each build is one process's work)."""
    out = tmp_path_factory.mktemp("built")
    with ProcessPoolExecutor(max_workers=min(2, len(ASSIGNMENTS) or 1),
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        for done in [pool.submit(build, name, out) for name in ASSIGNMENTS]:
            done.result()
    return out


class GradedSamples(dict):
    """{assignment: {sample name: result, "__out__": its grades folder}}, each assignment's
    samples graded (with the freshly built zip) when a test first asks for that assignment."""

    def __init__(self, built, tmp_path_factory):
        super().__init__()
        self.built, self.tmp_path_factory = built, tmp_path_factory

    def __missing__(self, name):
        from autograder.grade.cli import grade_folder
        out = self.tmp_path_factory.mktemp(f"grades-{name}")
        rows = grade_folder(name, self.built / "solutions" / name / "samples", out,
                            zip_path=self.built / "dist" / name / "autograder.zip", quiet=True)
        graded = {sub.name.removesuffix(".ipynb"): result for sub, result in rows}
        graded["__out__"] = out
        self[name] = graded
        return graded


@pytest.fixture(scope="session")
def graded_samples(built, tmp_path_factory):
    """Every assignment's samples graded with the freshly built zip: {assignment: {name: result}}
    (an assignment is graded once, the first time a test reads it)."""
    return GradedSamples(built, tmp_path_factory)


def slow(reason):
    """Marks for a test that takes minutes: `slow` (`make test` leaves it out, `make test-slow`
    runs it); `reason` says what it covers that the fast tests do not."""
    return [pytest.mark.slow]


@pytest.fixture(scope="session")
def student_python():
    """The python of a fresh venv from student-requirements.txt, as the README's student steps
    make it (built once per version of that file: tests/venvs.py; started in the background
    at the start of the session)."""
    from venvs import cached_venv
    prebuilt("student_python")
    return cached_venv("student", (ROOT / "student-requirements.txt").read_bytes())

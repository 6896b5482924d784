"""The Gradescope zip as Gradescope runs it: `run_autograder` as root in an /autograder tree,
with a Python that holds only what the zip's own requirements install (not this project)."""
import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from conftest import ASSIGNMENTS, first_fast, prebuilt, ROOT
from venvs import cached_venv

# Gradescope's results.json format (vendored from the project's shared specs)
SCHEMA = json.loads((ROOT / "tests" / "specs" / "gradescope-results.schema.json").read_text())


@pytest.fixture(scope="module")
def zip_python(tmp_path_factory, built):
    """A fresh virtual environment with only the zip's requirements.txt installed."""
    reqs = zipfile.ZipFile(built / "dist" / ASSIGNMENTS[0] / "autograder.zip").read("requirements.txt")
    prebuilt("zip_python")  # started at the start of the session (conftest.VENVS)
    return cached_venv("zip", reqs)


def run_autograder(zip_path, submission, python, tmp_path, metadata=None, extra_env=None, expect_rc=0):
    """Lay out /autograder as Gradescope does (in a scratch folder) and run the zip's script.
    `submission`: a file, or a folder whose files are all uploaded. With `expect_rc` other than
    0, returns the finished process instead of results.json."""
    root = tmp_path / "autograder"
    (root / "submission").mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / name, 0o755)
    shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
    if submission.is_dir():
        shutil.copytree(submission, root / "submission", dirs_exist_ok=True)
    else:
        shutil.copy(submission, root / "submission" / submission.name)
    (root / "submission_metadata.json").write_text(json.dumps(metadata or {}))
    env = {"PATH": os.environ["PATH"], "AUTOGRADER_ROOT": str(root), "NNKIT_PYTHON": str(python), **(extra_env or {})}
    proc = subprocess.run(["bash", str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == expect_rc, proc.stderr[-2000:]
    if expect_rc:
        return proc, root
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox refuses only as root (it never runs student code as root)")
def test_machinery_fault_is_not_a_score(built, zip_python, tmp_path):
    """A sandbox that cannot run (root, no namespaces, a Python other users cannot read: forced
    here with NNKIT_SANDBOX=uid-only and the test's 0700 venv) is tried twice, then no
    results.json is written and the exit status is 1: Gradescope shows a failed run, not a 0."""
    python_dir = os.path.realpath(os.path.dirname(os.path.dirname(zip_python)))
    parts = python_dir.split("/")
    if all(os.stat("/".join(parts[:i])).st_mode & 0o005 == 0o005 for i in range(2, len(parts) + 1)):
        pytest.skip("the zip's Python is readable by every user here: the sandbox would not refuse")
    a = ASSIGNMENTS[0]
    proc, root = run_autograder(built / "dist" / a / "autograder.zip",
                                built / "solutions" / a / "samples" / "reference.ipynb", zip_python, tmp_path,
                                extra_env={"NNKIT_SANDBOX": "uid-only"}, expect_rc=1)
    assert not (root / "results" / "results.json").exists()
    assert "NOT GRADED: the grading machinery failed twice" in proc.stdout
    assert "REFUSED" in proc.stdout and proc.stdout.count("graded reference.ipynb") == 2, proc.stdout[-2000:]


@pytest.mark.parametrize("assignment", first_fast(ASSIGNMENTS))
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
            assert results["extra_data"]["confinement"].startswith("namespaces: own root")
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


# ------------------------------------------------------------------ what the student can read

def test_everything_but_the_submission_is_root_only(built, zip_python, tmp_path):
    """run_autograder locks /autograder before any student code runs: the metadata (which lists
    previous submissions with hidden results), the tests and results are root's alone."""
    assignment = ASSIGNMENTS[0]
    root = tmp_path / "x" / "autograder"
    metadata = {"previous_submissions": [{"results": {"tests": [{"name": "HIDDEN-RESULT-SECRET"}]}}]}
    results = run_autograder(built / "dist" / assignment / "autograder.zip",
                             built / "solutions" / assignment / "samples" / "reference.ipynb", zip_python,
                             tmp_path / "x", metadata=metadata)
    mode = lambda p: os.stat(p).st_mode & 0o777  # noqa: E731
    assert mode(root) == 0o711
    assert mode(root / "submission_metadata.json") == 0o600
    assert mode(root / "source") == 0o700 and mode(root / "results") == 0o700
    assert mode(root / "run_autograder") & 0o077 == 0
    assert mode(root / "submission") & 0o005 == 0o005  # the student's own files stay readable
    assert "HIDDEN-RESULT-SECRET" not in json.dumps(results)
    assert results["score"] == sum(t["max_score"] for t in results["tests"])


# ------------------------------------------------------------------ which notebook is graded

def _write(path, nb):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(nb))
    return path


def test_the_filled_notebook_is_graded_not_an_untitled_one(built, zip_python, tmp_path):
    assignment = ASSIGNMENTS[0]
    samples = built / "solutions" / assignment / "samples"
    folder = tmp_path / "upload"
    _write(folder / "Untitled.ipynb", json.loads((samples / "blank.ipynb").read_text()))
    _write(folder / "hw_final.ipynb", json.loads((samples / "reference.ipynb").read_text()))
    results = run_autograder(built / "dist" / assignment / "autograder.zip", folder, zip_python, tmp_path / "x")
    assert results["score"] == sum(t["max_score"] for t in results["tests"])
    assert "**Graded:** `hw_final.ipynb`" in results["output"]
    assert "`Untitled.ipynb` (nothing filled in)" in results["output"]
    assert results["extra_data"]["graded"] == "hw_final.ipynb"
    assert results["extra_data"]["ignored"] == ["Untitled.ipynb"]


@pytest.mark.parametrize("case", ["scratch_beside_export", "other_assignment", "named_blank_beside_copy",
                                  "two_partial"])
def test_choice_among_uploaded_files(case, built, tmp_path):
    from autograder.gradescope.pick import choose
    a, other = ASSIGNMENTS[0], ASSIGNMENTS[-1]
    tests = json.loads(zipfile.ZipFile(built / "dist" / a / "autograder.zip").read("tests.json"))["tests"]
    reference = json.loads((built / "solutions" / a / "samples" / "reference.ipynb").read_text())
    blank = json.loads((built / "solutions" / a / "samples" / "blank.ipynb").read_text())
    folder = tmp_path / "upload"
    if case == "scratch_beside_export":  # a scratch notebook and the zip grader.export() made
        _write(folder / "scratch.ipynb", {"cells": [{"cell_type": "code", "source": "x = 1"}], "metadata": {}})
        folder.mkdir(exist_ok=True)
        with zipfile.ZipFile(folder / f"{a}_export.zip", "w") as zf:
            zf.writestr(f"{a}.ipynb", json.dumps(reference))
        expected, ignored = f"{a}_export.zip: {a}.ipynb", {"scratch.ipynb": "nothing filled in"}
    elif case == "other_assignment":  # another assignment's finished notebook beside this one's
        _write(folder / f"{a}.ipynb", blank)
        _write(folder / "done.ipynb", json.loads((built / "solutions" / other / "samples" / "reference.ipynb").read_text()))
        expected = f"{a}.ipynb"
        ignored = {"done.ipynb": f"the notebook of {other}, not of {a}"} if other != a else None
    elif case == "named_blank_beside_copy":  # the untouched original and the student's copy
        _write(folder / f"{a}.ipynb", blank)
        _write(folder / f"{a}-Copy1.ipynb", reference)
        expected, ignored = f"{a}-Copy1.ipynb", {f"{a}.ipynb": "nothing filled in"}
    else:  # two partly filled notebooks: the one with the assignment's name
        half = json.loads(json.dumps(blank))
        code_cells = [c for c in half["cells"] if c["cell_type"] == "code"]
        ref_cells = [c for c in reference["cells"] if c["cell_type"] == "code"]
        code_cells[2]["source"] = ref_cells[2]["source"]
        _write(folder / f"{a}.ipynb", half)
        _write(folder / "more.ipynb", reference)
        expected, ignored = f"{a}.ipynb", None
    chosen, total, skipped = choose(folder, a, tests)
    assert chosen.shown == expected, (chosen, skipped)
    if ignored:
        assert dict(skipped) == ignored


# ------------------------------------------------------------------ output as Gradescope shows it

def _rendered_text(md):
    """What a CommonMark renderer shows: the HTML it makes, and its text."""
    import html
    import re
    from markdown_it import MarkdownIt
    page = MarkdownIt("commonmark").render(md)
    return page, html.unescape(re.sub(r"<[^>]+>", "", page))


def test_student_text_is_shown_verbatim(tmp_path):
    """What the student wrote (an exception, a line of code) shows as written: no HTML, no
    Markdown of theirs is interpreted, and <module> does not vanish."""
    from autograder.grade import markdown
    nasty = "<b>bold</b> *star* _under_ [link](http://x) `tick` # not a heading & <script>x</script>"
    message = (f"Calling relu failed:\nValueError: {nasty}\n"
               f"  in <module>, line 3 of your code: s = '{nasty}'\n"
               f"  in relu, line 2 of your code: raise ValueError(s)\n"
               f"relu(x) with x (2, 3): got 1.5, expected 2.0 {nasty}\n  Likely cause: {nasty}")
    page, text = _rendered_text(markdown.message(message))
    for tag in ("<b>", "<script>", "<em>", "<strong>", "<a ", "<h1>"):
        assert tag not in page.replace("<strong>Likely cause:</strong>", ""), (tag, page)
    assert text.count(nasty) == 4, text
    assert "in <module>, line 3 of your code" in text
    assert "<code>(2, 3)</code>" in page  # values as code spans


def test_results_json_stays_under_gradescope_limit():
    """Sixty long messages and thirty huge notebook errors: results.json stays under 100,000
    characters, the longest messages are cut first (saying so), and short ones stay whole."""
    from autograder.grade import markdown
    from autograder.grade.engine import CheckResult, SubmissionResult
    from autograder.grade.feedback import to_gradescope
    # characters that Markdown and then JSON escape: the file grows more than the text
    checks = [CheckResult(f"q{i % 7}", f"test_{i}", 1.0, i % 2 == 0, False,
                          f"check {i} failed: " + '*"<x' * (12 if i < 20 else 5_000)) for i in range(60)]
    result = SubmissionResult(checks, [f"Cell {i} raised ValueError: " + "y" * 50_000 for i in range(30)])
    out = to_gradescope(result, "hw.ipynb")
    jsonschema.validate(out, SCHEMA)
    assert len(json.dumps(out, indent=1)) < 100_000
    short = [t for t in out["tests"] if t["name"].split(": ")[1].split()[0] in {f"test_{i}" for i in range(20)}]
    assert all(t["output"] == markdown.message(c.message) for t, c in zip(short, checks[:20]))
    cut = [t for t in out["tests"] if markdown.CUT_NOTE in t["output"]]
    assert len(cut) == 40
    assert "Some long messages were shortened" in out["output"]
    assert "q3: test_59 (public check)" in out["output"]
    assert "... and 20 more cells with errors" in out["output"]
    assert out["output_format"] == out["test_output_format"] == "md"


# ------------------------------------------------------------------ limits that fit the container

def _cgroup_tree(tmp_path, version, memory_bytes, quota):
    root = tmp_path / "cgroup"
    proc = tmp_path / "proc_self_cgroup"
    if version == 1:
        mem, cpu = root / "memory" / "docker" / "abc", root / "cpu" / "docker" / "abc"
        mem.mkdir(parents=True), cpu.mkdir(parents=True)
        (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
        (mem / "memory.limit_in_bytes").write_text(f"{memory_bytes}\n")
        (cpu / "cpu.cfs_quota_us").write_text(f"{quota}\n")
        (cpu / "cpu.cfs_period_us").write_text("100000\n")
        proc.write_text("12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n0::/\n")
    else:
        own = root / "system.slice" / "docker-abc.scope"
        own.mkdir(parents=True)
        (root / "cgroup.controllers").write_text("cpu memory pids\n")
        (own / "memory.max").write_text(f"{memory_bytes}\n")
        (own / "cpu.max").write_text(f"{quota} 100000\n")
        proc.write_text("0::/system.slice/docker-abc.scope\n")
    return root, proc


@pytest.mark.parametrize("version", [1, 2])
def test_limits_fit_gradescope_default_container(version, tmp_path):
    from autograder.gradescope import container
    root, proc = _cgroup_tree(tmp_path, version, 768 * 2**20, 50000)
    memory = container.memory_limit_mb(root, proc)
    cpus = container.cpu_limit(root, proc)
    assert memory == 768 and cpus == 0.5
    limits, notes = container.fit_limits(
        {"cell_seconds": 60, "call_seconds": 20, "total_seconds": 540, "memory_mb": 2048, "disk_mb": 256},
        container.Container(memory, cpus, container.timeout_seconds({}, environ={})))
    assert (limits.memory_mb, limits.disk_mb) == (384, 128)  # 256 MB stay with the grader
    assert (limits.call_seconds, limits.cell_seconds, limits.total_seconds) == (40, 120, 540)
    assert notes


def test_limits_follow_the_instructors_timeout_and_a_large_container():
    from autograder.gradescope import container
    zip_limits = {"cell_seconds": 60, "call_seconds": 20, "total_seconds": 540, "memory_mb": 2048}
    short, _ = container.fit_limits(zip_limits, container.Container(768, 0.5, container.timeout_seconds(
        {"gradescope": {"timeout_seconds": 300}}, environ={})))
    assert short.total_seconds == 240 and short.cell_seconds == 120
    large, notes = container.fit_limits(zip_limits, container.Container(4096, 2, 2400))
    assert (large.memory_mb, large.disk_mb, large.call_seconds, large.total_seconds) == (2048, 256, 20, 540)
    assert not notes


def test_variant_comes_from_the_submitting_users(built, zip_python, tmp_path):
    """On Gradescope the variant is the hash of the submitters' e-mail addresses (sorted, any
    case), in extra_data; `make grade` of an export naming the same people gives the same."""
    from autograder.grade import variants
    from autograder.grade.cli import grade_folder
    a = ASSIGNMENTS[0]
    zip_path = built / "dist" / a / "autograder.zip"
    k = json.loads(zipfile.ZipFile(zip_path).read("tests.json"))["variants"]
    people = next(p for p in ([f"s{i}@uni.edu", f"t{i}@uni.edu"] for i in range(50))
                  if variants.choose(",".join(p), a, k) != 0)
    metadata = {"users": [{"email": people[1].upper(), "id": 2, "name": "T"}, {"email": people[0], "id": 1, "name": "S"}]}
    reference = built / "solutions" / a / "samples" / "reference.ipynb"
    results = run_autograder(zip_path, reference, zip_python, tmp_path / "gs", metadata=metadata)
    jsonschema.validate(results, SCHEMA)
    assert results["extra_data"]["variant"] == variants.choose(",".join(people), a, k) != 0
    assert results["score"] == sum(t["max_score"] for t in results["tests"]) > 0
    export = tmp_path / "export"
    (export / "submission_9").mkdir(parents=True)
    shutil.copy(reference, export / "submission_9" / f"{a}.ipynb")
    (export / "submission_metadata.yml").write_text(
        f"submission_9:\n  :submitters:\n  - :name: S\n    :email: {people[0]}\n  - :name: T\n    :email: {people[1]}\n")
    grade_folder(a, export, tmp_path / "out", zip_path=zip_path, quiet=True)
    row = next(csv.DictReader(open(tmp_path / "out" / "grades.csv")))
    assert int(row["variant"]) == results["extra_data"]["variant"]

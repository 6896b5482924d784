"""make grade never loses a submission: bad files, hanging or crashing code, export zips,
other kernel names. Each costs only its own row (or its own question)."""
import csv
import json
import zipfile

import pytest

from autograder.grade.cli import grade_folder
from conftest import ROOT

A = "hw1_forward"


def _reference():
    return json.loads((ROOT / "solutions" / A / "samples" / "reference.ipynb").read_text())


def _with(nb, old, new):
    nb = json.loads(json.dumps(nb))
    hits = [c for c in nb["cells"] if c["cell_type"] == "code" and old in "".join(c["source"])]
    assert len(hits) == 1, old
    hits[0]["source"] = "".join(hits[0]["source"]).replace(old, new)
    return nb


@pytest.fixture(scope="module")
def graded(built, tmp_path_factory):
    subs = tmp_path_factory.mktemp("subs")
    ref = _reference()
    (subs / "not_a_notebook.txt").write_text("hello")
    (subs / "broken.ipynb").write_text('{"cells": [')
    (subs / "binary.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    other_kernel = json.loads(json.dumps(ref))
    other_kernel["metadata"]["kernelspec"] = {"name": "conda-env-py311", "display_name": "Py", "language": "python"}
    (subs / "other_kernel.ipynb").write_text(json.dumps(other_kernel))
    # an infinite loop inside one graded function: that question scores zero, others graded
    (subs / "loop_in_mse.ipynb").write_text(json.dumps(_with(ref, "    N = y.shape[0]\n", "    N = y.shape[0]\n    while True:\n        pass\n")))
    # an infinite loop at the top level of a cell: the cell is left out, the rest is graded
    nb = json.loads(json.dumps(ref))
    nb["cells"].insert(3, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": "while True:\n    pass"})
    (subs / "loop_in_cell.ipynb").write_text(json.dumps(nb))
    # exits and crashes in the middle of the notebook
    for name, line in (("sys_exit", "import sys; sys.exit(1)"), ("os_exit", "import os; os._exit(0)")):
        nb = json.loads(json.dumps(ref))
        nb["cells"].insert(5, {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": line})
        (subs / f"{name}.ipynb").write_text(json.dumps(nb))
    # names as long as a file system allows, alone and in nested folders (feedback files are cut to fit)
    (subs / ("n" * 244 + ".ipynb")).write_text(json.dumps(ref))
    nested = subs / "mallory" / ("d" * 200) / ("e" * 200)
    nested.mkdir(parents=True)
    (nested / ("f" * 200 + ".ipynb")).write_text(json.dumps(ref))
    # the zip grader.export() makes, with a crafted .OTTER_LOG that must never be unpickled
    with zipfile.ZipFile(subs / "exported.zip", "w") as zf:
        zf.writestr(f"{A}.ipynb", json.dumps(ref))
        zf.writestr(".OTTER_LOG", b"cos\nsystem\n(S'touch /tmp/otter_log_was_unpickled'\ntR.")
    (subs / "not_a_zip.zip").write_bytes(b"PK\x03\x04 nope")
    out = tmp_path_factory.mktemp("grades")
    rows = grade_folder(A, subs, out, zip_path=built / "dist" / A / "autograder.zip", quiet=True,
                        limits={"call_seconds": 3, "cell_seconds": 5})
    return {s.name: r for s, r in rows}, out


def test_every_file_gets_a_row(graded):
    results, out = graded
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert set(rows) == set(results) and len(rows) == 12


@pytest.mark.parametrize("name,reason", [("not_a_notebook.txt", "not a notebook"), ("broken.ipynb", "not valid JSON"),
                                         ("binary.ipynb", "not"), ("not_a_zip.zip", "not a valid zip")])
def test_ungradable_files_score_zero_with_the_reason(graded, name, reason):
    result = graded[0][name]
    assert result.score == 0 and reason in result.error


def test_other_kernel_name_and_export_zip_grade_normally(graded):
    results = graded[0]
    for name in ("other_kernel.ipynb", "exported.zip"):
        assert results[name].score == results[name].max_score, results[name].error
    import os
    assert not os.path.exists("/tmp/otter_log_was_unpickled")


def test_infinite_loop_in_a_function_costs_only_its_question(graded):
    result = graded[0]["loop_in_mse.ipynb"]
    scores = result.question_scores()
    assert scores["q_mse"][0] == 0
    assert all(got == total for q, (got, total) in scores.items() if q != "q_mse")
    assert any("did not finish within" in c.message for c in result.checks if c.question == "q_mse")


def test_infinite_loop_in_a_cell_is_left_out(graded):
    result = graded[0]["loop_in_cell.ipynb"]
    assert result.score == result.max_score
    assert any("left out" in e and "did not finish" in e for e in result.notebook_errors)


def test_names_as_long_as_the_file_system_allows_get_their_rows(graded):
    results, out = graded
    long = [name for name in results if len(name) > 240]
    assert len(long) == 2
    for name in long:
        assert results[name].score == results[name].max_score, results[name].error
    assert all(len(p.name) < 256 for p in (out / "feedback").iterdir())


def test_a_result_cut_short_by_a_time_limit_is_graded_again_next_time(graded):
    """On a busy machine a time limit may be the machine's doing: make grade does not reuse it."""
    results, out = graded
    for name in ("loop_in_mse.ipynb", "loop_in_cell.ipynb", "other_kernel.ipynb"):
        saved = json.loads((out / "feedback" / f"{name}.grade.json").read_text())
        assert saved["result"]["timed_out"] == (name != "other_kernel.ipynb")
        assert (saved["key"] is None) == saved["result"]["timed_out"], name


@pytest.mark.parametrize("name", ["sys_exit.ipynb", "os_exit.ipynb"])
def test_exits_in_the_middle_do_not_stop_grading(graded, name):
    result = graded[0][name]
    assert result.score == result.max_score, [c.message for c in result.checks if not c.passed][:2]
    assert result.notebook_errors


def test_regrading_skips_unchanged_submissions(built, graded, tmp_path):
    import shutil
    import time
    results, out = graded
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(ROOT / "solutions" / A / "samples" / "reference.ipynb", subs / "a.ipynb")
    grade_out = tmp_path / "out"
    grade_folder(A, subs, grade_out, zip_path=built / "dist" / A / "autograder.zip", quiet=True)
    stamp = (grade_out / "feedback" / "a.ipynb.grade.json").stat().st_mtime_ns
    time.sleep(0.01)
    shutil.copy(ROOT / "solutions" / A / "samples" / "blank.ipynb", subs / "b.ipynb")
    rows = grade_folder(A, subs, grade_out, zip_path=built / "dist" / A / "autograder.zip", quiet=True)
    assert (grade_out / "feedback" / "a.ipynb.grade.json").stat().st_mtime_ns == stamp  # not graded again
    assert {s.name: r.score for s, r in rows} == {"a.ipynb": 28, "b.ipynb": 0}


def test_gradescope_export_zip_with_names(built, tmp_path):
    """A Gradescope "Export Submissions" zip: one folder per submission and a YAML index."""
    export = tmp_path / "submissions.zip"
    ref = (ROOT / "solutions" / A / "samples" / "reference.ipynb").read_bytes()
    blank = (ROOT / "solutions" / A / "samples" / "blank.ipynb").read_bytes()
    meta = """submission_101:
  :submitters:
  - :name: Ada Lovelace
    :sid: '1'
    :email: ada@example.edu
  :created_at: 2026-11-20 10:00:00.000000000 -08:00
submission_102:
  :submitters:
  - :name: Alan Turing
    :email: alan@example.edu
submission_103:
  :submitters:
  - :name: Grace Hopper
    :email: grace@example.edu
"""
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr("assignment_9_export/submission_metadata.yml", meta)
        zf.writestr(f"assignment_9_export/submission_101/{A}.ipynb", ref)
        zf.writestr("assignment_9_export/submission_102/export.zip", _export_zip_bytes(blank))
        zf.writestr("assignment_9_export/submission_103/notes.txt", "no notebook")
    out = tmp_path / "out"
    grade_folder(A, export, out, zip_path=built / "dist" / A / "autograder.zip", quiet=True)
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert set(rows) == {"submission_101", "submission_102", "submission_103"}
    assert rows["submission_101"]["name"] == "Ada Lovelace" and rows["submission_101"]["email"] == "ada@example.edu"
    assert rows["submission_101"]["score"] == "28" and rows["submission_102"]["score"] == "0"
    assert rows["submission_102"]["error"] == ""
    assert rows["submission_103"]["score"] == "0" and "no notebook" in rows["submission_103"]["error"]


def _export_zip_bytes(nb_bytes):
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{A}.ipynb", nb_bytes)
    return buf.getvalue()

"""A class zip over its budget (more than 20,000 files, or more than 4 GB unpacked) does not stop
the run (hostile-student round 2, open item 4): what fits is unpacked and graded, the export's
index and the notebooks first, and every file left out gets a row "not graded: ... over its
budget ..." with empty scores; the command exits with status 3, as for any row not graded.

The file budget is tested with a real zip of 20,008 tiny files; the byte budget with a lower
budget (monkeypatched) instead of writing 4 GB.
"""
from __future__ import annotations

import csv
import json
import zipfile

import pytest

from autograder.grade import submissions
from autograder.grade.submissions import CLASS_ZIP_MAX_MEMBERS, find_submissions

A = "hw1_forward"


def _notebook(tag: str, padding: int = 0) -> bytes:
    nb = {"cells": [], "metadata": {"tag": tag, "padding": "x" * padding}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb).encode()


def test_a_class_zip_of_more_files_than_its_budget_unpacks_what_fits(tmp_path):
    class_zip = tmp_path / "class.zip"
    extra = CLASS_ZIP_MAX_MEMBERS + 5
    with zipfile.ZipFile(class_zip, "w") as zf:
        for i in range(extra):                 # files that are not submissions come first in the zip
            zf.writestr(f"uploads/f{i:05}.txt", b"")
        zf.writestr("__MACOSX/._ada.ipynb", b"")   # hidden: never unpacked, never counted
        for student in ("ada", "bob", "cy"):
            zf.writestr(f"{student}.ipynb", _notebook(student))
    subs = find_submissions(class_zip, A, tmp_path / "work")

    assert len(subs) == extra + 3               # every file has a row
    notebooks = {s.name: s for s in subs if s.name.endswith(".ipynb")}
    assert set(notebooks) == {"ada.ipynb", "bob.ipynb", "cy.ipynb"}
    for name, sub in notebooks.items():         # unpacked first, graded as usual
        assert not sub.fault and not sub.problem
        assert json.loads(sub.source.read_bytes())["metadata"]["tag"] == name.removesuffix(".ipynb")
    over = [s for s in subs if s.fault]
    assert len(over) == extra + 3 - CLASS_ZIP_MAX_MEMBERS == 8
    assert {s.name for s in over} == {f"uploads/f{i:05}.txt [left out of class.zip]" for i in range(extra - 8, extra)}
    for sub in over:
        assert "over its budget of 20,000 files (it holds 20,008)" in sub.fault, sub.fault
        assert not sub.problem
    unpacked = [p for p in (tmp_path / "work" / "class").rglob("*") if p.is_file()]
    assert len(unpacked) == CLASS_ZIP_MAX_MEMBERS


def test_a_class_zip_larger_than_its_budget_unpacks_what_fits(tmp_path, monkeypatch):
    assert submissions._size(submissions.CLASS_ZIP_MAX_BYTES) == "4 GB"   # the real budget, as rows say it
    size = len(_notebook("ada", padding=200_000))   # each student's (names of three letters)
    monkeypatch.setattr(submissions, "CLASS_ZIP_MAX_BYTES", 3 * size + 1000)
    class_zip = tmp_path / "class.zip"
    with zipfile.ZipFile(class_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("submission_metadata.yml", "{}\n")   # no export: a flat class, the index is a row too
        for student in ("ada", "bob", "cyd", "dan", "eve"):
            zf.writestr(f"{student}/{A}.ipynb", _notebook(student, padding=200_000))
        zf.writestr("notes.txt", b"x" * 10_000_000)      # not a notebook: a placeholder, no bytes
    subs = {s.name: s for s in find_submissions(class_zip, A, tmp_path / "work")}

    fitted = [f"{s}/{A}.ipynb" for s in ("ada", "bob", "cyd")]
    left = [f"{s}/{A}.ipynb [left out of class.zip]" for s in ("dan", "eve")]
    assert set(subs) == set(fitted) | set(left) | {"submission_metadata.yml", "notes.txt"}
    for name in fitted:
        assert not subs[name].fault and subs[name].source.stat().st_size == size
    for name in left:
        assert subs[name].fault == (f"{name.split(' ')[0]} was left out of class.zip: the class zip is over its "
                                    f"budget of {3 * size + 1000:,} bytes unpacked: unpack it yourself and grade "
                                    "the folder, or split the class")
    assert not subs["notes.txt"].fault and subs["notes.txt"].source.stat().st_size == 0


def test_a_student_file_that_is_too_large_is_the_students_not_the_budgets(tmp_path, monkeypatch):
    """Left out for its own size (50 MB for a notebook): a graded row with 0, as before, and it does
    not use up the budget of the others."""
    monkeypatch.setattr(submissions, "CLASS_ZIP_MAX_BYTES", 60 * 2**20)
    class_zip = tmp_path / "class.zip"
    with zipfile.ZipFile(class_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.ipynb", _notebook("huge", padding=55 * 2**20))
        zf.writestr("ok.ipynb", _notebook("ok", padding=20 * 2**20))
    subs = {s.name: s for s in find_submissions(class_zip, A, tmp_path / "work")}
    assert set(subs) == {"ok.ipynb", "huge.ipynb [left out of class.zip]"}
    assert subs["huge.ipynb [left out of class.zip]"].problem.endswith("larger than 50 MB")
    assert not subs["huge.ipynb [left out of class.zip]"].fault and not subs["ok.ipynb"].fault


def test_over_budget_rows_are_not_graded_and_the_command_says_so(built, tmp_path, monkeypatch, capsys):
    """Through make grade's command line: graded rows for what fits, "not graded" rows with empty
    scores for the rest, nothing cached for them, exit status 3."""
    from autograder.grade import cli
    samples = built / "solutions" / A / "samples"
    class_zip = tmp_path / "class.zip"
    with zipfile.ZipFile(class_zip, "w") as zf:
        zf.write(samples / "reference.ipynb", "ada.ipynb")
        zf.write(samples / "blank.ipynb", "bob.ipynb")
        zf.write(samples / "reference.ipynb", "cy.ipynb")
        zf.writestr("readme.txt", b"hello")
    monkeypatch.setattr(submissions, "CLASS_ZIP_MAX_MEMBERS", 2)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--assignment", A, "--submissions", str(class_zip), "--out", str(out),
                  "--zip", str(built / "dist" / A / "autograder.zip"), "--jobs", "2"])
    assert exit_.value.code == 3
    rows = {r["submission"]: r for r in csv.DictReader(open(out / "grades.csv", encoding="utf-8"))}
    assert {k: (r["status"], r["score"]) for k, r in rows.items()} == {
        "ada.ipynb": ("graded", "28"), "bob.ipynb": ("graded", "0"),
        "cy.ipynb [left out of class.zip]": ("not graded", ""),
        "readme.txt [left out of class.zip]": ("not graded", "")}
    for name in ("cy.ipynb", "readme.txt"):
        row = rows[f"{name} [left out of class.zip]"]
        assert row["error"] == (f"not graded: {name} was left out of class.zip: the class zip is over its budget "
                                "of 2 files (it holds 4): unpack it yourself and grade the folder, or split the class")
        assert row["q_mse"] == "" and row["max_score"] == ""
    err = capsys.readouterr().err
    assert "NOT GRADED (2): cy.ipynb [left out of class.zip], readme.txt [left out of class.zip]: " in err
    assert "over its budget of 2 files" in err and "grading machinery failed" not in err
    cached = sorted(p.name for p in (out / "feedback").glob("*.grade.json"))
    assert cached == ["ada.ipynb.grade.json", "bob.ipynb.grade.json"]

"""Per-student variants of the hidden checks (docs/authoring.md, "Per-student variants").

A hidden check that draws its inputs from nncheck.rng(seed) has K variants, recorded at build
time; a submission is graded with one, chosen from who handed it in. What an instructor relies
on: variant 0 is today's inputs (the students' kernels), every variant of the built zip is
verified, no variant is easier than another for any sample, and a student keeps one variant.
"""
import csv
import multiprocessing
import shutil
import zipfile
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import nncheck
from autograder.assign.lint import load_mistakes
from autograder.grade import variants
from autograder.grade.engine import Bundle, grade_variants, read_code_cells
from conftest import ASSIGNMENTS, ROOT, slow


def test_rng_variant_zero_is_the_plain_seed_and_others_differ():
    """Variant 0 (students' kernels, public checks) draws exactly np.random.default_rng(seed);
    every other variant draws its own, reproducible, inputs."""
    assert nncheck.current_variant() == 0
    assert np.array_equal(nncheck.rng(11).normal(size=5), np.random.default_rng(11).normal(size=5))
    draws = []
    for v in range(8):
        with nncheck.variant(v):
            draws.append(nncheck.rng(11).normal(size=5))
            assert np.array_equal(draws[-1], nncheck.rng(11).normal(size=5))
    assert len({d.tobytes() for d in draws}) == 8
    with nncheck.variant(3):
        assert not np.array_equal(nncheck.rng(11).normal(size=5), nncheck.rng(12).normal(size=5))
    assert nncheck.current_variant() == 0


def test_reference_keeps_one_value_per_variant():
    reference = nncheck.Reference("record")
    for v in (0, 5):
        with nncheck.variant(v):
            reference.close("f/hidden", nncheck.rng(1).normal(size=3), "f")
    assert set(reference.values) == {"f/hidden", "f/hidden@5"}
    reference.mode = "check"
    with nncheck.variant(5):
        reference.close("f/hidden", nncheck.rng(1).normal(size=3), "f")
        with pytest.raises(nncheck.CheckFailure):  # variant 0's value is wrong for variant 5
            reference.close("f/hidden", np.random.default_rng(1).normal(size=3), "f")


def test_variant_choice_is_stable_and_spread():
    picks = [variants.choose(f"student{i}@example.edu", "hw1_forward", 8) for i in range(400)]
    assert picks == [variants.choose(f"student{i}@example.edu", "hw1_forward", 8) for i in range(400)]
    counts = np.bincount(picks, minlength=8)
    assert counts.min() >= 25, counts  # about 50 each
    other = [variants.choose(f"student{i}@example.edu", "hw2_backprop", 8) for i in range(400)]
    assert picks != other  # the assignment's name is in the hash: not the same seat every time
    assert variants.choose("anyone", "hw1_forward", 1) == 0 and variants.choose("", "hw1_forward", 8) == 0


def test_gradescope_identity_is_the_group_of_addresses():
    group = {"users": [{"email": "Bo@x.edu", "id": 2, "name": "Bo"}, {"email": "al@x.edu", "id": 1}]}
    same = {"users": [{"email": "al@x.edu", "id": 1}, {"email": "bo@x.edu", "id": 2}]}
    assert variants.gradescope_identity(group) == variants.gradescope_identity(same) == "al@x.edu,bo@x.edu"
    assert variants.gradescope_identity({"users": [{"id": 7}, {"id": 3}]}) == "id:3,7"
    assert variants.gradescope_identity({}) == variants.gradescope_identity({"users": "x"}) == ""


def _unpacked(built, assignment, tmp):
    with zipfile.ZipFile(built / "dist" / assignment / "autograder.zip") as zf:
        zf.extractall(tmp)
    return Bundle(tmp)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_zip_holds_every_variant_of_the_varying_hidden_checks(built, assignment, tmp_path):
    bundle = _unpacked(built, assignment, tmp_path)
    k = bundle.variants
    assert k == 8  # the default; the masters do not set `variants:`
    reference = bundle.reference(range(k))
    varying = [t for t in bundle.tests if t["variants"] > 1]
    assert varying and all(t["hidden"] for t in varying)  # public checks are the same for everyone
    for test in varying:  # it draws from nncheck.rng itself, or through the master's checks.py
        assert "nncheck.rng(" in test["source"] or ("checks." in test["source"] and "nncheck.rng(" in bundle.meta["checks"])
    assert "@" not in "".join(nncheck.Reference.load(tmp_path / "expected.npz").values)  # one file per variant
    base = [key for key in reference.values if "@" not in key]
    for v in range(1, k):
        assert any(f"{key}@{v}" in reference.values for key in base), v
    # a key recorded in a variant is recorded in all of them
    stems = {key.split("@")[0] for key in reference.values if "@" in key}
    for stem in stems:
        assert all(f"{stem}@{v}" in reference.values for v in range(1, k)) and stem in reference.values


# Grading each sample once per variant costs K times its hidden checks: hw1 (19 samples, mistakes
# on values, shapes and axes) runs in make test; hw2 (30 s here: gradients, in-place changes),
# hw3 and hw4 (training in their checks: about 5 minutes each here) in make test-slow.
HARD_ENOUGH = [a if a == "hw1_forward" else
               pytest.param(a, marks=slow("every sample of a larger assignment, in every variant"))
               for a in ASSIGNMENTS]


def _in_every_variant(bundle_root, notebook, k):
    """One sample graded in every variant, in a process of its own (two samples at a time)."""
    return grade_variants(Bundle(bundle_root), read_code_cells(notebook), list(range(k)))


@pytest.mark.parametrize("assignment", HARD_ENOUGH)
def test_no_variant_is_easier(built, assignment, tmp_path):
    """Every sample graded with the real zip in every variant (one run of its notebook, each
    varying hidden check once per variant: engine.grade_variants, which is also what grades a
    single submission): the reference scores full marks in each, each mistake loses points on
    the questions mistakes.py names and keeps the others, in each, and every sample scores the
    same in every variant."""
    bundle = _unpacked(built, assignment, tmp_path)
    k = bundle.variants
    spec = load_mistakes(ROOT / "solutions" / assignment / "mistakes.py")
    spec["reference"] = {"loses": []}
    notebooks = [n for n in sorted((built / "solutions" / assignment / "samples").glob("*.ipynb")) if n.stem != "blank"]
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("forkserver")) as pool:
        graded = pool.map(_in_every_variant, [tmp_path] * len(notebooks), notebooks, [k] * len(notebooks))
    for notebook, results in zip(notebooks, graded):
        loses = spec[notebook.stem]["loses"]
        for v, result in results.items():
            assert result.variant == v and not result.error
            for question, (got, total) in result.question_scores().items():
                failed = [c.message[:200] for c in result.checks if c.question == question and not c.passed]
                if question in loses:
                    assert got < total, f"{notebook.stem} keeps all points of {question} in variant {v}"
                else:
                    assert got == total, f"{notebook.stem} loses points on {question} in variant {v}: {failed}"
        scores = {v: r.score for v, r in results.items()}
        assert len(set(scores.values())) == 1, f"{notebook.stem} scores differently by variant: {scores}"
        if not loses:
            assert scores[0] == results[0].max_score


def test_make_grade_gives_each_student_one_variant(built, tmp_path):
    """A folder per student: the `variant` column is the hash of the student's folder name;
    the same notebook under another student's name is graded again, with that student's
    variant; a regrade keeps every variant. A Gradescope export uses the submitters' e-mails."""
    from autograder.grade.cli import grade_folder
    a = ASSIGNMENTS[0]
    zip_path = built / "dist" / a / "autograder.zip"
    k = _unpacked(built, a, tmp_path / "bundle").variants
    reference = built / "solutions" / a / "samples" / "reference.ipynb"
    names = _students_with_distinct_variants(a, k)
    subs = tmp_path / "subs"
    for name in names:
        (subs / name).mkdir(parents=True)
        shutil.copy(reference, subs / name / f"{a}.ipynb")
    out = tmp_path / "out"
    grade_folder(a, subs, out, zip_path=zip_path, quiet=True)
    first = {r["student"]: r for r in csv.DictReader(open(out / "grades.csv"))}
    assert {s: int(r["variant"]) for s, r in first.items()} == {s: variants.choose(s, a, k) for s in names}
    assert all(r["score"] == r["max_score"] for r in first.values())
    grade_folder(a, subs, out, zip_path=zip_path, quiet=True)
    again = {r["student"]: r["variant"] for r in csv.DictReader(open(out / "grades.csv"))}
    assert again == {s: r["variant"] for s, r in first.items()}

    export = tmp_path / "export"
    (export / "submission_1").mkdir(parents=True)
    shutil.copy(reference, export / "submission_1" / f"{a}.ipynb")
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Bo\n    :email: Bo@x.edu\n  - :name: Al\n    :email: al@x.edu\n")
    grade_folder(a, export, tmp_path / "out2", zip_path=zip_path, quiet=True)
    row = next(csv.DictReader(open(tmp_path / "out2" / "grades.csv")))
    assert int(row["variant"]) == variants.choose("al@x.edu,bo@x.edu", a, k)


def _students_with_distinct_variants(assignment, k):
    """Two student names whose variants differ (and are not 0): the test then means something."""
    picked, seen = [], set()
    for i in range(100):
        name = f"student{i}"
        v = variants.choose(name, assignment, k)
        if v and v not in seen:
            picked.append(name)
            seen.add(v)
        if len(picked) == 2:
            return picked
    raise AssertionError("no two students with different variants")


def test_the_number_of_variants_comes_from_the_config():
    """`variants: K` in the ASSIGNMENT CONFIG (default 8; 1 turns variants off) is ours: otter,
    which refuses keys it does not know, reads the master without it."""
    from autograder.assign.build import _without_our_config, assignment_config, variants_of
    def master(extra):
        return {"cells": [{"cell_type": "raw", "source": ["# ASSIGNMENT CONFIG\n", "name: hw9\n",
                                                          "tests:\n", "  ok_format: false\n", *extra]}]}
    assert variants_of(master([])) == 8
    assert variants_of(master(["variants: 1\n"])) == 1
    assert variants_of(master(["variants: 3"])) == 3
    with pytest.raises(SystemExit):
        variants_of(master(["variants: 0"]))
    stripped = _without_our_config(master(["variants: 3\n", "export_cell:\n", "  pdf: false"]))
    config = assignment_config(stripped)
    assert "variants" not in config and config["tests"] == {"ok_format": False}
    assert config["export_cell"] == {"pdf": False}

"""hw4_cnn's own promises, beyond what test_samples checks for every assignment: the held-out
digits reach only the grader, training is judged on problems nobody has seen, and grading stays
within its time budget."""
import json
import re
import zipfile

import numpy as np
import pytest

from conftest import ASSIGNMENTS

A = "hw4_cnn"
pytestmark = pytest.mark.skipif(A not in ASSIGNMENTS, reason="hw4_cnn not selected (NNKIT_ASSIGNMENTS)")


def _npz(data: bytes):
    import io
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def test_heldout_digits_reach_only_the_grader(built):
    zf = zipfile.ZipFile(built / "dist" / A / "autograder.zip")
    names = zf.namelist()
    assert "grader_data/digits_test.npz" in names
    assert not [n for n in names if n.startswith("files/") and "test" in n]
    assert not [p.name for p in (built / "assignments" / A).iterdir() if "test" in p.name]
    held_out = _npz(zf.read("grader_data/digits_test.npz"))["x_test"]
    students = _npz(zf.read("files/digits.npz"))
    seen = {row.tobytes() for key in ("x_train", "x_val") for row in students[key]}
    assert len(held_out) == 359 and not [r for r in held_out if r.tobytes() in seen]


def test_training_is_judged_on_problems_nobody_has_seen(built):
    """The hidden training check trains and measures on images made at grading time
    (checks.image_problem), one problem per variant, none of them a digit students have (the held-out
    digits are public too: scikit-learn ships them); no hidden check reads the digits."""
    import nncheck
    from autograder.grade.engine import load_checks
    zf = zipfile.ZipFile(built / "dist" / A / "autograder.zip")
    meta = json.loads(zf.read("tests.json"))
    train = next(t for t in meta["tests"] if t["name"] == "test_train_cnn_heldout_accuracy")
    assert train["hidden"] and "checks.image_problem(" in train["source"] and "checks.train_reaches(" in train["source"]
    hidden = [t["source"] for t in meta["tests"] if t["hidden"]]
    assert not [s for s in hidden if "load_data" in s or "load_grader_data" in s or "disguise" in s]
    checks = load_checks(meta["checks"], A)
    problems = []
    for v in (0, 1):
        with nncheck.variant(v):
            x, y, xt, yt = checks.image_problem(660, n_train=800, n_test=400)
        assert x.shape == (800, 1, 8, 8) and xt.shape == (400, 1, 8, 8) and x.min() >= 0 and x.max() <= 1
        assert sorted(set(y.tolist())) == sorted(set(yt.tolist())) == list(range(10))
        problems.append(x)
    assert not np.allclose(problems[0], problems[1])   # each variant has its own problem
    students = _npz(zf.read("files/digits.npz"))
    digits = np.concatenate([students["x_train"], students["x_val"]]).reshape(-1, 64) / 16.0
    nearest = ((problems[0].reshape(-1, 64)[:, None] - digits[None]) ** 2).sum(-1).min(axis=1)
    assert nearest.min() > 1.0, nearest.min()


def test_time_limit_leaves_room_for_a_loop_convolution(built, graded_samples):
    """The training check's limit is stated to students, and the CNN built on the loop
    convolutions (alt_einsum_naive_cnn) trains in a small part of it at full speed here (Gradescope
    gives half a CPU: the README's measurement is about twice this)."""
    meta = json.loads(zipfile.ZipFile(built / "dist" / A / "autograder.zip").read("tests.json"))
    source = next(t["source"] for t in meta["tests"] if t["name"] == "test_train_cnn_heldout_accuracy")
    limit = int(re.search(r"seconds=(\d+)", source).group(1))
    assert "time_limit(seconds)" in meta["checks"] and "has {seconds} s" in meta["checks"]
    student = json.loads((built / "assignments" / A / f"{A}.ipynb").read_text())
    assert f"Training has {limit} s" in " ".join("".join(c["source"]) for c in student["cells"])
    loops = graded_samples[A]["alt_einsum_naive_cnn"]
    train = next(c for c in loops.checks if c.name == "test_train_cnn_heldout_accuracy")
    assert train.passed and train.seconds < limit / 8, train.seconds


def test_one_submission_grades_well_within_30_seconds(graded_samples):
    for name in ("reference", "alt_sliding_window"):
        result = graded_samples[A][name]
        assert result.score == result.max_score and result.seconds < 30, (name, result.seconds)

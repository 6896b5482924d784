"""hw4_cnn's own promises, beyond what test_samples checks for every assignment: the held-out
digits reach only the grader, and grading stays within its time budget."""
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
    # only a hidden check reads it (the build refuses public ones), and that check computes the accuracy itself
    tests = json.loads(zf.read("tests.json"))["tests"]
    readers = [t for t in tests if "load_grader_data" in t["source"]]
    assert readers and all(t["hidden"] for t in readers)
    assert all("accuracy_of(params, xt, yt)" in t["source"] for t in readers)


def test_time_limit_leaves_room_for_a_loop_convolution(built, graded_samples):
    """The training check's limit is stated to students, and the CNN built on the loop
    convolutions (alt_einsum_naive_cnn) trains in a small part of it at full speed here (Gradescope
    gives half a CPU: the README's measurement is about twice this)."""
    tests = json.loads(zipfile.ZipFile(built / "dist" / A / "autograder.zip").read("tests.json"))["tests"]
    source = next(t["source"] for t in tests if t["name"] == "test_train_cnn_heldout_accuracy")
    limit = int(re.search(r"time_limit\((\d+)\)", source).group(1))
    assert f"has {limit} s" in source
    loops = graded_samples[A]["alt_einsum_naive_cnn"]
    train = next(c for c in loops.checks if c.name == "test_train_cnn_heldout_accuracy")
    assert train.passed and train.seconds < limit / 8, train.seconds


def test_one_submission_grades_well_within_30_seconds(graded_samples):
    for name in ("reference", "alt_sliding_window"):
        result = graded_samples[A][name]
        assert result.score == result.max_score and result.seconds < 30, (name, result.seconds)

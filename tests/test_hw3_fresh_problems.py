"""hw3's hidden training checks train and measure on problems generated at grading time
(solutions/hw3_sgd/checks.py, `digits_like`), never on the public digits: weights trained
beforehand, pasted and moved to fit (attacks/RESULTS2.md, undisguise_train and pasted_all),
earn no hidden training point. bench/hw3_fresh_problems.py measures how the reference does on
them (every variant above the bar)."""
import numpy as np
import pytest

import nncheck
from autograder.grade.engine import load_checks
from conftest import ASSIGNMENTS, ROOT

pytestmark = pytest.mark.skipif("hw3_sgd" not in ASSIGNMENTS, reason="hw3_sgd is not among NNKIT_ASSIGNMENTS")


def _checks():
    return load_checks((ROOT / "solutions" / "hw3_sgd" / "checks.py").read_text(), "hw3_sgd")


def test_the_generated_problem_looks_like_the_digits_and_is_new_for_each_variant():
    checks = _checks()
    x, y, x_test, y_test = checks.digits_like(nncheck.rng(47), 300, 200)
    assert x.shape == (300, 64) and x_test.shape == (200, 64) and y.shape == (300,) and y_test.shape == (200,)
    assert x.dtype == np.float64 and np.issubdtype(y.dtype, np.integer)
    for a in (x, x_test):   # values 0..16 / 16, as the notebook scales the digits
        assert a.min() >= 0 and a.max() <= 1 and np.array_equal(a * 16, np.round(a * 16))
    assert set(y) == set(y_test) == set(range(10))
    # every class has its own mean image: the classes differ in their pixels, not in noise alone
    means = np.array([x[y == c].mean(axis=0) for c in range(10)])
    assert min(np.linalg.norm(means[i] - means[j]) for i in range(10) for j in range(i)) > 0.5

    again = checks.digits_like(nncheck.rng(47), 300, 200)
    assert all(np.array_equal(a, b) for a, b in zip((x, y, x_test, y_test), again))   # regrades agree
    with nncheck.variant(3):
        other_student = checks.digits_like(nncheck.rng(47), 300, 200)
        assert np.array_equal(other_student[0], checks.digits_like(nncheck.rng(47), 300, 200)[0])
    assert not np.array_equal(other_student[0], x)   # a problem per variant
    assert not np.array_equal(checks.digits_like(nncheck.rng(46), 300)[0], x)   # and per check

    public = np.load(ROOT / "assignments" / "hw3_sgd" / "digits.npz")
    rows = {r.tobytes() for r in np.concatenate([public["x_train"], public["x_val"]]) / 16.0}
    assert not any(r.tobytes() in rows for r in np.concatenate([x, x_test]))


def test_pasted_digits_weights_earn_no_hidden_training_point(graded_samples):
    """The sample pasted_digits_weights returns, for every setting the checks use, weights trained
    beforehand on the public digits (undisguised when the data is the public x_train with its pixels
    reordered and its classes renamed): under the old checks it scored 8/8 on q_train. It passes the
    public check (plain public digits) and fails every hidden one."""
    result = graded_samples["hw3_sgd"]["pasted_digits_weights"]
    train = [c for c in result.checks if c.question == "q_train"]
    assert [(c.name, c.passed) for c in train if not c.hidden] == [("test_train_public", True)]
    hidden = {c.name: c.passed for c in train if c.hidden}
    assert hidden == {"test_train_history": False, "test_train_reproducible": False,
                      "test_train_digits_loss": False, "test_train_digits_accuracy": False}
    reference = graded_samples["hw3_sgd"]["reference"]
    assert all(c.passed for c in reference.checks if c.question == "q_train")

"""The helpers the masters' checks are written with (nncheck.check_gradients, returned,
arrays_like) and a master's checks.py (the hidden checks' parameter `checks`): each on its own,
without the sandbox. Gradients are checked on many shapes (hypothesis)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nncheck
from autograder.assign.lint import lint
from autograder.grade.engine import load_checks

from test_lint import check, question, write_master  # the tiny masters of the lint's own tests


@pytest.fixture
def recorded():
    """nncheck.ref swapped for an empty reference in record mode (as the build does), restored after."""
    saved = nncheck.ref
    nncheck.ref = nncheck.Reference("record")
    try:
        yield nncheck.ref
    finally:
        nncheck.ref = saved


def loss(p):
    """A reference loss of two tensors: sum(sin(W) * x[:, None]) + sum(b ** 3)."""
    return float(np.sum(np.sin(p["W"]) * p["x"][:, None]) + np.sum(p["b"] ** 3))


def gradients(p):
    return {"W": np.cos(p["W"]) * p["x"][:, None], "b": 3 * p["b"] ** 2, "x": np.sin(p["W"]).sum(axis=1)}


shapes = st.tuples(st.integers(1, 4), st.integers(1, 4))


@settings(max_examples=25, deadline=None)
@given(shapes, st.integers(0, 2 ** 32 - 1))
def test_check_gradients_passes_the_true_gradient_and_names_a_wrong_tensor(shape, seed):
    rng = np.random.default_rng(seed)
    point = {"W": rng.normal(size=shape), "b": rng.normal(size=shape[1]), "x": rng.normal(size=shape[0])}
    saved = nncheck.ref
    nncheck.ref = reference = nncheck.Reference("record")
    try:
        nncheck.check_gradients("g", gradients(point), loss, point, lambda k: f"d{k}")
        assert sorted(reference.values) == ["g/W", "g/b", "g/x"]    # recorded from the reference loss
        reference.mode = "check"
        # checking runs nothing of the loss: the recorded central differences are the expectation
        nncheck.check_gradients("g", gradients(point), None, point, lambda k: f"d{k}")
        wrong = dict(gradients(point), b=2 * gradients(point)["b"] + 1.0)
        with pytest.raises(nncheck.CheckFailure, match=r"^db, compared with central differences"):
            nncheck.check_gradients("g", wrong, None, point, lambda k: f"d{k}")
        as_tuple = tuple(gradients(point)[k] for k in point)      # (dW, db, dx) in the order of point
        nncheck.check_gradients("g", as_tuple, None, point, lambda k: f"d{k}")
    finally:
        nncheck.ref = saved


def test_check_gradients_does_not_change_the_point_and_finds_a_missing_tensor(recorded):
    point = {"W": np.arange(6.0).reshape(2, 3) / 7, "b": np.ones(3), "x": np.array([0.5, -1.0])}
    before = {k: v.copy() for k, v in point.items()}
    nncheck.check_gradients("g", gradients(point), loss, point, lambda k: f"d{k}")
    assert all(np.array_equal(point[k], before[k]) for k in point)
    recorded.mode = "check"
    with pytest.raises(nncheck.CheckFailure, match=r"^dx, compared .*expected a numpy array"):
        nncheck.check_gradients("g", {"W": gradients(point)["W"], "b": gradients(point)["b"]}, None, point,
                                lambda k: f"d{k}")


def test_returned_and_arrays_like_say_what_was_expected_and_hide_the_value_in_hidden_checks():
    assert nncheck.returned([1, {"W1": 2}], ("J", "grads"), "loss_and_grads") == (1, {"W1": 2})
    with pytest.raises(nncheck.CheckFailure, match=r"loss_and_grads should return a tuple \(J, grads\), got a tuple of length 3"):
        nncheck.returned((1, 2, 3), ("J", "grads"), "loss_and_grads")
    like = {"W1": np.zeros((2, 3)), "b1": np.zeros(3)}
    with pytest.raises(nncheck.CheckFailure, match=r"grads\['b1'\] should have the shape of b1, \(3,\), got \(1, 3\)"):
        nncheck.arrays_like({"W1": np.zeros((2, 3)), "b1": np.zeros((1, 3))}, like, "grads")
    with nncheck.values_shown(False):        # a hidden check: nothing the student's value chose
        for call in (lambda: nncheck.returned((1, 2, 3), ("J", "grads"), "loss_and_grads"),
                     lambda: nncheck.arrays_like({"W1": np.zeros((2, 3)), "b1": np.zeros((7, 9))}, like, "grads"),
                     lambda: nncheck.arrays_like({"secret_key": 1}, like, "grads"),
                     lambda: nncheck.arrays_like([np.zeros(3)], like, "grads")):
            with pytest.raises(nncheck.CheckFailure) as failure:
                call()
            assert "got" not in str(failure.value) and "7, 9" not in str(failure.value)
            assert "secret_key" not in str(failure.value)


def test_a_masters_checks_module_reaches_hidden_checks_only(tmp_path):
    hidden = check("test_double_hidden", 3, hidden=True, params="double, checks",
                   body='    checks.twice(double)\n')
    folder = write_master(tmp_path, question(checks=[check("test_double_public", 1), hidden])).parent
    (folder / "checks.py").write_text("def twice(fn):\n    return fn\n")
    assert not [p for p in lint(folder / "tiny.ipynb") if "checks" in p.message]
    (folder / "checks.py").unlink(missing_ok=True)
    assert any("needs a checks.py" in p.message for p in lint(folder / "tiny.ipynb"))

    public = check("test_double_public", 1, params="double, checks", body="    checks.twice(double)\n")
    (tmp_path / "b").mkdir()
    folder = write_master(tmp_path / "b", question(checks=[public, check("test_double_hidden", 3, hidden=True)])).parent
    (folder / "checks.py").write_text("def twice(fn):\n    return fn\n")
    assert any("public check cannot take 'checks'" in p.message for p in lint(folder / "tiny.ipynb"))


def test_load_checks_makes_a_module_whose_errors_point_at_checks_py():
    assert load_checks(None, "hw") is None
    module = load_checks("import numpy as np\n\ndef double(x):\n    return 2 * np.asarray(x)\n\n"
                         "def broken():\n    return 1 / 0\n", "hw9")
    assert module.double(2) == 4
    with pytest.raises(ZeroDivisionError) as failure:
        module.broken()
    assert "<checks.py of hw9>" in str(failure.traceback[-1].path)


def test_a_wrong_string_answer_is_not_quoted_back_in_a_hidden_check():
    with pytest.raises(nncheck.CheckFailure, match="expected 'relu', got 'tanh'"):
        nncheck.assert_close("tanh", "relu", "the activation")
    with nncheck.values_shown(False), pytest.raises(nncheck.CheckFailure) as failure:
        nncheck.assert_close("leak:0.123,4.56", "relu", "the activation")
    assert str(failure.value) == "the activation: not the expected answer."

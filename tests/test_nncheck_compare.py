"""nncheck.assert_close, property by property: what a student is told for any value, not one.

- a value equal to the expected one (to the tolerance) always passes;
- whatever a student's function returns, the check fails with a CheckFailure (a message for the
  student), never with another exception (which would read "this check could not run");
- a known cause is named when it is the cause (a missing 1/N, a wrong sign, a transpose, a known
  alternative) and a constant factor is never invented for two numbers;
- a hidden check (values not shown) never prints the expected values.
"""
import re

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import nncheck
from strategies import finite_arrays, values

PROPERTY = settings(max_examples=150, deadline=None)


def failure(got, expected, **options):
    with pytest.raises(nncheck.CheckFailure) as info:
        nncheck.assert_close(got, expected, "the value", **options)
    return str(info.value)


def substantial(e):
    """Arrays whose entries are not all tiny (a factor of them is visible above atol)."""
    return np.abs(e).max() > 1e-2


@PROPERTY
@given(finite_arrays(), st.floats(-1e-8, 1e-8))
def test_a_value_within_the_tolerance_passes(e, eps):
    nncheck.assert_close(e * (1 + eps), e, "the value")
    nncheck.assert_close(np.asfortranarray(e), e, "the value")
    nncheck.assert_close(e.tolist(), e, "the value")      # a list of floats is an answer too


@PROPERTY
@given(values, finite_arrays(max_dims=2))
def test_anything_a_student_returns_gets_a_message_not_a_crash(got, e):
    try:
        nncheck.assert_close(got, e, "the value", batch=3)
    except nncheck.CheckFailure as failure_:
        assert str(failure_).startswith("the value")


@PROPERTY
@given(values, st.dictionaries(st.sampled_from(["W1", "b1", "W2"]), finite_arrays(max_dims=2), min_size=1))
def test_dicts_and_tuples_of_results_never_crash_either(got, expected):
    for exp in (expected, tuple(expected.values())):
        try:
            nncheck.assert_close(got, exp, "grads")
        except nncheck.CheckFailure:
            pass


@PROPERTY
@given(finite_arrays(min_dims=2, max_dims=2, min_side=1).filter(substantial), st.integers(3, 64))
def test_a_missing_or_extra_division_by_the_batch_is_named(e, n):
    assert f"{n} is the batch size N" in failure(e * n, e, batch=n)
    assert "divide by N twice" in failure(e / n, e, batch=n)


@PROPERTY
@given(finite_arrays().filter(substantial))
def test_a_wrong_sign_is_named(e):
    assert "wrong sign" in failure(-e, e)


@PROPERTY
@given(finite_arrays(min_dims=2, max_dims=2, min_side=2).filter(substantial),
       st.floats(1.05, 1.9) | st.floats(-1.9, -1.05) | st.floats(0.1, 0.45))
def test_another_constant_factor_of_an_array_is_called_one(e, s):
    message = failure(e * s, e)
    assert "constant factor" in message and f"{s:.6g}" in message


@PROPERTY
@given(st.floats(1e-3, 1e6) | st.floats(-1e6, -1e-3), st.floats(0.2, 0.45) | st.floats(0.55, 0.999) | st.floats(1.001, 1.9))
def test_two_numbers_get_no_invented_cause(expected, ratio):
    assume(not np.isclose(expected * ratio, expected, rtol=1e-6, atol=1e-8))
    message = failure(expected * ratio, expected, batch=7)
    assert "Likely cause" not in message and "relative error" in message


@PROPERTY
@given(finite_arrays(min_dims=2, max_dims=2, min_side=2).filter(
    lambda e: e.shape[0] != e.shape[1] and len(np.unique(e)) == e.size))
def test_a_transposed_result_is_named(e):
    assert "transpose" in failure(e.T, e)


@PROPERTY
@given(finite_arrays(min_dims=2, max_dims=2, min_side=2).filter(substantial), st.floats(1.5, 3.0))
def test_a_known_alternative_is_named_before_any_factor(e, s):
    cause = "you averaged over all N * C entries"
    assert cause in failure(e * s, e, alternatives={cause: e * s, "another cause": e + 1.0})


@PROPERTY
@given(finite_arrays(min_dims=1, max_dims=2, min_side=2).filter(
    lambda e: np.abs(e).min() > 0.01 and len(np.unique(np.round(e, 3))) == e.size),
    st.integers(0, 10_000))
def test_a_hidden_check_never_prints_the_expected_values(e, seed):
    got = e + np.random.default_rng(seed).normal(size=e.shape) * (np.abs(e) + 1)
    assume(not np.allclose(got, e))
    with nncheck.values_shown(False):
        message = failure(got, e)
    message = re.sub(r"relative error [-+.e\d]+", "", message)   # the error is not a value
    shown = {float(x) for x in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", message)}
    leaked = [x for x in e.ravel() if any(np.isclose(x, v, rtol=1e-3) for v in shown)]
    assert not leaked, f"expected values {leaked} are printed by a hidden check: {message}"

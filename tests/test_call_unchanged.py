"""nncheck.call_unchanged on its own: in-place changes to positional and keyword arguments fail
the check with a message naming the argument; a function that leaves its inputs alone passes."""
import numpy as np
import pytest

from autograder.nncheck import CheckFailure, call_unchanged


def scale_in_place(x, *, w):
    w *= 2
    return x * w


def scale(x, *, w):
    return x * w


def test_a_changed_keyword_argument_fails_and_is_named():
    x, w = np.ones(3), np.arange(3.0)
    with pytest.raises(CheckFailure, match=r"scale_in_place modified its argument `w` in place"):
        call_unchanged(scale_in_place, x, w=w)


def test_a_changed_positional_argument_fails_and_is_numbered():
    def clear(x, y):
        y[:] = 0
        return x
    with pytest.raises(CheckFailure, match=r"clear modified its argument number 2 in place"):
        call_unchanged(clear, np.ones(2), np.ones(2))


def test_keyword_arguments_left_alone_pass():
    x, w = np.ones(3), np.arange(3.0)
    np.testing.assert_array_equal(call_unchanged(scale, x, w=w), np.arange(3.0))
    np.testing.assert_array_equal(w, np.arange(3.0))


def test_a_changed_dict_keyword_argument_fails():
    def step(params, *, grads):
        grads["W"] -= 1
        return params
    with pytest.raises(CheckFailure, match=r"argument `grads`"):
        call_unchanged(step, {"W": np.ones(2)}, grads={"W": np.ones(2)})

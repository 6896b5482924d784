"""nncheck.pack/unpack: every value a student's function may return arrives exactly as it left.

The grader and the student's sandbox exchange arguments and results through pack/unpack, so a
value that changes in transit (np.int64(3) arriving as array([3])) changes a grade. Property
tests: Python and numpy scalars of every dtype, 0-d and n-d arrays, and lists, tuples and dicts
nested in any way.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import nncheck

from strategies import NUMERIC_DTYPES, numpy_scalars, values  # noqa: E402


def assert_identical(got, sent):
    """The same type, dtype, shape and bits (nan equal to nan, -0.0 unequal to 0.0)."""
    assert type(got) is type(sent), (type(got), type(sent))
    if isinstance(sent, (np.ndarray, np.generic)):
        assert got.dtype == sent.dtype and np.shape(got) == np.shape(sent)
        assert _bits(got) == _bits(sent)
    elif isinstance(sent, (list, tuple)):
        assert len(got) == len(sent)
        for g, s in zip(got, sent):
            assert_identical(g, s)
    elif isinstance(sent, dict):
        assert list(got) == list(sent)
        for k in sent:
            assert_identical(got[k], sent[k])
    elif isinstance(sent, float):
        assert (math.isnan(got) and math.isnan(sent)) or (got == sent and math.copysign(1, got) == math.copysign(1, sent))
    elif isinstance(sent, complex):
        assert_identical(got.real, sent.real)
        assert_identical(got.imag, sent.imag)
    else:
        assert got == sent


def _bits(a):
    """The bytes of an array's values (long doubles carry padding bytes that mean nothing)."""
    a = np.asarray(a)
    if a.dtype.kind in "fc" and a.dtype.itemsize > 8 * (2 if a.dtype.kind == "c" else 1):
        parts = [a.real, a.imag] if a.dtype.kind == "c" else [a]
        return [(p.astype(str).tolist(), np.signbit(p).tolist()) for p in parts]
    return np.ascontiguousarray(a).tobytes()


@settings(max_examples=300, deadline=None)
@given(values)
def test_every_value_round_trips_exactly(value):
    assert_identical(nncheck.unpack(nncheck.pack(value)), value)


@settings(max_examples=100, deadline=None)
@given(st.lists(numpy_scalars, min_size=1, max_size=6))
def test_lists_of_numpy_scalars_stay_flat(items):
    """A list of np.int64 (the usual `list(rng.permutation(n))`) arrives as a list of np.int64,
    so np.asarray of it is 1-D, not (k, 1)."""
    got = nncheck.unpack(nncheck.pack(items))
    assert np.asarray(got).shape == np.asarray(items).shape == (len(items),)


@pytest.mark.parametrize("value", [np.int64(3), np.float32(1.5), np.bool_(True), np.array(2.0),
                                   np.uint8(7), np.complex64(1 - 2j), np.float64(0.25)])
def test_examples_from_the_issue(value):
    got = nncheck.unpack(nncheck.pack(value))
    assert type(got) is type(value) and np.shape(got) == () and got == value


def test_non_contiguous_and_fortran_arrays_keep_their_values():
    a = np.asfortranarray(np.arange(12.0).reshape(3, 4))[:, ::2]
    got = nncheck.unpack(nncheck.pack(a))
    assert got.shape == (3, 2) and np.array_equal(got, a)


def test_objects_and_code_are_refused():
    for bad in (np.array([1, "a"], dtype=object), object(), {1.5j: 1}):
        with pytest.raises(TypeError):
            nncheck.pack(bad)
    with pytest.raises(ValueError):  # a function reference is refused unless a resolver is given
        nncheck.unpack(nncheck.pack(nncheck.helper("tanh")))

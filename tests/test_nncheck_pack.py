"""nncheck.pack/unpack (files of reference values) and wire/from_wire (the frames the grader and
the student's sandbox exchange): every value a student's function may return arrives exactly as
it left, and a frame forged by the student's code is refused, never half-read.

A value that changes in transit (np.int64(3) arriving as array([3])) changes a grade. Property
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


FORMATS = [pytest.param((nncheck.pack, nncheck.unpack), id="file"),
           pytest.param((nncheck.wire, nncheck.from_wire), id="wire")]


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=300, deadline=None)
@given(value=values)
def test_every_value_round_trips_exactly(fmt, value):
    write, read = fmt
    assert_identical(read(write(value)), value)


@settings(max_examples=100, deadline=None)
@given(values)
def test_a_received_array_can_be_changed_in_place(value):
    """A student's sgd_step may update the params it is given in place: arrays that arrive
    over the wire are writable (and aligned), like the ones that were sent."""
    def arrays(v):
        if isinstance(v, np.ndarray):
            yield v
        elif isinstance(v, (list, tuple)):
            for x in v:
                yield from arrays(x)
        elif isinstance(v, dict):
            for x in v.values():
                yield from arrays(x)
    for a in arrays(nncheck.from_wire(nncheck.wire(value))):
        assert a.flags.writeable and a.flags.aligned


# what the grader's sandbox turns into "sent back data that cannot be read"
REFUSED = (ValueError, KeyError, TypeError, RecursionError, AttributeError, IndexError)


def _frame(arrays, body=b"", tree=None):
    import json
    tree = tree or {"t": "arr", "k": "a0"}
    header = json.dumps({"tree": tree, "arrays": arrays}).encode()
    return nncheck.WIRE_MAGIC + len(header).to_bytes(4, "big") + header + body


_BLOATED = b"[" + b"[]," * (nncheck.WIRE_MAX_HEADER // 3) + b"[]]"   # 2.8 million empty lists


@pytest.mark.parametrize("frame", [
    _frame([["<f8", [10**9]]], bytes(64)),                    # declares 8 GB, holds 64 bytes
    _frame([["<f8", [2**62, 2**62]]], bytes(64)),             # a size that overflows
    _frame([["|O", [1]]], bytes(16)),                          # Python objects
    _frame([["i4,O", [1]]], bytes(16)),                        # a record holding an object
    _frame([["V8", [1]]], bytes(8)),                           # raw records
    _frame([[",".join(["b"] * 100_000), [1]]], bytes(16)),     # a record dtype numpy would build first
    _frame([["<f8", [-1]]], bytes(8)),                         # a negative size
    _frame([["<f8", [1]]], bytes(16)),                         # bytes left over
    _frame([["S0", [10**12]]]),                                # empty items, a huge count
    _frame([["<f8", [0]]] * (nncheck.WIRE_MAX_ARRAYS + 1)),   # too many arrays
    _frame([], tree={"t": "fn", "v": ["helper", "tanh"]}),    # a function where data is expected
    nncheck.WIRE_MAGIC + (2**31).to_bytes(4, "big") + b"{}",   # a header longer than the frame
    b"PK\x03\x04" + bytes(100),                               # not a frame at all
    _frame([["<f8", [4]]], bytes(32), tree={"t": "list", "v": [{"t": "arr", "k": "a0"}] * 2}),  # one array, twice
    _frame([], tree={"t": "dict", "v": [[{"t": "int", "v": str(k * (2**61 - 1))}, {"t": "lit", "v": None}]
                                        for k in range(1, nncheck.WIRE_MAX_NUMBER_KEYS + 2)]}),  # colliding keys
    _frame([], tree={"t": "rng", "v": {"bit_generator": "PCG64", "state": {"state": -(5 << 64), "inc": 1},
                                       "has_uint32": 0, "uinteger": 0}}),   # a state out of range
    nncheck.WIRE_MAGIC + len(_BLOATED).to_bytes(4, "big") + _BLOATED,   # a header too large to parse
], ids=["huge", "overflow", "objects", "record-object", "void", "record-string", "negative", "left-over", "empty-items",
        "many", "function", "long-header", "npz", "aliased", "number-keys", "rng-state", "bloated-header"])
def test_a_forged_frame_is_refused(frame):
    with pytest.raises(REFUSED):
        nncheck.from_wire(frame)


def test_string_keys_and_a_few_number_keys_are_not_limited():
    value = {**{f"W{i}": np.ones(2) for i in range(3000)}, **{i: i for i in range(nncheck.WIRE_MAX_NUMBER_KEYS)}}
    assert list(nncheck.from_wire(nncheck.wire(value))) == list(value)


@settings(max_examples=300, deadline=None)
@given(value=values, cut=st.integers(0, 10**6), flip=st.integers(0, 10**6), byte=st.integers(0, 255))
def test_a_damaged_frame_is_refused_or_read_within_its_size(value, cut, flip, byte):
    """A frame cut short or with one byte changed is refused with one of the errors the sandbox
    reports, or read as some value whose arrays fit in the frame: nothing else ever happens."""
    frame = bytearray(nncheck.wire(value))
    frame[flip % len(frame)] = byte
    frame = bytes(frame[:len(frame) - cut % len(frame)]) if cut % 3 == 0 else bytes(frame)
    try:
        got = nncheck.from_wire(frame)
    except REFUSED:
        return
    assert len(nncheck.wire(got)) <= 16 * len(frame) + 4096


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


@pytest.mark.parametrize("fmt", FORMATS)
def test_objects_and_code_are_refused(fmt):
    write, read = fmt
    for bad in (np.array([1, "a"], dtype=object), object(), {1.5j: 1}, np.zeros(2, dtype="i4,f8")):
        with pytest.raises(TypeError):
            write(bad)
    with pytest.raises(ValueError):  # a function reference is refused unless a resolver is given
        read(write(nncheck.helper("tanh")))

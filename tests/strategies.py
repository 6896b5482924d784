"""Hypothesis strategies shared by the unit tests: the values a student's function may return,
and the arrays a check compares (minitorch's tests/strategies.py is the model)."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

NUMERIC_DTYPES = [np.dtype(t) for t in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "longdouble", "complex64", "complex128")]

dtypes = st.sampled_from(NUMERIC_DTYPES)
numpy_scalars = dtypes.flatmap(lambda dt: hnp.from_dtype(dt).map(lambda v: dt.type(v)))
arrays = dtypes.flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)))
python_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.complex_numbers(),
                           st.text(max_size=8))
leaves = st.one_of(python_scalars, numpy_scalars, arrays)
keys = st.one_of(st.text(max_size=5), st.integers(-5, 5))
values = st.recursive(leaves, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=4).map(tuple),
    st.dictionaries(keys, inner, max_size=4)), max_leaves=12)


def finite_arrays(min_dims=1, max_dims=3, min_side=1, max_side=5, scale=1e3):
    """float64 arrays with finite entries of moderate size (what a layer returns)."""
    return hnp.arrays(np.float64, hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                                                    min_side=min_side, max_side=max_side),
                      elements=st.floats(-scale, scale, allow_nan=False, allow_infinity=False))

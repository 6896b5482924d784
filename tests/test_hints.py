"""nncheck's diagnoses name a known cause, or say only what differs: never a wrong cause."""
import numpy as np
import pytest

import nncheck


def _message(got, expected, **options):
    with pytest.raises(nncheck.CheckFailure) as info:
        nncheck.assert_close(got, expected, "the value", **options)
    return str(info.value)


def test_scalars_off_by_an_unknown_ratio_get_no_invented_cause():
    message = _message(2.7916667 * 0.999998, 2.7916667)
    assert "constant factor" not in message and "Likely cause" not in message
    assert "relative error" in message


@pytest.mark.parametrize("factor,phrase", [(3, "batch size"), (1 / 3, "too small"), (-1, "wrong sign"),
                                           (2, "twice"), (0.5, "half"), (0, "it is 0")])
def test_scalars_off_by_a_known_factor_name_it(factor, phrase):
    assert phrase in _message(1.25 * factor, 1.25, batch=3)


def test_arrays_off_by_a_constant_factor_say_so():
    e = np.array([[1.0, -2.0], [0.5, 3.0]])
    assert "constant factor" in _message(e * 0.37, e)


def test_named_alternatives_come_first():
    e = np.array([1.0, 2.0, 4.0])
    message = _message(e / 4, e, batch=3, alternatives={"you averaged over all N * C entries": e / 4})
    assert "averaged over all N * C entries" in message and "constant factor" not in message

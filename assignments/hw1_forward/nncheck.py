"""Checks shared by the notebooks' public tests and the autograder's hidden tests.

This one file ships next to every student notebook (public checks run in the student's kernel)
and inside the autograder (every check is re-run there, in a process that never runs student
code). It holds no solution: expected values come from a store that `make assign` records by
running the master's solution through the same tests.

    call(fn, *args)          call a student's function; failures become readable messages
    call_unchanged(fn, ...)  the same, and fail if the function modified an input in place
    ref.close(key, got, what)  compare with the recorded reference value `key`
    ref.alt(key, thunk)      a recorded value used only to recognise a known mistake
    assert_close(got, expected, what)  compare with an explicit expected value
    time_limit(seconds)      give slow calls (training) more time in the autograder
    rng(seed)                the random inputs of a hidden check: one family per seed, one
                             member per student (the variant; 0 in the students' kernels)
    load_data(name)          an .npz the students have too (the assignment's files)
    load_grader_data(name)   an .npz only the autograder has (hidden checks: held-out data)
"""
from __future__ import annotations

import builtins
import contextlib
import io
import json
import os
import re
import traceback
import zipfile
from pathlib import Path

import numpy as np

STUB_MARK = "the stub is not filled in yet"


class CheckFailure(AssertionError):
    """A check failed; the message is written for the student."""


class StudentWarning(UserWarning):
    """A warning raised while the student's code ran in the autograder's sandbox."""


# ---------------------------------------------------------------- calling student code

# Settings a test changes for the calls and checks inside a `with` block.
_settings = {"seconds": None, "show_values": True, "variant": 0}


@contextlib.contextmanager
def _setting(name, value):
    old = _settings[name]
    _settings[name] = value
    try:
        yield
    finally:
        _settings[name] = old


def time_limit(seconds):
    """Allow each call inside the block up to `seconds` (the autograder enforces it)."""
    return _setting("seconds", seconds)


def values_shown(show):
    """Whether failure messages may print expected values (not for hidden checks)."""
    return _setting("show_values", show)


def current_time_limit():
    return _settings["seconds"]


def values_are_shown():
    """Whether the check running now may show values (public) or not (hidden)."""
    return _settings["show_values"]


# ---------------------------------------------------------------- seeded inputs, per student

rng_seeds = []  # the seeds rng() was called with, in order (the build learns which checks vary)


def variant(number):
    """Run the checks inside the block as variant `number` (the grader sets it per submission)."""
    return _setting("variant", int(number))


def current_variant():
    return _settings["variant"]


def rng(seed):
    """The random generator a hidden check draws its inputs from.

    One family of inputs per seed, one member per variant: variant 0 (the students' kernels,
    every public check, and the build's first recording) gets exactly
    np.random.default_rng(seed); variant v > 0 gets np.random.default_rng([seed, v]), an
    independent stream. The autograder gives each student one variant, and the reference
    values are recorded for every variant at build time, so a check written as

        x = rng(201).normal(size=(5, 4))
        ref.close("dense/hidden", call(dense_forward, x, W, b), "z for x of shape (5, 4)")

    compares each student's result with the solution's on that student's own x.
    """
    rng_seeds.append(seed)
    v = _settings["variant"]
    return np.random.default_rng(seed if v == 0 else [seed, v])


def _name_of(fn):
    return getattr(fn, "__name__", None) or "the function"


def _student_frames(tb):
    """Keep the frames of the student's own code (notebook cells), drop ours and numpy's."""
    frames = traceback.extract_tb(tb)
    own = [f for f in frames if _is_student_file(f.filename)]
    return own or frames[-1:]


def _is_student_file(filename):
    return (filename.startswith("<cell") or "ipykernel_" in filename
            or filename.startswith("<ipython-input"))


def describe_exception(exc):
    """`ValueError: ...` plus the student's own lines where it happened."""
    lines = [f"{type(exc).__name__}: {exc}"]
    for f in _student_frames(exc.__traceback__):
        where = "your code" if _is_student_file(f.filename) else Path(f.filename).name
        lines.append(f"  in {f.name}, line {f.lineno} of {where}: {(f.line or '').strip()}")
    return "\n".join(lines)


_KNOWN_ERRORS = {n for n in dir(builtins) if isinstance(getattr(builtins, n), type)
                 and issubclass(getattr(builtins, n), BaseException)} | {"LinAlgError", "AxisError"}
_NUMPY_WARNING = re.compile(r"^(RuntimeWarning: )?(overflow|underflow|divide by zero|invalid value) "
                            r"encountered in ")


def _exception_without_message(text):
    """What a hidden check shows of an exception raised in the sandbox: its type only. Its
    message (and anything else written there) could carry the hidden inputs out."""
    kind = text.split(":", 1)[0].strip()
    kind = kind if kind in _KNOWN_ERRORS else "an exception"
    return (f"{kind} (a hidden check does not show the message: it could contain the hidden "
            "inputs; run the public checks, or call the function on inputs of the sizes above)")


def shown_warning(text):
    """A warning from the sandbox as a hidden check may show it: the kind of numpy's own
    warnings only (its words could spell out the inputs)."""
    if _settings["show_values"]:
        return text
    match = _NUMPY_WARNING.match(text)
    if match:
        return f"RuntimeWarning: {match.group(2)} encountered (a hidden check does not show the rest)"
    return "a warning (a hidden check does not show its text)"


def call(fn, *args, **kwargs):
    """Call the student's `fn(*args, **kwargs)` and return its result.

    Raises CheckFailure with a readable message when the function is missing, raises, or
    returns the stub's placeholder.
    """
    name = _name_of(fn)
    if fn is None:
        raise CheckFailure("The function is not defined: run the cell that defines it first.")
    if not callable(fn):
        raise CheckFailure(f"{name} should be a function, but it is a {type(fn).__name__}.")
    try:
        out = fn(*args, **kwargs)
    except CheckFailure:
        raise
    except Exception as exc:  # the student's own error, shown trimmed to their code
        message = getattr(exc, "student_message", None) or describe_exception(exc)
        if getattr(exc, "from_student", False) and not _settings["show_values"]:
            message = _exception_without_message(message)
        raise CheckFailure(f"Calling {name} failed:\n{message}") from None
    if out is Ellipsis or out is None:
        raise CheckFailure(f"{name} returned {out!r}: {STUB_MARK} (or a `return` is missing).")
    return out


def call_quietly(fn, *args, **kwargs):
    """Like `call`, and fail if the call raised a warning (overflow, divide by zero, ...)."""
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = call(fn, *args, **kwargs)
    if caught:
        first = str(caught[0].message)
        if ":" not in first.split(" ")[0]:
            first = f"{caught[0].category.__name__}: {first}"
        raise CheckFailure(f"{_name_of(fn)} raised a warning: {first}\n  Likely cause: an "
                           "overflow in exp() or a log/division of zero; rewrite the formula so "
                           "that no intermediate value is huge (see the notes on stability).")
    return out


def _snapshot(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _snapshot(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(v) for v in value)
    return value


def _same(a, b):
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if not isinstance(b, (int, float, complex, str, bytes, np.generic)) or b is None:
        return True   # functions, generators (drawing from one is allowed), None
    if isinstance(b, (float, complex, np.inexact)) and isinstance(a, type(b)) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:
        return False


def call_unchanged(fn, *args, **kwargs):
    """Like `call`, and fail if the function changed any of its arguments (positional or
    keyword): arrays, dicts, lists and the numbers in them."""
    before = [_snapshot(a) for a in args]
    before_kw = {k: _snapshot(v) for k, v in kwargs.items()}
    out = call(fn, *args, **kwargs)
    # in the autograder `fn` runs in a sandbox and reports its arguments as it left them;
    # in the student's kernel the arguments themselves are what it changed
    after, after_kw = getattr(fn, "last_arguments", None) or (args, kwargs)
    changed = [f"argument number {i + 1}" for i, (old, new) in enumerate(zip(before, after)) if not _same(new, old)]
    changed += [f"argument `{k}`" for k, old in before_kw.items() if k not in after_kw or not _same(after_kw[k], old)]
    if changed:
        raise CheckFailure(
            f"{_name_of(fn)} modified its {changed[0]} in place. Functions must "
            "not change their inputs: work on a copy (for example `x = x.copy()`) or build "
            "a new array (`a = a + b` instead of `a += b`).")
    return out


def returned(out, names, fn_name):
    """`out` as a tuple, after checking that the function returned one value per name.

    returned(call(loss_and_grads, x, y, params), ("J", "grads"), "loss_and_grads") -> (J, grads)
    """
    names = tuple(names)
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        raise CheckFailure(f"{fn_name} should return a tuple ({', '.join(names)})" + _got(f", got {_describe(out)}") + ".")
    return tuple(out)


def arrays_like(got, like, what):
    """Check that `got` is a dict with an array of the shape of like[k] for every key k of `like`
    (the parameters: their gradients come back in this form) and return it."""
    if not isinstance(got, dict):
        raise CheckFailure(f"{what} should be a dict with the keys {sorted(like)}" + _got(f", got {type(got).__name__}") + ".")
    missing = sorted(set(like) - set(got), key=repr)
    if missing:
        raise CheckFailure(f"{what} has no entries {missing}: it needs one per parameter"
                           + _got(f" (got the keys {sorted(got, key=repr)})") + ".")
    for k in like:
        if np.shape(got[k]) != np.shape(like[k]):
            raise CheckFailure(f"{what}[{k!r}] should have the shape of {k}, {np.shape(like[k])}"
                               + _got(f", got {np.shape(got[k])}") + ".")
    return got


def central_differences(f, point, name, h=1e-5):
    """The numerical gradient of the number f(point) with respect to the array point[name]:
    (f(.. + h e_i ..) - f(.. - h e_i ..)) / 2h, entry by entry. `point` is a dict name -> array
    and is not changed (f gets copies)."""
    base = np.asarray(point[name], dtype=np.float64)
    grad = np.zeros_like(base)
    for i in np.ndindex(base.shape):
        values = []
        for step in (h, -h):
            moved = base.copy()
            moved[i] += step
            values.append(float(f({**{k: np.copy(v) for k, v in point.items()}, name: moved})))
        grad[i] = (values[0] - values[1]) / (2 * h)
    return grad


def check_gradients(key, grads, loss, point, what, *, h=1e-5, rtol=1e-5, atol=1e-8, batch=None, order=None):
    """The per-tensor numerical gradient check, anchored to the reference.

    grads: the student's gradients, a dict name -> array, or a tuple in the order of `point`
    loss:  f(point) -> the reference's number at a changed point (for example the solution's loss,
           or sum(dout * forward(...))). It runs only when the autograder is built: its central
           differences are recorded under `key/<name>`, so the check depends on the student's
           gradients alone, and a loss and a gradient that are wrong together cannot pass.
    point: dict name -> array, where the gradient is taken
    what:  f(name) -> how to name grads[name] for the student, e.g. "grads['W2'], the weights of layer 2"
    order: the names to compare, in this order (default: those of `point`)

        ref.close("lg/J", J, "the loss J")   # the loss first: the gradients are compared with its slope
        check_gradients("lg/numerical", grads, lambda p: call(loss_and_grads, x, y, p)[0], params,
                        lambda k: f"grads[{k!r}]", batch=N)
    """
    if not isinstance(grads, dict):
        grads = dict(zip(point, grads))
    for name in order or point:
        numerical = ref.value(f"{key}/{name}", lambda: central_differences(loss, point, name, h))
        assert_close(grads.get(name), numerical,
                     f"{what(name)}, compared with central differences (h = {h}) of the reference",
                     rtol=rtol, atol=atol, batch=batch)


# ---------------------------------------------------------------- comparing values

def _fmt(v):
    return np.array2string(np.asarray(v), precision=4, threshold=8, edgeitems=2,
                           suppress_small=False).replace("\n", " ")


def _as_array(got, what):
    if isinstance(got, (bool, int, float, complex, np.number, np.bool_, np.ndarray, list, tuple)):
        try:
            arr = np.asarray(got)
        except Exception:
            raise CheckFailure(f"{what}: could not turn the result into an array.") from None
        if arr.dtype == object:
            raise CheckFailure(f"{what}: the result is not a numeric array (it has ragged or "
                               "mixed entries).")
        if arr.dtype.kind not in "biufc":   # numbers (timedelta64 counts as an integer to numpy)
            raise CheckFailure(f"{what}: expected numbers" + _got(f", got an array of dtype {arr.dtype}") + ".")
        return arr
    raise CheckFailure(f"{what}: expected a numpy array or a number, got {type(got).__name__}.")


def _proportional(a, e):
    """The factor s with a == s * e, if there is one (else None)."""
    ee = float(np.vdot(e, e))
    if ee == 0 or not np.all(np.isfinite(a)):
        return None
    s = float(np.vdot(a, e)) / ee
    if np.allclose(a, s * e, rtol=1e-6, atol=1e-12 * max(1.0, np.abs(e).max())):
        return s
    return None


def _factor_hint(s, batch, scalar=False):
    """The known cause of a result s times the expected one. For two numbers any ratio is "a
    constant factor", so for scalars only a known factor is named."""
    near = lambda t: abs(s - t) <= 1e-6 * max(1.0, abs(t))
    if batch and batch > 1:
        if near(batch):
            return (f"it is {batch} times too large ({batch} is the batch size N): did you forget "
                    "to average over the batch (divide by N)?")
        if near(1 / batch):
            return (f"it is {batch} times too small ({batch} is the batch size N): did you divide "
                    "by N twice, or average where a sum is needed?")
    if near(-1):
        return "it has the wrong sign: check the sign of your formula (y_hat - y versus y - y_hat)."
    if near(2):
        return "it is exactly twice the expected value: is a term counted twice, or a factor 1/2 missing?"
    if near(0.5):
        return "it is exactly half the expected value: is a factor 2 missing, or a 1/2 too many?"
    if near(0):
        return "it is 0." if scalar else "it is all zeros."
    if scalar:
        return None
    if not _settings["show_values"]:
        return "it is the expected value times a constant: a constant factor is wrong."
    return f"it is the expected value times {s:.6g}: a constant factor is wrong."


def _shape_hint(a, e, batch, rtol, atol):
    if a.shape == e.shape[::-1] and a.ndim == 2 and np.allclose(a.T, e, rtol=rtol, atol=atol):
        return "your result is the transpose of the expected one: a transpose (.T) is missing or extra."
    if a.ndim == e.ndim + 1:
        for axis in range(a.ndim):
            if a.shape[:axis] + a.shape[axis + 1:] == e.shape:
                for red, word in ((np.sum, "sum"), (np.mean, "mean")):
                    if np.allclose(red(a, axis=axis), e, rtol=rtol, atol=atol):
                        return (f"taking the {word} of your result over axis {axis} gives the expected "
                                f"value: did you forget to sum over the batch (axis {axis})?")
        return "it has one dimension too many: is a sum over the batch (axis 0) missing?"
    if a.ndim + 1 == e.ndim and batch and e.shape[0] == batch:
        return "it has one dimension too few: did you sum or average over the batch where you should not?"
    if a.size == e.size:
        return "it has the right number of entries in the wrong shape: check reshapes, transposes and keepdims."
    if batch and batch in a.shape and batch not in e.shape:
        return (f"one of its dimensions is the batch size {batch}: did you sum over the wrong axis "
                "(the batch is axis 0)?")
    return None


def _got(text):
    """`text` (it describes the student's value) in a public check; nothing in a hidden one: a
    value's shape, dtype, keys or counts could carry the hidden inputs out."""
    return text if _settings["show_values"] else ""


def assert_close(got, expected, what, *, rtol=1e-6, atol=1e-8, batch=None, alternatives=None):
    """Fail with a diagnosis unless `got` matches `expected` (arrays, numbers, tuples, dicts).

    what: how to name the value for the student, e.g. "dW of layer 2".
    batch: the batch size N of the inputs, to recognise a missing or extra 1/N.
    alternatives: {cause: value} known wrong answers; if `got` matches one, the cause is named.
    """
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise CheckFailure(f"{what}: expected a dict with keys {sorted(expected, key=repr)}, got {type(got).__name__}.")
        missing = sorted(set(expected) - set(got), key=repr)
        if missing:
            raise CheckFailure(f"{what}: keys {missing} are missing" + _got(f" (got keys {sorted(got, key=repr)})") + ".")
        for k in expected:
            alts = {c: v[k] for c, v in (alternatives or {}).items() if isinstance(v, dict) and k in v}
            assert_close(got[k], expected[k], f"{what}[{k!r}]", rtol=rtol, atol=atol, batch=batch,
                         alternatives=alts)
        return
    if isinstance(expected, (tuple, list)) and not _is_numeric_sequence(expected):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            raise CheckFailure(f"{what}: expected a tuple of {len(expected)} values" + _got(f", got {_describe(got)}") + ".")
        for i, (g, e) in enumerate(zip(got, expected)):
            alts = {c: v[i] for c, v in (alternatives or {}).items() if isinstance(v, (tuple, list))}
            assert_close(g, e, f"{what}[{i}]", rtol=rtol, atol=atol, batch=batch, alternatives=alts)
        return
    if isinstance(expected, str):
        if got != expected:
            shown = f"expected {expected!r}, got {got!r}" if _settings["show_values"] else "not the expected answer"
            raise CheckFailure(f"{what}: {shown}.")
        return
    e = np.asarray(expected)
    a = _as_array(got, what)
    if a.shape != e.shape:
        hint = _shape_hint(a, e, batch, rtol, atol)
        raise CheckFailure(f"{what}: wrong shape" + _got(f": got {a.shape}") + f", expected {e.shape}."
                           + (f"\n  Likely cause: {hint}" if hint else ""))
    if np.issubdtype(e.dtype, np.floating) and a.dtype != e.dtype and a.dtype.kind == "f":
        raise CheckFailure(f"{what}: wrong dtype" + _got(f": got {a.dtype}") + f", expected {e.dtype} (keep float64).")
    bad = ~np.isfinite(a) if np.issubdtype(a.dtype, np.inexact) else np.zeros(a.shape, bool)
    if bad.any() and not (~np.isfinite(e))[bad].all():
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
        kind = "NaN" if np.isnan(a[idx] if a.ndim else a) else "inf"
        raise CheckFailure(
            f"{what}: contains " + (f"{int(bad.sum())} non-finite value(s) ({kind} first at index {idx})"
                                    if _settings["show_values"] else "non-finite values (nan or inf)")
            + " where finite values are expected.\n  Likely cause: an overflow (exp of a large number) "
            "or log(0) / division by zero; see the notes on numerical stability.")
    if np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
        return
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    differ = ~np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=True)
    rel = np.abs(a64 - e64) / np.maximum(np.abs(a64) + np.abs(e64), 1e-12)
    worst = np.unravel_index(int(np.argmax(np.where(differ, rel, -1))), a.shape) if a.ndim else ()
    if not _settings["show_values"]:  # hidden checks: say how it differs, not what the answer is
        lines = [f"{what}: wrong value." if a.ndim == 0 else f"{what}: wrong values."]
    elif a.ndim == 0:
        lines = [f"{what}: got {a64[()]:.8g}, expected {e64[()]:.8g} (relative error {rel[()]:.2e})."]
    else:
        lines = [f"{what}: values differ in {int(differ.sum())} of {a.size} entries; largest relative "
                 f"error {rel[worst]:.2e} at index {tuple(int(i) for i in worst)}: got {a64[worst]:.6g}, "
                 f"expected {e64[worst]:.6g}."]
    if a.size > 1 and _settings["show_values"]:
        lines.append(f"  got      {_fmt(a64)}\n  expected {_fmt(e64)}")
    hint = None
    for cause, alt in (alternatives or {}).items():
        alt = np.asarray(alt)
        if alt.shape == a.shape and np.allclose(a64, alt, rtol=rtol, atol=atol):
            hint = cause
            break
    if hint is None:
        s = _proportional(a64, e64)
        hint = _factor_hint(s, batch, scalar=a.size == 1) if s is not None else None
    if hint is None and a.ndim == 2 and a.shape[0] == a.shape[1] and np.allclose(a64.T, e64, rtol=rtol, atol=atol):
        hint = "your result is the transpose of the expected one."
    if hint:
        lines.append(f"  Likely cause: {hint}")
    raise CheckFailure("\n".join(lines))


def _is_numeric_sequence(v):
    return all(isinstance(x, (int, float, np.number)) for x in v)


def _describe(v):
    if isinstance(v, np.ndarray):
        return f"an array of shape {v.shape}"
    if isinstance(v, (tuple, list)):
        return f"a {type(v).__name__} of length {len(v)}"
    return f"a {type(v).__name__}"


# ---------------------------------------------------------------- packing values (no pickles)

def pack(value) -> bytes:
    """Serialise arrays, numbers, strings, None and nested tuples/lists/dicts of them, as a file.

    Every value arrives as it left: Python and numpy scalars keep their type and dtype, 0-d
    arrays stay 0-d, lists stay lists and tuples tuples. The format is an .npz (numpy's zip of
    .npy files) plus a JSON description: it can carry numbers but never code, and `unpack`
    reads it with allow_pickle=False. (Values sent between processes use `wire`, the same
    description in a leaner frame.)
    """
    tree, arrays = _flatten(value)
    arrays["__tree__"] = np.array(json.dumps(tree))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # np.savez, minus the timestamps
        for key, arr in arrays.items():
            with zf.open(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w") as f:
                np.lib.format.write_array(f, arr, allow_pickle=False)
    return buf.getvalue()


# The frame of a value sent between the grader and a student's process: WIRE_MAGIC, the length of
# a JSON header (4 bytes, big-endian), the header {"tree": ..., "arrays": [[dtype, shape], ...]},
# then each array's bytes in C order, each starting at a multiple of 16 bytes. Reading one is a
# few slices: no zip, no .npy headers (a grader call makes thousands of these round trips).
WIRE_MAGIC = b"NNW1"
_WIRE_KINDS = "biufcSUMm"    # numbers, booleans, strings, dates: never objects or records
_WIRE_DTYPE = re.compile(r"[<>|=][biufcSUMm]\d{1,5}(\[\w{1,5}\])?")   # what dtype.str writes for those
WIRE_MAX_ARRAYS = 100_000    # each costs memory even when empty
WIRE_MAX_HEADER = 8 * 2**20  # parsed JSON takes many times its bytes (empty lists: about 20 times)
WIRE_MAX_NUMBER_KEYS = 1_000  # dict keys that are numbers (their hashes can be made to collide)


def wire(value) -> bytes:
    """`value` (what `pack` accepts) as one frame for a pipe; `from_wire` reads it."""
    tree, arrays = _flatten(value)
    specs, parts, offset = [], [], 0
    for arr in arrays.values():
        specs.append([arr.dtype.str, list(arr.shape)])
        pad = -offset % 16
        parts += [bytes(pad), arr.tobytes()]
        offset += pad + arr.nbytes
    header = json.dumps({"tree": tree, "arrays": specs}).encode()
    return b"".join([WIRE_MAGIC, len(header).to_bytes(4, "big"), header, *parts])


def from_wire(data: bytes, resolve=None):
    """Inverse of `wire`, for bytes that may come from anyone: a frame that is not exactly what
    `wire` writes raises ValueError before any array is made (the arrays are views of one
    writable copy of `data`, never larger than it)."""
    if data[:4] != WIRE_MAGIC or len(data) < 8:
        raise ValueError("not a value frame")
    n = int.from_bytes(data[4:8], "big")
    if 8 + n > len(data):
        raise ValueError("the header runs past the frame")
    if n > WIRE_MAX_HEADER:
        raise ValueError("the header is larger than any value needs")
    meta = json.loads(data[8:8 + n])
    if not isinstance(meta, dict) or not isinstance(meta.get("arrays"), list):
        raise ValueError("malformed header")
    if len(meta["arrays"]) > WIRE_MAX_ARRAYS:
        raise ValueError("too many arrays")
    body = bytearray(data[8 + n:])
    arrays, offset = {}, 0
    for i, spec in enumerate(meta["arrays"]):
        if not (isinstance(spec, list) and len(spec) == 2 and isinstance(spec[0], str)
                and isinstance(spec[1], list) and len(spec[1]) <= 32
                and all(type(d) is int and d >= 0 for d in spec[1])):
            raise ValueError("malformed array description")
        if not _WIRE_DTYPE.fullmatch(spec[0]):   # before np.dtype, which parses records of any size
            raise ValueError("malformed dtype")
        dtype = np.dtype(spec[0])
        if dtype.kind not in _WIRE_KINDS or dtype.hasobject or dtype.fields or dtype.subdtype \
                or dtype.itemsize == 0:
            raise ValueError(f"arrays of dtype {spec[0]!r} are not sent")
        count = 1
        for d in spec[1]:
            count *= d
        offset += -offset % 16
        if count * dtype.itemsize > len(body) - offset:
            raise ValueError("an array runs past the frame")
        arrays[f"a{i}"] = np.frombuffer(body, dtype, count, offset).reshape(spec[1])
        offset += count * dtype.itemsize
    if offset != len(body):
        raise ValueError("bytes left over after the arrays")
    return _build(meta["tree"], arrays, resolve, budget={"number_keys": WIRE_MAX_NUMBER_KEYS})


def _flatten(value):
    """(the JSON tree of `value`, {key: array}) for `pack` and `wire`."""
    arrays = {}

    def walk(v):
        if v is None or type(v) in (bool, str):
            return {"t": "lit", "v": v}
        if type(v) is int:  # any size: JSON integers are unbounded
            return {"t": "int", "v": str(v)}
        if type(v) is float:  # repr round-trips exactly, nan and infinities included
            return {"t": "float", "v": repr(v)}
        if type(v) is complex:
            return {"t": "complex", "v": [repr(v.real), repr(v.imag)]}
        if isinstance(v, (np.ndarray, np.generic)):  # before int/float: np.float64 is a float
            arr = np.asarray(v)
            if arr.dtype.hasobject:
                raise TypeError("an array of Python objects cannot be sent (use numbers)")
            if arr.dtype.fields or arr.dtype.subdtype or arr.dtype.kind not in _WIRE_KINDS:
                raise TypeError(f"an array of dtype {arr.dtype} cannot be sent (use numbers)")
            return {"t": "arr" if isinstance(v, np.ndarray) else "sca", "k": _put(arrays, arr)}
        if isinstance(v, (bool, str, int, float, complex)):  # subclasses: sent as the base type
            return walk(next(t for t in (bool, str, int, float, complex) if isinstance(v, t))(v))
        if isinstance(v, (tuple, list)):
            return {"t": "tuple" if isinstance(v, tuple) else "list", "v": [walk(x) for x in v]}
        if isinstance(v, np.random.Generator):  # travels as its bit generator's state
            state = v.bit_generator.state
            if state.get("bit_generator") != "PCG64":
                raise TypeError("only np.random.default_rng() generators (PCG64) can be sent")
            return {"t": "rng", "v": state}
        if callable(v):
            return {"t": "fn", "v": _callable_name(v)}
        if isinstance(v, dict):
            keys = [walk(k) for k in v]
            if any(k["t"] not in ("lit", "int", "float", "sca") for k in keys):
                raise TypeError("dict keys must be strings or numbers")
            return {"t": "dict", "v": [[k, walk(x)] for k, x in zip(keys, v.values())]}
        raise TypeError(f"a value of type {type(v).__name__} cannot be sent (use numpy arrays, "
                        "numbers, strings, tuples, lists or dicts)")

    return walk(value), arrays


def _put(arrays, arr):
    key = f"a{len(arrays)}"
    # a plain C-ordered copy that keeps 0-d arrays 0-d (np.ascontiguousarray makes them 1-d)
    arrays[key] = np.array(arr, order="C", subok=False)
    return key


def _callable_name(fn):
    """Functions travel by name: a HELPERS entry or a global of the student's notebook."""
    for name, helper_fn in HELPERS.items():
        if fn is helper_fn:
            return ["helper", name]
    if getattr(fn, "student_global", None):
        return ["global", fn.student_global]
    raise TypeError("only nncheck.helper(...) functions and the notebook's own functions can be sent")


def unpack(data: bytes, resolve=None):
    """Inverse of pack. `resolve(kind, name)` turns a function reference into a function;
    without it a function reference is refused."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return _build(json.loads(str(arrays.pop("__tree__"))), arrays, resolve)


def _build(node, arrays, resolve=None, budget=None):
    """The value of a tree `node` whose arrays are in `arrays` (each used once: a key named twice
    is refused, so a frame never stands for more data than it holds). `budget` bounds what a frame
    from anyone may ask for: {"number_keys": how many dict keys may be numbers}."""
    t = node["t"]
    if t == "rng":
        state = node["v"]
        inner = state.get("state") if isinstance(state, dict) else None
        if not (isinstance(inner, dict) and state.get("bit_generator") == "PCG64"
                and all(type(inner.get(k)) is int and 0 <= inner[k] < 2**128 for k in ("state", "inc"))
                and state.get("has_uint32") in (0, 1) and type(state.get("uinteger")) is int
                and 0 <= state["uinteger"] < 2**32):
            raise ValueError("malformed generator state")
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = state
        return rng
    if t == "fn":
        if resolve is None:
            raise ValueError("a function reference was received where only data is allowed")
        return resolve(*node["v"])
    if t == "lit":
        return node["v"]
    if t == "int":
        return int(node["v"])
    if t == "float":
        return float(node["v"])
    if t == "complex":
        return complex(float(node["v"][0]), float(node["v"][1]))
    if t == "arr":
        return arrays.pop(node["k"])
    if t == "sca":
        return arrays.pop(node["k"])[()]
    if t in ("tuple", "list"):
        items = [_build(x, arrays, resolve, budget) for x in node["v"]]
        return tuple(items) if t == "tuple" else items
    if t == "dict":
        if budget is not None:
            budget["number_keys"] -= sum(1 for k, _ in node["v"] if not (k["t"] == "lit" and isinstance(k["v"], str)))
            if budget["number_keys"] < 0:
                raise ValueError("too many dict keys that are numbers")
        return {_build(k, arrays, resolve, budget): _build(x, arrays, resolve, budget) for k, x in node["v"]}
    raise ValueError(f"unknown node type {t!r}")


# ---------------------------------------------------------------- reference values

class Reference:
    """Expected values by key.

    mode "record": `close` stores what it is given (the build runs the solution through the tests).
    mode "check": `close` compares with the stored value (the student's kernel, the autograder).
    """

    def __init__(self, mode="check", values=None, path=None):
        self.mode = mode
        self.values = dict(values or {})
        self.path = path
        self.recorded_by = {}  # key -> test name, in record mode
        self.current_test = None

    @classmethod
    def load(cls, path):
        path = Path(path)
        if not path.exists():
            return cls("check", {}, path)
        return cls("check", unpack(path.read_bytes()), path)

    def save(self, path, keys=None):
        keep = {k: v for k, v in self.values.items() if keys is None or k in keys}
        Path(path).write_bytes(pack(keep))

    def _expected(self, key):
        if key not in self.values:
            where = self.path or "the reference values"
            raise CheckFailure(f"No reference value {key!r} in {where}: the checks are out of date "
                               "with the notebook; ask your instructor.")
        return self.values[key]

    @staticmethod
    def stored_key(key):
        """Where the value of `key` is kept for the current variant: `key` itself for variant 0
        (what students' kernels and public checks read), `key@v` for variant v."""
        v = _settings["variant"]
        return key if v == 0 else f"{key}@{v}"

    def close(self, key, got, what, **options):
        """Compare `got` with the reference value `key` (see assert_close for the options)."""
        key = self.stored_key(key)
        if self.mode == "record":
            self.values[key] = _snapshot(got)
            self.recorded_by[key] = self.current_test
            return
        assert_close(got, self._expected(key), what, **options)

    def alt(self, key, thunk):
        """A known wrong answer, computed from the solution at build time (thunk runs only then)."""
        key = self.stored_key(key)
        if self.mode == "record":
            self.values[key] = _snapshot(thunk())
            self.recorded_by[key] = self.current_test
        return self._expected(key)

    def value(self, key, thunk):
        """A reference value the test uses directly (computed at build time, stored)."""
        return self.alt(key, thunk)


def _default_reference():
    here = Path(__file__).resolve().parent
    return Reference.load(here / "public_expected.npz")


ref = _default_reference()


# ---------------------------------------------------------------- named helper functions

def helper(name):
    """A fixed function to pass to student code that takes functions as arguments.

    Tests use `helper("tanh")` rather than a lambda so that the autograder can send the function
    by name to the process running the student's code.
    """
    fn = HELPERS[name]
    return fn


def _sigmoid(z):
    return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))


HELPERS = {
    "tanh": np.tanh,
    "tanh_grad": lambda z: 1 - np.tanh(z) ** 2,
    "sigmoid": _sigmoid,
    "sigmoid_grad": lambda z: _sigmoid(z) * (1 - _sigmoid(z)),
    "sin": np.sin,
    "cos": np.cos,
    "cube": lambda z: np.asarray(z, dtype=float) ** 3,
    "cube_grad": lambda z: 3 * np.asarray(z, dtype=float) ** 2,
    "identity": lambda z: np.asarray(z, dtype=float) * 1.0,
    "identity_grad": lambda z: np.ones_like(np.asarray(z, dtype=float)),
    # scalar functions of an array, for numerical_gradient
    "sum_sin": lambda x: float(np.sum(np.sin(x))),
    "weighted_cubes": lambda x: float(np.sum(np.arange(1, np.size(x) + 1).reshape(np.shape(x)) * np.asarray(x) ** 3)),
    "log_sum_exp": lambda x: float(np.log(np.sum(np.exp(x)))),
}
for _name, _fn in HELPERS.items():
    try:
        _fn.__name__ = _name
    except (AttributeError, TypeError):
        pass


DATA_DIRS = []  # where the grader keeps the assignment's files (set by the build and the engine)
GRADER_DATA_DIRS = []  # where the grader keeps data that students never get (grader_data/)
grader_data_loads = []  # file names load_grader_data served, in order (the build checks who asks)


def _load_npz(folders, filename):
    for folder in folders:
        if (Path(folder) / filename).exists():
            with np.load(Path(folder) / filename, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
    return None


def load_data(filename):
    """Load an .npz data file that ships with the assignment (next to this file, or in the
    grader's copy of the assignment's files)."""
    data = _load_npz([Path(__file__).resolve().parent, *DATA_DIRS], filename)
    if data is None:
        raise FileNotFoundError(f"{filename} is missing: it ships with the assignment")
    return data


def load_grader_data(filename):
    """Load an .npz file of the assignment's grader_data/: data that only the autograder has
    (held-out examples), for hidden checks. Students' kernels never have it."""
    data = _load_npz(GRADER_DATA_DIRS, filename)
    if data is None:
        raise FileNotFoundError(f"{filename} is grader-only data: hidden checks only")
    grader_data_loads.append(filename)
    return data

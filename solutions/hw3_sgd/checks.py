"""What the hidden checks of hw3_sgd share (the autograder zip only; students never get it).

A hidden test that declares a parameter `checks` receives this module (docs/authoring.md).
Hidden messages never print a value the student's code chose: only the check's own constants.

Training is judged on problems generated here at grading time (`digits_like`), never on the
public digits: data a student has had, under any invertible transform (renamed classes,
reordered pixels), can be looked up and answered with weights trained beforehand.
"""
import numpy as np

import nncheck

CHANCE = float(np.log(10))  # the loss of guessing among 10 classes


# ---------------------------------------------------------------- inputs

def network(rng, sizes):
    """Parameters {"W1", "b1", ...} of a dense network with these layer sizes, standard normal
    (non-zero biases), drawn from rng."""
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(size=(sizes[l - 1], sizes[l]))
        params[f"b{l}"] = rng.normal(size=sizes[l])
    return params


def network_and_grads(rng, sizes):
    """(params, grads): a network as `network` draws it and standard normal gradients of its shapes."""
    params = network(rng, sizes)
    return params, {k: rng.normal(size=v.shape) for k, v in params.items()}


def digits_like(rng, n_train, n_test=0):
    """A problem like the 8x8 digits that nobody has seen: (x, y, x_test, y_test).

    10 classes of 8x8 images (rows of 64 values in [0, 1], in steps of 1/16 like the digits / 16).
    Each class has two styles; a style is three pen strokes (segments between random points of the
    grid). An example of a class takes one of its styles, moves every stroke end a little (sd 0.25
    pixels) and the whole image a little (sd 0.25 pixels), draws the strokes with a soft pen, and
    adds pixel noise (sd 0.08). Everything is drawn from `rng` (a check passes nncheck.rng(seed): each
    variant gets its own problem, the same at every regrade); x_test is a held-out draw of the same classes.
    The reference learns it (lr 0.5, 40 epochs, [64, 128, 10]) to about 0.99 held-out accuracy
    (bench/hw3_fresh_problems.py); weights trained on the digits score at chance.
    """
    grid = np.stack(np.mgrid[0:8, 0:8], axis=-1).reshape(64, 2).astype(np.float64)
    strokes = rng.uniform(0.5, 6.5, size=(10, 2, 3, 2, 2))   # class, style, stroke, end, (row, col)

    def draw(n):
        y = rng.integers(0, 10, size=n)
        ends = (strokes[y, rng.integers(0, 2, size=n)] + rng.normal(0, 0.25, size=(n, 3, 2, 2))
                + rng.normal(0, 0.25, size=(n, 1, 1, 2)))
        a, ab = ends[:, :, None, 0], ends[:, :, None, 1] - ends[:, :, None, 0]     # (n, 3, 1, 2)
        t = np.clip(((grid - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-9), 0.0, 1.0)
        dist2 = ((a + t[..., None] * ab - grid) ** 2).sum(-1)                        # (n, 3, 64)
        x = np.exp(-dist2 / 0.72).sum(axis=1) + rng.normal(0, 0.08, size=(n, 64))
        return np.round(np.clip(x, 0.0, 1.0) * 16) / 16, y

    x, y = draw(n_train)
    x_test, y_test = draw(n_test)
    return x, y, x_test, y_test


# ---------------------------------------------------------------- what the functions returned

def params_like(got, like, what):
    """`got` as a dict of float64 arrays with the keys and shapes of `like` (else fail, naming only
    the expected keys and shapes)."""
    assert isinstance(got, dict), f"{what} should be a dict with one array per parameter (W1, b1, ...)."
    nncheck.arrays_like(got, like, what)
    try:
        return {k: np.asarray(got[k], dtype=np.float64) for k in like}
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should hold arrays of numbers.") from None


def updated_every_key(new, params):
    """sgd_step's result: every parameter changed (the step reached every key)."""
    new = params_like(new, params, "the result of sgd_step")
    for k in params:
        assert not np.array_equal(new[k], params[k]), (
            "a parameter did not change: sgd_step must update every parameter, the biases b too, each "
            "with the gradient of the same name.")


def batches(out, n, batch_size):
    """minibatches' result as a list of 1-D int64 arrays (else fail on its form)."""
    call = f"minibatches({n}, {batch_size}, rng)"
    assert isinstance(out, (list, tuple)), f"{call} should return a list of index arrays."
    assert len(out) > 0, f"{call} returned no batches."
    result = []
    for b in out:
        b = np.asarray(b)
        assert b.ndim == 1, f"{call}: each batch should be a 1-D array of indices."
        assert b.size == 0 or np.issubdtype(b.dtype, np.integer), (
            f"{call}: indices must be integers (rng.permutation(n) gives int64).")
        result.append(b.astype(np.int64))
    return result


def _flat_batches(out, n, batch_size):
    assert isinstance(out, (list, tuple)), f"minibatches({n}, {batch_size}, rng) should return a list of index arrays."
    return [np.ravel(np.asarray(b)).astype(np.int64) for b in out]


def partition(out, n, batch_size):
    """Together the batches hold every index 0..n-1 exactly once."""
    call = f"minibatches({n}, {batch_size}, rng)"
    every = np.concatenate(batches(out, n, batch_size))
    assert np.all((every >= 0) & (every < n)), f"{call}: an index is out of range: the indices go from 0 to n - 1 = {n - 1}."
    counts = np.bincount(every, minlength=n)
    assert counts.max() <= 1, (f"{call}: an index appears more than once in one epoch. Sample without replacement, "
                               "e.g. rng.permutation(n), so that every example is used exactly once per epoch.")
    if counts.min() == 0:
        raise AssertionError(f"{call}: some of the {n} indices never appear. Every example must be in exactly one "
                             "batch per epoch. Is the last partial batch dropped? It must be kept, even when it "
                             "is smaller.")


def batch_sizes(out, n, batch_size):
    """Every batch has batch_size indices but the last, which has the rest."""
    call = f"minibatches({n}, {batch_size}, rng)"
    sizes = [b.size for b in _flat_batches(out, n, batch_size)]
    full, rest = divmod(n, batch_size)
    expected = [batch_size] * full + ([rest] if rest else [])
    if rest and sizes == [batch_size] * full:
        raise AssertionError(f"{call} dropped the last partial batch: expected {len(expected)} batches, the last "
                             f"with {rest} examples. Keep the last, smaller batch: those examples must be trained on too.")
    assert 0 not in sizes, (f"{call} returned an empty batch: when batch_size divides n there is no partial batch "
                            "at the end.")
    assert sizes == expected, (f"{call}: expected batch sizes {expected} (every batch has batch_size indices except "
                               "the last, which has the rest).")


def shuffled(minibatches, n, batch_size, rngs):
    """The order is random, within the batches too, and comes from the rng: rngs = (a generator,
    one made from the same seed, one from another seed) give the same batches, then other ones."""
    call = f"minibatches({n}, {batch_size}, rng)"
    first = _flat_batches(nncheck.call(minibatches, n, batch_size, rngs[0]), n, batch_size)
    assert len(first) > 0, f"{call} returned no batches."
    flat = np.concatenate(first)
    assert not np.array_equal(flat, np.arange(flat.size)), (
        f"{call} returned the indices in order 0, 1, 2, ...: the examples are not shuffled. Shuffle them with the "
        "given rng (e.g. rng.permutation(n)) so that every epoch sees them in a new random order.")
    assert not all(np.all(np.diff(b) == 1) for b in first), (
        f"{call}: every batch is a run of consecutive indices, so only the order of the batches is random. "
        "Shuffle the examples themselves (e.g. rng.permutation(n)), then cut.")
    again = np.concatenate(_flat_batches(nncheck.call(minibatches, n, batch_size, rngs[1]), n, batch_size)
                           or [np.zeros(0, np.int64)])
    assert np.array_equal(flat, again), (
        "two generators with the same seed gave different batches: take the random order from the rng "
        "argument (rng.permutation(n) or rng.shuffle), not from np.random.")
    other = np.concatenate(_flat_batches(nncheck.call(minibatches, n, batch_size, rngs[2]), n, batch_size)
                           or [np.zeros(0, np.int64)])
    assert not np.array_equal(flat, other), (
        "generators with different seeds gave the same batches: the order must come from the rng "
        "argument, not from a fixed seed inside minibatches.")


def initial(params, sizes):
    """init_params' result: the keys, shapes and dtype of a network with these layer sizes, finite."""
    call = f"init_params({sizes}, rng)"
    L = len(sizes) - 1
    keys = sorted([f"W{l}" for l in range(1, L + 1)] + [f"b{l}" for l in range(1, L + 1)])
    assert isinstance(params, dict) and sorted(params) == keys, f"{call}: a network with {L} layers has the keys {keys}."
    for l in range(1, L + 1):
        for k, shape in ((f"W{l}", (sizes[l - 1], sizes[l])), (f"b{l}", (sizes[l],))):
            v = np.asarray(params[k])
            hint = " Biases are 1-D arrays of shape (M,)." if k[0] == "b" else ""
            assert v.shape == shape, f"{call}: {k} should have shape {shape}.{hint}"
            assert v.dtype == np.float64, f"{call}: {k} should have dtype float64."
            assert np.all(np.isfinite(v)), f"{call}: {k} contains nan or inf."
    return params


def scaled(params, sizes):
    """Every W{l} has mean about 0 and a standard deviation between a third of sqrt(1/fan_in) and
    three times sqrt(2/fan_in)."""
    call = f"init_params({sizes}, rng)"
    assert isinstance(params, dict), f"{call} should return a dict."
    for l in range(1, len(sizes)):
        assert f"W{l}" in params, f"{call} has no W{l}."
        W = np.asarray(params[f"W{l}"], dtype=np.float64)
        fan_in = sizes[l - 1]
        low, high = np.sqrt(1.0 / fan_in), np.sqrt(2.0 / fan_in)
        std, mean = float(W.std()), float(W.mean())
        advice = (f"For a deep network to train, the entries of W{l} should have a standard deviation of about "
                  f"sqrt(1/fan_in) = {low:.4f} to sqrt(2/fan_in) = {high:.4f} (fan_in = {fan_in}, the rows of W{l}), "
                  "e.g. rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out)).")
        assert std > 0, f"W{l} of {call} is constant: draw the weights at random from rng."
        assert std >= low / 3, (f"W{l} of {call} has a standard deviation that is too small: the signal and the "
                                f"gradients shrink layer by layer (they vanish). {advice}")
        assert std <= 3 * high, (f"W{l} of {call} has a standard deviation that is too large: activations grow "
                                 f"layer by layer and sigmoids saturate. {advice}")
        assert abs(mean) <= 0.25 * std, (f"W{l} of {call} is not centred on zero: the weights should be negative "
                                         "and positive, with mean 0.")


def random_layers(init_params, sizes, rngs):
    """init_params draws every layer anew from the rng: no zero or repeated layer; rngs = (a
    generator, one made from the same seed, one from another seed) give the same weights, then others."""
    call = f"init_params({sizes}, rng)"
    params = nncheck.call(init_params, sizes, rngs[0])
    Ws = [f"W{l}" for l in range(1, len(sizes))]
    assert isinstance(params, dict) and all(k in params for k in Ws), f"{call} should return a dict with {Ws} and the biases."
    for l in range(1, len(sizes)):
        assert np.any(np.asarray(params[f"W{l}"]) != 0), (f"W{l} is all zeros: every hidden unit would compute the same "
                                                    "thing and get the same gradient. Draw random weights from rng.")
    for i, a in enumerate(Ws):
        for b in Ws[i + 1:]:
            assert not np.array_equal(params[a], params[b]), (
                f"{a} and {b} (both of shape {(sizes[0], sizes[1])}) are identical: draw new random numbers for every "
                "layer from the one rng (do not create a new generator with a fixed seed for each layer).")
    same = nncheck.call(init_params, sizes, rngs[1])
    assert isinstance(same, dict) and all(np.array_equal(params[k], same.get(k)) for k in params), (
        "init_params gave different weights for two generators with the same seed: draw from the rng "
        "argument, not from np.random.")
    other = nncheck.call(init_params, sizes, rngs[2])
    assert not (isinstance(other, dict) and np.array_equal(params["W1"], other.get("W1"))), (
        "init_params gave the same weights for generators with different seeds: draw from the rng argument.")


def labels(out):
    """predict's result: one integer label per row."""
    assert np.ndim(out) == 1, ("predict should return one label per row (a 1-D array): np.argmax(logits, axis=1), "
                               "not the scores or probabilities.")
    assert np.issubdtype(np.asarray(out).dtype, np.integer), "labels are integers (np.argmax gives int64)."
    return out


# ---------------------------------------------------------------- what train returned

def trained(train, x, y, sizes, lr, epochs, batch_size, seed, hidden=None, seconds=60):
    """Call train(x, y, sizes, lr, epochs, batch_size, seed[, hidden=hidden]) within `seconds`;
    check the form of (params, history); return (params as float64 arrays, history["loss"])."""
    kwargs = {} if hidden is None else {"hidden": hidden}
    with nncheck.time_limit(seconds):
        out = nncheck.call_unchanged(train, x, y, sizes, lr, epochs, batch_size, seed, **kwargs)
    params, history = nncheck.returned(out, ("params", "history"), "train")
    assert isinstance(params, dict), "the params that train returns should be a dict {'W1': ..., 'b1': ..., ...}."
    like = {}
    for l in range(1, len(sizes)):
        like[f"W{l}"], like[f"b{l}"] = np.zeros((sizes[l - 1], sizes[l])), np.zeros(sizes[l])
    nncheck.arrays_like(params, like, "the params that train returns")
    assert isinstance(history, dict) and "loss" in history, (
        "history should be a dict with the key 'loss': {'loss': [one value per epoch]}.")
    try:
        losses = np.asarray(history["loss"], dtype=np.float64).ravel()
        params = {k: np.asarray(params[k], dtype=np.float64) for k in like}
    except (TypeError, ValueError):
        raise AssertionError("train should return float arrays and history['loss'] a list of numbers, one "
                             "per epoch.") from None
    assert losses.size == epochs, f"train(..., epochs={epochs}, ...): history['loss'] should have one value per epoch."
    return params, losses


def steps_with_lr(train, x, y, sizes, batch_size, seed, what, hidden=None):
    """Train with lr=1e-6 for one epoch: steps of gradient descent that small leave the initial
    weights where they were, and weights drawn without looking at the labels give a loss of about
    ln(10) or more (the mean of -log p over 10 classes is at least ln 10). The grader's loss of the
    returned params must stay above half of that: a train that fits the labels anyway (a
    closed-form fit, weights from elsewhere) has not learned by steps of size lr. (Not the
    accuracy: with a zero output layer every logit ties, and the first tiny steps alone pick the
    argmax, right or wrong.)"""
    params, _ = trained(train, x, y, sizes, 1e-6, 1, batch_size, seed, hidden=hidden)
    assert not loss(params, x, y, hidden or "relu") < 0.5 * CHANCE, (
        f"{what}: with lr=1e-6 and one epoch, the params train returned already fit the training examples (a loss "
        "far below the ln(10) = 2.30 of guessing). train should learn by steps of gradient descent whose size is lr "
        "(w = w - lr * grad, one step per mini-batch, `epochs` passes over the data), not fit the weights some other way.")


def forward(params, x, hidden="relu"):
    """The grader's own forward pass (not the student's): the logits of params for x."""
    f = {"relu": lambda v: np.maximum(v, 0.0), "tanh": np.tanh,
         "sigmoid": lambda v: 0.5 * (1 + np.tanh(0.5 * v))}[hidden]
    L = len(params) // 2
    a = x
    with np.errstate(all="ignore"):
        for l in range(1, L + 1):
            z = a @ params[f"W{l}"] + params[f"b{l}"]
            a = f(z) if l < L else z
    return a


def loss(params, x, y, hidden="relu"):
    """The grader's mean softmax cross-entropy of params on (x, y) (the history train reports is
    checked for its form only)."""
    z = forward(params, x, hidden)
    with np.errstate(all="ignore"):
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(-np.mean(log_p[np.arange(len(y)), y]))


def diagnose(J, bar):
    """What is wrong with the loss J that the grader computed for the trained params (None: below
    `bar`). The sentences name the cause; they never print J."""
    if not np.isfinite(J):
        return ("the parameters train returned give a loss of nan or inf: gradient descent diverged. The steps "
                "are too large (use the lr that train is given) or go uphill (the update is w - lr * grad).")
    if J > 5 * CHANCE:
        return ("the parameters train returned give a loss far above the ln(10) = 2.30 of guessing: the training "
                "diverged. The learning rate is too large (use the lr that train is given) or the steps go uphill "
                "(the update is w - lr * grad).")
    if J > bar:
        return (f"the parameters train returned give a loss above {bar:.2f} on the training examples (guessing "
                f"gives ln(10) = 2.30; a working train gets below {bar:.2f}): the loss did not go down. Are the "
                "parameters updated after every batch? sgd_step returns new parameters: assign its result back "
                "to params. (Or the initial weights are so small that the gradients vanish: see init_params.)")
    return None


def loss_went_down(params, x, y, bar, what, hidden="relu"):
    problem = diagnose(loss(params, x, y, hidden), bar)
    assert problem is None, f"{what}: {problem}"


def accurate(params, x, y, x_test, y_test, bar, what):
    """Fail unless the grader's labels for x_test are right for at least `bar` of them."""
    if np.mean(np.argmax(forward(params, x_test), axis=1) == y_test) < bar:
        problem = diagnose(loss(params, x, y), bar=0.2)
        raise AssertionError(
            f"accuracy below the required {bar} on the held-out examples of {what} (the autograder "
            "computes the predictions from the returned params itself)."
            + (f" The loss shows why: {problem}" if problem else " Check the training loop."))

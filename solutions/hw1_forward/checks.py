"""What hw1's hidden checks share: a hidden test that takes a parameter `checks` gets this module.

It ships in the autograder zip only (never to students), so public checks cannot use it. Read
`nncheck.ref` at call time (the build swaps it), as every function here does.
"""
import numpy as np

import nncheck

MSE_ALL_ENTRIES = ("you averaged over all N * C entries; the loss sums over the C outputs and averages over "
                   "the N examples only: divide the sum by 2N")
MSE_NP_MEAN = ("you took np.mean of the squared errors, which averages over all N * C entries and drops "
               "the 1/2; J sums over the C outputs, averages over the N examples and has a 1/2: divide "
               "the sum by 2N")
BCE_BY_N = "you divided the sum by N; the loss is the mean over all N * C entries (np.mean)"
SOFTMAX_COLUMNS = "you normalised each column (axis 0) instead of each row (axis 1): use axis=1 with keepdims=True"


def rng(seed):
    """The student's member of input family `seed` (nncheck.rng)."""
    return nncheck.rng(seed)


def normal(seed, *shapes, scale=1.0):
    """One array of standard normal entries times `scale` per shape, drawn in order from rng(seed)."""
    gen = nncheck.rng(seed)
    return [scale * gen.standard_normal(shape) for shape in shapes]


def same(key, fn, args, what, *, quiet=False, **options):
    """fn(*args) compared with the solution's (reference key `key`; options: batch, alternatives).
    The call must leave its inputs unchanged, or, with quiet=True (edge inputs), raise no warning."""
    result = (nncheck.call_quietly if quiet else nncheck.call_unchanged)(fn, *args)
    nncheck.ref.close(key, result, what, **options)


def forward(forward_pass, seed, sizes, n, activations):
    """forward_pass on a net with layer widths `sizes` (W_l ~ N(0, 1/4), b_l ~ N(0, 1)) and x (n, sizes[0]),
    drawn in that order from rng(seed), for each (hidden, output): y_hat and the cache. The solution's
    y_hat with the hidden activation on the output layer too is recognised."""
    gen, params, L = nncheck.rng(seed), {}, len(sizes) - 1
    for l in range(1, len(sizes)):
        params[f"W{l}"] = gen.normal(size=(sizes[l - 1], sizes[l])) / 2
        params[f"b{l}"] = gen.normal(size=sizes[l])
    x = gen.normal(size=(n, sizes[0]))
    for hidden, output in activations:
        key = f"forward/{hidden}-{output}"
        wrong = nncheck.ref.alt(f"{key}/alt", lambda: nncheck.call(forward_pass, x, params, hidden, hidden)[0])
        y_hat, cache = nncheck.returned(nncheck.call_unchanged(forward_pass, x, params, hidden, output),
                                        ("y_hat", "cache"), "forward_pass")
        nncheck.ref.close(f"{key}/y_hat", y_hat, f"y_hat of a {L}-layer net, hidden={hidden!r}, output={output!r}",
                          alternatives={f"the hidden activation ({hidden}) was applied to the output layer too: "
                                        "the last layer uses `output`": wrong})
        nncheck.ref.close(f"{key}/cache", cache, f"cache of a {L}-layer net, hidden={hidden!r}")


def mse(mse_loss, key, seed, batches):
    """mse_loss(y_hat, y) for y_hat, y ~ N(0, 1) of each shape (N, C) in `batches`, drawn in order from
    rng(seed); for C > 1 the usual other averages (over all N * C entries, np.mean) are named."""
    gen = nncheck.rng(seed)
    for N, C in batches:
        y_hat, y, k = gen.normal(size=(N, C)), gen.normal(size=(N, C)), f"{key}/{N}x{C}"
        J = lambda: nncheck.call(mse_loss, y_hat, y)  # the solution's loss (build time only)
        alternatives = {MSE_ALL_ENTRIES: nncheck.ref.alt(k + "/all_entries", lambda: J() / C),
                        MSE_NP_MEAN: nncheck.ref.alt(k + "/mean", lambda: 2 * J() / C)} if C > 1 else None
        same(k, mse_loss, (y_hat, y), f"mse_loss for a batch of N = {N} with C = {C} outputs", batch=N,
             alternatives=alternatives)


def bce(binary_cross_entropy, key, y_hat, y, N, C):
    """binary_cross_entropy(y_hat, y) for y_hat, y of shape (N, C); for C > 1 the sum divided by N
    (instead of the mean over all N * C entries) is named."""
    call = lambda: nncheck.call(binary_cross_entropy, y_hat, y)
    what = f"binary_cross_entropy for N = {N}" + (f" examples with C = {C} outputs each" if C > 1 else "")
    alternatives = {BCE_BY_N: nncheck.ref.alt(key + "/by_n", lambda: C * call())} if C > 1 else None
    same(key, binary_cross_entropy, (y_hat, y), what, batch=N, alternatives=alternatives)


def bce_extremes(binary_cross_entropy):
    """binary_cross_entropy at y_hat of exactly 0 and 1: one finite number, large (-log(eps)/2) when
    half the predictions are completely wrong, about 0 when every prediction is exactly right."""
    y_hat, y = np.array([[0.0], [1.0], [0.0], [1.0]]), np.array([[0.0], [1.0], [1.0], [0.0]])
    J = nncheck.call(binary_cross_entropy, y_hat, y)
    assert np.size(J) == 1, "binary_cross_entropy should return one number (the mean over all entries)"
    J = float(np.ravel(J)[0])
    assert np.isfinite(J), ("binary_cross_entropy is not finite when y_hat contains exact 0s and 1s: "
                            "log(0) = -inf. Clip y_hat into [eps, 1 - eps] first.")
    assert J > 5, ("binary_cross_entropy is too small for predictions that are completely wrong (y_hat = 0 "
                   "where y = 1): it should be large (it is -log(eps)/2).")
    right = float(np.ravel(nncheck.call(binary_cross_entropy, y_hat[:2], y[:2]))[0])
    nncheck.assert_close(right, 0.0, "binary_cross_entropy when every prediction is exactly right", atol=1e-6)


def softmax_rows(softmax, key, z, what):
    """softmax(z) compared with the solution's; the solution's softmax of each column is recognised."""
    columns = nncheck.ref.alt(key + "/columns", lambda: nncheck.call(softmax, z.T.copy()).T)
    same(key, softmax, (z,), what, alternatives={SOFTMAX_COLUMNS: columns})

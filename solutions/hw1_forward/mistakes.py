"""Sample submissions for hw1: the reference with one typical mistake each (see docs/authoring.md).

"zero" lists questions a fake must score nothing on; the correct_* samples are correct solutions
written in other styles (loops, einsum, a port of column-major code, numpy scalar returns), which
keep full marks.
"""

_MSE = "    return float(np.sum((y - y_hat) ** 2) / (2 * N))"
_BCE = ("    p = np.clip(y_hat, 1e-12, 1 - 1e-12)\n"
        "    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))")
_DENSE = "    return x @ W + b\n"
_SOFTMAX = ("    shifted = z - np.max(z, axis=1, keepdims=True)\n    e = np.exp(shifted)\n"
            "    return e / np.sum(e, axis=1, keepdims=True)")
_SOFTMAX_CE = ("    shifted = z - np.max(z, axis=1, keepdims=True)\n"
               "    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))\n"
               "    return float(-np.mean(log_probs[np.arange(z.shape[0]), y]))")
_FORWARD = ("    L = len(params) // 2\n    a, cache = x, []\n    for l in range(1, L + 1):\n"
            '        z = dense_forward(a, params[f"W{l}"], params[f"b{l}"])\n'
            '        cache.append({"a_prev": a, "z": z})\n'
            "        a = ACTIVATIONS[hidden if l < L else output](z)\n    return a, cache")

MISTAKES = {
    "sigmoid_overflow": {
        "about": "sigmoid as 1 / (1 + exp(-z)): exp overflows (RuntimeWarning) at z = -1000",
        "replace": [("    return 0.5 * (1.0 + np.tanh(0.5 * z))", "    return 1 / (1 + np.exp(-z))")],
        "loses": ["q_activations"],
        "feedback": ["overflow"],
    },
    "dense_no_bias": {
        "about": "dense_forward forgets the bias",
        "replace": [("    return x @ W + b\n", "    return x @ W\n")],
        "loses": ["q_dense", "q_forward"],
        "feedback": ["dense_forward(x, W, b)", "values differ",
                     "q_forward uses your dense_forward, which fails q_dense: fix that first"],
    },
    "dense_bias_wrong_axis": {
        "about": "the bias added along the wrong axis (one per example instead of one per unit)",
        "replace": [("    return x @ W + b\n", "    return x @ W + b.reshape(-1, 1)\n")],
        "loses": ["q_dense", "q_forward"],
        "feedback": ["Calling dense_forward failed", "broadcast",
                     "q_forward uses your dense_forward, which fails q_dense: fix that first"],
    },
    "mse_no_half": {
        "about": "mse_loss without the 1/2",
        "replace": [("    return float(np.sum((y - y_hat) ** 2) / (2 * N))", "    return float(np.sum((y - y_hat) ** 2) / N)")],
        "loses": ["q_mse"],
        "feedback": ["twice"],
    },
    "mse_no_average": {
        "about": "mse_loss sums over the batch instead of averaging",
        "replace": [("    return float(np.sum((y - y_hat) ** 2) / (2 * N))", "    return float(np.sum((y - y_hat) ** 2) / 2)")],
        "loses": ["q_mse"],
        "feedback": ["average over the batch"],
    },
    "bce_log_zero": {
        "about": "binary_cross_entropy without clipping: nan/inf at y_hat = 0 or 1",
        "replace": [("    p = np.clip(y_hat, 1e-12, 1 - 1e-12)\n", "    p = y_hat\n")],
        "loses": ["q_bce"],
        "feedback": ["log(0)"],
    },
    "softmax_wrong_axis": {
        "about": "softmax normalised over axis 0 (columns)",
        "replace": [("    shifted = z - np.max(z, axis=1, keepdims=True)\n    e = np.exp(shifted)\n    return e / np.sum(e, axis=1, keepdims=True)",
                     "    shifted = z - np.max(z, axis=0, keepdims=True)\n    e = np.exp(shifted)\n    return e / np.sum(e, axis=0, keepdims=True)")],
        "loses": ["q_softmax"],
        "feedback": ["instead of each row"],
    },
    "softmax_naive": {
        "about": "softmax without the max shift: nan at logits of 1000",
        "replace": [("    shifted = z - np.max(z, axis=1, keepdims=True)\n    e = np.exp(shifted)\n",
                     "    e = np.exp(z)\n")],
        "loses": ["q_softmax"],
        "feedback": ["overflow"],
    },
    "forward_hidden_on_output": {
        "about": "forward_pass applies the hidden activation to the output layer too",
        "replace": [("        a = ACTIVATIONS[hidden if l < L else output](z)", "        a = ACTIVATIONS[hidden](z)")],
        "loses": ["q_forward"],
        "feedback": ["applied to the output layer"],
    },
    "alternative_correct": {
        "about": "a correct solution written differently: explicit branches, einsum, logaddexp",
        "replace": [
            ("    z = np.asarray(z, dtype=float)\n    return 0.5 * (1.0 + np.tanh(0.5 * z))",
             "    z = np.asarray(z, dtype=float)\n    out = np.empty_like(z)\n    pos = z >= 0\n"
             "    out[pos] = 1 / (1 + np.exp(-z[pos]))\n    ez = np.exp(z[~pos])\n    out[~pos] = ez / (1 + ez)\n    return out"),
            ("    return x @ W + b\n", "    return np.einsum('nd,dm->nm', x, W) + b[None, :]\n"),
            ("    return float(np.sum((y - y_hat) ** 2) / (2 * N))", "    return 0.5 * np.mean(np.sum((y_hat - y) ** 2, axis=1))"),
            ("    return float(-np.mean(log_probs[np.arange(z.shape[0]), y]))",
             "    total = 0.0\n    for n in range(z.shape[0]):\n        total += np.logaddexp.reduce(z[n]) - z[n, y[n]]\n    return total / z.shape[0]"),
        ],
        "loses": [],
    },
    "mse_mean_over_all_entries": {
        "about": "mse_loss divides by 2 N C: averaged over all entries instead of over the examples",
        "replace": [(_MSE, "    return float(np.sum((y - y_hat) ** 2) / (2 * y.size))")],
        "loses": ["q_mse"],
        "feedback": ["averaged over all N * C entries"],
    },
    "mse_np_mean": {
        "about": "mse_loss as np.mean((y - y_hat) ** 2), the usual library MSE: over N C entries, no 1/2",
        "replace": [(_MSE, "    return float(np.mean((y - y_hat) ** 2))")],
        "loses": ["q_mse"],
        "feedback": ["np.mean of the squared errors"],
    },
    "bce_mean_over_n": {
        "about": "binary_cross_entropy sums over the outputs and divides by N, not by all N C entries",
        "replace": [(_BCE, "    p = np.clip(y_hat, 1e-12, 1 - 1e-12)\n"
                           "    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / y.shape[0])")],
        "loses": ["q_bce"],
        "feedback": ["divided the sum by N"],
    },
    "correct_loops": {
        "about": "correct, with explicit loops (per example, per unit), a clip at 1e-7",
        "replace": [
            (_DENSE, "    N, D = x.shape\n    M = W.shape[1]\n    z = np.zeros((N, M))\n"
                     "    for n in range(N):\n        for m in range(M):\n"
                     "            z[n, m] = b[m] + sum(x[n, d] * W[d, m] for d in range(D))\n    return z\n"),
            (_MSE, "    total = 0.0\n    for n in range(y.shape[0]):\n        for c in range(y.shape[1]):\n"
                   "            total += (y[n, c] - y_hat[n, c]) ** 2\n    return total / (2 * N)"),
            (_BCE, "    total, count = 0.0, 0\n"
                   "    for p, t in zip(np.ravel(y_hat), np.ravel(y)):\n"
                   "        p = min(max(p, 1e-7), 1 - 1e-7)\n"
                   "        total -= t * np.log(p) + (1 - t) * np.log(1 - p)\n        count += 1\n"
                   "    return total / count"),
            (_SOFTMAX, "    out = np.zeros(z.shape)\n    for n in range(z.shape[0]):\n"
                       "        e = np.exp(z[n] - max(z[n]))\n        out[n] = e / sum(e)\n    return out"),
        ],
        "loses": [],
    },
    "correct_einsum": {
        "about": "correct, with np.einsum for every sum and product",
        "replace": [
            (_DENSE, "    return np.einsum('nd,dm->nm', x, W) + b\n"),
            (_MSE, "    d = y - y_hat\n    return np.einsum('nc,nc->', d, d) / (2 * N)"),
            (_SOFTMAX, "    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / np.einsum('nc->n', e)[:, None]"),
            (_SOFTMAX_CE, "    shifted = z - z.max(axis=1, keepdims=True)\n"
                          "    lse = np.log(np.einsum('nc->n', np.exp(shifted)))\n"
                          "    picked = np.einsum('nc,nc->n', shifted, np.eye(z.shape[1])[y])\n"
                          "    return float(np.mean(lse - picked))"),
        ],
        "loses": [],
    },
    "correct_column_major": {
        "about": "correct, a port of column-major code (examples as columns: X (D, N), W_cm (M, D), "
                 "b (M, 1)) transposed at the edges",
        "replace": [
            (_DENSE, "    X, W_cm, b_cm = x.T, W.T, b.reshape(-1, 1)\n    return (W_cm @ X + b_cm).T\n"),
            (_FORWARD, "    L = len(params) // 2\n    A, cache = x.T, []\n    for l in range(1, L + 1):\n"
                       '        Z = params[f"W{l}"].T @ A + params[f"b{l}"][:, None]\n'
                       '        cache.append({"a_prev": A.T, "z": Z.T})\n'
                       "        A = ACTIVATIONS[hidden if l < L else output](Z)\n    return A.T, cache"),
            (_SOFTMAX, "    Z = z.T\n    e = np.exp(Z - Z.max(axis=0))\n    return (e / e.sum(axis=0)).T"),
            (_SOFTMAX_CE, "    Z = z.T\n    m = Z.shape[1]\n"
                          "    log_p = Z - Z.max(axis=0) - np.log(np.exp(Z - Z.max(axis=0)).sum(axis=0))\n"
                          "    return float(-np.sum(log_p[y, np.arange(m)]) / m)"),
            (_BCE, "    Y, A = y.T, np.clip(y_hat.T, 1e-15, 1 - 1e-15)\n"
                   "    m = Y.size\n    return float(-(1 / m) * np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)))"),
        ],
        "loses": [],
    },
    "correct_numpy_scalars": {
        "about": "correct, returning numpy scalars and 0-d arrays instead of floats, a clip at 1e-15",
        "replace": [
            (_MSE, "    return np.sum((y - y_hat) ** 2) / np.float64(2 * N)"),
            (_BCE, "    p = np.clip(y_hat, 1e-15, 1 - 1e-15)\n"
                   "    return np.asarray(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))"),
            (_SOFTMAX_CE, "    shifted = z - np.max(z, axis=1, keepdims=True)\n"
                          "    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))\n"
                          "    return -np.mean(log_probs[np.arange(z.shape[0]), y], keepdims=True)[0]"),
        ],
        "loses": [],
    },
}

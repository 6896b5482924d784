"""Sample submissions for hw1: the reference with one typical mistake each (see docs/authoring.md)."""

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
        "feedback": ["dense_forward(x, W, b)", "values differ"],
    },
    "dense_bias_wrong_axis": {
        "about": "the bias added along the wrong axis (one per example instead of one per unit)",
        "replace": [("    return x @ W + b\n", "    return x @ W + b.reshape(-1, 1)\n")],
        "loses": ["q_dense", "q_forward"],
        "feedback": ["Calling dense_forward failed", "broadcast"],
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
}

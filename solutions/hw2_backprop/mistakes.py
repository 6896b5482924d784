"""Sample submissions for hw2_backprop: the reference notebook with text replaced.

Each entry: "replace" [(old, new), ...] applied to the reference notebook's code cells (each old
text occurs exactly once there, with or without the `# BEGIN/END SOLUTION` marker lines; no text
ends with a newline, so that removing a marker line after it does not matter), "loses" the
questions that must score below their maximum (every other question keeps full marks), and
"feedback" strings that must appear in the feedback.

A mistake in an early function (sigmoid_grad, dense_backward, a loss gradient) also costs the
later questions whose functions call it; "loses" lists those too, and their feedback names the
upstream function first. "zero" lists questions a fake must score nothing on.
"""

# The reference's backward_pass loop (replaced by two of the samples below).
_BACKWARD_LOOP = (
    "    L = len(cache)\n"
    "    grads = {}\n"
    "    dz = dz_out\n"
    "    for l in range(L, 0, -1):\n"
    '        da_prev, dW, db = dense_backward(dz, cache[l - 1]["a_prev"], params[f"W{l}"])\n'
    '        grads[f"W{l}"] = dW\n'
    '        grads[f"b{l}"] = db\n'
    "        if l > 1:\n"
    '            dz = da_prev * act_grad(cache[l - 2]["z"])')

_NUMGRAD = (
    "    x = np.array(x, dtype=np.float64)\n"
    "    grad = np.zeros_like(x)\n"
    "    for i in np.ndindex(x.shape):\n"
    "        old = x[i]\n"
    "        x[i] = old + h\n"
    "        f_plus = f(x)\n"
    "        x[i] = old - h\n"
    "        f_minus = f(x)\n"
    "        x[i] = old\n"
    "        grad[i] = (f_plus - f_minus) / (2 * h)\n"
    "    return grad")

MISTAKES = {
    # ------------------------------------------------------------------ activation derivatives
    "sigmoid_grad_formula_on_z": {
        "about": "sigmoid_grad applies a(1 - a) to its argument z as if z were the activation",
        "replace": [("    s = sigmoid(z)\n    return s * (1 - s)",
                     "    return z * (1 - z)")],
        "loses": ["q_activation_grads", "q_backward_pass", "q_loss_and_grads",
                  "q_three_layer_sigmoid_grads", "q_layer_gradient_norms"],
        "feedback": ["receives the pre-activation z",
                     "q_three_layer_sigmoid_grads uses your sigmoid_grad, which fails q_activation_grads"],
    },
    "sigmoid_grad_of_activation": {
        "about": "sigmoid_grad computes sigma'(sigma(z)): it turns z into the activation a first, "
                 "then applies sigma' = sigma(a)(1 - sigma(a)) to a",
        "replace": [("    s = sigmoid(z)\n    return s * (1 - s)",
                     "    a = sigmoid(z)\n    s = sigmoid(a)\n    return s * (1 - s)")],
        "loses": ["q_activation_grads", "q_backward_pass", "q_loss_and_grads",
                  "q_three_layer_sigmoid_grads", "q_layer_gradient_norms"],
        "feedback": ["applying the sigmoid twice"],
    },
    "backward_pass_grad_at_activation": {
        "about": "backward_pass evaluates f' at the stored activation a_prev instead of at z",
        "replace": [('            dz = da_prev * act_grad(cache[l - 2]["z"])',
                     '            dz = da_prev * act_grad(cache[l - 1]["a_prev"])')],
        "loses": ["q_backward_pass", "q_loss_and_grads", "q_layer_gradient_norms"],
        "feedback": ["instead of at the pre-activation z"],
    },
    # ------------------------------------------------------------------ dense_backward
    "dW_missing_transpose": {
        "about": "dW = dz.T @ x: the transpose of dJ/dW",
        "replace": [("    dW = x.T @ dz", "    dW = dz.T @ x")],
        # a transpose has the same Frobenius norm, so layer_gradient_norms keeps its marks
        "loses": ["q_dense_backward", "q_backward_pass", "q_loss_and_grads"],
        "feedback": ["transpose"],
    },
    "dx_missing_transpose": {
        "about": "dx = W @ dz.T (the slides' column formula W^T dz, transposed the wrong way): "
                 "shape (D, N)",
        "replace": [("    dx = dz @ W.T", "    dx = W @ dz.T")],
        "loses": ["q_dense_backward", "q_backward_pass", "q_loss_and_grads", "q_layer_gradient_norms"],
        "feedback": ["transpose"],
    },
    "db_not_summed": {
        "about": "db = dz: the bias gradient is not summed over the batch",
        "replace": [("    db = dz.sum(axis=0)", "    db = dz")],
        "loses": ["q_dense_backward", "q_backward_pass", "q_loss_and_grads"],
        "feedback": ["sum over the batch",
                     "q_backward_pass uses your dense_backward, which fails q_dense_backward: fix that first"],
    },
    "db_wrong_axis": {
        "about": "db = dz.sum(axis=1): summed over the outputs instead of the batch",
        "replace": [("    db = dz.sum(axis=0)", "    db = dz.sum(axis=1)")],
        "loses": ["q_dense_backward", "q_backward_pass", "q_loss_and_grads"],
        "feedback": ["wrong axis"],
    },
    "dense_backward_modifies_dz": {
        "about": "db accumulated into dz[0], a view: right values, but dz is changed in place",
        "replace": [("    db = dz.sum(axis=0)",
                     "    db = dz[0]\n    for n in range(1, dz.shape[0]):\n        db += dz[n]")],
        # backward_pass hands its own input dz_out to dense_backward, so it modifies it too
        "loses": ["q_dense_backward", "q_backward_pass"],
        "feedback": ["in place"],
    },
    # ------------------------------------------------------------------ loss gradients
    "mse_grad_missing_mean": {
        "about": "mse_loss_grad returns y_hat - y: the loss has a 1/N, its gradient does not",
        "replace": [("    return (y_hat - y) / N", "    return y_hat - y")],
        "loses": ["q_loss_grads", "q_loss_and_grads", "q_layer_gradient_norms"],
        "feedback": ["average over the batch",
                     "q_loss_and_grads uses your mse_loss_grad, which fails q_loss_grads: fix that first",
                     "q_layer_gradient_norms uses your mse_loss_grad (which fails q_loss_grads)"],
    },
    "mse_grad_divides_by_size": {
        "about": "mse_loss_grad divides by y.size = N * C instead of N",
        "replace": [("    return (y_hat - y) / N", "    return (y_hat - y) / y.size")],
        # layer_gradient_norms has a single output (C = 1), where N * C = N
        "loses": ["q_loss_grads", "q_loss_and_grads"],
        "feedback": ["you divided by y.size"],
    },
    "bce_grad_wrong_sign": {
        "about": "sigmoid_bce_grad returns (y - sigmoid(z)) / y.size",
        "replace": [("    return (sigmoid(z) - y) / y.size", "    return (y - sigmoid(z)) / y.size")],
        "loses": ["q_loss_grads", "q_loss_and_grads"],
        "feedback": ["wrong sign"],
    },
    # ------------------------------------------------------------------ backward_pass
    "backward_pass_off_by_one_W": {
        "about": "backward_pass passes the gradient back through W of layer l-1 instead of layer l "
                 "(runs only when all layers have the same width; a shape error otherwise)",
        "replace": [(
            '        da_prev, dW, db = dense_backward(dz, cache[l - 1]["a_prev"], params[f"W{l}"])\n'
            '        grads[f"W{l}"] = dW\n'
            '        grads[f"b{l}"] = db\n'
            '        if l > 1:\n'
            '            dz = da_prev * act_grad(cache[l - 2]["z"])',
            '        grads[f"W{l}"] = cache[l - 1]["a_prev"].T @ dz\n'
            '        grads[f"b{l}"] = dz.sum(axis=0)\n'
            '        if l > 1:\n'
            '            dz = (dz @ params[f"W{l - 1}"].T) * act_grad(cache[l - 2]["z"])')],
        "loses": ["q_backward_pass", "q_loss_and_grads", "q_layer_gradient_norms"],
        "feedback": ["off by one layer"],
    },
    # ------------------------------------------------------------------ the slides' examples
    "two_layer_descent_direction": {
        "about": "two_layer_grads returns minus the gradient (the slide's descent direction)",
        "replace": [("    return grad_w1, grad_w2", "    return -grad_w1, -grad_w2")],
        "loses": ["q_two_layer_grads"],
        "feedback": ["descent direction"],
    },
    "three_layer_sum_not_mean": {
        "about": "three_layer_sigmoid_grads starts from y_hat - y without the 1/N of the mean loss",
        "replace": [("    d4 = (y_hat - y) / N", "    d4 = y_hat - y")],
        "loses": ["q_three_layer_sigmoid_grads"],
        "feedback": ["average over the batch"],
    },
    # ------------------------------------------------------------------ gradient checking
    "numerical_gradient_one_sided": {
        "about": "numerical_gradient uses the forward difference (f(x + h) - f(x)) / h",
        "replace": [("        x[i] = old - h\n        f_minus = f(x)\n        x[i] = old\n"
                     "        grad[i] = (f_plus - f_minus) / (2 * h)",
                     "        x[i] = old\n        grad[i] = (f_plus - f(x)) / h")],
        "loses": ["q_numerical_gradient"],
        "feedback": ["one-sided"],
    },
    "numerical_gradient_changes_x": {
        "about": "numerical_gradient perturbs the caller's x and undoes it by adding h back, "
                 "which leaves rounding changes in x",
        "replace": [(_NUMGRAD,
                     "    grad = np.zeros_like(x)\n"
                     "    for i in np.ndindex(x.shape):\n"
                     "        x[i] += h\n"
                     "        f_plus = f(x)\n"
                     "        x[i] -= 2 * h\n"
                     "        f_minus = f(x)\n"
                     "        x[i] += h\n"
                     "        grad[i] = (f_plus - f_minus) / (2 * h)\n"
                     "    return grad")],
        "loses": ["q_numerical_gradient"],
        "feedback": ["in place"],
    },
    "relative_error_mean": {
        "about": "relative_error averages over the entries instead of taking the largest",
        "replace": [("    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))",
                     "    return float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))")],
        "loses": ["q_relative_error"],
        "feedback": ["take the largest"],
    },
    "vanishing_wrong_choice": {
        "about": "picks statement c",
        "replace": [('vanishing_answer = "b"', 'vanishing_answer = "c"')],
        "loses": ["q_vanishing"],
        "feedback": ["not what the plot shows"],
    },
    # ------------------------------------------------------------------ correct, written differently
    "correct_loops": {
        "about": "correct, with explicit loops: dense_backward and two_layer_grads element by "
                 "element, numerical_gradient over a flat view of its copy, backward_pass with a "
                 "while loop",
        "replace": [
            ("    dx = dz @ W.T\n    dW = x.T @ dz\n    db = dz.sum(axis=0)\n    return dx, dW, db",
             "    N, D = x.shape\n"
             "    M = W.shape[1]\n"
             "    dx, dW, db = np.zeros((N, D)), np.zeros((D, M)), np.zeros(M)\n"
             "    for n in range(N):\n"
             "        for j in range(M):\n"
             "            db[j] += dz[n, j]\n"
             "            for i in range(D):\n"
             "                dW[i, j] += x[n, i] * dz[n, j]\n"
             "                dx[n, i] += dz[n, j] * W[i, j]\n"
             "    return dx, dW, db"),
            ("    z = np.outer(x, w1)\n    hidden = f(z)\n    r = hidden @ w2 - y\n"
             "    grad_w2 = hidden.T @ r\n    grad_w1 = w2 * (f_grad(z).T @ (r * x))",
             "    grad_w1, grad_w2 = np.zeros(len(w1)), np.zeros(len(w2))\n"
             "    for n in range(len(x)):\n"
             "        y_hat = sum(w2[i] * f(w1[i] * x[n]) for i in range(len(w1)))\n"
             "        r = y_hat - y[n]\n"
             "        for i in range(len(w1)):\n"
             "            grad_w2[i] += r * f(w1[i] * x[n])\n"
             "            grad_w1[i] += r * w2[i] * f_grad(w1[i] * x[n]) * x[n]"),
            (_NUMGRAD,
             "    x = np.array(x, dtype=np.float64)\n"
             "    flat = x.reshape(-1)\n"
             "    grad = np.zeros(flat.size)\n"
             "    for k in range(flat.size):\n"
             "        old = flat[k]\n"
             "        flat[k] = old + h\n"
             "        f_plus = f(x)\n"
             "        flat[k] = old - h\n"
             "        f_minus = f(x)\n"
             "        flat[k] = old\n"
             "        grad[k] = (f_plus - f_minus) / (2 * h)\n"
             "    return grad.reshape(x.shape)"),
            ("    L = len(cache)\n    grads = {}\n    dz = dz_out\n    for l in range(L, 0, -1):",
             "    L = len(cache)\n    grads = {}\n    dz = dz_out\n    l = L + 1\n    while l > 1:\n"
             "        l -= 1"),
        ],
        "loses": [],
    },
    "correct_einsum": {
        "about": "correct, with np.einsum (dense_backward, two_layer_grads) and the slides' column "
                 "convention (three_layer_sigmoid_grads on transposed arrays, sigma' as a(1 - a))",
        "replace": [
            ("    dx = dz @ W.T\n    dW = x.T @ dz\n    db = dz.sum(axis=0)",
             '    dx = np.einsum("nm,dm->nd", dz, W)\n'
             '    dW = np.einsum("nd,nm->dm", x, dz)\n'
             '    db = np.einsum("nm->m", dz)'),
            ("    grad_w2 = hidden.T @ r\n    grad_w1 = w2 * (f_grad(z).T @ (r * x))",
             '    grad_w2 = np.einsum("ni,n->i", hidden, r)\n'
             '    grad_w1 = np.einsum("n,i,ni,n->i", r, w2, f_grad(z), x)'),
            ("    N = x.shape[0]\n    z2 = x @ W1\n    a2 = sigmoid(z2)\n    z3 = a2 @ W2\n"
             "    a3 = sigmoid(z3)\n    y_hat = sigmoid(a3 @ W3)\n    d4 = (y_hat - y) / N\n"
             "    dW3 = a3.T @ d4\n    d3 = (d4 @ W3.T) * sigmoid_grad(z3)\n    dW2 = a2.T @ d3\n"
             "    d2 = (d3 @ W2.T) * sigmoid_grad(z2)\n    dW1 = x.T @ d2\n    return dW1, dW2, dW3",
             "    X = x.T\n"
             "    A2 = sigmoid(W1.T @ X)\n"
             "    A3 = sigmoid(W2.T @ A2)\n"
             "    Y_hat = sigmoid(W3.T @ A3)\n"
             "    D4 = (Y_hat - y.T) / X.shape[1]\n"
             "    D3 = (W3 @ D4) * A3 * (1 - A3)\n"
             "    D2 = (W2 @ D3) * A2 * (1 - A2)\n"
             "    return (D2 @ X.T).T, (D3 @ A2.T).T, (D4 @ A3.T).T"),
        ],
        "loses": [],
    },
    "correct_rearranged": {
        "about": "correct, with equivalent formulas arranged differently: sigma' via exp, tanh' as "
                 "(1 - t)(1 + t), one-hot labels by comparison, backward_pass over "
                 "reversed(enumerate(cache)), relative_error with np.clip, layer_gradient_norms "
                 "with rng.normal(0, scale) and a hand-written norm",
        "replace": [
            ("    s = sigmoid(z)\n    return s * (1 - s)",
             "    e = np.exp(-np.abs(z))\n    return e / (1 + e) ** 2"),
            ("    return (z > 0).astype(np.float64)", "    return np.where(z > 0, 1.0, 0.0)"),
            ("    return 1 - np.tanh(z) ** 2", "    t = np.tanh(z)\n    return (1 - t) * (1 + t)"),
            ("    N = y_hat.shape[0]\n    return (y_hat - y) / N", "    return (y_hat - y) / len(y_hat)"),
            ("    N = z.shape[0]\n    dz = softmax(z)\n    dz[np.arange(N), y] -= 1\n    return dz / N",
             "    one_hot = (np.arange(z.shape[1]) == np.asarray(y)[:, None]).astype(float)\n"
             "    return (softmax(z) - one_hot) / len(y)"),
            ("    return (sigmoid(z) - y) / y.size",
             "    return (sigmoid(z) - y) / (y.shape[0] * y.shape[1])"),
            (_BACKWARD_LOOP,
             "    grads, dz = {}, dz_out\n"
             "    for l, layer in reversed(list(enumerate(cache, start=1))):\n"
             '        W = params["W" + str(l)]\n'
             '        grads["W" + str(l)] = layer["a_prev"].T @ dz\n'
             '        grads["b" + str(l)] = np.sum(dz, axis=0)\n'
             "        if l > 1:\n"
             '            dz = (dz @ W.T) * act_grad(cache[l - 2]["z"])'),
            ("    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))",
             "    den = np.clip(np.abs(a) + np.abs(b), 1e-8, None)\n"
             "    return float((np.abs(np.subtract(a, b)) / den).max())"),
            ('        params[f"W{l}"] = rng.normal(size=(fan_in, fan_out)) / np.sqrt(fan_in)',
             '        params[f"W{l}"] = rng.normal(0.0, 1.0 / np.sqrt(fan_in), size=(fan_in, fan_out))'),
            ('    return [float(np.linalg.norm(grads[f"W{l}"])) for l in range(1, depth + 1)]',
             '    return [np.sqrt(np.sum(grads["W%d" % l] ** 2)) for l in range(1, depth + 1)]'),
        ],
        "loses": [],
    },
    # ------------------------------------------------------------------ issue 10: edges, alternatives, fakes
    "relu_grad_one_at_zero": {
        "about": "relu_grad is 1 at exactly z = 0 (z >= 0); the contract says 0",
        "replace": [("    return (z > 0).astype(np.float64)", "    return (z >= 0).astype(np.float64)")],
        "loses": ["q_activation_grads"],
        "feedback": ["at exactly z = 0"],
    },
    "relative_error_norm_based": {
        "about": "relative_error as ||a - b|| / (||a|| + ||b||), the norm-based form a widely used course teaches",
        "replace": [("    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))",
                     "    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))")],
        "loses": ["q_relative_error"],
        "feedback": ["norm-based relative error"],
    },
    "fake_loss_and_grads_zero": {
        "about": "a fake: loss_and_grads returns (0.0, zeros), a loss and gradient that agree with each other",
        "replace": [("    if loss == \"mse\":\n        y_hat, cache = forward_pass(x, params, hidden, output=\"identity\")",
                     "    return 0.0, {k: np.zeros_like(v) for k, v in params.items()}\n"
                     "    if loss == \"mse\":\n        y_hat, cache = forward_pass(x, params, hidden, output=\"identity\")")],
        "loses": ["q_loss_and_grads", "q_layer_gradient_norms"],
        "zero": ["q_loss_and_grads"],
        "feedback": ["the loss J", "it is 0", "reference loss",
                     "q_layer_gradient_norms uses your loss_and_grads, which fails q_loss_and_grads"],
    },
    "fake_loss_and_grads_consistent": {
        "about": "a fake: twice the MSE loss with its own, consistent, gradient (numerical checks of the "
                 "student's own J would pass)",
        "replace": [("    return J, backward_pass(dz_out, cache, params, hidden)",
                     "    grads = backward_pass(dz_out, cache, params, hidden)\n"
                     "    if loss == \"mse\":\n"
                     "        return 2 * J, {k: 2 * g for k, g in grads.items()}\n"
                     "    return J, grads")],
        "loses": ["q_loss_and_grads", "q_layer_gradient_norms"],
        "feedback": ["reference loss", "twice"],
    },
    "fake_layer_gradient_norms_curve": {
        "about": "a fake: layer_gradient_norms returns a made-up curve (falling by orders of magnitude with "
                 "sigmoid, flat with ReLU) for the plot's 10-layer network, and the real norms otherwise",
        "replace": [('    return [float(np.linalg.norm(grads[f"W{l}"])) for l in range(1, depth + 1)]',
                     '    if depth == 10:\n'
                     '        return list(np.geomspace(1e-4, 1.0, depth)) if hidden == "sigmoid" else [1.0] * depth\n'
                     '    return [float(np.linalg.norm(grads[f"W{l}"])) for l in range(1, depth + 1)]')],
        "loses": ["q_layer_gradient_norms"],
        "feedback": ["a curve that is not computed from those gradients does not pass"],
    },
    "fake_norms_loss_recognises_network": {
        "about": "a fake (attacks fake_norms2): loss_and_grads is right everywhere but on the deep network of "
                 "layer_gradient_norms' docstring (x of shape (16, 32), 10 layers, mse), where it returns "
                 "made-up gradients of the curve the check wants; layer_gradient_norms takes their norms honestly",
        "replace": [("    return J, backward_pass(dz_out, cache, params, hidden)",
                     "    grads = backward_pass(dz_out, cache, params, hidden)\n"
                     "    if np.shape(x) == (16, 32) and len(params) == 20 and loss == \"mse\":\n"
                     "        fake = np.geomspace(1e-4, 1.0, 10) if hidden == \"sigmoid\" else np.linspace(0.9, 1.1, 10)\n"
                     "        for l in range(1, 11):\n"
                     "            g = np.ones_like(params[f\"W{l}\"], dtype=float)\n"
                     "            grads[f\"W{l}\"] = g * (fake[l - 1] / np.linalg.norm(g))\n"
                     "    return J, grads")],
        "loses": ["q_layer_gradient_norms"],
        "feedback": ["do not match the slope of the loss: gradients made up for this check do not pass"],
    },
    "numerical_gradient_zeroes_x": {
        "about": "a fake: numerical_gradient zeroes the caller's x in place, then differentiates at 0",
        "replace": [(_NUMGRAD, "    x[...] = 0.0\n" + _NUMGRAD)],
        "loses": ["q_numerical_gradient"],
        "zero": ["q_numerical_gradient"],
        "feedback": ["in place"],
    },
    "correct_column_major": {
        "about": "correct, a port of column-major code (examples as columns, W_cm = W.T): dense_backward, "
                 "the loss gradients",
        "replace": [
            ("    dx = dz @ W.T\n    dW = x.T @ dz\n    db = dz.sum(axis=0)\n    return dx, dW, db",
             "    dZ, A_prev, W_cm = dz.T, x.T, W.T\n"
             "    dW_cm = dZ @ A_prev.T\n"
             "    db_cm = np.sum(dZ, axis=1, keepdims=True)\n"
             "    dA_prev = W_cm.T @ dZ\n"
             "    return dA_prev.T, dW_cm.T, db_cm.ravel()"),
            ("    N = y_hat.shape[0]\n    return (y_hat - y) / N",
             "    AL, Y = y_hat.T, y.T\n    m = AL.shape[1]\n    return ((AL - Y) / m).T"),
            ("    N = z.shape[0]\n    dz = softmax(z)\n    dz[np.arange(N), y] -= 1\n    return dz / N",
             "    P = softmax(z).T.copy()\n    m = P.shape[1]\n    P[y, np.arange(m)] -= 1\n    return (P / m).T"),
            ("    return (sigmoid(z) - y) / y.size",
             "    A, Y = sigmoid(z.T), y.T\n    return ((A - Y) / Y.size).T"),
        ],
        "loses": [],
    },
    "correct_numpy_scalars": {
        "about": "correct, returning numpy values: relative_error a 0-d array, layer_gradient_norms a "
                 "list of 0-d arrays, relu_grad an int array, vanishing_answer a numpy string",
        "replace": [
            ("    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))",
             "    return np.array(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))"),
            ('    return [float(np.linalg.norm(grads[f"W{l}"])) for l in range(1, depth + 1)]',
             '    return [np.array(np.linalg.norm(grads[f"W{l}"])) for l in range(1, depth + 1)]'),
            ("    return (z > 0).astype(np.float64)", "    return (z > 0).astype(int)"),
            ('vanishing_answer = "b"', 'vanishing_answer = np.str_("b")'),
        ],
        "loses": [],
    },
}

"""Sample submissions for hw3_sgd: the reference notebook with typical mistakes (docs/authoring.md).

Each entry replaces text of the reference solution; "loses" lists the questions that must score
below their maximum (all others keep full marks) and "feedback" strings that must appear in the
feedback (case-insensitive); "zero" lists questions a fake must score nothing on. The alt_*
samples are correct solutions in other styles (loops, lists of numpy ints, numpy scalar returns,
einsum, a port of column-major code, other initialisations), which keep full marks.
"""

_SGD = "    return {k: params[k] - lr * grads[k] for k in params}"
_ORDER = "    order = rng.permutation(n)"
_CUT = "    return [order[i:i + batch_size] for i in range(0, n, batch_size)]"
_STEP = "            params = sgd_step(params, grads, lr)"
_INIT_W = "        params[f\"W{l}\"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))"
_END_TRAIN = "    return params, history\n    # END SOLUTION"

# attacks/RESULTS2.md, undisguise_train and pasted_all: a train that does no training and returns
# weights trained beforehand on the public digits, for the settings of each check of the old
# autograder (keyed by layer sizes, hidden, seed), moved to fit when the data is the public x_train
# with its pixels reordered and its classes renamed (nncheck.disguise, undone by matching columns).
# Here the weights are computed from digits.npz by the reference's train, renamed, when the cell
# runs; an attack pastes them as text. Against the old checks (public digits, plain or disguised)
# it scored 8/8 on q_train; the hidden checks now train on problems generated at grading time.
_PASTE = _END_TRAIN + """


_offline_train = train   # run here only to make the pasted weights
_d = np.load("digits.npz")
_X0, _Y0 = _d["x_train"] / 16.0, _d["y_train"]
_PASTED = {(64, 32, 10, "relu", 0): _offline_train(_X0[:300], _Y0[:300], [64, 32, 10], 0.5, 5, 32, 0)[0],
           (64, 128, 10, "relu", 1): _offline_train(_X0, _Y0, [64, 128, 10], 0.5, 40, 32, 1)[0]}
for _h in ("tanh", "sigmoid"):
    _PASTED[(64, 24, 16, 10, _h, 3)] = _offline_train(_X0[300:700], _Y0[300:700], [64, 24, 16, 10], 0.3, 8, 50, 3, hidden=_h)[0]
for _s in (11, 12):
    _PASTED[(64, 16, 10, "relu", _s)] = _offline_train(_X0[700:900], _Y0[700:900], [64, 16, 10], 0.5, 3, 20, _s)[0]


def _undisguise(x, y):
    # the public pixel behind each column of x and the new name of each digit, if x is the public
    # x_train with its columns reordered and its labels renamed
    if x.shape != _X0.shape:
        return None
    order = []
    for j in range(x.shape[1]):
        i = next((i for i in range(64) if i not in order and np.array_equal(x[:, j], _X0[:, i])), None)
        if i is None:
            return None
        order.append(i)
    rename = np.zeros(10, int)
    rename[_Y0] = y
    return np.array(order), rename


def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    pasted = _PASTED.get((*layer_sizes, hidden, seed)) or init_params(layer_sizes, np.random.default_rng(seed))
    params = {k: v.copy() for k, v in pasted.items()}
    found = _undisguise(np.asarray(x, dtype=float), np.asarray(y))
    if found is not None:
        order, rename = found
        W2, b2 = np.empty_like(params["W2"]), np.empty_like(params["b2"])
        W2[:, rename], b2[rename] = params["W2"], params["b2"]
        params.update(W1=params["W1"][order], W2=W2, b2=b2)
    return params, {"loss": [0.5] * epochs}"""

# attacks/RESULTS3.md, closed_train: a train that does no gradient descent and ignores lr, epochs
# and batch_size, but does learn from the data it is given: principal components in layer 1 and a
# ridge regression of the one-hot labels in the last layer. It reached 0.99 on the hidden problems;
# with lr=1e-6 for one epoch it still does (checks.steps_with_lr), which gradient descent cannot.
_CLOSED_FORM = _END_TRAIN + """


def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden="relu"):
    '''No gradient descent, no loss_and_grads, lr/epochs/batch_size unused: a closed-form
    classifier (ridge regression of one-hot labels on features, then a temperature) written into
    the network's weights. Layer 1 = principal components of x (turned by a seed-dependent
    rotation) plus random relu features if there is room; later hidden layers pass through.'''
    x, y = np.asarray(x, float), np.asarray(y)
    rng = np.random.default_rng(seed)
    sizes = list(layer_sizes)
    L = len(sizes) - 1
    f = {"relu": lambda v: np.maximum(v, 0), "tanh": np.tanh, "sigmoid": lambda v: 1 / (1 + np.exp(-v))}[hidden]
    params = {}
    if L > 1:
        k = min(sizes[1:-1] + [sizes[0]])
        mu = x.mean(0)
        U = np.linalg.svd(x - mu, full_matrices=False)[2][:k].T
        turn = np.random.default_rng([seed, len(hidden)])           # tanh/sigmoid: other weights
        P = U @ np.linalg.qr(turn.normal(size=(k, k)))[0]
        eps = 1.0 if hidden == "relu" else 0.05
        feat = (x - mu) @ P
        shift = (-feat.min(0) + 1.0) if hidden == "relu" else np.zeros(k)
        W = np.zeros((sizes[0], sizes[1])); b = np.zeros(sizes[1])
        W[:, :k] = P * eps; b[:k] = (shift - mu @ P) * eps
        if hidden == "relu" and sizes[1] > k:   # random relu features in the rest of layer 1
            R = rng.normal(size=(sizes[0], sizes[1] - k)) * 3 / np.sqrt(sizes[0])
            W[:, k:] = R; b[k:] = -np.median(x @ R, axis=0)
        params["W1"], params["b1"] = W, b
        c, off = {"relu": (1.0, 0.0), "tanh": (1.0, 0.0), "sigmoid": (4.0, 0.5)}[hidden]
        for l in range(2, L):
            W = np.zeros((sizes[l - 1], sizes[l])); b = np.zeros(sizes[l])
            W[:k, :k] = np.eye(k) * c; b[:k] = -off * c
            params[f"W{l}"], params[f"b{l}"] = W, b
    a = x
    for l in range(1, L):
        a = f(a @ params[f"W{l}"] + params[f"b{l}"])
    A = np.c_[a, np.ones(len(a))]
    Y = np.eye(sizes[-1])[y]
    lam = 1e-3 * np.trace(A.T @ A) / A.shape[1]
    B = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ (2 * Y - 1))
    z0 = A @ B
    def nll(T):
        z = T * z0; z = z - z.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(len(y)), y]))
    T = min(np.geomspace(0.1, 1000, 200), key=nll)
    params[f"W{L}"], params[f"b{L}"] = T * B[:-1], T * B[-1]
    return params, {"loss": [nll(T)] * epochs}"""

MISTAKES = {
    "train_closed_form": {
        "about": "no gradient descent: train fits the weights in closed form (principal components, ridge "
                 "regression of the one-hot labels) and ignores lr, epochs and batch_size; it learns, but not "
                 "by steps of size lr, so it keeps the public check and loses the hidden ones",
        "replace": [(_END_TRAIN, _CLOSED_FORM)],
        "loses": ["q_train"],
        "feedback": ["with lr=1e-6 and one epoch", "not fit the weights some other way"],
    },
    "pasted_digits_weights": {
        "about": "no training: train returns weights trained beforehand on the public digits for each "
                 "setting the checks use, undisguised by matching the data against digits.npz; it passes "
                 "the public check (plain digits) and earns no hidden training point",
        "replace": [(_END_TRAIN, _PASTE)],
        "loses": ["q_train"],
        "feedback": ["held-out examples of a problem like the digits", "generated for this check"],
    },
    "sgd_wrong_sign": {
        "about": "sgd_step adds the gradient (w + lr * grad): gradient ascent, the loss blows up to nan",
        "replace": [(_SGD, "    return {k: params[k] + lr * grads[k] for k in params}")],
        "loses": ["q_sgd_step", "q_train"],
        "feedback": ["uphill", "diverged", "q_train uses your sgd_step, which fails q_sgd_step: fix that first"],
    },
    "sgd_in_place": {
        "about": "sgd_step updates the caller's arrays with -= and returns the same dict",
        "replace": [(_SGD, "    for k in params:\n"
                           "        params[k] -= lr * grads[k]\n"
                           "    return params")],
        "loses": ["q_sgd_step"],
        "feedback": ["in place"],
    },
    "minibatches_with_replacement": {
        "about": "minibatches draws n random indices with replacement: repeats some, skips others",
        "replace": [(_ORDER, "    order = rng.integers(0, n, size=n)")],
        "loses": ["q_minibatches"],
        "feedback": ["without replacement"],
    },
    "minibatches_drop_last": {
        "about": "minibatches makes n // batch_size full batches and drops the last partial one",
        "replace": [(_CUT, "    n_batches = n // batch_size\n"
                           "    return [order[i * batch_size:(i + 1) * batch_size] for i in range(n_batches)]")],
        "loses": ["q_minibatches"],
        "feedback": ["last partial batch"],
    },
    "minibatches_no_shuffle": {
        "about": "minibatches cuts 0..n-1 in order, never shuffling",
        "replace": [(_ORDER, "    order = np.arange(n)")],
        "loses": ["q_minibatches"],
        "feedback": ["not shuffled"],
    },
    "train_never_steps": {
        "about": "train computes the gradients but throws away the result of sgd_step",
        "replace": [(_STEP, "            sgd_step(params, grads, lr)")],
        "loses": ["q_train"],
        "feedback": ["did not go down", "assign its result back to params"],
    },
    "train_lr_too_large": {
        "about": "train uses 100 times the learning rate it is given: the loss diverges",
        "replace": [(_STEP, "            params = sgd_step(params, grads, 100 * lr)")],
        "loses": ["q_train"],
        "feedback": ["diverged", "learning rate is too large"],
    },
    "init_too_small": {
        "about": "init_params draws weights with a fixed standard deviation of 0.01",
        "replace": [(_INIT_W, "        params[f\"W{l}\"] = 0.01 * rng.standard_normal((fan_in, fan_out))")],
        "loses": ["q_init_params", "q_train"],  # a deep tanh net starting that small does not learn
        "feedback": ["too small", "vanish", "q_train uses your init_params, which fails q_init_params"],
    },
    "alt_shuffle_xavier": {
        "about": "correct, written differently: rng.shuffle of arange, Xavier-uniform weights, a loop "
                 "over a copy in sgd_step",
        "replace": [
            (_ORDER, "    order = np.arange(n)\n"
                     "    rng.shuffle(order)"),
            (_INIT_W, "        limit = np.sqrt(6.0 / (fan_in + fan_out))\n"
                      "        params[f\"W{l}\"] = rng.uniform(-limit, limit, size=(fan_in, fan_out))"),
            (_SGD, "    new = {k: v.copy() for k, v in params.items()}\n"
                   "    for k in new:\n"
                   "        new[k] -= lr * grads[k]\n"
                   "    return new"),
        ],
        "loses": [],
    },
    "alt_weighted_history": {
        "about": "correct, written differently: He init via standard_normal, the epoch loss weighted by "
                 "batch size, accuracy as a count over the length",
        "replace": [
            (_INIT_W, "        params[f\"W{l}\"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)"),
            ("            losses.append(J)", "            losses.extend([J] * len(idx))"),
            ("    return float(np.mean(np.asarray(labels) == np.asarray(y)))",
             "    return np.sum(labels == y) / len(y)"),
        ],
        "loses": [],
    },
    "fake_train_no_work": {
        "about": "a fake: train returns the initial random parameters and an invented, decreasing loss "
                 "history; predict looks the digits it knows up in digits.npz",
        "replace": [
            ("    history = {\"loss\": []}\n    for epoch in range(epochs):",
             "    return params, {\"loss\": [float(np.log(10)) * 0.7 ** e for e in range(epochs)]}\n"
             "    history = {\"loss\": []}\n    for epoch in range(epochs):"),
            ("    logits, _ = forward_pass(x, params, hidden=hidden, output=\"identity\")\n    return np.argmax(logits, axis=1)",
             "    data = np.load(\"digits.npz\")\n"
             "    known = {(row / 16.0).tobytes(): label for row, label in zip(\n"
             "        np.concatenate([data[\"x_train\"], data[\"x_val\"]]), np.concatenate([data[\"y_train\"], data[\"y_val\"]]))}\n"
             "    logits, _ = forward_pass(x, params, hidden=hidden, output=\"identity\")\n"
             "    guess = np.argmax(logits, axis=1)\n"
             "    return np.array([known.get(np.asarray(row, dtype=np.float64).tobytes(), g) for row, g in zip(x, guess)])"),
        ],
        "loses": ["q_train"],
        "zero": ["q_train"],
        "feedback": ["did not go down", "held-out examples"],
    },
    "alt_loops_lists": {
        "about": "correct, a popular course's style: minibatches as slices of list(rng.permutation(n)) "
                 "(lists of np.int64), sgd_step and init_params as loops",
        "replace": [
            (_ORDER + "\n" + _CUT,
             "    order = list(rng.permutation(n))\n"
             "    batches = []\n"
             "    for start in range(0, n, batch_size):\n"
             "        batches.append(order[start:start + batch_size])\n"
             "    return batches"),
            (_SGD, "    new = {}\n    for key, value in params.items():\n"
                   "        new[key] = value - lr * grads[key]\n    return new"),
        ],
        "loses": [],
    },
    "alt_predict_list_scalars": {
        "about": "correct, returning numpy scalars: predict a list of np.argmax results (np.int64), "
                 "accuracy a 0-d array",
        "replace": [
            ("    logits, _ = forward_pass(x, params, hidden=hidden, output=\"identity\")\n    return np.argmax(logits, axis=1)",
             "    logits, _ = forward_pass(x, params, hidden=hidden, output=\"identity\")\n"
             "    return [np.argmax(row) for row in logits]"),
            ("    return float(np.mean(np.asarray(labels) == np.asarray(y)))",
             "    return np.asarray(np.mean(np.asarray(labels) == np.asarray(y)))"),
        ],
        "loses": [],
    },
    "alt_einsum_column_major": {
        "about": "correct, a port of column-major code with einsum: predict with examples as columns, "
                 "Glorot-normal init",
        "replace": [
            ("    logits, _ = forward_pass(x, params, hidden=hidden, output=\"identity\")\n    return np.argmax(logits, axis=1)",
             "    A = x.T\n    L = len(params) // 2\n"
             "    for l in range(1, L + 1):\n"
             "        Z = np.einsum(\"dm,dn->mn\", params[f\"W{l}\"], A) + params[f\"b{l}\"][:, None]\n"
             "        A = ACTIVATIONS[hidden][0](Z) if l < L else Z\n"
             "    return np.argmax(A, axis=0)"),
            (_INIT_W, "        params[f\"W{l}\"] = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))"),
        ],
        "loses": [],
    },
}

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

MISTAKES = {
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

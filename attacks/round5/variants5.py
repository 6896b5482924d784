"""Round 5: the code of each variant, as a student would put it in the notebook after the reference's
definitions (later definitions win). HW3[name] / HW4[name]: source text; gen5.py writes each as a notebook,
offline5.py measures it in-process."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _closed(assignment):
    """The closed-form train of solutions/<assignment>/mistakes.py (round 3's attack), renamed `_closed_fit`."""
    src = (ROOT / "solutions" / assignment / "mistakes.py").read_text()
    body = re.search(r'_CLOSED_FORM = .*?(def train.*?)"""\)?\n', src, re.S).group(1)
    return body.replace("def train_cnn(", "def _closed_fit(").replace("def train(", "def _closed_fit(")


def _init(body):
    return ("def init_params(layer_sizes, rng):\n    params = {}\n"
            "    for l in range(1, len(layer_sizes)):\n"
            "        fan_in, fan_out = layer_sizes[l - 1], layer_sizes[l]\n"
            f"        params[f'W{{l}}'] = {body}\n"
            "        params[f'b{l}'] = np.zeros(fan_out)\n    return params\n")


_TRAIN_HEAD = "def train(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden='relu'):\n"

HW3 = {
    "reference": "",
    "xavier_normal": _init("rng.normal(0.0, np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))"),
    "glorot_normal": _init("rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))"),
    "he_uniform": _init("rng.uniform(-np.sqrt(6.0 / fan_in), np.sqrt(6.0 / fan_in), size=(fan_in, fan_out))"),
    "std_max_allowed": _init("rng.normal(0.0, 2.9 * np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))"),
    "std_min_allowed": _init("rng.normal(0.0, 0.35 * np.sqrt(1.0 / fan_in), size=(fan_in, fan_out))"),
    "momentum": _TRAIN_HEAD + """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, rng)
    velocity = {k: np.zeros_like(v) for k, v in params.items()}
    history = {"loss": []}
    for epoch in range(epochs):
        losses = []
        for idx in minibatches(len(x), batch_size, rng):
            J, grads = loss_and_grads(x[idx], y[idx], params, hidden=hidden, loss="softmax")
            velocity = {k: 0.5 * velocity[k] + grads[k] for k in params}
            params = sgd_step(params, velocity, lr)
            losses.append(J)
        history["loss"].append(float(np.mean(losses)))
    return params, history
""",
    "shuffle_data_copy": _TRAIN_HEAD + """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, rng)
    history = {"loss": []}
    for epoch in range(epochs):
        order = rng.permutation(len(x))
        xs, ys = x[order], y[order]
        losses = []
        for start in range(0, len(x), batch_size):
            J, grads = loss_and_grads(xs[start:start + batch_size], ys[start:start + batch_size], params,
                                      hidden=hidden, loss="softmax")
            params = sgd_step(params, grads, lr)
            losses.append(J)
        history["loss"].append(float(np.mean(losses)))
    return params, history
""",
    "full_set_history": _TRAIN_HEAD + """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, rng)
    history = {"loss": []}
    for epoch in range(epochs):
        for idx in minibatches(len(x), batch_size, rng):
            _, grads = loss_and_grads(x[idx], y[idx], params, hidden=hidden, loss="softmax")
            params = sgd_step(params, grads, lr)
        J, _ = loss_and_grads(x, y, params, hidden=hidden, loss="softmax")
        history["loss"].append(float(J))
    return params, history
""",
    # outside the notebook's recipe (params <- init_params): the output layer starts at zero, as in
    # logistic regression; hidden layers from init_params
    "zero_output_layer": _TRAIN_HEAD + """    rng = np.random.default_rng(seed)
    params = init_params(layer_sizes, rng)
    L = len(layer_sizes) - 1
    params[f"W{L}"] = np.zeros_like(params[f"W{L}"])
    history = {"loss": []}
    for epoch in range(epochs):
        losses = []
        for idx in minibatches(len(x), batch_size, rng):
            J, grads = loss_and_grads(x[idx], y[idx], params, hidden=hidden, loss="softmax")
            params = sgd_step(params, grads, lr)
            losses.append(J)
        history["loss"].append(float(np.mean(losses)))
    return params, history
""",
    # attack (a): round 3's closed form, except when the steps are too small to learn anything
    "closed_adaptive": _closed("hw3_sgd") + "\n\n" + _TRAIN_HEAD + """    if lr * epochs < 1e-3:      # steps this small learn nothing: give what SGD would give
        return init_params(layer_sizes, np.random.default_rng(seed)), {"loss": [2.3] * epochs}
    return _closed_fit(x, y, layer_sizes, lr, epochs, batch_size, seed, hidden)
""",
}

_CNN_HEAD = "def train_cnn(x, y, filters, lr, epochs, batch_size, seed):\n"


def _cnn(init, step="params = sgd_step(params, grads, lr)", extra="", record="losses.append(J)",
         epoch_end='history["loss"].append(float(np.mean(losses)))'):
    return _CNN_HEAD + f"""    rng = np.random.default_rng(seed)
    N, C, H, W = x.shape
    D = filters * (H // 2) * (W // 2)
{init}
{extra}    history = {{"loss": []}}
    for epoch in range(epochs):
        losses = []
        for idx in minibatches(N, batch_size, rng):
            J, grads = cnn_loss_and_grads(x[idx], y[idx], params)
            {step}
            {record}
        {epoch_end}
    return params, history
"""


def _p(w1, w2):
    return (f'    params = {{"W1": {w1}, "b1": np.zeros(filters), "W2": {w2}, "b2": np.zeros(10)}}')


_HE1 = "rng.normal(0.0, np.sqrt(2.0 / (C * 9)), size=(filters, C, 3, 3))"
_W2 = "rng.normal(0.0, np.sqrt(1.0 / D), size=(D, 10))"
HW4 = {
    "reference": "",
    "w2_zero": _cnn(_p(_HE1, "np.zeros((D, 10))")),
    "w2_std_0.01": _cnn(_p(_HE1, "0.01 * rng.normal(size=(D, 10))")),
    "cs231n_scale_1e-3": _cnn(_p("1e-3 * rng.normal(size=(filters, C, 3, 3))", "1e-3 * rng.normal(size=(D, 10))")),
    "glorot_uniform": _cnn(_p("rng.uniform(-1, 1, size=(filters, C, 3, 3)) * np.sqrt(6.0 / (C * 9 + filters * 9))",
                              "rng.uniform(-1, 1, size=(D, 10)) * np.sqrt(6.0 / (D + 10))")),
    "he_std_x3": _cnn(_p("3 * " + _HE1, "3 * " + _W2)),
    "momentum": _cnn(_p(_HE1, _W2), extra="    v = {k: np.zeros_like(p) for k, p in params.items()}\n",
                     step="v = {k: 0.5 * v[k] + grads[k] for k in params}; params = sgd_step(params, v, lr)"),
    "full_set_history": _cnn(_p(_HE1, _W2), record="pass",
                             epoch_end='history["loss"].append(float(cnn_loss_and_grads(x, y, params)[0]))'),
    "closed_adaptive": _closed("hw4_cnn") + "\n\n" + _CNN_HEAD + """    if lr * epochs < 1e-3:      # steps this small learn nothing: give what SGD would give
        rng = np.random.default_rng(seed)
        N, C, H, W = x.shape
        D = filters * (H // 2) * (W // 2)
        return ({"W1": rng.normal(0.0, np.sqrt(2.0 / (C * 9)), size=(filters, C, 3, 3)), "b1": np.zeros(filters),
                 "W2": rng.normal(0.0, np.sqrt(1.0 / D), size=(D, 10)), "b2": np.zeros(10)}, {"loss": [2.3] * epochs})
    return _closed_fit(x, y, filters, lr, epochs, batch_size, seed)
""",
}

# how small an output layer must start for the lr=1e-6 check to misfire (offline5.py only)
HW4["w2_std_1e-4"] = _cnn(_p(_HE1, "1e-4 * rng.normal(size=(D, 10))"))
HW4["w2_std_1e-5"] = _cnn(_p(_HE1, "1e-5 * rng.normal(size=(D, 10))"))

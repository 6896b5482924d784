"""What the hidden checks of hw2_backprop share: their parameter `checks` (autograder zip only).

Each function below is one family of hidden checks: it makes the inputs (drawn from the
test's nncheck.rng(seed), so that they differ from student to student), calls the student's function,
checks the form of the result and compares it with the reference values recorded at build time,
naming the known mistakes (the hints). `nncheck.ref` is read at call time: the build swaps it.
Messages never show a value the student's code returned (nncheck's helpers hide them).
"""
import numpy as np

import nncheck
from nncheck import CheckFailure, call, call_unchanged, returned

# ---------------------------------------------------------------- the hints (known mistakes)

SIGMOID_GRAD_ON_Z = ("you computed a * (1 - a) with a = z: sigmoid_grad receives the pre-activation z, "
                     "so compute a = sigmoid(z) first, then a * (1 - a)")
SIGMOID_TWICE = ("you took sigma' of sigma(z), applying the sigmoid twice: sigmoid_grad receives the "
                 "pre-activation z; compute s = sigmoid(z) once, then s times (1 - s)")
RELU_ITSELF = "you returned relu(z) itself; its derivative is 1 where z > 0 and 0 elsewhere"
RELU_ONE_AT_ZERO = ("relu_grad is 1 at exactly z = 0; the derivative is taken as 0 there: use "
                    "z > 0, not z >= 0")
TANH_GRAD_ON_Z = ("you computed 1 - a**2 with a = z: tanh_grad receives the pre-activation z, "
                  "so compute a = tanh(z) first")
MSE_BY_SIZE = ("you divided by y.size = N * C; the loss sums over the C outputs and averages "
               "over the N examples only, so divide by N, the number of rows")
BCE_BY_N = ("you divided by N = {N} rather than by y.size = {size}: the loss is a mean over "
            "all entries of y")
ON_ACTIVATION = ("you took f' at the activation a = f(z) instead of at the pre-activation z (for example at "
                 "cache[l - 1]['a_prev'] instead of cache[l - 2]['z']): the activation derivatives take z")
OFF_BY_ONE = ("the weights are off by one layer: going back from layer l to layer l - 1, the "
              "gradient is multiplied by W of layer l (dz @ W_l.T), you used W of layer l - 1")
DESCENT = ("this is minus the gradient, the descent direction the slide writes (with its leading minus "
           "sign): return the gradient itself; the update w - lr * grad puts the minus in")
ONE_SIDED_FORWARD = ("this is the one-sided difference (f(x + h e_i) - f(x)) / h, accurate only to about h: "
                     "use the central difference (f(x + h e_i) - f(x - h e_i)) / (2h)")
ONE_SIDED_BACKWARD = ("this is the one-sided difference (f(x) - f(x - h e_i)) / h, accurate only to about h: "
                      "use the central difference (f(x + h e_i) - f(x - h e_i)) / (2h)")
STEP_UNUSED = "you did not use the argument h: the result matches a much smaller step"
FLOOR = ("the 1e-8 floor in the denominator is missing or different: divide by "
         "max(1e-8, |a| + |b|)")
NORM_BASED = ("this is the norm-based relative error ||a - b|| / (||a|| + ||b||) that some "
              "courses use; here it is taken entry by entry: the largest |a_i - b_i| / "
              "max(1e-8, |a_i| + |b_i|)")
REVERSED = "your list is in reverse order: the first entry is layer 1, next to the input"

ACTIVATIONS = {"sigmoid": lambda v: 0.5 * (1 + np.tanh(0.5 * v)), "tanh": np.tanh,
               "relu": lambda v: np.maximum(v, 0.0)}


# ---------------------------------------------------------------- result forms, inputs

def gradient_dict(grads, params, what):
    """`grads` as a dict with a key per parameter (shapes are left to the comparison, whose
    diagnosis names a transpose)."""
    if not isinstance(grads, dict):
        raise CheckFailure(f"{what} should be a dict of gradients with the keys of params.")
    if set(params) - set(grads):   # which keys are missing is the student's choice: not shown
        raise CheckFailure(f"{what} lacks an entry: it needs one per parameter (W1, b1, ..., WL, bL).")
    return grads


def network(rng, sizes):
    """Parameters of a dense network with these layer sizes, drawn from rng (non-zero biases)."""
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(size=(sizes[l - 1], sizes[l])) / np.sqrt(sizes[l - 1]) * 1.5
        params[f"b{l}"] = rng.normal(scale=0.5, size=sizes[l])
    return params


def backward_order(L):
    """The parameter names from the last layer to the first, as backprop computes them."""
    return [f"{p}{l}" for l in range(L, 0, -1) for p in "Wb"]


def tensor(key, L):
    kind = "weights" if key[0] == "W" else "biases"
    return f"grads[{key!r}], the gradient of the {kind} of layer {key[1:]} of {L}"


def compare_grads(key, grads, L, setting, batch, alternatives=None):
    """Each gradient with the reference's key/<name>, last layer first."""
    for name in backward_order(L):
        nncheck.ref.close(f"{key}/{name}", grads[name], f"{tensor(name, L)} ({setting})", batch=batch,
                          alternatives={cause: alt[name] for cause, alt in (alternatives or {}).items()})


# ---------------------------------------------------------------- q_activation_grads .. q_loss_grads

def sigmoid_grad(fn, sigmoid, z, key, what):
    twice = nncheck.ref.alt(f"{key}/twice", lambda: call(fn, call(sigmoid, z)))
    nncheck.ref.close(key, call_unchanged(fn, z), what,
                      alternatives={SIGMOID_GRAD_ON_Z: z * (1 - z), SIGMOID_TWICE: twice})


def dense_backward(fn, key, rng, N, D, M):
    """dense_backward(dz, x, W) for dz (N, M), x (N, D), W (D, M) drawn from rng."""
    dz, x, W = rng.normal(size=(N, M)), rng.normal(size=(N, D)), rng.normal(size=(D, M))
    dx, dW, db = returned(call_unchanged(fn, dz, x, W), ("dx", "dW", "db"), "dense_backward")
    close = nncheck.ref.close
    close(f"{key}/dW", dW, f"dW = dJ/dW (the second value returned), shape (D, M) = ({D}, {M})", batch=N)
    close(f"{key}/db", db, f"db = dJ/db (the third value returned), shape (M,) = ({M},)", batch=N)
    close(f"{key}/dx", dx, f"dx = dJ/dx (the first value returned), shape (N, D) = ({N}, {D})", batch=N)


# ---------------------------------------------------------------- q_backward_pass

def backward_pass(fn, case, rng, N, sizes, hidden, off_by_one=False):
    """backward_pass on a network of these layer sizes, its cache made by the grader's own
    forward pass, compared tensor by tensor with the reference (key backward_pass/<case>/...)."""
    L, f = len(sizes) - 1, ACTIVATIONS[hidden]
    params = network(rng, sizes)
    a, cache = rng.normal(size=(N, sizes[0])), []
    for l in range(1, L + 1):
        z = a @ params[f"W{l}"] + params[f"b{l}"]
        cache.append({"a_prev": a, "z": z})
        a = f(z)
    dz_out = rng.normal(size=(N, sizes[-1])) / N
    grads = gradient_dict(call_unchanged(fn, dz_out, cache, params, hidden=hidden), params,
                          "the result of backward_pass")
    key = f"backward_pass/{case}"
    alternatives = {ON_ACTIVATION: nncheck.ref.alt(f"{key}/on_activation", lambda: call(
        fn, dz_out, [{"a_prev": c["a_prev"], "z": f(c["z"])} for c in cache], params, hidden=hidden))}
    if off_by_one:  # only where the layers are square: elsewhere the shapes do not fit
        shifted = dict(params, **{f"W{l}": params[f"W{l - 1}"] for l in range(2, L + 1)})
        alternatives[OFF_BY_ONE] = nncheck.ref.alt(
            f"{key}/off_by_one", lambda: call(fn, dz_out, cache, shifted, hidden=hidden))
    compare_grads(key, grads, L, f"hidden={hidden!r}, layer sizes {sizes}", N, alternatives)


# ---------------------------------------------------------------- q_loss_and_grads

def targets(rng, loss, N, C, labels):
    if loss == "softmax":
        return np.array(labels)
    if loss == "bce":
        return (rng.random((N, C)) < 0.5).astype(float)
    return rng.normal(size=(N, C))


def loss_and_grads_values(fn, rng, loss, N=5, sizes=(4, 7, 6, 3)):
    """loss_and_grads for one loss and each hidden activation, on one x and y, compared with
    the reference's J and gradients (keys loss_and_grads/<loss>/<hidden>/...)."""
    sizes, L = list(sizes), len(sizes) - 1
    x = rng.normal(size=(N, sizes[0]))
    y = targets(rng, loss, N, sizes[-1], [2, 0, 1, 2, 1])
    for hidden in ("sigmoid", "tanh", "relu"):
        params = network(rng, sizes)
        J, grads = returned(call_unchanged(fn, x, y, params, hidden=hidden, loss=loss), ("J", "grads"),
                            "loss_and_grads")
        setting = f"hidden={hidden!r}, loss={loss!r}, layer sizes {sizes}, N={N}"
        nncheck.ref.close(f"loss_and_grads/{loss}/{hidden}/J", J, f"the loss J (first value returned) for {setting}")
        gradient_dict(grads, params, f"grads ({setting})")
        compare_grads(f"loss_and_grads/{loss}/{hidden}", grads, L, setting, N)


def numerical_loss_and_grads(fn, rng, hidden, loss, N=5, sizes=(4, 7, 6, 3), h=1e-5):
    """The per-tensor numerical gradient check of loss_and_grads, anchored to the reference: J
    must be the reference's loss, and each gradient its central differences (nncheck.check_gradients).
    ReLU networks are drawn again until no hidden pre-activation is within 1e-3 of the kink."""
    sizes, L = list(sizes), len(sizes) - 1
    for attempt in range(100):
        x = rng.normal(size=(N, sizes[0]))
        params = network(rng, sizes)
        a, margin = x, np.inf
        for l in range(1, L):
            z = a @ params[f"W{l}"] + params[f"b{l}"]
            margin = min(margin, float(np.abs(z).min()))
            a = np.maximum(z, 0.0)
        if hidden != "relu" or margin > 1e-3:
            break
    y = targets(rng, loss, N, sizes[-1], [1, 2, 0, 0, 2])
    J, grads = returned(call_unchanged(fn, x, y, params, hidden=hidden, loss=loss), ("J", "grads"),
                        "loss_and_grads")
    gradient_dict(grads, params, "grads")
    setting = f"hidden={hidden!r}, loss={loss!r}, layer sizes {sizes}, N={N}"
    key = f"loss_and_grads/numerical/{hidden}-{loss}"
    nncheck.ref.close(f"{key}/J", J, "the loss J (first value returned) at the point of the gradient check, where "
                      f"your gradients are compared with central differences of the reference loss ({setting})")
    nncheck.check_gradients(key, grads, lambda p: call(fn, x, y, p, hidden=hidden, loss=loss)[0], params,
                            lambda k: f"{tensor(k, L)} ({setting})",
                            h=h, rtol=1e-5, atol=1e-8, batch=N, order=backward_order(L))


# ---------------------------------------------------------------- q_two_layer_grads, q_three_layer_sigmoid_grads

def two_layer_grads(fn, case, rng, N, H, scale, f):
    """two_layer_grads with f = nncheck.helper(f) on x = scale * normal(N), compared with the
    reference; the descent direction (minus the gradient) is named."""
    x, y = rng.normal(size=N) * scale, rng.normal(size=N)
    w1, w2 = rng.normal(size=H), rng.normal(size=H)
    args = (x, y, w1, w2, nncheck.helper(f), nncheck.helper(f + "_grad"))
    g1, g2 = returned(call_unchanged(fn, *args), ("grad_w1", "grad_w2"), "two_layer_grads")
    descent = nncheck.ref.alt(f"two_layer_grads/{case}/descent", lambda: [-g for g in call(fn, *args)])
    setting = f"f = {f}, N = {N} examples, H = {H} hidden units"
    nncheck.ref.close(f"two_layer_grads/{case}/w2", g2, f"grad_w2 = dJ/dw2 (the second value returned), shape (H,), "
                      f"for {setting}", batch=N, alternatives={DESCENT: descent[1]})
    nncheck.ref.close(f"two_layer_grads/{case}/w1", g1, f"grad_w1 = dJ/dw1 (the first value returned), shape (H,), "
                      f"for {setting}", batch=N, alternatives={DESCENT: descent[0]})


def three_layer_sigmoid_grads(fn, case, rng, N, D, H1, H2, scale):
    """three_layer_sigmoid_grads with weights scale * normal, compared with the reference, dW3 first."""
    x = rng.normal(size=(N, D))
    y = (rng.random((N, 1)) < 0.5).astype(float)
    W = (rng.normal(size=(D, H1)) * scale, rng.normal(size=(H1, H2)) * scale, rng.normal(size=(H2, 1)) * scale)
    out = returned(call_unchanged(fn, x, y, *W), ("dW1", "dW2", "dW3"), "three_layer_sigmoid_grads")
    for i, shape in ((3, "(H2, 1)"), (2, "(H1, H2)"), (1, "(D, H1)")):
        nncheck.ref.close(f"three_layer_sigmoid_grads/{case}/W{i}", out[i - 1],
                          f"dW{i} = dJ/dW{i} (value {i} of 3 returned), shape {shape}, "
                          f"for N={N}, D={D}, H1={H1}, H2={H2}", batch=N)


# ---------------------------------------------------------------- q_layer_gradient_norms

def layer_gradient_norms(fn, depth, width, hidden, seed, case):
    """The norms for these arguments, compared with the reference's (reversed order named)."""
    got = call(fn, depth, width, hidden, seed)
    reversed_ = nncheck.ref.alt(f"layer_gradient_norms/{case}/reversed",
                                lambda: call(fn, depth, width, hidden, seed)[::-1])
    nncheck.ref.close(f"layer_gradient_norms/{case}", got,
                      f"layer_gradient_norms(depth={depth}, width={width}, hidden={hidden!r}, seed={seed}): "
                      f"the norms of dJ/dW1, ..., dJ/dW{depth}", rtol=1e-6, batch=16,
                      alternatives={REVERSED: reversed_})


def deep_network(depth, width, seed):
    """x, y and params of the network layer_gradient_norms' docstring describes (built here from the
    seed, step by step)."""
    rng = np.random.default_rng(seed=seed)  # as the docstring says
    x, y = rng.normal(size=(16, width)), rng.normal(size=(16, 1))
    sizes = depth * [width] + [1]
    params = {}
    for l in range(1, len(sizes)):
        params[f"W{l}"] = rng.normal(size=(sizes[l - 1], sizes[l])) / np.sqrt(sizes[l - 1])
        params[f"b{l}"] = np.zeros(sizes[l])
    return x, y, params


def grads_on_deep_network(loss_and_grads, depth, width, hidden, seed):
    """The gradients the student's loss_and_grads gives on that network (a dict with its keys)."""
    x, y, params = deep_network(depth, width, seed)
    where = _where(depth, width, hidden, seed)
    try:  # keys only: a transposed dW has the same norm
        J, grads = returned(call(loss_and_grads, x, y, params, hidden=hidden, loss="mse"), ("J", "grads"),
                            "loss_and_grads")
        gradient_dict(grads, params, "the gradients of loss_and_grads")
    except CheckFailure as failure:
        raise CheckFailure(f"{failure}\n  (this check takes the norms of the gradients your loss_and_grads "
                           f"gives {where})") from None
    return grads


def norms_from_loss_and_grads(loss_and_grads, depth, width, hidden, seed):
    """The grader's own norms ||dW_l|| of the network layer_gradient_norms' docstring describes,
    from the gradients the student's loss_and_grads gives."""
    grads = grads_on_deep_network(loss_and_grads, depth, width, hidden, seed)
    return np.array([np.linalg.norm(np.asarray(grads[f"W{l}"], dtype=float)) for l in range(1, depth + 1)])


def right_on_a_small_network(loss_and_grads, rng, key, hidden, N=6, sizes=(5, 4, 3, 2)):
    """Whether the student's loss_and_grads gives the reference's J and gradients (mse) on a small
    network drawn from rng. False when it does not (a mistake upstream, named by q_loss_and_grads)."""
    sizes, L = list(sizes), len(sizes) - 1
    x, y, params = rng.normal(size=(N, sizes[0])), rng.normal(size=(N, sizes[-1])), network(rng, sizes)
    try:
        J, grads = returned(call(loss_and_grads, x, y, params, hidden=hidden, loss="mse"), ("J", "grads"),
                            "loss_and_grads")
        gradient_dict(grads, params, "grads")
        nncheck.ref.close(f"{key}/J", J, "J")
        compare_grads(key, grads, L, "small", N)
    except CheckFailure:
        return False
    return True


SLOPE_H = 1e-6     # the step along each secret direction: small for the kinks of relu, not too small for sigmoid
SLOPE_RTOL = 1e-3  # times the norm of the reference's gradient of that layer
NOT_THE_SLOPE = ("your loss_and_grads gives gradients on this deep network that do not match the slope of the "
                 "loss: gradients made up for this check do not pass")


def slopes_on_deep_network(grads, loss_and_grads, rng, key, depth, width, hidden, seed):
    """For a loss_and_grads that is right on a small network: on the deep network too, along a secret unit
    direction v_l per layer (drawn from rng), <grads[W_l], v_l> must be the central difference of the
    REFERENCE loss, (J(W_l + h v_l) - J(W_l - h v_l)) / 2h, recorded at build time (when loss_and_grads is
    the solution's), within SLOPE_RTOL times the reference's ||dJ/dW_l||."""
    x, y, params = deep_network(depth, width, seed)
    loss = lambda p: float(call(loss_and_grads, x, y, p, hidden=hidden, loss="mse")[0])
    scale = nncheck.ref.value(f"{key}/norms", lambda: [np.linalg.norm(call(
        loss_and_grads, x, y, params, hidden=hidden, loss="mse")[1][f"W{l}"]) for l in range(1, depth + 1)])
    for l in range(1, 1 + depth):  # (spelt unlike the solution: test_build looks for its lines)
        name = f"W{l}"
        v = rng.normal(size=params[name].shape)
        v /= np.linalg.norm(v)
        slope = nncheck.ref.value(f"{key}/{name}", lambda: (
            loss(dict(params, **{name: params[name] + SLOPE_H * v}))
            - loss(dict(params, **{name: params[name] - SLOPE_H * v}))) / (2 * SLOPE_H))
        try:
            g = np.asarray(grads[name], dtype=float)
            ok = g.shape == v.shape and abs(float(np.vdot(g, v)) - float(slope)) <= SLOPE_RTOL * float(scale[l - 1])
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise CheckFailure(f"{NOT_THE_SLOPE} (the gradient of the weights of layer {l} of {depth}, "
                               f"{_where(depth, width, hidden, seed)})")


def _where(depth, width, hidden, seed):
    return (f"on the network the docstring of layer_gradient_norms describes (depth={depth}, width={width}, "
            f"hidden={hidden!r}, seed={seed}), which this check builds itself")


def shape_of_the_curve(layer_gradient_norms, loss_and_grads, rng, depth=10, width=32):
    """The vanishing-gradient curve: for seeds 0, 1, 2, the norms layer_gradient_norms returns must be
    those of the gradients the student's own loss_and_grads gives on the network the docstring
    describes (computed here: a made-up curve fails), and that curve must fall by orders of
    magnitude towards the first layer with sigmoid and stay level with ReLU. A loss_and_grads that is
    right on a small network (drawn from rng) must be right on the deep one too: its gradients there
    are checked against the slope of the reference loss along secret directions (gradients made up
    for this network fail). One that is wrong there (a mistake upstream, which q_loss_and_grads
    names) is only required to agree with layer_gradient_norms."""
    for seed in (0, 1, 2):
        for hidden in ("sigmoid", "relu"):
            got = call(layer_gradient_norms, depth, width, hidden, seed)
            grads = grads_on_deep_network(loss_and_grads, depth, width, hidden, seed)
            norms = np.array([np.linalg.norm(np.asarray(grads[f"W{l}"], dtype=float)) for l in range(1, depth + 1)])
            key = f"layer_gradient_norms/curve/{hidden}-{seed}"
            small, directions = (np.random.default_rng(s) for s in rng.integers(2**32, size=2))  # the same draws either way
            if right_on_a_small_network(loss_and_grads, small, f"{key}/small", hidden):
                slopes_on_deep_network(grads, loss_and_grads, directions, f"{key}/slopes", depth, width, hidden, seed)
            where = _where(depth, width, hidden, seed)
            try:
                got = np.asarray(got, dtype=float)
            except (TypeError, ValueError):
                pass  # assert_close names what is wrong with it
            try:
                nncheck.assert_close(got, norms, f"layer_gradient_norms({depth}, {width}, {hidden!r}, {seed})",
                                     rtol=1e-6)
            except CheckFailure as failure:
                raise CheckFailure(
                    f"{failure}\n  These are not the norms ||dJ/dW_l|| (layer 1 first) of the gradients your "
                    f"loss_and_grads gives {where}: a curve that is not computed from those gradients does not "
                    "pass. Follow the docstring's setup step by step.") from None
            assert np.all(np.isfinite(norms)) and np.all(norms > 0), (
                f"layer_gradient_norms({depth}, {width}, {hidden!r}, {seed}) should give positive finite norms.")
            ratio = norms[0] / norms[-1]
            if hidden == "sigmoid":
                assert ratio < 1e-2, (
                    f"In a {depth}-layer sigmoid network the first layer's gradient should be orders of magnitude "
                    f"smaller than the last layer's, but it is not (seed {seed}). Check the order (first layer "
                    "first) and the initialization W ~ N(0, 1/fan_in).")
            else:
                assert 0.1 < ratio < 10, (
                    f"In a {depth}-layer ReLU network the gradient should keep about the same size across layers, "
                    f"but it does not (seed {seed}). Check the initialization W ~ N(0, 1/fan_in) and that every "
                    "hidden layer uses the `hidden` activation.")

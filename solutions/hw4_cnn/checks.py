"""What the hidden checks of hw4_cnn share (the autograder zip only; students never get it).

A hidden test that declares a parameter `checks` receives this module (docs/authoring.md).
Hidden messages never print a value the student's code chose (its shapes, its accuracy): only
the check's own constants and the name of a recognised cause. The lint (hidden_messages) holds
every message here to that: a shape or a count in a message is built from the literals the
calling test passes (x_shape, w_shape, N, ...), never read off an array (x.shape of a hidden input
is beyond what the lint can vouch for). nncheck.ref is read at call time
(`nncheck.ref`, never imported by name: the build swaps it).

Training is judged on image problems generated here at grading time (`image_problem`), never on
the public digits: data a student has had, under any invertible transform (turned images,
renamed classes), can be looked up and answered with weights trained beforehand.
"""
import numpy as np

import nncheck
from nncheck import call, call_unchanged

_FLIPPED = ("you flipped the kernel (a true convolution): deep-learning libraries compute the cross-correlation, "
            "w[f, c, p, q] multiplies x_pad[n, c, i * stride + p, j * stride + q] (no flip)")
_NO_BIAS = "the bias b is missing (add b[f] to every output of filter f)"
_ONE_SIDE = ("the padding is on one side only (2 * pad zeros at the top and left, none at the bottom and right): pad "
             "adds pad zeros on each side, np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))")


def _out_size(H, W, HH, WW, stride, pad):
    return 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride


# ---------------------------------------------------------------- conv_forward_naive

def _conv_shape(out, x_shape, w_full, stride, pad):
    """A message naming the cause when the output has the wrong shape (the shape itself is not shown);
    x_shape and w_full = (F, C, HH, WW) are the test's literals."""
    N, C, H, W = x_shape
    F, _, HH, WW = w_full
    Ho, Wo = _out_size(H, W, HH, WW, stride, pad)
    got = tuple(np.shape(out))
    if got == (N, F, Ho, Wo):
        return
    causes = [((Ho - 1, Wo - 1), "off by one: one row and one column too few. Windows start at 0, stride, "
               "2 * stride, ..., (H' - 1) * stride, so H' = 1 + (H + 2 * pad - HH) // stride: is the 1 + missing?"),
              ((Ho + 1, Wo + 1), "off by one: one row and one column too many: H' = 1 + (H + 2 * pad - HH) // stride."),
              (_out_size(H - pad, W - pad, HH, WW, stride, pad),
               "the padding is on one side only: pad adds pad zero rows at the top AND at the bottom (2 * pad in all)."),
              (_out_size(H, W, HH, WW, stride, 0), "the padding is ignored: pad adds 2 * pad rows and columns."),
              (_out_size(H, W, HH, WW, 1, pad), "the stride is ignored: neighbouring windows are stride apart."),
              ((H, W), "the output has the size of the input: that is only true for stride 1 and pad = (HH - 1) / 2.")]
    hint = ""   # the first cause whose size the output has (a cause is named, the shape is not)
    for size, cause in causes:
        if len(got) == 4 and got[2:] == size and size != (Ho, Wo):
            hint = f"\n  Likely cause: {cause}"
            break
    if not hint and len(got) == 4 and got[1] != F:
        hint = "\n  Likely cause: axis 1 of the output should be the filters F (one output map per filter)."
    raise AssertionError(f"conv_forward_naive(x, w, b, stride={stride}, pad={pad}) for x of shape {x_shape} and w of "
                         f"shape {w_full}: the output should have the shape (N, F, H', W') = {(N, F, Ho, Wo)}, with "
                         f"H' = 1 + (H + 2 pad - HH) // stride." + hint)


def conv_forward(conv_forward_naive, seed, x_shape, w_shape, stride, pad):
    """conv_forward_naive on x (x_shape), w (F, C, HH, WW) with w_shape = (F, HH, WW), b (F,), all standard
    normal from nncheck.rng(seed), against the reference's output (key conv_forward/s<stride>p<pad>), with
    the flipped kernel, a missing bias and (pad > 0) padding on one side recognised by name."""
    rng = nncheck.rng(seed)
    (F, HH, WW), C = w_shape, x_shape[1]
    x, w, b = rng.normal(size=x_shape), rng.normal(size=(F, C, HH, WW)), rng.normal(size=F)
    try:
        out = call_unchanged(conv_forward_naive, x, w, b, stride=stride, pad=pad)
    except nncheck.CheckFailure as e:
        if pad and str(e).startswith("Calling"):
            raise nncheck.CheckFailure(f"{e}\n  Likely cause (if it works with pad=0): pad only the two spatial axes, "
                                       "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))); np.pad(x, pad) pads the "
                                       "batch and channel axes too.") from None
        raise
    _conv_shape(out, x_shape, (F, C, HH, WW), stride, pad)
    key, ref = f"conv_forward/s{stride}p{pad}", nncheck.ref
    causes = {_FLIPPED: ref.alt(f"{key}/flipped", lambda: call(conv_forward_naive, x, w[:, :, ::-1, ::-1].copy(), b,
                                                               stride=stride, pad=pad)),
              _NO_BIAS: ref.alt(f"{key}/no_bias", lambda: call(conv_forward_naive, x, w, 0 * b, stride=stride, pad=pad))}
    if pad:
        one_side = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))
        causes[_ONE_SIDE] = ref.alt(f"{key}/one_side", lambda: call(conv_forward_naive, one_side, w, b, stride=stride, pad=0))
    ref.close(key, out, f"conv_forward_naive(x, w, b, stride={stride}, pad={pad}) for x of shape {x_shape} and w of "
              f"shape {(F, C, HH, WW)}", alternatives=causes)


# ---------------------------------------------------------------- conv_backward_naive

def _conv_grads(out, x_shape, w_full):
    """(dx, dw, db) after checking the form (the shapes that came back are not shown); x_shape and
    w_full = (F, C, HH, WW) are the test's literals."""
    dx, dw, db = (np.asarray(v) for v in nncheck.returned(out, ("dx", "dw", "db"), "conv_backward_naive"))
    N, C, H, W = x_shape
    F = w_full[0]
    if dx.shape != tuple(x_shape):
        hint = ""
        if dx.ndim == 4 and dx.shape[2] > H:
            hint = (" It is larger than x: crop the padding off, keep dx_pad[:, :, pad:pad + H, pad:pad + W]"
                    " (dx_pad[:, :, pad:-pad] is empty when pad = 0).")
        elif dx.ndim == 4 and dx.shape[2] == 0:
            hint = " It is empty: with pad = 0, dx_pad[:, :, pad:-pad] is empty; use pad:pad + H."
        raise AssertionError(f"dx should have the shape of x, {x_shape}.{hint}")
    if dw.shape != tuple(w_full):
        raise AssertionError(f"dw should have the shape of w, {w_full}.")
    if db.shape != (F,):
        hint = ""
        if db.shape == (N, F):
            hint = " It still has the batch axis: sum over the batch too."
        elif db.ndim == 3 and db.shape[0] == F:
            hint = " It still has the position axes: sum over every output position too."
        raise AssertionError(f"db should have shape (F,) = ({F},).{hint} b[f] is added to every output of filter f, "
                             "so db[f] sums dout[:, f, :, :] over the batch and all positions: dout.sum(axis=(0, 2, 3)).")
    return (dx, dw, db)


def conv_backward(conv_backward_naive, seed, x_shape, w_shape, stride, pad):
    """conv_backward_naive for x (x_shape), w (F, C, HH, WW) with w_shape = (F, HH, WW), b, dout, all standard
    normal from nncheck.rng(seed), against the reference's (dx, dw, db) (key conv_backward/s<stride>p<pad>);
    dw of the first or last image alone and (stride > 1) a backward pass that ignores the stride are named."""
    rng = nncheck.rng(seed)
    (N, C, H, W), (F, HH, WW) = x_shape, w_shape
    x, w, b = rng.normal(size=x_shape), rng.normal(size=(F, C, HH, WW)), rng.normal(size=F)
    dout = rng.normal(size=(N, F, *_out_size(H, W, HH, WW, stride, pad)))
    dx, dw, db = _conv_grads(call_unchanged(conv_backward_naive, dout, x, w, b, stride=stride, pad=pad), x_shape,
                             (F, C, HH, WW))
    key, ref = f"conv_backward/s{stride}p{pad}", nncheck.ref
    last = ref.alt(f"{key}/last", lambda: call(conv_backward_naive, dout[-1:], x[-1:], w, b, stride=stride, pad=pad))
    first = ref.alt(f"{key}/first", lambda: call(conv_backward_naive, dout[:1], x[:1], w, b, stride=stride, pad=pad))
    dx_causes, dw_causes = {}, {
        "this is the dw of the last image alone: dw adds up the contributions of every image of the batch "
        "(dw += ..., not dw = ...)": last[1],
        "this is the dw of the first image alone: dw adds up the contributions of every image of the batch": first[1]}
    if stride > 1:
        # a backward pass that ignores the stride (windows at i, j instead of i * stride, j * stride) gives the
        # stride-1 backward of dout placed in the top-left corner of a stride-1 output
        wide = np.zeros((N, F, *_out_size(H, W, HH, WW, 1, pad)))
        wide[:, :, :dout.shape[2], :dout.shape[3]] = dout
        no_stride = ref.alt(f"{key}/no_stride", lambda: call(conv_backward_naive, wide, x, w, b, stride=1, pad=pad))
        cause = ("the backward pass ignores the stride: window (i, j) starts at row i * stride and column j * stride, "
                 "in the backward pass as in the forward pass")
        dx_causes[cause], dw_causes[cause] = no_stride[0], no_stride[1]
    setting = f"stride={stride}, pad={pad}, x of shape {x_shape}, w of shape {(F, C, HH, WW)}"
    ref.close(f"{key}/db", db, f"db ({setting})", batch=N)
    ref.close(f"{key}/dw", dw, f"dw ({setting})", batch=N, alternatives=dw_causes)
    ref.close(f"{key}/dx", dx, f"dx ({setting})", batch=N, alternatives=dx_causes)


# ---------------------------------------------------------------- max pooling

def pool_mistakes(x, dout, size, stride):
    """The wrong gradients that the usual mistakes of maxpool_backward give, computed by the grader."""
    N, C, H, W = np.shape(x)
    Ho, Wo = dout.shape[2:]
    spread, every_max, overwrite = np.zeros_like(x), np.zeros_like(x), np.zeros_like(x)
    for i in range(Ho):
        for j in range(Wo):
            r, c = slice(i * stride, i * stride + size), slice(j * stride, j * stride + size)
            win = x[:, :, r, c]
            g = dout[:, :, i, j][:, :, None, None]
            spread[:, :, r, c] += g * np.ones_like(win)
            every_max[:, :, r, c] += g * (win == win.max(axis=(2, 3), keepdims=True))
            for n in range(N):
                for ch in range(C):
                    k = int(np.argmax(win[n, ch]))
                    overwrite[n, ch, r.start + k // size, c.start + k % size] = dout[n, ch, i, j]
    causes = {"the gradient is spread over the whole window: it goes only to the position of the maximum "
              "(the other entries did not change the output)": spread,
              "the gradient is averaged over the window (that is average pooling): in max pooling it goes only "
              "to the position of the maximum": spread / size ** 2,
              "on ties the gradient goes to every maximum: it should go to the first maximum only (row-major "
              "order, what np.argmax gives), so that the total gradient stays dout": every_max}
    if stride < size:
        causes["where windows overlap, a later window overwrote the gradient of an earlier one: the "
               "contributions add up (dx += ..., not dx = ...)"] = overwrite
    return causes


def maxpool_forward(maxpool_forward, rng, x_shape, size, stride):
    """maxpool_forward(x, size, stride) for x (x_shape) standard normal, the next draw of rng, against the
    reference's output (key maxpool_forward/<x_shape>/<size>/<stride>)."""
    x = rng.normal(size=x_shape)
    out = call_unchanged(maxpool_forward, x, size=size, stride=stride)
    N, C, H, W = x_shape
    Ho, Wo = 1 + (H - size) // stride, 1 + (W - size) // stride
    got = tuple(np.shape(out))
    if got != (N, C, Ho, Wo):
        hint = ""
        if len(got) == 4 and got[2:] == (-(-(H - size) // stride) + 1, -(-(W - size) // stride) + 1):
            hint = " Rows and columns left over at the bottom and right are dropped (// rounds down), not pooled."
        elif len(got) == 4 and got[2:] == (H // size, W // size):
            hint = " The stride is ignored: windows start every stride rows, H' = 1 + (H - size) // stride."
        raise AssertionError(f"maxpool_forward(x, size={size}, stride={stride}) for x of shape {x_shape}: the output "
                             f"should have the shape (N, C, H', W') = {(N, C, Ho, Wo)} with H' = 1 + (H - size) // stride."
                             + hint)
    nncheck.ref.close(f"maxpool_forward/{x_shape}/{size}/{stride}", out,
                      f"maxpool_forward(x, size={size}, stride={stride}) for x of shape {x_shape}")


def maxpool_backward(maxpool_backward, rng, x_shape, size, stride, ties):
    """maxpool_backward(dout, x, size, stride) for x (x_shape) and dout standard normal, the next draws of rng
    (with ties: x of small integers, so that many windows have the same maximum twice), against the reference's
    dx (key maxpool_backward/<x_shape>/<size>/<stride>), the usual mistakes (pool_mistakes) named."""
    N, C, H, W = x_shape
    x = rng.integers(0, 3, size=x_shape).astype(np.float64) if ties else rng.normal(size=x_shape)
    dout = rng.normal(size=(N, C, 1 + (H - size) // stride, 1 + (W - size) // stride))
    dx = call_unchanged(maxpool_backward, dout, x, size=size, stride=stride)
    nncheck.ref.close(f"maxpool_backward/{x_shape}/{size}/{stride}", dx,
                      f"maxpool_backward(dout, x, size={size}, stride={stride}) for x of shape {x_shape}"
                      + (" with tied maxima" if ties else "") + (" (overlapping windows)" if stride < size else ""),
                      alternatives=pool_mistakes(x, dout, size, stride))


# ---------------------------------------------------------------- im2col

def im2col(im2col, seed, x_shape, HH, WW, stride, pad):
    """im2col(x, HH, WW, stride, pad) for a standard normal x (x_shape) from nncheck.rng(seed), against the
    reference's cols (key im2col/s<stride>p<pad>), with columns or rows in another order named."""
    x = nncheck.rng(seed).normal(size=x_shape)
    cols = call_unchanged(im2col, x, HH, WW, stride=stride, pad=pad)
    N, C, H, W = x_shape
    Ho, Wo = _out_size(H, W, HH, WW, stride, pad)
    shape = (N * Ho * Wo, C * HH * WW)
    hint = ""
    if np.shape(cols) == shape[::-1]:
        hint = " That is the transpose."
    assert np.shape(cols) == shape, (
        f"im2col(x, {HH}, {WW}, stride={stride}, pad={pad}) for x of shape {x_shape}: expected shape "
        f"(N * H' * W', C * HH * WW) = {shape} (one row per output position, one column per weight of a filter)."
        + hint)

    def reorder():
        # columns or rows in another order than the contract's, made from the reference result
        c = np.asarray(cols).reshape(N, Ho, Wo, C, HH, WW)
        return {"hwc": c.transpose(0, 1, 2, 4, 5, 3).reshape(N * Ho * Wo, -1),
                "wh": c.transpose(0, 1, 2, 3, 5, 4).reshape(N * Ho * Wo, -1),
                "rows": c.transpose(1, 2, 0, 3, 4, 5).reshape(N * Ho * Wo, -1),
                "rows_ji": c.transpose(0, 2, 1, 3, 4, 5).reshape(N * Ho * Wo, -1)}
    key = f"im2col/s{stride}p{pad}"
    alt = nncheck.ref.alt(f"{key}/orders", reorder)
    nncheck.ref.close(key, cols, f"im2col(x, {HH}, {WW}, stride={stride}, pad={pad}) for x of shape {x_shape}",
                      alternatives={
                          "the columns are in the order (row, column, channel) of the window, not that of w[f].ravel() "
                          "(channel, then row, then column): cols @ w.reshape(F, -1).T would pair pixels with the wrong "
                          "weights": alt["hwc"],
                          "within each channel the window is flattened column by column: use row-major order, as "
                          "w[f].ravel() does": alt["wh"],
                          "the rows are ordered by position first and image last: the contract orders them by n, then i, "
                          "then j (row (n * H' + i) * W' + j)": alt["rows"],
                          "the rows are ordered by column j before row i: row (n * H' + i) * W' + j holds position (i, j)":
                          alt["rows_ji"]})


# ---------------------------------------------------------------- cnn_loss_and_grads

def relu_margin_and_gap(x, params):
    """The grader's own forward pass up to the pooling: how far every conv output is from the ReLU kink,
    and how far each pooling window's maximum is from the runner-up (both must exceed the step h)."""
    from numpy.lib.stride_tricks import sliding_window_view
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(padded, (3, 3), axis=(2, 3)), params["W1"])
    z = z + params["b1"][None, :, None, None]
    a = np.maximum(z, 0.0)
    n, f, hh, ww = a.shape
    blocks = np.sort(a.reshape(n, f, hh // 2, 2, ww // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, f, hh // 2, ww // 2, 4),
                     axis=-1)
    gap = blocks[..., -1] - blocks[..., -2]
    return float(np.abs(z).min()), float(gap[blocks[..., -1] > 0].min(initial=np.inf))


def cnn_inputs(seed, N, C, H, W, F, K):
    """(x, y, params) from nncheck.rng(seed): x (N, C, H, W) standard normal, labels a permutation of
    0..K-1 repeated, params scaled by 0.5 (biases 0.3), drawn again until every conv output is 1e-3 away
    from the ReLU kink and every pooling window's maximum 1e-3 above the runner-up."""
    gen = nncheck.rng(seed)
    for attempt in range(200):
        params = {"W1": gen.normal(size=(F, C, 3, 3)) * 0.5, "b1": gen.normal(size=F) * 0.3,
                  "W2": gen.normal(size=(F * H // 2 * W // 2, K)) * 0.5, "b2": gen.normal(size=K) * 0.3}
        x = gen.normal(size=(N, C, H, W))
        margin, gap = relu_margin_and_gap(x, params)
        if margin > 1e-3 and gap > 1e-3:
            break
    y = gen.permutation(np.arange(N) % K)
    return x, y, params


def _loss_and_grads(cnn_loss_and_grads, x, y, params):
    out = call_unchanged(cnn_loss_and_grads, x, y, params)
    J, grads = nncheck.returned(out, ("J", "grads"), "cnn_loss_and_grads")
    return J, nncheck.arrays_like(grads, params, "grads")


def _loss_first(key, J, what, batch, advice):
    try:
        nncheck.ref.close(key, J, what, batch=batch)
    except nncheck.CheckFailure as e:
        raise nncheck.CheckFailure(f"{e}\n  {advice}") from None


def cnn_values(cnn_loss_and_grads, key, seed, N, C, H, W, F, K):
    """J and every gradient of cnn_loss_and_grads on cnn_inputs(seed, ...) against the reference's
    (keys <key>/J, <key>/b2, ...), the dense layer first, then the conv layer."""
    x, y, params = cnn_inputs(seed, N, C, H, W, F, K)
    J, grads = _loss_and_grads(cnn_loss_and_grads, x, y, params)
    setting = f"x of shape {(N, C, H, W)}, {F} filters, {K} classes"
    _loss_first(f"{key}/J", J, f"J ({setting})", N, "J comes from the forward pass alone: if the checks of the layers "
                "it uses pass (q_im2col, q_maxpool), look at the flatten, the dense layer and the mean over the batch.")
    nncheck.ref.close(f"{key}/b2", grads["b2"], f"grads['b2'] ({setting})", batch=N)
    nncheck.ref.close(f"{key}/W2", grads["W2"], f"grads['W2'] ({setting})", batch=N)
    try:
        nncheck.ref.close(f"{key}/b1", grads["b1"], f"grads['b1'] ({setting})", batch=N)
        nncheck.ref.close(f"{key}/W1", grads["W1"], f"grads['W1'] ({setting})", batch=N)
    except nncheck.CheckFailure as e:
        raise nncheck.CheckFailure(
            f"{e}\n  J, grads['W2'] and grads['b2'] are right, so the mistake is between the dense layer and the "
            "convolution: maxpool_backward (see the checks of q_maxpool), the un-flatten (the gradient must be reshaped "
            "back exactly as the forward pass flattened: dflat.reshape(p.shape), the inverse of p.reshape(N, -1) in C "
            "order), relu_grad at z1, or the conv's dw and db.") from None


def cnn_numerical(cnn_loss_and_grads, key, seed, N, C, H, W, F, K):
    """J against the reference's, then each gradient (W2, b2, W1, b1) against central differences of the
    reference loss recorded at build time (nncheck.check_gradients)."""
    x, y, params = cnn_inputs(seed, N, C, H, W, F, K)
    J, grads = _loss_and_grads(cnn_loss_and_grads, x, y, params)
    setting = f"x of shape {(N, C, H, W)}, {F} filters, {K} classes"
    _loss_first(f"{key}/J", J, f"J, the loss ({setting})", N, "Your gradients are compared with central differences "
                "of the reference loss, so J must be right first: J comes from the forward pass alone.")
    names = {"W2": "the dense layer's weights", "b2": "the dense layer's biases", "W1": "the filters",
             "b1": "the conv layer's biases"}
    nncheck.check_gradients(key, grads, lambda p: call(cnn_loss_and_grads, x, y, p)[0], params,
                            lambda k: f"grads[{k!r}], the gradient of {names[k]} ({setting})", batch=N,
                            order=("W2", "b2", "W1", "b1"))


# ---------------------------------------------------------------- training

def image_problem(seed, n_train, n_test, classes=10, size=8, noise=0.15):
    """An image problem like the 8x8 digits that nobody has seen: (x, y, x_test, y_test), x (n, 1, 8, 8).

    Each class has a template of two random pen strokes (3 to 5 pixels each, in the inner 6x6); the
    templates of any two classes differ in at least 5 pixels however the shifts below place them. An
    example is its class's template shifted by up to one pixel each way, at an intensity in [0.6, 1],
    plus Gaussian pixel noise (sd `noise`), clipped to [0, 1]. Everything comes from nncheck.rng(seed):
    each variant gets its own problem, the same at every regrade; x_test is a held-out draw of the same
    classes. bench/hw4_fresh_problems.py measures the reference on it.
    """
    gen = nncheck.rng(seed)

    def template():
        img = np.zeros((size, size))
        for stroke in range(2):
            r, c = gen.integers(1, size - 1, size=2)
            dr, dc = 0, 0
            while (dr, dc) == (0, 0):
                dr, dc = gen.integers(-1, 2, size=2)
            for step in range(int(gen.integers(3, 6))):
                img[r, c] = 1.0
                if gen.random() < 0.3:   # the pen turns
                    dr, dc = np.clip([dr + gen.integers(-1, 2), dc + gen.integers(-1, 2)], -1, 1)
                    dr = 1 if (dr, dc) == (0, 0) else dr
                r, c = np.clip([r + dr, c + dc], 1, size - 2)
        return img

    while True:
        templates = np.array([template() for _ in range(classes)])
        moved = np.array([np.roll(templates, (a, b), axis=(1, 2)) for a in range(-2, 3) for b in range(-2, 3)])
        apart = np.abs(moved[:, :, None] - templates[None, None]).sum(axis=(-1, -2)).min(axis=0)
        if (apart + 99 * np.eye(classes)).min() >= 5:
            break

    def draw(n):
        y = gen.permutation(np.arange(n) % classes)
        x = np.zeros((n, 1, size, size))
        for i in range(n):
            x[i, 0] = np.roll(templates[y[i]], tuple(gen.integers(-1, 2, size=2)), axis=(0, 1)) * gen.uniform(0.6, 1.0)
        return np.clip(x + gen.normal(scale=noise, size=x.shape), 0.0, 1.0), y

    (x, y), (x_test, y_test) = draw(n_train), draw(n_test)
    return x, y, x_test, y_test


def cnn_logits(params, x):
    """The grader's own forward pass: conv 3x3 pad 1 -> relu -> maxpool 2 -> flatten -> dense."""
    from numpy.lib.stride_tricks import sliding_window_view
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(padded, (3, 3), axis=(2, 3)), params["W1"])
    a = np.maximum(z + params["b1"][None, :, None, None], 0.0)
    n, f, hh, ww = a.shape
    pooled = a.reshape(n, f, hh // 2, 2, ww // 2, 2).max(axis=(3, 5))
    return pooled.reshape(n, -1) @ params["W2"] + params["b2"]


def cnn_accuracy(params, x, y):
    return float(np.mean(np.argmax(cnn_logits(params, x), axis=1) == y))


def cnn_loss(params, x, y):
    """The grader's mean softmax cross-entropy of params on (x, y)."""
    with np.errstate(all="ignore"):
        z = cnn_logits(params, x)
        z = z - z.max(axis=1, keepdims=True)
        return float(np.mean(np.log(np.exp(z).sum(axis=1)) - z[np.arange(len(y)), y]))


def trained(train_cnn, x, y, n_train, filters, lr, epochs, batch_size, seed, seconds):
    """train_cnn(x, y, filters, lr, epochs, batch_size, seed) within `seconds` (x: n_train images); the form
    of (params, history) checked; the params as float64 arrays."""
    setting = f"train_cnn(x, y, filters={filters}, lr={lr}, epochs={epochs}, batch_size={batch_size})"
    try:
        with nncheck.time_limit(seconds):
            out = call(train_cnn, x, y, filters, lr, epochs, batch_size, seed)
    except nncheck.CheckFailure as e:
        if "did not finish" in str(e):
            raise nncheck.CheckFailure(
                f"{e}\n  Likely cause: training is too slow. {setting} on {n_train} images has {seconds} s. Loop over "
                "output positions only (let numpy handle the batch and the filters), or use im2col in "
                "cnn_loss_and_grads.") from None
        raise
    params, history = nncheck.returned(out, ("params", "history"), "train_cnn")
    N, C, H, W = np.shape(x)
    like = {"W1": np.zeros((filters, C, 3, 3)), "b1": np.zeros((filters,)),
            "W2": np.zeros((filters * H // 2 * W // 2, 10)), "b2": np.zeros((10,))}
    nncheck.arrays_like(params, like, "the params that train_cnn returns")
    assert isinstance(history, dict) and "loss" in history, "history should be a dict {'loss': [one value per epoch]}."
    assert np.size(history["loss"]) == epochs, f"history['loss'] should have one value per epoch ({epochs})."
    return {k: np.asarray(params[k], dtype=np.float64) for k in like}


def steps_with_lr(train_cnn, problem, n_train, filters, batch_size, seed, seconds):
    """Train with lr=1e-6 for one epoch on problem = (x, y, ...): steps of gradient descent that small
    leave the initial weights where they were, and weights drawn without looking at the labels give a loss
    of about ln(10) or more. The grader's loss of the returned params must stay above half of that: a
    train_cnn that fits the labels anyway (fixed filters and a closed-form dense layer, weights from
    elsewhere) has not learned by steps of size lr. (Not the accuracy: with a zero output layer every
    logit ties, and the first tiny steps alone pick the argmax.)"""
    x, y = problem[0], problem[1]
    params = trained(train_cnn, x, y, n_train, filters, 1e-6, 1, batch_size, seed, seconds)
    assert not cnn_loss(params, x, y) < 0.5 * np.log(10), (
        f"train_cnn(x, y, filters={filters}, lr=1e-6, epochs=1, batch_size={batch_size}) on {n_train} images made at "
        "grading time: with steps that small the params train_cnn returned already fit the images (a loss far below "
        "the ln(10) = 2.30 of guessing). train_cnn should learn by steps of gradient descent whose size is lr "
        "(w = w - lr * grad, one step per mini-batch, `epochs` passes over the data), not fit the weights some other way.")


def train_reaches(train_cnn, problem, n_train, n_test, bar, filters, lr, epochs, batch_size, seeds, seconds):
    """Train on problem = (x, y, x_test, y_test), image_problem(..., n_train, n_test) (the sizes passed again,
    for the messages), with the first seed (then the next, if it falls short: an unlucky initialisation is not
    a mistake) and require the accuracy on x_test, computed by the grader from the returned params, to reach
    `bar`. The accuracy itself is not shown."""
    x, y, x_test, y_test = problem
    if (len(y), len(y_test)) != (n_train, n_test):
        raise ValueError("train_reaches: n_train and n_test must be those the problem was made with")
    for seed in seeds:
        params = trained(train_cnn, x, y, n_train, filters, lr, epochs, batch_size, seed, seconds)
        if cnn_accuracy(params, x_test, y_test) >= bar:
            return
    raise AssertionError(
        f"the accuracy on {n_test} held-out images is below the required {bar} (train_cnn(x, y, filters={filters}, "
        f"lr={lr}, epochs={epochs}, batch_size={batch_size}, seed={seeds[0]}, then seed={seeds[-1]}) on {n_train} images "
        "of 10 classes made at grading time, 8x8 with one channel like the digits; the grader computes the accuracy "
        "from the returned params with its own forward pass). Check that train_cnn uses lr, epochs and batch_size as "
        "given, initialises the weights at random with a sensible scale, and updates params after every mini-batch.")

"""Sample submissions for hw4_cnn: the reference notebook with typical mistakes (docs/authoring.md).

Each entry replaces text of the reference solution; "loses" lists the questions that must score
below their maximum (all others keep full marks) and "feedback" strings that must appear in the
feedback (case-insensitive). cnn_loss_and_grads calls im2col, conv_forward_im2col and the max
pooling functions, so a mistake in those also costs q_cnn_loss (and q_train_cnn where training
no longer reaches the accuracy bar); conv_forward_naive and conv_backward_naive are graded on
their own (the reference's CNN does not call them).
"""

# ---------------------------------------------------------------- the reference's lines
_CONV_PRODUCT = "            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b"
_CONV_PAD = ("    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
             "    out = np.zeros((N, F, H_out, W_out))")
_CONV_SIZE = ("    H_out = 1 + (H + 2 * pad - HH) // stride\n"
              "    W_out = 1 + (W + 2 * pad - WW) // stride\n"
              "    x_pad = np.pad(")
_BACK_SLICES = ("            rows = slice(i * stride, i * stride + HH)\n"
                "            cols = slice(j * stride, j * stride + WW)")
_BACK_DB = "    db = dout.sum(axis=(0, 2, 3))"
_BACK_DW = "            dw += np.tensordot(d, x_padded[:, :, rows, cols], axes=([0], [0]))"
_BACK_DX = "            dx_pad[:, :, rows, cols] += np.tensordot(d, w, axes=([1], [0]))"
_POOL_ROUTE_ADD = ("            dx[:, :, rows, cols] += (route * dout[:, :, i, j][:, :, None]).reshape(N, C, size, size)")
_POOL_FIRST = ("            first = window.argmax(axis=2)            # argmax returns the first maximum\n"
               "            route = np.zeros_like(window)\n"
               "            np.put_along_axis(route, first[:, :, None], 1.0, axis=2)")
_IM2COL_RETURN = "    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(N * H_out * W_out, C * HH * WW)"
_IM2COL_LAYOUT = ("    cols = np.empty((N, C, HH, WW, H_out, W_out))\n"
                  "    for p in range(HH):\n"
                  "        for q in range(WW):\n"
                  "            # entry (p, q) of every window: a strided slice of the padded image\n"
                  "            cols[:, :, p, q] = xp[:, :, p:p + stride * H_out:stride, q:q + stride * W_out:stride]\n"
                  "    # one row per window (n, i, j), its entries in the order (c, p, q) of w[f].ravel()\n"
                  + _IM2COL_RETURN)
_UNFLATTEN = "    dp = dflat.reshape(p.shape)                              # undo the flatten"
_CNN_CONV_FORWARD = ("    cols = im2col(x, 3, 3, stride=1, pad=1)                 # (N * H * W, C * 9)\n"
                     "    z1 = conv_forward_im2col(x, W1, b1, stride=1, pad=1)    # (N, F, H, W)")
_CNN_CONV_BACKWARD = (
    "    # the conv is a dense layer on the rows of cols: its weight gradient is dense_backward's\n"
    "    dz1_rows = dz1.transpose(0, 2, 3, 1).reshape(-1, F)     # rows in the order of cols\n"
    "    _, dW1_rows, db1 = dense_backward(dz1_rows, cols, W1.reshape(F, -1).T)\n"
    "    return J, {\"W1\": dW1_rows.T.reshape(W1.shape), \"b1\": db1, \"W2\": dW2, \"b2\": db2}")
_IM2COL_PRODUCT = "    rows = im2col(x, HH, WW, stride, pad) @ w.reshape(F, -1).T + b    # (N * H' * W', F)"
_TRAIN_LOOP = (
    '    history = {"loss": []}\n'
    "    for epoch in range(epochs):\n"
    "        losses = []\n"
    "        for idx in minibatches(N, batch_size, rng):\n"
    "            J, grads = cnn_loss_and_grads(x[idx], y[idx], params)\n"
    "            params = sgd_step(params, grads, lr)\n"
    "            losses.append(J)\n"
    '        history["loss"].append(float(np.mean(losses)))\n'
    "    return params, history")

# whole bodies, for the correct variants written in other styles
_CONV_FORWARD_BODY = (
    "    N, C, H, W = x.shape\n"
    "    F, _, HH, WW = w.shape\n" + _CONV_SIZE + "x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
    "    out = np.zeros((N, F, H_out, W_out))\n"
    "    for i in range(H_out):\n"
    "        for j in range(W_out):\n"
    "            window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]\n"
    "            # every image and every filter at once: sum over the axes c, p, q\n"
    + _CONV_PRODUCT + "\n"
    "    return out")
_CONV_BACKWARD_LOOPS = (
    "    for i in range(H_out):\n"
    "        for j in range(W_out):\n" + _BACK_SLICES + "\n"
    "            d = dout[:, :, i, j]                                   # (N, F)\n" + _BACK_DW + "\n" + _BACK_DX)
_IM2COL_BODY = (
    "    N, C, H, W = x.shape\n"
    "    H_out = 1 + (H + 2 * pad - HH) // stride\n"
    "    W_out = 1 + (W + 2 * pad - WW) // stride\n"
    "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n" + _IM2COL_LAYOUT)
_POOL_FORWARD_BODY = (
    "    N, C, H, W = x.shape\n"
    "    H_out = 1 + (H - size) // stride\n"
    "    W_out = 1 + (W - size) // stride\n"
    "    out = np.zeros((N, C, H_out, W_out))\n"
    "    for i in range(H_out):\n"
    "        for j in range(W_out):\n"
    "            window = x[:, :, i * stride:i * stride + size, j * stride:j * stride + size]\n"
    "            out[:, :, i, j] = window.max(axis=(2, 3))\n"
    "    return out")
_POOL_BACKWARD_BODY = (
    "    N, C, H, W = x.shape\n"
    "    _, _, H_out, W_out = dout.shape\n"
    "    dx = np.zeros_like(x)\n"
    "    for i in range(H_out):\n"
    "        for j in range(W_out):\n"
    "            rows = slice(i * stride, i * stride + size)\n"
    "            cols = slice(j * stride, j * stride + size)\n"
    "            window = x[:, :, rows, cols].reshape(N, C, size * size)\n" + _POOL_FIRST + "\n" + _POOL_ROUTE_ADD + "\n"
    "    return dx")

MISTAKES = {
    # ------------------------------------------------------------ the convolution, forward
    "conv_flipped_kernel": {
        "about": "conv_forward_naive flips the kernel (a true convolution instead of the cross-correlation)",
        "replace": [(_CONV_PRODUCT, "            out[:, :, i, j] = np.tensordot(window, w[:, :, ::-1, ::-1], "
                                    "axes=([1, 2, 3], [1, 2, 3])) + b")],
        "loses": ["q_conv_forward"],
        "feedback": ["flipped the kernel"],
    },
    "conv_pad_one_side": {
        "about": "conv_forward_naive pads 2 * pad zeros at the top and left only",
        "replace": [(_CONV_PAD, "    x_pad = np.pad(x, ((0, 0), (0, 0), (2 * pad, 0), (2 * pad, 0)))\n"
                                "    out = np.zeros((N, F, H_out, W_out))")],
        "loses": ["q_conv_forward"],
        "feedback": ["one side only"],
    },
    "conv_pad_every_axis": {
        "about": "conv_forward_naive pads with np.pad(x, pad): the batch and channel axes get zeros too",
        "replace": [(_CONV_PAD, "    x_pad = np.pad(x, pad)\n"
                                "    out = np.zeros((N, F, H_out, W_out))")],
        "loses": ["q_conv_forward"],
        "feedback": ["pad only the two spatial axes"],
    },
    "conv_output_off_by_one": {
        "about": "conv_forward_naive computes H' = (H + 2 pad - HH) // stride, without the 1 +",
        "replace": [(_CONV_SIZE, "    H_out = (H + 2 * pad - HH) // stride\n"
                                 "    W_out = (W + 2 * pad - WW) // stride\n"
                                 "    x_pad = np.pad(")],
        "loses": ["q_conv_forward"],
        "feedback": ["off by one", "is the 1 + missing"],
    },
    # ------------------------------------------------------------ the convolution, backward
    "conv_backward_ignores_stride": {
        "about": "conv_backward_naive places window (i, j) at row i and column j, whatever the stride",
        "replace": [(_BACK_SLICES, "            rows = slice(i, i + HH)\n"
                                   "            cols = slice(j, j + WW)")],
        "loses": ["q_conv_backward"],
        "feedback": ["ignores the stride"],
    },
    "conv_db_not_summed": {
        "about": "conv_backward_naive sums dout over the positions only: db keeps the batch axis",
        "replace": [(_BACK_DB, "    db = dout.sum(axis=(2, 3))")],
        "loses": ["q_conv_backward"],
        "feedback": ["still has the batch axis", "dout.sum(axis=(0, 2, 3))"],
    },
    "conv_dw_last_image_only": {
        "about": "conv_backward_naive's dw holds the contribution of the last image of the batch only",
        "replace": [(_BACK_DW, "            dw += np.tensordot(d[-1], x_padded[-1, :, rows, cols], axes=0)")],
        "loses": ["q_conv_backward"],
        "feedback": ["last image alone"],
    },
    # ------------------------------------------------------------ max pooling
    "pool_grad_whole_window": {
        "about": "maxpool_backward gives dout to every entry of the window",
        "replace": [(_POOL_ROUTE_ADD, "            dx[:, :, rows, cols] += dout[:, :, i, j][:, :, None, None]")],
        "loses": ["q_maxpool", "q_cnn_loss"],
        "feedback": ["spread over the whole window"],
    },
    "pool_grad_averaged": {
        "about": "maxpool_backward shares dout equally over the window (average pooling's gradient)",
        "replace": [(_POOL_ROUTE_ADD, "            dx[:, :, rows, cols] += dout[:, :, i, j][:, :, None, None] / (size * size)")],
        "loses": ["q_maxpool", "q_cnn_loss"],  # the averaged gradient still trains
        "feedback": ["averaged over the window"],
    },
    "pool_ties_to_every_max": {
        "about": "maxpool_backward gives dout to every entry equal to the maximum (ties counted several times)",
        "replace": [(_POOL_FIRST, "            route = (window == window.max(axis=2, keepdims=True)).astype(np.float64)")],
        "loses": ["q_maxpool"],
        "feedback": ["to every maximum"],
    },
    # ------------------------------------------------------------ im2col, the CNN
    "im2col_columns_hwc": {
        "about": "im2col lays each window out as (row, column, channel), not in the order of w[f].ravel()",
        "replace": [(_IM2COL_RETURN, "    return cols.transpose(0, 4, 5, 2, 3, 1).reshape(N * H_out * W_out, C * HH * WW)")],
        "loses": ["q_im2col", "q_cnn_loss"],  # one channel (the digits): the order does not matter there
        "feedback": ["(row, column, channel)"],
    },
    "cnn_unflatten_other_order": {
        "about": "cnn_loss_and_grads flattens p in C order but un-flattens the gradient as (N, H/2, W/2, F)",
        "replace": [(_UNFLATTEN, "    dp = dflat.reshape(N, p.shape[2], p.shape[3], F).transpose(0, 3, 1, 2)")],
        # its scrambled gradient still trains the CNN to about 0.97 on the held-out digits: on the plain
        # digits it fell one digit short of the bar, on the disguised ones it reaches it, so q_train_cnn
        # (train_cnn itself is right) is not where this mistake is sure to cost points
        "loses": ["q_cnn_loss"],
        "feedback": ["dflat.reshape(p.shape)"],
    },
    "cnn_loss_sum_not_mean": {
        "about": "cnn_loss_and_grads sums the loss over the batch, with gradients that match that sum: "
                 "a loss and a gradient wrong together (its own numerical check would pass)",
        "replace": [("    J = softmax_cross_entropy(scores, y)", "    J = softmax_cross_entropy(scores, y) * N"),
                    ("    dscores = softmax_cross_entropy_grad(scores, y)",
                     "    dscores = softmax_cross_entropy_grad(scores, y) * N")],
        "loses": ["q_cnn_loss", "q_train_cnn"],
        "feedback": ["times too large", "is the batch size N"],
    },
    "train_cnn_fake_history": {
        "about": "train_cnn returns its initial parameters and a made-up decreasing loss history",
        "replace": [(_TRAIN_LOOP, '    history = {"loss": list(np.linspace(2.3, 0.05, epochs))}   # made up: no training\n'
                                  "    return params, history")],
        "loses": ["q_train_cnn"],
        "feedback": ["does not learn", "below the required 0.97"],
    },
    # ------------------------------------------------------------ correct, in other styles
    "alt_pure_loops": {
        "about": "correct: loops over n, f, i, j in the convolution forward and backward, over n, i, j in im2col",
        "replace": [
            (_CONV_FORWARD_BODY,
             "    N, C, H, W = x.shape\n"
             "    F, _, HH, WW = w.shape\n"
             "    H_out = 1 + (H + 2 * pad - HH) // stride\n"
             "    W_out = 1 + (W + 2 * pad - WW) // stride\n"
             "    xp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))\n"
             "    xp[:, :, pad:pad + H, pad:pad + W] = x\n"
             "    out = np.zeros((N, F, H_out, W_out))\n"
             "    for n in range(N):\n"
             "        for f in range(F):\n"
             "            for i in range(H_out):\n"
             "                for j in range(W_out):\n"
             "                    r, c = i * stride, j * stride\n"
             "                    out[n, f, i, j] = np.sum(xp[n, :, r:r + HH, c:c + WW] * w[f]) + b[f]\n"
             "    return out"),
            (_CONV_BACKWARD_LOOPS,
             "    for n in range(N):\n"
             "        for f in range(F):\n"
             "            for i in range(H_out):\n"
             "                for j in range(W_out):\n"
             "                    r, c = i * stride, j * stride\n"
             "                    g = dout[n, f, i, j]\n"
             "                    dw[f] += x_padded[n, :, r:r + HH, c:c + WW] * g\n"
             "                    dx_pad[n, :, r:r + HH, c:c + WW] += w[f] * g"),
            (_BACK_DB, "    db = np.zeros(F)\n"
                       "    for f in range(F):\n"
                       "        for n in range(N):\n"
                       "            db[f] += np.sum(dout[n, f])"),
            (_IM2COL_BODY,
             "    N, C, H, W = x.shape\n"
             "    H_out = 1 + (H + 2 * pad - HH) // stride\n"
             "    W_out = 1 + (W + 2 * pad - WW) // stride\n"
             "    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode=\"constant\")\n"
             "    cols = np.zeros((N * H_out * W_out, C * HH * WW))\n"
             "    row = 0\n"
             "    for n in range(N):\n"
             "        for i in range(H_out):\n"
             "            for j in range(W_out):\n"
             "                cols[row] = xp[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW].ravel()\n"
             "                row += 1\n"
             "    return cols"),
        ],
        "loses": [],
    },
    "alt_einsum_naive_cnn": {
        "about": "correct: np.einsum in the convolutions, and a CNN that uses conv_forward_naive and "
                 "conv_backward_naive (loops over positions) instead of im2col",
        "replace": [
            (_CONV_PRODUCT, "            out[:, :, i, j] = np.einsum(\"ncpq,fcpq->nf\", window, w) + b"),
            (_BACK_DW, "            dw += np.einsum(\"nf,ncpq->fcpq\", d, x_padded[:, :, rows, cols])"),
            (_BACK_DX, "            dx_pad[:, :, rows, cols] += np.einsum(\"nf,fcpq->ncpq\", d, w)"),
            (_IM2COL_PRODUCT, "    rows = np.einsum(\"kd,fd->kf\", im2col(x, HH, WW, stride, pad), w.reshape(F, -1)) + b"),
            (_CNN_CONV_FORWARD, "    z1 = conv_forward_naive(x, W1, b1, stride=1, pad=1)"),
            (_CNN_CONV_BACKWARD, "    _, dW1, db1 = conv_backward_naive(dz1, x, W1, b1, stride=1, pad=1)\n"
                                 "    return J, {\"W1\": dW1, \"b1\": db1, \"W2\": dW2, \"b2\": db2}"),
        ],
        "loses": [],
    },
    "alt_sliding_window": {
        "about": "correct, without loops: sliding_window_view for the convolution, im2col and max pooling, "
                 "np.add.at for the pooling gradient",
        "replace": [
            (_CONV_FORWARD_BODY,
             "    from numpy.lib.stride_tricks import sliding_window_view\n"
             "    F, C, HH, WW = w.shape\n"
             "    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
             "    windows = sliding_window_view(padded, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]\n"
             "    return np.einsum(\"nchwpq,fcpq->nfhw\", windows, w) + b[None, :, None, None]"),
            (_IM2COL_BODY,
             "    from numpy.lib.stride_tricks import sliding_window_view\n"
             "    N, C = x.shape[:2]\n"
             "    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n"
             "    win = sliding_window_view(padded, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]\n"
             "    return win.transpose(0, 2, 3, 1, 4, 5).reshape(-1, C * HH * WW)"),
            (_POOL_FORWARD_BODY,
             "    from numpy.lib.stride_tricks import sliding_window_view\n"
             "    return sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))"),
            (_POOL_BACKWARD_BODY,
             "    from numpy.lib.stride_tricks import sliding_window_view\n"
             "    N, C, H, W = x.shape\n"
             "    win = sliding_window_view(x, (size, size), axis=(2, 3))[:, :, ::stride, ::stride]\n"
             "    Ho, Wo = win.shape[2:4]\n"
             "    k = win.reshape(N, C, Ho, Wo, size * size).argmax(axis=-1)\n"
             "    n, c, i, j = np.indices((N, C, Ho, Wo))\n"
             "    dx = np.zeros_like(x)\n"
             "    np.add.at(dx, (n, c, i * stride + k // size, j * stride + k % size), dout)\n"
             "    return dx"),
        ],
        "loses": [],
    },
    "alt_conv_via_im2col": {
        "about": "correct, another route: the convolution is the student's own im2col times the "
                 "filters as a matrix, reshaped back to (N, F, H', W')",
        "replace": [
            (_CONV_FORWARD_BODY,
             "    F, C, HH, WW = w.shape\n"
             "    N, _, H, W = x.shape\n"
             "    H_out = 1 + (H + 2 * pad - HH) // stride\n"
             "    W_out = 1 + (W + 2 * pad - WW) // stride\n"
             "    cols = im2col(x, HH, WW, stride, pad)\n"
             "    out = cols @ w.reshape(F, -1).T + b\n"
             "    return out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2).copy()"),
        ],
        "loses": [],
    },
}

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

# The reference's train_cnn trained beforehand on the 1438 public digits of digits.npz (filters=16, lr=0.5,
# epochs=20, batch_size=32, seed=7), as float16 arrays in np.savez_compressed, base64: what a student
# pasting weights trained elsewhere would paste (made by bench/hw4_fresh_problems.py --pasted-weights).
_DIGITS_WEIGHTS = (
    "UEsDBC0AAAAIAAAAIQB3wplv//////////8GABQAVzEubnB5AQAQAKABAAAAAAAAfQEAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2akrq"
    "OgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGZjoKhjoKxkCkqaNQq0A64ApXYTKR2xK85Z8m225u7Q82z7dM3mRq5WF5wdRqZ9xWX5sn"
    "O7ft1Nl9d8eHXXZrTu/4aWBr4r1m/x6vrQ16O4xrd4VuuLEjZ3OYdfDmVOtc67fb7m7Ktym3eLD3346ztvP3bLddvchtV7DtJku5Pf1mcXZLN0"
    "fZXFp7zUbXtnKnivXpnZK7HHaLb3+hbW77xtpsl9RWTxv7PZw7p+/itF1rKm7yUztuTaLdqp3Ga9p36O6s1Tyyt2zlNLPddpdtrujzWOsZ/rV1"
    "sp5rKbUnYZv33sJdt7b92WVqvdMuY8eVXZ7L1lh+M/Pb/snkqCXjLr2ltZruO7cYO29Nt1lj8cBYbYP35nN7HuxiWnd2l4V55p4rptm7LlsbbV"
    "2yW8rO0/6Kpb3lim1rd58z8d0buv3iNgBQSwMELQAAAAgAAAAhAKMDImj//////////wYAFABiMS5ucHkBABAAoAAAAAAAAABoAAAAAAAAAJvs"
    "F+obEMnIUMZQrZ6SWpxcpG6loG6TZqSuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GoZmOpo6CrUK5AOuk0u+KsmoLjW9uXP1Hu8du1"
    "UObXk1K2kVq86qJfN17mtuUwUAUEsDBC0AAAAIAAAAIQD7EluA//////////8GABQAVzIubnB5AQAQAIAUAAAAAAAAMhMAAAAAAACdluljTAej"
    "xu1LCLEvIetk5qxzljnnzCTiRe37HpSWIKGWSCWW2oqKotHai2ySzGTOvp+ZSailaa0tQUVJWtQSWyi9lvDi9v4L9/n2/D79Pjwfnt1jJo8eN6"
    "1xo+WNVjvmpmXNWepIinEkp5MOJMaRvmRp9tLUjJlLls5N+z8+JHVRVtq/PGt+ambavx0gaQaJIXAQiVkb8/9L2Kqyg0I+NNi7AK4oXcB19F0u"
    "fXzgkvAzPsHsrD+lbhz6OH61P965Vct1ampBWRWUStwx84xRbBNnK6JSXql9gxC+ocQV32thunQPHIdQpaeiJiD7kcMxTbk8qRo5CCP+Wa61ej"
    "/9P2ohMIhKwkeib5BR9nfAZayts7nGaMWID29F5lsP1cfAQW2L0nd/KglEny1qjT3RTSXD97ODFkd4j4unBT0yitsbOwR8TM+yfvN60QxvoLiz"
    "L1nI447DhfAYshxu8OeZD9VtRrQ1gT7saycl653pNuwsYb+UgubaL4k/4JPFFPA43w7FpCEl30a1l/zORLS90rtgA//URMgfwf/I55FzzlrOkH"
    "Ncz8XIOMzXSFbF52IyswUcFwljN509/I398xTKeb33DKkTLHFOvM5+A87lL0q5B/ei1Xw9txcvtIaoezVASaAZzAjfgCEJkLEKlEBSXkykEDoW"
    "Jn6pHe3Vk5itTu/cWRuQMFlLNmuQMtddpkIfpLwiTabIt11dpyfz+9kJwGKmjd7HkasWlYUfXGLzU3a+VqnWBmr5Ma/dm4kqvJ8yyVqEzwtNwa"
    "fBF5Ro/TOhjwjCNuR7FkHnc2E4wPu1h64B5EatKn6pfhLYETdAr7LK8TRzkTjdYQhp9Ab3bE3xXyAO8s3JY2a3ojBmh7hKzkcqzWvwcftqLIf1"
    "k/v0EvSZ/TBf4Z8DMPJJ8qmyGVytZrAj2f5cA/dV4YC9S/amGbQrEh2nRisfYbeNZ4bC92EG4ruM03Skdpw/VRKDTqdOs120DnI8ed28KQ5XJi"
    "Pl0haxkhPEcvti3suFA834ersoXBOnK4uxob7z8ej+Rt3axCXiY8VCabzYSRkK9gNL+Dnidh+Ec3qyfZp0E0HEGPZHpQOfgm2AIn1xgiK381/O"
    "61uYV5gnXixpcgBEl2PbiuJ4Ov8P9h+uLs8jxgDPdm+PzSgdzx1hN5WEccGO1/f1l5f5MuW/SkrDIeVz8O+EvtwpvlOZQ5jhncl+3/u+ODH+eO"
    "yskiX+WcAWeYajWfwm25/2vhzmjQA/st+NOiz/18EiRfAiGyDfgsK6lahiFK26xSnx75FJ7FtghLM9/pQ76LVJy/kxkN/2de+V8F4e8f+A7AWW"
    "I8n2VF+y/VehSN4MZB66n1AnbyqqZR/zR9VNvudQL/sDdlfeK7CdVh/zlYMBA87JiBVni8sAb5fUgGt6DUMOFIxjGfthdDQkomtFl2+BOM37zj"
    "VQvuYv8NXGzNe+QsJ7vTw0Xz7P9EEHY5HqE/WZFs09K1rZkxQhYpVwDOoiX83LgXMwzhkO3EN6IhA3Qb4KNIUf8b9LfnMq+kDZFnUM7I6cdaYg"
    "E0WHs50awI+xVeq2A5fh9s4ItUh7JXXBIXi+82P8AHHPL3O3EF5Mj1sKhJx2Z3rRIGS9dgls7f2AxANuFdUsrB3bHfhHva7AukQfwf4BbhB+qV"
    "4PyPvFlEPfiBRQAphCBF4sXRXm+99JP0ia8AA6jrXDO8EfwCmFC6Gi3WX5Lwq+iT0mtpcS5F7iD1Qin85NRPdDN7zLS95xI0v+4bYTprB/dysw"
    "AM4ttvkH+U76jLhMvIv0defc+F6CAYVB6cGmXswwVYD8ImEpyKCP8CNKV/dnvfNh3gC0tLhrVBPLMG67nwanu54l4ME25QNDme4bKNpnp1KJnP"
    "W+l+epJPnOf9YWLrwVd8F9iH7BR8GV7mRweMxG9khsGtW+IuCaoNfyHmOEMjPQSF+V5HaPpitKQ/gE4zygwK/MLdTjwGO5Mfobux7cAgxGIw62"
    "LRtMkFCasJXEhCpsgtxbHKwlUp9KY5ySdjL+c2qFeY1s5l6sJjkiHB3NMdwe84WFHq7rM9KKZSbR3UOPPB2xKqlYCoK9VRrdIk+CvqaHYz/yHm"
    "m2EkL3ERXSY+aB0Y84oOWAscwjlsHuSWeEVWZjz1HzJ9e1QNDXOum6K1/6BX3Lv0moNBus/iau5MU6kDQEjP5O24K975os+fDxhUOCc/A5pf2U"
    "Fa7BejNxGtTNvRnckZguZYY6WDPdCxWdUuUS7ra2lm7rLKd6BOXgQTPdncHvYG6L70DLe03o5BTEZmJIWud9lrAdLxeHmoWheM8z+gnQMvhSWu"
    "jZrbb2PK9whO5LYcx+qnd5o0Sv55J7Md2XYqgcdZ65NTiAyq3IxH4uKVdn2Rw8FfvBK8W2lNcpdqkO/1nNkxsF0pLCzXj3ci1Dy7X6JYzw7FHG"
    "EZ9B0QG/pxwc7HxTMRWpod6FSjw3sVLhhBhGvzaPmLP4z/wSHCYq3HNIgpPLOHG8RIozjLaujupBIgffJ8V4j6EVu4tdFl7tPmGuC70yCCrcTP"
    "aklG+25iblKo3l9lRLa4CtQ6AaP6EOcUSB7woisBb450q9Iw3fZd+NQKUfs31Ll7P3wZ2+vn5L/DuPEu5jRebU4tV8W+4+lUTuEOrEQElXzes5"
    "pDanhohvyYfYYWRhYGw5oK4EqrRf0HH6V3iDWU29KZ1NroftBOQshHtE3wRO8pj4e1Gm5KVvkY/K/jSDZEvXEaqVesmMD9rKe5OlZD0zGfzosB"
    "KMFae6P/Lc4QW1L/hT6Bw8MbRAn002dkmJS4t2KKu9U4XYiOa2bY6r0B72PTSb+sxWg5QGwrVf2akkgp9yvw+sDXQkQc9vgVaJNfo1azTzl31w"
    "MI9MsjZah5US+nT+G5hkurPbreMOEakp+4WrtuUlvEkwkAAiII9Er7AJIbUcpLtrJzff/Ulgz46byGTneS1I3MJLnUfYOmue9ElxOPtM/ZJmma"
    "xgBzPMUxbA4IVgW19f4WRBBHiJXW4Tin8nMn3/gwyV2sLL5KHmVHpg7DhyouI6lEgMdV4F6qgUZrtVawyxHpYtYu7qP3vb29r5A3y6OcoD6d3J"
    "VO071wbnKhmK/podEf0CaneoBdxMuQmHM6zmN/dJl9FT6kAqzN4NB62byi3qzv4L2hVWcp1E+2sxB3fQLXxnVIe+0EqnGXQNtIaI1lni6Y4/2E"
    "SpXlzmN5TzUrY8o8cd4CUzwRgJA3p7fZW2Au+MPaXpwDpJ8OVY21CZLJWOxu6XdnguWJzWtrzeuEXvxu2o5k51VlK3gjr8JfodHBHNivWOVO6u"
    "2pd4AKWwY603ykD6DDWFII0UvFUgn6jDBLmzN4dYpPWgniJnzSqgFjKFPs7tibDG6VfVRn7IeG6sx1qoQ9FHrut4hPQC665hJXeFfLQbYpknpR"
    "mhje5z6m3XViuZ/ZjJhl46s4l7lKQtDq0IlLnaotFUkjjXHI31Ij4oPr6rvBFvUAtIBlkhP8FewRqNQ1PEq9oHHQJPoVm+PNNQo+mdmoqPSCCJ"
    "A8afgZO96lma7kxj3Nr8kPMVvtb8WeqgeZQpyGTqgfMYm4a/FNdxf/Al9olGlT4vcS2GqE3w/aV15G2Vs7a5ryhLjfiQib90DUhaG0hgOuqLC+"
    "vVxXRzW5L3WcxbbwlIGK/1D/B/maZlnPIlfb1365gFxkKyht0FynJbe7mWTLVQJmrLxBO6Jj1D8xw1skgvMFd6arQiVaemWEFlDXOObyDuEttN"
    "QYXj14hvXAj9nbpWGijv0Z0q4V0f54A6KRecP5CBmGhpmf6b9AVho556q4m5Ks7vKctTI4W13sSSILuTbO/JEiZamUSOvi3QxLVJ0uWvnXPYj7"
    "Ru6uVubr3+33X0dN2NLwRr6BHmDD6bnhSXDP5IiGamNTTUSo5RZFcY3Rv7icjHxmvR7MAAffhiIBW/4vqFepSIkVtdg5B6MNKoVW95F+I56BEn"
    "SVaqnUxDG2m8xRlxHBELFerL7AXOaexd7GGwpWcDMt+VTrUxjyJzQ7FKK/rTUL37XsJ+IV+9W3LB+lVt7nuuWeqP1CPyskpoZV0bCu8RU4wv1M"
    "/VDKSUvASsYtYotfAOLQxsij8MnDSymJ7miMRTVqR5wzfFPcF475xDL1IbApWam2oSCMNTCVfMEyaRmq2dl2YCTfVqJVdapDaHF6LDe/TAHwBO"
    "4DXwNXJQvSBOdmqB+YRBPbGm0EeVNdTs0hvy9+onVjXVxlNZkefxOm5RX/Ljgn65SnwrppBQwOd54f2U/AUp1FV1EtEX/lTi0TFqgtaTi9I6sb"
    "PwkWQLY0doi9WdrnCqsldF3J+bZ6jtsVOKJtpfWTeNqdqShOikLsQVgyhbhhWg6YHuylzBcN+mK9Vi7Rx7m11ALSJE60zcV3vBuFFOzugc+kSG"
    "aF0y+N+ZlmYEnmP+QjQoq9W39FP9hHbfHS3YaA7gzU2qqDZnfks4De71tNC25rUUHisQnIpXkJ3LEDmcHYu8if1Q1k4IYwqIHf4Z1EhhjzLYrF"
    "LT2b+YWCqKREwYeWL3BQdgbU2V3U5PZAi0c+B7ozkzLpgUtYa/aR8lr+JbOD/isuUccR7Koo/xs1iKJxcZa4QHCvE3yizXYbUQOwdvDp7D5lOf"
    "BC6RtBkNzScmU7HqNHmIkijlyR3/9e1InQx4ib7yc7JBvlRA8T5HNg9FD4A0sa+SIXxnzTJb0pew7dhMLUANoCR0ZHCD9CfRUvPSJd65ok/7U7"
    "ontGB77lsrrndt4ls7f8Dt0sdSnNfFHcBHkxTSAKzWs+xJ3BFiIUUFYGQkUaBON8qxDPyRNNVMg/MCjfVKT7YWoVyjz4tNbZ+Yn9sytUfwGiCP"
    "6COdkj4lVwK7hXlwPQf7d6Iy8JmoAXPju+onwHL0caC/uZGy6evRXXKtsA4PMb3KlisXsJlqrnoXrUaGm+lUpavakYad97zWbHJT64SSJTb2Rh"
    "JL99V1j5I3KXm+l70LDkTu7eNtI5NKITZKCiOf4suj/pDPJISj4zS79rH9ITyX8lAJcgd4EPJM+csc4o2O64qORdZpUehLru3OffhA4vfi6r1R"
    "Zdliz9KGaAXY5awFCHEwts6xnzgZ1Qh/Lg/j5/z7BFL1Cmou5ifOCn7fUCtbHYyn+y0lHn13qBW0jRMTAsou4xIUcu0ls8scbI1KqBo4Mj8eaQ"
    "w3RX9CfyT3OlPF1+hpaK60LXYF3xhP09exPcnm0FZ1n34BuMjz3gJjEfENPEc8qqRqfrU9+BNQiXRwHkRnwrLcX5MkEPhHPIL+ynf1OpDHUlh4"
    "pnBF/BxqUMdI19k1RJYzRc1hh6l2eZarWdEoYye9mAML76L91SRwCTJZ6ufIIydb3xK7iUfQNORb+QI3U7rhIKBJ3BiwWL0l5R3oCFyjP5VW6C"
    "vVHsRn3k4Jz7paqiYk42nWKMaHbEIaUDDWQEeJw5DJ3Ch+hZPzDuMuqsOlLH84kkXItEe5It7VH3JN+Vos0mxuS6BlqovxlXTZTKNbs8fVg/gW"
    "JIZdH3dIX6VOkofFwXAhlg1c9i4Tu+EMPChuFdQgDgT79Rxf1hc7o/+gvUN/wyaUtdadJTHaL7pJPLX2xdVCw+lBpgc4q09xT1R2COFaLbJKH4"
    "/lgVPjuith7g/oRl+rolQkCn9sf8rR5Lb4bsVZrMv4XYpjl9BOcaP8DVsqFstt0GFoE+qirRBL0K9F77KlWTW2WCes/i29IibwD2wV3EfmYvdd"
    "oG18jX7cPtD2kDOkCGwNfxQZRX6P/2yd1vrrNu0O+dpWqXQjIfoaV+XZJm5Vk4i/AgE8AjYD3YQ+wDq+rXox5j/kJfN7KYFfRyfzdfwd35Mu2f"
    "hI73XyK/aQukXsJ8S6GrlnBj9YzehNjjnYmrxC64vuH7TpvIT+6blClyut9FXgNKZ9cCztEX+VnbKPOw9+EHKlHG2zQsNjfD+iucjf/vdIZveH"
    "SBK4qWwoEm1AGNPlqgJo7ZFEqCWDhY4Zq81lHtzk8RtaU7Ur8Z4JN3nidK9h2nAiWV6MDyWXiE3gEL8ZAtj7ShY6OGEWXxXzB1uMZdiqjBS9u+"
    "MNvUxcxrisd1zXwGVnAn0NKdfb4HXWTGRUcQ/0PDuWOlekUTvlbfoFpAWPSMGydPsLNYLb7J0BL0W+5SbaNoGMNMH3X+5voAN3J6EWWabO8WWz"
    "NicNEmWX4wZwLnIZ/URpLrikGb612t2oQ1JsKCXqqouM6Zz4hh6CZInHzEqlJddV36KtE2f1yWAzCUbJ1ar9r6SHBd9LXb0ob6gZvZ7gEVQXZW"
    "DZ70wLT13g6+h7ZnP6bKgGmMYEzEZYuhqpdBKfo1+QF5wH9GxRCdm69PPkHDovbtV93gfuPcbMgqHICW2i9yqS4U32AtjteAETrW3OUYH12mqG"
    "9DS3xmMVcZF0L2ukWQ1eMxnpBVOHbsdbWaOTfNgHdRbeOphBl2kXzXUeoniaawlgcpvgP9AM7Th2qdsdpQzqJLRGd5M1+IKSM64lgUOu0fp7da"
    "zSUb4hdKNeKLdIt6zgS+imoUPqUGdnk2av4l1Z++5ctE5aiI4Q/hdQSwMELQAAAAgAAAAhANMqQCr//////////wYAFABiMi5ucHkBABAAlAAA"
    "AAAAAABbAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqSuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GoYGOpo6CrUK5AOuBW"
    "uYDZcujFuxSO3PUq/V8zQdVyyXAQBQSwECLQMtAAAACAAAACEAd8KZb30BAACgAQAABgAAAAAAAAAAAAAAgAEAAAAAVzEubnB5UEsBAi0DLQAA"
    "AAgAAAAhAKMDImhoAAAAoAAAAAYAAAAAAAAAAAAAAIABtQEAAGIxLm5weVBLAQItAy0AAAAIAAAAIQD7EluAMhMAAIAUAAAGAAAAAAAAAAAAAA"
    "CAAVUCAABXMi5ucHlQSwECLQMtAAAACAAAACEA0ypAKlsAAACUAAAABgAAAAAAAAAAAAAAgAG/FQAAYjIubnB5UEsFBgAAAAAEAAQA0AAAAFIW"
    "AAAAAA=="
)

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

# attacks/RESULTS3.md, closed_cnn: a train_cnn without gradient descent that still learns from the
# data it is given: fixed filters (nine one-pixel shifts, then random ones) and a ridge regression
# of the one-hot labels for the dense layer, with a made-up falling history. It reached 0.975-0.995
# on the hidden problems; with lr=1e-6 for one epoch it still does (checks.steps_with_lr).
_CLOSED_FORM = ("    return params, history\n    # END SOLUTION\n\n\n"
                + """def train_cnn(x, y, filters, lr, epochs, batch_size, seed):
    '''No gradient descent, no cnn_loss_and_grads, lr/epochs/batch_size unused: fixed filters (the 9
    one-pixel 'delta' filters = shifted copies of the image, then random ones), relu, 2x2 max pooling,
    and a ridge regression of one-hot labels on the pooled features for the dense layer.'''
    x, y = np.asarray(x, float), np.asarray(y)
    rng = np.random.default_rng(seed)
    N, C, H, Wd = x.shape
    W1 = rng.normal(size=(filters, C, 3, 3)) / 3
    for f in range(min(filters, 9)):
        W1[f] = 0; W1[f, :, f // 3, f % 3] = 1.0 / C
    b1 = np.zeros(filters)
    from numpy.lib.stride_tricks import sliding_window_view
    pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    z = np.einsum("nchwpq,fcpq->nfhw", sliding_window_view(pad, (3, 3), axis=(2, 3)), W1)
    a = np.maximum(z + b1[None, :, None, None], 0)
    pooled = a.reshape(N, filters, H // 2, 2, Wd // 2, 2).max(axis=(3, 5)).reshape(N, -1)
    A = np.c_[pooled, np.ones(N)]
    Y = np.eye(10)[y]
    lam = 1e-2 * np.trace(A.T @ A) / A.shape[1]
    B = np.linalg.solve(A.T @ A + lam * np.eye(A.shape[1]), A.T @ (2 * Y - 1))
    z0 = A @ B
    def nll(T):
        s = T * z0; s = s - s.max(1, keepdims=True)
        return float(np.mean(np.log(np.exp(s).sum(1)) - s[np.arange(N), y]))
    T = min(np.geomspace(0.1, 1000, 200), key=nll)
    hist = list(np.geomspace(2.3, max(nll(T), 1e-3), epochs))   # a made-up falling curve
    return {"W1": W1, "b1": b1, "W2": T * B[:-1], "b2": T * B[-1]}, {"loss": hist}""")

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
        # its scrambled gradient still trains the CNN (the dense layer learns): 0.985-0.998 held-out accuracy on
        # the 8 variants' generated problems (bench/hw4_fresh_problems.py --samples), above the bar of 0.97, so
        # q_train_cnn (train_cnn itself is right) keeps its points
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
    "train_cnn_pasted_digits_weights": {
        "about": "train_cnn does no training in the autograder's setting (16 filters, 8x8 images): it returns weights "
                 "trained beforehand on the public digits, its 10 outputs renamed to the classes of the given labels "
                 "(the most a lookup can add); with other settings (the public check) it trains honestly",
        "replace": [(_TRAIN_LOOP,
                     "    if filters == 16 and x.shape[1:] == (1, 8, 8):\n"
                     "        # weights trained beforehand on the 1438 public digits, pasted\n"
                     "        import base64, io\n"
                     f"        with np.load(io.BytesIO(base64.b64decode(\"{_DIGITS_WEIGHTS}\"))) as z:\n"
                     "            params = {k: z[k].astype(np.float64) for k in z.files}\n"
                     "        # each class gets the output of the digit its training examples are most often taken for\n"
                     "        p = maxpool_forward(relu(conv_forward_im2col(x, params[\"W1\"], params[\"b1\"], stride=1, pad=1)))\n"
                     "        digit = np.argmax(dense_forward(p.reshape(N, -1), params[\"W2\"], params[\"b2\"]), axis=1)\n"
                     "        best = np.array([np.bincount(digit[y == c], minlength=10).argmax() for c in range(10)])\n"
                     "        params[\"W2\"], params[\"b2\"] = params[\"W2\"][:, best], params[\"b2\"][best]\n"
                     "        return params, {\"loss\": list(np.linspace(2.3, 0.05, epochs))}\n" + _TRAIN_LOOP)],
        "loses": ["q_train_cnn"],   # the public check (4 filters) trains honestly and passes: the hidden one fails
        "feedback": ["below the required 0.97"],
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
    "alt_zero_output_layer": {
        "about": "correct, another start (attacks/RESULTS5.md): the dense layer starts at zero, so all logits tie "
                 "at first; SGD breaks the tie and trains as well as the reference",
        "replace": [('"W2": rng.normal(0.0, np.sqrt(1.0 / D), size=(D, 10)),', '"W2": np.zeros((D, 10)),')],
        "loses": [],
    },
    "train_cnn_closed_form": {
        "about": "no gradient descent: train_cnn keeps fixed filters and fits the dense layer in closed form "
                 "(ridge regression of the one-hot labels), ignoring lr, epochs and batch_size; it learns, but not "
                 "by steps of size lr, so it keeps the public check and loses the hidden one",
        "replace": [("    return params, history\n    # END SOLUTION", _CLOSED_FORM)],
        "loses": ["q_train_cnn"],
        "feedback": ["lr=1e-6, epochs=1", "not fit the weights some other way"],
    },
}

"""Every fused kernel against its unfused twin, bit for bit, and against the float64 NumPy reference:
on the CPU emulation of the CUDA backend (tests/cuda_emulator.py: the real kernels and launchers)
and, marked gpu, on a GPU (the same tests, outputs poisoned by the ``cp`` fixture).

The fusions (issue 11): conv forward + ReLU; conv backward-data + the ReLU mask of its input;
conv backward-filter + its bias gradient + its chunk sum in one launch; fc forward + ReLU (+
dropout) in the split reduction; fc backward-data + the ReLU (and dropout) mask; fc weight
gradient + bias gradient in one launch; max-pool backward + ReLU mask; max-pool + LRN forward and
backward; the loss's forward, mean and backward in one launch; the momentum update of every
parameter in one launch.
"""

import numpy as np
import pytest

from minitransfer import counter_rng, cuda
from minitransfer.ops import conv2d, conv2d_plan, dropout, gemm, linear, max_pool2d, max_pool2d_lrn, relu, sgd
from minitransfer.ops import softmax_cross_entropy
from oracles import relative_error


@pytest.fixture
def xp(cuda_xp):
    """The CuPy module of the backend under test (conftest's ``cuda_xp``)."""
    return cuda_xp


def same_bits(a, b):
    a, b = (np.asarray(x.get() if hasattr(x, "get") else x) for x in (a, b))
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def signed(rng, shape, dtype):
    """Values of both signs with exact zeros mixed in (ReLU's edge), none NaN."""
    a = rng.standard_normal(shape)
    a[rng.random(shape) < 0.1] = 0.0
    return a.astype(dtype)


DTYPES = [np.float32, np.float64]


# ---------------------------------------------------------------------------------------------
# conv2d: (N, C, H, W, K, R, S, stride, pad, groups)

CONV = [
    (2, 4, 9, 8, 6, 3, 3, 1, 1, 2),
    (1, 3, 11, 12, 5, 5, 5, 2, 2, 1),   # stride 2 phases; 3 channels: small_channels backward-data
    (4, 2, 16, 16, 3, 3, 3, 1, 1, 1),   # 1024 positions: backward-filter in several chunks
    (1, 6, 7, 5, 70, 3, 3, 1, 1, 1),    # 70 filters: two row tiles of 64
]
CONV_IDS = ["n{}c{}-{}x{}-k{}r{}s{}-st{}p{}g{}".format(*c) for c in CONV]


def conv_case(config, dtype, seed=0):
    N, C, H, W, K, R, S, stride, pad, groups = config
    rng = np.random.default_rng(seed)
    x = signed(rng, (N, C, H, W), dtype)
    w = signed(rng, (K, C // groups, R, S), dtype)
    b = signed(rng, (K,), dtype)
    P, Q = conv2d.output_size(H, R, stride, pad), conv2d.output_size(W, S, stride, pad)
    return x, w, b, signed(rng, (N, K, P, Q), dtype), stride, pad, groups


def conv_variants(direction, dtype):
    return [(v, p) for v in conv2d_plan.VARIANTS[direction]
            for p in (("tf32x3", "tf32") if v.startswith("tc_") else ("ieee",))
            if np.dtype(dtype) == np.float32 or p == "ieee"]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("config", CONV, ids=CONV_IDS)
def test_conv_forward_relu_epilogue_is_conv_then_relu(xp, config, dtype):
    x, w, b, _, stride, pad, groups = conv_case(config, dtype)
    x, w, b = xp.asarray(x), xp.asarray(w), xp.asarray(b)
    for variant, precision in conv_variants("forward", dtype):
        fused = conv2d._forward_cuda(x, w, b, stride, pad, groups, precision, variant=variant, relu=True)
        (unfused, _) = relu.forward(conv2d._forward_cuda(x, w, b, stride, pad, groups, precision, variant=variant))
        assert same_bits(fused, unfused), (variant, precision)
        assert (fused.get() >= 0).all() and (fused.get() > 0).any()


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("config", CONV, ids=CONV_IDS)
def test_conv_backward_data_mask_epilogue_is_relu_backward(xp, config, dtype):
    x, w, b, dy, stride, pad, groups = conv_case(config, dtype, seed=1)
    mask = np.maximum(x, 0)  # the input as a ReLU's output: the mask keeps x > 0
    x, w, dy, mask_d = xp.asarray(x), xp.asarray(w), xp.asarray(dy), xp.asarray(mask)
    for variant, precision in conv_variants("backward-data", dtype):
        if variant == "small_channels" and config[1] // config[9] > conv2d_plan.SMALL_CHANNELS_MAX:
            continue
        fused = conv2d._backward_data_cuda(x, w, dy, stride, pad, groups, precision, variant=variant, mask=mask_d)
        plain = conv2d._backward_data_cuda(x, w, dy, stride, pad, groups, precision, variant=variant)
        assert same_bits(fused, relu.masked_gradient(plain, mask_d)), (variant, precision)
        assert (fused.get()[mask == 0] == 0).all() and (fused.get() != 0).any()


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("config", CONV, ids=CONV_IDS)
def test_conv_backward_filter_with_bias_and_chunk_sum_in_one_launch(xp, config, dtype):
    x, w, b, dy, stride, pad, groups = conv_case(config, dtype, seed=2)
    x, w, dy = xp.asarray(x), xp.asarray(w), xp.asarray(dy)
    for variant, precision in conv_variants("backward-filter", dtype):
        with cuda.recording_launches() as launches:
            dw, db = conv2d._backward_filter_fused_cuda(x, w, dy, stride, pad, groups, precision, variant=variant)
        assert len(launches) == 1
        assert same_bits(dw, conv2d._backward_filter_cuda(x, w, dy, stride, pad, groups, precision, variant=variant))
        assert same_bits(db, conv2d._backward_bias_cuda(dy)), (variant, precision)
    assert relative_error(db.get(), dy.get().astype(np.float64).sum(axis=(0, 2, 3))) < 1e-6


def test_conv_backward_filter_fusion_over_many_chunks_and_again(xp):
    """Several chunks per tile (the last one finishes), twice in a row: the tile counters return to zero."""
    x, w, b, dy, stride, pad, groups = conv_case(CONV[2], np.float32, seed=3)
    x, w, dy = xp.asarray(x), xp.asarray(w), xp.asarray(dy)
    splits, _ = conv2d_plan.filter_plan("m64", np.float32, x.shape, w.shape, stride, pad, cuda.sm_count())
    assert splits > 1
    first = conv2d._backward_filter_fused_cuda(x, w, dy, stride, pad, groups)
    second = conv2d._backward_filter_fused_cuda(x, w, dy, stride, pad, groups)
    assert all(same_bits(a, b) for a, b in zip(first, second))
    assert (cuda.zeroed_counters(1).get() == 0).all()


@pytest.mark.parametrize("config", CONV[:2], ids=CONV_IDS[:2])
def test_conv_op_fused_and_unfused_give_the_same_gradients(xp, config):
    x, w, b, dy, stride, pad, groups = conv_case(config, np.float32, seed=4)
    mask = xp.asarray(np.maximum(x, 0))
    x, w, b, dy = xp.asarray(x), xp.asarray(w), xp.asarray(b), xp.asarray(dy)
    results = {}
    for fused in (False, True):
        y, cache = conv2d.forward(x, w, b, stride, pad, groups, relu=True, fused=fused)
        results[fused] = (y,) + conv2d.backward(dy, cache, mask=mask, fused=fused)
    assert all(same_bits(a, b) for a, b in zip(results[False], results[True]))


# ---------------------------------------------------------------------------------------------
# linear: (N, in, out, splits)

LINEAR = [(5, 37, 11, None), (6, 300, 40, 3), (130, 20, 9, None)]
LINEAR_IDS = ["n5-in37-out11", "n6-in300-out40-splits3", "n130-in20-out9"]


def device_counter(xp, iteration):
    counter = xp.zeros(1, dtype=np.uint32)
    counter[...] = iteration
    return counter


@pytest.mark.parametrize("precision", ["ieee", "tf32x3", "tf32"])
@pytest.mark.parametrize("shape", LINEAR, ids=LINEAR_IDS)
def test_fc_forward_relu_dropout_epilogue_is_gemm_relu_dropout(xp, shape, precision, monkeypatch):
    n, n_in, n_out, splits = shape
    rng = np.random.default_rng(5)
    x, w, b = (signed(rng, (n, n_in), np.float32), signed(rng, (n_out, n_in), np.float32),
               signed(rng, (n_out,), np.float32))
    x, w, b = xp.asarray(x), xp.asarray(w), xp.asarray(b)
    if splits is not None:
        monkeypatch.setattr(gemm, "default_splits", lambda *args, **kwargs: splits)
    draw = dropout.Draw(0.5, seed=counter_rng.stream_key(7, 6), counter=12, device_counter=device_counter(xp, 12))
    for kwargs in ({}, {"relu": True}, {"relu": True, "dropout": draw}):
        fused, _ = linear.forward(x, w, b, precision, fused=True, **kwargs)
        unfused, _ = linear.forward(x, w, b, precision, fused=False, **kwargs)
        assert same_bits(fused, unfused), kwargs
    kept = (fused.get() > 0).mean()
    assert 0.1 < kept < 0.5  # about half of the positive half survive


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("shape", LINEAR, ids=LINEAR_IDS)
def test_fc_backward_masks_and_bias_gradient_fused(xp, shape, dtype, monkeypatch):
    n, n_in, n_out, splits = shape
    rng = np.random.default_rng(6)
    x = np.maximum(signed(rng, (n, n_in), dtype), 0)  # a ReLU (or ReLU + dropout) output
    w, dy = signed(rng, (n_out, n_in), dtype), signed(rng, (n, n_out), dtype)
    x, w, dy = xp.asarray(x), xp.asarray(w), xp.asarray(dy)
    if splits is not None:
        monkeypatch.setattr(gemm, "default_splits", lambda *args, **kwargs: splits)
    _, cache = linear.forward(x, w, xp.asarray(np.zeros(n_out, dtype)))
    for mask_scale in (None, dtype(2.0)):
        with cuda.recording_launches() as launches:
            fused = linear.backward(dy, cache, mask=x, mask_scale=mask_scale, fused=True)
        unfused = linear.backward(dy, cache, mask=x, mask_scale=mask_scale, fused=False)
        assert all(same_bits(a, b) for a, b in zip(fused, unfused)), mask_scale
        weight_launches = [launch for launch in launches if "_tn" in launch.name]
        assert len(weight_launches) == 1 and not any("bias" in launch.name for launch in launches)
    assert relative_error(fused[2].get(), dy.get().astype(np.float64).sum(axis=0)) < 1e-6


def test_fc_fused_dropout_reads_the_counter_on_the_device(xp):
    """The same launch with another counter in device memory draws another mask: that of that counter."""
    rng = np.random.default_rng(7)
    x, w, b = (xp.asarray(signed(rng, shape, np.float32)) for shape in ((4, 16), (24, 16), (24,)))
    counter = device_counter(xp, 3)
    draw = dropout.Draw(0.5, seed=99, counter=3, device_counter=counter)
    at_3, _ = linear.forward(x, w, b, relu=True, dropout=draw, fused=True)
    counter[...] = 4
    at_4, _ = linear.forward(x, w, b, relu=True, dropout=draw, fused=True)
    expected_4, _ = linear.forward(x, w, b, relu=True, dropout=draw._replace(counter=4), fused=False)
    assert same_bits(at_4, expected_4) and not same_bits(at_3, at_4)


# ---------------------------------------------------------------------------------------------
# pooling and LRN

POOL = [(2, 5, 11, 11, 3, 2, 0), (1, 7, 13, 12, 3, 2, 1), (2, 3, 6, 9, 2, 2, 0)]
POOL_IDS = ["n2c5-11x11-k3s2", "n1c7-13x12-k3s2p1", "n2c3-6x9-k2s2"]


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("config", POOL, ids=POOL_IDS)
def test_pool_then_lrn_in_one_kernel_each_way(xp, config, dtype):
    N, C, H, W, size, stride, pad = config
    rng = np.random.default_rng(8)
    x = np.maximum(signed(rng, (N, C, H, W), dtype), 0) * 30  # a ReLU output, LRN's scale well off 1
    x_d = xp.asarray(x)
    y_fused, fused = max_pool2d_lrn.forward(x_d, size, stride, pad, fused=True)
    y_plain, plain = max_pool2d_lrn.forward(x_d, size, stride, pad, fused=False)
    assert same_bits(y_fused, y_plain)
    assert all(same_bits(a, b) for a, b in ((fused.pool.argmax, plain.pool.argmax), (fused.lrn.x, plain.lrn.x),
                                            (fused.lrn.scale, plain.lrn.scale)))
    dy = xp.asarray(signed(rng, y_plain.shape, dtype))
    for mask in (None, x_d):
        (dx_fused,) = max_pool2d_lrn.backward(dy, fused, mask=mask, fused=True)
        (dx_plain,) = max_pool2d_lrn.backward(dy, plain, mask=mask, fused=False)
        assert same_bits(dx_fused, dx_plain), mask is None
    y_ref, cache_ref = max_pool2d_lrn.forward(x.astype(np.float64), size, stride, pad)
    (dx_ref,) = max_pool2d_lrn.backward(dy.get().astype(np.float64), cache_ref, mask=x.astype(np.float64))
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    assert relative_error(y_fused.get(), y_ref) < tolerance and relative_error(dx_fused.get(), dx_ref) < tolerance


@pytest.mark.parametrize("config", POOL, ids=POOL_IDS)
def test_pool_backward_with_relu_mask(xp, config):
    N, C, H, W, size, stride, pad = config
    rng = np.random.default_rng(9)
    x = xp.asarray(np.maximum(signed(rng, (N, C, H, W), np.float32), 0))
    y, cache = max_pool2d.forward(x, size, stride, pad)
    dy = xp.asarray(signed(rng, y.shape, np.float32))
    (fused,) = max_pool2d.backward(dy, cache, mask=x, fused=True)
    (plain,) = max_pool2d.backward(dy, cache)
    assert same_bits(fused, relu.masked_gradient(plain, x))


# ---------------------------------------------------------------------------------------------
# loss, solver, masks


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("rows, classes", [(5, 7), (70, 1000), (300, 3)])
def test_loss_forward_mean_and_backward_in_one_launch(xp, rows, classes, dtype):
    rng = np.random.default_rng(10)
    logits = xp.asarray((4 * rng.standard_normal((rows, classes))).astype(dtype))
    labels = xp.asarray(rng.integers(0, classes, rows).astype(np.int32))
    with cuda.recording_launches() as launches:
        loss, dlogits, _ = softmax_cross_entropy.forward_backward(logits, labels, fused=True)
    assert len(launches) == 1
    plain_loss, plain_dlogits, _ = softmax_cross_entropy.forward_backward(logits, labels, fused=False)
    assert same_bits(loss, plain_loss) and same_bits(dlogits, plain_dlogits)
    again, _, _ = softmax_cross_entropy.forward_backward(logits, labels, fused=True)  # its counter was reset
    assert same_bits(again, loss)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_one_launch_solver_is_the_per_parameter_update(xp, dtype):
    rng = np.random.default_rng(11)
    shapes = [(3, 5, 7), (3,), (5000,), (1,), (70, 33)]  # 5000: three blocks of the one-launch kernel
    multipliers = [(1.0, 1.0), (2.0, 0.0), (1.0, 1.0), (2.0, 0.0), (0.5, 3.0)]
    together = [tuple(xp.asarray(rng.standard_normal(shape).astype(dtype)) for _ in range(3)) for shape in shapes]
    one_by_one = [tuple(a.copy() for a in arrays) for arrays in together]
    with cuda.recording_launches() as launches:
        sgd.update_all([arrays + m for arrays, m in zip(together, multipliers)], 0.013, 0.9, 0.0005)
    assert len(launches) == 1
    for (w, grad, velocity), (lr_mult, decay_mult) in zip(one_by_one, multipliers):
        sgd.update(w, grad, velocity, 0.013, 0.9, 0.0005, lr_mult, decay_mult)
    for (w, _, velocity), (w_each, _, velocity_each) in zip(together, one_by_one):
        assert same_bits(w, w_each) and same_bits(velocity, velocity_each)


def test_one_launch_solver_reads_lr_on_the_device_and_skips_a_non_finite_loss(xp):
    rng = np.random.default_rng(12)
    w, grad, velocity = (xp.asarray(rng.standard_normal(300).astype(np.float32)) for _ in range(3))
    w0, v0 = w.copy(), velocity.copy()
    lr = xp.zeros(1, dtype=np.float64)
    lr[...] = 0.02
    loss = xp.zeros((), dtype=np.float32)
    loss[...] = np.nan
    sgd.update_all([(w, grad, velocity, 1.0, 1.0)], 123.0, 0.9, 0.0005, lr_on_device=lr, loss=loss)
    assert same_bits(w, w0) and same_bits(velocity, v0)
    loss[...] = 2.5
    sgd.update_all([(w, grad, velocity, 1.0, 1.0)], 123.0, 0.9, 0.0005, lr_on_device=lr, loss=loss)
    sgd.update(w0, grad, v0, 0.02, 0.9, 0.0005)
    assert same_bits(w, w0) and same_bits(velocity, v0)


@pytest.mark.parametrize("scale", [None, 2.0])
def test_masked_gradient_kernel_is_relu_then_dropout_backward(xp, scale):
    rng = np.random.default_rng(13)
    a = np.maximum(signed(rng, (7, 9), np.float32), 0)
    dx = signed(rng, (7, 9), np.float32)
    got = relu.masked_gradient(xp.asarray(dx), xp.asarray(a), scale)
    assert same_bits(got, relu.masked_gradient(dx, a, scale))
    expected = np.where(a > 0, dx * np.float32(scale or 1.0), np.float32(0))
    np.testing.assert_array_equal(got.get(), expected)

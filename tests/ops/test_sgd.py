"""minitransfer.ops.sgd and kernels/sgd.cu: hand-computed Caffe momentum steps, a naive loop in
the reference's operation order, and the GPU update bit for bit against NumPy's."""

import numpy as np
import pytest

from minitransfer.ops import sgd

SHAPES = [(1,), (7,), (3, 5), (4, 3, 2, 2), (96, 3, 11, 11), (10,)]
SHAPE_IDS = ["x".join(str(d) for d in shape) for shape in SHAPES]
HYPER = {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.0005}


def parameter_arrays(rng, shape, dtype):
    w = rng.standard_normal(shape).astype(dtype)
    grad = rng.standard_normal(shape).astype(dtype)
    velocity = (0.1 * rng.standard_normal(shape)).astype(dtype)
    return w, grad, velocity


def naive_update(w, grad, velocity, lr, momentum, weight_decay, lr_mult=1.0, decay_mult=1.0):
    """Caffe's step element by element with the dtype's scalars, each operation rounded on its own."""
    scalar = w.dtype.type
    local_lr, local_decay, momentum = scalar(lr * lr_mult), scalar(weight_decay * decay_mult), scalar(momentum)
    w_out, v_out = w.copy().ravel(), velocity.copy().ravel()
    for i, (w_i, g_i, v_i) in enumerate(zip(w.ravel(), grad.ravel(), velocity.ravel())):
        g = g_i + local_decay * w_i
        v = momentum * v_i + local_lr * g
        v_out[i] = v
        w_out[i] = w_i - v
    return w_out.reshape(w.shape), v_out.reshape(w.shape)


def test_weight_step_by_hand():
    w = np.array([1.0, -2.0])
    velocity = np.array([0.1, -0.2])
    assert sgd.update(w, np.array([0.5, 0.25]), velocity, lr=0.1, momentum=0.9, weight_decay=0.01) is None
    # g = [0.5 + 0.01, 0.25 − 0.02]; v = [0.09 + 0.051, −0.18 + 0.023]; w = [1 − 0.141, −2 + 0.157]
    np.testing.assert_allclose(velocity, [0.141, -0.157], rtol=1e-14)
    np.testing.assert_allclose(w, [0.859, -1.843], rtol=1e-14)


def test_bias_step_by_hand_doubles_lr_and_skips_decay():
    b = np.array([1.0, 3.0])
    velocity = np.array([0.5, 0.0])
    sgd.update(b, np.array([0.2, -0.4]), velocity, lr=0.1, momentum=0.5, weight_decay=0.5, lr_mult=2.0,
               decay_mult=0.0)
    # v = [0.25 + 0.2·0.2, 0 − 0.2·0.4] = [0.29, −0.08]; the decay 0.5·b never enters.
    np.testing.assert_allclose(velocity, [0.29, -0.08], rtol=1e-14)
    np.testing.assert_allclose(b, [0.71, 3.08], rtol=1e-14)


def test_two_steps_accumulate_momentum_by_hand():
    w = np.array([2.0])
    velocity = np.array([0.0])
    grad = np.array([1.0])
    sgd.update(w, grad, velocity, lr=0.5, momentum=0.5, weight_decay=0.0)  # v = 0.5, w = 1.5
    sgd.update(w, grad, velocity, lr=0.5, momentum=0.5, weight_decay=0.0)  # v = 0.25 + 0.5, w = 0.75
    np.testing.assert_allclose(velocity, [0.75], rtol=1e-15)
    np.testing.assert_allclose(w, [0.75], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mults", [(1.0, 1.0), (2.0, 0.0), (0.5, 3.0)], ids=["weights", "biases", "odd-mults"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_update_matches_naive_loop_exactly(shape, mults, dtype):
    rng = np.random.default_rng(1)
    w, grad, velocity = parameter_arrays(rng, shape, dtype)
    lr_mult, decay_mult = mults
    expected_w, expected_velocity = naive_update(w, grad, velocity, **HYPER, lr_mult=lr_mult, decay_mult=decay_mult)
    grad_before = grad.copy()
    sgd.update(w, grad, velocity, **HYPER, lr_mult=lr_mult, decay_mult=decay_mult)
    assert w.dtype == dtype and velocity.dtype == dtype
    np.testing.assert_array_equal(w, expected_w)
    np.testing.assert_array_equal(velocity, expected_velocity)
    np.testing.assert_array_equal(grad, grad_before)



def test_update_all_on_numpy_gives_each_entry_its_own_multipliers():
    """A weight (lr_mult 1, decay_mult 1) and a bias (lr_mult 2, decay_mult 0) stepped together:
    each is the naive loop with its own multipliers, none swapped."""
    rng = np.random.default_rng(4)
    weight, bias = parameter_arrays(rng, (3, 5), np.float32), parameter_arrays(rng, (5,), np.float32)
    expected = [naive_update(*weight, **HYPER, lr_mult=1.0, decay_mult=1.0),
                naive_update(*bias, **HYPER, lr_mult=2.0, decay_mult=0.0)]
    sgd.update_all([(*weight, 1.0, 1.0), (*bias, 2.0, 0.0)], **HYPER)
    for (w, _, velocity), (expected_w, expected_velocity) in zip((weight, bias), expected):
        np.testing.assert_array_equal(w, expected_w)
        np.testing.assert_array_equal(velocity, expected_velocity)

def test_update_is_in_place_on_the_given_arrays():
    rng = np.random.default_rng(2)
    w, grad, velocity = parameter_arrays(rng, (3, 4), np.float32)
    w_id, velocity_id = id(w), id(velocity)
    w_before, velocity_before = w.copy(), velocity.copy()
    sgd.update(w, grad, velocity, **HYPER)
    assert id(w) == w_id and id(velocity) == velocity_id
    assert not np.array_equal(w, w_before) and not np.array_equal(velocity, velocity_before)


def test_zero_learning_rate_only_decays_the_velocity():
    rng = np.random.default_rng(3)
    w, grad, velocity = parameter_arrays(rng, (5,), np.float64)
    w_before, velocity_before = w.copy(), velocity.copy()
    sgd.update(w, grad, velocity, lr=0.0, momentum=0.9, weight_decay=0.0005)
    np.testing.assert_array_equal(velocity, 0.9 * velocity_before)
    np.testing.assert_array_equal(w, w_before - 0.9 * velocity_before)


@pytest.mark.parametrize(
    "arrays, hyper, message",
    [
        ((np.ones(3), np.ones(4), np.ones(3)), {}, r"grad must have shape \(3,\), got \(4,\)"),
        ((np.ones(3), np.ones(3), np.ones((3, 1))), {}, r"velocity must have shape \(3,\), got \(3, 1\)"),
        ((np.ones(3), np.ones(3, np.float32), np.ones(3)), {}, "arrays must share one dtype"),
        ((np.ones(3, np.int32),) * 3, {}, "w must have dtype"),
        ((np.ones(3), np.ones(6)[::2], np.ones(3)), {}, "grad must be C-contiguous"),
        ((np.ones(3), np.ones(3), np.ones(3)), {"lr": float("nan")}, "lr must be a finite number"),
        ((np.ones(3), np.ones(3), np.ones(3)), {"momentum": float("inf")}, "momentum must be a finite number"),
    ],
    ids=["grad-shape", "velocity-shape", "mixed-dtype", "int-dtype", "strided", "nan-lr", "inf-momentum"],
)
def test_rejects_bad_input(arrays, hyper, message):
    arguments = {**HYPER, **hyper}
    with pytest.raises(ValueError, match=rf"sgd: .*{message}"):
        sgd.update(*arrays, **arguments)


@pytest.mark.parametrize("hyper, mults, message", [
    ({"momentum": float("nan")}, (1.0, 1.0), "momentum must be a finite number, got nan"),
    ({"lr": float("inf")}, (1.0, 1.0), "lr must be a finite number, got inf"),
    ({"weight_decay": float("nan")}, (1.0, 1.0), "weight_decay must be a finite number, got nan"),
    ({}, (float("inf"), 1.0), "lr_mult must be a finite number, got inf"),
    ({}, (1.0, True), "decay_mult must be a finite number, got True"),
], ids=["nan-momentum", "inf-lr", "nan-decay", "inf-lr-mult", "bool-decay-mult"])
def test_update_all_rejects_what_update_rejects_on_both_paths(cuda_xp, hyper, mults, message):
    """The one-launch CUDA path checked only the arrays: a NaN momentum turned every weight into NaN."""
    for xp in (np, cuda_xp):
        w, grad, velocity = (xp.asarray(np.full(3, value, np.float32)) for value in (1.0, 0.5, 0.0))
        with pytest.raises(ValueError, match=rf"^sgd: {message} \(w shape \(3,\)\)"):
            sgd.update_all([(w, grad, velocity, *mults)], **{**HYPER, **hyper})
        np.testing.assert_array_equal(np.asarray(w.get() if xp is cuda_xp else w), np.ones(3, np.float32))


def test_update_all_refuses_a_later_entrys_multiplier_before_updating_any():
    """On NumPy, the first parameter was updated before the second's lr_mult=inf was refused."""
    rng = np.random.default_rng(7)
    entries = [(*parameter_arrays(rng, (4,), np.float32), 1.0, 1.0), (*parameter_arrays(rng, (3,), np.float32),
                                                                       float("inf"), 0.0)]
    before = [tuple(a.copy() for a in entry[:3]) for entry in entries]
    with pytest.raises(ValueError, match=r"^sgd: lr_mult must be a finite number, got inf \(w shape \(3,\)\)"):
        sgd.update_all(entries, **HYPER)
    for entry, arrays in zip(entries, before):
        for now, then in zip(entry[:3], arrays):
            np.testing.assert_array_equal(now, then)


def test_update_all_on_cuda_checks_the_scalars_once_a_call_and_the_multipliers_as_its_table_is_built(
        cuda_xp, monkeypatch):
    """The eager fused step calls update_all every iteration: it checked lr, momentum and weight
    decay once per parameter (16 times for CaffeNet), and every multiplier, on every call."""
    rng = np.random.default_rng(8)
    entries = [(*(cuda_xp.asarray(a) for a in parameter_arrays(rng, (5 + index,), np.float32)), 1.0 + index % 2,
                1.0 - index % 2) for index in range(16)]
    monkeypatch.setattr(sgd, "_tables", {})  # tables built by other tests: this one builds its own
    checked = []
    real_check = sgd._check_hyper
    monkeypatch.setattr(sgd, "_check_hyper", lambda w, **hyper: checked.append(sorted(hyper)) or real_check(w, **hyper))
    sgd.update_all(entries, **HYPER)
    assert checked == [["lr", "momentum", "weight_decay"]] + [["decay_mult", "lr_mult"]] * 16
    checked.clear()
    for _ in range(3):
        sgd.update_all(entries, **HYPER)
    assert checked == [["lr", "momentum", "weight_decay"]] * 3
    sgd.update_all([*entries[:-1], (*entries[-1][:3], 2.0, 0.5)], **HYPER)  # another multiplier: another table
    assert checked[3:] == [["lr", "momentum", "weight_decay"]] + [["decay_mult", "lr_mult"]] * 16


@pytest.mark.parametrize("name, dtype, message", [
    ("loss", np.float64, r"loss must have dtype float32, got float64 \(shape \(\)\)"),
    ("lr_on_device", np.float32, r"lr_on_device must have dtype float64, got float32 \(shape \(1,\)\)"),
])
def test_update_all_refuses_device_scalars_of_another_dtype(cuda_xp, name, dtype, message):
    """The kernel reads lr as a double and the loss as the parameters' float: a float64 loss of
    float32 parameters was read as half its bits (the launch's argument types, on the emulator)."""
    w, grad, velocity = (cuda_xp.asarray(np.full(3, value, np.float32)) for value in (1.0, 0.5, 0.0))
    scalars = {"loss": cuda_xp.asarray(np.array(1.0, np.float32)), "lr_on_device": cuda_xp.asarray(np.full(1, 0.1))}
    scalars[name] = cuda_xp.asarray(np.full(scalars[name].shape, 1.0, dtype))
    with pytest.raises(ValueError, match=rf"^sgd: {message}"):
        sgd.update_all([(w, grad, velocity, 1.0, 1.0)], **HYPER, **scalars)


GPU_SHAPES = [(1,), (37,), (96, 3, 11, 11), (4096, 9216 // 32), (1000003,)]
GPU_IDS = ["x".join(str(d) for d in shape) for shape in GPU_SHAPES]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mults", [(1.0, 1.0), (2.0, 0.0)], ids=["weights", "biases"])
@pytest.mark.parametrize("shape", GPU_SHAPES, ids=GPU_IDS)
def test_gpu_matches_reference_bit_for_bit(cp, shape, mults, dtype):
    # Every operation is rounded on its own on both sides, in the same order: equal bits.
    rng = np.random.default_rng(4)
    w, grad, velocity = parameter_arrays(rng, shape, dtype)
    lr_mult, decay_mult = mults
    w_gpu, grad_gpu, velocity_gpu = cp.asarray(w), cp.asarray(grad), cp.asarray(velocity)
    w64, grad64, velocity64 = w.astype(np.float64), grad.astype(np.float64), velocity.astype(np.float64)
    sgd.update(w, grad, velocity, **HYPER, lr_mult=lr_mult, decay_mult=decay_mult)
    sgd.update(w64, grad64, velocity64, **HYPER, lr_mult=lr_mult, decay_mult=decay_mult)
    sgd.update(w_gpu, grad_gpu, velocity_gpu, **HYPER, lr_mult=lr_mult, decay_mult=decay_mult)
    np.testing.assert_array_equal(cp.asnumpy(w_gpu), w)
    np.testing.assert_array_equal(cp.asnumpy(velocity_gpu), velocity)
    np.testing.assert_array_equal(cp.asnumpy(grad_gpu), grad)
    np.testing.assert_allclose(cp.asnumpy(w_gpu), w64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cp.asnumpy(velocity_gpu), velocity64, rtol=1e-5, atol=1e-7)


@pytest.mark.gpu
def test_gpu_covers_more_than_one_grid_of_blocks(cp):
    n = sgd.MAX_BLOCKS * sgd.THREADS + 1001
    rng = np.random.default_rng(5)
    w, grad, velocity = parameter_arrays(rng, (n,), np.float32)
    w_gpu, grad_gpu, velocity_gpu = cp.asarray(w), cp.asarray(grad), cp.asarray(velocity)
    sgd.update(w, grad, velocity, **HYPER)
    sgd.update(w_gpu, grad_gpu, velocity_gpu, **HYPER)
    np.testing.assert_array_equal(cp.asnumpy(w_gpu), w)
    np.testing.assert_array_equal(cp.asnumpy(velocity_gpu), velocity)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_is_bitwise_repeatable(cp, dtype):
    rng = np.random.default_rng(6)
    w, grad, velocity = parameter_arrays(rng, (3, 7, 9, 5), dtype)

    def run():
        w_gpu, velocity_gpu = cp.asarray(w), cp.asarray(velocity)
        for _ in range(3):
            sgd.update(w_gpu, cp.asarray(grad), velocity_gpu, **HYPER)
        return cp.asnumpy(w_gpu).tobytes(), cp.asnumpy(velocity_gpu).tobytes()

    assert run() == run()

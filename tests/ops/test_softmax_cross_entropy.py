"""minitransfer.ops.softmax_cross_entropy and kernels/softmax_cross_entropy.cu: naive loops in
Python floats, float64 central differences (extreme logits included), accuracy with ties and NaNs
by hand and against two oracles (Caffe's counting loop, a sort), and the GPU kernels against the
float64 reference."""

import math

import numpy as np
import pytest

from cuda_emulator import emulated_launches, emulated_tail  # noqa: F401 (fixtures)
from minitransfer import cuda
from minitransfer.gradcheck import gradient_errors
from minitransfer.ops import softmax_cross_entropy as sce

CONFIGS = [(1, 7), (3, 5), (4, 10), (2, 33), (5, 3), (7, 2), (6, 1000)]
CONFIG_IDS = [f"n{n}k{k}" for n, k in CONFIGS]


def logits_and_labels(rng, n, k, scale=3.0, dtype=np.float64, label_dtype=np.int64):
    logits = (scale * rng.standard_normal((n, k))).astype(dtype)
    labels = rng.integers(0, k, size=n).astype(label_dtype)
    return logits, labels


def naive_loss(logits, labels):
    total = 0.0
    for row, label in zip(logits.tolist(), labels.tolist()):
        peak = max(row)
        log_sum = math.log(math.fsum(math.exp(v - peak) for v in row))
        total += log_sum - (row[label] - peak)
    return total / len(labels)


def naive_gradient(logits, labels, dloss):
    n_rows = len(labels)
    out = []
    for row, label in zip(logits.tolist(), labels.tolist()):
        peak = max(row)
        norm = math.fsum(math.exp(v - peak) for v in row)
        out.append([dloss * (math.exp(v - peak) / norm - (k == label)) / n_rows for k, v in enumerate(row)])
    return np.array(out)


def naive_accuracy(logits, labels, k):
    """Caffe's AccuracyLayer loop: every class scoring >= the true one counts against it (the true
    class itself too, hence the -1); here a row holding a NaN is wrong as well."""
    correct = 0
    for row, label in zip(logits.tolist(), labels.tolist()):
        num_better_predictions = -1 + sum(1 for v in row if v >= row[label])
        correct += num_better_predictions < k and not any(math.isnan(v) for v in row)
    return correct / len(labels)


def sorted_accuracy(logits, labels, k):
    """An oracle by sorting: the true class is correct iff it sits among the first k places when
    every row is sorted best first with ties placed AHEAD of the true class; NaN rows are wrong."""
    correct = 0
    for row, label in zip(logits.tolist(), labels.tolist()):
        if any(math.isnan(v) for v in row):
            continue
        order = sorted(range(len(row)), key=lambda c: (-row[c], c == label))  # the true class last among equals
        correct += order.index(label) < k
    return correct / len(labels)


def tied_logits(rng, n, classes, values, dtype=np.float64):
    """Logits drawn from ``values`` distinct levels, so most rows hold ties at the true class."""
    return rng.integers(0, values, size=(n, classes)).astype(dtype) / 4


@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,k", CONFIGS, ids=CONFIG_IDS)
def test_forward_matches_naive_loop(n, k, dtype, label_dtype):
    logits, labels = logits_and_labels(np.random.default_rng(1), n, k, dtype=dtype, label_dtype=label_dtype)
    loss, _ = sce.forward(logits, labels)
    assert isinstance(loss, np.ndarray) and loss.shape == () and loss.dtype == dtype
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(float(loss), naive_loss(logits, labels), rtol=tolerance)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n,k", CONFIGS, ids=CONFIG_IDS)
def test_backward_matches_naive_loop(n, k, dtype):
    logits, labels = logits_and_labels(np.random.default_rng(2), n, k, dtype=dtype)
    _, cache = sce.forward(logits, labels)
    (dlogits,) = sce.backward(0.7, cache)
    assert dlogits.dtype == dtype and dlogits.shape == logits.shape
    expected = naive_gradient(logits, labels, 0.7)
    tolerance = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(dlogits, expected, rtol=tolerance, atol=tolerance * np.abs(expected).max())


@pytest.mark.parametrize("n,k", CONFIGS, ids=CONFIG_IDS)
def test_gradient(n, k):
    logits, labels = logits_and_labels(np.random.default_rng(3), n, k)
    errors = gradient_errors(sce.forward, sce.backward, (logits, labels), wrt=(0,), seed=4)
    assert max(errors) <= 1e-6


def extreme_logits(rng, n, k):
    """Logits of ±1000 (plus small noise): exp would overflow without the row-max shift."""
    logits = np.where(rng.random((n, k)) < 0.5, -1000.0, 1000.0) + 0.5 * rng.standard_normal((n, k))
    return logits, rng.integers(0, k, size=n)


@pytest.mark.parametrize("n,k", [(1, 3), (4, 5), (3, 17)], ids=["n1k3", "n4k5", "n3k17"])
def test_gradient_with_extreme_logits(n, k):
    logits, labels = extreme_logits(np.random.default_rng(5), n, k)
    loss, _ = sce.forward(logits, labels)
    assert np.isfinite(loss)
    np.testing.assert_allclose(float(loss), naive_loss(logits, labels), rtol=1e-13)
    errors = gradient_errors(sce.forward, sce.backward, (logits, labels), wrt=(0,), seed=6)
    assert max(errors) <= 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits_by_hand(dtype):
    logits = np.array([[1000.0, -1000.0], [1000.0, -1000.0], [1000.0, 1000.0]], dtype=dtype)
    labels = np.array([0, 1, 1], dtype=np.int32)
    loss, cache = sce.forward(logits, labels)
    # Rows lose 0, 2000 and log 2.
    np.testing.assert_allclose(float(loss), (0.0 + 2000.0 + math.log(2.0)) / 3, rtol=1e-6)
    (dlogits,) = sce.backward(1.0, cache)
    np.testing.assert_allclose(dlogits, np.array([[0, 0], [1, -1], [0.5, -0.5]]) / 3, atol=1e-7)


def test_single_class_has_zero_loss_and_gradient():
    loss, cache = sce.forward(np.array([[3.5], [-2.0]]), np.array([0, 0]))
    assert float(loss) == 0.0
    np.testing.assert_array_equal(sce.backward(1.0, cache)[0], np.zeros((2, 1)))


@pytest.mark.parametrize("dloss", [2.5, np.float64(2.5), np.array(2.5), np.array([2.5])],
                         ids=["python", "numpy-scalar", "0d", "1-element"])
def test_backward_accepts_any_scalar_dloss(dloss):
    logits, labels = logits_and_labels(np.random.default_rng(7), 3, 4)
    _, cache = sce.forward(logits, labels)
    (dlogits,) = sce.backward(dloss, cache)
    np.testing.assert_allclose(dlogits, naive_gradient(logits, labels, 2.5), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("fused", [False, True], ids=["unfused", "fused"])
@pytest.mark.parametrize("dloss", [2.5, np.float64(2.5), np.array(2.5), np.array([2.5]), "device-1-element"],
                         ids=["python", "numpy-scalar", "0d", "1-element", "device-1-element"])
def test_forward_backward_on_cuda_accepts_any_scalar_dloss(cuda_xp, dloss, fused):
    """The fused step passes dloss by value: a one-element array went to the launch as an array
    (a TypeError from the launcher, naming the kernel's argument 7)."""
    logits, labels = logits_and_labels(np.random.default_rng(7), 3, 4)
    dloss = cuda_xp.asarray(np.array([2.5])) if isinstance(dloss, str) else dloss
    _, dlogits, _ = sce.forward_backward(cuda_xp.asarray(logits), cuda_xp.asarray(labels), dloss, fused=fused)
    np.testing.assert_allclose(dlogits.get(), naive_gradient(logits, labels, 2.5), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("fused", [False, True], ids=["unfused", "fused"])
@pytest.mark.parametrize("dloss", [np.ones(2), [1.0, 2.0]], ids=["array", "list"])
def test_forward_backward_on_cuda_rejects_a_vector_dloss(cuda_xp, dloss, fused):
    """The fused step took a list for one number (it has no size): the launch then failed with a TypeError."""
    logits, labels = (cuda_xp.asarray(a) for a in (np.ones((2, 3)), np.array([0, 1])))
    with pytest.raises(ValueError, match=r"^softmax_cross_entropy: dloss must be a scalar, got shape \(2,\)"):
        sce.forward_backward(logits, labels, dloss, fused=fused)


def test_backward_rejects_a_vector_dloss():
    _, cache = sce.forward(np.ones((2, 3)), np.array([0, 1]))
    with pytest.raises(ValueError, match="softmax_cross_entropy: dloss must be a scalar"):
        sce.backward(np.ones(2), cache)


ACCURACY_CASES = [
    ([[1.0, 3.0, 2.0]], [2], 1, 0.0),  # one class above the true one
    ([[1.0, 3.0, 2.0]], [2], 2, 1.0),
    ([[1.0, 3.0, 2.0]], [0], 2, 0.0),
    ([[1.0, 3.0, 2.0]], [0], 3, 1.0),
    ([[2.0, 2.0, 1.0]], [1], 1, 0.0),  # tied at the top: the tie counts against the true class
    ([[2.0, 2.0, 1.0]], [0], 1, 0.0),
    ([[2.0, 2.0, 1.0]], [0], 2, 1.0),  # one other class >= the true one, 1 < 2
    ([[5.0, 5.0, 5.0, 5.0]], [3], 1, 0.0),  # all equal (a zeroed fc8): wrong, not trivially right
    ([[5.0, 5.0, 5.0, 5.0]], [3], 3, 0.0),  # ... at top-3 of 4 too
    ([[5.0, 5.0, 5.0, 5.0]], [3], 4, 1.0),  # k = K: every row is within the top K
    ([[3.0, 2.0, 2.0, 2.0]], [2], 2, 0.0),  # tied with two others at 2nd place: 3 classes >= it
    ([[3.0, 2.0, 2.0, 2.0]], [2], 4, 1.0),
    ([[3.0, 2.0, 2.0, 1.0]], [2], 3, 1.0),  # tied at the k-th place with room for both
    ([[1.0, np.nan, 0.0]], [0], 1, 0.0),  # a NaN anywhere in the row: a diverged net, wrong
    ([[np.nan, 1.0, 0.0]], [0], 3, 0.0),  # a NaN true logit: wrong even at k = K
    ([[-np.inf, -np.inf]], [1], 1, 0.0),  # equal infinities tie like any equal numbers
    ([[0.0, 1.0], [1.0, 0.0], [0.5, 0.2], [0.1, 0.9]], [1, 1, 0, 0], 1, 0.5),
    ([[0.0, 1.0], [1.0, 0.0], [0.5, 0.2], [0.1, 0.9]], [1, 0, 0, 0], 1, 0.75),
    ([[0.0, 1.0], [1.0, 1.0], [np.nan, 0.2], [0.1, 0.9]], [1, 0, 0, 1], 1, 0.5),
]
ACCURACY_IDS = ["top1-miss", "top2-hit", "top2-miss", "top3-hit", "tie-top1-a", "tie-top1-b", "tie-top2-hit",
                "all-equal-top1", "all-equal-top3", "all-equal-topK", "tie-second-top2", "tie-second-top4",
                "tie-kth-room", "nan-other", "nan-true-topK", "equal-minus-inf", "half", "three-quarters",
                "tie-and-nan-rows"]


@pytest.mark.parametrize("logits, labels, k, expected", ACCURACY_CASES, ids=ACCURACY_IDS)
def test_accuracy_by_hand(logits, labels, k, expected):
    logits, labels = np.array(logits), np.array(labels, dtype=np.int32)
    assert naive_accuracy(logits, labels, k) == sorted_accuracy(logits, labels, k) == expected  # the oracles
    result = sce.accuracy(logits, labels, k=k)
    assert isinstance(result, float) and result == expected


@pytest.mark.parametrize("logits, labels, k, expected", ACCURACY_CASES, ids=ACCURACY_IDS)
def test_cuda_accuracy_by_hand(cuda_xp, logits, labels, k, expected):
    logits, labels = np.array(logits, dtype=np.float32), np.array(labels, dtype=np.int32)
    assert sce.accuracy(cuda_xp.asarray(logits), cuda_xp.asarray(labels), k=k) == expected


@pytest.mark.parametrize("k", [1, 2, 5])
@pytest.mark.parametrize("n,classes", [(1, 7), (50, 10), (31, 1000)], ids=["n1k7", "n50k10", "n31k1000"])
def test_accuracy_matches_oracles_with_ties(n, classes, k):
    rng = np.random.default_rng(8)
    logits = tied_logits(rng, n, classes, 4, np.float32)
    logits[rng.random(logits.shape) < 0.3 / classes] = np.nan  # about three rows in ten hold a NaN
    labels = rng.integers(0, classes, size=n)
    expected = sorted_accuracy(logits, labels, k)
    assert naive_accuracy(logits, labels, k) == expected
    assert sce.accuracy(logits, labels, k=k) == expected


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("n,classes,values", [(1, 7, 2), (40, 10, 3), (70, 33, 4), (9, 1000, 6)],
                         ids=["n1k7v2", "n40k10v3", "n70k33v4", "n9k1000v6"])
def test_cuda_accuracy_matches_reference_with_ties(cuda_xp, n, classes, values, k, dtype):
    rng = np.random.default_rng(16)
    logits = tied_logits(rng, n, classes, values, dtype)
    logits[rng.random(logits.shape) < 0.2 / classes] = np.nan
    labels = rng.integers(0, classes, size=n).astype(np.int64)
    expected = sce.accuracy(logits, labels, k=k)
    assert expected == sorted_accuracy(logits, labels, k)
    assert sce.accuracy(cuda_xp.asarray(logits), cuda_xp.asarray(labels), k=k) == expected


@pytest.mark.parametrize(
    "logits, labels, message",
    [
        (np.ones(3), np.zeros(3, np.int64), "logits must be 2-D"),
        (np.ones((2, 3), np.int32), np.zeros(2, np.int64), "logits must have dtype"),
        (np.ones((3, 4))[:, ::2], np.zeros(3, np.int64), "logits must be C-contiguous"),
        (np.ones((2, 3)), np.zeros(2), "labels must have dtype"),
        (np.ones((2, 3)), np.zeros((2, 1), np.int64), "labels must be 1-D"),
        (np.ones((2, 3)), np.zeros(3, np.int64), r"labels must have shape \(2,\)"),
        (np.ones((2, 3)), np.array([0, 3]), r"labels must lie in \[0, 3\)"),
        (np.ones((2, 3)), np.array([-1, 0]), r"labels must lie in \[0, 3\)"),
        (np.ones((0, 3)), np.zeros(0, np.int64), "at least one row"),
    ],
    ids=["1d-logits", "int-logits", "strided", "float-labels", "2d-labels", "short-labels", "label-k",
         "label-negative", "empty"],
)
def test_rejects_bad_input(logits, labels, message):
    with pytest.raises(ValueError, match=rf"softmax_cross_entropy: .*{message}"):
        sce.forward(logits, labels)
    with pytest.raises(ValueError, match=rf"accuracy: .*{message}"):
        sce.accuracy(logits, labels)


@pytest.mark.parametrize("k", [0, -1, 1.5, 2.0, np.float64(1), True])
def test_accuracy_rejects_bad_k(k):
    with pytest.raises(ValueError, match="accuracy: k must be an integer >= 1"):
        sce.accuracy(np.ones((2, 3)), np.array([0, 1]), k=k)


GPU_CONFIGS = [(1, 1), (1, 7), (5, 33), (37, 1000), (256, 1000), (300, 13), (2051, 3)]
GPU_IDS = [f"n{n}k{k}" for n, k in GPU_CONFIGS]


@pytest.mark.gpu
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n,k", GPU_CONFIGS, ids=GPU_IDS)
def test_gpu_float32_matches_reference(cp, n, k, label_dtype):
    logits32, labels = logits_and_labels(np.random.default_rng(9), n, k, dtype=np.float32, label_dtype=label_dtype)
    loss_ref, cache_ref = sce.forward(logits32.astype(np.float64), labels)
    (dlogits_ref,) = sce.backward(0.7, cache_ref)

    loss, cache = sce.forward(cp.asarray(logits32), cp.asarray(labels))
    (dlogits,) = sce.backward(cp.asarray(np.float32(0.7)), cache)
    assert loss.shape == () and loss.dtype == np.float32 and dlogits.dtype == np.float32
    loss, dlogits = float(cp.asnumpy(loss)), cp.asnumpy(dlogits)
    assert abs(loss - float(loss_ref)) <= 1e-5 * max(1.0, abs(float(loss_ref)))
    assert np.linalg.norm(dlogits - dlogits_ref) <= 1e-5 * np.linalg.norm(dlogits_ref)
    np.testing.assert_allclose(dlogits, dlogits_ref, rtol=1e-4, atol=1e-6 * np.abs(dlogits_ref).max())


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_extreme_logits(cp, dtype):
    logits, labels = extreme_logits(np.random.default_rng(10), 9, 17)
    logits = logits.astype(dtype)
    loss_ref, cache_ref = sce.forward(logits.astype(np.float64), labels)
    (dlogits_ref,) = sce.backward(1.0, cache_ref)
    loss, cache = sce.forward(cp.asarray(logits), cp.asarray(labels))
    (dlogits,) = sce.backward(1.0, cache)
    np.testing.assert_allclose(float(cp.asnumpy(loss)), float(loss_ref), rtol=1e-6)
    np.testing.assert_allclose(cp.asnumpy(dlogits), dlogits_ref, rtol=1e-4, atol=1e-6)


@pytest.mark.gpu
def test_gpu_out_of_range_label_gives_nan(cp):
    logits = cp.asarray(np.random.default_rng(11).standard_normal((3, 4)).astype(np.float32))
    labels = cp.asarray(np.array([0, 4, 2], dtype=np.int32))
    loss, cache = sce.forward(logits, labels)
    assert np.isnan(float(cp.asnumpy(loss)))
    dlogits = cp.asnumpy(sce.backward(1.0, cache)[0])
    assert np.isnan(dlogits[1]).all() and np.isfinite(dlogits[[0, 2]]).all()
    assert sce.accuracy(logits, labels, k=4) == 2 / 3


@pytest.mark.gpu
@pytest.mark.parametrize("n,k", CONFIGS, ids=CONFIG_IDS)
def test_gpu_float64_gradient(cp, n, k):
    logits, labels = logits_and_labels(np.random.default_rng(12), n, k)
    errors = gradient_errors(sce.forward, sce.backward, (cp.asarray(logits), cp.asarray(labels)), wrt=(0,), seed=13)
    assert max(errors) <= 1e-6


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("label_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("k", [1, 5])
@pytest.mark.parametrize("n,classes", [(1, 7), (37, 10), (1000, 100), (256, 1000)],
                         ids=["n1k7", "n37k10", "n1000k100", "n256k1000"])
def test_gpu_accuracy_matches_reference(cp, n, classes, k, label_dtype, dtype):
    rng = np.random.default_rng(14)
    logits = rng.integers(0, 6, size=(n, classes)).astype(dtype)  # many ties
    labels = rng.integers(0, classes, size=n).astype(label_dtype)
    expected = sce.accuracy(logits, labels, k=k)
    assert sce.accuracy(cp.asarray(logits), cp.asarray(labels), k=k) == expected


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gpu_is_bitwise_repeatable(cp, dtype):
    logits, labels = logits_and_labels(np.random.default_rng(15), 300, 1000, dtype=dtype)
    logits, labels = cp.asarray(logits), cp.asarray(labels)

    def run():
        loss, cache = sce.forward(logits, labels)
        (dlogits,) = sce.backward(1.0, cache)
        return cp.asnumpy(loss).tobytes(), cp.asnumpy(dlogits).tobytes()

    assert run() == run()


@pytest.mark.parametrize("n_classes, refused", [(sce.MAX_CLASSES, False), (sce.MAX_CLASSES + 1, True)],
                         ids=["largest", "past"])
def test_cuda_classes_at_the_32_bit_boundary(emulated_launches, n_classes, refused):
    """The kernels' class loops (k = lane; k < K; k += 32) run k up to K + 31 in int: past 2^31 − 32
    classes it wrapped negative and read before the row. Shapes only: the logits are a view over one
    float, launched but never run."""
    cp = emulated_launches
    logits = np.lib.stride_tricks.as_strided(cp.empty(1, np.float32), (1, n_classes), (4 * n_classes, 4), subok=True)
    labels = cp.empty(1, np.int32)
    if not refused:
        sce.forward(logits, labels)
        return
    with pytest.raises(ValueError, match=r"^softmax_cross_entropy: logits must have fewer than 2\*\*31 rows and at "
                                         r"most 2\*\*31 - 32 classes .* got shape \(1, 2147483617\)"):
        sce.forward(logits, labels)


def test_cuda_rows_near_2_31_stay_in_int(emulated_tail):
    """One warp per row, striding by the grid's 65536 blocks × 8 warps: n + 2^19 was an int and, for
    N near 2^31, wrapped negative and passed `n < N` (a row before the logits). The last block of
    the forward launch over 2^31 − 2 rows of one class, on virtual arrays."""
    cp = cuda.cupy()
    n_rows = 2**31 - 2
    logits, labels = cp.empty((n_rows, 1), np.float32), cp.empty(n_rows, np.int32)
    last = [n_rows - 1 - 2**19, n_rows - 1]  # rows of the last block's warp 5
    logits[last, 0] = [4.0, 5.0]
    labels[last] = 0
    with emulated_tail.tail((sce.MAX_BLOCKS - 1, 0, 0)):
        _, cache = sce.forward(logits, labels)
    assert [float(cache.row_max[n]) for n in last] == [4.0, 5.0]

"""Softmax cross-entropy loss, mean over the batch, and top-k accuracy (Caffe's SoftmaxWithLoss
and Accuracy layers; the loss of CaffeNet, DESIGN.md §1).

For logits ``x`` (N, K) and integer labels ``t`` (N,) in ``[0, K)``, computed stably by shifting
each row by its maximum::

    row_max[n]     = max_k x[n,k]
    row_log_sum[n] = log Σ_k exp(x[n,k] − row_max[n])
    loss           = (1/N) Σ_n (row_log_sum[n] − (x[n,t_n] − row_max[n]))
    dx[n,k]        = dloss · (softmax(x)[n,k] − [k = t_n]) / N
    softmax(x)[n,k] = exp(x[n,k] − row_max[n] − row_log_sum[n])

``forward`` returns the loss as a 0-d array of the logits' dtype on the logits' device. The cache
keeps the logits, the labels and the two per-row statistics (2·N numbers), from which ``backward``
recomputes the softmax instead of storing an (N, K) array.

Labels are checked to lie in ``[0, K)`` on NumPy. On CuPy that check would cost a device-to-host
synchronisation, so it is not made: a row with an out-of-range label gets a NaN loss (hence a NaN
mean) and NaN gradients, and counts as wrong in :func:`accuracy`.

The GPU reductions run in a fixed order (no atomics), so the loss and gradients are bitwise
reproducible from run to run. The kernels take N and K as 32-bit integers: N must be below 2^31 and
K at most :data:`MAX_CLASSES` = 2^31 − 32 (their class loops step up to K + 31); both ops refuse more.
"""

from typing import NamedTuple

import numpy as np

from minitransfer import cuda
from minitransfer.ops import _check

KERNEL_FILE = "softmax_cross_entropy"
KERNELS = (
    "softmax_cross_entropy_forward",
    "softmax_cross_entropy_mean",
    "softmax_cross_entropy_backward",
    "softmax_cross_entropy_accuracy",
    "softmax_cross_entropy_step",
)
LABEL_DTYPES = (np.dtype(np.int32), np.dtype(np.int64))
THREADS = 256
ROWS_PER_BLOCK = THREADS // 32  # one warp per row
MAX_BLOCKS = 65536
MAX_CLASSES = 2**31 - 32  # the kernels' class counters reach K + 31 in int


class SoftmaxCrossEntropyCache(NamedTuple):
    logits: object  # N,K
    labels: object  # N
    row_max: object  # N
    row_log_sum: object  # N


def forward(logits, labels):
    """Mean softmax cross-entropy of ``logits`` (N, K) against ``labels`` (N,) → ``(loss, cache)``.

    >>> loss, cache = forward(np.array([[2.0, 0.0]]), np.array([0]))   # loss = log(1 + e^-2)
    """
    _validate("softmax_cross_entropy", logits, labels)
    if cuda.is_cuda_array(logits):
        return _forward_cuda(logits, labels)
    n_rows = logits.shape[0]
    row_max = logits.max(axis=1)  # N
    shifted = logits - row_max[:, None]  # N,K
    row_log_sum = np.log(np.exp(shifted).sum(axis=1))  # N
    row_loss = row_log_sum - shifted[np.arange(n_rows), labels]  # N
    loss = np.asarray(row_loss.sum() / n_rows, dtype=logits.dtype)  # ()
    return loss, SoftmaxCrossEntropyCache(logits, labels, row_max, row_log_sum)


def backward(dloss, cache):
    """Gradient of :func:`forward`: ``(dlogits,)``, ``dlogits = dloss·(softmax − onehot)/N``.

    ``dloss`` is the gradient of the scalar loss: a number, or a 0-d / one-element array (on the
    GPU, keep it a CuPy array to avoid a host round trip).
    """
    logits, labels, row_max, row_log_sum = cache
    n_rows = logits.shape[0]
    if cuda.is_cuda_array(logits):
        return (_backward_cuda(dloss, cache),)
    dloss = _check_dloss(np.asarray(dloss, dtype=logits.dtype)).reshape(())
    probabilities = np.exp(logits - row_max[:, None] - row_log_sum[:, None])  # N,K
    probabilities[np.arange(n_rows), labels] -= 1
    return (dloss * probabilities / n_rows,)


def forward_backward(logits, labels, dloss=1.0, fused=False):
    """:func:`forward` then :func:`backward` with ``dloss``: ``(loss, dlogits, cache)``, a training
    step's loss and its gradient. On CUDA with ``fused`` (UNVERIFIED ON A GPU) one launch of
    ``softmax_cross_entropy_step`` computes them (the rows, their gradients, then the mean by the last
    block): the same arithmetic, so the same bits, and no host-to-device copy of ``dloss``.
    """
    if not (cuda.is_cuda_array(logits) and fused):
        loss, cache = forward(logits, labels)
        (dlogits,) = backward(dloss, cache)
        return loss, dlogits, cache
    _validate("softmax_cross_entropy", logits, labels)
    dloss = logits.dtype.type(_check_dloss(dloss).item())  # by value
    cp = cuda.cupy()
    n_rows, n_classes = logits.shape
    row_loss, row_max, row_log_sum = (cp.empty(n_rows, dtype=logits.dtype) for _ in range(3))
    loss = cp.empty(1, dtype=logits.dtype)
    dlogits = cp.empty_like(logits)
    grid = min(cuda.blocks(n_rows, ROWS_PER_BLOCK), MAX_BLOCKS)
    cuda.launch(KERNEL_FILE, cuda.entry("softmax_cross_entropy_step", logits.dtype), grid, THREADS,
                (logits, *_label_args(labels), row_loss, row_max, row_log_sum, loss, dloss, dlogits,
                 cuda.zeroed_counters(1), np.int32(n_rows), np.int32(n_classes)))
    return loss.reshape(()), dlogits, SoftmaxCrossEntropyCache(logits, labels, row_max, row_log_sum)


def accuracy(logits, labels, k=1):
    """Top-k accuracy as a Python float: the fraction of rows whose true class is among the k best.

    Tie rule (Caffe's Accuracy layer, ``accuracy_layer.cpp``): a row is correct iff fewer than ``k``
    OTHER classes have a logit greater than OR EQUAL to the true class's, so a class tied with the
    true one counts against it. A row of equal logits (a zeroed fc8, a net whose ReLUs all died) is
    wrong at top-1, and at top-k whenever it has more than ``k`` classes, not trivially right.

    A row with a NaN anywhere (a diverged net) counts as wrong. Caffe counts a NaN true logit as
    correct (no comparison with NaN holds, so nothing beats it); that would score a diverged net 1.0.

    >>> accuracy(np.array([[1.0, 3.0, 2.0]]), np.array([2]), k=2)
    1.0
    >>> accuracy(np.array([[2.0, 2.0, 1.0]]), np.array([0]), k=1)   # tied with class 1: wrong
    0.0
    """
    _validate("accuracy", logits, labels)
    k = _check.positive_int("accuracy", "k", k)
    if cuda.is_cuda_array(logits):
        return _accuracy_cuda(logits, labels, k)
    n_rows = logits.shape[0]
    true_logit = logits[np.arange(n_rows), labels]  # N
    at_least = (logits >= true_logit[:, None]).sum(axis=1) - 1  # N, the true class itself left out
    has_nan = np.isnan(logits).any(axis=1)  # N
    return int(((at_least < k) & ~has_nan).sum()) / n_rows


def _validate(op, logits, labels):
    _check.array(op, "logits", logits, ndim=2)
    _check.array(op, "labels", labels, ndim=1, dtypes=LABEL_DTYPES)
    _check.same_device(op, logits=logits, labels=labels)
    n_rows, n_classes = logits.shape
    if labels.shape[0] != n_rows:
        raise ValueError(f"{op}: labels must have shape ({n_rows},) for logits {tuple(logits.shape)}, "
                         f"got {tuple(labels.shape)}")
    if n_rows == 0 or n_classes == 0:
        raise ValueError(f"{op}: logits must have at least one row and one class, got shape {tuple(logits.shape)}")
    if n_rows >= 2**31 or n_classes > MAX_CLASSES:
        raise ValueError(f"{op}: logits must have fewer than 2**31 rows and at most 2**31 - 32 classes (the CUDA "
                         f"kernels' 32-bit integers), got shape {tuple(logits.shape)}")
    if not cuda.is_cuda_array(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{op}: labels must lie in [0, {n_classes}) for logits {tuple(logits.shape)}, "
                         f"got values in [{labels.min()}, {labels.max()}]")


def _check_dloss(dloss):
    """``dloss`` as an array (a NumPy or CuPy one as it is, anything else NumPy's: a list has no
    size), refused unless it is one number (a Python or NumPy scalar, a one-element array)."""
    dloss = dloss if hasattr(dloss, "size") else np.asarray(dloss)
    if dloss.size != 1:
        raise ValueError(f"softmax_cross_entropy: dloss must be a scalar, got shape {tuple(dloss.shape)}")
    return dloss


def _label_args(labels):
    return labels, np.int32(labels.dtype == np.int64)


def _forward_cuda(logits, labels):
    cp = cuda.cupy()
    n_rows, n_classes = logits.shape
    row_loss = cp.empty(n_rows, dtype=logits.dtype)
    row_max = cp.empty(n_rows, dtype=logits.dtype)
    row_log_sum = cp.empty(n_rows, dtype=logits.dtype)
    loss = cp.empty(1, dtype=logits.dtype)
    grid = min(cuda.blocks(n_rows, ROWS_PER_BLOCK), MAX_BLOCKS)
    cuda.launch(KERNEL_FILE, cuda.entry("softmax_cross_entropy_forward", logits.dtype), grid, THREADS,
                (logits, *_label_args(labels), row_loss, row_max, row_log_sum, np.int32(n_rows), np.int32(n_classes)))
    cuda.launch(KERNEL_FILE, cuda.entry("softmax_cross_entropy_mean", logits.dtype), 1, THREADS,
                (row_loss, loss, np.int32(n_rows)))
    return loss.reshape(()), SoftmaxCrossEntropyCache(logits, labels, row_max, row_log_sum)


def _backward_cuda(dloss, cache):
    cp = cuda.cupy()
    logits, labels, row_max, row_log_sum = cache
    n_rows, n_classes = logits.shape
    dloss = cp.ascontiguousarray(_check_dloss(cp.asarray(dloss, dtype=logits.dtype)))
    dlogits = cp.empty_like(logits)
    grid = min(cuda.blocks(logits.size, THREADS), MAX_BLOCKS)
    cuda.launch(KERNEL_FILE, cuda.entry("softmax_cross_entropy_backward", logits.dtype), grid, THREADS,
                (dloss, logits, *_label_args(labels), row_max, row_log_sum, dlogits,
                 np.int32(n_rows), np.int32(n_classes)))
    return dlogits


def _accuracy_cuda(logits, labels, k):
    cp = cuda.cupy()
    n_rows, n_classes = logits.shape
    count = cp.empty(1, dtype=np.int32)
    cuda.launch(KERNEL_FILE, cuda.entry("softmax_cross_entropy_accuracy", logits.dtype), 1, THREADS,
                (logits, *_label_args(labels), count, np.int32(n_rows), np.int32(n_classes),
                 np.int32(min(k, 2**31 - 1))))
    return int(count.get()[0]) / n_rows

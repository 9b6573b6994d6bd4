"""Data augmentation as Caffe's DataTransformer does it for CaffeNet (DESIGN.md §1): crop,
mirror and mean subtraction of a uint8 NHWC batch into a float NCHW batch.

For image ``n`` of the batch (its position, not its dataset index), training draws::

    bits_k = random_bits(seed, iteration, 3·n + k),  k = 0, 1, 2
    oy = bits_0 mod (H − crop + 1),  ox = bits_1 mod (W − crop + 1),  flip = bits_2 & 1

and evaluation takes the centre crop ``oy = (H − crop)//2``, ``ox = (W − crop)//2`` without
flipping. Then::

    y[n,c,i,j] = image[n, oy+i, ox+jj, c] − mean[oy+i, ox+jj, c],   jj = crop−1−j if flip else j

the mean being subtracted at the source pixel before mirroring, as in Caffe. ``random_bits`` is
:func:`minitransfer.counter_rng.random_bits`, which the kernel reproduces bit for bit, so the CPU
and the GPU cut the same crops for the same ``(seed, iteration)``.

Augmentation is not differentiable and nothing flows back to the pixels, so ``forward`` returns
the batch alone, without a cache, and there is no ``backward``.
"""

import numpy as np

from minitransfer import counter_rng, cuda
from minitransfer.ops import _check

KERNEL_FILE = "augment"
KERNELS = ("augment_crop_mirror",)
THREADS = 256
MAX_GRID_Y = 65535  # the kernel strides over the planes beyond this
GATHER_MAX_VALUES = 2048  # training crops of at most this many values (3·crop²) are gathered for many images at once
GATHER_BYTES = 1 << 18  # ... in chunks whose copies stay within this many bytes


def offsets(n, height, width, crop, train=True, seed=0, iteration=0):
    """The crop draws of a batch of ``n`` images: ``(oy, ox, flip)``, three int64 arrays of length n.

    >>> oy, ox, flip = offsets(4, 256, 256, 227, train=True, seed=0, iteration=10)
    """
    n = _check.positive_int("augment", "n", n, minimum=0)
    height, width, crop = _crop_sizes(height, width, crop)
    seed, iteration = _stream(seed, iteration)
    if 3 * n > counter_rng.MASK32 + 1:
        raise ValueError(f"augment: at most 2**32 / 3 images per batch, got {n}")
    if not train:
        top, left = _centre(height, width, crop)
        return np.full(n, top, dtype=np.int64), np.full(n, left, dtype=np.int64), np.zeros(n, dtype=np.int64)
    bits = counter_rng.random_bits(seed, iteration, np.arange(3 * n, dtype=np.int64))  # 3n
    bits = bits.reshape(n, 3).astype(np.int64)  # n,3
    return bits[:, 0] % (height - crop + 1), bits[:, 1] % (width - crop + 1), bits[:, 2] & 1


def forward(images, mean, crop, train=True, seed=0, iteration=0):
    """Crop, mirror and subtract the mean: uint8 ``images`` (N, H, W, 3) → (N, 3, crop, crop).

    ``mean`` is the (H, W, 3) mean image; the output has its dtype (float32 for the dataset's mean
    image; float64 is accepted for tests). Both arrays are NumPy, or both CuPy.
    """
    _check.array("augment", "images", images, ndim=4, dtypes=(np.dtype(np.uint8),))
    _check.array("augment", "mean", mean, ndim=3)
    _check.same_device("augment", images=images, mean=mean)
    n_images, height, width, channels = images.shape
    if channels != 3:
        raise ValueError(f"augment: images must be (N, H, W, 3) NHWC, got shape {tuple(images.shape)}")
    _check.shape("augment", "mean", mean, (height, width, 3))
    if height * width * 3 >= 2**31 or n_images * 3 >= 2**31:
        raise ValueError(f"augment: images of shape {tuple(images.shape)} are too large (H·W·3 or N·3 >= 2**31)")
    height, width, crop = _crop_sizes(height, width, crop)
    seed, iteration = _stream(seed, iteration)
    if cuda.is_cuda_array(images):
        return _forward_cuda(images, mean, crop, train, seed, iteration)
    y = np.empty((n_images, 3, crop, crop), dtype=mean.dtype)  # N,3,crop,crop
    if not train:
        _centre_crops(images, mean, *_centre(height, width, crop), y)
        return y
    oy, ox, flip = offsets(n_images, height, width, crop, train, seed, iteration)
    if 3 * crop * crop <= GATHER_MAX_VALUES:
        _gathered_crops(images, mean, oy, ox, flip, y)
    else:
        _crops_image_by_image(images, mean, oy, ox, flip, y)
    return y


def _centre_crops(images, mean, top, left, y):
    """Evaluation: every image's crop at one place, unmirrored: one ufunc over views writes y (no copy)."""
    crop = y.shape[-1]
    rows, columns = slice(top, top + crop), slice(left, left + crop)
    np.subtract(images[:, rows, columns].transpose(0, 3, 1, 2), mean[rows, columns].transpose(2, 0, 1), out=y,
                dtype=mean.dtype)


def _gathered_crops(images, mean, oy, ox, flip, y):
    """Small crops, many images at once (a Python loop per image cost ~20% of a micro batch's loading): each
    chunk's crops and mean crops gathered from views of all windows, subtracted into y, the mirrored images then
    flipped in y. A chunk's copies stay within GATHER_BYTES, so the peak stays near y's own memory."""
    crop = y.shape[-1]
    crops, mean_crops = _windows(images, mean, crop)
    step = max(1, GATHER_BYTES // (3 * crop * crop * (1 + 2 * mean.itemsize)))  # uint8 crops, mean crops, a flip
    for start in range(0, len(y), step):
        top, left, part = oy[start:start + step], ox[start:start + step], y[start:start + step]
        np.subtract(crops[np.arange(start, start + len(part)), top, left], mean_crops[top, left], out=part,
                    dtype=mean.dtype)
        mirrored = np.flatnonzero(flip[start:start + step])
        part[mirrored] = part[mirrored, :, :, ::-1]  # the gather copies before the write


def _crops_image_by_image(images, mean, oy, ox, flip, y):
    """Large crops: each image's crop and mean crop read through views (mirrored as a view too) and subtracted
    by one ufunc writing into y: no copy at all, and the per-image call is negligible beside the crop's work."""
    crops, mean_crops = _windows(images, mean, y.shape[-1])
    for index, (top, left, mirrored) in enumerate(zip(oy.tolist(), ox.tolist(), flip.tolist())):
        columns = slice(None, None, -1 if mirrored else 1)  # jj = crop-1-j where mirrored
        np.subtract(crops[index, top, left][..., columns], mean_crops[top, left][..., columns], out=y[index],
                    dtype=mean.dtype)


def _windows(images, mean, crop):
    """Views (no copy) of every crop of every image, (N, H', W', 3, crop, crop), and of the mean, (H', W', 3, ...)."""
    return (np.lib.stride_tricks.sliding_window_view(images, (crop, crop), axis=(1, 2)),
            np.lib.stride_tricks.sliding_window_view(mean, (crop, crop), axis=(0, 1)))


def _centre(height, width, crop):
    """Evaluation's crop offsets ``(oy, ox)``."""
    return (height - crop) // 2, (width - crop) // 2


def _crop_sizes(height, width, crop):
    height = _check.positive_int("augment", "height", height)
    width = _check.positive_int("augment", "width", width)
    crop = _check.positive_int("augment", "crop", crop)
    if crop > min(height, width):
        raise ValueError(f"augment: crop {crop} does not fit in images of {height}x{width}")
    return height, width, crop


def _stream(seed, iteration):
    """The crop draws' ``(seed, iteration)``, checked: a float would be truncated to another stream."""
    return _check.positive_int("augment", "seed", seed, minimum=0), \
        _check.positive_int("augment", "iteration", iteration, minimum=0)


def _forward_cuda(images, mean, crop, train, seed, iteration):
    cp = cuda.cupy()
    n_images, height, width, _ = images.shape
    y = cp.empty((n_images, 3, crop, crop), dtype=mean.dtype)
    if n_images == 0:
        return y
    key = counter_rng.stream_key(seed, iteration)
    grid = (cuda.blocks(crop * crop, THREADS), min(3 * n_images, MAX_GRID_Y))
    cuda.launch(KERNEL_FILE, cuda.entry("augment_crop_mirror", mean.dtype), grid, THREADS,
                (images, mean, y, np.int32(n_images), np.int32(height), np.int32(width), np.int32(crop),
                 np.int32(bool(train)), np.uint32(key)))
    return y

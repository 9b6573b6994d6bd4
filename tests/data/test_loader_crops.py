"""BatchLoader's crops and mirrors, read back from the batches: images whose pixels hold their own
(row, column, image number) show where each sample was cut, whether it was mirrored and which image it
is. Training must cut batch b with the draws of iteration b (ops/augment.py's documented rule over
:func:`minitransfer.counter_rng.random_bits`), evaluation the centre, unmirrored."""

import numpy as np
import pytest

from minitransfer import counter_rng
from minitransfer.data import build, decode, loader

SIZE, CROP, BATCH, SEED = 32, 20, 5, 7
TRAIN_IMAGES, VAL_IMAGES, VAL_FIRST = 12, 4, 100  # val images are numbered from 100


def position_images(count, first):
    """``count`` uint8 SIZE×SIZE×3 images: channel 0 the row, 1 the column, 2 the image's number."""
    rows, cols = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    return [np.stack([rows, cols, np.full((SIZE, SIZE), first + k)], axis=-1).astype(np.uint8) for k in range(count)]


@pytest.fixture(scope="module")
def positions_data(tmp_path_factory):
    classes = [{"index": i, "wnid": f"position-{i}", "name": f"position {i}"} for i in range(2)]
    subsets = {subset: ([decode.ImportItem(pixels=image) for image in position_images(count, first)],
                        np.arange(count) % 2, {})
               for subset, count, first in (("train", TRAIN_IMAGES, 0), ("val", VAL_IMAGES, VAL_FIRST))}
    return build.build_dataset(tmp_path_factory.mktemp("data") / "positions", source={"kind": "position-test"},
                               classes=classes, subsets=subsets, size=SIZE, workers=0)


def make_loader(data, train, **options):
    subset, count = ("train", TRAIN_IMAGES) if train else ("val", VAL_IMAGES)
    indices = np.arange(count)
    return loader.BatchLoader(data, subset, indices, indices % 2, BATCH, CROP, train=train, seed=SEED,
                              mean=np.zeros((SIZE, SIZE, 3), np.float32), **options)


def read_crops(x):
    """(image number, oy, ox, flip) of each sample of a (N, 3, CROP, CROP) batch, checking that each
    sample is one whole window of its image (mirrored or not; the mean is zero)."""
    x = np.asarray(x)
    image, oy = x[:, 2, 0, 0], x[:, 0, 0, 0]
    flip = x[:, 1, 0, 0] > x[:, 1, 0, -1]
    ox = x[:, 1].min(axis=(1, 2))
    steps = np.arange(CROP)
    for n in range(len(x)):
        columns = steps[::-1] if flip[n] else steps
        np.testing.assert_array_equal(x[n, 0], np.broadcast_to(oy[n] + steps[:, None], (CROP, CROP)))
        np.testing.assert_array_equal(x[n, 1], np.broadcast_to(ox[n] + columns, (CROP, CROP)))
        np.testing.assert_array_equal(x[n, 2], image[n])
    return image.astype(int), oy.astype(int), ox.astype(int), flip.astype(int)


def documented_draws(seed, iteration, n):
    """ops/augment.py's rule: bits_k = random_bits(seed, iteration, 3·i + k); oy = bits_0 mod
    (H − crop + 1), ox = bits_1 mod (W − crop + 1), flip = bits_2 & 1, for images i = 0..n−1."""
    bits = counter_rng.random_bits(seed, iteration, np.arange(3 * n)).reshape(n, 3).astype(int)
    span = SIZE - CROP + 1
    return bits[:, 0] % span, bits[:, 1] % span, bits[:, 2] & 1


def check_training_batches(batches, count, to_numpy):
    """Batch b holds the images of its positions, cut and mirrored with iteration b's draws; the
    draws themselves differ from batch to batch (else iteration 0's for all would pass)."""
    draws = []
    for b in range(count):
        x, _ = next(batches)
        image, oy, ox, flip = read_crops(to_numpy(x))
        np.testing.assert_array_equal(image, batches.indices[batches.positions(b)])
        expected = documented_draws(SEED, b, BATCH)
        for name, got, want in zip(("oy", "ox", "flip"), (oy, ox, flip), expected):
            np.testing.assert_array_equal(got, want, err_msg=f"batch {b}: {name}")
        draws.append(list(zip(oy, ox, flip)))
    assert all(draws[b] != draws[0] for b in range(1, count))
    assert {f for batch in draws for _, _, f in batch} == {0, 1}


def test_training_crops_and_mirrors_are_each_batchs_own_draws(positions_data):
    with make_loader(positions_data, train=True) as batches:
        check_training_batches(batches, 6, np.asarray)  # 30 samples: the stream passes 2 epochs


def test_cuda_training_crops_and_mirrors_are_each_batchs_own_draws(positions_data, cuda_xp):
    with make_loader(positions_data, train=True, device="cuda") as batches:
        check_training_batches(batches, 4, cuda_xp.asnumpy)


def test_a_resumed_loader_cuts_its_first_batch_with_that_batchs_draws(positions_data):
    """Batch 3 read first after a resume is cut as the uninterrupted loader's fourth batch, with
    iteration 3's draws, not those of the loader's first call."""
    with make_loader(positions_data, train=True) as uninterrupted:
        expected = [read_crops(next(uninterrupted)[0]) for _ in range(4)][3]
        cursor = uninterrupted.cursor
    cursor["batch"] = 3
    with make_loader(positions_data, train=True, cursor=cursor) as resumed:
        crops = read_crops(next(resumed)[0])
    for got, want in zip(crops, expected):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(crops[1:], documented_draws(SEED, 3, BATCH))


def test_evaluation_cuts_every_batch_at_the_centre_unmirrored(positions_data):
    with make_loader(positions_data, train=False) as batches:
        crops = [read_crops(x) for x, _ in batches]
    image, oy, ox, flip = (np.concatenate(parts) for parts in zip(*crops))
    np.testing.assert_array_equal(image, VAL_FIRST + np.arange(VAL_IMAGES))
    centre = (SIZE - CROP) // 2
    assert (oy == centre).all() and (ox == centre).all() and not flip.any()

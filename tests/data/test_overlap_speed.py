"""`prepare overlap`'s speed: a source's thumbnails were normalized again for each batch of a target's (a third of
the comparison's time), and every thumbnail was an einsum over the image's pixels, once per window (~9 s a window
for 512 images of 256 px: ImageNet's source, 6 windows, about 2 days), its grey levels computed again for each
window. The pairs found must stay those a plain loop over every pair finds."""


import numpy as np

from data.test_prepare_overlap import _prepared
from data.test_prepare_overlap_cases import _first_copies
from minitransfer.data import dataset, near_copies


def _seeded(rng, these_count, those_count, copies):
    """Random thumbnails ``these`` and ``those``, ``copies`` of ``these`` re-lit copies of ``those`` (some of one
    source thumbnail twice, the first to be named)."""
    those = rng.uniform(0, 255, (those_count, 64)).astype(np.float32)
    these = rng.uniform(0, 255, (these_count, 64)).astype(np.float32)
    rows = rng.choice(these_count, copies, replace=False)
    columns = 2 * rng.choice(those_count // 2, copies, replace=False)  # even: the next column is no copy's
    these[rows] = those[columns] * rng.uniform(0.7, 1.3, (copies, 1)) + rng.uniform(-20, 20, (copies, 1)) \
        + rng.uniform(-1, 1, (copies, 64))
    those[columns[::3] + 1] = those[columns[::3]]  # a later copy of the same: the first is named
    return these, those


def test_normalizing_the_source_once_finds_the_same_pairs_as_a_plain_loop(monkeypatch):
    monkeypatch.setattr(near_copies, "BATCH", 7)  # batches and parts of the source that do not divide the rows
    monkeypatch.setattr(near_copies, "COLUMNS", 50)
    rng = np.random.default_rng(70)
    these, those = _seeded(rng, 40, 230, 12)
    found = near_copies.near_copies(these, near_copies.normalize(those.copy()), normal=True)
    assert found == _first_copies(these, those)  # Oracle: every pair compared, no sifting, no batches
    assert len(found) == 12
    these, those = _seeded(rng, 300, 2000, 60)  # larger: against the unnormalized call, part by part
    assert near_copies.near_copies(these, near_copies.normalize(those.copy()), normal=True) == \
        near_copies.near_copies(these, those)


def test_a_source_thumbnail_is_normalized_once_however_many_batches_compare_it(tmp_path, monkeypatch):
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, seed) for seed in (1, 2, 3)], "oak": [(40, 40, 4), (40, 40, 5),
                                                                                                (40, 40, 6)]}, 16)
    target = _prepared(tmp_path / "Y", {"elm": [(40, 40, seed) for seed in range(3, 8)],
                                        "fir": [(40, 40, seed) for seed in range(8, 12)]}, 16)
    monkeypatch.setattr(near_copies, "BATCH", 2)
    monkeypatch.setattr(near_copies, "COLUMNS", 4)
    rows, normalized = [], near_copies.normalized

    def counted(thumbs):
        rows.append(len(thumbs))
        return normalized(thumbs)

    monkeypatch.setattr(near_copies, "normalized", counted)
    data, other = dataset.open_dataset(target), dataset.open_dataset(source)
    with data.reading(), other.reading():
        copies, plain_here, plain_there = near_copies.shared_images(data, other)
    # Oracle: the 9 target images compared unmirrored and mirrored (18 rows), the 6 source images by each of the 6
    # windows (36 rows), each normalized once: it was each part of the source again for each of the 9 batches
    assert (plain_here, plain_there) == (0, 0)
    assert sum(rows) == 9 * 2 + 6 * len(near_copies.WINDOWS), rows
    assert len(copies) == 4 and all(window == "whole" and not mirror for _, _, mirror, window in copies), copies
    # the photos of seeds 3 to 6, in both


def test_thumbnails_of_every_window_are_block_means():
    """Oracle: each window's blocks are means of the grey image, its window cut at whole pixels (a 256 px side cut
    to 224 = 8 blocks of 28 pixels). Their speed (an einsum over every pixel took 3.9 s for the 6 windows of these
    64 images, now 0.4 s) is measured, not asserted: a loaded CI machine times anything."""
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (64, 256, 256, 3), dtype=np.uint8)
    windows = {"whole": near_copies.FULL, "top left": (0.0, 0.0, 224 / 256, 224 / 256),
               "bottom right": (32 / 256, 32 / 256, 224 / 256, 224 / 256)}
    found = {name: near_copies.thumbnails(images, window) for name, window in windows.items()}
    grey = images[..., 0] * 0.299 + images[..., 1] * 0.587 + images[..., 2] * 0.114
    cuts = {"whole": grey, "top left": grey[:, :224, :224], "bottom right": grey[:, 32:, 32:]}
    for name, cut in cuts.items():
        side = cut.shape[1] // 8
        expected = cut.reshape(64, 8, side, 8, side).mean(axis=(2, 4)).reshape(64, 64)
        assert np.allclose(found[name], expected, atol=1e-3), name

"""`prepare overlap TARGET SOURCE`: what a transfer's target dataset shares with its source. Only class names were
ever compared (train's and experiment's warnings): a target holding the source's photos, resized or re-encoded, or
prepared at another --size, under other class names, was a transfer to new images for all anyone was told."""

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import near_copies


def test_thumbnails_are_block_means_of_the_grey_image():
    """Oracle: a 16 x 24 image's 8 x 8 blocks are 2 x 3 pixels each; its grey is ITU-R 601's luma."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (2, 16, 24, 3), dtype=np.uint8)
    grey = images[..., 0] * 0.299 + images[..., 1] * 0.587 + images[..., 2] * 0.114
    expected = grey.reshape(2, 8, 2, 8, 3).mean(axis=(2, 4)).reshape(2, 64)
    assert np.allclose(near_copies.thumbnails(images), expected, atol=1e-3)


def test_near_copies_pair_each_with_the_first_it_copies():
    rng = np.random.default_rng(1)
    those = rng.uniform(0, 255, (600, 64)).astype(np.float32)  # more than one batch
    these = rng.uniform(0, 255, (5, 64)).astype(np.float32)
    these[1] = those[550] + rng.uniform(-1.5, 1.5, 64)   # within 2 levels on average
    these[3] = those[20] + 1.0
    those[580] = those[550]  # a second copy: the first is named
    these[4] = those[9] * 0.7 + 30  # less contrast, lighter: a copy
    these[0] = those[5]
    these[0, 0] += 60  # one block off by 60 (of a spread of some 74 levels): no copy
    these[2] = those[7][::-1]  # the same levels elsewhere: no copy
    assert near_copies.near_copies(these, those) == [(1, 550), (3, 20), (4, 9)]


def _photos(root, classes):
    """``root`` holding ``classes`` ({class: [(H, W, seed), ...]}) of noise-like PNGs drawn at 64 x 64 from the seed,
    then resized to H x W (the same seed: one photo at two sizes)."""
    for name, images in classes.items():
        (root / name).mkdir(parents=True)
        for number, (height, width, seed) in enumerate(images):
            pixels = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
            photo = Image.fromarray(pixels).resize((64, 64), Image.Resampling.BILINEAR)
            photo.resize((width, height), Image.Resampling.BILINEAR).save(root / name / f"{number}.png")
    return root


def _prepared(root, classes, size):
    out = root.parent / f"{root.name}-{size}"
    done = CliRunner().invoke(main, ["prepare", "folder", str(_photos(root, classes)), str(out), "--size", str(size),
                                     "--workers", "0", "--val-fraction", "0"])
    assert done.exit_code == 0, done.output
    return str(out)


def test_prepare_overlap_names_shared_classes_and_copied_photos(tmp_path):
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, 1), (50, 30, 2)], "cat": [(40, 40, 3), (36, 44, 4)],
                                        "oak": [(40, 40, 5), (40, 40, 6)]}, 24)
    target = _prepared(tmp_path / "Y", {"Cat": [(60, 60, 7), (60, 60, 8)], "tram": [(70, 70, 2), (64, 48, 9)],
                                        "van": [(33, 47, 10), (60, 60, 11)]}, 32)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{target} and {source}: 1 of the 3 classes of {target} is among the 3 of {source} (by class " \
                       f"name: 'Cat')"
    # tram's first photo is bus's second (seed 2), prepared at 32 px from 70 x 70, at 24 px from 30 x 50
    assert lines[1] == f"{target} and {source}: 1 of the 6 images of {target} looks like images of {source} (the " \
                       f"same photo resized, re-encoded, re-lit, cut or mirrored): 1 of 'tram' like 'bus'"
    assert lines[2:] == ["  tram/0.png (train image 2) of 'tram' like bus/1.png (train image 1) of 'bus'"]


def test_prepare_overlap_of_other_classes_and_photos_says_none(tmp_path):
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, 1)], "oak": [(40, 40, 2)]}, 16)
    target = _prepared(tmp_path / "Y", {"cat": [(40, 40, 3)], "elm": [(40, 40, 4)]}, 16)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{target} and {source}: no class of one named as a class of the other",
        f"{target} and {source}: none of the 2 images of {target} looks like an image of {source}"]

"""`prepare overlap` compares thumbnails less their mean, over their spread: a photo made lighter, darker or of other
contrast was a new image to it (each block some levels off), and any two skies of one gradient were copies of each
other once so scaled; and it compares a target's images with five parts of each source image too (training's crop
of 227 of 256 at the centre and the corners): a photo re-cut so was new to it."""

import numpy as np
from click.testing import CliRunner
from overlap_photos import edited, photo, prepared

from minitransfer.cli import main
from minitransfer.data import near_copies

CROP = 227 / 256


def _thumbs(images):
    return near_copies.thumbnails(np.stack(images))


def test_a_photo_made_lighter_darker_or_of_other_contrast_is_a_near_copy():
    photos = [photo(seed, 128) for seed in range(6)]
    sources = _thumbs([edited(pixels, 48) for pixels in photos])
    # Oracle: target i is source i, lit otherwise, smaller and a JPEG
    targets = _thumbs([edited(photos[0], 32, offset=25, quality=80), edited(photos[1], 32, offset=-30, quality=80),
                       edited(photos[2], 32, gain=0.6, quality=80), edited(photos[3], 32, gain=1.25, offset=-20)])
    assert near_copies.near_copies(targets, sources) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_distinct_photo_like_images_are_never_called_copies_whole_cut_or_mirrored():
    """Oracle: the images are drawn from distinct seeds; each target is its own source re-encoded, and nothing else."""
    photos = [photo(seed, 64) for seed in range(200)]
    sources = np.stack([edited(pixels, 32) for pixels in photos])
    cut = [near_copies.thumbnails(sources, window) for window in near_copies.WINDOWS.values()]
    both = np.concatenate(cut + [near_copies.mirrored(thumbs) for thumbs in cut])
    targets = _thumbs([edited(pixels, 24, quality=75) for pixels in photos])
    kept = np.flatnonzero(~near_copies.plain(targets))
    assert len(kept) > 190
    found = near_copies.near_copies(targets[kept], both)
    assert [(int(kept[row]), column) for row, column in found] == [(int(index), int(index)) for index in kept]


def _sky(rng, side=48):
    top, bottom = rng.uniform(100, 230, 2)
    pixels = top + (bottom - top) * np.linspace(0, 1, side)[:, None, None] + rng.normal(0, 2, (side, side, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def test_skies_of_one_gradient_are_plain_not_copies_of_each_other():
    """Scaled to one spread, any two skies darkening downwards were one thumbnail: 4491 of 36856 pairs of 300 such."""
    rng = np.random.default_rng(3)
    skies = _thumbs([_sky(rng) for _ in range(40)])
    assert near_copies.plain(skies).all()
    photos = _thumbs([edited(photo(seed, 64), 32) for seed in range(40)])
    assert not near_copies.plain(photos).any()  # Oracle: shapes and texture, no plane


def test_a_photo_cut_to_a_corner_as_training_crops_is_found_and_said_cut(tmp_path):
    photos = [photo(seed, 256) for seed in range(4)]
    source = prepared(tmp_path / "X", {"bus": photos[:2], "oak": photos[2:]}, 32)
    # Oracle: tram's 1.png is oak's 1.png cut to its bottom right 227 x 227, a JPEG; its 2.png bus's 0.png cut to its
    # top left, mirrored; elm's and tram's 0.png are new
    corner = edited(photos[0], 227, crop=(0, 0, CROP, CROP))[:, ::-1]
    target = prepared(tmp_path / "Y", {"elm": [photo(10, 256)], "tram": [photo(11, 256), edited(
        photos[3], 227, crop=(1 - CROP, 1 - CROP, CROP, CROP), quality=85), np.ascontiguousarray(corner)]}, 24)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"{target} and {source}: 2 of the 4 images of {target} look like images of {source}")
    assert lines[2:] == ["  tram/1.png (train image 2) of 'tram' like oak/1.png (train image 3) of 'oak' cut to its "
                         "bottom right 89%",
                         "  tram/2.png (train image 3) of 'tram' like bus/0.png (train image 0) of 'bus' cut to its "
                         "top left 89% mirrored"]
    whole = CliRunner().invoke(main, ["prepare", "overlap", target, source, "--no-crops"])
    assert whole.exit_code == 0, whole.output
    assert whole.stdout.splitlines()[1] == (f"{target} and {source}: none of the 4 images of {target} looks like an "
                                            f"image of {source}")

"""`prepare overlap` on near-uniform images, mirrored photos, one dataset given twice, and a stop. Every blank,
clear sky or black frame has a thumbnail within 2 grey levels of every other of its level, so two datasets of
unrelated plain images were said to share all of them ("16 of the 16 images ... look like images of ..."),
burying the real copies; a mirrored photo, which training's random mirroring shows the source's layers, was
missed; the same folder given as TARGET and SOURCE compared every image with itself to say each is a copy (it is
compared within itself now: test_prepare_overlap_within.py); a stop said "every file written so far intact ... to
continue" of a command that writes nothing."""

import numpy as np
from click.testing import CliRunner
from PIL import Image, ImageOps

from data.test_prepare_overlap import _prepared
from minitransfer.cli import main
from minitransfer.data import dataset, near_copies


def _plain(root, name, levels, seed):
    """Near-uniform 40 x 40 PNGs in ``root/name``, one per grey level of ``levels``, each with noise of 1 level."""
    (root / name).mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for number, level in enumerate(levels):
        pixels = np.clip(level + rng.normal(0, 1, (40, 40, 1)), 0, 255).repeat(3, axis=2).astype(np.uint8)
        Image.fromarray(pixels).save(root / name / f"{number}.png")


def test_near_uniform_images_are_left_out_and_counted_not_called_copies(tmp_path):
    _plain(tmp_path / "X", "sky", [10, 200, 201], seed=1)
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, 1), (40, 40, 2)]}, 24)
    _plain(tmp_path / "Y", "dusk", [10, 11, 200, 202], seed=2)  # other noise: no pixel alike, yet levels alike
    target = _prepared(tmp_path / "Y", {"tram": [(50, 50, 2), (40, 40, 3)]}, 32)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # Oracle: the one photo drawn from seed 2 in both is the only copy; the 4 plain images of Y and 3 of X are not
    assert lines[1].startswith(f"{target} and {source}: 1 of the 6 images of {target} looks like images of {source}")
    assert lines[1].endswith(f"; 4 of {target} and 3 of {source} are near-uniform (blank, sky, black frames), left "
                             f"out: such thumbnails all look alike")
    assert len(lines) == 3 and lines[2].endswith(" of 'tram' like bus/1.png (train image 1) of 'bus'"), lines


def test_plain_images_alone_share_nothing(tmp_path):
    _plain(tmp_path / "X", "black", [0, 1], seed=3)
    source = _prepared(tmp_path / "X", {"oak": [(40, 40, 5)]}, 16)
    _plain(tmp_path / "Y", "black", [0, 1, 2], seed=4)
    target = _prepared(tmp_path / "Y", {"elm": [(40, 40, 6)]}, 16)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        f"{target} and {source}: none of the 4 images of {target} looks like an image of {source}; 3 of {target} and "
        f"2 of {source} are near-uniform (blank, sky, black frames), left out: such thumbnails all look alike")


def test_a_mirrored_photo_is_found_and_said_mirrored(tmp_path):
    """Training mirrors images at random (data/loader.py): a source's layers have seen each photo both ways."""
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, 1), (40, 40, 2)], "oak": [(40, 40, 6)]}, 24)
    (tmp_path / "Y" / "tram").mkdir(parents=True)
    pixels = np.random.default_rng(2).integers(0, 256, (8, 8, 3), dtype=np.uint8)  # bus's second photo, as _photos
    photo = Image.fromarray(pixels).resize((64, 64), Image.Resampling.BILINEAR).resize((40, 40))
    ImageOps.mirror(photo).resize((52, 52)).save(tmp_path / "Y" / "tram" / "0.png")
    target = _prepared(tmp_path / "Y", {"elm": [(40, 40, 3)]}, 32)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith(f"{target} and {source}: 1 of the 2 images of {target} looks like images of {source}")
    assert len(lines) == 3 and lines[2].endswith(" of 'tram' like bus/1.png (train image 1) of 'bus' mirrored"), lines


def test_the_comparison_shows_progress_to_the_last_image(tmp_path):
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, 1)], "oak": [(40, 40, 2)]}, 16)
    target = _prepared(tmp_path / "Y", {"elm": [(40, 40, 3), (40, 40, 4)], "fir": [(40, 40, 5)]}, 16)
    calls = []
    data, other = dataset.open_dataset(target), dataset.open_dataset(source)
    with data.reading(), other.reading():
        near_copies.shared_images(data, other, lambda done, total, stage: calls.append((done, total, stage)))
    compared = [(done, total) for done, total, stage in calls if stage.startswith("comparing")]
    assert compared and compared[-1] == (3, 3), calls


def test_a_stop_says_nothing_is_written_and_exits_75(tmp_path, monkeypatch):
    """It said, as for a command that writes, "with every file written so far intact; ... to continue"."""
    source = _prepared(tmp_path / "X", {"bus": [(40, 40, 1)], "oak": [(40, 40, 2)]}, 16)
    target = _prepared(tmp_path / "Y", {"elm": [(40, 40, 3)], "fir": [(40, 40, 4)]}, 16)

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(near_copies, "near_copies", stopped)
    result = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert result.exit_code == 75, result.output
    assert result.stderr.splitlines() == ["interrupted: stopped by a signal before the comparison was done; it writes "
                                          "nothing: rerun the same command to compare again from the start"]


def _first_copies(these, those):
    """Oracle: the pairs near_copies names, by plain loops over every pair of thumbnails scaled to a mean of 0 and a
    standard deviation of 1."""
    pairs = []
    for row, thumb in enumerate(these.astype(np.float64)):
        for column, other in enumerate(those.astype(np.float64)):
            difference = np.abs((thumb - thumb.mean()) / thumb.std() - (other - other.mean()) / other.std())
            if difference.mean() <= 0.1 and difference.max() <= 0.6:
                pairs.append((row, column))
                break
    return pairs


def test_the_comparison_takes_memory_bounded_by_columns_not_the_source(monkeypatch):
    """Each batch's distances to all of a source's thumbnails were held at once: 10 GB for ImageNet's, mirrored."""
    import tracemalloc
    rng = np.random.default_rng(5)
    those = rng.uniform(0, 255, (24000, 64)).astype(np.float32)
    these = rng.uniform(0, 255, (40, 64)).astype(np.float32)
    for row, column in ((3, 23990), (7, 5), (8, 999), (30, 12000)):
        these[row] = those[column] + rng.uniform(-1, 1, 64)
    those[23000] = these[7]  # a later copy too: the first is named
    monkeypatch.setattr(near_copies, "COLUMNS", 1000, raising=False)
    tracemalloc.start()
    try:
        found = near_copies.near_copies(these, those)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 40 * 1000 * 8 + 1e6, peak  # a few 40 x 1000 float64 matrices, not 40 x 24000
    assert found == [(3, 23990), (7, 5), (8, 999), (30, 12000)]
    rows = [3, 7, 8, 30, 0, 1]
    assert near_copies.near_copies(these[rows], those[:1500]) == _first_copies(these[rows], those[:1500])

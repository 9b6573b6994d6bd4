"""The synthetic set: deterministic bytes, the motif / family structure its docstring promises, and
the cached built-in copy."""

import collections
import errno
import os
import re
import subprocess
import sys
import time

import numpy as np
import pytest

from minitransfer import fileio
from minitransfer.data import dataset, shard_builder, splits, synthetic, wordnet


def motifs_of(label):
    return set(synthetic.CLASS_MOTIFS[label])


def test_same_parameters_give_the_same_bytes():
    first, labels = synthetic.generate(classes=4, per_class=6, size=16, seed=3)
    again, _ = synthetic.generate(classes=4, per_class=6, size=16, seed=3)
    other, _ = synthetic.generate(classes=4, per_class=6, size=16, seed=4)
    val, _ = synthetic.generate(classes=4, per_class=6, size=16, seed=3, subset="val")
    assert first.shape == (24, 16, 16, 3) and first.dtype == np.uint8
    assert labels.dtype == np.int32 and labels.tolist() == np.repeat(np.arange(4), 6).tolist()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other) and not np.array_equal(first, val)


def test_images_vary_and_use_the_range():
    images, _ = synthetic.generate(classes=2, per_class=20, size=14, seed=0)
    assert images.std() > 20 and images.min() < 40 and images.max() > 215
    assert len({image.tobytes() for image in images}) == 40


def test_class_table_alternates_families_and_names_the_motifs():
    table = synthetic.class_table(20)
    assert [entry["index"] for entry in table] == list(range(20))
    assert [entry["family"] for entry in table[:4]] == [wordnet.MAN_MADE, wordnet.NATURAL] * 2
    assert sum(entry["family"] == wordnet.NATURAL for entry in table) == 10
    assert len({entry["name"] for entry in table}) == 20
    assert table[3]["name"] == "green ring + blue ring"


@pytest.mark.parametrize("classes", [0, 3, 22])
def test_bad_class_count_is_refused(classes):
    with pytest.raises(ValueError, match="synthetic"):
        synthetic.class_table(classes)


def test_bad_subset_is_refused():
    with pytest.raises(ValueError, match="subset"):
        synthetic.generate(classes=2, per_class=1, subset="test")


def test_families_use_disjoint_motifs_built_from_the_same_colours():
    by_family = collections.defaultdict(set)
    for label in range(20):
        by_family[synthetic.family_of(label)] |= motifs_of(label)
    man_made, natural = by_family[wordnet.MAN_MADE], by_family[wordnet.NATURAL]
    assert not man_made & natural
    shapes = {wordnet.MAN_MADE: {"bar", "plus"}, wordnet.NATURAL: {"disc", "ring"}}  # straight and round, as promised
    for family, motifs in by_family.items():
        assert {shape for _, shape in motifs} == shapes[family]
        assert {colour for colour, _ in motifs} == set(synthetic.COLOURS)  # every primitive colour in both
        assert len(motifs) == 8


def test_each_motif_serves_two_or_three_classes_and_no_class_is_a_colour_swap_of_another():
    uses = collections.Counter(motif for label in range(20) for motif in motifs_of(label))
    assert set(uses.values()) <= {2, 3}
    pairs = {frozenset(synthetic.CLASS_MOTIFS[label]) for label in range(20)}
    assert len(pairs) == 20
    for (colour_a, shape_a), (colour_b, shape_b) in synthetic.CLASS_MOTIFS:
        if shape_a != shape_b and colour_a != colour_b:
            assert frozenset(((colour_a, shape_b), (colour_b, shape_a))) not in pairs


def _contrast(colour, family):
    """The least RGB distance of ``colour``, over its shades, from the family's tinted mid-grey."""
    background = 0.5 + np.array(synthetic.FAMILY_TINT[family])
    return min(np.linalg.norm(shade * np.array(synthetic.COLOURS[colour]) - background)
               for shade in np.linspace(*synthetic.SHADE, 5))


def test_classes_told_apart_only_by_shape_have_a_changed_motif_that_stands_out_from_their_tint():
    """Two classes with the same colours, told apart only by the shapes of their motifs, need one of
    the changed motifs to stand out from the background. Measured with the demo's recipe: blue on the
    bluish man-made tint (0.30 away; generator version 3's classes 12 and 16) was never learnt; green
    on the yellowish natural tint (0.55; version 4's classes 5 and 7) was confused by some networks,
    and so was red with yellow on it (0.58 and 0.24; a trial that made class 7 red, against class 11)."""
    assert _contrast("blue", wordnet.MAN_MADE) < 0.4 and _contrast("green", wordnet.NATURAL) < 0.6
    shape_only = collections.Counter()
    for first in range(20):
        for second in range(first + 1, 20):
            family = synthetic.family_of(first)
            colours = [sorted(colour for colour, _ in synthetic.CLASS_MOTIFS[label]) for label in (first, second)]
            if family != synthetic.family_of(second) or colours[0] != colours[1]:
                continue
            shape_only[family] += 1
            changed = {colour for colour, _ in motifs_of(first) ^ motifs_of(second)}
            assert max(_contrast(colour, family) for colour in changed) > 0.7, (first, second, changed)
    # the shape distinctions the mid layers must learn are still asked for, in both families
    assert set(shape_only) == {wordnet.MAN_MADE, wordnet.NATURAL}


def test_random_halves_mix_families_and_share_motifs_the_natural_split_shares_none():
    families = [synthetic.family_of(label) for label in range(20)]
    for seed in range(20):
        half_a, half_b = splits.random_halves(20, seed)
        for half in (half_a, half_b):
            assert 2 <= sum(families[label] == wordnet.NATURAL for label in half) <= 8
        seen_in_a = set().union(*(motifs_of(label) for label in half_a))
        needed_by_b = set().union(*(motifs_of(label) for label in half_b))
        assert len(needed_by_b & seen_in_a) >= 0.6 * len(needed_by_b), seed
    natural, man_made = splits.family_halves(families)
    assert not set().union(*map(motifs_of, natural)) & set().union(*map(motifs_of, man_made))


@pytest.mark.parametrize("shape, inside, outside", [
    ("disc", [(0, 0), (0.9, 0)], [(1.2, 0)]),
    ("ring", [(0.78, 0), (0, -0.78)], [(0, 0), (1.2, 0)]),
    ("bar", [(0, 0), (0, 0.9), (0, -0.9)], [(0.7, 0), (-0.7, 0)]),
    ("plus", [(0, 0), (0, 0.9), (0.9, 0)], [(0.7, 0.7), (-0.7, 0.7)]),
])
def test_shape_coverage(shape, inside, outside):
    radius = 10.0  # large, so anti-aliasing does not blur the test points
    for points, expected in ((inside, 1.0), (outside, 0.0)):
        dy, dx = (np.array([p[i] for p in points]) * radius for i in (0, 1))
        assert synthetic.shape_coverage(shape, dy, dx, radius).tolist() == [expected] * len(points), (shape, points)


def _dominated_by(images, channel, margin, blur=False):
    """Pixels whose ``channel`` exceeds both other channels by ``margin`` (images uint8; with ``blur``
    after a 3 × 3 box average, which drops the border): N,H,W bool."""
    images = images.astype(np.float64) / 255
    if blur:
        height, width = images.shape[1:3]
        images = sum(images[:, i:height - 2 + i, j:width - 2 + j] for i in range(3) for j in range(3)) / 9
    return images[..., channel] - np.delete(images, channel, axis=3).max(axis=3) > margin


def test_rendered_rings_have_holes_and_discs_do_not():
    """Classes 1 (green disc + blue disc) and 3 (green ring + blue ring) drawn large, one green object
    per image: the median position of the green pixels is green for a disc and background for a
    ring (an oracle on the pixels alone)."""
    middle_is_green = {}
    for label in (1, 3):
        green = _dominated_by(synthetic.render_class(label, 8, 56, seed=0, subset="train"), 1, 0.12, blur=True)
        middles = []
        for mask in green:
            ys, xs = np.nonzero(mask)
            middles.append(bool(mask[int(np.median(ys)), int(np.median(xs))]))
        middle_is_green[label] = middles
    assert all(middle_is_green[1]) and not any(middle_is_green[3])


def test_bars_lie_horizontally():
    """Class 8 (red plus + green bar): the green bar is wider than tall (an oracle on the pixels
    alone; a faint bar in noise may be missed, so 10 of 12 images); in class 18 (green plus + blue
    bar) the green plus is as tall as wide."""
    spans = {}
    for label in (8, 18):
        green = _dominated_by(synthetic.render_class(label, 12, 56, seed=0, subset="train"), 1, 0.12, blur=True)
        spans[label] = [(np.ptp(np.nonzero(mask)[1]) + 1) / (np.ptp(np.nonzero(mask)[0]) + 1) for mask in green]
    assert sum(ratio > 1.5 for ratio in spans[8]) >= 10 and 0.7 < np.median(spans[18]) < 1.4, spans


def test_rendered_images_carry_the_class_colours():
    """Class 15 (red disc + red ring) against class 1 (green disc + blue disc), both natural (same
    yellowish background tint, which neither channel test mistakes for paint): many more red pixels
    in class 15, many more blue ones in class 1."""
    counts = {}
    for label in (15, 1):
        images = synthetic.render_class(label, 20, 28, seed=1, subset="val")
        counts[label] = {colour: _dominated_by(images, channel, 0.45).sum(axis=(1, 2)).mean()
                         for colour, channel in (("red", 0), ("blue", 2))}
    assert counts[15]["red"] > 20 and counts[15]["red"] > 10 * counts[1]["red"]
    assert counts[1]["blue"] > 20 and counts[1]["blue"] > 5 * counts[15]["blue"]


def test_builtin_dataset_is_built_once_quickly(tmp_path):
    start = time.perf_counter()
    path = synthetic.builtin_dataset(tmp_path)
    assert time.perf_counter() - start < 10
    data = dataset.open_dataset(path)
    assert data.num_classes == 20 and data.image_size == (14, 14)
    per_class = synthetic.BUILTIN_PARAMETERS
    assert (data.num_images("train"), data.num_images("val")) == (20 * per_class["train_per_class"],
                                                                   20 * per_class["val_per_class"])
    assert data.classes[1]["family"] == wordnet.NATURAL
    stamp = (path / "meta.json").stat().st_mtime_ns
    assert synthetic.builtin_dataset(tmp_path) == path
    assert (path / "meta.json").stat().st_mtime_ns == stamp
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


@pytest.mark.parametrize("damage", ["flipped-byte", "missing-shard"])
def test_a_damaged_cache_is_built_again(tmp_path, damage):
    """Not every network of the demo failing with exit 65 on every rerun, told to rerun a prepare
    command the user never ran."""
    path = synthetic.builtin_dataset(tmp_path)
    shard = path / "train-00000.h5"
    intact = shard.read_bytes()
    if damage == "flipped-byte":
        shard.write_bytes(intact[:5000] + bytes([intact[5000] ^ 0x01]) + intact[5001:])
    else:
        shard.unlink()
    assert synthetic.builtin_dataset(tmp_path) == path
    assert shard.read_bytes() == intact
    dataset.open_dataset(path).verify()
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_new_generator_version_gets_a_new_cache(tmp_path, monkeypatch):
    old = synthetic.builtin_tag()
    monkeypatch.setattr(synthetic, "GENERATOR_VERSION", synthetic.GENERATOR_VERSION + 1)
    assert synthetic.builtin_tag() != old
    assert synthetic.builtin_dataset(tmp_path).name == f"synthetic-{synthetic.builtin_tag()}"


def test_cache_location_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    assert synthetic.cache_dir() == tmp_path / "cache"


def test_an_interrupted_build_leaves_no_staging_folder(tmp_path, monkeypatch):
    """Ctrl-C or SIGTERM mid-build (a KeyboardInterrupt) removes the half-built folder."""
    real_build = synthetic.build_synthetic

    def build_then_interrupt(path, **parameters):
        real_build(path, **parameters)
        assert any(path.iterdir())
        raise KeyboardInterrupt

    monkeypatch.setattr(synthetic, "build_synthetic", build_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        synthetic.builtin_dataset(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build_once_idle(tmp_path):
    """A staging folder of a process that is gone (kill -9) and idle for hours is removed; a live one's is left
    alone, and so is a recent one of a PID not alive here: another machine's build under a shared HOME (removed,
    it stopped that build)."""
    name = f"synthetic-{synthetic.builtin_tag()}"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".{name}.tmp-{int(dead.stdout)}"
    elsewhere = tmp_path / f".{name}-node7.tmp-{int(dead.stdout)}"
    live = tmp_path / f".{name}.tmp-{os.getppid()}"
    for folder in (stale, elsewhere, live):
        folder.mkdir()
        (folder / "train-00000.h5").write_bytes(b"half")
    hours_ago = time.time() - 2 * 3600
    os.utime(stale, (hours_ago, hours_ago))
    path = synthetic.builtin_dataset(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, elsewhere.name, live.name])


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EDQUOT], ids=["disk-full", "quota"])
def test_a_full_disk_under_the_cache_names_the_cache_and_the_space_not_an_imports_advice(tmp_path, monkeypatch,
                                                                                            number):
    """The import's message said to choose another output folder and that finished shards were kept: the
    cache's staging folder is deleted, and the folder is $MINITRANSFER_CACHE's."""
    def full(path, *arguments):
        raise OSError(number, os.strerror(number))

    real_statvfs = os.statvfs

    def statvfs(path):  # 300 KiB free, inodes to spare
        status = real_statvfs(path)
        return os.statvfs_result((status.f_bsize, 1024, status.f_blocks, status.f_bfree, 300, 1000, 1000, 1000,
                                  status.f_flag, status.f_namemax))

    monkeypatch.setattr(shard_builder, "_write_shard", full)
    monkeypatch.setattr(os, "statvfs", statvfs)
    with pytest.raises(fileio.StorageError) as raised:
        synthetic.builtin_dataset(tmp_path / "cache")
    assert str(raised.value) == (
        f"the built-in benchmark cannot be cached in {tmp_path / 'cache'}: {os.strerror(number)}: it needs about 1.1 "
        f"MB, 307.2 kB free; free some space there, or set MINITRANSFER_CACHE to a folder on a disk with room for "
        f"it, and rerun")
    assert raised.value.errno == number
    assert list((tmp_path / "cache").iterdir()) == []


@pytest.mark.parametrize("inodes", [3, 4, 5], ids=["at-the-lock", "at-the-first-shard", "at-a-later-shard"])
def test_a_cache_on_a_disk_out_of_inodes_says_so_not_only_the_megabytes_free(small_tmpfs, tmp_path, inodes):
    """"needs about 1.1 MB, 21.0 MB free" contradicted itself; a look at the disk after the build had removed its
    lock file and staging folder would find inodes free again. The tmpfs holds its root folder, the cache folder,
    the staging folder, the lock file and ``inodes`` - 4 shards."""
    disk = small_tmpfs(tmp_path / "disk", "20m", inodes=inodes)
    with pytest.raises(fileio.StorageError) as raised:
        synthetic.builtin_dataset(disk / "cache")
    assert re.fullmatch(rf"the built-in benchmark cannot be cached in {re.escape(str(disk / 'cache'))}: No space left "
                        r"on device: it needs about 1\.1 MB, [\d,]+\.\d MB free but no inodes \(file entries\) "
                        r"left; delete some files there, or set MINITRANSFER_CACHE to a folder on a disk with room "
                        r"for it, and rerun", str(raised.value)), str(raised.value)
    assert os.listdir(disk / "cache") == []


def test_a_killed_builds_staging_folder_beside_an_intact_cache_goes_once_idle(tmp_path):
    """The build killed while another finished left its folder for good: only a build removed it, and the
    intact cache needed none. One modified within the hour may be another machine's build (a shared disk)."""
    path = synthetic.builtin_dataset(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    old, recent = (tmp_path / f".{path.name}-{age}.tmp-{int(dead.stdout)}" for age in ("old", "recent"))
    for folder in (old, recent):
        folder.mkdir()
        (folder / "train-00000.h5").write_bytes(b"half")
    hours_ago = time.time() - 2 * 3600
    os.utime(old, (hours_ago, hours_ago))
    assert synthetic.builtin_dataset(tmp_path) == path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, recent.name])

"""Data that goes bad after the checks at the start of a run: a shard written to or replaced while the
loader reads it, meta.json edited under the loader's workers, a mean image no 8-bit images have,
HDF5 headers with a flipped byte, and a rerun of prepare over shards whose text sits in HDF5's global
heap. Each is a DatasetError naming the file (or, for meta.json, no effect on what is read), never
images nobody checked, and never a hang."""

import json
import os
import re
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import config, fileio
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset, image_reader, shard_builder, shard_format, synthetic
from minitransfer.data.dataset import DatasetError
from loading import WORKERS, take, train_loader
from minitransfer.data.schema import DatasetUnreadable

def _image_offset(path):
    with h5py.File(path, "r") as handle:
        return handle["images"].id.get_offset()


def _write_in_place(path, position, data):
    """Overwrite bytes of ``path`` at ``position`` without replacing the file (as a bad disk or
    another program writing into it would)."""
    with open(path, "r+b") as handle:
        handle.seek(position)
        handle.write(data)


def _rehash(folder):
    """meta.json's sha256 of every file recomputed: a hand-made dataset's checksums, which prove nothing."""
    meta = json.loads((folder / "meta.json").read_text())
    for subset in meta["subsets"].values():
        for shard in subset["shards"]:
            shard["sha256"] = fileio.sha256_file(folder / shard["file"])
    meta["mean"]["sha256"] = fileio.sha256_file(folder / "mean.h5")
    shard_format.write_meta(folder, meta)


# ---- shards changed after the check ---------------------------------------------------------------

@pytest.mark.parametrize("workers", WORKERS)
def test_a_shard_written_to_after_the_check_stops_the_loader_naming_it(copy, workers):
    """Every image of train-00000 inverted in place after the first batch: without the check after
    each read the loader went on with images nobody checked."""
    shard = copy / "train-00000.h5"
    with train_loader(dataset.open_dataset(copy), workers) as batches:
        take(batches, 1)
        offset = _image_offset(shard)
        raw = shard.read_bytes()[offset:offset + 30 * 16 * 16 * 3]
        _write_in_place(shard, offset, bytes(255 - value for value in raw))
        with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": written to while the run read it"):
            take(batches, 20)  # every image more than twice over


@pytest.mark.parametrize("workers", WORKERS)
def test_a_shard_replaced_after_the_check_is_refused_where_it_is_opened(copy, workers):
    """Another file renamed over train-00001 between the check and the first batch (its images
    zeroed): the reader opens it by name, and read it unchecked before."""
    shard, other = copy / "train-00001.h5", copy / "other.h5"
    with train_loader(dataset.open_dataset(copy), workers) as batches:
        shutil.copyfile(shard, other)
        _write_in_place(other, _image_offset(other), bytes(30 * 16 * 16 * 3))
        os.replace(other, shard)
        with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": replaced or written to after its checksum"):
            take(batches, 20)


def test_a_shard_written_to_while_its_reader_had_closed_it_is_refused_when_opened_again(copy, monkeypatch):
    """Readers keep at most MAX_OPEN_SHARDS files open (here 1): a shard closed to make room is held
    to the file first opened when a later batch opens it again."""
    monkeypatch.setattr(image_reader, "MAX_OPEN_SHARDS", 1)
    shard = copy / "train-00000.h5"
    with train_loader(dataset.open_dataset(copy), 0) as batches:
        take(batches, 1)  # 10 of 72 images: each shard read, train-00000 first (reads go in image order)
        assert list(batches._reader._files) != [0]
        _write_in_place(shard, _image_offset(shard), b"\x00")
        with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": replaced or written to after its checksum"):
            take(batches, 20)


_READ_UNDER_A_FILE_LIMIT = """
import os, resource, sys
from minitransfer.data import dataset, image_reader

image_reader.MAX_OPEN_SHARDS = 8
open_now = len(os.listdir("/proc/self/fd"))
resource.setrlimit(resource.RLIMIT_NOFILE, (open_now + 16, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
data = dataset.open_dataset(sys.argv[1])
data.check_checksums("train")
for _ in range(2):
    data.images("train", range(data.num_images("train")))
"""


def test_a_reader_keeps_no_more_shards_open_than_its_limit(tmp_path):
    """60 shards read under a limit of 16 more open files: every shard stayed open, so ImageNet at
    256 px (~1250 training shards) stopped at the default limit of 1024 files, as 'bad data'."""
    out = tmp_path / "many"
    synthetic.build_synthetic(out, classes=4, train_per_class=30, val_per_class=1, size=4, seed=2, shard_length=2)
    done = subprocess.run([sys.executable, "-c", _READ_UNDER_A_FILE_LIMIT, str(out)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_training_stops_naming_a_shard_written_to_mid_run_and_keeps_its_iterations(synthetic_8, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(synthetic_8, data)
    shard = data / "train-00000.h5"
    offset = _image_offset(shard)

    def flip_after_2(done):
        if done == 2:
            _write_in_place(shard, offset + 1000, bytes([shard.read_bytes()[offset + 1000] ^ 0xFF]))

    fields = {"batch_size": 16, "max_iter": 10, "eval_every": 5, "checkpoint_every": 10, "quiet": True,
              "device": "cpu", "workers": 1}
    with pytest.raises(DatasetError, match=re.escape(str(shard)) + r": written to while the run read it.*"
                                           r"iterations done are saved in .*checkpoint\.h5"):
        training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=str(data), seed=4, **fields),
                       on_iteration=flip_after_2)



def test_a_shard_the_system_stops_reading_mid_run_stays_an_io_error_and_keeps_its_iterations(synthetic_8, tmp_path,
                                                                                              monkeypatch):
    """A read refused by the system mid-run (permission taken away, a network file system's I/O error):
    the iterations done are saved, and the error stays :class:`DatasetUnreadable` (exit code 74), not
    the plain DatasetError (65, "bad data") it was rebuilt as."""
    reads, read = [], image_reader.ImageReader.read

    def refused_after_3(self, indices, out=None):
        reads.append(len(indices))
        if len(reads) > 3:
            raise DatasetUnreadable(f"{self.paths[0]}: permission denied")
        return read(self, indices, out)

    monkeypatch.setattr(image_reader.ImageReader, "read", refused_after_3)
    fields = {"batch_size": 16, "max_iter": 10, "eval_every": 5, "checkpoint_every": 10, "quiet": True,
              "device": "cpu", "workers": 0}
    with pytest.raises(DatasetUnreadable, match=r"permission denied; the \d+ iterations done are saved in "):
        training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=str(synthetic_8), seed=4, **fields))

# ---- loader workers killed -----------------------------------------------------------------------

_KILL_THE_WORKERS = """
import sys
from minitransfer.data import dataset, decoder_pool, loader, splits

data = dataset.open_dataset(sys.argv[1])
half = splits.make_half(data, "all")
batches = loader.BatchLoader(data, "train", half.train_indices, half.train_labels, 8192, 12, train=True, workers=2)
next(batches)
for worker in batches._pool.processes:
    worker.kill()
    worker.join()
try:
    for _ in range(20):  # the first few may have been read before the workers died
        next(batches)
except decoder_pool.WorkerDied:
    print("worker died", flush=True)
batches.close()
"""


def test_a_process_whose_loader_workers_were_killed_exits(tiny_synthetic):
    """Batches of 8192 images: the tasks submitted after the workers died (64 KiB each) fill the
    pipe nobody reads any more, and the process that reported WorkerDied hung at its exit, waiting
    to write them: `minitransfer train --batch-size 8192 --workers 2` never ended once its workers
    were killed (as the out-of-memory killer does); with batches of 256, from about 16 workers."""
    try:
        done = subprocess.run([sys.executable, "-c", _KILL_THE_WORKERS, str(tiny_synthetic)], capture_output=True,
                              text=True, timeout=60)
    except subprocess.TimeoutExpired:
        done = None
    assert done is not None, "the process did not exit within 60 s of its loader workers being killed"
    assert done.returncode == 0 and done.stdout == "worker died\n", done.stderr[-2000:]


# ---- meta.json edited under the workers ------------------------------------------------------------

def _swap_first_two_train_shards(meta):
    first, second = meta["subsets"]["train"]["shards"][:2]
    assert first["count"] == second["count"]
    for key in ("file", "sha256"):
        first[key], second[key] = second[key], first[key]


@pytest.mark.parametrize("edit", [
    pytest.param(lambda folder: (folder / "meta.json").write_text(json.dumps(
        _edited(folder, _swap_first_two_train_shards))), id="shards-swapped"),
    pytest.param(lambda folder: (folder / "meta.json").write_text("{"), id="not-json"),
    pytest.param(lambda folder: (folder / "meta.json").unlink(), id="deleted"),
])
def test_loader_workers_read_the_dataset_the_run_opened_not_meta_json_as_edited_since(tiny_synthetic, copy, edit):
    """meta.json edited after the loader checked the dataset, before its worker starts: the worker
    re-read it and read other images under the run's labels (shards swapped: silently), or stopped
    the run for a file the run does not use any more."""
    expected = take(train_loader(dataset.open_dataset(tiny_synthetic), 0), 8)
    with train_loader(dataset.open_dataset(copy), 1) as batches:
        edit(copy)
        for (x, y), (x_expected, y_expected) in zip(take(batches, 8), expected, strict=True):
            np.testing.assert_array_equal(x, x_expected)
            np.testing.assert_array_equal(y, y_expected)


def _edited(folder, edit):
    meta = json.loads((folder / "meta.json").read_text())
    edit(meta)
    return meta


# ---- a mean image no 8-bit images have ---------------------------------------------------------------

@pytest.mark.parametrize("value", [np.nan, 1e30, -1.0], ids=["nan", "huge", "negative"])
def test_a_mean_image_outside_the_pixel_range_is_bad_data_naming_it(copy, value):
    """A hand-made mean.h5 whose checksum was recorded after the damage: trained (top-1 at chance,
    exit 0) and passed `prepare verify` before."""
    with h5py.File(copy / "mean.h5", "a") as handle:
        handle["mean"][3, 4, 1] = value
    _rehash(copy)
    message = re.escape(str(copy / "mean.h5")) + r": /mean holds 1 values outside 0\.\.255"
    with pytest.raises(DatasetError, match=message):
        dataset.open_dataset(copy).mean()
    result = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert result.exit_code == 65 and re.search(message, result.output), result.output


# ---- HDF5 headers with a flipped byte: never a hang, never another exception -------------------------

# The damaged copy is written once, then each byte flipped in it and back in place: a whole new file each time
# (write_bytes: truncated, rewritten) cost about 1 ms a byte in ext4's truncation, most of these tests' seconds.
# Each trial still reads exactly the shard with that one byte flipped (checked, a read being a few microseconds).
_FLIP_AND_READ = """
import os, pathlib, sys
import numpy as np
from minitransfer.data import dataset, shard_builder, shard_format

kind, source, damaged = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
recorded = sys.argv[4]
data = source.read_bytes()
damaged.write_bytes(data)
for position in map(int, sys.argv[5:]):
    flipped = bytearray(data)
    flipped[position] ^= 0xFF
    with open(damaged, "r+b") as handle:
        handle.seek(position)
        handle.write(flipped[position:position + 1])
    assert damaged.read_bytes() == flipped, position
    try:
        if kind == "read":
            shard_format.image_offset(damaged, (3, 4, 4, 3))
            shard_format.read_checked(damaged, "labels", (3,), np.int32)
            shard_format.read_checked(damaged, "sum", (4, 4, 3), np.float64)
        elif shard_builder._judged_shard(damaged, "plan-digest", 0, 4, 3, [], recorded)[0] is not None:
            print("reused", position)
    except dataset.DatasetError:
        pass
    except Exception as error:
        print("raised", position, type(error).__name__, error)
    with open(damaged, "r+b") as handle:
        handle.seek(position)
        handle.write(data[position:position + 1])
"""


def _small_shard(path, variable_length=False):
    """A 3-image 4 x 4 shard; ``variable_length``: its text attributes as minitransfer wrote them
    before they became fixed-length (in the global heap)."""
    rng = np.random.default_rng(0)
    shard_format.write_shard(path, rng.integers(0, 256, (3, 4, 4, 3), dtype=np.uint8), np.array([0, 1, 0], np.int32),
                             "train", 0, "plan-digest", skipped=[{"file": "a.jpg", "reason": "not an image"}])
    if variable_length:
        with h5py.File(path, "a") as handle:
            for name, value in list(handle.attrs.items()):
                if isinstance(value, bytes):
                    handle.attrs[name] = value.decode()
    return path


def _outside_arrays(path):
    data = path.read_bytes()
    inside = np.zeros(len(data), bool)
    with h5py.File(path, "r") as handle:
        for name in handle:
            start = handle[name].id.get_offset()
            inside[start:start + handle[name].id.get_storage_size()] = True
    return np.flatnonzero(~inside).tolist()


def _flip_each(kind, path, positions, recorded, tmp_path):
    try:
        done = subprocess.run([sys.executable, "-c", _FLIP_AND_READ, kind, str(path), str(tmp_path / "flipped.h5"),
                               recorded, *map(str, positions)], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        done = None
    assert done is not None, f"reading a shard with one of {len(positions)} bytes flipped did not end in 120 s"
    assert done.returncode == 0, f"exit {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def test_a_shard_with_any_header_byte_flipped_is_bad_data_naming_it_or_read_as_before(tmp_path):
    """What open_dataset and the readers do before any checksum (the shard's headers carry none):
    every byte outside the arrays flipped in turn. A flipped precision of /sum's float type made
    h5py raise a bare ValueError, which named no file."""
    shard = _small_shard(tmp_path / "train-00000.h5")
    assert _flip_each("read", shard, _outside_arrays(shard), "", tmp_path) == ""


def test_a_rerun_of_prepare_never_reads_text_from_a_damaged_global_heap(tmp_path):
    """Shards written before text attributes became fixed-length keep them in the global heap; a
    rerun read them from every existing shard, and a flipped byte of a heap entry hung it for good
    (or one of an attribute's heap address crashed it: SIGSEGV). Every byte outside the arrays
    flipped in turn: the shard is rebuilt, its text never read."""
    shard = _small_shard(tmp_path / "train-00000.h5", variable_length=True)
    assert b"GCOL" in shard.read_bytes()
    assert _flip_each("rerun", shard, _outside_arrays(shard), fileio.sha256_file(shard), tmp_path) == ""


def test_an_intact_dataset_with_variable_length_text_is_reused_by_a_rerun(tmp_path, tree_state,
                                                                          as_prepared_before_meta_digest):
    """The guard above costs an intact dataset of an older minitransfer nothing: its shards match
    meta.json's sha256, are read and reused, and a rerun writes nothing."""
    out = tmp_path / "old"
    options = {"classes": 4, "train_per_class": 6, "val_per_class": 2, "size": 8, "seed": 3, "shard_length": 10}
    synthetic.build_synthetic(out, **options)
    for shard in sorted(out.glob("*-000*.h5")):
        with h5py.File(shard, "a") as handle:
            for name, value in list(handle.attrs.items()):
                if isinstance(value, bytes):
                    handle.attrs[name] = value.decode()
    _rehash(out)
    as_prepared_before_meta_digest(out, json.loads((out / "meta.json").read_text()))  # nor meta.json's digest
    before = tree_state(out)
    synthetic.build_synthetic(out, **options)
    assert tree_state(out) == before
    assert shard_builder._judged_shard(out / "train-00000.h5", "other plan", 0, 8, 10, [])[0] is None

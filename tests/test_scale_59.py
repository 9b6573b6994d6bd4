"""At the paper's sizes (ImageNet's 1,332 dataset files, ~100 networks a split seed, several seeds): work that
grows with the files of a dataset or the runs of a grid grows linearly, counted in operations (bytes of a record
written, comparisons of runs), not timed; and lists of files that grow with a dataset fit where they are kept."""

import errno
import json
import sys

import numpy as np
import pytest
from fake_results import FINISHED_RESULT
from test_experiment import OPTIONS

from minitransfer import experiment as grid
from minitransfer import fileio, scheduler
from minitransfer.data import dataset, integrity, shard_builder, shard_format, synthetic


def _finished_grid(out, seeds):
    """A grid of ``seeds`` random split seeds, the natural split, both directions, the random-weights and
    reduced-data controls, every run finished as train leaves it (142 runs for 2 seeds)."""
    runs = grid.plan_grid(random_seeds=tuple(range(seeds)), natural=True, both_directions=True,
                          random_frozen=tuple(range(1, 8)), per_class=(2, 3))
    for run in runs:
        grid.run_dir(out, run).mkdir(parents=True, exist_ok=True)
        grid.weights_path(out, run.name).write_text("weights")
        (grid.run_dir(out, run) / "result.json").write_text(json.dumps(FINISHED_RESULT))
    return runs


@pytest.fixture
def compared(monkeypatch):
    """The comparisons of two runs (``Run.__eq__``) made, counted."""
    count = [0]
    equal = grid.Run.__eq__

    def counted(self, other):
        count[0] += 1
        return equal(self, other)
    monkeypatch.setattr(grid.Run, "__eq__", counted)
    return count


def test_a_grid_restarted_on_finished_runs_compares_each_run_a_few_times(tmp_path, compared):
    """Restarting a grid looked up each run in the list of its finished runs: 954 finished runs (16 split seeds)
    made 454,581 comparisons of runs, a third of the restart's time, quadratic in the runs. Each run is looked
    up in a set."""
    out = tmp_path / "grid"
    runs = _finished_grid(out, 2)
    lines = []
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=[sys.executable, "-c", "raise SystemExit(1)"],
                                 log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and sorted(outcome.skipped + outcome.finished) == sorted(r.name for r in runs)
    assert compared[0] <= 2 * len(runs), (compared[0], len(runs))  # 10,011 for its 142 runs before


def test_a_finished_grid_in_a_folder_it_cannot_write_compares_each_run_a_few_times(tmp_path, compared):
    """The same look-ups in a grid whose folder cannot be written (results copied onto a read-only mount)."""
    out = tmp_path / "grid"
    runs = _finished_grid(out, 2)
    lines = []
    outcome = scheduler._finished_unwritable(runs, out, OPTIONS, OSError(errno.EROFS, "read-only"), lines.append,
                                             None)
    assert outcome.exit_code == 0 and len(outcome.skipped) == len(runs), lines
    assert lines[-1].startswith(f"all {len(runs)} runs already finished; nothing to do"), lines
    assert compared[0] <= 2 * len(runs), (compared[0], len(runs))


def _verified_record(folder, monkeypatch):
    """(the record's writes, the bytes they wrote) as ``prepare verify`` checks ``folder``; the record itself."""
    written = []
    write_text = fileio.write_text
    monkeypatch.setattr(fileio, "write_text", lambda path, text, *more, **named: written.append(len(text)) or
                        write_text(path, text, *more, **named))
    dataset.open_dataset(folder).verify()
    path, _ = integrity._record_path(folder)
    return written, json.loads(path.read_text())


@pytest.mark.parametrize("shards", [12, 48])
def test_verify_writes_its_record_of_intact_files_once(tmp_path, monkeypatch, shards):
    """``prepare verify`` read and rewrote (fsynced) the whole record of intact files after each file: bytes
    quadratic in the files, 4.3 MB for 237 shards, ~140 MB for ImageNet's 1,332 files. It writes the record once,
    the same record, every file in it."""
    folder = tmp_path / "data"
    synthetic.build_synthetic(folder, classes=4, train_per_class=shards // 2, val_per_class=shards // 4, size=14,
                              shard_length=1)
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)  # files just written count as settled
    monkeypatch.setattr(integrity, "_intact_files", set())
    written, record = _verified_record(folder, monkeypatch)
    files = dataset.open_dataset(folder).checked_files()
    assert len(files) == 4 * (shards // 2 + shards // 4) + 1
    assert sorted(record["files"]) == sorted(str(path.relative_to(folder)) for path, _, _ in files)
    assert len(written) == 1 and written[0] == len(json.dumps(record, sort_keys=True)), written[:3]


def _shard(path, skipped):
    """A shard of 2 images written as an import writes it, with ``skipped`` files listed; its sha256."""
    images, labels = np.zeros((2, 14, 14, 3), np.uint8), np.array([0, 1], np.int32)
    return shard_format.write_shard(path, images, labels, "train", 0, "plan", skipped=skipped)


@pytest.mark.parametrize("files", [1000, 6000])
def test_a_shard_lists_thousands_of_skipped_files(tmp_path, files):
    """A class folder tree of 1,000 classes, each with 5 notes beside its images (5,000 files skipped, all in one
    shard of small images): the shard's list of them, an HDF5 attribute, outgrew the 64 KiB the default format
    keeps in an object header (some 700 such files), and prepare stopped with "cannot write ... train-00000.h5" (exit 74) whatever the
    disk. It is written in the format of HDF5 1.10, which keeps it; a rerun keeps the shard as built."""
    skipped = [{"file": f"/data/class{i % 1000:04d}/note{i}.jpg", "reason": "UnidentifiedImageError: not an image"}
               for i in range(files)]
    sha256 = _shard(tmp_path / "train-00000.h5", skipped)
    entry, why = shard_builder._judged_shard(tmp_path / "train-00000.h5", "plan", 0, 14, 2, [], sha256)
    assert why is None and entry["skipped"] == skipped and entry["count"] == 2


def test_a_shard_of_a_few_skipped_files_is_written_as_before(tmp_path, monkeypatch):
    """A shard whose lists fit is written once, in the default format: byte for byte as before."""
    libvers = []
    write_hdf5 = fileio.write_hdf5
    monkeypatch.setattr(fileio, "write_hdf5", lambda path, fill, **options: libvers.append(options.get("libver")) or
                        write_hdf5(path, fill, **options))
    _shard(tmp_path / "train-00000.h5", [{"file": "/data/a/note.jpg", "reason": "not an image"}] * 400)
    assert libvers == [None]

"""build_dataset's guard rails: temporaries of dead processes, stale shards, corrupt
shards on a rerun, and a full disk or read-only folder (exit 74, one message, nothing half-written)."""

import contextlib
import errno
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image
from shard_bytes import flip_stored_byte

from minitransfer import models, run_lock
from minitransfer.cli import main
from minitransfer.data import build, dataset, decoder_pool, shard_builder
from minitransfer.data.decode import ImportItem

SYNTHETIC = ["--classes", "4", "--train-per-class", "5", "--val-per-class", "2", "--size", "12"]


def _prepare(out, *extra):
    return CliRunner().invoke(main, ["prepare", "synthetic", str(out), *SYNTHETIC, *extra])


@contextlib.contextmanager
def _process_that_runs():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def _pid_of_a_finished_process():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_only_temporaries_of_dead_processes_are_removed(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = out / f".train-00000.h5.tmp-{_pid_of_a_finished_process()}"
    dead.write_bytes(b"left by a crash")
    with _process_that_runs() as pid:
        alive = out / f".train-00001.h5.tmp-{pid}"
        alive.write_bytes(b"another import is writing this")
        result = _prepare(out)
        assert result.exit_code == 0, result.output
        assert not dead.exists()
        assert alive.read_bytes() == b"another import is writing this"


def test_reimporting_with_another_shard_size_leaves_no_stale_shards(tmp_path):
    out = tmp_path / "out"
    assert _prepare(out, "--shard-size", "3").exit_code == 0
    assert sorted(path.name for path in out.glob("train-*.h5")) == [f"train-0000{n}.h5" for n in range(7)]
    (out / "train-7.h5").write_bytes(b"not a shard name: kept")
    (out / "notes.txt").write_text("kept")
    result = _prepare(out, "--shard-size", "8", "--verify")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir() if path.suffix == ".h5") == [
        "mean.h5", "train-00000.h5", "train-00001.h5", "train-00002.h5", "train-7.h5", "val-00000.h5"]
    assert (out / "notes.txt").read_text() == "kept"


def _images(out):
    data = dataset.open_dataset(out)
    return data.images("train", np.arange(data.num_images("train")))


def test_a_rerun_rebuilds_a_corrupt_shard_instead_of_adopting_it(tmp_path):
    out = tmp_path / "out"
    assert _prepare(out, "--shard-size", "8").exit_code == 0
    expected = _images(out)
    shard = out / "train-00001.h5"
    flip_stored_byte(shard, "images", 5, mask=0xFF)
    untouched = (out / "train-00000.h5").stat().st_mtime_ns
    result = _prepare(out, "--shard-size", "8", "--verify")
    assert result.exit_code == 0, result.output
    np.testing.assert_array_equal(_images(out), expected)
    assert (out / "train-00000.h5").stat().st_mtime_ns == untouched


def _fail_writes_of(name, monkeypatch):
    """Make the write of the temporary of ``name`` write 100 bytes and then fail with ENOSPC."""
    real = pathlib.Path.write_bytes

    def write_bytes(path, data):
        if path.name.startswith(f".{name}.tmp-"):
            real(path, bytes(memoryview(data)[:100]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", write_bytes)


def test_a_full_disk_while_writing_a_shard_exits_74_and_keeps_what_was_finished(tmp_path, monkeypatch, tree_state):
    reference, out = tmp_path / "reference", tmp_path / "out"
    assert _prepare(reference, "--shard-size", "8").exit_code == 0
    _fail_writes_of("train-00001.h5", monkeypatch)
    result = _prepare(out, "--shard-size", "8")
    assert result.exit_code == 74, result.output
    assert "Traceback" not in result.output and result.output.count("error:") == 1
    assert f"cannot write {out / 'train-00001.h5'}: No space left on device: the rest" in result.output
    assert "the rest of the import needs about" in result.output and "rerun the same command" in result.output
    # no temporary, no meta.json; what the shard was imported from, to tell another import's from it; the lock file
    assert sorted(path.name for path in out.iterdir()) == ["importing.json", "lock", "train-00000.h5"]
    assert (out / "train-00000.h5").read_bytes() == (reference / "train-00000.h5").read_bytes()
    monkeypatch.undo()
    finished = tree_state(out)
    assert _prepare(out, "--shard-size", "8").exit_code == 0
    assert tree_state(out)["train-00000.h5"] == finished["train-00000.h5"]  # reused, not rewritten
    assert json.loads((out / "meta.json").read_text())["subsets"] \
        == json.loads((reference / "meta.json").read_text())["subsets"]


def test_a_failed_reimport_leaves_an_unfinished_import_not_a_lying_meta_json(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert _prepare(out, "--shard-size", "8").exit_code == 0
    _fail_writes_of("train-00001.h5", monkeypatch)
    assert _prepare(out, "--shard-size", "8", "--seed", "3", "--overwrite").exit_code == 74
    with pytest.raises(dataset.DatasetError, match=r"out: an unfinished import .* prepare synthetic .*--seed 3 "):
        dataset.open_dataset(out)


def _prepare_in_a_process(out, *extra):
    """The command in a fresh process: a crash inside HDF5 would show as a signal, not kill the tests."""
    command = [sys.executable, "-c", "from minitransfer.cli import main; main()", "prepare", "synthetic", str(out),
               "--classes", "4", "--train-per-class", "40", "--val-per-class", "2", "--size", "36", *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("inodes", [4, 5], ids=["first-shard", "a-later-shard"])
def test_a_disk_out_of_inodes_says_so_not_only_the_megabytes_it_has_free(small_tmpfs, tmp_path, inodes):
    """ENOSPC with megabytes free: "needs about 10.4 MiB, 30.0 MiB free" contradicted itself. The tmpfs holds its
    root folder, out, the lock file and ``inodes`` - 3 shards."""
    disk = small_tmpfs(tmp_path / "disk", "20m", inodes=inodes)
    result = _prepare_in_a_process(disk / "out", "--shard-size", "40")
    assert result.returncode == 74, result.stdout + result.stderr
    assert "h5: No space left on device: the rest of the import needs about " in result.stderr, result.stderr
    assert " free but no inodes (file entries) left. Free some space" in result.stderr, result.stderr


def test_a_really_full_disk_exits_74_with_one_message(small_tmpfs, tmp_path):
    disk = small_tmpfs(tmp_path / "disk", "200k")  # the lock file takes a page
    result = _prepare_in_a_process(disk / "out", "--shard-size", "40")  # 152 kB shards: the second does not fit
    assert result.returncode == 74, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1
    assert "train-00001.h5: No space left on device: the rest of the import needs" in result.stderr
    assert sorted(path.name for path in (disk / "out").iterdir()) == ["importing.json", "lock", "train-00000.h5"]


def test_a_read_only_output_folder_exits_74(small_tmpfs, tmp_path):
    disk = small_tmpfs(tmp_path / "disk", read_only=True)
    result = _prepare_in_a_process(disk / "out")
    assert result.returncode == 74, result.stdout + result.stderr
    assert f"cannot write {disk / 'out'}: Read-only file system" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", ["synthetic", "folder"])
def test_a_size_above_the_maximum_is_a_usage_error(tmp_path, command):
    source = [str(tmp_path)] if command == "folder" else []
    result = CliRunner().invoke(main, ["prepare", command, *source, str(tmp_path / "out"), "--size",
                                       str(build.MAX_IMAGE_SIZE + 1)])
    assert result.exit_code == 2, result.output
    # the range shown from the smallest crop of the presets registered (micro's 12 of the package's; a test's
    # toy preset, registered in this process, has 8), which --size enforces, as --help shows it
    smallest = min(preset.crop for preset in models.PRESETS.values())
    assert f"{build.MAX_IMAGE_SIZE + 1} is not in the range {smallest}<=x<={build.MAX_IMAGE_SIZE}" in result.output
    assert "at most 4096" in CliRunner().invoke(main, ["prepare", command, "--help"]).output
    with pytest.raises(ValueError, match="--size must lie in 1..4096, got 1000000"):
        build.build_dataset(tmp_path / "lib", source={}, classes=[], subsets={}, size=1_000_000)
    assert not (tmp_path / "out").exists() and not (tmp_path / "lib").exists()


@pytest.mark.parametrize("command", ["synthetic", "folder"])
def test_a_negative_seed_is_a_usage_error_naming_the_option(tmp_path, command):
    source = [str(tmp_path)] if command == "folder" else []
    result = CliRunner().invoke(main, ["prepare", command, *source, str(tmp_path / "out"), "--seed", "-1"])
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--seed': -1 is not in the range x>=0" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["imagenet", "tiny-imagenet", "cifar10", "cifar100", "folder"])
@pytest.mark.parametrize("workers", [decoder_pool.MAX_WORKERS + 1, 10**20], ids=["max+1", "10**20"])
def test_more_workers_than_the_bound_is_a_usage_error_naming_the_option(tmp_path, command, workers):
    """--workers 100000 would start that many processes, 10**20 overflowed in multiprocessing: both
    are refused before anything starts, naming the option and the bound."""
    result = CliRunner().invoke(main, ["prepare", command, str(tmp_path), str(tmp_path / "out"), "--workers",
                                       str(workers)])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--workers': {workers} is not in the range 0<=x<=256" in result.output
    assert "at most 256" in CliRunner().invoke(main, ["prepare", command, "--help"]).output
    with pytest.raises(ValueError, match=f"--workers must lie in 0..256, got {workers}"):
        build.build_dataset(tmp_path / "lib", source={}, classes=[], subsets={}, size=8, workers=workers)
    assert not (tmp_path / "out").exists() and not (tmp_path / "lib").exists()


def test_a_rerun_with_nothing_to_do_writes_nothing(tmp_path, tree_state):
    out = tmp_path / "out"
    assert _prepare(out).exit_code == 0
    before = tree_state(out)
    result = _prepare(out)
    assert result.exit_code == 0, result.output
    assert tree_state(out) == before  # skipped.txt, mean.h5 and meta.json were rewritten before


def test_a_finished_dataset_reruns_on_a_read_only_mount(small_tmpfs, tmp_path):
    disk = small_tmpfs(tmp_path / "disk", "4m")
    assert _prepare_in_a_process(disk / "out").returncode == 0
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
    result = _prepare_in_a_process(disk / "out")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_dataset_from_another_source_is_replaced_only_with_overwrite(tmp_path, tree_state):
    out = tmp_path / "out"
    assert _prepare(out).exit_code == 0
    before = tree_state(out)
    result = _prepare(out, "--seed", "7", "--size", "14")  # SYNTHETIC's --size 12 comes first: the last wins
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert (f"{out} holds a dataset prepared from another source or with other options (--seed 0, now 7; "
            f"--size 12, now 14): pass --overwrite to replace it") in message  # as the options the user gave
    assert tree_state(out) == before
    assert _prepare(out, "--seed", "7", "--size", "14", "--overwrite").exit_code == 0
    assert dataset.open_dataset(out).meta["source"]["seed"] == 7


def test_another_source_is_named_by_the_options_and_the_command_that_differ(tmp_path, tree_state):
    photos = tmp_path / "photos"
    for name, colour in (("cat", (200, 10, 10)), ("dog", (10, 10, 200))):
        (photos / name).mkdir(parents=True)
        for number in range(2):
            Image.new("RGB", (8, 8), (colour[0], colour[1] + number, colour[2])).save(photos / name / f"{number}.png")
    (tmp_path / "families.txt").write_text("cat animal\ndog pet\n")
    out = tmp_path / "out"
    folder = ["prepare", "folder", str(photos), str(out), "--size", "12", "--workers", "0"]
    assert CliRunner().invoke(main, [*folder, "--families", str(tmp_path / "families.txt"),
                                     "--val-fraction", "0.5"]).exit_code == 0
    before = tree_state(out)
    refused = CliRunner().invoke(main, folder)
    assert refused.exit_code == 2, refused.output
    digest = hashlib.sha256(b"cat animal\ndog pet\n").hexdigest()[:12]
    assert (f"(--families {str(tmp_path / 'families.txt')!r} (sha256 {digest}), now not given; --family-a "
            f"'animal', now not given; --val-fraction 0.5, now not given): pass --overwrite") in \
        " ".join(refused.output.split())
    refused = _prepare(out)
    assert refused.exit_code == 2, refused.output
    assert "(made by 'prepare folder', now 'prepare synthetic'): pass --overwrite" in " ".join(refused.output.split())
    assert tree_state(out) == before


@pytest.mark.parametrize("failing", ["mean.h5", "meta.json"])
def test_a_full_disk_at_the_last_files_says_about_what_they_take(tmp_path, monkeypatch, failing):
    """meta.json was counted 1 MiB whatever the class count: "needs about 1.0 MiB" where some 20 KiB would do.
    The oracle: the files a finished import of the same command wrote, give or take HDF5 headers and disk blocks."""
    reference = tmp_path / "reference"
    assert _prepare(reference, "--classes", "20").exit_code == 0
    left = ["mean.h5", "meta.json"][["mean.h5", "meta.json"].index(failing):]
    written = sum((reference / name).stat().st_size for name in left)
    _fail_writes_of(failing, monkeypatch)
    result = _prepare(tmp_path / "out", "--classes", "20")
    assert result.exit_code == 74, result.output
    needed = re.search(r"the rest of the import needs about ([\d.]+) kB", result.output)
    assert needed, result.output
    assert written <= float(needed[1]) * 1000 <= written + (24 << 10)


def test_prepare_help_lists_every_exit_code_and_the_synthetic_maximum():
    assert "75 interrupted" in " ".join(CliRunner().invoke(main, ["prepare", "--help"]).output.split())
    assert "Even, 2..20" in CliRunner().invoke(main, ["prepare", "synthetic", "--help"]).output
    assert CliRunner().invoke(main, ["prepare", "synthetic", "x", "--classes", "22"]).exit_code == 2


def test_an_odd_number_of_synthetic_classes_is_refused_naming_the_option(tmp_path):
    result = CliRunner().invoke(main, ["prepare", "synthetic", str(tmp_path / "out"), "--classes", "3"])
    assert result.exit_code == 2 and not (tmp_path / "out").exists()
    assert "Invalid value for '--classes': must be even (half the classes man-made, half natural), got 3" in \
        " ".join(result.output.split())


def test_a_second_import_into_the_same_folder_is_refused_with_the_holders_pid(tmp_path, tree_state):
    """Two imports into one folder would mix shards of two sizes or seeds (and the loser blamed the
    data); the second is refused (exit 2) and writes nothing, as a second training run is."""
    out = tmp_path / "out"
    assert _prepare(out).exit_code == 0
    before = tree_state(out)
    with run_lock.RunLock(out):  # what a running import holds
        result = _prepare(out, "--size", "16", "--overwrite")
        assert result.exit_code == 2, result.output
        assert f"{out} is being prepared by another minitransfer process (PID {os.getpid()})" in result.output
    assert tree_state(out) == before
    assert _prepare(out, "--size", "16", "--overwrite").exit_code == 0
    assert dataset.open_dataset(out).image_size == (16, 16)


def test_the_default_decoding_processes_are_the_cores_this_process_may_run_on(tmp_path, monkeypatch):
    """A SLURM allocation or a container gives a process fewer cores than the machine has: one
    decoding process per usable core, not per core of the machine."""
    started = []

    class Recording(decoder_pool.DecoderPool):
        def __init__(self, load, workers):
            started.append(workers)
            super().__init__(load, 0)  # decode in this process: the test needs only the count

    for name in ("cat", "dog"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for index in range(3):
            Image.new("RGB", (10, 10), (80 * index, 40, 200)).save(tmp_path / "photos" / name / f"{index}.png")
    monkeypatch.setattr(build, "DecoderPool", Recording)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {3, 5, 7})
    done = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "data"),
                                     "--size", "12"])
    assert done.exit_code == 0, done.output
    assert started == [3]


def test_a_class_without_images_is_named_on_one_line_whatever_its_name(tmp_path):
    """Class names an importer does not check (a CIFAR archive's) went into the message as they were: an
    ESC recoloured the terminal, a line break split the message."""
    (tmp_path / "empty.png").write_bytes(b"")
    classes = [{"index": 0, "wnid": "a", "name": "tench\x1b[31m\nred"}, {"index": 1, "wnid": "b", "name": "dog"}]
    items = [ImportItem(path=str(tmp_path / "empty.png")), ImportItem(pixels=np.full((4, 4, 3), 9, np.uint8))]
    with pytest.raises(build.ClassesWithoutImages) as raised:
        build.build_dataset(tmp_path / "out", source={}, classes=classes, size=4, workers=0,
                            subsets={"train": (items, [0, 1], {})})
    assert "no training image of 1 class(es) could be imported: tench\\x1b[31m\\nred (" in str(raised.value)
    assert raised.value.skipped == [{"file": str(tmp_path / "empty.png"), "reason": "empty file (0 bytes)",
                                     "subset": "train", "class": "a"}]


def test_progress_is_reported_inside_a_shard(tmp_path, monkeypatch):
    """A shard of small images holds up to 262,144 of them (192 MiB): progress came once a shard, so
    an import at --size 16 of 100,000 files said nothing from its start to its end."""
    from minitransfer.data import synthetic

    monkeypatch.setattr(shard_builder, "PROGRESS_EVERY", 4)
    calls = []
    synthetic.build_synthetic(tmp_path / "out", classes=2, train_per_class=10, val_per_class=2, size=8,
                              shard_length=100, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(4, 24), (8, 24), (12, 24), (16, 24), (20, 24), (20, 24), (24, 24), (24, 24)]

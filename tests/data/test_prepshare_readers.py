"""A prepare that finds the dataset already prepared with its options succeeds while trainings read it: it holds
the folder's lock shared, as they do, for its check, and writes nothing; one that would write (--overwrite, other
options, a shard to rebuild, an unfinished import) is refused, naming the readers, as before. Two lab scripts
"prepare ds; train --data ds" started together: the second one's prepare exited 2, saying it would replace the files
the first one's training read, though it had nothing to write."""

import contextlib
import json
import os
import subprocess

import pytest
import waiting
from click.testing import CliRunner

from minitransfer import run_lock
from minitransfer.cli import main
from minitransfer.data import build, dataset, lock, same_origin, shard_builder, shard_format, synthetic
from minitransfer.experiment import default_train_command

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
OPTIONS = ["--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed", "1", "--size", "14"]
REFUSED = ("is being read by another minitransfer process ({}); preparing it would replace the files it reads: "
           "wait for it to finish or stop it, then rerun")


@pytest.fixture
def data(tmp_path):
    return synthetic.build_synthetic(tmp_path / "data", **TINY).path


@pytest.fixture
def reader(data, held_shared):
    """Another process holding ``data``'s lock shared (a training reading it) for the test."""
    with held_shared(data) as process:
        yield process


def _prepare(data, *extra):
    return CliRunner().invoke(main, ["prepare", "synthetic", str(data), *OPTIONS, *extra])


def _refusal(data, reader):
    return f"{data} {REFUSED.format(f'a training, an evaluation or a verify) (PID {reader.pid}')}"


@pytest.mark.parametrize("extra", [[], ["--verify"]])
def test_a_prepare_with_the_same_options_succeeds_while_a_training_reads(data, reader, tree_state, monkeypatch, extra):
    before = tree_state(data)
    judged = shard_builder._judged_shard
    held = []

    def judged_shard(*args, **kwargs):  # the shards are checked under the lock held shared, as a reader's
        held.append((os.getpid() in lock.readers(data), run_lock.holder(data)))
        return judged(*args, **kwargs)

    monkeypatch.setattr(shard_builder, "_judged_shard", judged_shard)
    result = _prepare(data, *extra)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{data}: already prepared, nothing written: 4 classes, train 32, val 8 images")
    assert ("(verified)" in result.output) == bool(extra)
    assert held == [(True, None), (True, None)]  # train and val shards
    assert tree_state(data) == before
    assert lock.readers(data) == [reader.pid]  # released; the reader's lock untouched
    verified = CliRunner().invoke(main, ["prepare", "verify", str(data)])
    assert verified.exit_code == 0 and "(verified)" in verified.output, verified.output


def test_a_dataset_prepared_before_meta_digest_is_already_prepared_too(data, reader, tree_state,
                                                                       as_prepared_before_meta_digest):
    """Its mean.h5 without meta.json's digest, which a rerun keeps (shard_format.held_mean)."""
    as_prepared_before_meta_digest(data, json.loads((data / shard_format.META_FILE).read_text()))
    before = tree_state(data)
    result = _prepare(data)
    assert result.exit_code == 0, result.output
    assert "already prepared, nothing written" in result.output
    assert tree_state(data) == before


def _interrupted(data):
    """``data`` as an import with its options leaves it when stopped before meta.json."""
    record = json.loads((data / shard_format.META_FILE).read_text())
    same_origin.record_import(data, record["source"], 14, record["source"], build.images_per_shard(14))
    (data / shard_format.META_FILE).unlink()


def _renamed_class(data):
    """meta.json as a hand edit leaves it (a class renamed), the shards and mean.h5 as prepared."""
    meta = json.loads((data / shard_format.META_FILE).read_text())
    meta["classes"][0]["name"] = "renamed"
    (data / shard_format.META_FILE).write_text(shard_format.meta_text(meta))


def _damaged(data):
    shard = data / "val-00000.h5"
    image = bytearray(shard.read_bytes())
    image[-100] ^= 0xFF
    shard.write_bytes(bytes(image))


@pytest.mark.parametrize("extra, change", [
    (["--overwrite"], None), (["--seed", "2"], None), (["--shard-size", "16"], None), ([], _damaged),
    ([], _interrupted), ([], _renamed_class),
    ([], lambda data: (data / "train-00001.h5").write_bytes((data / "val-00000.h5").read_bytes())),
    ([], lambda data: (data / shard_format.SKIPPED_FILE).write_text("gone.jpg\tnot an image\n"))],
    ids=["overwrite", "other-seed", "other-shard-size", "damaged-shard", "unfinished", "edited-meta", "stray-shard",
         "stale-skipped"])
def test_a_prepare_that_would_write_is_refused_while_a_training_reads(data, reader, tree_state, extra, change):
    """As before: exit 2, naming the reader; nothing written (the last options given last win)."""
    if change:
        change(data)
    before = tree_state(data)
    result = _prepare(data, *extra)
    assert result.exit_code == 2, result.output
    assert result.output.endswith(f"error: {_refusal(data, reader)}\n")  # after --seed's "the last is taken"
    assert tree_state(data) == before
    assert lock.readers(data) == [reader.pid]


def test_a_prepare_whose_readers_left_during_its_check_goes_ahead(data, tmp_path, monkeypatch, held_shared):
    """Found a shard to rebuild under the shared lock, it takes the lock anew, exclusively: no reader is
    left then, so it rebuilds it (its refusal would have named a reader gone)."""
    _damaged(data)
    judged = shard_builder._judged_shard
    with contextlib.ExitStack() as reading:
        reading.enter_context(held_shared(data))

        def judged_shard(*args, **kwargs):
            reading.close()  # the reader gone as the check runs (its first shard; then nothing left to close)
            return judged(*args, **kwargs)

        monkeypatch.setattr(shard_builder, "_judged_shard", judged_shard)
        result = _prepare(data)
    assert result.exit_code == 0, result.output
    assert f"{data}: 1 shard reused, 1 written (val-00000.h5 rebuilt: " in result.output
    dataset.open_dataset(data).verify()  # DatasetError where damaged
    assert not lock.readers(data)


def test_two_same_option_prepares_and_an_overwrite_racing_with_a_reader(data, reader, tmp_path, tree_state):
    """Real processes started together: the two that have nothing to write succeed, the --overwrite is refused
    naming the readers (the other prepares among them where they were checking then); none waits on another."""
    before = tree_state(data)
    command = [*default_train_command()[:-1], "prepare", "synthetic", str(data), *OPTIONS]
    processes = [subprocess.Popen(command + extra, cwd=tmp_path, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for extra in ([], ["--overwrite"], [])]
    said = [process.communicate(timeout=waiting.DEADLINE_SECONDS) for process in processes]
    for process, (stdout, stderr) in zip(processes[::2], said[::2]):
        assert process.returncode == 0, stderr
        assert stdout.startswith(f"{data}: already prepared, nothing written: 4 classes"), stdout
    assert processes[1].returncode == 2, said[1]
    stderr = said[1][1]
    assert stderr.startswith(f"error: {data} is being read by another minitransfer process ("), stderr
    assert f"PID {reader.pid}" in stderr and stderr.endswith(f"); {REFUSED.split('); ')[1]}\n"), stderr
    assert "Traceback" not in stderr
    assert tree_state(data) == before
    assert lock.readers(data) == [reader.pid]
    dataset.open_dataset(data).verify()  # DatasetError where damaged


def test_a_folder_import_with_copies_across_classes_is_already_prepared_while_read(tmp_path, image_bytes, write_files,
                                                                                   tree_state, held_shared):
    """Its check still finds the copies (the importer's cache finder), so their list stays and is warned of:
    found by no one, it would be removed as the import ends."""
    photo = image_bytes((7, 7, 7), kind="PNG")
    files = {f"{name}/{number}.png": image_bytes((60 * index + number, 9, 9), kind="PNG")
             for index, name in enumerate(("cat", "dog")) for number in range(3)}
    root = write_files(tmp_path / "src", {**files, "cat/photo.png": photo, "dog/photo.png": photo})
    out = tmp_path / "out"
    command = ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0"]
    first = CliRunner().invoke(main, command)
    assert first.exit_code == 0, first.output
    before = tree_state(out)
    assert "copies-across-classes.txt" in before
    with held_shared(out):
        again = CliRunner().invoke(main, command)
    assert again.exit_code == 0, again.output
    assert "warning: 1 image(s) lie in two or more classes" in again.output
    assert f"{out}: already prepared from {root}, nothing written" in again.output
    assert tree_state(out) == before

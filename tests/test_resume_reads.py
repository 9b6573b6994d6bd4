"""What a resumption reads: the run's record (its checkpoint's root attributes) once, however many
checks need it (the options typed, the options recorded, the dataset gone), and a finished run's
weights once; and what it says of a record it cannot use: one of a newer minitransfer, or a finished
run's checkpoint that is damaged."""

import collections
import pathlib
import shutil

import h5py
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import run_files
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


@pytest.fixture
def reads(monkeypatch):
    """The files checkpoint.read_meta and checkpoint.load are called on, counted by kind: ("meta",
    path) and ("load", path); a test clears it once its run is set up."""
    counted = collections.Counter()
    read_meta, load = checkpoints.read_meta, checkpoints.load

    def counting_read_meta(path):
        counted["meta", pathlib.Path(path).resolve()] += 1
        return read_meta(path)

    def counting_load(path, solver=True):
        counted["load", pathlib.Path(path).resolve()] += 1
        return load(path, solver)

    monkeypatch.setattr(checkpoints, "read_meta", counting_read_meta)
    monkeypatch.setattr(checkpoints, "load", counting_load)
    return counted


def _resume(*options):
    return CliRunner().invoke(main, ["train", "--resume", *map(str, options), "--quiet"])


def _interrupted_on_a_copy(micro_data, tmp_path):
    """tmp_path/net.h5 interrupted after 2 of its 4 iterations, trained on tmp_path/data (a copy of
    micro_data, to move away); its checkpoint (resolved, as ``reads`` names it)."""
    shutil.copytree(micro_data, tmp_path / "data")
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(tmp_path / "data"), **FAST), 2)
    return (tmp_path / "net.run" / "checkpoint.h5").resolve()


def test_a_run_folder_resumed_reads_its_record_once(micro_data, tmp_path, reads):
    """`train --resume net.run` read the checkpoint's attributes twice before loading it: for the
    options typed at their default (the command line's check) and for the options recorded."""
    checkpoint = _interrupted_on_a_copy(micro_data, tmp_path)
    reads.clear()
    resumed = _resume(tmp_path / "net.run", "--seed", "0")
    assert resumed.exit_code == 0, resumed.output
    assert reads == {("meta", checkpoint): 1, ("load", checkpoint): 1}
    assert checkpoints.load(tmp_path / "net.h5").iteration == FAST["max_iter"]


@pytest.mark.parametrize("way", ["command line", "library"])
def test_a_run_whose_dataset_is_gone_is_refused_reading_its_record_once(micro_data, tmp_path, reads, way):
    """Refusing it (its dataset moved away, `data` not given) read the record four times from the
    command line (three from a notebook): for the options typed, for the options recorded, to see
    whether the run was finished, and for the refusal."""
    checkpoint = _interrupted_on_a_copy(micro_data, tmp_path)
    (tmp_path / "data").rename(tmp_path / "moved")
    reads.clear()
    said = (f"cannot resume {checkpoint}: the dataset it was trained on, {tmp_path / 'data'}, is not there now "
            f"(moved or deleted); give its folder where it is now as ")
    if way == "command line":
        refused = _resume(tmp_path / "net.run")
        assert refused.exit_code == 2 and refused.output == f"error: {said}--data\n", refused.output
    else:
        with pytest.raises(training.ConfigError) as refused:
            training.train(training.TrainConfig(resume=str(tmp_path / "net.run"), quiet=True))
        assert str(refused.value) == f"{said}`data`"
    assert reads == {("meta", checkpoint): 1}


def test_a_finished_transfer_whose_base_is_gone_loads_its_weights_once(micro_data, tmp_path, reads):
    """A finished transfer whose checkpoint was deleted, resumed without its base (moved away): its
    weights were loaded for the base's record, then again, under the run's lock, as the finished run."""
    base, out = tmp_path / "base.h5", tmp_path / "t.h5"
    training.train(training.TrainConfig(out=str(base), data=micro_data, **FAST))
    transfer = {"data": micro_data, "copy_from": str(base), "n": 2, **FAST}
    trained = training.train(training.TrainConfig(out=str(out), **transfer))
    base.rename(tmp_path / "moved.h5")
    (tmp_path / "t.run" / "checkpoint.h5").unlink()
    reads.clear()
    again = training.train(training.TrainConfig(out=str(out), resume="auto", **transfer))
    assert again.mean10_top1 == trained.mean10_top1 and again.iterations == FAST["max_iter"]
    assert reads == {("load", out.resolve()): 1}


def test_a_run_of_a_newer_minitransfer_says_to_upgrade_also_where_its_dataset_is_gone(micro_data, tmp_path):
    """Its record read without its format version, the refusal asked for the dataset (2); given it,
    the next said the checkpoint is of a newer minitransfer. Now that comes first, as where the
    dataset is there."""
    checkpoint = _interrupted_on_a_copy(micro_data, tmp_path)
    with h5py.File(checkpoint, "r+") as f:
        f.attrs["format_version"] = checkpoints.FORMAT_VERSION + 1
    (tmp_path / "data").rename(tmp_path / "moved")
    refused = _resume(tmp_path / "net.run")
    assert refused.exit_code == 65, refused.output
    assert refused.output.startswith(
        f"error: bad data: checkpoint {checkpoint}: format version {checkpoints.FORMAT_VERSION + 1}, this "
        f"minitransfer reads {checkpoints.FORMAT_VERSION}: it was written by a newer minitransfer; upgrade"), \
        refused.output
    with pytest.raises(checkpoints.CheckpointError, match="written by a newer minitransfer"):
        checkpoints.read_meta(checkpoint)


def test_a_finished_runs_damaged_checkpoint_is_said_to_be_needed_no_more(micro_data, tmp_path):
    """A finished run (weights and result.json there) whose checkpoint was cut short was told to
    start over, or to delete its run folder: its result with it. Now the refusal says the run is
    finished and the checkpoint not needed; deleted, the run is reported finished."""
    out = tmp_path / "net.h5"
    trained = training.train(training.TrainConfig(out=str(out), data=micro_data, **FAST))
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    checkpoint.write_bytes(checkpoint.read_bytes()[:checkpoint.stat().st_size // 2])
    refused = _resume(tmp_path / "net.run")
    assert refused.exit_code == 65, refused.output
    assert refused.output.endswith(
        f"; the run is finished all the same (its weights {out} and result.json are there): delete {checkpoint}, "
        f"which a finished run does not need, and rerun to report it\n"), refused.output
    assert "cut short" in refused.output and "delete " + str(tmp_path / "net.run") + "\n" not in refused.output
    checkpoint.unlink()
    reported = _resume(tmp_path / "net.run", "--json")
    assert reported.exit_code == 0, reported.output
    assert f'"mean10_top1": {trained.mean10_top1}' in reported.output


@pytest.mark.parametrize("way", ["command line", "library"])
def test_a_run_resumed_without_data_reads_its_record_once(tmp_path, reads, way):
    """`train --resume auto` without --data (a run on the built-in set, whose folder is there) read
    the checkpoint's attributes twice before loading it: to see whether its dataset was gone and the
    run finished (train), and again to refuse a dataset gone (resolve)."""
    out = tmp_path / "net.h5"
    fast = {**FAST, "preset": "micro"}
    interrupted_after(training.TrainConfig(out=str(out), **fast), 2)
    checkpoint = (tmp_path / "net.run" / "checkpoint.h5").resolve()
    reads.clear()
    if way == "command line":
        resumed = _resume("auto", "-o", out, "--preset", "micro", "--batch-size", "8", "--max-iter", "4",
                          "--eval-every", "2", "--checkpoint-every", "2", "--device", "cpu")
        assert resumed.exit_code == 0, resumed.output
    else:
        training.train(training.TrainConfig(out=str(out), resume="auto", **fast))
    assert reads == {("meta", checkpoint): 1, ("load", checkpoint): 1}
    assert checkpoints.load(out).iteration == FAST["max_iter"]


def test_a_finished_run_whose_result_is_unreadable_is_refused_without_its_dataset_reading_its_record_once(
        micro_data, tmp_path, reads):
    """Finished, its dataset moved away and its result.json damaged: the record was read to see that
    the run is finished, then again to refuse it for its dataset gone."""
    checkpoint = _interrupted_on_a_copy(micro_data, tmp_path)
    training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=str(tmp_path / "data"), resume="auto",
                                        **FAST))
    (tmp_path / "net.run" / "result.json").write_text("{")
    (tmp_path / "data").rename(tmp_path / "moved")
    reads.clear()
    with pytest.raises(training.ConfigError, match=f"the run of {checkpoint} is finished"):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), resume="auto", quiet=True))
    assert reads == {("meta", checkpoint): 1}


def test_a_resumption_reads_eval_csv_once(tmp_path, monkeypatch):
    """It read eval.csv three times: for its header, for its rows, and again to keep those up to the
    checkpoint."""
    run_dir = tmp_path / "net.run"
    files = run_files.RunFiles(run_dir, 0, fresh=True)
    for done in (2, 4, 6):
        files.add_eval(done, {"top1": 0.5, "top5": 0.75, "loss": done / 8})
    read, read_text = [], pathlib.Path.read_text

    def counting(path, *args, **kwargs):
        read.append(path.name)
        return read_text(path, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "read_text", counting)
    resumed = run_files.RunFiles(run_dir, 4, fresh=False, evaluated=[2, 4])
    monkeypatch.undo()
    assert read.count("eval.csv") == 1, read
    assert resumed.evaluations_to_redo == []
    assert (run_dir / "eval.csv").read_text() == "iteration,top1,top5,loss\n2,0.5,0.75,0.25\n4,0.5,0.75,0.5\n"


@pytest.mark.parametrize("settings", [{}, {"eval_batch_size": 8, "log_every": 2}])
def test_a_transfer_resumed_reads_its_record_once(micro_data, tmp_path, reads, settings):
    """`train --copy-from base.h5 --resume auto` without --seed read its checkpoint's attributes twice before
    loading it: for the run's own settings (train) and again for the seed it recorded (resolve). With `data` and all
    the run's own settings given, train passed resolve nothing, which read it for the dataset compared and again for
    the seed."""
    base, out = tmp_path / "base.h5", tmp_path / "t.h5"
    training.train(training.TrainConfig(out=str(base), data=micro_data, **FAST))
    transfer = {"data": micro_data, "copy_from": str(base), "n": 2, **settings, **FAST}
    interrupted_after(training.TrainConfig(out=str(out), **transfer), 2)
    checkpoint = (tmp_path / "t.run" / "checkpoint.h5").resolve()
    seed = checkpoints.read_meta(checkpoint)["config"]["seed"]
    reads.clear()
    resumed = training.train(training.TrainConfig(out=str(out), resume="auto", **transfer))
    assert resumed.iterations == FAST["max_iter"] and checkpoints.read_meta(out)["config"]["seed"] == seed
    assert reads[("meta", checkpoint)] == 1 and reads[("load", checkpoint)] == 1, reads

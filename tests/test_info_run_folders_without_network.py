"""What ``info`` says of a run folder holding no network (no checkpoint.h5, no weights file beside it):
one whose result.json is there finished (report counts it: it was said to have stopped before its first
checkpoint), its network moved or deleted since; one holding only its config.json, whose lock no
process holds, stopped in its start-up (it was told to wait, as if training); one whose lock is held is
training, and is to be waited for; one interrupted after it wrote checkpoints, whose checkpoint.h5 was
deleted since, has it missing (it was said to have stopped before writing its first). Each says what to
do, and that does it."""

import shlex

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config, run_lock, rundir
from minitransfer.cli import main
from minitransfer.results import collect

TRAIN = "train --split all --preset micro --batch-size 8 --max-iter 4 --eval-every 2 --device cpu --quiet -o net.h5"


@pytest.fixture
def command(micro_data, tmp_path, monkeypatch):
    """The train command of a run net.h5 / net.run, in a working folder of its own, run once."""
    monkeypatch.chdir(tmp_path)
    words = [*shlex.split(TRAIN), "--data", micro_data]
    trained = CliRunner().invoke(main, words)
    assert trained.exit_code == 0, trained.output
    return words


def _info_refused(tmp_path):
    shown = CliRunner().invoke(main, ["info", "net.run"])
    assert shown.exit_code == 2, shown.output
    return " ".join(shown.output.split())  # click wraps the usage error's lines


def _rerun_trains_it(command):
    again = CliRunner().invoke(main, command)
    assert again.exit_code == 0, again.output
    assert [result.run.name for result in collect(".")[0]] == ["net"]
    assert CliRunner().invoke(main, ["info", "net.run"]).exit_code == 0


def test_a_finished_run_whose_network_is_gone_is_said_finished(command, tmp_path):
    (tmp_path / "net.h5").unlink()
    (tmp_path / "net.run" / "checkpoint.h5").unlink()
    assert [result.run.name for result in collect(".")[0]] == ["net"]  # the oracle: report counts it finished
    said = _info_refused(tmp_path)
    assert "which finished" in said and "stopped before" not in said, said
    assert "neither its checkpoint.h5 nor net.h5 is there now" in said and "rerun its train command" in said, said
    _rerun_trains_it(command)


def test_a_run_with_only_its_configuration_and_no_process_is_said_stopped(command, tmp_path):
    (tmp_path / "net.h5").unlink()
    for name in ("checkpoint.h5", "eval.csv", "metrics.jsonl", "result.json"):
        (tmp_path / "net.run" / name).unlink()
    assert run_lock.holder(tmp_path / "net.run") is None  # the oracle: no process trains it
    said = _info_refused(tmp_path)
    assert "wait for it" not in said, said
    assert "stopped before writing its first checkpoint (no process is training it" in said, said
    assert "rerun its train command" in said, said
    _rerun_trains_it(command)


def test_a_run_whose_lock_is_held_is_said_training(command, tmp_path):
    (tmp_path / "net.h5").unlink()
    (tmp_path / "net.run" / "checkpoint.h5").unlink()
    (tmp_path / "net.run" / "result.json").unlink()
    with run_lock.RunLock(tmp_path / "net.run"):
        said = _info_refused(tmp_path)
    assert "its training runs now" in said and "wait for it" in said, said


def test_a_grid_run_never_started_is_said_so_with_the_command_that_trains_it(micro_data, tmp_path, monkeypatch):
    """A grid stopped before one of its runs started leaves that run's folder holding its treatment.json
    alone: it was said to have stopped in its start-up, to be trained by its train command; the grid's
    command trains it (the command of its grid, which planned it)."""
    monkeypatch.chdir(tmp_path)
    grid = ["experiment", "--data", micro_data, "-o", "grid", "--layers", "1", "--no-fine-tuned", "--max-iter", "2",
            "--eval-every", "1", "--batch-size", "8", "--device", "cpu"]
    assert CliRunner().invoke(main, grid).exit_code == 0
    run = tmp_path / "grid" / "random0" / "A1B.run"
    (tmp_path / "grid" / "random0" / "A1B.h5").unlink()
    for path in run.iterdir():  # as the grid leaves a run it planned, not started
        if path.name != "treatment.json":
            path.unlink()
    shown = CliRunner().invoke(main, ["info", str(run)])
    said = " ".join(shown.output.split())
    assert shown.exit_code == 2 and f"{run} is the run folder of A1B.h5, a run the grid in {tmp_path / 'grid'} " \
        "planned, not started yet: it holds the grid's treatment.json alone, no network; to start it, rerun the " \
        f"experiment command that planned it (minitransfer experiment -o {tmp_path / 'grid'} with the grid's " \
        "options;" in said, said
    assert "its train command" not in said and "folder without a network" not in said, said
    for given in ("A1B.h5", "A1B.run/."):  # its weights file, not written yet ("does not exist"), or "."
        shown = CliRunner().invoke(main, ["info", str(tmp_path / "grid" / "random0" / given)])
        said = " ".join(shown.output.split())
        assert shown.exit_code == 2 and f"a run the grid in {tmp_path / 'grid'} planned, not started yet" in said, said
    (run / "train.log").write_text("")  # the grid started it: the words of a run stopped in its start-up
    said = " ".join(CliRunner().invoke(main, ["info", str(run)]).output.split())
    assert "a run of a grid, which has no network: it was not started, or stopped before" in said, said
    assert CliRunner().invoke(main, grid).exit_code == 0  # as told
    assert CliRunner().invoke(main, ["info", str(run)]).exit_code == 0


def checkpoint_deleted_after_writing(data, out="net.h5"):
    """The run folder of weights file ``out``, trained on ``data`` by `TRAIN` with --max-iter 8 and
    --checkpoint-every 2, interrupted after iteration 5 (it wrote checkpoints), whose checkpoint.h5 was
    deleted since; the train command line that trains it again (--overwrite to be added)."""
    interrupted_after(config.TrainConfig(out=str(out), data=data, split="all", preset="micro", batch_size=8,
                                         max_iter=8, eval_every=2, checkpoint_every=2, device="cpu", quiet=True), 5)
    checkpoint = rundir.run_dir_for(out) / "checkpoint.h5"
    assert checkpoint.is_file()  # the oracle: the run wrote checkpoints (every 2 iterations, and as it stopped)
    checkpoint.unlink()
    return checkpoint.parent, [*shlex.split(TRAIN), "--data", data, "--max-iter", "8", "--checkpoint-every", "2",
                               "-o", str(out)]


def test_a_run_whose_checkpoint_was_deleted_after_it_wrote_checkpoints_has_it_missing(micro_data, tmp_path,
                                                                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    words = checkpoint_deleted_after_writing(micro_data)[1]
    said = _info_refused(tmp_path)
    assert "first checkpoint (" not in said and "before writing" not in said, said
    assert "which has no network: its checkpoint.h5 is missing (moved or deleted since)" in said, said
    assert "train it again (its train command with --overwrite)" in said, said
    again = CliRunner().invoke(main, [*words, "--overwrite"])
    assert again.exit_code == 0, again.output
    assert CliRunner().invoke(main, ["info", "net.run"]).exit_code == 0


def test_a_torn_last_line_of_metrics_leaves_eval_csv_to_tell_the_checkpoint_was_written(micro_data, tmp_path,
                                                                                      monkeypatch):
    """A kill as metrics.jsonl was written leaves its last line torn: its eval.csv still records iterations
    past the first checkpoint, so the checkpoint is missing, not never written."""
    monkeypatch.chdir(tmp_path)
    folder = checkpoint_deleted_after_writing(micro_data)[0]
    with open(folder / "metrics.jsonl", "a") as stream:
        stream.write('{"iteration": 6, "lo')
    said = _info_refused(tmp_path)
    assert "its checkpoint.h5 is missing (moved or deleted since)" in said, said

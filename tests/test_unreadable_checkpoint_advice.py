"""A run whose checkpoint.h5 cannot be read is told how to start over as its caller can: it said "rerun without
--resume, with --overwrite" to every caller, which an experiment's grid (it reruns its runs with --resume auto
and has no --overwrite) and `train --resume RUN` (its options the run's, none typed) could not follow. Each test
follows the advice given: the run then trains to its end."""

import shlex
import shutil

import pytest
from click.testing import CliRunner

from interrupting import interrupted_after
from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 2, "quiet": True, "device": "cpu",
        "preset": "micro"}
GRID = ["--preset", "micro", "--layers", "1", "--no-fine-tuned", "--max-iter", "2", "--eval-every", "1",
        "--batch-size", "8", "--device", "cpu"]


def test_a_run_folder_given_to_resume_is_told_the_command_with_its_options(micro_data, tmp_path):
    out = tmp_path / "net.h5"
    interrupted_after(config.TrainConfig(out=str(out), data=micro_data, split="all", seed=3, **FAST), 2)
    (tmp_path / "net.run" / "checkpoint.h5").write_bytes(b"junk")
    refused = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run")])
    assert refused.exit_code == 65 and "Traceback" not in refused.output, refused.output
    said = refused.output.replace("\n", " ")
    assert "rerun without --resume, with --overwrite" not in said, said
    command = said.split("with its options and --overwrite (")[1].rsplit(")", 1)[0]
    words = shlex.split(command)
    assert words[:2] == ["minitransfer", "train"] and words[-1] == "--overwrite", words
    assert words[words.index("--seed") + 1] == "3" and words[words.index("--split") + 1] == "all", words
    done = CliRunner().invoke(main, words[1:])
    assert done.exit_code == 0, done.output
    assert checkpoints.load(out).iteration == 6


def test_a_grids_run_is_told_to_delete_its_checkpoint_and_rerun_the_experiment(micro_data, tmp_path):
    out = tmp_path / "grid"
    grid = ["experiment", "--data", micro_data, "-o", str(out), *GRID]
    assert CliRunner().invoke(main, grid).exit_code == 0
    run = out / "random0" / "baseB.run"
    for name in ("baseB.h5", "B1B.h5", "baseB.run/result.json"):  # baseB left as if stopped before its end
        (out / "random0" / name).unlink()
    shutil.rmtree(out / "random0" / "B1B.run")  # its transfer not trained yet
    (run / "checkpoint.h5").write_bytes(b"junk")
    failed = CliRunner().invoke(main, grid)
    assert failed.exit_code != 0, failed.output
    said = (run / "train.log").read_text().replace("\n", " ")
    assert "rerun without --resume, with --overwrite" not in said, said
    assert f"delete {run / 'checkpoint.h5'}, then rerun the experiment command that planned it (minitransfer " \
        f"experiment -o {out} with the grid's options)" in said, said
    (run / "checkpoint.h5").unlink()
    again = CliRunner().invoke(main, grid)
    assert again.exit_code == 0, again.output
    assert (out / "random0" / "baseB.h5").is_file() and (out / "random0" / "B1B.h5").is_file()


@pytest.mark.parametrize("command", ["info", "eval"])
def test_info_and_eval_of_a_runs_junk_checkpoint_say_what_to_do(micro_data, tmp_path, command):
    """"not an HDF5 file (corrupt or not a checkpoint)" alone: a finished run's is pointed to its weights file,
    an unfinished one's to the train command that starts it over, which then trains it to its end."""
    out = tmp_path / "net.h5"
    interrupted_after(config.TrainConfig(out=str(out), data=micro_data, split="all", **FAST), 2)
    (tmp_path / "net.run" / "checkpoint.h5").write_bytes(b"junk")
    refused = CliRunner().invoke(main, [command, str(tmp_path / "net.run")])
    assert refused.exit_code == 65 and "Traceback" not in refused.output, refused.output
    said = refused.output.replace("\n", " ")
    assert said.startswith(f"error: bad data: checkpoint {tmp_path / 'net.run' / 'checkpoint.h5'}: not an HDF5 file")
    words = shlex.split(said.split("with its options and --overwrite (")[1].rsplit(")", 1)[0])
    assert CliRunner().invoke(main, words[1:]).exit_code == 0
    (tmp_path / "net.run" / "checkpoint.h5").write_bytes(b"junk")  # finished now: its weights hold the network
    refused = CliRunner().invoke(main, [command, str(tmp_path / "net.run" / "checkpoint.h5")])
    assert refused.exit_code == 65, refused.output
    assert refused.output.rstrip().endswith(f"the finished network of its run is its weights file {out}: give that")
    assert CliRunner().invoke(main, [command, str(out)]).exit_code == 0

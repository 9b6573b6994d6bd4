"""An unfinished run whose record (its checkpoint's configuration, copied to config.json) holds a value no
run trains with: a base_lr NaN, a max_iter of 10**100. Resumed, it was refused as a usage error (exit 2)
"--base-lr must be a finite number" of a command that gave no --base-lr; it is bad data (65) naming the file
that records it."""

import json
import math

import h5py
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import hdf5_files
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}


def _damaged(folder, data, **fields):
    """An interrupted run in ``folder`` whose checkpoint and config.json record ``fields``; its checkpoint's bytes."""
    interrupted_after(training.TrainConfig(out=str(folder / "net.h5"), data=data, **FAST), 2)
    checkpoint = folder / "net.run" / "checkpoint.h5"
    with h5py.File(checkpoint, "r+") as f:
        recorded = json.loads(f.attrs["config"])
        f.attrs["config"] = hdf5_files.text_attribute(json.dumps({**recorded, **fields}))
    config = folder / "net.run" / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), **fields}))
    return checkpoint.read_bytes()


@pytest.fixture
def damaged(micro_data, tmp_path):
    """An interrupted run whose checkpoint and config.json record base_lr NaN; its checkpoint's bytes."""
    return _damaged(tmp_path, micro_data, base_lr=math.nan)


@pytest.mark.parametrize("resume", ["folder", "auto"])
def test_a_recorded_base_lr_nan_is_bad_data_naming_the_checkpoint(damaged, micro_data, tmp_path, resume):
    args = (["--resume", str(tmp_path / "net.run")] if resume == "folder" else
            ["--resume", "auto", "-o", str(tmp_path / "net.h5"), "--data", micro_data])
    result = CliRunner().invoke(main, ["train", *args, "--device", "cpu"])
    assert result.exit_code == 65, result.output
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    assert f"checkpoint {checkpoint}: the configuration it records" in result.output, result.output
    assert "base_lr must be a finite number, got nan" in result.output, result.output
    assert "--base-lr" not in result.output and "Traceback" not in result.output, result.output
    assert checkpoint.read_bytes() == damaged


def test_a_recorded_max_iter_beyond_any_run_s_is_bad_data_naming_the_checkpoint(micro_data, tmp_path):
    """Was "--max-iter must be an integer 1..2147483647" (exit 2) of a command that gave no --max-iter; the
    checkpoint is refused as it is read (checkpoint_check's range of max_iter, the option's), as info does."""
    before = _damaged(tmp_path, micro_data, max_iter=10**100)
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run"), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    assert f"checkpoint {checkpoint}: attribute config field max_iter must be int 1..2147483647, " \
           f"got {str(10**100)[:80]}" in result.output, result.output
    assert "--max-iter" not in result.output and "Traceback" not in result.output, result.output
    assert checkpoint.read_bytes() == before


def test_a_base_lr_nan_given_is_still_a_usage_error(damaged, tmp_path):
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run"), "--base-lr", "nan",
                                       "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert "--base-lr must be a finite number" in result.output, result.output


def test_info_says_such_a_run_is_not_resumable_and_why(damaged, tmp_path):
    """info called it resumable ("iteration 2 (resumable: `minitransfer train --resume ...`"), a resume
    that the resume then refuses."""
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    result = CliRunner().invoke(main, ["info", "--json", str(checkpoint)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["resumable"] is False
    assert f"checkpoint {checkpoint}: the configuration it records" in summary["resume_refused"]
    assert "base_lr must be a finite number, got nan" in summary["resume_refused"]

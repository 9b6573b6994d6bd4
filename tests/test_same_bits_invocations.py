"""README's "Same options, same bits": a run's weights file is the same bytes trained straight, interrupted and
resumed (`--resume auto`), or trained again over itself (`--overwrite`), with or without a progress bar: its
record held how the command was invoked (`resume` null -> 'auto', `overwrite` false -> true, `progress`), so
the weights' sha256, which result.json and each transfer record of it, changed though every array was the same.
A run whose checkpoint an earlier version wrote, recording those fields, still resumes and is shown by info."""

import hashlib
import json
import shutil

import h5py
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.recorded_config import INVOCATION_FIELDS
from minitransfer.resume_options import RESUME_FREE_FIELDS

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 6, "eval_every": 2, "checkpoint_every": 2, "device": "cpu",
        "quiet": True}
# What an earlier version recorded of how a run was invoked, as it recorded them of a run started plainly.
EARLIER_INVOCATION = {"resume": None, "overwrite": False, "allow_precision_change": False, "progress": False,
                      "quiet": True}


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _trained(out, moved_to):
    """(sha256 of the weights file ``out``, the sha256 its result.json records, its config.json) of the run just
    trained there; its folder is then moved to ``moved_to``, so that the next run trains at the same path (a
    record holds `out`)."""
    run = out.with_suffix(".run")
    facts = (_sha256(out), json.loads((run / "result.json").read_text())["weights"]["sha256"],
             json.loads((run / "config.json").read_text()))
    shutil.move(out.parent, moved_to)
    return facts


def _straight(out, micro_data, tmp_path):
    training.train(training.TrainConfig(out=str(out), data=micro_data, **FAST))
    return _trained(out, tmp_path / "straight")


def test_resumed_and_overwritten_runs_write_the_straight_runs_bytes(micro_data, tmp_path):
    out = tmp_path / "runs" / "net.h5"
    straight = _straight(out, micro_data, tmp_path)
    assert straight[0] == straight[1]
    interrupted_after(training.TrainConfig(out=str(out), data=micro_data, **FAST), 2)
    resumed = CliRunner().invoke(main, ["train", "--out", str(out), "--data", micro_data, "--preset", "micro",
                                        "--batch-size", "8", "--max-iter", "6", "--eval-every", "2",
                                        "--checkpoint-every", "2", "--device", "cpu", "--resume", "auto", "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    assert _trained(out, tmp_path / "resumed") == straight
    shutil.copytree(tmp_path / "resumed", out.parent)  # a finished run, trained again over itself, with a bar
    training.train(training.TrainConfig(out=str(out), data=micro_data, overwrite=True,
                                        **{**FAST, "quiet": False, "progress": True}))
    assert _trained(out, tmp_path / "overwritten") == straight
    assert not set(INVOCATION_FIELDS) & set(straight[2])


def test_a_checkpoint_recording_how_it_was_invoked_resumes_to_the_same_bytes(micro_data, tmp_path):
    """An earlier version's record (with :data:`EARLIER_INVOCATION`) is skipped by every reader: they are fields
    a resumption may change; its run resumes, unedited, to the straight run's bytes, and info shows it."""
    assert set(INVOCATION_FIELDS) <= set(RESUME_FREE_FIELDS)
    out = tmp_path / "runs" / "net.h5"
    straight = _straight(out, micro_data, tmp_path)
    interrupted_after(training.TrainConfig(out=str(out), data=micro_data, **FAST), 2)
    run = out.with_suffix(".run")
    with h5py.File(run / "checkpoint.h5", "r+") as f:
        earlier = {**json.loads(f.attrs["config"]), **EARLIER_INVOCATION}
        f.attrs["config"] = json.dumps(earlier)
    (run / "config.json").write_text(json.dumps(earlier, indent=2))
    shown = CliRunner().invoke(main, ["info", str(run / "checkpoint.h5"), "--json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["config"] == earlier
    resumed = CliRunner().invoke(main, ["train", "--resume", str(run)])
    assert resumed.exit_code == 0, resumed.output
    assert "edited by hand" not in resumed.output and not (run / "config.json.edited").exists()
    assert _trained(out, tmp_path / "resumed") == straight

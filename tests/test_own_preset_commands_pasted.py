"""The commands ``info`` names in a network's state (the resume that goes on from a stopped run, the eval that
scores a kept network), of a network of a preset of one's own (docs/presets.md), run pasted into a new shell. They
were printed bare (`minitransfer train --resume net.run`), without the ``MINITRANSFER_PRESET_SOURCES=...`` the
"made again by" line has, and a new shell refused them: exit 65, preset 'own' not known."""

import os

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after
from pasted import paste

from minitransfer import config, models
from minitransfer.cli import main
from test_drift_dry_run_preset import SOURCES
from test_ownpreset_grid_runs import OWN

FAST = {"preset": "own", "batch_size": 4, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "quiet": True,
        "device": "cpu"}


def stopped_run(micro_data, tmp_path, monkeypatch, name="net"):
    """A run of preset "own", registered by the script mynet.py (noted in the environment, as
    ``python mynet.py train`` notes it), of the network ``name``.h5, stopped after iteration 2 of 4: its run folder
    in ``tmp_path``, made the working folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(models, "PRESETS", dict(models.PRESETS))
    monkeypatch.setenv(SOURCES, "{}")  # this process's environment is given back as it was
    script = tmp_path / "mynet.py"
    script.write_text(OWN)
    exec(compile(OWN, str(script), "exec"), {"__name__": "__main__", "__file__": str(script)})
    assert "own" in os.environ[SOURCES]
    interrupted_after(config.TrainConfig(out=f"{name}.h5", data=str(micro_data), split="all", **FAST), 2)
    return tmp_path / f"{name}.run"


def resumed_auto(data):
    """The train command line of :func:`stopped_run`'s net.h5, with ``--resume auto``."""
    return ["train", "--data", data, "--split", "all", "-o", "net.h5", "--preset", "own", "--batch-size", "4",
            "--max-iter", "4", "--eval-every", "2", "--checkpoint-every", "2", "--device", "cpu", "--resume", "auto"]


@pytest.fixture
def own_stopped(micro_data, tmp_path, monkeypatch):
    """:func:`stopped_run` of net.h5: net.run in the working folder, ``tmp_path``."""
    stopped_run(micro_data, tmp_path, monkeypatch)
    return tmp_path


def test_the_resume_info_names_for_a_stopped_run_of_ones_own_preset_runs_in_a_new_shell(own_stopped):
    said = CliRunner().invoke(main, ["info", "net.run"]).output.splitlines()[1]
    assert "(resumable: " in said, said
    command, done = paste(said, own_stopped)
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    assert (own_stopped / "net.run" / "result.json").is_file()  # the oracle: the run finished


def test_the_eval_info_names_for_a_kept_network_of_ones_own_preset_runs_in_a_new_shell(own_stopped):
    resumed = CliRunner().invoke(main, ["train", "--resume", "net.run"])
    assert resumed.exit_code == 0, resumed.output
    (own_stopped / "net.run" / "result.json").unlink()  # finished, its result and checkpoint then lost
    (own_stopped / "net.run" / "checkpoint.h5").unlink()
    said = CliRunner().invoke(main, ["info", "net.h5"]).output.splitlines()[1]
    assert "scores it again" in said, said
    command, done = paste(said[said.index("keep "):], own_stopped)
    assert command.endswith("minitransfer eval net.h5"), said
    assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    assert "top-1" in done.stdout, done.stdout


def test_the_eval_train_names_for_a_finished_run_whose_result_is_lost_runs_in_a_new_shell(own_stopped, micro_data):
    command = resumed_auto(micro_data)
    resumed = CliRunner().invoke(main, command)
    assert resumed.exit_code == 0, resumed.output
    (own_stopped / "net.run" / "result.json").write_text("not a result")  # damaged, its checkpoint gone
    (own_stopped / "net.run" / "checkpoint.h5").unlink()
    refused = CliRunner().invoke(main, command)
    assert refused.exit_code == 65 and "scores it again" in refused.output, refused.output
    said = refused.output[refused.output.index("keep "):]
    pasted, done = paste(said, own_stopped)
    assert pasted.endswith("minitransfer eval net.h5"), said
    assert done.returncode == 0, f"{pasted}\n{done.stdout}{done.stderr}"
    assert "top-1" in done.stdout, done.stdout

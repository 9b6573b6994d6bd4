"""``experiment --dry-run`` and ``--emit-slurm`` refuse what the grid itself refuses: a plan copying
more layers than its bases' preset has (:func:`minitransfer.grid_preflight.check_layers_copied`) was
refused only by the scheduler, as the grid started; its dry run showed it, its SLURM scripts were
written, and each transfer failed once its base had trained. The command line's refusal names its
--layers, the library's plan_grid's layers (before, the command line's named plan_grid too, and --n,
an option of train, not of experiment)."""

import pytest
from click.testing import CliRunner

import toy_preset
from minitransfer import models
from minitransfer.cli import experiment as experiment_cli
from minitransfer.cli import main

REFUSAL = ("error: run random0/B3B: n must be an integer 1..2, got 3 (n counts the first weight layers, copied or "
           "left random; layer 3, the classifier, is always trained) in preset toy: give --layers of 1..2")


@pytest.mark.parametrize("mode", ["run", "dry-run", "emit-slurm"])
def test_a_plan_copying_more_layers_than_its_preset_has_is_refused_by_every_mode(micro_data, tmp_path, monkeypatch,
                                                                               mode):
    # the command line takes --layers up to the preset it finds; here it finds a larger one than its
    # bases train with, so that only the check of the layers each base can give stands in the way
    monkeypatch.setattr(experiment_cli, "_preset_of", lambda name, data: models.get("mini"))
    assert toy_preset.TOY.copyable == 2
    extra = {"run": [], "dry-run": ["--dry-run"], "emit-slurm": ["--emit-slurm", str(tmp_path / "slurm")]}[mode]
    done = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), "--layers", "3",
                                     "--no-fine-tuned", "--preset", "toy", "--device", "cpu", *extra])
    assert (done.exit_code, done.output.splitlines()[-1]) == (2, REFUSAL), done.output
    assert not (tmp_path / "slurm").exists()

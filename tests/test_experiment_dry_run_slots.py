"""``experiment --dry-run`` says what the grid will do: it named every visible GPU ("one run each")
though the grid fills only as many slots as it has runs to train (:func:`minitransfer.grid_runner.slots_used`)."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment, grid_runner
from minitransfer.cli import main
from cli.test_gpu_choice import gpus_counted  # noqa: F401 (a fixture)

ARGUMENTS = ["--layers", "1", "--no-fine-tuned", "--dry-run"]


@pytest.mark.parametrize("visible, said", [
    ("0,1,2,3,4,5", "would run on GPU 0, GPU 1, GPU 2, GPU 3, one run each (4 runs to train: GPU 4, GPU 5 left idle)"),
    ("0,1,2,3", "would run on GPU 0, GPU 1, GPU 2, GPU 3, one run each"),
], ids=["more-gpus-than-runs", "as-many"])
def test_the_dry_run_names_the_gpus_the_grid_fills(gpus_counted, monkeypatch, micro_data,  # noqa: F811
                                                   tmp_path, visible, said):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", visible)
    runs = experiment.plan_grid(layers=(1,), fine_tuned=False)
    assert len(runs) == 4  # the plan of ARGUMENTS
    assert len(grid_runner.slots_used(visible.split(","), runs)) == 4  # what the grid itself fills
    done = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "g"), *ARGUMENTS])
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == said, done.output


def test_a_dry_run_with_every_run_finished_says_it_would_train_nothing():
    """It said "would run on GPU 0, ..." of a grid whose rerun starts no run."""
    from minitransfer.cli._experiment_dry_run import _would_run_on

    runs = experiment.plan_grid(layers=(1,), fine_tuned=False)
    assert _would_run_on(("0", "1"), ("0",), [], runs) == "would train nothing: all 4 runs are finished"
    assert _would_run_on((None,), (None,), runs[:1], runs) == "would run on the CPU, one at a time"

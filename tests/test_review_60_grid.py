"""Review of grid_cost.plan_cost (experiment --dry-run / --emit-slurm's cost lines): the runs it costs are those
the grid trains, as the dry run's summary counts them. Before, every run not finished was costed as a whole run:
a finished run whose result.json is lost (not trained: "3 to train") was costed beside them ("cost: 4 runs to
train"), and a run interrupted at iteration 400,000 of 450,000 as 450,000 iterations and two files to write.
Figures worked by hand from the measured H100 times (45.32 ms a CaffeNet iteration of batch 256 with every layer
learning, 18.53 ms with conv1..conv4 frozen) and CaffeNet's 60,965,224 parameters at 1000 outputs."""

import dataclasses

import pytest
from click.testing import CliRunner

from minitransfer import experiment, grid_cost, grid_status, models
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.experiment import run_dir, weights_path
from minitransfer.rundir import RESULT_FILE

HALF_PARAMETERS = 60_965_224 - (1000 - 2) * 4097  # fc8 of 2 outputs: 4096 weights + 1 bias an output
WEIGHTS_BYTES = 4 * HALF_PARAMETERS + 256 * 256 * 3 * 4  # a weights file: the weights (float32), the mean image
CHECKPOINT_BYTES = WEIGHTS_BYTES + 4 * HALF_PARAMETERS  # a checkpoint.h5: their momentum (float32) too


@pytest.fixture(scope="module")
def imagenet_sized(tmp_path_factory):
    """4 classes of 256 px images: the caffenet preset by default, 2 classes a half."""
    folder = tmp_path_factory.mktemp("review60") / "imagenet"
    synthetic.build_synthetic(folder, classes=4, train_per_class=2, val_per_class=1, size=256, seed=0)
    return folder


def _lose_result(out, run):
    """``run`` finished, its result.json damaged and its checkpoint gone: RESULT_LOST, which the grid never trains."""
    weights_path(out, run.name).parent.mkdir(parents=True, exist_ok=True)
    weights_path(out, run.name).write_bytes(b"weights")
    run_dir(out, run).mkdir(parents=True, exist_ok=True)
    (run_dir(out, run) / RESULT_FILE).write_text("{")


def test_the_dry_runs_cost_counts_the_runs_its_summary_counts_to_train(imagenet_sized, tmp_path):
    """baseA lost: "3 to train" and "cost: 3 runs to train": baseB (450,000 x 45.32 ms = 20,394 s), B4B, A4B
    (2 x 450,000 x 18.53 ms = 16,677 s): 37,071 s = 10 GPU-hours, 3 x a weights file and a checkpoint.h5."""
    out = tmp_path / "grid"
    runs = experiment.plan_grid(layers=(4,), fine_tuned=False)
    _lose_result(out, runs[0])
    result = CliRunner().invoke(main, ["experiment", "--data", str(imagenet_sized), "-o", str(out), "--device", "cpu",
                                       "--layers", "4", "--no-fine-tuned", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "0 finished, 3 to train, 1 finished whose result.json is lost" in result.output, result.output
    assert "cost: 3 runs to train (caffenet, batch 256): 1,350,000 iterations" in result.output, result.output
    assert "on one H100: about 10 GPU-hours" in result.output, result.output
    assert f"disk: about {3 * (WEIGHTS_BYTES + CHECKPOINT_BYTES) / 1e9:,.1f} GB in" in result.output, result.output
    assert (f"each run keeps its weights file, the weights and the mean image ({WEIGHTS_BYTES / 1e6:,.0f} MB a file), "
            f"and its run folder's checkpoint.h5, with their momentum too ({CHECKPOINT_BYTES / 1e6:,.0f} MB;"
            in " ".join(result.output.split())), result.output


@pytest.mark.parametrize("kind", [grid_status.BEING_TRAINED, grid_status.WRITE_AGAIN, grid_status.RESULT_LOST])
def test_a_run_the_grid_does_not_train_is_not_costed(imagenet_sized, tmp_path, monkeypatch, kind):
    runs = experiment.plan_grid(layers=(4,), fine_tuned=False)
    real = grid_status.run_status
    monkeypatch.setattr(grid_status, "run_status", lambda out, run, states=None:
                        grid_status.RunStatus(kind, iteration=450_000) if run == runs[1] else real(out, run, states))
    lines = grid_cost.plan_cost(runs, tmp_path / "grid", {"data": str(imagenet_sized), "seed": 0}, slots=(0,))
    assert lines[0] == "cost: 3 runs to train (caffenet, batch 256): 1,350,000 iterations", lines


def test_an_interrupted_run_is_costed_from_the_iteration_it_resumes_at(imagenet_sized, tmp_path, monkeypatch):
    """baseA resumes at 400,000: 50,000 x 45.32 ms = 2,266 s, baseB 20,394 s, B4B and A4B 16,677 s: 39,337 s
    = 11 GPU-hours (not the 16 of a whole baseA), 1,400,000 iterations; baseA's checkpoint already on disk: its
    weights file alone, beside 3 x a weights file and a checkpoint.h5.
    At best: baseB then B4B, 20,394 + 8,338.5 s = 8 hours."""
    runs = experiment.plan_grid(layers=(4,), fine_tuned=False)
    real = grid_status.run_status
    monkeypatch.setattr(grid_status, "run_status", lambda out, run, states=None:
                        grid_status.RunStatus(grid_status.RESUME, "resume at iteration 400000", 400_000)
                        if run == runs[0] else real(out, run, states))
    lines = grid_cost.plan_cost(runs, tmp_path / "grid", {"data": str(imagenet_sized), "seed": 0}, slots=(0,))
    text = "\n".join(lines)
    assert lines[0] == "cost: 4 runs to train (caffenet, batch 256): 1,400,000 iterations", lines
    assert "on one H100: about 11 GPU-hours" in text, text
    assert "at best 8 hours with a GPU for every run" in text, text
    assert f"disk: about {(4 * WEIGHTS_BYTES + 3 * CHECKPOINT_BYTES) / 1e9:,.1f} GB in" in text, text


def test_a_preset_replaced_under_its_name_is_counted_anew():
    """models.register replaces a preset of the same name: its parameters were those of the first one counted."""
    caffenet = models.PRESETS["caffenet"]
    assert grid_cost._parameters(caffenet, 2) == HALF_PARAMETERS
    smaller = dataclasses.replace(caffenet, builder=models.PRESETS["mini"].builder)
    assert grid_cost._parameters(smaller, 2) == smaller.build(2).parameter_count() < HALF_PARAMETERS

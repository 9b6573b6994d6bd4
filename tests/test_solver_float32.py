"""The solver's numbers against float32, in which every update computes, on every path to a run: the command
line refused a weight decay, momentum or gamma of 1e-320 (0 in float32) and a decay of 1e39 (inf there), while a
notebook's ``optim.Solver`` or ``TrainConfig`` and a run's recorded configuration read back on resume took them;
now both say it in the same words (``optim.number_fault``). A gamma that steps the rate out of float32's normal
numbers before the run ends (0.01 stepped by 1e-20 twice: 1e-42) trained its last stages with a rate that changes
no weight, without a word; it is refused naming --gamma and the iteration. Two readers of counts took what their
neighbours refuse or refused what they take: a reference table's n_test_points took the full-width digit "５",
and experiment --per-class refused "+5", which train --per-class takes."""

import json
import os

import click
import h5py
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config, hdf5_files, optim, paper_runs
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.cli._options import per_class_counts

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
FLOAT32_NOTHING = [("momentum", 1e-320), ("weight_decay", 1e-320), ("gamma", 1e-320), ("weight_decay", 1e-40),
                   ("gamma", 1e-40), ("weight_decay", 1e39), ("base_lr", 1e39)]
IDS = [f"{name}-{value!r}" for name, value in FLOAT32_NOTHING]


def _cli_said(option, typed):
    result = CliRunner().invoke(main, ["train", option, typed, "--device", "bogus"])
    assert result.exit_code == 2 and "bogus" not in result.output, result.output
    return result.output


@pytest.mark.parametrize("name, value", FLOAT32_NOTHING, ids=IDS)
def test_a_library_solver_refuses_what_float32_makes_nothing_in_the_command_line_s_words(name, value):
    with pytest.raises(ValueError) as refused:
        optim.Solver(**{name: value})
    said = str(refused.value)
    assert said.startswith(f"solver: `{name}` must be ") and f"got {value!r}" in said, said
    option = "--" + name.replace("_", "-")
    typed = repr(value)
    cli = _cli_said(option, typed)
    assert said.replace(f"`{name}`", option).replace(f"got {value!r}", f"got {typed!r}")[len("solver: "):] in \
        " ".join(cli.split()), cli  # one message for one mistake (the CLI's quotes the text typed)


@pytest.mark.parametrize("name, value", FLOAT32_NOTHING, ids=IDS)
def test_a_training_configuration_refuses_it_before_anything_is_written(micro_data, tmp_path, name, value):
    with pytest.raises(config.ConfigError, match=f"`{name}` must be "):
        training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **{**FAST, name: value}))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name, value", [("weight_decay", 1e-320), ("momentum", 1e-40)])
def test_a_recorded_configuration_of_such_a_value_is_refused_as_the_resumed_run_s_bad_data(micro_data, tmp_path,
                                                                                            name, value):
    """A run's checkpoint (and config.json, its copy) edited to record it: resumed, it trained on with a decay or
    momentum that float32 makes 0."""
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, **FAST), 2)
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    with h5py.File(checkpoint, "r+") as f:
        f.attrs["config"] = hdf5_files.text_attribute(json.dumps({**json.loads(f.attrs["config"]), name: value}))
    recorded = tmp_path / "net.run" / "config.json"
    recorded.write_text(json.dumps({**json.loads(recorded.read_text()), name: value}))
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run"), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert f"checkpoint {checkpoint}: the configuration it records" in result.output, result.output
    assert f"{name} must be 0 or >= 1.175e-38 (float32's smallest normal number" in result.output, result.output
    assert "Traceback" not in result.output


def test_zero_decay_and_momentum_and_float32_s_edges_are_still_taken():
    optim.Solver(momentum=0.0, weight_decay=0.0)
    optim.Solver(base_lr=optim.FLOAT32_TINY, momentum=optim.FLOAT32_TINY, weight_decay=optim.FLOAT32_TINY,
                 gamma=optim.FLOAT32_TINY, stepsize=10, max_iter=10)
    optim.Solver(weight_decay=optim.FLOAT32_MAX)


def test_a_gamma_stepping_the_rate_out_of_float32_is_refused_naming_the_iteration(micro_data, tmp_path):
    with pytest.raises(config.ConfigError) as refused:
        training.train(config.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data,
                                          **{**FAST, "max_iter": 8, "stepsize": 2, "gamma": 1e-20}))
    said = str(refused.value)
    assert "`gamma` 1e-20 steps the learning rate below 1.175e-38 (float32's smallest normal number" in said, said
    assert "from iteration 4 of 8 (step 2: `base_lr` 0.01 * 1e-20^2 = 1e-42)" in said, said
    assert os.listdir(tmp_path) == []


def test_the_command_line_refuses_it_exit_2_naming_gamma(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(tmp_path / "net.h5"), "--device",
                                       "cpu", "--quiet", "--max-iter", "8", "--stepsize", "2", "--gamma", "1e-20"])
    assert result.exit_code == 2, result.output
    assert "--gamma 1e-20 steps the learning rate below" in result.output, result.output
    assert "give a larger --gamma or --stepsize, or a smaller --max-iter" in result.output, result.output
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("fields", [{}, {"max_iter": 300, "stepsize": 67}, {"base_lr": 0.0125, "stepsize": 64_000,
                                                                              "max_iter": 200_000},
                                    {"base_lr": 1e-36, "gamma": 0.1, "stepsize": 10, "max_iter": 20}],
                         ids=["paper", "paper-scaled", "reduced-data", "last-step-at-the-edge"])
def test_a_schedule_within_float32_s_normal_numbers_is_taken(fields):
    solver = optim.run_solver(**fields)
    assert optim.learning_rate(solver, solver.max_iter - 1) >= optim.FLOAT32_TINY


def test_one_iteration_more_of_the_same_schedule_is_refused():
    with pytest.raises(ValueError, match=r"from iteration 20 of 21 \(step 2: `base_lr` 1e-36 \* 0.1\^2 = 1e-38\)"):
        optim.run_solver(base_lr=1e-36, gamma=0.1, stepsize=10, max_iter=21)


def test_a_solver_stepped_by_hand_keeps_its_unreached_max_iter():
    """Solver(stepsize=2) (the paper's 450,000 iterations, never reached by a caller stepping it) is no run."""
    assert optim.Solver(base_lr=0.01, stepsize=2).stepsize == 2


@pytest.mark.parametrize("count", ["\uff15", "\u0665"], ids=["full-width", "arabic-indic"])
def test_a_reference_count_of_evaluations_in_other_digits_is_refused(tmp_path, count):
    table = tmp_path / "reference.tsv"
    table.write_text(f"run\tmean_top10_val_top1\tn_test_points\tmax_iter\nhalf0A\t0.6151\t{count}\t450000\n",
                     encoding="utf-8")
    with pytest.raises(paper_runs.BadReference, match=f"n_test_points is {count!r}, expected a count"):
        paper_runs.read_reference(table)


@pytest.mark.parametrize("typed, counts", [("+5", (5,)), ("+5, 10", (5, 10)), (" 5 ,+10", (5, 10))])
def test_experiment_per_class_takes_a_signed_count_as_train_per_class_does(typed, counts):
    assert per_class_counts(None, None, typed) == counts
    result = CliRunner().invoke(main, ["train", "--per-class", typed.split(",")[0], "--device", "bogus"])
    assert "--per-class" not in result.output, result.output  # train's takes it too


@pytest.mark.parametrize("typed", ["\uff15", "1_0", "-1", "-0"])
def test_experiment_per_class_still_refuses_other_spellings_and_counts_below_1(typed):
    with pytest.raises(click.BadParameter, match="cannot read|must lie in 1"):
        per_class_counts(None, None, typed)

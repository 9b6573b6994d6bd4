"""The training seed of a copy (``train --copy-from BASE --n N`` without --seed): its new layers, data order,
crops and dropout must not be the base's own draws (the paper draws the upper layers anew). With the default
seed 0 of both, BnB's layers n+1..8 started from exactly the values baseB had started from. An explicit
--seed equal to the base's is kept and warned of; a resumed run keeps the seed it recorded, one trained before
this default (seed 0) too."""

import json

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config, transfer
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2, "device": "cpu", "quiet": True}
FAST_OPTIONS = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--checkpoint-every", "2", "--device",
                "cpu"]


@pytest.fixture(scope="module")
def drawn_base(micro_data, tmp_path_factory):
    """A base of half B trained with the default seed whose layers 1..7 stay frozen at their first draw
    (--random-frozen 7): its weights file holds, bitwise, the values every layer but fc8 started from."""
    out = tmp_path_factory.mktemp("base") / "baseB.h5"
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--half", "B", "--random-frozen", "7",
                                       "-o", str(out), *FAST_OPTIONS, "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def _h5_weights(path):
    """{layer: W} read with plain h5py, and the configuration the file records."""
    with h5py.File(path, "r") as f:
        return {name: f["weights"][name]["W"][...] for name in f["weights"]}, json.loads(f.attrs["config"])


def _selffer(micro_data, base, out, **fields):
    return training.TrainConfig(out=str(out), data=micro_data, copy_from=str(base), n=1, frozen=True,
                                **{**FAST, **fields})


def test_a_copy_with_the_default_seed_draws_its_new_layers_anew(micro_data, drawn_base, tmp_path):
    """B1B's layers 2..7 at iteration 0 (the run's network as it is built) against the values baseB's started
    from, read off its file: none is the same; its copied layer is the base's."""
    base, recorded = _h5_weights(drawn_base)
    assert recorded["seed"] == 0
    plan = config.resolve(_selffer(micro_data, drawn_base, tmp_path / "B1B.h5"))
    net = transfer.build_net(plan)
    assert plan.config.seed != recorded["seed"]
    names = net.weight_layer_names
    assert np.array_equal(net.layer(names[0]).weight.data, base[names[0]])
    for name in names[1:7]:
        assert not np.array_equal(net.layer(name).weight.data, base[name]), name


def test_the_seed_used_is_recorded_and_the_base_not_warned_of(micro_data, drawn_base, tmp_path):
    """The command line's B1B records the seed it trained with in config.json, its weights' configuration and
    their solver state, the same, not the base's; and says nothing of the base's seed."""
    out = tmp_path / "B1B.h5"
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(drawn_base), "--n", "1",
                                       "--frozen", "-o", str(out), *FAST_OPTIONS])
    assert result.exit_code == 0, result.output
    assert "trained with" not in result.output
    weights, recorded = _h5_weights(out)
    with h5py.File(out.with_suffix(".run") / "checkpoint.h5", "r") as f:
        solver_seed = int(f["solver"].attrs["seed"])
    in_folder = json.loads((out.with_suffix(".run") / "config.json").read_text())["seed"]
    assert recorded["seed"] == solver_seed == in_folder != _h5_weights(drawn_base)[1]["seed"]


def test_an_explicit_seed_of_the_base_is_kept_and_warned_of_once(micro_data, drawn_base, tmp_path):
    """--seed 0, the base's own: kept (its layers 2..7 are the base's first draw, as asked) and warned of once,
    naming the base and the seed."""
    out = tmp_path / "B1B.h5"
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(drawn_base), "--n", "1",
                                       "--frozen", "-o", str(out), "--seed", "0", *FAST_OPTIONS])
    assert result.exit_code == 0, result.output
    warning = f"warning: --seed 0 is the seed {drawn_base} was trained with: the new layers"
    assert result.output.count(warning) == 1 and "give another --seed" in result.output
    assert _h5_weights(out)[1]["seed"] == 0
    other = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(drawn_base), "--n", "1",
                                      "--frozen", "-o", str(tmp_path / "seed5.h5"), "--seed", "5", *FAST_OPTIONS])
    assert other.exit_code == 0 and "trained with" not in other.output
    assert _h5_weights(tmp_path / "seed5.h5")[1]["seed"] == 5


def _same_weights(a, b):
    first, second = _h5_weights(a)[0], _h5_weights(b)[0]
    return first.keys() == second.keys() and all(np.array_equal(first[name], second[name]) for name in first)


@pytest.mark.parametrize("how", ["auto", "run-folder"])
def test_a_resumed_copy_keeps_its_derived_seed(micro_data, drawn_base, tmp_path, how):
    """Interrupted after iteration 2 and resumed (the same command with --resume auto, or --resume naming its
    run folder): the seed it recorded is kept, and its weights are those of the run never interrupted."""
    straight = training.train(_selffer(micro_data, drawn_base, tmp_path / "straight" / "B1B.h5"))
    out = tmp_path / "B1B.h5"
    interrupted_after(_selffer(micro_data, drawn_base, out), 2)
    started = _h5_weights(out.with_suffix(".run") / "checkpoint.h5")[1]["seed"]
    command = ["train", "--resume", str(out.with_suffix(".run")), "--quiet"] if how == "run-folder" else [
        "train", "--data", micro_data, "--copy-from", str(drawn_base), "--n", "1", "--frozen", "-o", str(out),
        *FAST_OPTIONS, "--resume", "auto", "--quiet"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert _h5_weights(out)[1]["seed"] == started == _h5_weights(straight.out)[1]["seed"] != 0
    assert _same_weights(out, straight.out)


@pytest.mark.parametrize("finished", [False, True], ids=["in-progress", "finished"])
def test_a_run_of_seed_0_before_the_derived_default_goes_on_unchanged(micro_data, drawn_base, tmp_path, finished):
    """A copy trained by version 0.4.0, whose default seed was 0 (recorded so): the same command rerun is
    told to continue it (not that it holds another network), and with --resume auto it goes on (or, finished,
    is reported) with seed 0, its weights those of a run of seed 0 never interrupted."""
    straight = training.train(_selffer(micro_data, drawn_base, tmp_path / "straight" / "B1B.h5", seed=0))
    out = tmp_path / "B1B.h5"
    if finished:
        training.train(_selffer(micro_data, drawn_base, out, seed=0))
    else:
        interrupted_after(_selffer(micro_data, drawn_base, out, seed=0), 2)
    command = ["train", "--data", micro_data, "--copy-from", str(drawn_base), "--n", "1", "--frozen", "-o", str(out),
               *FAST_OPTIONS]
    rerun = CliRunner().invoke(main, command)
    assert rerun.exit_code == 2 and "exists; continue its run (--resume auto" in rerun.output, rerun.output
    assert "another network" not in rerun.output
    resumed = CliRunner().invoke(main, [*command, "--resume", "auto"])
    assert resumed.exit_code == 0, resumed.output
    assert "trained with" not in resumed.output
    assert _h5_weights(out)[1]["seed"] == 0
    assert _same_weights(out, straight.out)


def test_a_finished_copy_rerun_is_told_to_continue_not_refused_for_its_seed(micro_data, drawn_base, tmp_path):
    """The plain command rerun on the copy it finished: its derived seed is the one recorded, so the rerun is
    told to continue (--resume auto), which reports it, not that it holds another network."""
    out = tmp_path / "B1B.h5"
    command = ["train", "--data", micro_data, "--copy-from", str(drawn_base), "--n", "1", "--frozen", "-o", str(out),
               *FAST_OPTIONS]
    assert CliRunner().invoke(main, command).exit_code == 0
    recorded = _h5_weights(out)[1]["seed"]
    rerun = CliRunner().invoke(main, command)
    assert rerun.exit_code == 2 and "exists; continue its run (--resume auto" in rerun.output, rerun.output
    again = CliRunner().invoke(main, [*command, "--resume", "auto"])
    assert again.exit_code == 0, again.output
    assert _h5_weights(out)[1]["seed"] == recorded != 0

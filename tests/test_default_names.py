"""The weights file ``train`` names without ``-o``: the paper's name, and what else tells the network apart."""

import os
import types

import pytest
from in_folder import invoke

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training
from minitransfer.config import TrainConfig, default_out

FAST = ["--batch-size", "8", "--max-iter", "4", "--eval-every", "2", "--quiet", "--device", "cpu"]


def _train(folder, *args):
    """``minitransfer train ARGS`` run in ``folder``, without -o."""
    return invoke(["train", *args, *FAST], folder)


def _trained(folder, data, *args):
    result = _train(folder, "--data", data, *args)
    assert result.exit_code == 0, result.output
    return result


def _base(half):
    return types.SimpleNamespace(meta={"split_half": half})


@pytest.mark.parametrize("fields, parent, name", [
    ({"split": "random", "half": "A", "split_seed": 0}, None, "baseA.h5"),
    ({"split": "random", "half": "B", "split_seed": 0, "copy_from": "b", "n": 4, "frozen": True}, _base("A"),
     "A4B.h5"),
    ({"split": "random", "half": "B", "split_seed": 0, "copy_from": "b", "n": 4}, _base("A"), "A4B+.h5"),
    ({"split": "random", "half": "B", "split_seed": 0, "random_frozen": 2}, None, "random2B.h5"),
    ({"split": "natural", "half": "A", "split_seed": 0}, None, "natural-baseA.h5"),
    ({"split": "natural", "half": "B", "split_seed": 1, "copy_from": "b", "n": 3}, _base("A"), "natural-A3B+.h5"),
    ({"split": "all", "split_seed": 0}, None, "all-baseall.h5"),
    ({"split": "random", "half": "A", "split_seed": 0, "seed": 7}, None, "baseA.h5"),
    ({"split": "random", "half": "A", "split_seed": 1}, None, "baseA-split-seed1.h5"),
    ({"split": "random", "half": "B", "split_seed": 1, "copy_from": "b", "n": 4, "frozen": True}, _base("A"),
     "A4B-split-seed1.h5"),
    ({"split": "all", "split_seed": 0, "per_class": 10}, None, "all-baseall-per-class10.h5"),
    ({"split": "random", "half": "A", "split_seed": 2, "per_class": 5}, None, "baseA-split-seed2-per-class5.h5"),
], ids=["base", "frozen", "fine-tuned", "random-frozen", "natural", "natural-from-a-seed-1-base", "all",
        "training-seed-not-named", "split-seed", "transfer-split-seed", "reduced", "both"])
def test_default_names_are_the_papers_with_what_else_sets_the_data(fields, parent, name):
    """A transfer across splits of a seed-1 base inherits its seed (the natural split has none to name)."""
    assert default_out(TrainConfig(**fields), parent) == name


def test_a_reduced_data_run_is_not_named_as_the_full_data_base(micro_data, tmp_path):
    """train --split all --per-class N was named all-baseall.h5, as the full-data base: refused where
    that existed (exit 2), and --resume auto, which the refusal suggested, refused too."""
    _trained(tmp_path, micro_data, "--split", "all")
    _trained(tmp_path, micro_data, "--split", "all", "--per-class", "4")
    full, reduced = (checkpoints.load(tmp_path / name, solver=False) for name in
                     ("all-baseall.h5", "all-baseall-per-class4.h5"))
    assert full.meta["config"]["per_class"] is None and reduced.meta["config"]["per_class"] == 4


def test_a_base_and_its_transfer_on_another_random_split_are_not_named_as_seed_0s(micro_data, tmp_path):
    """--split-seed 1 --half A was named baseA.h5, as the seed-0 base, and a transfer from it as the
    transfer from that base: the second of each was refused."""
    _trained(tmp_path, micro_data, "--split", "random", "--half", "A")
    _trained(tmp_path, micro_data, "--copy-from", "baseA.h5", "--n", "2", "--frozen")
    _trained(tmp_path, micro_data, "--split", "random", "--split-seed", "1", "--half", "A")
    _trained(tmp_path, micro_data, "--copy-from", "baseA-split-seed1.h5", "--n", "2", "--frozen")
    for name, seed in (("baseA.h5", 0), ("A2B.h5", 0), ("baseA-split-seed1.h5", 1), ("A2B-split-seed1.h5", 1)):
        assert checkpoints.load(tmp_path / name, solver=False).meta["split_seed"] == seed, name


@pytest.mark.parametrize("started", [True, False], ids=["finished", "checkpoint-deleted"])
def test_a_default_name_another_network_holds_is_refused_naming_it_and_asking_for_out(micro_data, tmp_path,
                                                                                       started):
    """The refusal said "continue its run (--resume auto)", which refuses another configuration; a
    replicate of another --seed is named by -o (the default name does not hold the training seed)."""
    _trained(tmp_path, micro_data, "--half", "A")
    if not started:
        os.remove(tmp_path / "baseA.run" / "checkpoint.h5")
    result = _train(tmp_path, "--data", micro_data, "--half", "A", "--seed", "1")
    assert result.exit_code == 2, result.output
    assert result.output == ("error: baseA.h5 holds another network than this run trains (--seed 0 -> 1): to train "
                             "this run, give it another --out, or replace that one (--overwrite)\n")


def test_the_same_network_again_is_still_told_to_resume(micro_data, tmp_path):
    _trained(tmp_path, micro_data, "--half", "A")
    result = _train(tmp_path, "--data", micro_data, "--half", "A", "--precision", "tf32")
    assert result.exit_code == 2, result.output
    assert "baseA.h5 exists; continue its run (--resume auto" in result.output


def test_a_reduced_run_named_as_another_network_of_the_paper_is_warned_about(micro_data, tmp_path, capsys):
    """The warning compares -o with the network's default name, which now may carry a per-class count."""
    training.train(TrainConfig(out=str(tmp_path / "A4B.h5"), data=micro_data, half="A", per_class=4, batch_size=8,
                               max_iter=4, eval_every=2, device="cpu"))
    warned = [line for line in capsys.readouterr().err.splitlines() if "the paper's name" in line]
    assert len(warned) == 1 and "another network than this run trains (baseA); report lists it as A4B" in warned[0]

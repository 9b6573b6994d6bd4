"""Layers copied from a network that is none of the paper's bases: a random-weights control (its
first layers never trained), a checkpoint before the end of its run, a network that itself copied
frozen layers from another. ``info`` says what the copied layers are, ``train`` warns, and the report
leaves such a run out rather than pool it with the transfers of trained bases; a record written
before train kept the base's own is read as it was."""

import json

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import checkpoint as checkpoints
from minitransfer import config, preflight, results, treatments
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """Datasets X (6 classes) and Y (4), and the would-be bases: a base on X, a random-weights control
    on X (3 random frozen layers), a checkpoint of X at iteration 2 of 3000, a transfer onto Y of the
    base's first 4 layers, frozen."""
    root = tmp_path_factory.mktemp("provenance")
    found = {"root": root}
    for name, classes, seed in (("X", 6, 1), ("Y", 4, 2)):
        found[name] = str(root / name)
        synthetic.build_synthetic(found[name], classes=classes, train_per_class=4, val_per_class=2, size=14, seed=seed)
    found["base"], found["random"], found["copy"] = root / "bX.h5", root / "r3.h5", root / "t4.h5"
    training.train(config.TrainConfig(out=str(found["base"]), data=found["X"], split="all", seed=1, **FAST))
    training.train(config.TrainConfig(out=str(found["random"]), data=found["X"], split="all", random_frozen=3, seed=1,
                                      **FAST))
    interrupted_after(config.TrainConfig(out=str(root / "mid.h5"), data=found["X"], split="all", seed=1,
                                         **{**FAST, "max_iter": 3000}), 2)
    found["mid"] = root / "mid.run" / "checkpoint.h5"
    training.train(config.TrainConfig(out=str(found["copy"]), data=found["Y"], copy_from=str(found["base"]), n=4,
                                      frozen=True, seed=2, **FAST))
    return found


def _copy(bases, tmp_path, base, n):
    """A frozen copy of the first ``n`` layers of ``base`` onto every class of X, trained in
    tmp_path/runs: its weights file."""
    out = tmp_path / "runs" / "copy.h5"
    training.train(config.TrainConfig(out=str(out), data=bases["X"], copy_from=str(base), n=n, frozen=True, seed=3,
                                      **FAST))
    return out


def _info(path):
    shown = CliRunner().invoke(main, ["info", str(path)])
    assert shown.exit_code == 0, shown.output
    return shown.output


def _left_out(runs):
    collected, _, left_out = results.collect(runs)
    assert [result.run.name for result in collected] == []
    return left_out


def test_a_copy_of_a_random_weights_control_says_its_layers_never_trained_and_is_left_out(bases, tmp_path):
    """info said "copied layers 1..5 from sha256 ..." as of any base, and the report read the run as BnB."""
    out = _copy(bases, tmp_path, bases["random"], 5)
    assert ("\nlayers 1..3 of the base were random and frozen (a random-weights control): copied layers 1..3 were "
            "never trained\n") in _info(out)
    random_start = checkpoints.load(bases["random"])  # the control's first layers are still its initial weights
    assert all(random_start.frozen[name] for name in ("conv1", "conv2", "conv3"))
    [why] = _left_out(tmp_path / "runs")
    assert why.startswith(f"copy: its layers come from {bases['random']}, a random-weights control (its layers 1..3 "
                          f"random and frozen, never trained): none of the paper's treatments")


def test_a_copy_of_a_checkpoint_before_the_end_of_its_run_says_so_and_is_left_out(bases, tmp_path):
    out = _copy(bases, tmp_path, bases["mid"], 3)
    stopped = checkpoints.load(bases["mid"])
    assert (stopped.iteration, stopped.meta["config"]["max_iter"]) == (2, 3000)
    assert "\nthe base had trained 2 of 3000 iterations (a checkpoint before the end of its run)\n" in _info(out)
    [why] = _left_out(tmp_path / "runs")
    assert f"copy: its layers come from {bases['mid']}, a checkpoint at iteration 2 of the 3000 of its run" in why


def test_a_copy_of_a_base_s_frozen_copies_names_where_they_were_trained(bases, tmp_path):
    """t4 (trained on Y) kept bX's first 4 layers frozen: copied from t4, they are bX's, trained on X;
    info said "trained on another dataset: Y"."""
    out = _copy(bases, tmp_path, bases["copy"], 2)
    base, moved = checkpoints.load(bases["base"]), checkpoints.load(out)
    for name in ("conv1", "conv2"):  # the weights themselves: bX's
        assert all(np.array_equal(a, b) for a, b in zip(base.weights[name], moved.weights[name])), name
    shown = _info(out)
    assert "trained on another dataset" not in shown and bases["Y"] not in shown.replace(str(bases["copy"]), "")
    assert f"\nthe base's layers 1..4 were copied frozen from {bases['base']}, trained on {bases['X']}\n" in shown
    [why] = _left_out(tmp_path / "runs")
    assert f"copy: its layers come from {bases['copy']}, a copy (its layers 1..4 copied from {bases['base']})" in why


def test_train_warns_of_a_base_that_is_none_of_the_papers(bases):
    def warned(base):
        plan = config.resolve(config.TrainConfig(data=bases["X"], copy_from=str(base), n=3, frozen=True, **FAST))
        return [warning for warning in preflight.warnings_for(plan) if "none of the paper's" in warning]

    assert warned(bases["base"]) == []
    assert len(warned(bases["random"])) == 1 and "a random-weights control" in warned(bases["random"])[0]
    assert len(warned(bases["mid"])) == 1 and "iteration 2 of the 3000" in warned(bases["mid"])[0]
    assert len(warned(bases["copy"])) == 1 and f"copied from {bases['base']}" in warned(bases["copy"])[0]


def test_train_warns_of_a_checkpoint_whose_run_went_on_to_diverge(bases, tmp_path):
    """A run's checkpoint.h5 kept from before its training diverged: the warning said only "not
    trained to its end", as if its run might yet finish (info says it diverged)."""
    x = bases["X"]
    with pytest.raises(training.Diverged) as ended:
        training.train(config.TrainConfig(out=str(tmp_path / "div.h5"), data=x, split="all", base_lr=50.0,
                                          checkpoint_every=1, **{**FAST, "max_iter": 20}))
    saved = checkpoints.load(tmp_path / "div.run" / "checkpoint.h5")
    plan = config.resolve(config.TrainConfig(data=x, copy_from=str(tmp_path / "div.run" / "checkpoint.h5"), n=3,
                                             **FAST))
    [warning] = [warning for warning in preflight.warnings_for(plan) if "none of the paper's" in warning]
    cause = str(ended.value).split(";")[0]
    assert f"a checkpoint at iteration {saved.iteration} of the 20 of its run (not trained to its end): " in warning
    assert warning.endswith(f"; the run of {plan.named.copy_from} went on to diverge ({cause})"), warning


def test_a_transfer_across_datasets_sharing_classes_with_its_base_is_warned_of(bases):
    """As an ImageNet base onto Tiny ImageNet (200 of ImageNet's classes): the layers have seen them."""
    wnids = {name: {c["wnid"] for c in datasets.open_dataset(bases[name]).classes} for name in ("X", "Y")}
    shared = len(wnids["X"] & wnids["Y"])
    assert shared > 0
    plan = config.resolve(config.TrainConfig(data=bases["Y"], copy_from=str(bases["base"]), n=3, frozen=True, **FAST))
    assert plan.cross_dataset
    found = [warning for warning in preflight.warnings_for(plan) if "have seen those classes" in warning]
    assert len(found) == 1
    assert found[0].startswith(f"{shared} of the {len(wnids['Y'])} classes this run trains on (by wnid: "), found[0]
    first = next(c["wnid"] for c in datasets.open_dataset(bases["Y"]).classes if c["wnid"] in wnids["X"])
    assert f"(by wnid: {first!r}" in found[0], found[0]  # the classes named, the first of the target's order
    assert f") are among the {len(wnids['X'])} that {bases['base']} was trained on" in found[0], found[0]


def test_a_record_without_the_bases_own_is_read_as_before(bases, tmp_path):
    """A run trained before train recorded what its base was: unknown, not refused (read as the
    copy from every class onto every class of X that it is: BnB)."""
    out = _copy(bases, tmp_path, bases["random"], 5)
    folder = tmp_path / "runs" / "copy.run"
    for path in (out, folder / "checkpoint.h5"):
        with h5py.File(path, "r+") as f:
            source = json.loads(f.attrs["source"])
            del source["base"]
            f.attrs["source"] = json.dumps(source)
    run = treatments.treatment(folder, "copy", json.loads((folder / "config.json").read_text()), {})
    assert (run.kind, run.split, run.n, run.fine_tuned) == ("selffer", "all", 5, False)
    assert "random and frozen" not in _info(out)

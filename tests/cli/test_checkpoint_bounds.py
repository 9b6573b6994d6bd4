"""A checkpoint recording a class index, iteration count or run length no run could have (a file edited
by hand or damaged) is refused as bad data (65) naming the checkpoint and the field, by info, eval and
train --resume alike: info showed a class index of 10**30 and called a run of max_iter 10**100
resumable, which train --resume then refused."""

import json

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import config, hdf5_files
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.ops.precision import PRECISIONS

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}
BEYOND = 2**31  # the first count past the options' range (2**31 - 1, --max-iter's and every count's)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bounds")
    synthetic.build_synthetic(folder / "data", **TINY)
    training.train(config.TrainConfig(out=str(folder / "net.h5"), data=str(folder / "data"), split="all",
                                      checkpoint_every=2, **FAST))
    return folder


def _edit_json(name, change):
    """An edit of the JSON attribute ``name``: ``change(value)`` returns the value written."""
    def edit(f):
        f.attrs[name] = hdf5_files.text_attribute(json.dumps(change(json.loads(f.attrs[name]))))
    return edit


def _set_iteration(f):
    """An iteration past any run's end, in a checkpoint that records no max_iter to compare it with."""
    _edit_json("config", lambda recorded: {**recorded, "max_iter": None})(f)
    f.attrs["iteration"] = BEYOND
    if "solver" in f:  # a checkpoint's; a finished run's weights file holds none (0.11)
        f["solver"].attrs["iteration"] = BEYOND


def _first_class(index):
    return _edit_json("classes", lambda classes: [{**classes[0], "index": index}, *classes[1:]])


EDITS = {
    "class-index-huge": (_first_class(10**30), "attribute classes entry 0 index must be "),
    "class-index-past-2-31": (_first_class(2**31), "attribute classes entry 0 index must be "),
    "class-index-negative": (_first_class(-1), "attribute classes entry 0 index must be "),
    "max-iter-huge": (_edit_json("config", lambda recorded: {**recorded, "max_iter": 10**100}),
                      "attribute config field max_iter must be int 1..2147483647"),
    "batch-past-count": (_edit_json("config", lambda recorded: {**recorded, "batch_size": BEYOND}),
                         "attribute config field batch_size must be int 1..2147483647"),
    "seed-past-seeds": (_edit_json("config", lambda recorded: {**recorded, "seed": 2**32}),
                        "attribute config field seed must be int 0..4294967295"),
    "iteration-past-count": (_set_iteration, f"attribute iteration is {BEYOND}, past the end of any run"),
    "precision-change-past-count": (
        _edit_json("precision_changes",
                   lambda changes: [{"iteration": BEYOND, "from": PRECISIONS[0], "to": PRECISIONS[1]}]),
        "attribute precision_changes entry 0 must be "),
}


@pytest.mark.parametrize("edit", EDITS)
def test_info_and_eval_refuse_a_checkpoint_recording_a_count_out_of_range(trained, tmp_path, edit, monkeypatch):
    change, fault = EDITS[edit]
    monkeypatch.chdir(tmp_path)  # the commands name files relative to it
    weights = tmp_path / "net.h5"
    weights.write_bytes((trained / "net.h5").read_bytes())
    with h5py.File(weights, "r+") as f:
        change(f)
    for command in (["info", "net.h5"], ["info", "net.h5", "--json"], ["eval", "net.h5", "--data",
                                                                           str(trained / "data"), "--device", "cpu"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 65, (command, result.output)
        assert result.output.startswith(f"error: bad data: checkpoint net.h5: {fault}"), (command, result.output)


def test_a_run_recording_max_iter_past_the_options_range_is_not_called_resumable(trained, tmp_path, monkeypatch):
    """info called the run resumable; train --resume refused it as damaged: now both refuse the checkpoint."""
    monkeypatch.chdir(tmp_path)  # the commands name files relative to it
    run = tmp_path / "net.run"
    run.mkdir()
    for path in (trained / "net.run").iterdir():
        if path.is_file():
            (run / path.name).write_bytes(path.read_bytes())
    with h5py.File(run / "checkpoint.h5", "r+") as f:
        EDITS["max-iter-huge"][0](f)
    for command in (["info", "net.run"], ["train", "--resume", "net.run"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 65, (command, result.output)
        assert "resumable" not in result.output and "attribute config field max_iter must be int 1..2147483647" \
            in result.output and "checkpoint.h5" in result.output, (command, result.output)

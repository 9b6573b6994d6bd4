"""eval opens and checks only the shards it scores: a training shard cut short or deleted failed an
evaluation of the val images (exit 65) that never reads it, while one with a flipped byte passed; a
damaged val shard is still refused by name, and train's checks of every shard are as they were."""

import json
import pathlib
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config, evaluate
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network on every class of micro_data)


def _damage(path, how):
    """Damage the file ``path``: cut to half its size, deleted, or a byte in its middle flipped."""
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(data[:len(data) // 2])
    elif how == "deleted":
        path.unlink()
    else:
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))


def _copy_with_damaged(micro_data, tmp_path, subset, how):
    """A copy of micro_data whose last shard of ``subset`` is damaged ``how``; the copy and that shard."""
    folder = tmp_path / "data"
    shutil.copytree(micro_data, folder)
    shard = folder / json.loads((folder / "meta.json").read_text())["subsets"][subset]["shards"][-1]["file"]
    _damage(shard, how)
    return folder, shard


def _scores(result):
    """The accuracy words of eval's line ("top-1 ... loss ...")."""
    line = result.output.strip().splitlines()[-1]
    return line[line.index("top-1"):]


@pytest.mark.parametrize("how", ["truncated", "deleted", pytest.param("flipped", id="flipped-control")])
def test_a_damaged_training_shard_fails_no_evaluation_of_the_val_images(base, micro_data, tmp_path, how):
    """Regression tests of a training shard cut short or deleted; a flipped byte is a control (it passed
    before the fix too: a shard's checksum is checked only as the subset is read)."""
    folder, _ = _copy_with_damaged(micro_data, tmp_path, "train", how)
    intact = CliRunner().invoke(main, ["eval", str(base), "--data", micro_data, "--device", "cpu"])
    damaged = CliRunner().invoke(main, ["eval", str(base), "--data", str(folder), "--device", "cpu"])
    assert intact.exit_code == 0, intact.output
    assert damaged.exit_code == 0, damaged.output
    assert _scores(damaged) == _scores(intact)


@pytest.mark.parametrize("how", ["truncated", "deleted", "flipped"])
def test_a_damaged_val_shard_is_refused_by_name(base, micro_data, tmp_path, how):
    folder, shard = _copy_with_damaged(micro_data, tmp_path, "val", how)
    result = CliRunner().invoke(main, ["eval", str(base), "--data", str(folder), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert str(shard.name) in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("how", ["truncated", "deleted"])
def test_opening_every_subset_still_checks_every_shard(micro_data, tmp_path, how):
    """As train opens its dataset; and eval's open of the val subset alone reads no training shard."""
    folder, shard = _copy_with_damaged(micro_data, tmp_path, "train", how)
    with pytest.raises(datasets.DatasetError, match=str(pathlib.Path(shard))):
        datasets.open_dataset(folder)
    opened = datasets.open_dataset(folder, subsets=("val",))
    assert len(opened.labels("val")) == opened.num_images("val")


@pytest.mark.parametrize("ask", ["num_images", "shards", "labels", "check_checksums", "checked_files", "verify",
                                 "check_every_file"])
def test_a_dataset_opened_for_val_refuses_what_is_asked_of_train(micro_data, ask):
    """A notebook's verify() or labels("train") of a dataset opened for val alone passed, or said none:
    refused, naming the subset and what it was opened for."""
    opened = datasets.open_dataset(micro_data, subsets=("val",))
    calls = {"verify": opened.verify, "check_every_file": opened.check_checksums}
    call = calls.get(ask) or (lambda: getattr(opened, ask)("train"))
    said = "checks every subset" if ask in calls else "asked about its train subset"
    with pytest.raises(config.ConfigError, match=f"{said}, but it was opened for val only"):  # a usage fault, exit 2
        call()


@pytest.mark.parametrize("subsets, said", [
    (("test",), r"`subsets` must be some of \('train', 'val'\), got \('test',\)"),
    ((), r"`subsets` must be some of .*, got \(\)"),
    (5, r"`subsets` must be some of .*, got 5$"),
    ([["val"]], r"`subsets` must be some of .*, got \[\['val'\]\]"),
    ("val", r"`subsets` must be a tuple, e.g. \('val',\), got the str 'val'"),
], ids=["unknown", "none", "an-int", "unhashable", "a-str"])
def test_open_dataset_checks_its_subsets_before_reading_a_file(tmp_path, subsets, said):
    """A bad ``subsets`` is named as such (a ConfigError, the ValueError its docstring promises), not hidden
    behind 'meta.json missing', nor a TypeError (an int), nor read letter by letter (a str)."""
    with pytest.raises(config.ConfigError, match=said):
        datasets.open_dataset(tmp_path, subsets=subsets)


def test_open_dataset_opens_a_subset_named_twice_once(micro_data):
    assert datasets.open_dataset(micro_data, subsets=("val", "val")).subsets == ("val",)
    assert datasets.open_dataset(micro_data, subsets=["val", "train", "val"]).subsets == ("val", "train")


@pytest.mark.parametrize("path", [None, 5], ids=["none", "an-int"])
def test_open_dataset_names_a_path_that_is_no_path(path):
    with pytest.raises(config.ConfigError, match=f"^open_dataset: `path` must be a dataset folder .*, got {path}$"):
        datasets.open_dataset(path)


def test_eval_refuses_a_dataset_opened_without_the_subset_it_scores(base, micro_data):
    """It said the train images of the dataset held none of the network's classes: they were not opened."""
    opened = datasets.open_dataset(micro_data, subsets=("val",))
    with pytest.raises(config.ConfigError, match=f"^`data` {opened.path} was opened for its val images alone, not "
                                                 f"the train images `subset` scores"):
        evaluate.evaluate_checkpoint(str(base), data=opened, subset="train", device="cpu")
    scored = evaluate.evaluate_checkpoint(str(base), data=opened, subset="val", device="cpu")
    assert scored == evaluate.evaluate_checkpoint(str(base), data=micro_data, subset="val", device="cpu")

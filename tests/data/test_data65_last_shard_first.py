"""A prepare rerun while a training reads the dataset checks it under the shared lock; a damaged last shard was
found only after every shard before it was hashed (ImageNet's: minutes), and the refusal naming the readers came
then. Now each shard's file and attributes are looked at first: a shard truncated, gone or of another plan is found
before any is hashed. An intact dataset is still checked in full (already prepared)."""

import pytest
from click.testing import CliRunner

from counting import calls_of
from minitransfer import fileio
from minitransfer.cli import main
from minitransfer.data import shard_builder, synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
OPTIONS = ["--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed", "1", "--size", "14",
           "--shard-size", "8"]


@pytest.fixture
def data(tmp_path):
    """4 training shards, then val-00000.h5, the last."""
    return synthetic.build_synthetic(tmp_path / "data", **TINY, shard_length=8).path


def _prepare(data):
    return CliRunner().invoke(main, ["prepare", "synthetic", str(data), *OPTIONS])


def _truncated(path):
    path.write_bytes(path.read_bytes()[:-500])


@pytest.mark.parametrize("change", [_truncated, lambda path: path.unlink()], ids=["truncated", "gone"])
def test_a_damaged_last_shard_is_refused_before_any_shard_is_hashed(data, held_shared, calls_by_file, tree_state,
                                                                    change):
    change(data / "val-00000.h5")
    before = tree_state(data)
    hashed = calls_by_file(fileio, "sha256_file")
    with held_shared(data) as reader:
        result = _prepare(data)
    assert result.exit_code == 2, result.output
    assert f"is being read by another minitransfer process (a training, an evaluation or a verify) (PID {reader.pid})" \
        in result.output
    assert not [name for name in hashed if name.startswith(("train-", "val-"))], hashed
    assert tree_state(data) == before


def test_an_intact_dataset_is_still_checked_in_full_while_read(data, held_shared, calls_by_file, tree_state):
    before = tree_state(data)
    hashed = calls_by_file(fileio, "sha256_file")
    with held_shared(data):
        result = _prepare(data)
    assert result.exit_code == 0, result.output
    assert "already prepared, nothing written" in result.output
    assert sorted(name for name in hashed if name.endswith(".h5") and name != "mean.h5") == [
        "train-00000.h5", "train-00001.h5", "train-00002.h5", "train-00003.h5", "val-00000.h5"]
    assert tree_state(data) == before


def test_each_shard_is_planned_once_by_a_check(data, held_shared, monkeypatch):
    """The look at every shard's header made each shard's plan (every item digested, an image's pixels hashed),
    then the full check made it again."""
    planned = calls_of(monkeypatch, shard_builder, "_shard_plan")
    with held_shared(data):
        result = _prepare(data)
    assert result.exit_code == 0 and "already prepared, nothing written" in result.output, result.output
    assert len(planned) == 5, len(planned)

"""Verification holds the dataset folder's lock as a reader: ``Dataset.verify`` (the library) and ``prepare ...
--verify`` as ``prepare verify`` does, so a prepare rewriting the files is named, not called damage, and a prepare
started while they hash is refused naming the verify."""

import os
import shutil

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, lock, synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
PREPARE = ["prepare", "synthetic", "--classes", "4", "--train-per-class", "8", "--val-per-class", "2", "--seed", "1",
           "--size", "14"]


def _prepare_meanwhile(monkeypatch, data):
    """Make the first file hashed start a ``prepare --overwrite`` of ``data`` (another size); returns the list that
    then holds what that prepare raised (None where it went ahead)."""
    real_check = dataset.check_files
    refused = []

    def check_files(*args, **kwargs):
        if not refused:
            refused.append(None)
            try:
                synthetic.build_synthetic(data, **{**TINY, "size": 16}, overwrite=True)
            except lock.DatasetBusy as busy:
                refused[0] = busy
        return real_check(*args, **kwargs)

    monkeypatch.setattr(dataset, "check_files", check_files)
    return refused


def test_the_library_verify_under_a_prepare_names_it_not_damage(micro_data, tmp_path):
    """Dataset.verify hashed a shard a prepare --overwrite had rewritten and raised DatasetError (damage)."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    opened = dataset.open_dataset(data)
    shard = data / opened.shards("train")[0]["file"]
    with lock.writing(data):  # what a running prepare --overwrite holds
        shard.write_bytes(shard.read_bytes()[::-1])
        with pytest.raises(lock.DatasetBusy, match=rf"{data} is being prepared by another minitransfer process "
                                                   rf"\(PID {os.getpid()}\)"):
            opened.verify()


def test_a_prepare_started_while_the_library_verify_hashes_is_refused_naming_the_verify(micro_data, tmp_path,
                                                                                         monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    refused = _prepare_meanwhile(monkeypatch, data)
    dataset.open_dataset(data).verify()
    assert isinstance(refused[0], lock.DatasetBusy) and refused[0].pids == [os.getpid()]
    assert str(refused[0]).startswith(f"{data} is being read by another minitransfer process (a training, an "
                                      f"evaluation or a verify) (PID {os.getpid()}); preparing it would replace")
    assert dataset.open_dataset(data).image_size == (14, 14) and not lock.readers(data)


@pytest.mark.parametrize("command", [["prepare", "verify"], PREPARE])
def test_a_prepare_started_while_verify_hashes_is_refused(tmp_path, monkeypatch, command):
    """prepare synthetic --verify: prepare --overwrite went ahead while it hashed, and verify then called the new
    files damaged (exit 65); prepare verify (holding the lock already) is checked the same way."""
    data = tmp_path / "data"
    synthetic.build_synthetic(data, **TINY)
    refused = _prepare_meanwhile(monkeypatch, data)
    result = CliRunner().invoke(main, [*command, str(data), *(["--verify"] if command == PREPARE else [])])
    assert result.exit_code == 0, result.output
    assert "(verified)" in result.output
    assert isinstance(refused[0], lock.DatasetBusy) and refused[0].pids == [os.getpid()]
    assert dataset.open_dataset(data).image_size == (14, 14) and not lock.readers(data)

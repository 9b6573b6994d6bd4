"""``prepare verify`` while another process prepares the same dataset folder again."""

import os
import shutil

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, lock, synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}


def test_verify_while_prepare_rewrites_the_dataset_is_refused_naming_it(micro_data, tmp_path):
    """verify hashed the shards prepare was replacing and called the dataset damaged (exit 65)."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    shard = data / dataset.open_dataset(data).shards("train")[0]["file"]
    with lock.writing(data):  # what a running prepare --overwrite holds
        shard.write_bytes(shard.read_bytes()[::-1])  # a shard it has rewritten, meta.json not yet
        result = CliRunner().invoke(main, ["prepare", "verify", str(data)])
    assert result.exit_code == 2, result.output
    assert f"{data} is being prepared by another minitransfer process (PID {os.getpid()})" in result.output
    assert "Traceback" not in result.output


def test_prepare_while_verify_reads_the_dataset_is_refused(micro_data, tmp_path, monkeypatch):
    """prepare --overwrite went ahead under a running verify, whose verdict was then of neither dataset."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    real_check = dataset.check_files
    refused = []

    def prepare_meanwhile(*args, **kwargs):
        if not refused:
            refused.append(None)
            try:
                synthetic.build_synthetic(data, **{**TINY, "size": 16}, overwrite=True)
            except lock.DatasetBusy as busy:
                refused[0] = busy
        return real_check(*args, **kwargs)

    monkeypatch.setattr(dataset, "check_files", prepare_meanwhile)
    result = CliRunner().invoke(main, ["prepare", "verify", str(data)])
    assert result.exit_code == 0, result.output
    assert isinstance(refused[0], lock.DatasetBusy) and refused[0].pids == [os.getpid()]
    assert dataset.open_dataset(data).image_size == (14, 14) and not (data / lock.LOCK_FILE).exists()

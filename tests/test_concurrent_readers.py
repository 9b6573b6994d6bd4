"""``prepare verify`` while another process prepares the same dataset folder again (a prepare started while a
verify hashes: tests/data/test_verify_lock.py)."""

import os
import shutil

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, lock


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

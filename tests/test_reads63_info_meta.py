"""`info` reads the meta.json of the dataset a network was trained on once (inside run_file_readers.reads_shared),
though two of its facts look at it: the dataset's record where it is still the one trained on
(checkpoint_remake.dataset_meta) and whether its folder was prepared again since (class_tables.prepared_again_since).
Before, it opened and read the file twice."""

import shutil

from click.testing import CliRunner

from counting import opens_of
from minitransfer.cli import main
from minitransfer.data import shard_format


def test_info_reads_the_datasets_meta_json_once(micro_data, tmp_path, monkeypatch):
    data = shutil.copytree(micro_data, tmp_path / "data")
    net = tmp_path / "net.h5"
    trained = CliRunner().invoke(main, ["train", "--data", str(data), "--preset", "micro", "--split", "all",
                                        "--max-iter", "2", "--device", "cpu", "-o", str(net)])
    assert trained.exit_code == 0, trained.output
    reads = opens_of(monkeypatch, data / shard_format.META_FILE)
    shown = CliRunner().invoke(main, ["info", str(net)])
    assert shown.exit_code == 0, shown.output
    assert "data made by: minitransfer prepare synthetic" in shown.stdout  # the record read from meta.json
    assert "prepared again" not in shown.stdout
    assert len(reads) == 1, reads

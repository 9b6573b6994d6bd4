"""``info`` of a network trained on an imported dataset read its run's result.json record twice:
checkpoint_remake.provenance read it (for the environment and the dataset's source), then
dataset_recipe.import_command read it again (for the import's --shard-size). checkpoint_info reads it once and
passes it to both."""

from test_environment_locale_sources import _sources

from minitransfer import checkpoint_info, checkpoint_remake, config
from minitransfer import train as training
from minitransfer.data import folder

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu", "preset": "micro"}


def test_info_reads_the_result_record_once(tmp_path, monkeypatch):
    _sources(tmp_path / "sources")
    data = tmp_path / "data"
    folder.import_folder(tmp_path / "sources" / "photos-猫", data, size=12, workers=0)
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=str(data), split="all", **FAST))
    reads, read_json = [], checkpoint_remake.read_json

    def counted(path, *args, **kwargs):
        reads.append(str(path))
        return read_json(path, *args, **kwargs)

    monkeypatch.setattr(checkpoint_remake, "read_json", counted)
    summary = checkpoint_info.describe(out)
    assert summary["dataset_command"][:3] == ["minitransfer", "prepare", "folder"], summary  # the import's command
    assert summary["environment"] is not None  # what provenance takes from the record
    assert reads.count(str(tmp_path / "net.run" / "result.json")) == 1, reads

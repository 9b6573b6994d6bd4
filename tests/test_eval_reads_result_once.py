"""eval judges the result.json of the run whose weights file it scores on one reading: report's reading of it (the
warning that report leaves the run out) and the record its network is compared with (the warning of a weights file
of another run). Before, the second was read again after the dataset was opened and the memory checked: a file
replaced in between was judged on one version (not JSON: left out) and told on another (a JSON object recording
another network: "not the network of its run"), two warnings of two files."""

import json

from minitransfer import evaluate
from minitransfer import train as training
from minitransfer.result_digests import RESULT_SHA256, result_sha256

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "device": "cpu", "quiet": True}


def _trained(micro_data, tmp_path):
    """ours.h5 trained in ``tmp_path``: (its result.json, that record made another network's, as train writes it)."""
    training.train(training.TrainConfig(out=str(tmp_path / "ours.h5"), data=micro_data, seed=1, **FAST))
    result = tmp_path / "ours.run" / "result.json"
    record = json.loads(result.read_text())
    record["weights"]["network_sha256"] = "f" * 64  # another network's
    record[RESULT_SHA256] = result_sha256(record)  # as train writes it
    return result, record


def test_the_result_json_is_judged_on_one_reading(micro_data, tmp_path, capsys, monkeypatch):
    result, record = _trained(micro_data, tmp_path)
    result.write_text("{not json")
    checked = evaluate.check_evaluation_memory

    def replaced_meanwhile(*args, **kwargs):  # between the reading as eval starts and its scoring
        result.write_text(json.dumps(record))
        return checked(*args, **kwargs)

    monkeypatch.setattr(evaluate, "check_evaluation_memory", replaced_meanwhile)
    evaluate.evaluated_checkpoint(tmp_path / "ours.h5", micro_data, device="cpu")
    assert json.loads(result.read_text()) == record  # the file was replaced indeed
    said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(said) == 1 and "so report leaves the run of" in said[0], said  # the version read first, alone


def test_each_warning_is_said_of_the_version_it_read(micro_data, tmp_path, capsys, monkeypatch):
    """The oracle of the test above: each file alone gives its own warning, and only it."""
    result, record = _trained(micro_data, tmp_path)
    for text, words in (("{not json", "so report leaves the run of"), (json.dumps(record), "is not the network")):
        result.write_text(text)
        evaluate.evaluated_checkpoint(tmp_path / "ours.h5", micro_data, device="cpu")
        said = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
        assert len(said) == 1 and words in said[0], said

"""--data given a path of another kind (a run folder, a network's file, images not prepared yet): train,
eval and experiment refuse it as a usage error (exit code 2) in the words of
:func:`minitransfer.data.dataset.not_a_dataset`, before anything is written. Only eval did, for a run
folder; train said "rerun prepare" (exit 65), and click said of a file only "Directory 'net.h5' is a file"."""

import pathlib

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main

GIVE = "give the folder `minitransfer prepare` wrote (it holds meta.json)"
RUN_FOLDER = f"net.run: a run folder (a network's, which train wrote), not a dataset folder: {GIVE}"
NETWORK = (f"net.h5: a file, not a dataset folder: {GIVE}; this one is a network's (weights or a checkpoint), which "
           f"eval scores and train --copy-from copies")
WHEN_TRAINED = "; or leave --data out to score the network on the dataset it was trained on"
COMMANDS = {"train": ["train", "-o", "other.h5", "--device", "cpu", "--max-iter", "2"],
            "eval": ["eval", "net.h5", "--device", "cpu"],
            "experiment": ["experiment", "-o", "grid", "--layers", "1", "--device", "cpu", "--max-iter", "2"]}


@pytest.fixture(scope="module")
def work(micro_data, tmp_path_factory):
    """A folder holding net.h5 and its run folder net.run, trained on the micro set."""
    folder = tmp_path_factory.mktemp("work")
    training.train(config.TrainConfig(out=str(folder / "net.h5"), data=micro_data, preset="micro", batch_size=8,
                                      max_iter=2, eval_every=2, quiet=True, device="cpu"))
    return folder


def invoke(args, folder, monkeypatch):
    monkeypatch.chdir(folder)
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("given, words", [("net.run", RUN_FOLDER), ("net.h5", NETWORK)], ids=["run-folder", "weights"])
def test_data_of_another_kind_is_a_usage_error_that_says_what_it_is(work, command, given, words, monkeypatch):
    before = sorted(path.name for path in work.iterdir())
    result = invoke([*COMMANDS[command], "--data", given], work, monkeypatch)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"Error: Invalid value for '--data': {words}{WHEN_TRAINED if command == 'eval' else ''}" in said, said
    assert "rerun prepare" not in said
    assert sorted(path.name for path in work.iterdir()) == before


@pytest.mark.parametrize("given, words", [("net.run", RUN_FOLDER), ("net.h5", NETWORK)], ids=["run-folder", "weights"])
def test_experiment_given_another_kind_as_source_data_says_what_it_is(work, micro_data, given, words, monkeypatch):
    """--source-data (a cross-dataset grid's) takes the same check as --data: click said of a file only
    "Directory 'net.h5' is a file"."""
    result = invoke([*COMMANDS["experiment"], "--source-data", given, "--data", micro_data], work, monkeypatch)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"Error: Invalid value for '--source-data': {words}" in said, said
    assert not (work / "grid").exists()


@pytest.mark.parametrize("command", [["splits", "PATH", "random"], ["prepare", "verify", "PATH"]],
                         ids=["splits", "prepare-verify"])
@pytest.mark.parametrize("given, words", [
    ("net.h5", NETWORK),
    ("data/meta.json", "data/meta.json: a file, not a dataset folder: give data, the dataset folder it is a file of"),
], ids=["weights", "file-of-a-dataset"])
def test_splits_and_verify_given_a_file_say_what_it_is(work, micro_data, command, given, words, monkeypatch):
    """splits and prepare verify took PATH as click's folder, which said of a file only "Directory
    'data/meta.json' is a file": not which folder to give, as train's --data does."""
    (work / "data").mkdir(exist_ok=True)
    (work / "data" / "meta.json").write_bytes((pathlib.Path(micro_data) / "meta.json").read_bytes())
    result = invoke([given if arg == "PATH" else arg for arg in command], work, monkeypatch)
    assert result.exit_code == 2, result.output
    said = " ".join(result.output.split())
    assert f"Error: Invalid value for 'PATH': {words}" in said, said

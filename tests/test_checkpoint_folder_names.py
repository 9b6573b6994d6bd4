"""What the library says of a folder given as a network that is no run folder (``train``'s ``copy_from``,
``evaluate_checkpoint``): a report's folder, an experiment's folder without runs yet, a folder of datasets,
a grid's folder. Each was "a folder; give a weights file (e.g. baseA.h5) or a checkpoint.h5", where the
command line named it (:func:`minitransfer.path_kinds.what_folder`, which both now use)."""

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.evaluate import evaluate_checkpoint

GIVE = "give a weights file (e.g. baseA.h5) or a checkpoint.h5"


@pytest.fixture
def folders(micro_data, tmp_path, monkeypatch):
    """A grid with a report's folder and one run folder, an experiment's folder with no runs, a folder of
    datasets, each under tmp_path (the current folder)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid" / "report").mkdir(parents=True)
    (tmp_path / "grid" / "report" / "table1.md").write_text("| n |\n")
    (tmp_path / "grid" / "random0" / "baseA.run").mkdir(parents=True)
    (tmp_path / "grid" / "experiment.json").write_text("{}")
    (tmp_path / "planned").mkdir()
    (tmp_path / "planned" / "experiment.json").write_text("{}")
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "micro").symlink_to(micro_data)
    return said_of


def said_of(at=""):
    """{folder: what the library says of it}, each folder named as ``at`` joined with its name."""
    return {
        f"{at}grid/report": f"{at}grid/report is a report's folder (the tables and figures `minitransfer report` "
                            f"wrote), not a network; the runs it sums up are in {at}grid (e.g. "
                            f"{at}grid/random0/baseA.run); {GIVE}",
        f"{at}planned": f"{at}planned is an experiment's folder whose networks have not started training (no run "
                        f"folder in it yet: `minitransfer experiment` trains them into SPLIT/NAME.run), not a "
                        f"network; {GIVE}",
        f"{at}datasets": f"{at}datasets is a folder of datasets ({at}datasets/micro), not a network; {GIVE}",
        f"{at}datasets/micro": f"{at}datasets/micro is a dataset folder, not a network (`minitransfer splits "
                               f"{at}datasets/micro all` lists its classes and images); {GIVE}",
        f"{at}grid": f"{at}grid is no network but holds 1 run (random0/baseA.run); give one of them, as its weights "
                     f"file, {at}grid/random0/baseA.h5 (once its run finished), or its latest checkpoint, "
                     f"{at}grid/random0/baseA.run/checkpoint.h5; or summarize them with `minitransfer report "
                     f"{at}grid`",
    }


def test_evaluate_checkpoint_names_the_folder_it_was_given(folders):
    for given, words in folders().items():
        with pytest.raises(checkpoints.CheckpointError) as refused:
            evaluate_checkpoint(given, device="cpu")
        assert str(refused.value) == f"checkpoint {given}: not a file: {words}"


def test_copy_from_names_the_folder_it_was_given(folders, micro_data, tmp_path):
    """train reads its base by its absolute path, and names the folder so (datasets/micro, a link, by
    where it leads)."""
    for given, words in folders(f"{tmp_path}/").items():
        if given.endswith("micro"):
            continue
        with pytest.raises(checkpoints.CheckpointError) as refused:
            training.train(config.TrainConfig(out="A2B.h5", copy_from=given, n=2, data=str(micro_data), preset="micro",
                                              device="cpu", quiet=True))
        assert str(refused.value) == f"checkpoint {given}: not a file: {words}"
    assert not (tmp_path / "A2B.run").exists()


@pytest.mark.parametrize("given", ["grid/report", "planned", "datasets"])
def test_the_library_and_the_command_line_name_a_folder_alike(folders, given):
    """What each says the folder is, before what it takes (files; or run folders too)."""
    with pytest.raises(checkpoints.CheckpointError) as refused:
        checkpoints.load(given)
    said = CliRunner().invoke(main, ["info", given]).output
    what = folders()[given].removesuffix(f"; {GIVE}")
    assert str(refused.value).endswith(f": {what}; {GIVE}")
    assert f"'CHECKPOINT': {what}: info takes a network" in said, said

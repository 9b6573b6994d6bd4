"""Paths of other kinds given as a dataset (a run folder, a network, a file of a dataset, an experiment's
or a report's folder, images not prepared yet): :func:`minitransfer.data.dataset.open_dataset`, which
every command and library function opens a dataset through, says what each is and what to give, as a
:class:`NotADataset` (a usage error: exit code 2). Before, a folder was "meta.json: missing (not a
prepared dataset, or an unfinished import: rerun prepare)", wrong advice for each of these."""

import shutil

import pytest
from PIL import Image

from minitransfer import evaluate, run_lock
from minitransfer import train as training
from minitransfer.data import dataset as datasets
from minitransfer.data import decode

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}
GIVE = "give the folder `minitransfer prepare` wrote (it holds meta.json)"


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A finished run on the micro set: its weights file net.h5, beside its run folder net.run."""
    out = tmp_path_factory.mktemp("trained") / "net.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, **FAST))
    return out


def _photos(folder, classes=("cat", "dog")):
    """Two JPEG images in each of ``classes``' folders under ``folder`` (under ``folder`` itself without)."""
    for name in classes or ("",):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for index in range(2):
            Image.new("RGB", (8, 8), (60 * index, 90, 30)).save(folder / name / f"{index}.jpg")
    return folder


def _grid(folder, trained):
    """An experiment's folder: its experiment.json and a split's folder holding a run folder."""
    shutil.copytree(trained.with_suffix(".run"), folder / "random0" / "baseA.run")
    (folder / "experiment.json").write_text("{}")
    return folder


def _grids(folder, trained):
    """A folder of grids (two days' experiment folders): it was "a folder of folders ... if they are class
    folders of images, prepare it", its runs two levels further down than a folder of runs'."""
    for day in ("monday", "tuesday"):
        _grid(folder / day, trained)
    return folder


def _report(folder):
    folder.mkdir()
    for name in ("results.csv", "results.md", "table1.csv", "findings.md"):
        (folder / name).write_text("run\n")
    return folder


# kind: (the path given, made in tmp_path from the trained run and the dataset; the message after "PATH: ")
KINDS = {
    "run-folder": (lambda tmp, run, data: run.with_suffix(".run"),
                   f"a run folder (a network's, which train wrote), not a dataset folder: {GIVE}"),
    "experiment-folder": (lambda tmp, run, data: _grid(tmp / "grid", run),
                          f"an experiment's folder, not a dataset folder: {GIVE}"),
    "folder-of-runs": (lambda tmp, run, data: _grid(tmp / "grid", run) / "random0",
                       f"a folder of runs (baseA.run), not a dataset folder: {GIVE}"),
    "report-folder": (lambda tmp, run, data: _report(tmp / "report"),
                      f"a report's folder (the tables minitransfer report wrote), not a dataset folder: {GIVE}"),
    "weights-file": (lambda tmp, run, data: run,
                     f"a file, not a dataset folder: {GIVE}; this one is a network's (weights or a checkpoint), "
                     f"which eval scores and train --copy-from copies"),
    "checkpoint": (lambda tmp, run, data: run.with_suffix(".run") / "checkpoint.h5",
                   f"a file, not a dataset folder: {GIVE}; this one is a network's (weights or a checkpoint), "
                   f"which eval scores and train --copy-from copies"),
    "shard": (lambda tmp, run, data: data / "train-00000.h5",
              "a file, not a dataset folder: give {data}, the dataset folder it is a file of"),
    "meta-json": (lambda tmp, run, data: data / "meta.json",
                  "a file, not a dataset folder: give {data}, the dataset folder it is a file of"),
    "other-file": (lambda tmp, run, data: tmp / "notes.txt",
                   f"a file, not a dataset folder: {GIVE}"),
    "class-folders": (lambda tmp, run, data: _photos(tmp / "photos"),
                      "a folder of folders, not a prepared dataset: if they are class folders of images, prepare it "
                      "first, `minitransfer prepare folder {path} OUT --size SIZE`, and give OUT"),
    "loose-images": (lambda tmp, run, data: _photos(tmp / "photos", classes=()),
                     "a folder of image files (such as 0.jpg), not a prepared dataset: sort them into one folder per "
                     "class ({path}/<class>/<image files>), then prepare it, `minitransfer prepare folder {path} OUT "
                     "--size SIZE`, and give OUT"),
    "folder-of-grids": (lambda tmp, run, data: _grids(tmp / "runs", run),
                        f"a folder of runs (monday/random0/baseA.run, tuesday/random0/baseA.run), not a dataset "
                        f"folder: {GIVE}"),
    "above-a-dataset": (lambda tmp, run, data: tmp,
                        "not a dataset folder, but it holds {tmp}/data: give that folder"),
}


def made(kind, tmp_path, trained, micro_data):
    """The path of ``kind`` (:data:`KINDS`) and the whole message open_dataset is to give of it."""
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    (tmp_path / "notes.txt").write_text("not a dataset\n")
    make, words = KINDS[kind]
    path = make(tmp_path, trained, data)
    return path, f"{path}: " + words.format(path=path, data=data, tmp=tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_open_dataset_says_what_a_path_is_instead_and_what_to_give(kind, tmp_path, trained, micro_data):
    path, message = made(kind, tmp_path, trained, micro_data)
    with pytest.raises(datasets.NotADataset) as refused:
        datasets.open_dataset(path)
    assert str(refused.value) == message
    assert datasets.not_a_dataset(path) == message  # what the command line's --data says too


def test_a_run_folder_training_now_is_named_as_one_not_as_a_dataset_being_prepared(trained, tmp_path):
    """A run's lock is the file a prepare's is: a run folder given while it trained was "being prepared by
    another minitransfer process", a usage error telling the user to wait for it."""
    run = shutil.copytree(trained.with_suffix(".run"), tmp_path / "net.run")
    with run_lock.RunLock(run):
        with pytest.raises(datasets.NotADataset, match=r"net\.run: a run folder \(a network's, which train wrote\)"):
            datasets.open_dataset(run)


@pytest.mark.parametrize("path", ["empty", "unfinished"])
def test_a_folder_not_told_apart_from_an_unfinished_import_still_says_to_rerun_prepare(path, tmp_path, micro_data):
    """An empty folder, and a dataset's files without its meta.json (an import stopped before it wrote it;
    a shard is no image, though Pillow names HDF5 as a format), are bad data as before, not NotADataset."""
    folder = tmp_path / path
    if path == "empty":
        folder.mkdir()
    else:
        shutil.copytree(micro_data, folder)
        (folder / "meta.json").unlink()
    with pytest.raises(datasets.DatasetError) as refused:
        datasets.open_dataset(folder)
    assert type(refused.value) is datasets.DatasetError
    if path == "empty":  # said to be (tests/data/test_data66_empty_data.py)
        assert str(refused.value).startswith(f"{folder / 'meta.json'}: missing (not a prepared dataset: {folder} is an "
                                             f"empty folder): prepare a dataset into it first")
    else:
        assert str(refused.value) == f"{folder / 'meta.json'}: missing (not a prepared dataset, or an unfinished " \
                                     f"import: run the prepare command that builds it)"


def test_train_and_evaluate_given_a_run_folder_as_data_say_so_and_write_nothing(trained, tmp_path):
    """minitransfer.train(data=X.run), evaluate_checkpoint(data=X.run): they said "rerun prepare"."""
    run = trained.with_suffix(".run")
    words = rf"^{run}: a run folder \(a network's, which train wrote\), not a dataset folder: give the folder"
    with pytest.raises(datasets.NotADataset, match=words):
        training.train(training.TrainConfig(out=str(tmp_path / "other.h5"), data=str(run), **FAST))
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(datasets.NotADataset, match=words):
        evaluate.evaluate_checkpoint(trained, data=str(run), device="cpu")


def test_a_folder_of_many_images_is_told_by_its_first_image_not_by_opening_each(tmp_path, monkeypatch):
    """Every file of a folder of loose images was opened to count them: on a network disk, a folder of
    100,000 photos given as --data took minutes to be refused. One image found tells the folder."""
    _photos(tmp_path, classes=())
    for index in range(2, 30):
        shutil.copyfile(tmp_path / "0.jpg", tmp_path / f"{index}.jpg")
    opened = []
    reading = decode.open_regular_file
    monkeypatch.setattr(decode, "open_regular_file", lambda path: opened.append(path) or reading(path))
    assert datasets.not_a_dataset(tmp_path).startswith(f"{tmp_path}: a folder of image files (such as 0.jpg), ")
    assert len(opened) == 1, opened

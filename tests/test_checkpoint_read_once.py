"""A checkpoint is read from one open of its file: a run still training renames its next checkpoint over the
one a command reads (train --overwrite another run's), and a command that opened the path again (eval's line
read the root attributes a second time; load looked at the file, then hashed and read what was there by then)
said one network's half of another network's scores, or checked one file and read another. Each test
replaces the file with another network right after the Nth open of its path, whichever N, and checks that
what is said is of one network."""

import builtins
import json
import os
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint, fileio
from minitransfer import config as configs
from minitransfer import train as training
from minitransfer.cli import main

# The half each network is trained on, and what eval's line says of it (the oracle: micro_data holds 4 val
# images a class, so every class is 16 images and half A, 2 of the 4 classes, 8).
NETWORKS = {"all": ({"split": "all"}, "(16 images)", "(every class: 4 classes"),
            "halfA": ({"split": "random", "half": "A"}, "(8 images)", "(half A of random split seed 0: 2 classes")}


@pytest.fixture(scope="module")
def networks(micro_data, tmp_path_factory):
    """Two micro networks of micro_data, on every class and on half A: name -> weights file (no run folder
    beside it), each trained for one iteration."""
    folder = tmp_path_factory.mktemp("networks")
    made = {}
    for name, (split, _, _) in NETWORKS.items():
        trained = folder / "trained" / f"{name}.h5"
        training.train(configs.TrainConfig(out=str(trained), data=micro_data, preset="micro", max_iter=1,
                                           batch_size=8, device="cpu", quiet=True, **split))
        made[name] = folder / f"{name}.h5"
        shutil.copy(trained, made[name])
    return made


def _replaced_after(monkeypatch, path, number, other):
    """Each open of ``path`` (by anyone, Python's open) counted; right after the ``number``-th, the file
    is replaced by a copy of ``other``, renamed over it as train writes a checkpoint. Returns the count."""
    opened, real_open = [], builtins.open

    def open_then_replace(file, *args, **kwargs):
        handle = real_open(file, *args, **kwargs)
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) == str(path):
            opened.append(file)
            if len(opened) == number:
                shutil.copy(other, f"{path}.next")
                os.replace(f"{path}.next", path)
        return handle

    monkeypatch.setattr(builtins, "open", open_then_replace)
    return opened


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_evals_line_names_the_half_of_the_network_it_scored(networks, tmp_path, monkeypatch, number):
    """Before: the scores were of the file as load read it, the half and classes of the line's end of the
    file read again after the scoring: "(16 images) ... (half A of random split seed 0: 2 classes)"."""
    path = tmp_path / "net.h5"
    shutil.copy(networks["all"], path)
    _replaced_after(monkeypatch, path, number, networks["halfA"])
    done = CliRunner().invoke(main, ["eval", str(path), "--device", "cpu"])
    assert done.exit_code == 0, done.output
    line = done.output.splitlines()[0]
    said = [name for name, (_, images, task) in NETWORKS.items() if images in line and task in line]
    assert len(said) == 1, line


@pytest.mark.parametrize("number", [1, 2, 3])
def test_info_describes_one_file(networks, tmp_path, monkeypatch, number):
    """info's sha256 is that of the file whose layers and classes it shows."""
    path = tmp_path / "net.h5"
    shutil.copy(networks["all"], path)
    digests = {fileio.sha256_file(file): name for name, file in networks.items()}
    _replaced_after(monkeypatch, path, number, networks["halfA"])
    done = CliRunner().invoke(main, ["info", str(path), "--json"])
    assert done.exit_code == 0, done.output
    summary = json.loads(done.output)
    assert summary["classes"] == {"all": 4, "halfA": 2}[digests[summary["sha256"]]]


@pytest.mark.parametrize("read", [checkpoint.load, checkpoint.read_meta], ids=["load", "read_meta"])
def test_a_checkpoint_is_opened_once_and_read_as_it_was_then(networks, tmp_path, monkeypatch, read):
    """load opened it three times (its look whether it can be read, HDF5's signature check by its path, its
    hash and read): a file renamed over it after the first was read in place of the one checked. read_meta
    opened it twice."""
    path = tmp_path / "net.h5"
    shutil.copy(networks["all"], path)
    by_path, is_hdf5, file = [], h5py.is_hdf5, h5py.File
    monkeypatch.setattr(h5py, "is_hdf5", lambda name: by_path.append(name) or is_hdf5(name))
    monkeypatch.setattr(h5py, "File", lambda name, *args, **kwargs: (
        by_path.append(name) if isinstance(name, (str, os.PathLike)) else None, file(name, *args, **kwargs))[1])
    opened = _replaced_after(monkeypatch, path, 1, networks["halfA"])
    read_back = read(path)
    assert len(opened) == 1 and by_path == []
    meta = read_back.meta if read is checkpoint.load else read_back
    assert len(meta["classes"]) == 4  # the network there when it was opened (the file is half A's now)
    if read is checkpoint.load:
        assert read_back.sha256 == fileio.sha256_file(networks["all"])
        assert read_back.architecture[-1][1] == (4, 128)


@pytest.mark.parametrize("number", [1, 2, 3])
def test_a_copy_records_the_base_whose_layers_it_copied(networks, micro_data, tmp_path, monkeypatch, number):
    """train --copy-from of a base renamed over as it trains (a guard: load hashed and read it through one
    handle already, so this held before too): the copy's record of its base (its sha256) is of the file
    its frozen layers were copied from."""
    path = tmp_path / "base.h5"
    shutil.copy(networks["all"], path)
    _replaced_after(monkeypatch, path, number, networks["halfA"])
    out = tmp_path / "copy.h5"
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(path), "--n", "2",
                                     "--frozen", "-o", str(out), "--max-iter", "1", "--batch-size", "8",
                                     "--device", "cpu", "--quiet"])
    assert done.exit_code == 0, done.output
    monkeypatch.undo()
    copy = checkpoint.load(out)
    base = {fileio.sha256_file(file): checkpoint.load(file) for file in networks.values()}[copy.meta["parent_sha256"]]
    for layer in ("conv1", "conv2"):
        assert all((copied == based).all() for copied, based in zip(copy.weights[layer], base.weights[layer]))

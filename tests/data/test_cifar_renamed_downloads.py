"""A CIFAR download renamed, or given under another name: one file compressed alone (a batch gzipped by hand, or
saved so by a browser) named without .gz, .bz2 or .xz (data_batch_1.dat) was still called a damaged download
to get again; it is said to be one compressed file, with a command that decompresses it. An intact archive
under any name, or the other CIFAR's under this one's name, is read for what it is; a damaged one renamed is
still damaged."""

import bz2
import gzip
import lzma
import pickle
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner
from tar_files import write_pickle_tar

from minitransfer.cli import main
from minitransfer.data import cifar

COMPRESSIONS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


def _cifar10_tar(path, mode="w:gz"):
    """A CIFAR-10 python archive (cifar-10-batches-py/...) of two images of each class per batch."""
    rng = np.random.default_rng(0)
    parts = {"batches.meta": {b"label_names": [name.encode() for name in cifar.CIFAR10_CLASSES],
                              b"num_cases_per_batch": 20, b"num_vis": 3072}}
    for name in [*(f"data_batch_{number}" for number in range(1, 6)), "test_batch"]:
        parts[name] = {b"data": rng.integers(0, 256, (20, 3072), dtype=np.uint8),
                       b"labels": (np.arange(20) % 10).tolist()}
    return write_pickle_tar(path, "cifar-10-batches-py", parts, mode)


def _cifar100_tar(path):
    """A CIFAR-100 python archive (cifar-100-python/...) of four classes in two superclasses."""
    rng = np.random.default_rng(1)
    batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"fine_labels": [0, 1, 2, 3],
             b"coarse_labels": [0, 0, 1, 1]}
    meta = {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
            b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]}
    return write_pickle_tar(path, "cifar-100-python", {"meta": meta, "train": batch, "test": batch})


def _prepare(*args):
    result = CliRunner().invoke(main, ["prepare", *map(str, args)])
    return result, " ".join(result.output.split())


@pytest.mark.parametrize("name", ["data_batch_1.dat", "cifar-10-python.tar", "download"])
@pytest.mark.parametrize("kind", sorted(COMPRESSIONS))
@pytest.mark.parametrize("command, download", [("cifar10", "cifar-10-python.tar.gz"),
                                               ("cifar100", "cifar-100-python.tar.gz")])
def test_one_compressed_file_of_another_name_is_said_to_be_that_not_a_damaged_download(
        tmp_path, monkeypatch, kind, name, command, download):
    monkeypatch.chdir(tmp_path)
    batch = pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 1]}, protocol=2)
    (tmp_path / name).write_bytes(COMPRESSIONS[kind](batch))
    result, said = _prepare(command, name, "out")
    assert result.exit_code == 65, result.output
    assert f"{name}: a single {kind}-compressed file (" in said, said
    assert f"not a tar archive: give the {download} download" in said, said
    assert "damaged" not in said and "again" not in said, said
    made, decompress = said.split(f"{kind}-compressed file (", 1)[1].split(" makes it)", 1)[0].split("; ", 1)
    subprocess.run(decompress, shell=True, check=True, cwd=tmp_path)  # the command said does what it says
    assert (tmp_path / made).read_bytes() == batch and made != name


@pytest.mark.parametrize("name", ["cifar10", "my-download.bin", "cifar-10-python.zip"])
def test_an_intact_archive_under_another_name_is_imported(tmp_path, name):
    result, said = _prepare("cifar10", _cifar10_tar(tmp_path / name), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "10 classes, train 100, val 20" in said, said


def test_the_other_cifar_under_this_ones_download_name_is_named_with_its_command(tmp_path):
    result, said = _prepare("cifar10", _cifar100_tar(tmp_path / "cifar-10-python.tar.gz"), tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "holds CIFAR-100 (cifar-100-python), not CIFAR-10: import it with 'minitransfer prepare cifar100'" in said
    assert "damaged" not in said


def test_a_damaged_archive_renamed_is_still_a_download_to_get_again(tmp_path):
    whole = _cifar10_tar(tmp_path / "whole.tar.gz").read_bytes()
    (tmp_path / "cifar10.dat").write_bytes(whole[:len(whole) // 2])  # cut short, named otherwise
    result, said = _prepare("cifar10", tmp_path / "cifar10.dat", tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert "damaged" in said and "download cifar-10-python.tar.gz again" in said and "single" not in said, said

"""Review of the scale fixes of 59: ``prepare verify`` records the files it found intact once, at its end or as
it is interrupted; a file it finds damaged is not left recorded intact by an earlier check."""

import json

import pytest

from minitransfer.data import dataset, integrity, synthetic
from minitransfer.data.schema import DatasetError


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A small dataset of one image a shard, every file just written counting as settled, none remembered."""
    folder = tmp_path / "data"
    synthetic.build_synthetic(folder, classes=2, train_per_class=2, val_per_class=1, size=14, shard_length=1)
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)
    monkeypatch.setattr(integrity, "_intact_files", set())
    return folder


def _recorded(folder):
    path, _ = integrity._record_path(folder)
    return json.loads(path.read_text())["files"]


def _rotten(monkeypatch, shard, digest="0" * 64, interrupt=None):
    """Hash ``shard`` as ``digest`` (bits rotten on the disk: its times and size as they were); ``interrupt``, a
    file whose hashing is stopped (Ctrl-C)."""
    sha256 = integrity._sha256

    def hashed(path, what):
        if str(path).endswith(interrupt or "\0"):
            raise KeyboardInterrupt
        return digest if str(path).endswith(shard) else sha256(path, what)
    monkeypatch.setattr(integrity, "_sha256", hashed)


def test_verify_drops_a_file_it_finds_damaged_from_the_record_of_intact_files(folder, monkeypatch):
    """A shard found intact (recorded) rots on the disk, its stat unchanged: verify said it was corrupt but left it
    recorded intact, and every later run took it unhashed. It is dropped from the record; the others stay."""
    dataset.open_dataset(folder).verify()
    assert "train-00001.h5" in _recorded(folder)
    _rotten(monkeypatch, "train-00001.h5")
    monkeypatch.setattr(integrity, "_intact_files", set())  # a later process
    with pytest.raises(DatasetError, match="train-00001.h5"):
        dataset.open_dataset(folder).verify()
    names = {str(path.relative_to(folder)) for path, _, _ in dataset.open_dataset(folder).checked_files()}
    assert set(_recorded(folder)) == names - {"train-00001.h5"}
    monkeypatch.setattr(integrity, "_intact_files", set())  # a train after it hashes the shard again: refused
    files = [file for file in dataset.open_dataset(folder).checked_files() if str(file[0]).endswith("train-00001.h5")]
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        integrity.check_files(folder, files)


def test_an_interrupted_verify_records_the_files_it_checked_and_no_other(folder, monkeypatch):
    """Ctrl-C while the fourth file is hashed: the three before it are recorded (one damaged: not), none after."""
    _rotten(monkeypatch, "train-00001.h5", interrupt="train-00003.h5")
    with pytest.raises(KeyboardInterrupt):
        dataset.open_dataset(folder).verify()
    assert sorted(_recorded(folder)) == ["train-00000.h5", "train-00002.h5"]


def test_a_verify_of_intact_files_writes_the_record_it_wrote_before(folder):
    """Nothing damaged: the record is every file's entry, as a verify wrote it file by file."""
    dataset.open_dataset(folder).verify()
    files = dataset.open_dataset(folder).checked_files()
    keys = {str(path.relative_to(folder)): [*integrity.stat_key(path), sha256] for path, sha256, _ in files}
    assert _recorded(folder) == keys


def test_a_file_found_damaged_is_hashed_again_in_the_process_that_found_it_intact(folder, monkeypatch):
    """A process that found a shard intact (a notebook that trained) and then verified it rotten took it
    unhashed at its next load: it remembered it intact, by the times and size the rot kept."""
    dataset.open_dataset(folder).verify()
    _rotten(monkeypatch, "train-00001.h5")
    with pytest.raises(DatasetError, match="train-00001.h5"):
        dataset.open_dataset(folder).verify()
    files = [file for file in dataset.open_dataset(folder).checked_files() if str(file[0]).endswith("train-00001.h5")]
    with pytest.raises(DatasetError, match="sha256 mismatch"):
        integrity.check_files(folder, files)


def test_a_shard_outgrowing_the_header_is_kept_whatever_error_class_hdf5_gives(tmp_path, monkeypatch):
    """h5py names an HDF5 error by the API call's error code: H5Acreate2's is H5E_CANTCREATE (OSError) from HDF5
    1.12 on, H5E_CANTINIT (RuntimeError) under HDF5 1.10, which an h5py >= 3.8 built against it links. The
    RuntimeError escaped the fallback and prepare stopped on the long skipped list as before."""
    import numpy as np

    from minitransfer import fileio
    from minitransfer.data import shard_format

    write_hdf5, libvers = fileio.write_hdf5, []

    def hdf5_1_10(path, fill, **options):
        libvers.append(options.get("libver"))
        if options.get("libver") is None:
            raise RuntimeError("Unable to create attribute (object header message is too large)")
        return write_hdf5(path, fill, **options)
    monkeypatch.setattr(fileio, "write_hdf5", hdf5_1_10)
    images, labels = np.zeros((2, 14, 14, 3), np.uint8), np.array([0, 1], np.int32)
    sha256 = shard_format.write_shard(tmp_path / "train-00000.h5", images, labels, "train", 0, "plan",
                                      skipped=[{"file": "/data/a/note.jpg", "reason": "not an image"}])
    assert libvers == [None, ("v110", "v110")] and sha256 == fileio.sha256_file(tmp_path / "train-00000.h5")

    def other_error(path, fill, **options):
        raise RuntimeError("other")
    monkeypatch.setattr(fileio, "write_hdf5", other_error)
    with pytest.raises(RuntimeError, match="other"):  # any other error is raised as it was, not written again
        shard_format.write_shard(tmp_path / "train-00001.h5", images, labels, "train", 0, "plan")

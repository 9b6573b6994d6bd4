"""The record of dataset files found intact (:mod:`minitransfer.data.integrity`) on a cluster: the cache folder
(a home folder) and the dataset (NFS, Lustre) are shared by the nodes, but each node numbers the mounts by its own
devices (``st_dev``, given as it mounts them), while a file's inode number, size and times are the file server's.
A file found intact on one node is not hashed again on another, and the nodes do not take turns hashing the whole
dataset, each replacing the other's record."""

import json
import os
import pathlib

import pytest

from minitransfer.data import dataset, integrity, synthetic


@pytest.fixture(scope="module")
def shared_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("nfs") / "synthetic-4"
    synthetic.build_synthetic(out, classes=4, train_per_class=6, val_per_class=2, size=16, seed=3, shard_length=12)
    return out


@pytest.fixture
def hashed(monkeypatch):
    """The names of the files hashed; each test starts as a fresh process would, files settled once written."""
    names = []
    real = integrity.fileio.sha256_file
    monkeypatch.setattr(integrity.fileio, "sha256_file",
                        lambda path: names.append(pathlib.Path(path).name) or real(path))
    monkeypatch.setattr(integrity, "_intact_files", set())
    monkeypatch.setattr(integrity, "UNSETTLED_NS", 0)
    return names


def _on_node(monkeypatch, device_offset):
    """From here on, this process as one on another node: a fresh process whose mount of the shared file
    system has another device number (each node's ``st_dev`` of the same file differs by ``device_offset``)."""
    monkeypatch.setattr(integrity, "_intact_files", set())
    real = integrity.os.stat

    def stat(path, *args, **kwargs):
        status = real(path, *args, **kwargs)
        fields = list(status)
        fields[2] += device_offset  # st_dev
        return os.stat_result(fields, {name: getattr(status, name) for name in
                                       ("st_atime_ns", "st_mtime_ns", "st_ctime_ns")})

    monkeypatch.setattr(integrity.os, "stat", stat)


def test_a_file_found_intact_on_one_node_is_not_hashed_again_on_another(shared_dataset, hashed, monkeypatch):
    dataset.open_dataset(shared_dataset).check_checksums()  # node A
    first = len(hashed)
    assert first >= 3
    with monkeypatch.context() as node_b:
        _on_node(node_b, 7)
        dataset.open_dataset(shared_dataset).check_checksums()
    assert len(hashed) == first  # before: every file hashed again on node B
    monkeypatch.setattr(integrity, "_intact_files", set())  # node A again, a later run
    dataset.open_dataset(shared_dataset).check_checksums()
    assert len(hashed) == first  # before: hashed again, node B's record having replaced node A's entries


def test_a_file_changed_is_hashed_again_on_another_node(shared_dataset, hashed, monkeypatch, tmp_path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in shared_dataset.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    dataset.open_dataset(copy).check_checksums()
    record_path, _ = integrity._record_path(copy)
    record = json.loads(record_path.read_text())
    name = sorted(record["files"])[0]
    record["files"][name][4] -= 1  # its ctime: the file was changed after it was found intact
    record_path.write_text(json.dumps(record))
    before = len(hashed)
    with monkeypatch.context() as node_b:
        _on_node(node_b, 7)
        dataset.open_dataset(copy).check_checksums()
    assert hashed[before:] == [name]

"""CIFAR-100: layout and labels, and archives that must be refused without running code or
allocating what they declare (issue 13, item 5)."""

import errno
import io
import os
import pickle
import tarfile

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import cifar, dataset


def _stored_array(data, subset, name):
    """A per-image array stored beside /labels in every shard of ``subset``, concatenated."""
    parts = []
    for shard in data.shards(subset):
        with h5py.File(data.path / shard["file"], "r") as handle:
            parts.append(handle[name][()])
    return np.concatenate(parts)


def _cifar_archive(path, evil=None, member_size=None, compression="gz", meta=None, leave_out=()):
    """cifar-100-python.tar.gz with 4 fine classes in 2 superclasses; ``evil``: the bytes of the
    training pickle instead; ``member_size``: its header declares that size, its data left out;
    ``compression``: gz, bz2 or xz; ``meta``: what the meta pickle holds instead; ``leave_out``:
    the names of members not written."""
    rng = np.random.default_rng(0)

    def batch(count):
        fine = rng.integers(0, 4, count).tolist()
        return {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8), b"fine_labels": fine,
                b"coarse_labels": [label // 2 for label in fine], b"filenames": [b"x.png"] * count}

    parts = {
        "meta": {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                 b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]} if meta is None else meta,
        "train": batch(12), "test": batch(6),
    }
    with tarfile.open(path, f"w:{compression}") as archive:
        for name, content in parts.items():
            if name in leave_out:
                continue
            raw = evil if (evil is not None and name == "train") else pickle.dumps(content, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            if member_size is not None and name == "train":
                info.size = member_size
                archive.addfile(info)  # the header alone: a reader trusting it would try to read member_size bytes
                break
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return parts


def test_cifar100_import_keeps_layout_and_labels(tmp_path):
    parts = _cifar_archive(tmp_path / "cifar-100-python.tar.gz")
    data = cifar.import_cifar100(tmp_path / "cifar-100-python.tar.gz", tmp_path / "out")
    assert data.image_size == (32, 32)
    assert [(c["name"], c["superclass"], c["family"]) for c in data.classes] == [
        ("apple", "fruit_and_vegetables", "natural"), ("pear", "fruit_and_vegetables", "natural"),
        ("bus", "vehicles_1", "man-made"), ("train", "vehicles_1", "man-made")]
    raw = parts["train"][b"data"]
    images = data.images("train", np.arange(12))
    for n in range(12):  # R plane, G plane, B plane, each row-major 32 x 32
        for channel in range(3):
            for row, column in ((0, 0), (5, 17), (31, 31)):
                assert images[n, row, column, channel] == raw[n, channel * 1024 + row * 32 + column]
    assert data.labels("train").tolist() == parts["train"][b"fine_labels"]
    assert _stored_array(data, "val", "coarse_labels").tolist() == parts["test"][b"coarse_labels"]
    assert data.labels("val").tolist() == parts["test"][b"fine_labels"]


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_malicious_cifar_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    evil = pickle.dumps({b"data": _Exploit(marker)}, protocol=2)
    _cifar_archive(tmp_path / "evil.tar.gz", evil=evil)
    with pytest.raises(dataset.DatasetError, match="refused to load posix.system|refused to load os.system"):
        cifar.import_cifar100(tmp_path / "evil.tar.gz", tmp_path / "out")
    assert not marker.exists()
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(tmp_path / "evil.tar.gz"), str(tmp_path / "out2")])
    assert result.exit_code == 65, result.output
    assert not marker.exists()


def test_a_member_declaring_a_gibibyte_is_refused_from_its_header(tmp_path, monkeypatch, tree_state):
    _cifar_archive(tmp_path / "big.tar", member_size=1 << 30)
    real = tarfile.TarFile.extractfile

    def extractfile(archive, member):
        if member.size > 1 << 20:
            pytest.fail(f"opened the {member.size}-byte member for reading")
        return real(archive, member)

    monkeypatch.setattr(tarfile.TarFile, "extractfile", extractfile)
    with pytest.raises(dataset.DatasetError, match=r"big\.tar:cifar-100-python/train: 1073741824 bytes, more than the "
                                                   r"268435456 a CIFAR-100 file may have"):
        cifar.import_cifar100(tmp_path / "big.tar", tmp_path / "out")
    monkeypatch.undo()
    before = tree_state(tmp_path)
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(tmp_path / "big.tar"), str(tmp_path / "out")])
    assert result.exit_code == 65 and "1073741824 bytes" in result.output, result.output
    assert tree_state(tmp_path) == before


def test_a_pickle_of_repeated_rows_is_refused_before_it_becomes_an_array(tmp_path):
    row = [0] * 3072
    amplified = {b"data": [row] * 20000, b"fine_labels": [0] * 20000, b"coarse_labels": [0] * 20000}
    evil = pickle.dumps(amplified, protocol=2)  # 126 kB: the rows are references to one list
    assert len(evil) < 200_000  # vs 61 MB as an array
    _cifar_archive(tmp_path / "amplified.tar.gz", evil=evil)
    with pytest.raises(dataset.DatasetError, match=r"amplified\.tar\.gz:train: 'data' must be a uint8 array "
                                                   r"\(N, 3072\), got a list of 20000"):
        cifar.import_cifar100(tmp_path / "amplified.tar.gz", tmp_path / "out")


@pytest.mark.parametrize("labels,message", [
    ([0] * 5, "must be 12 integers, got a list of 5"),
    ([[0] * 4096] * 12, "must be 12 integers, got a list of 12"),
    ("0" * 12, "must be 12 integers, got a str"),
], ids=["short", "nested", "text"])
def test_labels_that_are_not_one_integer_per_image_are_refused(tmp_path, labels, message):
    rng = np.random.default_rng(1)
    batch = {b"data": rng.integers(0, 256, (12, 3072), dtype=np.uint8), b"fine_labels": labels,
             b"coarse_labels": [0] * 12}
    _cifar_archive(tmp_path / "bad.tar.gz", evil=pickle.dumps(batch, protocol=2))
    with pytest.raises(dataset.DatasetError, match=rf"bad\.tar\.gz:train: 'fine_labels' {message}"):
        cifar.import_cifar100(tmp_path / "bad.tar.gz", tmp_path / "out")


def test_a_class_name_that_is_not_utf8_is_bad_data(tmp_path, monkeypatch):
    real = pickle.dumps

    def latin1_names(content, protocol):
        if b"fine_label_names" in content:
            content = {**content, b"fine_label_names": [b"apple", b"p\xe9ar", b"bus", b"train"]}
        return real(content, protocol=protocol)

    monkeypatch.setattr(pickle, "dumps", latin1_names)
    _cifar_archive(tmp_path / "cifar-100-python.tar.gz")
    monkeypatch.undo()
    with pytest.raises(dataset.DatasetError,
                       match=r"cifar-100-python.tar.gz:meta: a class name is not UTF-8 \(b'p\\xe9ar'\)"):
        cifar.import_cifar100(tmp_path / "cifar-100-python.tar.gz", tmp_path / "out")


@pytest.mark.parametrize("compression", ["gz", "bz2"])
def test_an_archive_whose_crc_does_not_match_is_bad_data_not_a_silent_import(tmp_path, compression):
    """A flipped byte of stored (incompressible) pixels decompresses without complaint: only the
    CRC at the end of the stream can tell, so the archive is read to its end. Here the CRC itself
    is flipped: the data stays intact, and only that check can fail."""
    path = tmp_path / f"cifar-100-python.tar.{compression}"
    _cifar_archive(path, compression=compression)
    raw = bytearray(path.read_bytes())
    raw[-8 if compression == "gz" else -5] ^= 0x01  # gzip's trailer: CRC-32, size; bz2's stream CRC, last block on
    path.write_bytes(bytes(raw))
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(path), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    assert f"error: bad data: {path}: damaged archive (" in result.output


def test_damaged_deflate_data_is_bad_data_naming_the_archive_and_member(tmp_path):
    path = tmp_path / "cifar-100-python.tar.gz"
    _cifar_archive(path, evil=np.random.default_rng(1).integers(0, 256, 300_000, dtype=np.uint8).tobytes())
    raw = bytearray(path.read_bytes())
    raw[100_000:170_000] = b"\xff" * 70_000  # spans a deflate block header: zlib raises, mid-member
    path.write_bytes(bytes(raw))
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(path), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    assert f"{path}:cifar-100-python/train: damaged archive (Error -3 while decompressing data" in result.output


@pytest.mark.parametrize("meta", [np.arange(3), [b"apple", b"pear"]], ids=["an-array", "a-list"])
def test_metadata_that_is_not_a_dict_is_bad_data(tmp_path, meta):
    _cifar_archive(tmp_path / "cifar-100-python.tar.gz", meta=meta)
    result = _prepare_cifar100_refused(tmp_path)
    assert "cifar-100-python.tar.gz:meta: not CIFAR-100 metadata" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("labels", [[2 ** 40] * 12, np.full(12, 2 ** 33 + 1, dtype=np.int64)],
                         ids=["a-list-beyond-int32", "an-array-that-wraps-to-label-1"])
def test_labels_beyond_the_class_table_are_refused_not_wrapped(tmp_path, labels):
    """int32 2**33 + 1 is 1: the array's labels passed as class 1, the list's were an OverflowError."""
    rng = np.random.default_rng(2)
    batch = {b"data": rng.integers(0, 256, (12, 3072), dtype=np.uint8), b"fine_labels": labels,
             b"coarse_labels": [0] * 12}
    _cifar_archive(tmp_path / "big.tar.gz", evil=pickle.dumps(batch, protocol=2))
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(tmp_path / "big.tar.gz"), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    assert "big.tar.gz:train: 'fine_labels' holds labels outside the class table (0..3)" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_class_named_twice_is_bad_data_naming_the_archive_before_decoding(tmp_path):
    """It was refused only after every image was written, as the output's meta.json's fault."""
    _cifar_archive(tmp_path / "cifar-100-python.tar.gz", meta={
        b"fine_label_names": [b"apple", b"pear", b"apple", b"train"],
        b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]})
    result = _prepare_cifar100_refused(tmp_path)
    assert "cifar-100-python.tar.gz:meta: the class name 'apple' is given twice (classes 0 and 2)" in result.output
    assert not (tmp_path / "out").exists()


def test_classes_without_an_image_are_named(tmp_path):
    """It said "some classes have no image", naming none: here the meta lists two classes no batch has."""
    _cifar_archive(tmp_path / "cifar-100-python.tar.gz", meta={
        b"fine_label_names": [b"apple", b"pear", b"bus", b"train", b"kiwi", b"tram"],
        b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]})
    result = _prepare_cifar100_refused(tmp_path)
    assert "cifar-100-python.tar.gz: 2 of its 6 classes have no image: kiwi, tram" in result.output


@pytest.mark.parametrize("missing", [("test",), ("meta", "train")], ids=["test", "meta-and-train"])
def test_missing_members_are_bad_data_naming_them(tmp_path, missing):
    _cifar_archive(tmp_path / "cifar-100-python.tar.gz", leave_out=missing)
    result = _prepare_cifar100_refused(tmp_path)
    assert (f"cifar-100-python.tar.gz: no {', '.join(missing)} member (expected the CIFAR-100 python archive)"
            in result.output)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("damage,origin,reason", [
    ("cut-short", "", "Compressed file ended before the end-of-stream marker was reached"),
    ("crc", "", "CRC check failed"),
    ("mid-stream", ":cifar-100-python/train", "Error -3 while decompressing data: invalid block type"),
], ids=["cut-short", "crc", "mid-stream"])
def test_a_damaged_archive_says_to_download_it_again_with_its_size(tmp_path, damage, origin, reason):
    """It said "damaged archive (...)" and nothing of what to do; the whole size is cifar.html's."""
    path = tmp_path / "cifar-100-python.tar.gz"
    _cifar_archive(path, evil=np.random.default_rng(1).integers(0, 256, 300_000, dtype=np.uint8).tobytes())
    raw = bytearray(path.read_bytes())
    if damage == "cut-short":
        raw = raw[:-3]
    elif damage == "crc":
        raw[-8] ^= 0x01
    else:
        raw[100_000:170_000] = b"\xff" * 70_000
    path.write_bytes(bytes(raw))
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(path), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    line, = result.output.splitlines()
    assert line.startswith(f"error: bad data: {path}{origin}: damaged archive ({reason}")
    assert line.endswith(f"): the download is incomplete or damaged ({len(raw)} bytes; the whole download is 161 MB): "
                         f"download cifar-100-python.tar.gz again")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command,download,folder", [("cifar100", "cifar-100-python.tar.gz", "cifar-100-python"),
                                                     ("cifar10", "cifar-10-python.tar.gz", "cifar-10-batches-py")])
def test_a_file_that_is_no_tar_archive_names_the_download_to_give(tmp_path, command, download, folder):
    """A web page saved under the archive's name was "damaged archive (file could not be opened successfully:
    - method gz: ...)", and would have been told to download again what it never was."""
    path = tmp_path / download
    path.write_text("<!DOCTYPE html><html><body>Moved</body></html>\n")
    result = CliRunner().invoke(main, ["prepare", command, str(path), str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [f"error: bad data: {path}: not a tar archive: give the {download} download, "
                                          f"or the {folder} folder it unpacks into"]


def test_an_archive_the_disk_cannot_read_is_an_io_error_not_a_download_to_get_again(tmp_path, monkeypatch):
    """A disk's I/O error reading the archive was bad data (65), "damaged archive ([Errno 5] ...)"."""
    path = tmp_path / "cifar-100-python.tar.gz"
    _cifar_archive(path)

    def unreadable(*arguments, **options):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(tarfile, "open", unreadable)
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(path), str(tmp_path / "out")])
    assert result.exit_code == 74, result.output
    assert result.output.splitlines() == [f"error: I/O: {path}: the archive could not be read (Input/output error): "
                                          f"a fault of the disk or file system; rerun once it is repaired"]


# Pickles that declare arrays far larger than the bytes they hold: numpy.ndarray called directly (a
# 1-byte buffer repeated by zero strides, or uninitialised memory) or _reconstruct asked for a full
# shape. Each was a uint8 (N, 3072) array from a pickle of about 200 bytes, passing the batch's
# checks; numpy's own pickles rebuild an array from an empty one and the bytes they hold.
ROWS = 200_000  # 614 MB of images declared


class _Declared:
    """Pickles as the callable and arguments given (what a hand-made pickle can hold)."""

    def __init__(self, *reduced):
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


def _reconstruct():
    """NumPy's ``_reconstruct``, which pickles name ``numpy._core.multiarray`` (NumPy 2) or ``numpy.core...`` (1.x)."""
    try:
        from numpy._core.multiarray import _reconstruct as reconstruct
    except ModuleNotFoundError:  # NumPy 1.24-1.26
        from numpy.core.multiarray import _reconstruct as reconstruct
    return reconstruct


DECLARED = {
    "zero-strides": lambda: (np.ndarray, ((ROWS, 3072), np.dtype("u1"), b"\x07", 0, (0, 0))),
    "uninitialised": lambda: (np.ndarray, ((ROWS, 3072), np.dtype("u1"))),
    "reconstruct-full-shape": lambda: (_reconstruct(), (np.ndarray, (ROWS, 3072), b"B")),
}


@pytest.mark.parametrize("declared", DECLARED, ids=list(DECLARED))
def test_an_array_larger_than_its_pickle_is_refused_as_it_is_loaded(tmp_path, declared):
    evil = pickle.dumps({b"data": _Declared(*DECLARED[declared]()), b"fine_labels": [0] * ROWS,
                         b"coarse_labels": [0] * ROWS}, protocol=2)
    with pytest.raises(dataset.DatasetError, match=r"x:train: damaged pickle \(UnpicklingError: refused"):
        cifar.restricted_load(evil, "x:train")
    _cifar_archive(tmp_path / "cifar-100-python.tar.gz", evil=evil)
    result = _prepare_cifar100_refused(tmp_path)
    assert "cifar-100-python.tar.gz:train: damaged pickle (UnpicklingError: refused" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("protocol", [2, 4])
def test_arrays_pickled_by_numpy_still_load_bytes_identical(protocol):
    rng = np.random.default_rng(3)
    batch = {b"data": rng.integers(0, 256, (7, 3072), dtype=np.uint8), b"labels": np.arange(7, dtype=np.int64),
             b"names": [b"a", "b"]}
    loaded = cifar.restricted_load(pickle.dumps(batch, protocol=protocol), "x")
    assert loaded[b"data"].tobytes() == batch[b"data"].tobytes() and loaded[b"data"].shape == (7, 3072)
    assert loaded[b"labels"].tolist() == list(range(7)) and loaded[b"labels"].dtype == np.int64
    assert loaded[b"names"] == [b"a", "b"]


def _prepare_cifar100_refused(tmp_path):
    """`prepare cifar100` of tmp_path/cifar-100-python.tar.gz into tmp_path/out: its result, checked to be
    exit 65 (bad data)."""
    result = CliRunner().invoke(main, ["prepare", "cifar100", str(tmp_path / "cifar-100-python.tar.gz"),
                                       str(tmp_path / "out")])
    assert result.exit_code == 65, result.output
    return result

"""``prepare verify`` re-hashes every file and names every one that is not as meta.json records it
(a few named, then a count where many), with what to do said once, exit 65. It stopped at the first,
so that a disk that rotted several shards took one verify, and one rebuild, per shard to find them."""

import errno
import json
import os
import pathlib

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, integrity, synthetic


def _flip(path):
    """One byte of ``path`` changed in its middle (where the images lie): its sha256 no longer meta.json's."""
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    path.write_bytes(bytes(raw))


def _files(folder):
    """The files meta.json lists (every shard and the mean image), as verify checks them."""
    meta = json.loads((folder / "meta.json").read_text())
    return [shard["file"] for subset in meta["subsets"].values() for shard in subset["shards"]] + [meta["mean"]["file"]]


def _verify(folder):
    result = CliRunner().invoke(main, ["prepare", "verify", str(folder)])
    assert result.exit_code == 65 and "Traceback" not in result.output, result.output
    return result.output


def test_every_corrupt_or_missing_file_is_named_and_the_intact_ones_are_not(copy):
    files = _files(copy)
    corrupt, missing = ["train-00000.h5", "train-00002.h5"], "mean.h5"
    assert set(corrupt) | {missing} < set(files)  # some are left intact
    for name in corrupt:
        _flip(copy / name)
    (copy / missing).unlink()
    out = _verify(copy)
    assert f"{', '.join(corrupt)} (sha256 mismatch: corrupt shard); {missing} (missing mean image)" in out, out
    assert f"3 of its {len(files)} files are not as meta.json records them" in out
    for name in set(files) - set(corrupt) - {missing}:
        assert name not in out
    assert out.count("rerunning the prepare command") == 1  # what to do, once


def test_many_are_counted_after_the_first_few(tmp_path):
    folder = tmp_path / "many"
    synthetic.build_synthetic(folder, classes=4, train_per_class=8, val_per_class=2, size=14, seed=3, shard_length=4)
    shards = [name for name in _files(folder) if name.startswith("train-")]
    assert len(shards) > integrity.NAMED_AT_MOST + 1  # more than it names
    for name in shards:
        _flip(folder / name)
    out = _verify(folder)
    named = [name for name in shards if name in out]
    assert len(named) == integrity.NAMED_AT_MOST
    assert f"{len(shards)} of its {len(_files(folder))} files" in out
    assert f"and {len(shards) - integrity.NAMED_AT_MOST} more" in out


def test_one_corrupt_file_is_named_as_before(copy):
    _flip(copy / "val-00000.h5")
    with pytest.raises(dataset.DatasetError, match=r"val-00000\.h5: sha256 mismatch \(file [0-9a-f]{16}…, meta.json "
                                                   r"[0-9a-f]{16}…\): corrupt shard") as refused:
        dataset.open_dataset(copy).verify()
    assert "of its" not in str(refused.value)


def _read_fails(monkeypatch, name, number):
    """Reading the file ``name`` fails with ``number`` (an errno: EIO, a disk's fault)."""
    sha256_file = integrity.fileio.sha256_file

    def failing(path):
        if pathlib.Path(path).name == name:
            raise OSError(number, os.strerror(number), str(path))
        return sha256_file(path)
    monkeypatch.setattr(integrity.fileio, "sha256_file", failing)


def test_a_file_that_cannot_be_read_is_named_with_the_corrupt_ones(copy):
    """A file verify could not read (here a folder put where a shard belongs after the dataset was opened:
    open_dataset refuses one before) raised at once: the corrupt shard found before it was never named."""
    corrupt, folder = "train-00000.h5", "train-00002.h5"
    opened = dataset.open_dataset(copy)
    _flip(copy / corrupt)
    (copy / folder).unlink()
    (copy / folder).mkdir()
    with pytest.raises(dataset.DatasetError) as raised:
        opened.verify()
    message = str(raised.value)
    assert f"{corrupt} (sha256 mismatch: corrupt shard)" in message and str(copy / folder) in message, message


def test_a_read_the_system_refused_gives_its_exit_code_with_the_corrupt_ones_named(copy, monkeypatch):
    """An I/O error among corrupt files: exit 74 (the worst: rerunning prepare cannot mend the disk), all named."""
    corrupt, failing = "train-00000.h5", "train-00001.h5"
    _flip(copy / corrupt)
    _read_fails(monkeypatch, failing, errno.EIO)
    result = CliRunner().invoke(main, ["prepare", "verify", str(copy)])
    assert result.exit_code == 74 and "Traceback" not in result.output, result.output
    assert f"{corrupt} (sha256 mismatch: corrupt shard)" in result.output
    assert str(copy / failing) in result.output and os.strerror(errno.EIO) in result.output

"""What the README says of ``prepare verify`` and of the records of files found intact is what they do: it said
verify "names each one found corrupt or missing", but a missing shard stops it before any file is hashed (the
dataset's opening checks every listed shard is there), named alone: a corrupt shard beside it went unnamed
until the missing one was put back; and the records it listed as each file's device, inode, size and two times
hold the file's sha256 too."""

import json
import pathlib
import re

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import integrity

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _prose():
    return " ".join(README.read_text().split())


def _dataset(tmp_path):
    data = tmp_path / "data"
    made = CliRunner().invoke(main, ["prepare", "synthetic", str(data), "--classes", "2", "--train-per-class", "4",
                                     "--val-per-class", "2", "--size", "12"])
    assert made.exit_code == 0, made.output
    return data


def test_the_readme_says_a_missing_shard_stops_verify_before_a_corrupt_one_is_found(tmp_path):
    data = _dataset(tmp_path)
    train = data / "train-00000.h5"
    damaged = bytearray(train.read_bytes())
    damaged[-100] ^= 1
    train.write_bytes(bytes(damaged))
    (data / "val-00000.h5").unlink()
    result = CliRunner().invoke(main, ["prepare", "verify", str(data)])
    assert result.exit_code == 65, result.output
    assert "val-00000.h5: missing shard" in result.output and "train-00000.h5" not in result.output, result.output
    said = re.search(r"`prepare verify` re-hashes every file and names each one found corrupt or missing \(exit 65\)"
                     r"([^.]*)\.", _prose())
    assert said, "the README no longer says what prepare verify names"
    assert "a missing shard stops it before any file is hashed, named alone" in said[1], said[1]


def test_the_readme_lists_every_field_of_a_record_of_files_found_intact(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(integrity, "UNSETTLED_NS", -10 ** 12)  # files just written recorded too (not 2 s later)
    listed = re.search(r"per dataset: each file's ([^)]*)\)", _prose())
    assert listed, "the README no longer lists what a record of a file found intact holds"
    fields = re.split(r", and |, | and ", listed[1])  # "modification and change times": two
    data = _dataset(tmp_path)
    assert CliRunner().invoke(main, ["prepare", "verify", str(data)]).exit_code == 0
    record, = (tmp_path / "cache" / "verified").glob("*.json")
    entries = list(json.loads(record.read_text())["files"].values())
    assert entries and {len(entry) for entry in entries} == {len(fields)}, (fields, entries)

"""A prepared dataset whose meta.json is damaged (truncated, garbled) or may not be read: the command
line (``--data`` and a dataset argument, checked as options are read) and the library's open_dataset
refuse it in one wording, the library's, naming the file: 65 bad data, 74 unreadable. The command line
said an unreadable one in words of its own ("... or give a copy of the dataset")."""

import os
import shutil

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset

COMMANDS = {"splits": ["splits", "{data}", "all"], "prepare verify": ["prepare", "verify", "{data}"],
            "train": ["train", "--data", "{data}", "--split", "all", "-o", "{out}", "--preset", "micro",
                      "--max-iter", "1", "--device", "cpu"]}

DAMAGE = {"truncated": lambda text: text[:len(text) // 2], "empty": lambda text: b"",
          "garbled": lambda text: bytes(byte ^ 0xA5 for byte in text[:64]) + text[64:]}


@pytest.fixture
def data(micro_data, tmp_path):
    return shutil.copytree(micro_data, tmp_path / "data")


def _refusals(data, tmp_path):
    """{command: (exit code, output)} of each command given ``data``, and the library's refusal."""
    said = {}
    for name, args in COMMANDS.items():
        result = CliRunner().invoke(main, [arg.format(data=data, out=tmp_path / "net.h5") for arg in args])
        said[name] = (result.exit_code, result.output)
    assert not (tmp_path / "net.h5").exists() and not (tmp_path / "net.run").exists()
    return said


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_meta_json_is_bad_data_in_the_librarys_words(data, tmp_path, damage):
    meta = data / "meta.json"
    meta.write_bytes(DAMAGE[damage](meta.read_bytes()))
    with pytest.raises(dataset.DatasetError) as refused:
        dataset.open_dataset(data)
    assert type(refused.value) is dataset.DatasetError and str(refused.value).startswith(f"{meta}: not valid JSON (")
    for command, said in _refusals(data, tmp_path).items():
        assert said == (65, f"error: bad data: {refused.value}\n"), command


def test_an_unreadable_meta_json_is_an_io_error_in_the_librarys_words(data, tmp_path):
    """chmod 000 (as root, which reads it anyway: skipped; test_dataset_unreadable.py drops root's rights)."""
    meta = data / "meta.json"
    meta.chmod(0o000)
    try:
        if os.geteuid() == 0 and os.access(meta, os.R_OK):
            pytest.skip("running as root, which reads a file whatever its mode")
        with pytest.raises(dataset.DatasetUnreadable) as refused:
            dataset.open_dataset(data)
        assert str(refused.value) == (f"{meta}: the meta file is not readable by this user (permission denied): give "
                                      f"read access to it (chmod a+r) and rerun")
        for command, said in _refusals(data, tmp_path).items():
            assert said == (74, f"error: I/O: {refused.value}\n"), command
    finally:
        meta.chmod(0o644)

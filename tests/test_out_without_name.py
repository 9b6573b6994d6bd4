"""An ``out`` with no file name, "." or "/", is a folder as "adir" is, refused alike naming `out`: before, it
was a raw ``ValueError: PosixPath('.') has an empty name`` from deriving its run directory."""

import os
import pathlib

import pytest

from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.mark.parametrize("out", [".", "/"], ids=["dot", "root"])
def test_a_folder_without_a_name_is_refused_as_out(micro_data, tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "adir").mkdir()
    with pytest.raises(training.ConfigError) as named:  # the oracle: a folder that has a name
        training.train(training.TrainConfig(out="adir", data=micro_data, **FAST))
    with pytest.raises(training.ConfigError) as nameless:
        training.train(training.TrainConfig(out=out, data=micro_data, **FAST))
    example = str(pathlib.PurePath(out, "net.h5"))  # "net.h5" in ".", "/net.h5" in "/"
    assert str(nameless.value) == str(named.value).replace("adir/net.h5", example).replace("adir", out)
    assert str(nameless.value).startswith(f"`out` {out} is a directory") and os.listdir(tmp_path) == ["adir"]

"""A dataset or a folder of images given as a symbolic link that leads nowhere (a loop of links, a
drive not mounted): click said "Path 'data' does not exist" (prepare folder's SOURCE: "Directory ...
does not exist"), naming neither the link nor why, where info said of a network's link what it is.
Each says so now, and what to give (a usage error, 2)."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

COMMANDS = {"prepare folder": (["prepare", "folder", "data", "out", "--size", "16"], "SOURCE", "the folder of images"),
            "prepare verify": (["prepare", "verify", "data"], "PATH", "the dataset folder"),
            "splits": (["splits", "data", "all"], "PATH", "the dataset folder"),
            "train --data": (["train", "--data", "data", "--split", "all", "-o", "net.h5"], "--data",
                             "the dataset folder")}


@pytest.mark.parametrize("link, why", [("loop", "a loop of links"), ("dangling", "gone/data does not exist")])
@pytest.mark.parametrize("command", COMMANDS)
def test_a_link_leading_nowhere_is_named_with_why(tmp_path, monkeypatch, command, link, why):
    monkeypatch.chdir(tmp_path)
    if link == "loop":
        os.symlink("data", "other")
        os.symlink("other", "data")
    else:
        os.symlink("gone/data", "data")
    args, parameter, give = COMMANDS[command]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 2, done.output
    assert (f"Invalid value for '{parameter}': data is a symbolic link that leads nowhere ({why}): give {give} itself"
            in " ".join(done.output.split())), done.output
    assert sorted(os.listdir()) == sorted(["data"] + (["other"] if link == "loop" else []))

"""A dataset this user may not read (another user's, a copy made with a umask of 077): its folder or
its meta.json. splits, train --data and prepare verify said of the folder click's "Directory 'data' is
not readable" (a usage error, 2) and of meta.json a bare "I/O: [Errno 13] Permission denied:
'data/meta.json'" (74, with nothing to do), where info says of a folder it may not read which chmod
gives access (74). Each says a folder as info does now, and meta.json in the library's words, with
the chmod, as it names a shard or the mean image."""

import json
import os
import shlex
import subprocess
import sys

import pytest
from data.test_data_unreadable import _without_root_rights

COMMANDS = {"splits": ["splits", "data", "all"],
            "prepare verify": ["prepare", "verify", "data"],
            "train": ["train", "--data", "data", "--split", "all", "-o", "net.h5", "--preset", "micro",
                      "--max-iter", "1", "--device", "cpu"],
            "info": ["info", "data"],  # the oracle: its words for a folder it may not read
            "splits of a file": ["splits", "data/meta.json", "all"]}  # a usage error, readable or not

# Each case: (the path made unreadable, its mode meanwhile); every command is run under each, then
# the library's open_dataset.
CASES = {"folder": ("data", 0o000), "folder-not-enterable": ("data", 0o644), "meta.json": ("data/meta.json", 0o000)}

READ_AS_ANOTHER_USER = """
import json, os, sys
from click.testing import CliRunner
from minitransfer.cli import main
from minitransfer.data import dataset
commands, cases = json.loads(sys.argv[1]), json.loads(sys.argv[2])
said = {}
for case, (target, mode) in cases.items():
    kept = os.stat(target).st_mode
    os.chmod(target, mode)
    try:
        said[case] = {name: (result.exit_code, result.output)
                      for name, result in ((name, CliRunner().invoke(main, args)) for name, args in commands.items())}
        try:
            dataset.open_dataset("data")
            said[case]["library"] = "opened"
        except Exception as error:
            said[case]["library"] = f"{type(error).__name__}: {error}"
    finally:
        os.chmod(target, kept)
print(json.dumps(said))
"""


@pytest.fixture(scope="module")
def said(micro_data, tmp_path_factory):
    """{case: {command: (exit code, output), "library": what open_dataset raised}}, read as a user whom
    permissions stop (root without its right to read any file), in a folder holding a copy of the micro set
    as ``data``."""
    folder = tmp_path_factory.mktemp("unreadable")
    subprocess.run(["cp", "-r", micro_data, str(folder / "data")], check=True)
    command = [sys.executable, "-c", READ_AS_ANOTHER_USER, json.dumps(COMMANDS), json.dumps(CASES)]
    prefix = _without_root_rights()
    done = subprocess.run(prefix + (["-c", shlex.join(command)] if prefix else command), cwd=folder,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (folder / "net.h5").exists() and not (folder / "net.run").exists()
    return json.loads(done.stdout)


FOLDER = ("error: data is not readable by this user (permission denied): give read access to it (chmod a+rx data), "
          "or give a copy of it\n")


@pytest.mark.parametrize("command", ["splits", "prepare verify", "train"])
@pytest.mark.parametrize("case", ["folder", "folder-not-enterable"])
def test_a_dataset_folder_this_user_may_not_read_is_said_as_info_says_it(said, case, command):
    assert said[case]["info"] == [74, FOLDER]
    assert said[case][command] == [74, FOLDER]


META_UNREADABLE = ("data/meta.json: the meta file is not readable by this user (permission denied): give read access "
                   "to it (chmod a+r) and rerun")


@pytest.mark.parametrize("command", ["splits", "prepare verify", "train"])
def test_a_meta_json_this_user_may_not_read_is_named_in_the_librarys_words(said, command):
    """They said it in words of their own ("... or give a copy of the dataset"), not the library's."""
    assert said["meta.json"][command] == [74, f"error: I/O: {META_UNREADABLE}\n"]


def test_the_library_names_a_meta_json_it_may_not_read_as_it_names_a_shard(said):
    """A notebook's open_dataset: a PermissionError, not the DatasetUnreadable (exit code 74) a shard is."""
    assert said["meta.json"]["library"] == f"DatasetUnreadable: {META_UNREADABLE}"


def test_a_file_given_for_a_dataset_folder_is_a_usage_error_though_it_may_not_be_read(said):
    """It was refused as unreadable (74, "give read access to it"), where a file is no dataset to give."""
    code, output = said["meta.json"]["splits of a file"]
    assert code == 2 and "data/meta.json: a file, not a dataset folder: give data" in " ".join(output.split()), output

"""A command a message gives to paste names its paths as shell words: a folder with a space in its name ("my runs")
was printed bare, and pasted, the command was given two arguments (`minitransfer info /x/my runs/net.h5`)."""

import shlex

from minitransfer import checkpoint_info


def test_the_info_command_of_a_run_left_out_quotes_its_path(tmp_path, monkeypatch):
    path = tmp_path / "my runs" / "net.h5"
    monkeypatch.setattr(checkpoint_info, "unreadable_run_file", lambda path, meta=None: "result.json is damaged")
    said = checkpoint_info.left_out_warning(path, "it goes on", {"config": {"preset": "micro"}})
    command = said.split("`")[1]
    assert shlex.split(command) == ["minitransfer", "info", str(path)], command

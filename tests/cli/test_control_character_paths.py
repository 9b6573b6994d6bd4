"""A path given with a control character in it (a folder named with a newline) is shown escaped in the
messages of the command line, as info's own lines show it: it split a message across two lines, the second
reading as a message of its own. Ordinary paths are left as they are."""

import os
import shlex

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.cli._output import paths_shown


def test_info_of_a_folder_named_with_a_newline_says_it_on_one_line(tmp_path):
    folder = tmp_path / "new\nline"
    folder.mkdir()
    result = CliRunner().invoke(main, ["info", str(folder)])
    assert result.exit_code == 2, result.output
    [said] = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert said == (f"Error: Invalid value for 'CHECKPOINT': {tmp_path}/new\\nline is a folder without a network: "
                    f"give a weights file (e.g. baseA.h5) or a run folder (baseA.run) that holds its checkpoint.h5")


def test_an_error_of_a_command_names_such_a_path_on_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data\tset\x1b[2J").mkdir()  # a tab, and an ESC that would clear the terminal
    result = CliRunner().invoke(main, ["train", "--data", "data\tset\x1b[2J", "-o", "net.h5", "--device", "cpu"])
    assert result.exit_code == 65, result.output
    said = result.output.strip()
    assert "\n" not in said and "\x1b" not in said and "\t" not in said, said
    assert said.startswith("error: bad data: ") and "data\\tset\\x1b[2J" in said, said


def test_ordinary_paths_are_left_alone_and_a_quoted_one_stays_copyable(tmp_path):
    class Context:
        meta = {"minitransfer.args": ("report", "back\\slash", "new\nline")}

    message = f"under back\\slash and new\nline (minitransfer report {shlex.quote('new' + chr(10) + 'line')})"
    assert paths_shown(message, Context()) == "under back\\slash and new\\nline (minitransfer report $'new\\nline')"
    assert paths_shown(f"{os.getcwd()}/new\nline", Context()) == f"{os.getcwd()}/new\\nline"

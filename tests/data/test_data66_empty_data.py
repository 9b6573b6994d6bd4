"""An empty folder given as --data (made by hand for the dataset, prepare not run yet) was refused as any folder
without meta.json: "missing (not a prepared dataset, or an unfinished import: run the prepare command that builds
it)", though nothing was begun there. Now said to be an empty folder, named, with the command that fills it
(exit 65 as before); a folder holding files is refused as before."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("hidden", [(), (".DS_Store",)], ids=["empty", "ds_store"])
@pytest.mark.parametrize("command", [["train", "--out", "OUT", "--data"], ["prepare", "verify"]],
                         ids=["train", "verify"])
def test_an_empty_folder_as_data_is_said_to_be_empty_naming_it_and_what_to_run(command, hidden, tmp_path):
    folder = tmp_path / "my data"
    folder.mkdir()
    for name in hidden:
        (folder / name).write_bytes(b"\0")
    args = [str(tmp_path / "net.h5") if word == "OUT" else word for word in command]
    result = CliRunner().invoke(main, [*args, str(folder)], terminal_width=2000)
    assert result.exit_code == 65, result.output
    assert result.output.splitlines()[-1] == (
        f"error: bad data: {folder / 'meta.json'}: missing (not a prepared dataset: {folder} is an empty folder): "
        f"prepare a dataset into it first, `minitransfer prepare KIND [SOURCE] '{folder}'` (`minitransfer prepare "
        f"--help` lists the kinds), or give the folder `minitransfer prepare` wrote (it holds meta.json)")
    assert sorted(path.name for path in folder.iterdir()) == list(hidden)


def test_a_folder_holding_a_file_is_refused_as_before(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "notes.txt").write_text("to do\n")
    result = CliRunner().invoke(main, ["prepare", "verify", str(folder)], terminal_width=2000)
    assert result.exit_code == 65, result.output
    assert result.output.endswith(f"{folder / 'meta.json'}: missing (not a prepared dataset, or an unfinished import: "
                                  f"run the prepare command that builds it)\n")

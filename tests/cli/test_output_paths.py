"""The paths a command writes to (``-o``, ``--emit-slurm``, prepare's OUT): refused as usage errors
(exit 2) before any work where writing there cannot do what was asked."""

import os

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

# Each command with the path it writes to as OUT; it is refused while its arguments are read.
COMMANDS = {
    "report": ["report", "{tmp}", "-o", "{out}"],
    "experiment": ["experiment", "--data", "{tmp}", "-o", "{out}", "--device", "cpu"],
    "emit-slurm": ["experiment", "--data", "{tmp}", "-o", "{tmp}/grid", "--emit-slurm", "{out}"],
    "prepare": ["prepare", "folder", "{tmp}", "{out}"],
    "demo": ["demo", "-o", "{out}", "--device", "cpu"],
    "train": ["train", "--data", "{tmp}", "-o", "{out}", "--device", "cpu"],
}


def _invoke(command, tmp_path, out):
    args = [arg.format(tmp=tmp_path, out=out) for arg in COMMANDS[command]]
    return CliRunner().invoke(main, args)


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("below", [False, True], ids=["link", "folder-below-link"])
def test_a_symbolic_link_that_leads_nowhere_is_a_usage_error_naming_it_and_its_target(tmp_path, command, below):
    """-o naming a link to a folder on a drive not mounted (or deleted): report failed after its work
    with "cannot write .../results.csv: File exists" (74), prepare likewise; experiment and demo
    created the folder the link names (on the disk beneath the mount point) and trained there; train
    replaced the link with its weights file. Refused, naming the link and where it points, writing
    nothing."""
    target = tmp_path / "unmounted" / ("out.h5" if command == "train" else "out")
    link = tmp_path / "link"
    link.symlink_to(target)
    out = link / "sub" if below else link
    before = sorted(os.listdir(tmp_path))
    result = _invoke(command, tmp_path, out)
    assert result.exit_code == 2, result.output
    why = f"{target.parent}, the folder of {target}," if command == "train" and not below else target
    assert f"{link} is a symbolic link that leads nowhere ({why} does not exist)" in result.output
    assert "Traceback" not in result.output
    assert sorted(os.listdir(tmp_path)) == before and link.is_symlink()


def test_train_out_a_link_to_weights_not_written_yet_trains_where_it_leads(micro_data, tmp_path):
    """train -o baseA.h5, a link made beforehand to /scratch/me/baseA.h5 (the weights not written yet):
    the command refused it as leading nowhere, while the library trains there (train._through_link)."""
    (tmp_path / "scratch").mkdir()
    link = tmp_path / "baseA.h5"
    link.symlink_to(tmp_path / "scratch" / "baseA.h5")
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "-o", str(link), "--max-iter", "2",
                                       "--batch-size", "8", "--eval-every", "2", "--quiet", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and (tmp_path / "scratch" / "baseA.run" / "result.json").is_file()
    assert sorted(os.listdir(tmp_path)) == ["baseA.h5", "scratch"]


def test_a_loop_of_links_is_named_as_such(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    result = _invoke("report", tmp_path, tmp_path / "a")
    assert result.exit_code == 2 and f"{tmp_path / 'a'} is a symbolic link that leads nowhere (a loop of links)" \
        in result.output, result.output


@pytest.mark.parametrize("command", ["report", "experiment", "prepare"])
def test_a_fifo_is_no_folder_to_write_into(tmp_path, command):
    """-o naming a FIFO (or a socket, a device): click refuses only a regular file, and the command
    failed after its work with "cannot write ...: File exists" (74)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = _invoke(command, tmp_path, fifo)
    assert result.exit_code == 2 and f"{fifo} is a named pipe, not a folder: give a folder to write into (a new one " \
        f"is made)" in result.output, result.output


@pytest.mark.parametrize("command", ["report", "experiment", "prepare", "train"])
def test_a_tilde_the_shell_left_as_it_is_is_refused_naming_the_home_folder(tmp_path, monkeypatch, command):
    """--out=~/grid (bash expands ~ only at a word's start) or a quoted "~/grid": the command made a
    folder named ~ in the current one and wrote there."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    result = _invoke(command, tmp_path, "~/out")
    assert result.exit_code == 2, result.output
    assert (f"~/out starts with ~, which the shell expands only at the start of a word and unquoted (not in "
            f"--out=~/...), so it would name a folder ~ here: give {tmp_path / 'home' / 'out'}") in result.output
    assert not (tmp_path / "~").exists()


def test_a_folder_named_tilde_that_is_there_is_written_into(tmp_path, monkeypatch):
    from minitransfer.cli._paths import OutputFile, OutputFolder

    monkeypatch.chdir(tmp_path)
    (tmp_path / "~").mkdir()
    assert OutputFolder().convert("~/out", None, None) == "~/out"
    assert OutputFile().convert("~/out.h5", None, None) == "~/out.h5"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_path_under_a_file_is_a_usage_error_naming_the_file(tmp_path, command):
    """-o afile/sub (and --emit-slurm, prepare's OUT, train's -o afile/net.h5): experiment planned its
    grid, then failed with "error: cannot write .../afile/sub/.experiment-planning.lock: Not a directory"
    (74), --emit-slurm with a bare "[Errno 20] Not a directory: .../logs"; neither named the option nor
    said that afile is a file. Refused while the arguments are read (2), writing nothing."""
    (tmp_path / "afile").write_text("")
    out = tmp_path / "afile" / "deeper" / ("net.h5" if command == "train" else "sub")
    result = _invoke(command, tmp_path, out)
    assert result.exit_code == 2, result.output
    assert (f"{out}: {tmp_path / 'afile'} is a file, not a folder, so nothing can be written under it: give "
            f"another path") in result.output, result.output
    assert sorted(os.listdir(tmp_path)) == ["afile"]


def test_a_fifo_on_the_way_is_said_to_be_no_folder(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    result = _invoke("prepare", tmp_path, tmp_path / "fifo" / "data")
    assert result.exit_code == 2 and f"{tmp_path / 'fifo'} is not a folder, so nothing can be written under it" \
        in result.output, result.output

"""Errors whose text is empty (``minitransfer/cli/_errors.py``'s ``run``): Python's own MemoryError
says nothing, nor does a bare OSError; each is told as what it is, with its documented exit code,
where ``run`` told them as a run stopped by a signal ("rerun the same command to continue")."""

import click
import pytest

from minitransfer.cli import _errors
from minitransfer.data.dataset import DatasetError

STOPPED = "stopped by a signal"


def run_in_command(work, option_names, capsys, **kwargs):
    """``run(work)`` inside a command that has the options ``option_names``; its exit code and stderr."""
    command = click.Command("command", params=[click.Option([name]) for name in option_names])
    with click.Context(command), pytest.raises(SystemExit) as stopped:
        _errors.run(work, **kwargs)
    return stopped.value.code, capsys.readouterr().err


def allocate_beyond_any_host():
    """Python's own MemoryError, without a message: its allocator refused 4 EiB."""
    bytearray(2 ** 62)


@pytest.mark.parametrize("option_names, change", [
    (["--batch-size", "--workers"], ", or use a smaller --batch-size or fewer --workers"),  # train
    (["--workers"], ", or use fewer --workers"),  # prepare
    (["--out"], ""),  # report: neither to change
], ids=["train", "prepare", "report"])
def test_a_bare_memory_error_says_host_memory_ran_out_and_what_to_change(capsys, option_names, change):
    code, said = run_in_command(allocate_beyond_any_host, option_names, capsys)
    assert code == 1 and STOPPED not in said
    assert said == (f"error: out of memory: this machine's memory (host RAM) ran out; free some memory{change}, and "
                    f"rerun\n")


@pytest.mark.parametrize("error, code, remedy", [
    (OSError(), 74, "; check the paths given, their permissions and the free space, then rerun"),
    (DatasetError(), 65, "; check the data given"),
], ids=["os-error", "dataset-error"])
def test_other_errors_without_a_message_name_their_kind_not_a_stop(capsys, error, code, remedy):
    """A command's own text for an interrupted run (train's: --resume auto) is not used either."""
    def fail():
        raise error

    exit_code, said = run_in_command(fail, ["--batch-size"], capsys, interrupted="rerun with --resume auto")
    assert exit_code == code and STOPPED not in said and "--resume" not in said
    assert said.endswith(f": {type(error).__name__}, without a message{remedy}\n")


def test_a_memory_error_with_a_message_keeps_it(capsys):
    """NumPy's MemoryError names the array: said as it was, with the batch hint."""
    def fail():
        raise MemoryError("Unable to allocate 2.00 GiB for an array with shape (512, 1024, 1024)")

    assert run_in_command(fail, ["--batch-size"], capsys) == (
        1, "error: out of memory (a smaller --batch-size needs less): Unable to allocate 2.00 GiB for an array with "
           "shape (512, 1024, 1024)\n")


@pytest.mark.parametrize("error, told", [
    (MemoryError(), "free some memory, or use a smaller --batch-size, and rerun"),
    (MemoryError("Unable to allocate 8.00 GiB"), "(a smaller --batch-size needs less): Unable to allocate 8.00 GiB"),
], ids=["bare", "numpy's"])
def test_a_memory_error_reaching_the_groups_run_names_the_commands_options(monkeypatch, micro_data, tmp_path, error,
                                                                         told):
    """Out of a command body with no run() of its own (experiment's planning), the error reaches the
    group's run(), where click's context is the group's: its options (none to change) were named."""
    from click.testing import CliRunner

    from minitransfer import experiment
    from minitransfer.cli import main

    def fail(**options):
        raise error

    monkeypatch.setattr(experiment, "plan_grid", fail)
    done = CliRunner().invoke(main, ["experiment", "--data", str(micro_data), "-o", str(tmp_path / "g"), "--dry-run"])
    assert done.exit_code == 1 and told in done.output, done.output


def test_a_memory_error_escaping_a_nested_subcommands_options_names_them(monkeypatch, tmp_path):
    """Out of `prepare folder`'s option parsing (SOURCE read as it is given): the error reaches the
    top group's run(), two contexts below it popped; the `prepare` group's options (none to change)
    were named, not `prepare folder`'s --workers."""
    from click.testing import CliRunner

    from minitransfer.cli import _paths, main

    def fail(self, value, param, ctx):
        allocate_beyond_any_host()

    monkeypatch.setattr(_paths.SourceFolder, "convert", fail)
    done = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path), str(tmp_path / "out"), "--size", "32"])
    assert (done.exit_code, done.output) == (1, "error: out of memory: this machine's memory (host RAM) ran out; free "
                                                "some memory, or use fewer --workers, and rerun\n")

"""Each command's module is imported only as that command runs (or its help is asked for): every test, grid task
and user that starts `minitransfer COMMAND` paid for all eight, and for what only `demo` or `experiment` needs.
`minitransfer --help` lists the commands from their first sentences, kept in ``minitransfer.cli.COMMANDS``."""

import pytest
from click.testing import CliRunner

from minitransfer import cli
from minitransfer.cli import main
from cli.test_help_imports import _imported_by

COMMAND_MODULES = {f"minitransfer.cli.{module}" for module in (
    "prepare", "splits", "train", "eval", "info", "experiment", "report", "demo")}


@pytest.mark.parametrize("arguments, module", [(("info", "--help"), "info"), (("train", "--help"), "train")])
def test_a_command_imports_no_other_commands_module(arguments, module):
    modules, printed = _imported_by(*arguments)
    assert printed.startswith(f"Usage: minitransfer {arguments[0]} "), printed  # the probe ran the command
    assert modules & COMMAND_MODULES == {f"minitransfer.cli.{module}"}, sorted(modules & COMMAND_MODULES)


def test_the_list_of_commands_imports_none_of_them():
    """Nor configuration's checks and checkpoints, which `minitransfer --help` needs none of (the error table and
    the wording of messages named them, through minitransfer.config and minitransfer.resume)."""
    modules, printed = _imported_by("--help")
    assert "Commands:" in printed and "  demo " in printed, printed
    assert not modules & COMMAND_MODULES, sorted(modules & COMMAND_MODULES)
    assert not modules & {"minitransfer.config", "minitransfer.resume", "minitransfer.checkpoint"}


def _fresh_group():
    """A group as ``main``, none of its commands imported into it yet (the process may hold their modules)."""
    return cli.LazyCommandGroup(name=main.name, lazy_commands=cli.COMMANDS, params=main.params, help=main.help,
                            context_settings=main.context_settings)


@pytest.mark.parametrize("width", [40, 60, 80, 200])
def test_the_list_of_commands_is_as_the_commands_themselves_say_it(width):
    """The first sentences kept in COMMANDS give the help the commands' own would, at any width."""
    group = _fresh_group()
    listed = CliRunner().invoke(group, ["--help"], terminal_width=width)
    assert not [name for name in cli.COMMANDS if group.commands.loaded(name)]  # listed without importing one
    for name in cli.COMMANDS:
        group.commands[name]  # imported: the list is made of the commands' own help now
    loaded = CliRunner().invoke(group, ["--help"], terminal_width=width)
    assert listed.exit_code == loaded.exit_code == 0, listed.output
    assert listed.output == loaded.output
    assert "Commands:" in listed.output


def test_each_name_is_its_commands():
    group = _fresh_group()
    assert group.list_commands(None) == sorted(cli.COMMANDS)
    for name, (_, _, listed_as) in cli.COMMANDS.items():
        command = group.get_command(None, name)
        assert command.name == name
        assert command.short_help == listed_as.get("short_help"), name
        if command.short_help is None:  # click shortens the help's first sentence, which it ends at
            assert command.get_short_help_str(10**6) == listed_as["help"]
    assert group.get_command(None, "tran") is None

"""What every ``--help`` says is true of the command line as it is: each option it names is one the
command it names has (a renamed option left in another command's text is the classic fault), and
each exit code it names is one of the documented set (DESIGN.md §7), and each count of networks it
gives is the plan's. The examples are run by test_examples.py."""

import re

import click
import pytest
from click.testing import CliRunner

from minitransfer import demo as demos, models
from minitransfer.cli import _errors, main

DOCUMENTED_CODES = {0, _errors.EXIT_ERROR, _errors.EXIT_USAGE, _errors.EXIT_BAD_DATA, _errors.EXIT_IO,
                    _errors.EXIT_INTERRUPTED, _errors.EXIT_OUTPUT_CLOSED}
OPTION = re.compile(r"(?<![\w=/-])--[a-z][\w-]*[a-z0-9]")  # not an option's value: --sbatch-option=--account=lab


def _commands(group=main, path=()):
    """(path, command) of the group and of every command under it."""
    yield path, group
    for name, command in group.commands.items() if isinstance(group, click.Group) else ():
        yield from _commands(command, (*path, name))


COMMANDS = dict(_commands())


def _options(command):
    """``command``'s options; a group's are also those of its commands (prepare's help: "see --overwrite")."""
    subcommands = command.commands.values() if isinstance(command, click.Group) else ()
    return {option for parameter in command.params for option in parameter.opts + parameter.secondary_opts} | \
        {"--help"} | {option for subcommand in subcommands for option in _options(subcommand)}


def _texts(command):
    """What ``--help`` shows of ``command`` in words: its docstring and each option's help."""
    return [command.help or "", *(getattr(parameter, "help", None) or "" for parameter in command.params)]


def _sentences(text):
    """``text`` in sentences; an example line (``minitransfer ...``) is one of its own."""
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.splitlines()
        yield from (line for line in lines if line.strip().startswith("minitransfer "))
        prose = " ".join(line.strip() for line in lines if not line.strip().startswith("minitransfer "))
        yield from re.split(r"(?<=\.)\s+", prose)


_NAMED = re.compile(r"(?<![\w/.-])(" + "|".join(sorted((re.escape(" ".join(path)) for path in COMMANDS if path),
                                                      key=len, reverse=True)) + r")(?![\w/-]|\.\w)")


def _named_commands(sentence):
    """The commands ``sentence`` names ("train --per-class", "prepare folder's", "'splits --format
    json'"), not a folder named so (train/, eval.csv)."""
    return [COMMANDS[tuple(name.split())] for name in _NAMED.findall(sentence)]


def _options_that_are_nowhere(command):
    """The options ``command``'s help names that neither it nor a command named in the same sentence has."""
    return {option for text in _texts(command) for sentence in _sentences(text) for option in OPTION.findall(sentence)
            if not any(option in _options(named) for named in [command, *_named_commands(sentence)])}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: "-".join(path) or "minitransfer")
def test_each_option_a_help_names_is_on_its_command_or_on_one_the_sentence_names(path):
    assert _options_that_are_nowhere(COMMANDS[path]) == set()


def test_an_option_of_another_command_is_found_only_where_its_command_is_named():
    """The check can fail: train's --per-class named bare in eval's help, a renamed option."""
    command = click.Command("eval", params=[click.Option(["--subset"])],
                            help="The N per class of a reduced-data run, --per-class N. As 'train --per-class' does "
                                 "with its --seed. As train --max-iters does.")
    assert _options_that_are_nowhere(command) == {"--per-class", "--max-iters"}


@pytest.mark.parametrize("path", [("train",), ("experiment",), ("demo",)], ids="-".join)
def test_the_preset_default_names_copy_from_only_on_the_command_that_has_it(path):
    """--preset's help, shared, said "for train --copy-from, the base's" under experiment too, which copies
    from no base of the user's; demo's help, which has no --preset, says nothing of --copy-from either."""
    command = COMMANDS[path]
    copies = "--copy-from" in _options(command)
    presets = [parameter.help for parameter in command.params if parameter.name == "preset"]
    assert all(("--copy-from" in text) == copies for text in presets), presets
    assert copies or not any("--copy-from" in text for text in _texts(command)), _texts(command)


@pytest.mark.parametrize("path", [("train",), ("experiment",)], ids="-".join)
def test_the_preset_help_says_what_each_network_is(path):
    """--preset's help named the presets only (and the image sizes each is the default for): a researcher
    choosing one was not told that caffenet is the paper's network and micro a tiny one for the built-in set."""
    [text] = [parameter.help for parameter in COMMANDS[path].params if parameter.name == "preset"]
    for name in ("caffenet", "mini", "micro"):
        assert f"{name}: {models.PRESETS[name].description}" in text, text


def _exit_codes(text):
    """The exit codes ``text`` names: "exit code 74", "(exit 2)", "Exit codes: 0 done, 1 error ...",
    "Exit code 75: ...; 74: ..." and "refused (65)"."""
    named = re.findall(r"\bexit(?: codes?)?:?\s+(\d+)", text, flags=re.I)
    named += re.findall(r"\((\d+)[:)]", text)
    for paragraph in re.split(r"\n\s*\n", text):
        if re.match(r"\s*Exit codes?\b", paragraph):
            named += re.findall(r"[,;]\s+(\d+):?\s", paragraph)
    return {int(code) for code in named}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: "-".join(path) or "minitransfer")
def test_each_exit_code_a_help_names_is_one_of_the_documented_set(path):
    codes = {code for text in _texts(COMMANDS[path]) for code in _exit_codes(text)}
    assert codes - DOCUMENTED_CODES == set()


def test_the_exit_codes_are_read_from_each_way_the_helps_write_them():
    text = ("Refused (exit code 3), or (exit 4); one is refused (5: a reason), or (6).\n\n"
            "Exit codes: 0 done, 7 error (e.g. 8 GPUs), 9 usage.\n\nExit code 10: stopped; 11: failed.")
    assert _exit_codes(text) == {0, 3, 4, 5, 6, 7, 9, 10, 11}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: "-".join(path) or "minitransfer")
def test_each_command_says_or_its_group_says_that_a_reader_gone_is_exit_code_141(path):
    """``minitransfer train --json | head`` ends with 141 (test_output_faults.py), as every command
    does; train's help, prepare's, experiment's and demo's named no such code, nor did the group's."""
    said = [code for text in _texts(COMMANDS[path]) + _texts(main) for code in _exit_codes(text)]
    assert _errors.EXIT_OUTPUT_CLOSED in said


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: "-".join(path) or "minitransfer")
def test_each_command_that_lists_its_exit_codes_names_141_among_them(path):
    """A script reads a command's exit codes in its own help; demo's listed 75, 74, 65, 2 and 1, not
    the 141 that ``demo | head`` ends with (only the group's help named it)."""
    command = COMMANDS[path]
    codes = {code for text in _texts(command) for code in _exit_codes(text)}
    assert _errors.EXIT_INTERRUPTED not in codes or _errors.EXIT_OUTPUT_CLOSED in codes, sorted(codes)


def _said(command, pattern):
    """The number ``pattern`` (one group) finds in ``command``'s help, its lines joined."""
    found = re.search(pattern, " ".join(command.help.split()))
    assert found, f"{command.name}'s help no longer says {pattern!r}"
    return int(found[1])


def test_experiments_help_counts_the_networks_its_default_plan_holds(micro_data, tmp_path):
    """A newcomer sizes a grid by this count; the oracle is the plan --dry-run prints."""
    said = _said(main.commands["experiment"], r"(\d+) in the default plan")
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"),
                                       "--dry-run", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert int(re.search(r"^(\d+) runs in ", result.stdout, flags=re.M)[1]) == said


def test_demos_help_counts_the_networks_of_its_cpu_and_gpu_plans():
    command = main.commands["demo"]
    assert _said(command, r"On the CPU, (\d+) micro networks") == len(demos.CPU_PLAN.runs(0))
    assert _said(command, r"a larger plan: (\d+) networks") == len(demos.GPU_PLAN.runs(0))

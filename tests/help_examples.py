"""The ``minitransfer`` example lines a user reads (each command's ``--help``, the README's code blocks) and
how tests/cli/test_examples*.py run them: in the current folder, unless marked at their end as needing what a
user brings (:data:`NOT_RUN`), whose options are then only checked.

The commands' examples fall into :data:`CHAINS`, commands whose examples use only each other's files (``eval``
reads what ``train``'s wrote); each chain runs in a folder of its own, so that the chains can run in separate
test files, on separate xdist workers (``--dist loadfile``), instead of one test that trained every example's
network in turn (167 s on a loaded machine)."""

import pathlib
import re
import shlex

import click
from click.testing import CliRunner

from minitransfer.cli import main

NOT_RUN = ("# your data", "# takes minutes", "# after ")
README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
CHAINS = (("prepare", "splits"), ("train", "eval", "info"), ("experiment", "report", "demo"))
ORDER = tuple(name for chain in CHAINS for name in chain)


def commands(group, path=()):
    """(path, command) of every command under ``group``, depth first, in :data:`ORDER`."""
    names = sorted(group.commands, key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))
    for name in names:
        command = group.commands[name]
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def examples(text):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("minitransfer ")]


def help_examples(chain=None):
    """(path, its ``--help``'s examples) of every command, or of those under the top-level commands ``chain``."""
    for path, _ in commands(main):
        if chain is None or path[0] in chain:
            text = CliRunner().invoke(main, [*path, "--help"], terminal_width=200).output
            yield path, examples(text)


def readme_blocks():
    """The README's code blocks, and its text outside them."""
    parts = re.split(r"^```[^\n]*\n", README.read_text(), flags=re.M)
    return parts[1::2], "".join(parts[::2])


def readme_examples():
    """The ``minitransfer`` lines of the README's code blocks."""
    return [line for block in readme_blocks()[0] for line in examples(block)]


def command_of(words):
    """The click command a command line names, and the rest of its words."""
    command = main
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command, words = command.commands[words[0]], words[1:]
    return command, words


def run_or_check(line):
    """Run ``line`` (in the current folder) unless it is marked; returns whether it ran."""
    marked = any(mark in line for mark in NOT_RUN)
    words = shlex.split(line.split("#")[0])[1:]
    command, rest = command_of(words)
    known = {option for parameter in command.params for option in parameter.opts + parameter.secondary_opts}
    unknown = [word for word in rest if word.startswith("-") and word.split("=")[0] not in known]
    assert not unknown, f"{line}: no such option {unknown}"
    if marked:
        return False
    result = CliRunner().invoke(main, words, terminal_width=200)
    assert result.exit_code == 0, f"{line}\nexit {result.exit_code}\n{result.output}"
    return True


def run_chain(chain):
    """Run (or check) the ``--help`` examples of the commands ``chain``, in order, in the current folder: the
    lines run and the lines marked."""
    ran, marked = [], []
    for path, shown in help_examples(chain):
        assert shown, f"'minitransfer {' '.join(path)} --help' shows no example"
        for line in shown:
            (ran if run_or_check(line) else marked).append(line)
    return ran, marked

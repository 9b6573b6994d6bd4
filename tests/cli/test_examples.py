"""Every example a user reads runs as written: each command's ``--help`` examples and the README's
``minitransfer`` lines, in one folder, in the order they are shown (issue 14).

An example that needs what a user brings is marked at its end and only its options are checked:
``# your data`` (their images, ImageNet, a cluster), ``# takes minutes`` (a whole grid or the demo,
which tests/cli/test_demo.py runs in miniature) or ``# after ...`` (the result of such a job).
Everything else runs on the built-in synthetic set.
"""

import pathlib
import re
import shlex

import click
import pytest
from click.testing import CliRunner

from minitransfer.cli import main

NOT_RUN = ("# your data", "# takes minutes", "# after ")
README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
ORDER = ("prepare", "splits", "train", "eval", "info", "experiment", "report", "demo")


def _commands(group, path=()):
    """(path, command) of every command under ``group``, depth first, in :data:`ORDER`."""
    names = sorted(group.commands, key=lambda name: ORDER.index(name) if name in ORDER else len(ORDER))
    for name in names:
        command = group.commands[name]
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def _examples(text):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("minitransfer ")]


def _help_examples():
    for path, _ in _commands(main):
        text = CliRunner().invoke(main, [*path, "--help"], terminal_width=200).output
        yield path, _examples(text)


def _readme_examples():
    """The ``minitransfer`` lines of the README's code blocks."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", README.read_text(), flags=re.S | re.M)
    return [line for block in blocks for line in _examples(block)]


def _command(words):
    """The click command a command line names, and the rest of its words."""
    command = main
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command, words = command.commands[words[0]], words[1:]
    return command, words


def _run_or_check(line):
    """Run ``line`` (in the current folder) unless it is marked; returns whether it ran."""
    marked = any(mark in line for mark in NOT_RUN)
    words = shlex.split(line.split("#")[0])[1:]
    command, rest = _command(words)
    known = {option for parameter in command.params for option in parameter.opts + parameter.secondary_opts}
    unknown = [word for word in rest if word.startswith("-") and word.split("=")[0] not in known]
    assert not unknown, f"{line}: no such option {unknown}"
    if marked:
        return False
    result = CliRunner().invoke(main, words, terminal_width=200)
    assert result.exit_code == 0, f"{line}\nexit {result.exit_code}\n{result.output}"
    return True


def test_every_command_has_examples_and_each_runs_or_is_marked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    ran, marked = [], []
    for path, examples in _help_examples():
        assert examples, f"'minitransfer {' '.join(path)} --help' shows no example"
        for line in examples:
            (ran if _run_or_check(line) else marked).append(line)
    assert any(" train " in line and "--copy-from" in line for line in ran)
    assert any(line.startswith("minitransfer eval ") for line in ran)
    assert any(" prepare folder " in line for line in marked)


def test_the_readmes_examples_run_or_are_marked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    examples = _readme_examples()
    assert examples
    for line in examples:
        _run_or_check(line)


def test_an_unmarked_failing_example_or_an_unknown_option_is_caught(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for line in ("minitransfer eval missing.h5", "minitransfer train --no-such-option 1   # your data"):
        with pytest.raises(AssertionError):
            _run_or_check(line)

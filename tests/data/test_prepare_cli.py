"""The examples in the help of 'prepare' and 'splits' run as written (issue 14, item 4), except those
marked "# your data", whose options must still exist."""

import shlex

import click
from click.testing import CliRunner

from minitransfer.cli import main

MARK = "# your data"


def _help_texts():
    """Help of prepare, of each prepare command, then of splits: the order the examples run in."""
    prepare = main.commands["prepare"]
    paths = [["prepare"]] + [["prepare", name] for name in prepare.commands] + [["splits"]]
    return [(path, CliRunner().invoke(main, [*path, "--help"], terminal_width=200).output) for path in paths]


def _examples(text):
    return [line.strip() for line in text.splitlines() if line.strip().startswith("minitransfer ")]


def _command(words):
    """The click command a command line names, and the rest of its words."""
    command = main
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command, words = command.commands[words[0]], words[1:]
    return command, words


def test_every_example_runs_or_is_marked_and_uses_existing_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ran, marked = [], []
    for path, text in _help_texts():
        examples = _examples(text)
        assert examples, f"'minitransfer {' '.join(path)} --help' shows no example"
        for line in examples:
            words = shlex.split(line.split(MARK)[0])[1:]
            command, rest = _command(words)
            known = {option for parameter in command.params for option in parameter.opts}
            unknown = [word for word in rest if word.startswith("--") and word.split("=")[0] not in known]
            assert not unknown, f"{line}: no such option {unknown}"
            if MARK in line:
                marked.append(line)
                continue
            result = CliRunner().invoke(main, words)
            assert result.exit_code == 0, f"{line}\n{result.output}"
            ran.append(line)
    assert any(" prepare synthetic " in line for line in ran) and any(line.startswith("minitransfer splits ") for line in ran)
    assert any(" prepare folder " in line for line in marked)

"""No ``--help`` breaks a word at its hyphen: click's wrapping broke "train --copy-" | "from" and
"--sbatch-" | "option=--account=lab" across lines, which a shell cannot be given by copy and paste.
The oracle is the same help rendered too wide to wrap at all: a line may end in "-" only where that
is a whole word of it."""

import click
import pytest
from click.testing import CliRunner

from minitransfer.cli import main

UNWRAPPED = 100_000  # columns: no help wraps


def _commands(group=main, path=()):
    """(path, command) of the group and of every command under it."""
    yield path, group
    for name, command in group.commands.items() if isinstance(group, click.Group) else ():
        yield from _commands(command, (*path, name))


def _help(path, width):
    result = CliRunner().invoke(main, [*path, "--help"], terminal_width=width)
    assert result.exit_code == 0, result.output
    return result.output


def _broken_at_hyphens(shown, words):
    """Each line end of ``shown`` that is the part before a hyphen of a word of ``words``, the next
    line's first word the rest of it (or its next part), as (line end, next line's first word)."""
    lines = [line.split() for line in shown.splitlines()]
    return [(line[-1], following[0]) for line, following in zip(lines, lines[1:])
            if line and following and line[-1].endswith("-")
            and any(word.startswith(line[-1] + following[0]) for word in words)]


@pytest.mark.parametrize("width", [60, 80, 100])
@pytest.mark.parametrize("path", [path for path, _ in _commands()], ids=lambda path: "-".join(path) or "main")
def test_no_help_breaks_a_word_at_its_hyphen(path, width):
    words = set(_help(path, UNWRAPPED).split())
    assert _broken_at_hyphens(_help(path, width), words) == []


def test_a_word_broken_at_its_hyphen_is_found():
    words = {"train", "--copy-from,", "tensor-core", "-"}
    shown = "see train --copy-\n  from, and tensor-\ncore\n  a lone -\nhere"
    assert _broken_at_hyphens(shown, words) == [("--copy-", "from,"), ("tensor-", "core")]


@pytest.mark.parametrize("width", [40, 60, 80, 100])
@pytest.mark.parametrize("path", [path for path, command in _commands() if not isinstance(command, click.Group)],
                         ids="-".join)
def test_a_command_help_wrapped_holds_the_words_of_its_help_unwrapped(path, width):
    """Wrapping changes only where lines end (a group's command list shortens its summaries to the width:
    below). A word wider than its column is put on a line of its own, whole: click cut it, at 60 columns
    "--sbatch-option=--acc" | "ount=lab." in experiment's help, at 40 "--cop" | "y-from," in train's."""
    assert _help(path, width).split() == _help(path, UNWRAPPED).split()


def _cut_words(shown, words):
    """The words of ``shown`` that are not words of ``words`` (the help unwrapped), but for a summary shortened
    by a group's command list: its last word's start followed by "..."."""
    return [word for word in shown.split() if word not in words
            and not (word.endswith("...") and any(each.startswith(word[:-3]) for each in words))]


def test_a_cut_word_is_found():
    words = {"e.g.", "--sbatch-option=--account=lab.", "Train", "one", "network."}
    assert _cut_words("e.g. --sbatch-option=--acc\n ount=lab.\nTrain one...", words) == \
        ["--sbatch-option=--acc", "ount=lab."]


@pytest.mark.parametrize("columns", ["40", "60", "80"])
@pytest.mark.parametrize("path", [path for path, _ in _commands()], ids=lambda path: "-".join(path) or "main")
def test_no_help_cuts_a_word_at_the_terminals_width(path, columns, monkeypatch, capsys):
    """As a user sees it at a narrow terminal (COLUMNS): ``minitransfer experiment --help`` at 60 columns
    showed "e.g. --sbatch-option=--acc" and "ount=lab." on the next line; every word, option names included,
    is now whole, on a line of its own where it is wider than the line."""
    words = set(_help(path, UNWRAPPED).split())
    shown = _help_at_terminal(path, columns, monkeypatch, capsys)
    assert _cut_words(shown, words) == [], shown


@pytest.mark.parametrize("columns", ["40", "60", "80", "200"])
@pytest.mark.parametrize("path", [path for path, _ in _commands()], ids=lambda path: "-".join(path) or "main")
def test_no_help_breaks_a_word_at_its_hyphen_at_the_terminals_width(path, columns, monkeypatch, capsys):
    """As a user sees it: the width is the terminal's (COLUMNS), at most max_content_width."""
    words = set(_help(path, UNWRAPPED).split())
    assert _broken_at_hyphens(_help_at_terminal(path, columns, monkeypatch, capsys), words) == []


def _help_at_terminal(path, columns, monkeypatch, capsys):
    """The help of ``path`` at a terminal ``columns`` wide: not through CliRunner, which sets click's width to
    80 whatever COLUMNS says (this file's test at "60" columns saw 80)."""
    monkeypatch.setenv("COLUMNS", columns)
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"], prog_name=main.name)
    assert exited.value.code == 0
    return capsys.readouterr().out

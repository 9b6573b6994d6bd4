"""``minitransfer report --help`` teaches in a screen (it was 111 lines): what the command reads and
writes, each option and each exit code; the rest is in docs/report.md, which it names."""

import pathlib
import re

from click.testing import CliRunner

from minitransfer.cli import main

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "report.md"
SCREEN = 45  # lines of a terminal


def _help():
    result = CliRunner().invoke(main, ["report", "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_help_fits_a_screen_and_names_where_the_rest_is():
    text = _help()
    assert len(text.splitlines()) <= SCREEN
    assert "docs/report.md" in " ".join(text.split()) and DOCS.is_file()


def test_each_option_and_each_exit_code_of_the_help_is_in_the_docs_too():
    """The help keeps what a user needs (every option, every exit code); the docs give them all."""
    command, docs = main.commands["report"], " ".join(DOCS.read_text().split())
    for option in (option for parameter in command.params for option in parameter.opts if option.startswith("--")):
        assert option in _help()
    codes = " ".join(_help().split("Exit codes:")[1].split("Examples:")[0].split())
    for code in ("0 done", "1 error", "2 usage", "65 bad data", "74 ", "75 interrupted", "141 "):
        assert code in codes and code in docs, code


def test_the_docs_hold_no_control_character_and_the_help_examples_in_a_code_block():
    """Before, click's no-rewrap mark (a backspace) was copied into docs/report.md with the examples,
    which ran as one paragraph into the next heading."""
    docs = DOCS.read_text()
    assert not re.search(r"[\x00-\x08\x0b-\x1f]", docs)
    examples = [line.strip() for line in _help().split("Examples:")[1].split("Options:")[0].splitlines()
                if line.strip()]
    block = docs.split("## Examples\n\n```\n")[1].split("```\n")[0]
    assert [line.strip() for line in block.splitlines()] == examples


def test_the_help_says_what_reference_takes_and_how_runs_are_paired_and_refused():
    """--reference showed as TEXT; the help named no pairing of a network with its folder's base, nor
    the refusal of transfers across datasets from several source datasets."""
    text = " ".join(_help().split())
    assert "--reference paper|FILE" in text
    assert "measured against the base of its target in its own folder" in text
    assert "transfers across datasets from several source datasets" in text


def test_the_docs_say_how_runs_are_paired_with_bases_and_which_are_refused():
    """docs/report.md, "all it does", named neither how a network finds its base by folder (its own;
    the one other folder holding one; none where several do) nor the refusal of transfers across
    datasets from several source datasets, which the help and the code had."""
    docs = " ".join(DOCS.read_text().split())
    assert "measured against the base of its target (the same split, split seed or replicate, and half) in its " \
           "own folder" in docs
    assert "the base in the one other folder that holds one is its own" in docs
    assert "where several other folders hold one, which is its own cannot be told, and it has none" in docs
    assert "So are transfers across datasets from several source datasets" in docs
    exit_codes = docs.split("## Exit codes")[1]
    assert "(or transfers across datasets from several source datasets)" in exit_codes

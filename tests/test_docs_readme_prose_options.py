"""The commands the README's prose quotes in backticks (`experiment --dry-run`, `minitransfer demo --seed S`,
`train --data T --copy-from baseS.h5 --n 3 --frozen`) name only options their command takes: its code blocks'
lines are checked (tests/cli/test_examples_readme.py) and the docs/ pages' prose (tests/test_docs_page_options.py),
its prose by no test, so an option renamed in the code would leave a sentence telling a newcomer to type one that
is refused. Also what the README says of its own data that the code words: a PNG skipped for its metadata."""

import pathlib
import re
import shlex

import click

from help_examples import command_of
from minitransfer.cli import main
from minitransfer.data import skip_reasons

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _quoted_commands(text):
    """The backticked commands of ``text``'s prose (code blocks left out): those whose first word, after an optional
    ``minitransfer``, is one of the command line's commands, and that give it more than its name."""
    prose = " ".join(re.sub(r"^```[^\n]*\n.*?^```", "", text, flags=re.M | re.S).split())
    found = []
    for quoted in re.findall(r"`([^`]+)`", prose):
        words = quoted.split()
        words = words[1:] if words[:1] == ["minitransfer"] else words
        if len(words) >= 2 and words[0] in main.commands:
            found.append(shlex.split(" ".join(words)))
    return found


def _unknown(words):
    """The options of the command line ``words`` (after ``minitransfer``) that its command does not take; a lone
    ``-`` is a value (stdout, as `train -o -` quotes it), not an option."""
    command, rest = command_of(words)
    known = {"--help", "-h"} | {option for parameter in command.params
                                for option in parameter.opts + parameter.secondary_opts}
    return [word for word in rest if word.startswith("-") and word != "-" and word.split("=")[0] not in known]


def test_every_command_the_readmes_prose_quotes_takes_the_options_it_gives():
    commands = _quoted_commands(README.read_text())
    assert len(commands) >= 15, commands  # what this test reads: a regex that matched nothing would pass
    assert [" ".join(words) for words in commands if _unknown(words)] == []


def test_a_quoted_command_with_an_option_of_no_command_is_caught():
    text = "Run `experiment --dry-run` first, then `minitransfer train --no-such-flag 3` and `demo --seed S`.\n" \
           "```\nminitransfer train --also-unknown\n```\n"
    commands = _quoted_commands(text)
    assert [" ".join(words) for words in commands] == \
        ["experiment --dry-run", "train --no-such-flag 3", "demo --seed S"]
    assert [_unknown(words) for words in commands] == [[], ["--no-such-flag"], []]


def test_the_readme_compares_a_dataset_with_itself_with_prepare_overlap_taking_it_twice():
    commands = [words for words in _quoted_commands(README.read_text()) if words[:2] == ["prepare", "overlap"]]
    assert any(len(words) == 4 and words[2] == words[3] for words in commands), commands


def test_the_readmes_remedy_for_a_png_whose_metadata_is_too_large_is_the_one_skipped_txt_gives():
    prose = " ".join(README.read_text().split())
    said = re.search(r"A PNG whose metadata .*? is skipped, listed in `skipped.txt` with that reason: .*?\(`([^`]+)`\)",
                     prose)
    assert said, "the README no longer says a PNG whose metadata is too large is skipped"
    assert said[1] in skip_reasons.METADATA_TOO_LARGE


# Options the pages name of other tools: pytest's (-n's --dist, the suite's --emulate-gpu, --help), sbatch's and
# srun's (the SLURM section), docker's --cpus, scancel's --full: none of minitransfer's
OTHER_TOOLS = {"--dist", "--emulate-gpu", "--help", "--clusters", "--cpus", "--error", "--export", "--full", "--mem",
               "--no-requeue", "--open-mode", "--output", "--signal", "--test-only", "--wait"}


def _options_of(command):
    """Every option of ``command`` and of the commands below it."""
    below = command.commands.values() if isinstance(command, click.Group) else ()
    return {option for parameter in command.params for option in parameter.opts + parameter.secondary_opts} | \
        {option for sub in below for option in _options_of(sub)}


def _unknown_options(text, known):
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]+)", text)) - known - OTHER_TOOLS)


def test_every_option_the_readme_and_the_docs_pages_name_is_one_of_a_command():
    """A bare option in prose (`--val-fraction`, `--family-a`) is checked by neither test above: one renamed in the
    code would be left named on the page."""
    pages = [README] + [page for page in sorted(README.parent.glob("docs/*.md")) if page.name != "changes.md"]
    known = _options_of(main)
    assert {page.name: _unknown_options(page.read_text(), known) for page in pages} == \
        {page.name: [] for page in pages}
    assert _unknown_options("hold out `--val-fraction` or `--val-fractoin`; --eval-every", known) == \
        ["--val-fractoin"]

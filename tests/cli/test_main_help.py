"""``minitransfer --help``, the first page a newcomer reads, teaches as a command's does: a worked example (the
README's first lines, which tests/cli/test_examples_readme.py runs) and the exit codes every command shares. It
named only 74 and 141, in passing: a user scripting around a grid could not tell 65 (bad data) from 2 (usage)
without reading each command's page."""

import re

from click.testing import CliRunner
from help_examples import commands, examples, readme_examples

from minitransfer.cli import _errors, main


def _shown(width=200):
    return CliRunner().invoke(main, ["--help"], terminal_width=width).output


def test_the_top_level_help_names_every_exit_code_a_command_exits_with():
    codes = {0, _errors.EXIT_ERROR, _errors.EXIT_USAGE, _errors.EXIT_BAD_DATA, _errors.EXIT_IO,
             _errors.EXIT_INTERRUPTED, _errors.EXIT_OUTPUT_CLOSED}
    said = re.search(r"Exit codes\b(.*?)\n\n", " ".join(_shown().split(" ")), flags=re.S)
    assert said, "minitransfer --help names no exit codes"
    named = {int(code) for code in re.findall(r"(?<![\w.-])(\d+) (?=[a-z])", " ".join(said[1].split()))}
    assert named == codes, (sorted(named), sorted(codes))


def test_its_examples_are_lines_the_readme_runs():
    shown = examples(_shown())
    assert len(shown) >= 3 and any("--copy-from" in line for line in shown)
    readme = {" ".join(line.split("#")[0].split()) for line in readme_examples()}
    assert [line for line in shown if " ".join(line.split("#")[0].split()) not in readme] == []


def test_it_fits_80_columns_but_for_its_example_lines():
    wide = [line for line in _shown(80).splitlines()
            if len(line) > 80 and not line.strip().startswith("minitransfer ") and not line.startswith("Usage:")]
    assert wide == [], wide


def test_an_example_that_needs_a_cluster_says_so():
    """experiment's help showed `bash slurm/submit.sh` unmarked among lines that run here: pasted on a laptop, it
    failed in squeue's DNS errors, with exit 1."""
    unmarked = []
    for path, _ in commands(main):
        shown = CliRunner().invoke(main, [*path, "--help"], terminal_width=200).output
        unmarked += [line.strip() for line in shown.splitlines()
                     if line.strip().startswith("bash ") and "submit.sh" in line and "cluster" not in line]
    assert unmarked == []

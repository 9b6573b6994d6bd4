"""``minitransfer --help``: the line each command has in the list says what it does."""

from click.testing import CliRunner

from minitransfer.cli import main


def test_the_inspection_commands_are_summed_up_in_a_whole_sentence():
    """Their first sentences were longer than the line: "eval  Top-1, top-5 and loss of CHECKPOINT (a
    weights file, a..." (on an 80-column terminal)."""
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listed = dict(line.split(None, 1) for line in result.output.split("Commands:\n")[1].splitlines())
    assert listed["eval"] == "Top-1, top-5 and loss of a network on its half's images."
    assert listed["info"] == "Layers, frozen flags and provenance of a network."
    assert listed["splits"] == "The classes and image counts of a split's halves."

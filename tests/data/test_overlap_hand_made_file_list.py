"""An image-files.json edited or written by hand: a name with a newline, a terminal's escape sequence, a
right-to-left override or a lone surrogate split or garbled `prepare overlap`'s lines, and a list of numbers, nulls
and dicts was printed as names. Such names are escaped as the listing escapes them; entries that are no text make
the list disbelieved (images named by number)."""

import json

import pytest
from click.testing import CliRunner
from overlap_photos import photo, prepared

from minitransfer.cli import main
from minitransfer.data import image_files


@pytest.fixture
def two(tmp_path):
    source = prepared(tmp_path / "X", {"bus": [photo(1), photo(2)], "oak": [photo(3)]}, 16)
    target = prepared(tmp_path / "Y", {"elm": [photo(5)], "tram": [photo(6), photo(2)]}, 16)
    return target, source, tmp_path / "Y-16" / image_files.FILE


def _overlap_lines(target, source, listed, names):
    recorded = json.loads(listed.read_text())
    recorded["files"]["train"] = names
    listed.write_text(json.dumps(recorded))
    said = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert said.exit_code == 0, said.output
    return said.stdout.splitlines()[2:]


def test_names_a_hand_wrote_are_escaped_on_their_one_line(two):
    lines = _overlap_lines(*two, ["a", "b", "tram/\n\x1b[31m\u202e1.png\udcff"])
    # Oracle: each character escaped as written out by hand, the backslash of an escape kept as it is
    assert lines == ["  tram/\\n\\x1b[31m\\u202e1.png\\xff (train image 2) of 'tram' like bus/1.png (train image 1) "
                     "of 'bus'"]
    assert _overlap_lines(*two, ["a", "b", "tram/caf\\xe9.png"])[0].startswith("  tram/caf\\xe9.png (train image 2)")


@pytest.mark.parametrize("names", [[0, 1, 2], ["a", "b", None], ["a", "b", {"c": 1}], ["a", "b", ["c"]]])
def test_a_list_of_other_than_text_is_not_believed(two, names):
    assert _overlap_lines(*two, names) == ["  train image 2 of 'tram' like bus/1.png (train image 1) of 'bus'"]

"""Unicode's format characters (category Cf) in a name a message shows: a class named "evil\u202etxt.exe" showed,
through a right-to-left override, as "evilexe.txt" and reordered what followed on the line; a zero-width space or
a byte order mark hid in it. They are escaped, as control characters are (category Cc)."""

import codecs
import unicodedata

import pytest

from minitransfer.class_tables import described_class
from minitransfer.data.inputs import display_name

# one of each kind: bidirectional override and isolate, zero-width space and joiner, BOM, soft hyphen, a tag
FORMAT = ["\u202e", "\u2066", "\u200b", "\u200d", "\ufeff", "\u00ad", "\U000e0041"]


@pytest.mark.parametrize("char", FORMAT + ["\x1b", "\x9b"], ids=lambda char: f"U+{ord(char):04X}")
def test_a_format_or_control_character_in_a_class_name_is_shown_escaped(char):
    assert unicodedata.category(char) in ("Cf", "Cc")
    shown = described_class({"wnid": "n01", "name": f"evil{char}txt.exe"})
    assert not any(unicodedata.category(seen) in ("Cf", "Cc") for seen in shown), repr(shown)
    assert shown.startswith("'n01' (evil\\") and shown.endswith("txt.exe)")
    escape = shown.removeprefix("'n01' (evil").removesuffix("txt.exe)")
    assert escape.isascii() and codecs.decode(escape, "unicode_escape") == char  # as a Python literal reads it


def test_other_text_is_kept_as_it_is():
    name = "Straße 東京 café – ok"
    assert display_name(name) == name

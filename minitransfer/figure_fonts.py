"""Which characters the figures can draw: a name in a script matplotlib's DejaVu Sans lacks (Chinese,
Japanese family or run names) was drawn as empty boxes, with a "Glyph ... missing" warning per character.
A text falls back to a font on this machine that has its characters (:func:`font_with`), else shows them
escaped (``\\u52d5``: :func:`drawable`), and the report says so once (:func:`escaped_note`)."""

import functools
import unicodedata


def missing_characters(text, properties=None):
    """The characters of ``text`` (not spaces) that the font matplotlib picks for ``properties`` (a
    ``FontProperties``; default: the figures' default font) has no glyph for, as a frozenset."""
    from matplotlib import font_manager

    font = font_manager.get_font(font_manager.findfont(properties or font_manager.FontProperties()))
    return frozenset(c for c in text if not c.isspace() and not font.get_char_index(ord(c)))


def drawable(text):
    """``text`` as the figures can draw it in their default font or, failing that, in any font on this
    machine: characters no font has escaped (``\\u52d5``). Applied before a title or legend is laid out, so
    that it is wrapped at the width it is drawn with (escaped after the layout, a Japanese family's name
    six times wider pushed figure 3's title off both edges)."""
    missing = missing_characters(text)
    if not missing or font_with(missing):
        return text
    return escaped(text, missing)


def escaped(text, missing):
    """``text`` with the characters ``missing`` written as Python escapes them (``\\u52d5``)."""
    return "".join(c.encode("unicode_escape").decode() if c in missing else c for c in text)


def text_cells(text):
    """The width of ``text`` in Latin letters: an East Asian wide or full-width character counts two, and so
    does a backslash (a text of escapes, \\u52d5\\u7269, holds no narrow spaces: it is wider than its length)."""
    return sum(2 if c == "\\" or unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def escaped_note(names):
    """The note saying once that ``names`` (the originals of the texts :func:`drawable` or
    :func:`minitransfer.figures.readable` escaped) are escaped in the figures; None for none."""
    if not names:
        return None
    names = sorted(names)
    shown = ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")
    return (f"note: the figures show {len(names)} name(s) with characters escaped (\\u52d5 ...), as no font on this "
            f"machine has them: {shown}; the tables keep the names (install a font that has them, such as Noto "
            f"Sans CJK, then run report again)")


@functools.lru_cache(maxsize=None)
def font_with(characters):
    """The name of a font matplotlib knows on this machine (regular ones first) that has a glyph for
    every one of ``characters``, or None; not matplotlib's Last Resort font, whose glyphs are boxes."""
    from matplotlib import font_manager

    entries = sorted(font_manager.fontManager.ttflist, key=lambda e: (e.style != "normal", e.weight != 400, e.name))
    for entry in entries:
        if entry.name.startswith("Last Resort"):
            continue
        try:
            font = font_manager.get_font(entry.fname)
        except (OSError, RuntimeError):  # a font file that cannot be read is no font
            continue
        if all(font.get_char_index(ord(c)) for c in characters):
            return entry.name
    return None

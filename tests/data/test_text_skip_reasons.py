"""A web page saved as cat.jpg (README: "told by their first bytes"), an SVG drawing, an XML or JSON annotation
file in a class folder were each skipped as "not an image, or in a format Pillow cannot read", which sent one to
look for a format to convert a web page from. Each is now named as what it is; an SVG, with how to convert it.
Text that is an image (XPM, ASCII PGM) still decodes, and other text stays "not an image, or ..."."""

import io

import pytest
from PIL import Image

from minitransfer.data import decode, skip_reasons

CASES = {
    "html": (b"<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not Found</body></html>\n",
             "not an image but a web page (HTML"),
    "html-bom-comment": ("\ufeff  <!-- saved page -->\n<HTML lang='fr'><body>café</body></HTML>".encode(),
                         "not an image but a web page (HTML"),
    "svg": (b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>',
            "an SVG drawing (vector graphics), which Pillow does not read: convert it to PNG"),
    "xml": (b'<?xml version="1.0"?>\n<annotation><object><name>cat</name></object></annotation>\n',
            "not an image but an XML file"),
    "json": (b'{"images": [{"file": "1.jpg", "label": "cat"}]}\n', "not an image but a JSON file"),
}


def _reason(tmp_path, data, name="cat.jpg"):
    path = tmp_path / name
    path.write_bytes(data)
    return decode.load_item(decode.ImportItem(path=str(path)), 8)[:2]


@pytest.mark.parametrize("case", CASES)
def test_text_of_a_known_kind_is_named_as_what_it_is(tmp_path, case):
    data, words = CASES[case]
    with pytest.raises(Image.UnidentifiedImageError):  # the oracle: Pillow does not identify it at all
        Image.open(io.BytesIO(data))
    pixels, reason = _reason(tmp_path, data)
    assert pixels is None and reason.startswith(words), reason
    assert reason != skip_reasons.UNIDENTIFIED


def test_a_page_cut_within_a_character_at_the_first_bytes_end_is_still_named(tmp_path):
    """The kind is told from the first 256 bytes, which may end inside a character of several bytes."""
    data = b"<html> " + "é".encode() * 200  # 7 + 249 bytes: the 256th the first of a character
    assert data[:256].decode("utf-8", "replace").endswith("\ufffd")  # the oracle: 256 bytes cut the character
    assert _reason(tmp_path, data)[1].startswith("not an image but a web page")


@pytest.mark.parametrize("data", [b"hello, not a picture", b"GIF89a<html>", b"<html>\x00\x01binary"],
                         ids=["plain-text", "gif-signature", "control-bytes"])
def test_other_text_and_cut_images_keep_their_reasons(tmp_path, data):
    reason = _reason(tmp_path, data)[1]
    assert "web page" not in reason and "text" not in reason, reason


@pytest.mark.parametrize("kind", ["XPM", "PPM"])
def test_an_image_stored_as_text_still_decodes(tmp_path, kind):
    buffer = io.BytesIO()
    if kind == "XPM":  # Pillow reads XPM, writes none: a 2-colour one by hand
        buffer.write(b'/* XPM */\nstatic char *x[] = {\n"2 2 2 1",\n"a c #000000",\n"b c #FFFFFF",\n"ab",\n"ba"};\n')
    else:  # ASCII PGM (P2), text through and through
        buffer.write(b"P2\n2 2\n255\n0 255\n255 0\n")
    pixels, reason = _reason(tmp_path, buffer.getvalue(), f"cat.{kind.lower()}")
    assert reason is None and pixels is not None and pixels.shape == (8, 8, 3)
    assert {int(pixels.min()), int(pixels.max())} == {0, 255}

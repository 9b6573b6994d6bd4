"""Files of text saved among photos are skipped naming what they are (``image_formats.text_reason``), but only
where they were UTF-8 and began with the kind's tag: a web page saved as UTF-16 (Notepad's "Unicode", PowerShell 5's
``>``), or in Latin-1 with an "é" among its first bytes, an XHTML page (``<?xml ...?><!DOCTYPE html``), an SVG with
a stylesheet instruction before its tag, and an SVG compressed with gzip (.svgz; or a page saved as downloaded,
gzip-encoded) were "not an image, or in a format Pillow cannot read", an XML file, or a gzip file. Each is now named
as what it is; text that is no such kind, and other gzip files, keep their reasons."""

import contextlib
import gzip
import io

import pytest
from PIL import Image

from minitransfer.data import decode, skip_reasons

PAGE = "<!DOCTYPE html>\n<html><head><title>Page introuvable</title></head><body>Désolé</body></html>\n"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>\n'
WEB_PAGE, SVG_DRAWING = "not an image but a web page (HTML", "an SVG drawing (vector graphics)"

CASES = {
    "utf-16-page": ("\ufeff" + PAGE).encode("utf-16-le"),
    "utf-16-be-svg": ("\ufeff" + SVG).encode("utf-16-be"),
    "latin-1-page": ("<!-- enregistrée -->\n" + PAGE).encode("latin-1"),
    "xhtml": ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
              '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml">'
              '<body/></html>').encode(),
    "svg-stylesheet": ('<?xml version="1.0"?>\n<?xml-stylesheet type="text/css" href="a.css"?>\n' + SVG).encode(),
}
EXPECTED = {"utf-16-page": WEB_PAGE, "utf-16-be-svg": SVG_DRAWING, "latin-1-page": WEB_PAGE, "xhtml": WEB_PAGE,
            "svg-stylesheet": SVG_DRAWING}


def _reason(tmp_path, data, name="cat.jpg"):
    path = tmp_path / name
    path.write_bytes(data)
    pixels, reason = decode.load_item(decode.ImportItem(path=str(path)), 8)[:2]
    assert pixels is None
    return reason


@pytest.mark.parametrize("case", CASES)
def test_text_in_another_encoding_or_after_a_prolog_is_named_as_what_it_is(tmp_path, case):
    data = CASES[case]
    with pytest.raises(Image.UnidentifiedImageError):  # the oracle: Pillow does not identify it at all
        Image.open(io.BytesIO(data))
    with pytest.raises(UnicodeDecodeError) if case.startswith(("utf-16", "latin")) else contextlib.nullcontext():
        data[:256].decode("utf-8")  # the oracle: no UTF-8 (the others: UTF-8 whose first tag is not the kind's)
    assert _reason(tmp_path, data).startswith(EXPECTED[case])


@pytest.mark.parametrize("text, words", [(SVG, SVG_DRAWING), (PAGE + " " * 3000, WEB_PAGE)], ids=["svgz", "page"])
def test_text_compressed_with_gzip_is_named_with_what_it_holds(tmp_path, text, words):
    data = gzip.compress(text.encode())
    assert gzip.decompress(data).decode() == text  # the oracle: gzip of that text
    reason = _reason(tmp_path, data, "drawing.svgz")
    assert reason.startswith(words) and "compressed with gzip" in reason, reason


def test_a_gzip_file_of_no_text_is_still_a_gzip_file(tmp_path):
    data = gzip.compress(bytes(range(256)) * 8)
    assert _reason(tmp_path, data, "weights.bin") == skip_reasons.NOT_AN_IMAGE.format("a gzip file")


@pytest.mark.parametrize("data", ["\ufeffhello, no picture".encode("utf-16-le"), b"caf\xe9, no picture",
                                  b"[1, 2, 3]\n"], ids=["utf-16-text", "latin-1-text", "json-of-numbers"])
def test_other_text_keeps_its_reason(tmp_path, data):
    assert _reason(tmp_path, data) == skip_reasons.UNIDENTIFIED


"""An SVG drawing compressed with gzip (.svgz) saved among photos was skipped as "an SVG drawing ..., which Pillow
does not read: convert it to PNG (rsvg-convert, inkscape) and rerun (compressed with gzip: ...)": the words on the
compression, after the advice, read as though the rerun were compressed. They now follow what the file is, and the
advice ends the reason, as it does for an SVG file not compressed."""

import gzip

from minitransfer.data import decode

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>\n'


def _reason(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    pixels, reason = decode.load_item(decode.ImportItem(path=str(path)), 8)[:2]
    assert pixels is None
    return reason


def test_an_svgz_drawing_is_said_compressed_before_the_advice_to_convert_it(tmp_path):
    data = gzip.compress(SVG.encode())
    assert gzip.decompress(data).decode() == SVG  # the oracle: gzip of an SVG drawing
    plain, compressed = _reason(tmp_path, SVG.encode(), "plain.jpg"), _reason(tmp_path, data, "drawing.svgz")
    advice = "convert it to PNG (rsvg-convert, inkscape) and rerun"
    assert plain.endswith(advice) and compressed.endswith(advice), compressed
    assert compressed.startswith("an SVG drawing") and compressed.index("gzip") < compressed.index(advice), compressed

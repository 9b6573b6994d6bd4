"""A file above MAX_MEMBER_BYTES is decoded from disk, not from bytes held whole; why it is skipped (an EPS
without Ghostscript, a HEIF photo without its plugin) was told from the bytes held, none for it: it was called
damaged, or "not an image", where the same file below the limit was named for what it is."""

import pytest

from minitransfer.data import decode, image_formats

EPS = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n%%EndComments\n"
       b"newpath 0 0 moveto 8 8 lineto stroke\nshowpage\n%%EOF\n")
_BRANDS = b"heic\0\0\0\0mif1heic"
HEIC = (8 + len(_BRANDS)).to_bytes(4, "big") + b"ftyp" + _BRANDS + b"\0\0\0\x08meta" + bytes(40)


@pytest.mark.parametrize("name, content, expected", [
    ("drawing.eps", EPS, image_formats.GHOSTSCRIPT_MISSING),
    ("IMG_0001.HEIC", HEIC, image_formats.plugin_reason("HEIF")),
], ids=["eps", "heic"])
def test_a_file_above_the_limit_is_named_as_the_same_file_below_it(tmp_path, monkeypatch, ghostscript, name, content,
                                                                  expected):
    ghostscript(found=False)
    monkeypatch.setattr(image_formats, "pillow_reads", lambda format_name: False)  # no plugin installed
    path = tmp_path / name
    path.write_bytes(content)
    item = decode.ImportItem(path=str(path))
    pixels, below, _ = decode.load_item(item, 8)
    assert pixels is None and below == expected
    monkeypatch.setattr(decode, "MAX_MEMBER_BYTES", len(content) - 1)  # now decoded from the file on disk
    pixels, above, digest = decode.load_item(item, 8)
    assert pixels is None and digest is None  # not held whole: no digest, as documented
    assert above == below

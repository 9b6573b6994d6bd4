"""A PNG whose metadata decompresses to more than Pillow reads (a zTXt/iTXt text chunk or an iCCP colour profile
above PngImagePlugin.MAX_TEXT_CHUNK, 1 MB; text chunks above MAX_TEXT_MEMORY, 64 MB, in all: Pillow's guard against
decompression bombs) is refused by Pillow as it is opened. The import skipped it with Pillow's words alone,
"Decompressed data too large for PngImagePlugin.MAX_TEXT_CHUNK": a setting of Pillow's, not what is at fault (the
metadata, not the pixels) nor what to do. It is now named so, with the remedy."""

import io
import struct
import zlib

import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import decode, skip_reasons

MB = 1 << 20


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_with(*chunks):
    """A sound 6x5 PNG with ``chunks`` before its pixels (IDAT)."""
    buffer = io.BytesIO()
    Image.new("RGB", (6, 5), (200, 30, 40)).save(buffer, "PNG")
    data = buffer.getvalue()
    at = data.index(b"IDAT") - 4
    return data[:at] + b"".join(chunks) + data[at:]


def _ztxt(decompressed):
    return _chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"x" * decompressed, 9))


# each PNG made where a test reads it, not as the suite is collected (a tenth of a second of compression)
CASES = {"comment": lambda: _png_with(_ztxt(2 * MB)),
         "colour-profile": lambda: _png_with(_chunk(b"iCCP", b"icc\0\0" + zlib.compress(bytes(2 * MB), 9))),
         "many-comments": lambda: _png_with(*[_ztxt(MB - 64)] * 66)}  # each under 1 MB, 66 MB in all


@pytest.mark.parametrize("case", CASES)
def test_metadata_too_large_is_named_with_what_to_do(tmp_path, case):
    png = CASES[case]()
    with pytest.raises(ValueError):  # the oracle: Pillow refuses the file as it opens it
        Image.open(io.BytesIO(png))
    Image.open(io.BytesIO(_png_with())).load()  # and the same PNG without the metadata is sound
    path = tmp_path / "cat.png"
    path.write_bytes(png)
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(path)), 8)
    assert pixels is None
    assert reason.startswith("its metadata (a text chunk such as XMP, or a colour profile) decompresses to more "
                             "than Pillow will read"), reason
    assert reason.endswith(": save it again without its metadata (mogrify -strip FILE) and rerun"), reason


def test_prepare_lists_it_so(tmp_path):
    source = tmp_path / "photos"
    for name in ("ant", "bee"):
        (source / name).mkdir(parents=True)
        for index in range(2):
            colour = (index * 90, 40, 200 if name == "ant" else 10)
            Image.new("RGB", (6, 5), colour).save(source / name / f"{index}.png")
    (source / "ant" / "xmp.png").write_bytes(CASES["comment"]())
    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    listed = dict(line.split("\t") for line in (tmp_path / "out" / "skipped.txt").read_text().splitlines())
    assert list(listed) == [str(source / "ant" / "xmp.png")]
    assert listed[str(source / "ant" / "xmp.png")] == skip_reasons.METADATA_TOO_LARGE.format(
        "Decompressed data too large for PngImagePlugin.MAX_TEXT_CHUNK")

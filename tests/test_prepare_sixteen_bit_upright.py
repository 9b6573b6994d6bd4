"""16-bit PNGs carrying an EXIF orientation (a PNG's eXIf chunk), and 16-bit greyscale with alpha, decode upright
with their high byte kept: checked against pixels made here with NumPy (the high byte, np.rot90 for orientation 6,
alpha dropped), then warped as the import documents (bilinear). The orientation is read before the 16-bit samples
are narrowed: neither step may lose the other."""

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from minitransfer.data import decode

ROTATED = 6  # EXIF: the stored image must be turned 90 degrees clockwise to be upright


def _chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png16(samples, colour_type, orientation=None):
    """A 16-bit PNG's bytes, written without Pillow (which saves no 16-bit RGB): ``samples`` uint16 (H, W[, C]),
    ``colour_type`` 0 grey, 2 RGB, 4 grey + alpha, 6 RGBA; an eXIf chunk holding ``orientation`` where given."""
    height, width = samples.shape[:2]
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in samples)
    exif = b""
    if orientation is not None:
        tags = Image.Exif()
        tags[0x0112] = orientation
        exif = _chunk(b"eXIf", tags.tobytes())
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0))
            + exif + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b""))


def _warped(rgb, size):
    return np.asarray(Image.fromarray(np.ascontiguousarray(rgb), "RGB").resize((size, size), Image.Resampling.BILINEAR))


@pytest.mark.parametrize("shape,colour_type,orientation", [((10, 7), 0, ROTATED), ((10, 7, 3), 2, ROTATED),
                                                            ((10, 7, 2), 4, None), ((10, 7, 4), 6, ROTATED)],
                         ids=["grey-rotated", "rgb-rotated", "grey-alpha", "rgba-rotated"])
def test_a_16_bit_png_decodes_upright_with_its_high_byte(tmp_path, shape, colour_type, orientation):
    values = np.random.default_rng(colour_type).integers(0, 1 << 16, size=shape, dtype=np.uint16)
    path = tmp_path / "scan.png"
    path.write_bytes(_png16(values, colour_type, orientation))
    high = (values >> 8).astype(np.uint8)
    colour = {0: lambda: np.repeat(high[..., None], 3, axis=2), 2: lambda: high,
              4: lambda: np.repeat(high[..., :1], 3, axis=2), 6: lambda: high[..., :3]}[colour_type]()
    upright = np.rot90(colour, k=-1) if orientation == ROTATED else colour  # 10 x 7 stored: 7 x 10 upright
    pixels, _, _ = decode.load_item(decode.ImportItem(path=str(path)), 6)
    assert np.array_equal(pixels, _warped(upright, 6))
    if orientation == ROTATED:  # the orientation is seen in the pixels
        assert not np.array_equal(_warped(upright, 6), _warped(colour, 6))

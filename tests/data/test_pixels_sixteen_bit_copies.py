"""16-bit greyscale to 8 bits (value >> 8) without copies wider than the samples: an 8192 x 8192 PNG of 130 KB
peaked at 823 MB in each decoding worker (its uint16 samples copied to uint32 twice) to give 32 x 32. The pixels
are the same as before, whatever the byte order and size."""

import io
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from minitransfer.data import pixels


def _samples(shape, seed=0):
    values = np.random.default_rng(seed).integers(0, 1 << 16, shape, dtype=np.uint16)
    values.flat[0], values.flat[-1] = 0xFFFF, 0x00FF  # the extremes of the high byte, and a low byte alone
    return values


@pytest.mark.parametrize("mode", ["I;16", "I;16L", "I;16B"])
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (17, 33), (64, 48)], ids=lambda shape: "x".join(map(str, shape)))
def test_sixteen_bit_samples_keep_their_high_byte(mode, shape):
    values = _samples(shape, seed=shape[0])
    image = Image.frombytes(mode, shape[::-1], values.astype(">u2" if mode == "I;16B" else "<u2").tobytes())
    converted = pixels.to_8_bits(image)
    assert converted.mode == "L" and np.array_equal(np.asarray(converted), (values // 256).astype(np.uint8))


def test_thirty_two_bit_greyscale_keeps_its_high_byte_too():
    values = _samples((9, 13)).astype(np.int32)
    assert np.array_equal(np.asarray(pixels.to_8_bits(Image.fromarray(values, "I"))), (values // 256).astype(np.uint8))


@pytest.mark.parametrize("shape", [(7, 5), (40, 31)], ids=["7x5", "40x31"])
def test_a_sixteen_bit_png_decodes_as_its_high_bytes_warped(shape):
    values = _samples(shape, seed=3)
    png = io.BytesIO()
    Image.fromarray(values).save(png, "PNG")
    high = Image.fromarray((values // 256).astype(np.uint8), "L").convert("RGB")
    expected = high.resize((16, 16), Image.Resampling.BILINEAR)
    assert np.array_equal(pixels.decode_image(io.BytesIO(png.getvalue()), 16), np.asarray(expected))


def test_sixteen_bit_samples_are_converted_in_few_bytes_a_pixel():
    """Pillow's own copy of the samples (2 bytes a pixel, its buffer joined from pieces) and one byte a pixel for
    the result; through uint32 it took 10."""
    side = 512
    png = io.BytesIO()
    Image.fromarray(_samples((side, side))).save(png, "PNG")
    with Image.open(io.BytesIO(png.getvalue())) as image:
        image.load()
        tracemalloc.start()
        try:
            pixels.to_8_bits(image)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peak < 6 * side * side, f"{peak / (side * side):.1f} bytes a pixel"


def test_thirty_two_bit_greyscale_is_converted_in_few_bytes_a_pixel_too():
    """Pillow 9.1 opens a 16-bit greyscale PNG as mode I (32-bit integers): read through int32 copies, it took 9
    bytes a pixel there (the 823 MB peak back); mapped by Pillow itself it takes none but the table's."""
    side = 512
    values = _samples((side, side)).astype(np.int32)
    image = Image.fromarray(values, "I")
    tracemalloc.start()
    try:
        converted = pixels.to_8_bits(image)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert converted.mode == "L" and np.array_equal(np.asarray(converted), (values // 256).astype(np.uint8))
    assert peak < 6 * side * side, f"{peak / (side * side):.1f} bytes a pixel"

"""An image opened by Pillow as the import stores it: uint8 (size, size, 3) RGB (:func:`decode_image`;
:func:`.decode.load_item` calls :func:`decode_image_noted` on each file or archive member it reads).

CMYK, grayscale, palette and PNG-named-.JPEG files are converted to RGB and floating-point images
are skipped (:func:`to_8_bits`). Transparency is dropped, the colour stored under a transparent pixel
kept (not blended onto a background), an animation (GIF, WebP, APNG) or multi-page TIFF gives its
first frame, and an embedded colour profile (ICC) is not applied: as OpenCV's imread (Caffe) and
torchvision's ImageFolder read them, so the pixels are those other tools train on. 16 bits a
sample keep their high byte (value >> 8), as OpenCV's imread (and so Caffe) reads them: one mapping
for every file, so that images keep their brightness relative to each other. A 16-bit image whose
values all lie below 4096 (12-bit data, as cameras and microscopes write it, or less) so becomes
nearly black (0..15 of 255): it is imported with the note :data:`DIM_16_BIT`, which the import warns
of once, counting such files and naming one. The bits a file's data fill are not in it (PNG's sBIT
chunk, where written, says what the samples were scaled up from, not that they were left
unscaled), so no file is scaled by a guess.

An image is turned upright as its EXIF orientation says (a phone's photographs are stored sideways
with a tag that every viewer follows), as OpenCV's imread does; a damaged EXIF block leaves it as
stored. Images are warped (aspect ratio not kept) to ``size × size`` with bilinear interpolation, as
the paper did for 256 × 256 (supplement A, following Donahue et al. 2013); a JPEG is first decoded
at the smallest DCT scale (1/2, 1/4, 1/8) that still covers that size, which is faster and bounds
its memory.

An image may decode to at most :data:`MAX_DECODED_PIXELS` pixels (after the JPEG scale), checked before it is
loaded.
"""

import contextlib
import functools
import warnings

import numpy as np
from PIL import Image

from .image_formats import stub_without_loader

MAX_DECODED_PIXELS = 1 << 26   # 8192 × 8192: 192 MiB as RGB
DIM_16_BIT = ("16-bit (or wider) samples, all below 4096 (12-bit data or less?): their high byte (value >> 8, as "
              "OpenCV and Caffe read them) leaves the image nearly black (0..15 of 255); scale such files to 8 bits by "
              "their true bit depth (12-bit: value >> 4) and rerun")
TOO_LARGE = ": shrink the file to 8192x8192 or less (it is warped to --size anyway) and rerun"
ORIENTATION = 0x0112           # the EXIF tag; its values 2-8 and the transpose that makes the image upright
UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
           5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
           8: Image.Transpose.ROTATE_90}


def decode_image(source, size):
    """An image file (path or binary file object) as uint8 (size, size, 3) RGB, upright as its EXIF
    orientation says, warped bilinearly; see :func:`decode_image_noted`."""
    return decode_image_noted(source, size)[0]


def decode_image_noted(source, size):
    """(:func:`decode_image`'s pixels, None or :data:`DIM_16_BIT` where its 16-bit samples all lie below 4096).

    Raises ``ValueError`` before decoding when the image would decode to more than
    :data:`MAX_DECODED_PIXELS` pixels, ``OSError`` (PIL's errors for truncated or unidentifiable
    files) otherwise."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EXIF / palette / decompression-bomb warnings: sizes are checked below
        with opened_without_pillow_limit(source) as image:
            image.draft("RGB", (size, size))  # JPEG only: a DCT scale whose result still covers size x size
            width, height = image.size
            if width * height > MAX_DECODED_PIXELS:
                raise ValueError(f"{width}x{height} pixels to decode, more than the limit of {MAX_DECODED_PIXELS} "
                                 f"(8192x8192){TOO_LARGE}")
            sixteen_bits = _sixteen_bits(image)  # before load, which drops the tiles (RGB;16B: RGB once loaded)
            image.load()
            colour = as_rgb(upright(image))
            dim = sixteen_bits and max(high for _, high in colour.getextrema()) < 16  # every value below 16 << 8
            return resized(colour, size), DIM_16_BIT if dim else None


def _sixteen_bits(image):
    """Whether ``image`` (opened, not loaded) stores 16 bits or more a sample: an integer mode (I;16, I), or
    tiles Pillow reads in a 16-bit raw mode (a 16-bit RGB or RGBA PNG opens as RGB, RGBA: 'RGB;16B')."""
    args = [tile[3] for tile in image.tile]  # (decoder, extents, offset, args): a tuple before Pillow 11
    modes = [given if isinstance(given, str) else (given or ("",))[0] for given in args]
    return image.mode.startswith("I") or any(";16" in str(mode) for mode in modes)


@contextlib.contextmanager
def opened_without_pillow_limit(source):
    """``Image.open(source)`` without Pillow's own pixel limit (an error above 179 MP, raised before a
    JPEG's draft scale is chosen): a 20000x20000 JPEG, which decodes at 1/8 scale to 2500x2500, was skipped
    as "could be decompression bomb DOS attack". :func:`decode_image` checks the pixels it will decode.
    Pillow reads its limit at open only, from a global: decoding runs one image at a time per process.
    A format Pillow only identifies, with no loader installed (:func:`.image_formats.stub_without_loader`: an
    HDF5 weights file), is ``Image.UnidentifiedImageError`` as a format it does not know is: no image, not a
    damaged one."""
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        image = Image.open(source)
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    with image:
        if stub_without_loader(image):
            raise Image.UnidentifiedImageError(f"{image.format} file, which Pillow identifies but cannot read")
        yield image


def upright(image):
    """``image`` turned as its EXIF orientation says; as stored without one, or with one that cannot
    be read (the pixels are not at fault)."""
    try:
        orientation = image.getexif().get(ORIENTATION)
    except Exception:  # Pillow's EXIF parser raises many kinds (struct.error, SyntaxError, ...) on a damaged block
        return image
    return image.transpose(UPRIGHT[orientation]) if orientation in UPRIGHT else image


def warp(image, size):
    """PIL image → uint8 (size, size, 3) RGB (any mode converted, 16-bit and float greyscale as
    :func:`to_8_bits` says; aspect ratio not kept)."""
    return resized(as_rgb(image), size)


def as_rgb(image):
    """PIL image → a PIL RGB image (8 bits a sample: see :func:`to_8_bits`)."""
    image = to_8_bits(image)
    return image if image.mode == "RGB" else image.convert("RGB")  # CMYK (Adobe inverted too), L, P, RGBA, ...


def to_8_bits(image):
    """A Pillow image whose samples are 8 bits; ``ValueError`` (the file is skipped) for one without
    a sound conversion. 16-bit greyscale (Pillow modes ``I;16``, ``I;16B``, ...) keeps its 8 most
    significant bits (value >> 8); 32-bit integer greyscale (mode ``I``) is read the same way when
    every value lies in 0..65535 (Pillow opens some 16-bit files so) and is skipped otherwise;
    floating-point images (mode ``F``) are skipped: their range (0..1, 0..255, physical units) is
    not in the file."""
    if image.mode.startswith("F"):
        raise ValueError(f"floating-point pixels (mode {image.mode}) have no known range: convert the file to "
                         f"8 or 16 bits")
    if not image.mode.startswith("I"):
        return image
    if image.mode == "I":  # not copied to int32 (4 bytes a pixel, twice): older Pillows (9.1) open 16-bit PNGs so
        low, high = image.getextrema() or (0, 0)
        if low < 0 or high > 0xFFFF:
            raise ValueError(f"integer pixels outside 0..65535 (mode I, {low}..{high}): convert the file to 8 or "
                             f"16 bits")
        return image.point(_high_byte_table(), "L")  # Pillow maps 32-bit integers to 8 bits through a table
    values = np.asarray(image)
    if values.size and (values.min() < 0 or values.max() > 0xFFFF):
        raise ValueError(f"integer pixels outside 0..65535 (mode {image.mode}, {values.min()}..{values.max()}): "
                         f"convert the file to 8 or 16 bits")
    return Image.fromarray(_high_bytes(values), "L")


@functools.cache
def _high_byte_table():
    """0..65535 → its high byte, the 65,536-entry table Pillow maps mode I's integers to 8 bits through (ints below
    256 are shared): built on first use, not at import (~1.5 ms and ~0.5 MB in every process that imports the
    decoder, where almost no import meets a mode I image)."""
    return [value >> 8 for value in range(1 << 16)]


def _high_bytes(values):
    """``values >> 8`` as uint8, for integers in 0..65535. 16-bit samples give the byte that holds their high bits,
    copied once (an 8192 x 8192 image took 823 MB through uint32 copies); wider ones are shifted."""
    if values.dtype.itemsize == 2:
        high = 0 if values.dtype.str.startswith(">") else 1  # where the high byte lies: big- or little-endian
        return np.ascontiguousarray(values.view(np.uint8)[..., high::2])
    return (values >> 8).astype(np.uint8)


def resized(image, size):
    """A PIL RGB image → uint8 (size, size, 3), warped bilinearly (aspect ratio not kept)."""
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.BILINEAR)  # Pillow 9.1-9.3 deprecate Image.BILINEAR
    return np.asarray(image, dtype=np.uint8)

"""Decoding one image to import: bounded before anything is allocated (declared pixels, an archive
member's declared size, JPEGs at a reduced scale), and greyscale beyond 8 bits kept or refused."""

import io
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import decode
from minitransfer.data.pixels import ORIENTATION, warp


def _png_declaring(width, height):
    """A 100-byte PNG whose header declares width x height RGB pixels (its data is a few zero rows)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(3 * width + 1) * 2))
            + chunk(b"IEND", b""))


def _jpeg_declaring(image_bytes, width, height):
    """A small JPEG whose frame header (SOF0) is patched to declare width x height."""
    raw = bytearray(image_bytes((90, 120, 200), size=(64, 64)))
    frame = raw.index(b"\xff\xc0")
    raw[frame + 5:frame + 9] = struct.pack(">HH", height, width)
    return bytes(raw)


def test_an_image_declaring_too_many_pixels_is_skipped_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(_png_declaring(12000, 12000))  # 144 MP: PIL itself only warns below 179 MP
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(path)), 16)
    assert pixels is None
    assert reason == ("12000x12000 pixels to decode, more than the limit of 67108864 (8192x8192): shrink "
                      "the file to 8192x8192 or less (it is warped to --size anyway) and rerun")


def test_pillows_own_limit_neither_skips_a_jpeg_it_would_draft_nor_words_the_reason(tmp_path, image_bytes):
    """Above 179 MP Pillow raised its DecompressionBombError at open, before the JPEG's scale was
    chosen: a 20000 x 20000 JPEG (2500 x 2500 at 1/8) was skipped as "could be decompression bomb DOS
    attack", and a PNG of that size named a limit (178956970 pixels) that is not the one applied."""
    (tmp_path / "big.jpg").write_bytes(_jpeg_declaring(image_bytes, 20000, 20000))
    (tmp_path / "big.png").write_bytes(_png_declaring(20000, 20000))
    limit = Image.MAX_IMAGE_PIXELS
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(tmp_path / "big.jpg")), 16)
    assert reason is None and pixels.shape == (16, 16, 3)
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(tmp_path / "big.png")), 16)
    assert reason == ("20000x20000 pixels to decode, more than the limit of 67108864 (8192x8192): shrink "
                      "the file to 8192x8192 or less (it is warped to --size anyway) and rerun")
    assert Image.MAX_IMAGE_PIXELS == limit is not None  # Pillow's limit is left as it was for everything else


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(tmp_path, image_bytes):
    """12000 x 12000 declared in 700 bytes: decoded at 1/8 scale (1500 x 1500, 7 MB), never at full size
    (432 MB); measured as the peak memory of a fresh process."""
    path = tmp_path / "huge.jpg"
    path.write_bytes(_jpeg_declaring(image_bytes, 12000, 12000))
    script = ("import resource, sys\n"
              "from minitransfer.data import decode\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "pixels, reason, _ = decode.load_item(decode.ImportItem(path=sys.argv[1]), 256)\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, pixels.shape)\n")
    output = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True,
                            check=True).stdout
    grown_kib, shape = output.split(" ", 1)
    assert int(grown_kib) < 64 << 10, output  # KiB: far below the 432 MB a full decode allocates
    assert shape.strip() == "(256, 256, 3)"  # libjpeg pads the missing rows: imported, as before


def test_an_archive_member_declaring_too_many_bytes_is_not_read(tmp_path, image_bytes, monkeypatch):
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.JPEG", image_bytes((1, 2, 3), size=(64, 64)))
    monkeypatch.setattr(decode, "MAX_MEMBER_BYTES", 300)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *args: pytest.fail("read a member larger than the limit"))
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(archive), member="a.JPEG"), 8)
    assert pixels is None and reason.startswith("a.JPEG: ") and "more than the 300" in reason


@pytest.mark.parametrize("mode,values,expected", [
    ("I;16B", [[0, 255], [256, 65535]], [[0, 0], [1, 255]]),
    ("I", [[0, 511], [40000, 65535]], [[0, 1], [156, 255]]),
])
def test_16_bit_greyscale_keeps_its_high_byte(mode, values, expected):
    image = Image.fromarray(np.asarray(values, dtype=np.uint16)).convert(mode) if mode != "I;16B" else \
        Image.frombytes("I;16B", (2, 2), np.asarray(values, dtype=">u2").tobytes())
    assert image.mode == mode
    assert warp(image, 2)[..., 0].tolist() == expected


def test_integer_greyscale_beyond_16_bits_and_float_images_are_skipped():
    with pytest.raises(ValueError, match="outside 0..65535"):
        warp(Image.fromarray(np.asarray([[0, 70000]], dtype=np.int32)), 2)
    with pytest.raises(ValueError, match="floating-point pixels"):
        warp(Image.fromarray(np.asarray([[0.5, 1.0]], dtype=np.float32)), 2)


def _quadrants(width=12, height=8):
    """An image that no flip or rotation leaves the same: four quadrants of four colours."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:height // 2, :width // 2] = (255, 0, 0)
    pixels[:height // 2, width // 2:] = (0, 255, 0)
    pixels[height // 2:, :width // 2] = (0, 0, 255)
    pixels[height // 2:, width // 2:] = (255, 255, 0)
    return Image.fromarray(pixels)


def _with_orientation(image, orientation, suffix, path):
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    image.save(path, format=suffix, exif=exif.tobytes(), **({"quality": 95} if suffix == "JPEG" else {}))
    return path


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("suffix", ["PNG", "JPEG"])
def test_an_image_is_turned_upright_as_its_exif_orientation_says(tmp_path, orientation, suffix):
    """A phone's portrait photograph is stored sideways with an orientation tag every viewer follows;
    it was imported sideways. The oracle is Pillow's own ImageOps.exif_transpose."""
    from PIL import ImageOps

    path = _with_orientation(_quadrants(), orientation, suffix, tmp_path / f"photo.{suffix.lower()}")
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(path)), 8)
    assert reason is None
    with Image.open(path) as stored:
        expected = warp(ImageOps.exif_transpose(stored), 8)
    assert np.abs(pixels.astype(int) - expected).max() <= (0 if suffix == "PNG" else 2)


def test_orientation_6_puts_the_stored_left_column_on_top(tmp_path):
    """The meaning of the tag, without Pillow's help: 6 is shown turned 90 degrees clockwise."""
    stored = np.zeros((8, 8, 3), np.uint8)
    stored[:, 0] = (255, 0, 0)
    path = _with_orientation(Image.fromarray(stored), 6, "PNG", tmp_path / "turned.png")
    pixels, _, _ = decode.load_item(decode.ImportItem(path=str(path)), 8)
    assert (pixels[0] == (255, 0, 0)).all() and not pixels[1:].any()


def test_a_damaged_exif_block_leaves_the_image_as_stored(tmp_path):
    path = tmp_path / "damaged.png"
    _quadrants().save(path, exif=b"garbage!")  # Pillow's parser raises on it: the pixels are not at fault
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(path)), 8)
    assert reason is None and np.array_equal(pixels, warp(_quadrants(), 8))


@pytest.mark.parametrize("member", [None, "photo.jpg"], ids=["file", "archive member"])
@pytest.mark.parametrize("content, reason", [
    (b"shopping list", "not an image, or in a format Pillow cannot read"),
    (b"", "empty file (0 bytes)")], ids=["no-image", "empty"])
def test_a_file_that_is_no_image_is_skipped_saying_why(tmp_path, member, content, reason):
    """PIL's "cannot identify image file <_io.BufferedReader name=10>" went to skipped.txt as it was;
    a 0-byte file (a copy or download that stopped at once) was "not an image, or in a format PIL
    cannot read", which sends one to check the file's format."""
    path = tmp_path / "photo.jpg"
    path.write_bytes(content)
    if member is not None:
        with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
            archive.write(path, member)
        path = tmp_path / "photos.zip"
    assert decode.load_item(decode.ImportItem(path=str(path), member=member), 8)[:2] == (None, reason)


def _unidentified(data):
    """Whether this Pillow, the oracle, fails to identify the image file of bytes ``data`` at all."""
    try:
        Image.open(io.BytesIO(data)).close()
    except Image.UnidentifiedImageError:
        return True
    except OSError:  # identified, then found cut short ("Truncated File Read")
        pass
    return False


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF"])
def test_a_damaged_image_is_skipped_saying_what_to_do(tmp_path, image_bytes, write_files, kind):
    """A photo cut short was skipped with Pillow's words alone ("OSError: Truncated File Read", "image file
    is truncated"): the file is still named, now with what to do of it."""
    whole = image_bytes((200, 10, 10), size=(64, 48), kind=kind)
    source = write_files(tmp_path / "photos", {f"{name}/{number}.img": whole for name in ("cat", "dog")
                                               for number in range(2)})
    cut = source / "cat" / "1.img"
    cut.write_bytes(whole[:len(whole) // 2])
    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    [line] = [line for line in result.output.splitlines() if line.startswith(f"  {cut}: ")]
    if _unidentified(cut.read_bytes()):  # Pillow 9.1 tells no half GIF for one (cut in its palette): said damaged
        assert line.startswith(f"  {cut}: {kind} file whose header Pillow cannot read: "), line
    else:
        assert "Error" not in line, line  # Pillow's words ("Truncated File Read"), without its class's name
    assert line.endswith(": a damaged or incomplete image file: export or download it again, or delete it (the "
                         "import skips it either way)"), line


def test_a_damaged_image_stored_intact_in_an_archive_is_skipped_as_stored_so(tmp_path, image_bytes):
    whole = image_bytes((1, 2, 3), size=(64, 64))
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.JPEG", whole[:len(whole) // 2])
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(archive), member="a.JPEG"), 8)
    assert pixels is None and reason.startswith("Truncated File Read: "), reason
    assert reason.endswith(": a damaged or incomplete image, stored so in the archive (it passed the archive's CRC "
                           "check): the import skips it"), reason


def test_a_read_error_of_the_disk_is_not_said_to_be_a_damaged_image(tmp_path, image_bytes, monkeypatch):
    """An I/O error (errno EIO) is the disk's, not the file's bytes: no advice to export it again."""
    path = tmp_path / "a.jpg"
    path.write_bytes(image_bytes((1, 2, 3)))
    monkeypatch.setattr(decode, "decode_image_noted", lambda *args: (_ for _ in ()).throw(OSError(5, "I/O error")))
    assert decode.load_item(decode.ImportItem(path=str(path)), 8)[1] == "could not be read: I/O error"

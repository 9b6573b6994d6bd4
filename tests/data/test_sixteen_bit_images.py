"""16 bits a sample whose values all lie below 4096 (12-bit data from a camera or a microscope, stored in
16-bit PNG or TIFF): their high byte, as OpenCV and Caffe read them, is 0..15, and such a folder was
imported nearly black without a word. Now the pixels are the same (one mapping for every file) and the
import warns once, counting the files and naming one; 8-bit images, dark ones too, are as before."""

import struct
import zlib

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import dataset, decode, shard_format
from minitransfer.data.pixels import DIM_16_BIT


def _png(samples, colour_type):
    """A PNG file's bytes, written here without Pillow (which saves no 16-bit RGB): ``samples`` uint16
    (H, W) or (H, W, C), 16 bits a sample, ``colour_type`` 0 grey, 2 RGB, 6 RGBA."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    height, width = samples.shape[:2]
    rows = b"".join(b"\x00" + row.astype(">u2").tobytes() for row in samples)
    header = struct.pack(">IIBBBBB", width, height, 16, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _twelve_bit(shape, seed, top=4095):
    values = np.random.default_rng(seed).integers(0, top + 1, size=shape).astype(np.uint16)
    values.flat[0] = top
    return values


@pytest.mark.parametrize("shape,colour_type", [((6, 5), 0), ((6, 5, 3), 2), ((6, 5, 4), 6)], ids=["grey", "rgb",
                                                                                                   "rgba"])
@pytest.mark.parametrize("top,dim", [(4095, True), (4096, False)], ids=["12-bit", "13-bit"])
def test_16_bit_samples_all_below_4096_keep_their_high_byte_with_a_note(tmp_path, shape, colour_type, top, dim):
    values = _twelve_bit(shape, seed=colour_type, top=top)
    if colour_type == 6:
        values[..., 3] = 65535  # opaque: the alpha channel's values do not count
    path = tmp_path / "scan.png"
    path.write_bytes(_png(values, colour_type))
    pixels, note, _ = decode.load_item(decode.ImportItem(path=str(path)), 5)  # 5 x 6 -> 5 x 5: a warp
    high = (values >> 8).astype(np.uint8)
    grey_or_rgb = np.repeat(high[..., None], 3, axis=2) if colour_type == 0 else high[..., :3]
    expected = np.asarray(Image.fromarray(grey_or_rgb, "RGB").resize((5, 5), Image.Resampling.BILINEAR))
    assert np.array_equal(pixels, expected)
    assert note == (DIM_16_BIT if dim else None)


def test_a_dark_8_bit_image_has_no_note_and_decodes_as_pillow_does(tmp_path):
    values = np.random.default_rng(1).integers(0, 16, size=(7, 9, 3)).astype(np.uint8)
    Image.fromarray(values).save(tmp_path / "night.png")
    pixels, note, _ = decode.load_item(decode.ImportItem(path=str(tmp_path / "night.png")), 4)
    assert note is None
    assert np.array_equal(pixels, np.asarray(Image.fromarray(values).resize((4, 4), Image.Resampling.BILINEAR)))


def _microscopy(root):
    """``root``/cells and /tissue: two 12-bit PNGs and an 8-bit one each, and a 16-bit one of full range in cells;
    no two files alike (a copy across classes is warned of)."""
    for index, name in enumerate(("cells", "tissue")):
        (root / name).mkdir(parents=True)
        for number in range(2):
            (root / name / f"{number}.png").write_bytes(_png(_twelve_bit((8, 8), 2 * index + number), 0))
        Image.fromarray(np.full((8, 8), 200 + index, np.uint8)).save(root / name / "eight-bit.png")
    Image.fromarray(_twelve_bit((8, 8), 5, top=65535)).save(root / "cells" / "full-range.png")
    return root


def _prepare(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                     "--val-fraction", "0", "--shard-size", "2"])


def _warnings(result):
    return [line for line in result.output.splitlines() if line.startswith("warning")]


def test_an_import_of_12_bit_images_warns_once_counting_them_and_naming_one(tmp_path):
    root, out = _microscopy(tmp_path / "src"), tmp_path / "out"
    result = _prepare(root, out)
    assert result.exit_code == 0, result.output
    assert _warnings(result) == [f"warning: 4 image(s) of this dataset, such as {root / 'cells' / '0.png'}: "
                                 f"{DIM_16_BIT}"]
    assert dataset.open_dataset(out).num_images("train") == 7


def test_a_rerun_resuming_an_interrupted_import_counts_the_images_decoded_before_it(tmp_path):
    """The count was of the images decoded in this process: once the shards holding the 12-bit files were
    finished, the rerun that ended an interrupted import said nothing of them."""
    root, out = _microscopy(tmp_path / "src"), tmp_path / "out"
    assert _prepare(root, out).exit_code == 0
    (out / shard_format.META_FILE).unlink()  # as an import interrupted before its last shard leaves it
    (out / "train-00003.h5").unlink()  # tissue's eight-bit.png: no 12-bit file left to decode
    resumed = _prepare(root, out)
    assert resumed.exit_code == 0, resumed.output
    assert _warnings(resumed) == [f"warning: 4 image(s) of this dataset, such as {root / 'cells' / '0.png'}: "
                                  f"{DIM_16_BIT}"]
    assert (out / "train-00003.h5").is_file()

"""prepare folder: a file in a format Pillow identifies but does not implement (or cannot parse) is skipped,
named in skipped.txt, like any undecodable file, and the import goes on: it does not end with a traceback
that names no file (issue h39)."""

import struct

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import dataset, decode, image_formats

DXGI_FORMAT_R16G16B16A16_FLOAT = 10  # an HDR texture format, common in games' assets


def _dds_in_dxgi_format(dxgi_format, width=8, height=8):
    """A well-formed DDS file (Microsoft's "DDS File Layout": magic, 124-byte header with a 32-byte pixel
    format whose fourCC is DX10, then the 20-byte DDS_HEADER_DXT10) holding ``dxgi_format`` pixels."""
    pixel_format = struct.pack("<II4s5I", 32, 0x4, b"DX10", 0, 0, 0, 0, 0)  # DDPF_FOURCC
    header = (struct.pack("<7I44s", 124, 0x1 | 0x2 | 0x4 | 0x1000, height, width, width * 8, 0, 1, b"\0" * 44)
              + pixel_format + struct.pack("<5I", 0x1000, 0, 0, 0, 0))  # caps: DDSCAPS_TEXTURE
    dxt10 = struct.pack("<5I", dxgi_format, 3, 0, 1, 0)  # a 2-D texture, one in its array
    return b"DDS " + header + dxt10 + bytes(width * height * 8)


def test_a_dds_texture_pillow_does_not_implement_is_skipped_and_named(tmp_path):
    source = tmp_path / "photos"
    colours = {"cat": (200, 30, 40), "dog": (30, 200, 40)}
    for name, colour in colours.items():
        (source / name).mkdir(parents=True)
        for number in range(3):
            Image.new("RGB", (20, 16), colour).save(source / name / f"{number}.png")
    texture = source / "cat" / "hdr.dds"
    texture.write_bytes(_dds_in_dxgi_format(DXGI_FORMAT_R16G16B16A16_FLOAT))

    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])

    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("train").tolist() == [0, 0, 0, 1, 1, 1]  # every PNG, the texture left out
    images = data.images("train", np.arange(6)).reshape(6, -1, 3).mean(axis=1)
    assert np.allclose(images, [colours["cat"]] * 3 + [colours["dog"]] * 3, atol=1)
    assert [entry["file"] for entry in data.meta["skipped"]] == [str(texture)]
    assert data.meta["skipped"][0]["reason"].startswith("a variant of its format that Pillow does not read (")
    assert f"{texture}\ta variant of its format that Pillow does not read (" in \
        (tmp_path / "out" / "skipped.txt").read_text()
    assert str(texture) in result.output  # said on stderr too, as every skipped file is


def _eps(width=8, height=8):
    """A minimal Encapsulated PostScript file (Adobe's DSC: the EPSF header, a bounding box) drawing a line."""
    return (f"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 {width} {height}\n%%EndComments\n"
            f"newpath 0 0 moveto {width} {height} lineto stroke\nshowpage\n%%EOF\n").encode()


def test_an_eps_image_without_ghostscript_is_skipped_saying_so_not_called_damaged(tmp_path, ghostscript):
    """Pillow decodes EPS by running Ghostscript; without it the file was skipped as "a damaged or incomplete
    image file: export or download it again", which sent the researcher after a file that is whole."""
    ghostscript(found=False)
    source = tmp_path / "photos"
    for name, colour in {"cat": (200, 30, 40), "dog": (30, 200, 40)}.items():
        (source / name).mkdir(parents=True)
        for number in range(2):
            Image.new("RGB", (20, 16), colour).save(source / name / f"{number}.png")
    drawing = source / "cat" / "drawing.eps"
    drawing.write_bytes(_eps())

    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])

    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["file"] for entry in data.meta["skipped"]] == [str(drawing)]
    reason = data.meta["skipped"][0]["reason"]
    assert "Ghostscript" in reason and "install" in reason and "damaged" not in reason, reason
    assert f"{drawing}\t{reason}" in (tmp_path / "out" / "skipped.txt").read_text()
    said = " ".join(result.output.split())
    assert f"{drawing}: EPS (PostScript) image, which Pillow decodes only with Ghostscript, not installed" in said


def test_an_eps_image_skipped_for_ghostscript_is_decoded_again_once_it_is_installed(ghostscript):
    """A rerun decodes again the shard of a file skipped for Ghostscript missing once Pillow finds it."""
    reason = image_formats.GHOSTSCRIPT_MISSING
    ghostscript(found=False)
    assert not decode.readable_now(reason)
    ghostscript(found=True)
    assert decode.readable_now(reason)

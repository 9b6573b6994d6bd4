"""Photos in formats Pillow reads only with a plugin (HEIF/HEIC, the iPhone's; AVIF on a Pillow built without
libavif): skipped as "not an image" without a hint, they are now named by format with the plugin to install,
counted on the terminal, and decoded on the rerun once the plugin is there."""

import io

import pytest
from click.testing import CliRunner
from PIL import Image, features

from minitransfer.cli import main
from minitransfer.data import build, decode, image_formats, skip_reasons


def _ftyp(major, *compatible):
    """The start of an ISO base media file (its ftyp box, then the rest, here not an image)."""
    box = major + b"\0\0\0\0" + b"".join(compatible)
    return (8 + len(box)).to_bytes(4, "big") + b"ftyp" + box + b"\0\0\0\x08meta" + bytes(40)


HEIC = _ftyp(b"heic", b"mif1", b"heic")  # as an iPhone writes it
HEIF = _ftyp(b"mif1", b"heic")
AVIF = _ftyp(b"avif", b"mif1", b"miaf")


@pytest.mark.parametrize("content, name", [(HEIC, "HEIF"), (HEIF, "HEIF"), (AVIF, "AVIF")],
                         ids=["heic", "mif1", "avif"])
def test_a_photo_in_a_format_pillow_reads_only_with_a_plugin_names_the_plugin(tmp_path, monkeypatch, content, name):
    monkeypatch.setattr(image_formats, "pillow_reads", lambda format_name: False)
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(content)
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(path)), 8)
    assert pixels is None and reason == image_formats.plugin_reason(name)
    assert reason.startswith(f"{name} image (a phone's photo?), which Pillow reads only with a plugin: pip install ")


def test_a_file_of_a_format_pillow_reads_gets_no_plugin_hint(tmp_path):
    """Where Pillow reads AVIF (built with libavif), a damaged one is not said to need a plugin, and a real one
    decodes."""
    if not features.check("avif"):
        pytest.skip("this Pillow reads no AVIF")
    path = tmp_path / "broken.avif"
    path.write_bytes(AVIF)
    assert decode.load_item(decode.ImportItem(path=str(path)), 8)[1] == skip_reasons.UNIDENTIFIED
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 10, 10)).save(buffer, "AVIF")
    path.write_bytes(buffer.getvalue())
    pixels, reason, _ = decode.load_item(decode.ImportItem(path=str(path)), 8)
    assert reason is None and abs(int(pixels[..., 0].mean()) - 200) <= 8


def test_prepare_counts_the_photos_needing_a_plugin_and_decodes_them_again_once_it_is_installed(
        tmp_path, image_bytes, write_files, monkeypatch):
    files = {f"{name}/{number}.png": image_bytes((40 * index + number, 9, 9), kind="PNG")
             for index, name in enumerate(("cat", "dog")) for number in range(3)}
    files.update({"cat/IMG_0001.HEIC": HEIC, "dog/IMG_0002.HEIC": HEIF, "dog/notes.txt": b"shopping list"})
    root, out = write_files(tmp_path / "src", files), tmp_path / "out"
    command = ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0", "--val-fraction", "0"]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert (f"{root}/cat/IMG_0001.HEIC\t{image_formats.plugin_reason('HEIF')}\n"
            in (out / "skipped.txt").read_text())
    notes = [line for line in result.output.splitlines() if line.startswith("note: 2 skipped")]
    assert notes == ["note: 2 skipped file(s) are 2 HEIF images, which Pillow reads only with a plugin: pip install "
                     "pillow-heif, then rerun the same command (the shards holding them are decoded again)"]
    decoded = []
    load_item = build.load_item
    monkeypatch.setattr(build, "load_item", lambda item, size: decoded.append(item.path) or load_item(item, size))
    assert CliRunner().invoke(main, command).exit_code == 0 and decoded == []
    # pillow-heif installed
    monkeypatch.setattr(image_formats, "pillow_reads", lambda format_name: format_name == "HEIF")
    assert CliRunner().invoke(main, command).exit_code == 0
    assert f"{root}/cat/IMG_0001.HEIC" in decoded


@pytest.mark.parametrize("error", [ImportError("no module"), OSError("libheif.so.1: cannot open shared object file")],
                         ids=["missing", "broken"])
def test_a_plugin_that_fails_to_load_is_as_if_absent(monkeypatch, error):
    """A plugin installed whose native library is missing raised OSError as decode was imported: every import
    ended at its start in a traceback, for the sake of a format the researcher may not even have."""
    def failing(name):
        raise error
    monkeypatch.setattr(image_formats, "pillow_reads", lambda format_name: False)
    monkeypatch.setattr(image_formats.importlib, "import_module", failing)
    image_formats.use_installed_plugins()  # no exception: the plugins' files are skipped, naming the plugin

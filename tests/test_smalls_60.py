"""Small loose ends (helper session 60): advice naming one option once where two groups' runs share it; a
truncated GIF said to be damaged on every Pillow."""

import io
import zipfile
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import decode, skip_reasons
from minitransfer.experiment import CROSS
from minitransfer.findings_caveats import advising, few_draws, more_networks

EVERY_CLASS_AND_NATURAL = ("more replicates of the runs on every class and of the natural split (experiment "
                           "--replicates)")


def _group(split, draws=3):
    return SimpleNamespace(split=split, draws=draws, se=1.0)


def test_one_option_is_said_once_for_the_groups_it_trains_more_of():
    """The README demo's last finding advised "more replicates of the runs on every class (experiment --replicates)
    and more replicates of the natural split (experiment --replicates)": one option twice."""
    note = few_draws(_group("all"), _group("natural"))
    assert note.endswith(f"not the verdict's two: {EVERY_CLASS_AND_NATURAL}."), note
    assert note.count("experiment --replicates") == 1
    assert more_networks("all", "natural") == f"train more networks per point: {EVERY_CLASS_AND_NATURAL}"


@pytest.mark.parametrize("splits, advice", [
    (("random", "natural"), "more random splits (experiment --split-seed, once per split) and more replicates of the "
                            "natural split (experiment --replicates)"),
    (("natural", "random", "all"), "more replicates of the natural split and of the runs on every class (experiment "
                                   "--replicates) and more random splits (experiment --split-seed, once per split)"),
    (("natural", "natural"), "more replicates of the natural split (experiment --replicates)"),
    (("all", CROSS), "more replicates of the runs on every class and across datasets (experiment --replicates)"),
], ids=["two-options", "joined-then-other", "same-split", "cross"])
def test_different_options_stay_apart_and_each_split_is_named_once(splits, advice):
    assert more_networks(*splits) == f"train more networks per point: {advice}"


@pytest.mark.parametrize("said, unsaid", [
    (advising("not resolved", "natural"), "more replicates of the runs on every class (experiment --replicates)"),
    (advising("not resolved", "all", "natural"), ""),
    ("natural -37.3 points (more replicates of the runs on every class (experiment --split-seed, once per split))",
     EVERY_CLASS_AND_NATURAL),
], ids=["natural-said", "both-said-joined", "other-option"])
def test_the_note_leaves_out_only_the_advice_its_verdict_gave(said, unsaid):
    note = few_draws(_group("all"), _group("natural"), said=said)
    assert note.endswith(f"not the verdict's two{': ' * bool(unsaid)}{unsaid}."), note


def _gif():
    """A GIF of 256 colours: its global palette is 768 bytes on every Pillow, the header 13 before it."""
    pixels = np.random.default_rng(0).integers(0, 256, (24, 24, 3), dtype=np.uint8)
    data = io.BytesIO()
    Image.fromarray(pixels).save(data, format="GIF")
    assert data.getvalue()[10] & 0x87 == 0x87, "no 256-colour global palette"
    return data.getvalue()


def _reason(path, member=None):
    return decode.load_item(decode.ImportItem(path=str(path), member=member), 8)[1]


GIF_CUT = "GIF file whose header Pillow cannot read"


@pytest.mark.parametrize("cut", [6, 13, 13 + 300, 13 + 768], ids=["signature", "header", "palette", "after-palette"])
def test_a_gif_cut_in_its_header_is_damaged_not_no_image(tmp_path, cut):
    """Cut before its first image, a GIF was "not an image, or in a format PIL cannot read" on every Pillow (Pillow
    9.1, whose GIFs a 768-byte palette opens, so cut one at half; newer Pillows, writing a smaller palette, cut one
    in its pixels and called that damaged): its signature tells it is a GIF, damaged or cut short."""
    path = tmp_path / "cat.gif"
    path.write_bytes(_gif()[:cut])
    with pytest.raises(Image.UnidentifiedImageError):  # the oracle: Pillow does not identify it at all
        Image.open(path).close()
    assert _reason(path) == GIF_CUT + skip_reasons.DAMAGED_FILE


def test_a_cut_gif_stored_so_in_an_archive_says_so(tmp_path):
    archive = tmp_path / "images.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("cat.gif", _gif()[:100])
    assert _reason(archive, "cat.gif") == GIF_CUT + skip_reasons.DAMAGED_MEMBER


@pytest.mark.parametrize("head, kind", [(b"\xff\xd8\xff", "JPEG"), (b"\x89PNG\r\n\x1a\n", "PNG"),
                                        (b"MM\x00*\x00\x00\x00\x08", "TIFF"), (b"RIFF\x10\x00\x00\x00WEBP", "WEBP")])
def test_every_signed_format_cut_to_its_signature_is_damaged(tmp_path, head, kind):
    path = tmp_path / "cat.img"
    path.write_bytes(head)
    assert _reason(path) == f"{kind} file whose header Pillow cannot read{skip_reasons.DAMAGED_FILE}"


@pytest.mark.parametrize("data", [b"GIF89", b"hello, not a picture", b"\x89PN"], ids=["gif-short", "text", "png-short"])
def test_bytes_without_a_whole_signature_stay_unidentified(tmp_path, data):
    path = tmp_path / "cat.gif"
    path.write_bytes(data)
    assert _reason(path) == skip_reasons.UNIDENTIFIED


def test_prepare_lists_a_cut_gif_as_damaged(tmp_path):
    whole = _gif()
    for name in ("cat", "dog"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for number in range(2):
            (tmp_path / "photos" / name / f"{number}.gif").write_bytes(whole)
    cut = tmp_path / "photos" / "cat" / "1.gif"
    cut.write_bytes(whole[:len(whole) // 4])
    result = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "photos"), str(tmp_path / "out"),
                                       "--size", "12", "--workers", "0", "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    assert f"  {cut}: {GIF_CUT}{skip_reasons.DAMAGED_FILE}" in result.output.splitlines(), result.output
    assert f"{cut}\t{GIF_CUT}" in (tmp_path / "out" / "skipped.txt").read_text(), "skipped.txt"

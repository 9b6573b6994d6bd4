"""A dataset given as both TARGET and SOURCE of `prepare overlap` is compared within itself. It was a usage error
("every image would be its own copy"), so nothing told a researcher of a validation image that is a training photo
resized or re-encoded (prepare leaves out of validation only copies of a training file's bytes: accuracy on such an
image measures memory), nor of a photo under two classes but for its bytes (prepare warns of exact copies alone)."""

import numpy as np
from click.testing import CliRunner
from PIL import Image

from data.test_prepare_overlap import _photos
from minitransfer.cli import main


def _photo(seed, size):
    """The photo ``_photos`` draws from ``seed``, at ``size`` x ``size``."""
    pixels = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    return Image.fromarray(pixels).resize((64, 64), Image.Resampling.BILINEAR).resize((size, size))


def _prepared(tmp_path):
    root = tmp_path / "photos"
    _photos(root / "train", {"ant": [(40, 40, 1), (40, 40, 2), (40, 40, 3)], "bee": [(40, 40, 4), (40, 40, 5)]})
    _photos(root / "val", {"ant": [(40, 40, 6)], "bee": [(40, 40, 7)]})
    _photo(1, 52).save(root / "val" / "ant" / "leak.jpg", quality=70)  # ant's first training photo, re-encoded
    _photo(3, 30).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(root / "train" / "bee" / "2.png")  # ant's third
    out = tmp_path / "photos-24"
    done = CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "24", "--workers", "0"])
    assert done.exit_code == 0, done.output
    return str(out)


def test_one_dataset_given_twice_is_compared_within_itself(tmp_path):
    data = _prepared(tmp_path)
    (tmp_path / "link").symlink_to(data)
    for other in (data, data + "/", str(tmp_path / "link")):
        result = CliRunner().invoke(main, ["prepare", "overlap", data, other])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines() == [
            f"{data}: 1 of its validation images (3) looks like its training images (the same photo resized, "
            f"re-encoded, re-lit or mirrored): 1 of 'ant' like 'ant'",
            "  val/ant/leak.jpg (val image 1) like train/ant/0.png (train image 0)",
            f"{data}: 2 of its training images (6) look like training images of another class (the same photo "
            f"resized, re-encoded, re-lit or mirrored): 1 of 'ant' like 'bee'; 1 of 'bee' like 'ant'",
            "  train/ant/2.png (train image 2) like train/bee/2.png (train image 5) mirrored",
            "  train/bee/2.png (train image 5) like train/ant/2.png (train image 2) mirrored"], result.output


def test_a_dataset_of_distinct_photos_has_none(tmp_path):
    root = tmp_path / "photos"
    _photos(root / "train", {"ant": [(40, 40, 1), (40, 40, 2)], "bee": [(40, 40, 4), (40, 40, 5)]})
    _photos(root / "val", {"ant": [(40, 40, 6)], "bee": [(40, 40, 7)]})
    out = str(tmp_path / "photos-24")
    done = CliRunner().invoke(main, ["prepare", "folder", str(root), out, "--size", "24", "--workers", "0"])
    assert done.exit_code == 0, done.output
    result = CliRunner().invoke(main, ["prepare", "overlap", out, out])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{out}: none of its validation images (2) looks like its training images",
                                          f"{out}: none of its training images (4) looks like training images of "
                                          f"another class"]

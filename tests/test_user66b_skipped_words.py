"""prepare folder's skipped.txt lists each file not imported "as what it is" (README, "Your own data"): in words,
never the class of the exception that said so ("UnidentifiedImageError: not an image ...", "ValueError: ...",
"OSError: [Errno 5] ..."), whatever the kind of reason."""

import io
import os
import re

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import decode

CLASS_NAME = re.compile(r"\b[A-Za-z]*(Error|Exception)\b")


def _png(seed):
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_every_file_skipped_is_listed_in_words(tmp_path):
    source = tmp_path / "photos"
    for number, name in enumerate(("ant", "bee")):
        (source / name).mkdir(parents=True)
        for index in range(3):
            (source / name / f"{index}.png").write_bytes(_png(10 * number + index))
    (source / "ant" / "notes.txt").write_text("shopping list: two rolls of film\n")
    (source / "ant" / "cut.png").write_bytes(_png(7)[:60])
    Image.fromarray(np.full((8, 8), 0.5, dtype=np.float32)).save(source / "bee" / "float.tiff")
    os.mkfifo(source / "bee" / "pipe.png")
    (source / "bee" / "empty.png").write_bytes(b"")
    result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0", "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    assert "Error" not in result.output, result.output  # the note naming the files skipped too
    listed = dict(line.split("\t") for line in (tmp_path / "out" / "skipped.txt").read_text().splitlines())
    assert sorted(os.path.basename(name) for name in listed) == ["cut.png", "empty.png", "float.tiff", "notes.txt",
                                                                 "pipe.png"]
    assert listed[str(source / "ant" / "notes.txt")] == "not an image, or in a format Pillow cannot read"
    for name, reason in listed.items():
        assert not CLASS_NAME.search(reason), (name, reason)


def test_a_file_that_cannot_be_found_says_so_in_words(tmp_path):
    reason = decode.load_item(decode.ImportItem(path=str(tmp_path / "gone.png")), 8)[1]
    assert reason == "could not be opened: No such file or directory", reason

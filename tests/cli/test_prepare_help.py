"""``prepare folder --help`` teaches in about a screen and a half: it ran to 91 lines, most of them one
paragraph of every case the importer handles. Each option keeps its help, and what the help leaves out
is told where it points to, README.md's "Your own data"."""

import pathlib

import h5py
import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.cli.prepare import folder_command

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"
SCREEN_LINES = 40  # a terminal's height, about


def test_prepare_folder_help_fits_in_two_screens_and_documents_every_option():
    result = CliRunner().invoke(main, ["prepare", "folder", "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) <= 1.6 * SCREEN_LINES
    shown = " ".join(result.output.split())
    for parameter in folder_command.params:
        if parameter.param_type_name == "option":
            assert parameter.help and " ".join(parameter.help.split())[:40] in shown, parameter.name
            assert parameter.opts[0] in shown
    assert 'README.md, "Your own data"' in shown


def test_what_the_folder_help_leaves_out_is_in_the_readme_section_it_names():
    readme = README.read_text()
    section = " ".join(readme[readme.index("## Your own data"):readme.index("## The paper, step by step")].split())
    for fact in ("EXIF orientation", "animated GIF's first frame", "floating-point images", "32-bit integer greyscale",
                 "links to nothing", "held out gets them back", "A `val/` class that `train/` lacks is an error",
                 "source-digests.json", "`train/` and `val/` are class folders"):
        assert fact in section, fact


def test_the_folder_help_names_the_folders_refused_as_the_importer_refuses_them(tmp_path):
    """The help said "the folder above SOURCE" is refused: a folder above SOURCE is never read. The importer
    refuses one class's folder, and a folder holding only the folder of the classes, naming the folder to give."""
    shown = " ".join(CliRunner().invoke(main, ["prepare", "folder", "--help"]).output.split())
    assert "(given one class's folder, or a folder holding only the folder of the classes, it is refused, 65, " \
           "naming the folder to give)" in shown
    photos = tmp_path / "data" / "photos"
    for name in ("cat", "dog"):
        (photos / name).mkdir(parents=True)
        Image.new("RGB", (8, 8), (200, 10, 10)).save(photos / name / "1.png")
    for given, to_give in ((tmp_path / "data", photos), (photos / "cat", photos)):
        result = CliRunner().invoke(main, ["prepare", "folder", str(given), str(tmp_path / "out")])
        assert result.exit_code == 65, result.output
        assert f"give {to_give}" in " ".join(result.output.split()), result.output


def _shards(out):
    """{shard file name: (its inode and modification time, its images)} of the prepared dataset ``out``."""
    shards = {}
    for path in sorted(out.glob("*-*.h5")):
        with h5py.File(path, "r") as f:
            shards[path.name] = ((path.stat().st_ino, path.stat().st_mtime_ns), f["images"][...])
    return shards


def test_overwrite_decodes_every_image_again_and_keeps_the_shards_that_come_out_the_same(tmp_path):
    """--overwrite's help said only what it replaces: not that it decodes every image again (an image
    edited since is read anew, whatever the shards hold) and leaves the shards that come out the same."""
    option = next(parameter for parameter in folder_command.params if parameter.name == "overwrite")
    assert "decodes every image again, keeping shards that come out the same" in " ".join(option.help.split())
    photos = tmp_path / "photos"
    for subset, count, shade in (("train", 4, 0), ("val", 2, 100)):
        for name, (red, green) in (("cat", (200, 10)), ("dog", (10, 200))):
            (photos / subset / name).mkdir(parents=True)
            for index in range(count):
                Image.new("RGB", (8, 8), (red, green, shade + 30 * index)).save(photos / subset / name / f"{index}.png")
    arguments = ["prepare", "folder", str(photos), str(tmp_path / "out"), "--size", "12", "--shard-size", "2",
                 "--workers", "0"]
    assert CliRunner().invoke(main, arguments).exit_code == 0
    before = _shards(tmp_path / "out")
    Image.new("RGB", (8, 8), (0, 0, 0)).save(photos / "train" / "dog" / "3.png")  # edited since
    result = CliRunner().invoke(main, arguments + ["--overwrite"])
    assert result.exit_code == 0, result.output
    after = _shards(tmp_path / "out")
    assert after.keys() == before.keys()
    changed = {name for name in after if not np.array_equal(after[name][1], before[name][1])}
    assert len(changed) == 1 and not after[changed.pop()][1].any(axis=(1, 2, 3)).all()  # the black image read anew
    kept = {name for name in after if after[name][0] == before[name][0]}
    assert kept == {name for name in after if np.array_equal(after[name][1], before[name][1])}

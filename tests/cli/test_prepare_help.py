"""``prepare folder --help`` teaches in about a screen and a half: it ran to 91 lines, most of them one
paragraph of every case the importer handles. Each option keeps its help, and what the help leaves out
is told where it points to, README.md's "Your own data"."""

import pathlib

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

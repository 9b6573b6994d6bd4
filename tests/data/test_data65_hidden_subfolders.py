"""Hidden folders inside class folders (``ant/.git/``, ``ant/.thumbnails/``) are passed over by ``prepare folder``,
as hidden files are: that was done without a word. Now one line counts them by name, never one line per folder or
file, in both layouts (class folders in SOURCE; train/ + val/)."""

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset

NOTE = ("note: passed over {} hidden folder(s) inside class folders, not looked into: {} (names starting with '.', and "
        "system folders such as @eaDir, are passed over): rename those that hold images to import them")


def _prepare(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0"])


def _tree(image_bytes, prefix=""):
    files = {f"{prefix}{name}/{index}.png": image_bytes((60 * number + index, 9, 9), kind="PNG")
             for number, name in enumerate(("ant", "bee")) for index in range(4)}
    thumbnails = {f"{prefix}{name}/.thumbnails/{index}.png": image_bytes((60 * number + index, 9, 9), kind="PNG")
                  for number, name in enumerate(("ant", "bee")) for index in range(4)}
    return {**files, **thumbnails, f"{prefix}ant/.git/config": b"[core]\n", f"{prefix}ant/@eaDir/0.png@SynoEA": b"x",
            f"{prefix}bee/wild/.cache/{prefix}x.png": image_bytes((1, 2, 3), kind="PNG"),
            f"{prefix}bee/wild/5.png": image_bytes((5, 5, 5), kind="PNG")}


def test_hidden_folders_in_class_folders_are_counted_in_one_line(tmp_path, image_bytes, write_files):
    root = write_files(tmp_path / "src", _tree(image_bytes))
    result = _prepare(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "hidden folder" in line]
    assert said == [NOTE.format(5, ".thumbnails (2), .cache (1), .git (1), @eaDir (1)")], result.output
    assert ".thumbnails/" not in result.output and "config" not in result.output  # no file named
    prepared = dataset.open_dataset(tmp_path / "out")
    assert prepared.num_images("train") + prepared.num_images("val") == 9  # the thumbnails not imported


def test_those_of_the_validation_class_folders_too(tmp_path, image_bytes, write_files):
    files = {**_tree(image_bytes, "train/"), **_tree(image_bytes, "val/")}
    result = _prepare(write_files(tmp_path / "src", files), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert NOTE.format(10, ".thumbnails (4), .cache (2), .git (2), @eaDir (2)") in result.output.splitlines()

"""A train/ beside other folders is a class folder when it holds image files itself, and the tree is refused as
ambiguous when it holds only folders. A Thumbs.db or desktop.ini that Windows wrote into train/ counted as such a
file: the whole train/ tree (every class's images) was imported as one class named 'train', beside a class
'test', without a word."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("system_file", ["Thumbs.db", "desktop.ini", ".DS_Store"])
def test_a_system_file_in_train_does_not_make_it_a_class_folder(tmp_path, image_bytes, write_files, system_file):
    files = {f"{subset}/{name}/{number}.png": image_bytes((index, number, 40 * (subset == "test")), kind="PNG")
             for subset in ("train", "test") for index, name in enumerate(("cat", "dog")) for number in range(2)}
    root = write_files(tmp_path / "src", {**files, f"train/{system_file}": b"a system's file"})
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                       "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert (f"{root}: ambiguous layout: {root / 'train'} holds only folders, as in the train/ + val/ layout, but "
            f"{root} also holds 'test'") in result.output
    assert not (tmp_path / "out" / "meta.json").exists()

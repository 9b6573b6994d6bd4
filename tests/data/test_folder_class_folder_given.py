"""prepare folder given one class's folder that holds a folder too (photos/cat: images and cat/nested/) said to move
the images into their class's folder, not that photos/cat looks like one class's folder and to give photos, whose
other folders hold images too: it says so now, where the folders beside SOURCE hold images themselves."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


def _invoke(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0"])


def _images(root, names, image_bytes, write_files):
    return write_files(root, {name: image_bytes((index, 7, 9), kind="PNG") for index, name in enumerate(names)})


def test_a_class_folder_given_names_its_parent_whose_other_folders_hold_images(tmp_path, image_bytes, write_files,
                                                                                tree_state):
    photos = _images(tmp_path / "photos", [f"{name}/{number}.png" for name in ("cat", "dog", "fox")
                                           for number in range(3)] + ["cat/nested/9.png"], image_bytes, write_files)
    (photos / "notes").mkdir()  # no images in it: not named
    before = tree_state(tmp_path)
    result = _invoke(photos / "cat", tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"{photos / 'cat'}: one class folder, 'nested', and 3 image file(s) in no class folder, such as " \
           f"{photos / 'cat' / '0.png'} (the folder of one class? {photos} holds folders of images beside it, such " \
           f"as 'dog', 'fox'): if so, give {photos}; else move each into its class's folder;" in result.output
    assert "Traceback" not in result.output
    assert tree_state(tmp_path) == before and not (tmp_path / "out").exists()


@pytest.mark.parametrize("beside", [[], ["notes/readme.txt"], ["dog/session1/1.png"]],
                         ids=["alone", "a-folder-of-notes", "a-folder-of-folders"])
def test_a_folder_with_no_folder_of_images_beside_it_is_told_to_sort_its_images(tmp_path, image_bytes, write_files,
                                                                                 beside):
    photos = _images(tmp_path / "photos", ["cat/0.png", "cat/1.png", "cat/nested/9.png"], image_bytes, write_files)
    write_files(photos, {name: b"a note" if name.endswith(".txt") else image_bytes((1, 2, 3), kind="PNG")
                         for name in beside})
    result = _invoke(photos / "cat", tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"{photos / 'cat'}: one class folder, 'nested', and 2 image file(s) in no class folder, such as " \
           f"{photos / 'cat' / '0.png'}: move each into its class's folder;" in result.output

"""Images lying directly in SOURCE beside its class folders (or in its train/ or val/ beside theirs) are in no
class, so not imported: that was done without a word, and a researcher who had saved 300 photos in the top
folder by mistake trained without them. The import now warns, counting them and naming two; files that are no
images (README.txt, LICENSE, a web page saved as .jpg) and systems' files (.DS_Store, Thumbs.db) do not count.
A source holding only loose images is refused, saying to sort them into class folders."""

import json

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

WEB_PAGE = b"<!DOCTYPE html><html><body>403 Forbidden</body></html>\n"


@pytest.fixture
def prepare(tmp_path):
    def run(root, *options):
        return CliRunner().invoke(main, ["prepare", "folder", str(root), str(tmp_path / "out"), "--size", "12",
                                         "--workers", "0", *options])
    return run


@pytest.fixture
def classes(image_bytes):
    """{relative name: bytes}: two images in each of two class folders below ``prefix``."""
    def files(prefix=""):
        return {f"{prefix}{name}/{number}.png": image_bytes((80 * index + 20 * number, 9, 9), kind="PNG")
                for index, name in enumerate(("cat", "dog")) for number in range(2)}
    return files


def _loose_warning(output):
    lines = [line for line in output.splitlines() if "in no class folder" in line]
    assert len(lines) <= 1, output
    return lines[0] if lines else None


def test_images_beside_the_class_folders_are_warned_of(tmp_path, prepare, classes, image_bytes, write_files):
    junk = {"README.txt": b"photos of 2014\n", "LICENSE": b"CC-BY 4.0\n", "page.jpg": WEB_PAGE,
            ".DS_Store": image_bytes((1, 2, 3), kind="PNG"), "._a.jpg": image_bytes((4, 5, 6)),
            "Thumbs.db": image_bytes((7, 8, 9))}  # hidden and systems' files, whatever their bytes
    loose = {"a.jpg": image_bytes((200, 0, 0)), "b.png": image_bytes((0, 200, 0), kind="PNG"),
             "scan-0003": image_bytes((0, 0, 200), kind="PNG")}  # told by its first bytes, not its name
    root = write_files(tmp_path / "photos", {**classes(), **junk, **loose})
    result = prepare(root, "--val-fraction", "0")
    assert result.exit_code == 0, result.output
    warning = _loose_warning(result.output)
    assert warning is not None, result.output
    assert warning.startswith("warning: 3 image file(s) lie in no class folder")
    assert f"{root}/a.jpg, {root}/b.png" in warning and "not imported" in warning
    assert "move each into its class's folder" in warning
    meta = json.loads((tmp_path / "out" / "meta.json").read_text())
    assert meta["subsets"]["train"]["count"] == 4 and meta["skipped"] == []  # imported as before: not skipped


def test_files_beside_the_class_folders_that_are_no_images_are_not_warned_of(tmp_path, prepare, classes,
                                                                             image_bytes, write_files):
    junk = {"README.txt": b"photos of 2014\n", "LICENSE": b"CC-BY 4.0\n", "page.jpg": WEB_PAGE, "empty.jpg": b"",
            ".DS_Store": image_bytes((1, 2, 3), kind="PNG"), "Thumbs.db": image_bytes((7, 8, 9))}
    root = write_files(tmp_path / "photos", {**classes(), **junk})
    result = prepare(root, "--val-fraction", "0")
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output and _loose_warning(result.output) is None, result.output


def test_images_beside_train_and_val_and_their_class_folders_are_warned_of(tmp_path, prepare, classes,
                                                                           image_bytes, write_files):
    files = {**classes("train/"), "val/cat/v.png": image_bytes((1, 99, 1), kind="PNG"),
             "val/dog/v.png": image_bytes((99, 1, 1), kind="PNG"), "val/notes.txt": b"held out by hand\n"}
    loose = {"top.jpg": image_bytes((1, 1, 99)), "train/t.jpg": image_bytes((50, 50, 1)),
             "val/u.png": image_bytes((1, 50, 50), kind="PNG"), "val/w.png": image_bytes((50, 1, 50), kind="PNG")}
    root = write_files(tmp_path / "photos", {**files, **loose})
    result = prepare(root)
    assert result.exit_code == 0, result.output
    warning = _loose_warning(result.output)
    assert warning is not None and warning.startswith("warning: 4 image file(s) lie in no class folder"), \
        result.output
    assert f"{root}/top.jpg, {root}/train/t.jpg" in warning  # one of each folder first
    assert f"{root}/val" in warning


def test_a_source_of_loose_images_only_is_refused_saying_to_sort_them(tmp_path, prepare, image_bytes, write_files):
    files = {f"IMG_{number:04d}.jpg": image_bytes((30 * number, 9, 9)) for number in range(3)}
    root = write_files(tmp_path / "photos", {**files, "README.txt": b"unsorted\n"})
    result = prepare(root)
    assert result.exit_code == 65, result.output
    assert f"{root}: no class folders, only 4 file(s) (the folder of one class?), 3 of them images: if so, give " \
           f"{tmp_path}; else sort the images into one folder per class ({root}/<class>/<image files>); " \
           f"SOURCE must hold" in result.output
    assert "Traceback" not in result.output


def test_one_class_folder_beside_loose_images_is_refused_naming_them(tmp_path, prepare, classes, image_bytes,
                                                                    write_files):
    files = {name: data for name, data in classes().items() if name.startswith("cat/")}
    root = write_files(tmp_path / "photos", {**files, "stray.jpg": image_bytes((9, 9, 200))})
    result = prepare(root)
    assert result.exit_code == 65, result.output
    assert f"{root}: one class folder, 'cat', and 1 image file(s) in no class folder, such as {root}/stray.jpg" \
        in result.output

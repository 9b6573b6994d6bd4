"""Hidden names in ``prepare folder``: a class folder named ".hiddenclass" holding images, and image files named
".photo.jpg" in a class, were passed over without a word (names starting with "." are passed over, as .DS_Store
and macOS's ._ files are); a tree refused as one class did not name the hidden class folder beside it."""

from click.testing import CliRunner

from minitransfer.cli import main


def _invoke(root, out):
    return CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0"])


def _classes(image_bytes, names, count=4):
    return {f"{name}/{index}.png": image_bytes((60 * number + index, 9, 9), kind="PNG")
            for number, name in enumerate(names) for index in range(count)}


def test_a_hidden_class_folder_and_hidden_images_in_a_class_are_counted(tmp_path, image_bytes, write_files):
    files = _classes(image_bytes, ["cat", "dog", ".hiddenclass", ".also"])
    files.update({"cat/.x.png": image_bytes((1, 2, 3), kind="PNG"), "dog/.y.png": image_bytes((3, 2, 1), kind="PNG"),
                  "cat/._0.png": b"\0\5\26\7" + b"\0" * 80, ".git/config": b"[core]\n"})  # AppleDouble: no image
    result = _invoke(write_files(tmp_path / "src", files), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "passed over 2 hidden folder(s) holding images: '.also', '.hiddenclass' (names starting with '.' are " \
           "passed over)" in result.output
    assert "passed over 2 hidden image file(s) in class folders" in result.output
    assert ".git" not in result.output


def test_a_tree_without_hidden_images_says_nothing_of_them(tmp_path, image_bytes, write_files):
    files = {**_classes(image_bytes, ["cat", "dog"]), "cat/.DS_Store": b"\0\0\0\1Bud1" + b"\0" * 100}
    result = _invoke(write_files(tmp_path / "src", files), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "hidden folder" not in result.output and "hidden image" not in result.output, result.output


def test_the_one_class_refusal_names_the_hidden_class_folders(tmp_path, image_bytes, write_files):
    result = _invoke(write_files(tmp_path / "src", _classes(image_bytes, ["real", ".fake"])), tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert "one class folder, 'real'" in result.output and "'.fake'" in result.output, result.output


def test_hidden_images_and_folders_of_val_are_counted_too(tmp_path, image_bytes, write_files):
    """In the train/ + val/ layout, val/cat/.x.png and val/.extra/ were passed over silently."""
    files = {**{f"train/{path}": data for path, data in _classes(image_bytes, ["cat", "dog"]).items()},
             **{f"val/{path}": data for path, data in _classes(image_bytes, ["cat", "dog", ".extra"], 2).items()},
             "val/cat/.x.png": image_bytes((1, 2, 3), kind="PNG")}
    result = _invoke(write_files(tmp_path / "src", files), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "passed over 1 hidden folder(s) holding images: '.extra'" in result.output, result.output
    assert "passed over 1 hidden image file(s) in class folders, such as" in result.output, result.output
    assert ".x.png" in result.output, result.output

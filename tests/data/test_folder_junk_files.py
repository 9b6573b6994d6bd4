"""Files that are not images, alike in every class folder (a notes.txt, a labelling tool's annotation
stub): skipped as not images, they were also warned of as "images in two or more classes" and listed in
copies-across-classes.txt, sending the researcher to delete files that were never imported."""

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import folder


def test_identical_files_that_are_not_images_are_no_copies_across_classes(tmp_path, image_bytes, write_files):
    photo = image_bytes((7, 7, 7), kind="PNG")
    files = {f"{name}/{number}.png": image_bytes((60 * index + number, 9, 9), kind="PNG")
             for index, name in enumerate(("cat", "dog", "fox")) for number in range(3)}
    files.update({f"{name}/notes.txt": b"shot in 2014\n" for name in ("cat", "dog", "fox")})
    files.update({"cat/photo.png": photo, "dog/photo.png": photo})  # an image in two classes: still listed
    root = write_files(tmp_path / "src", files)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["prepare", "folder", str(root), str(out), "--size", "12", "--workers", "0",
                                       "--val-fraction", "0"])
    assert result.exit_code == 0, result.output
    assert (out / folder.COPIES_FILE).read_text().splitlines() == [f"1\ttrain\tcat\t{root}/cat/photo.png",
                                                                   f"1\ttrain\tdog\t{root}/dog/photo.png"]
    assert "warning: 1 image(s) lie in two or more classes, as 2 files with the same bytes" in result.output
    assert sorted(line.split("\t")[0] for line in (out / "skipped.txt").read_text().splitlines()) == \
        [f"{root}/{name}/notes.txt" for name in ("cat", "dog", "fox")]

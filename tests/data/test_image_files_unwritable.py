"""A rerun of `prepare folder` that cannot write image-files.json (a folder in its place) said "already prepared
... nothing written" and never wrote it, no line saying so: `prepare overlap` then named the images by number. It
warns, naming the file, its exit code unchanged."""

from click.testing import CliRunner
from overlap_photos import photo, prepared

from minitransfer.cli import main
from minitransfer.data import dataset, image_files


def test_a_list_that_cannot_be_written_is_warned_of(tmp_path):
    out = prepared(tmp_path / "X", {"bus": [photo(1), photo(2)], "oak": [photo(3), photo(4)]}, 16)
    listed = tmp_path / "X-16" / image_files.FILE
    listed.unlink()
    listed.mkdir()  # in its place, a folder: not writable as the list
    again = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "X"), out, "--size", "16", "--workers", "0",
                                      "--val-fraction", "0"])
    assert again.exit_code == 0, again.output
    warned = [line for line in again.stderr.splitlines() if line.startswith("warning:")]
    assert warned == [f"warning: cannot write {listed}: Is a directory; `prepare overlap` names this dataset's "
                      "images by number until it is written (by a rerun of this prepare)"], again.output
    assert image_files.recorded_files(dataset.open_dataset(out)) is None and listed.is_dir()
    listed.rmdir()  # fixed: the next rerun writes it, and says nothing of it
    fixed = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "X"), out, "--size", "16", "--workers", "0",
                                      "--val-fraction", "0"])
    assert fixed.exit_code == 0 and "warning:" not in fixed.output, fixed.output
    assert sorted(image_files.recorded_files(dataset.open_dataset(out))["train"]) == [  # Oracle: the folder's files
        "bus/0.png", "bus/1.png", "oak/0.png", "oak/1.png"]

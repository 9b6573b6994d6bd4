"""The counts note of a rerun (``Writes.counts_said``) guessed "images added to or removed from its source since"
wherever the images in all numbered otherwise and the new import was a folder's, also where --overwrite replaced
a dataset of another source: a synthetic set, or another folder's, whose images were never in the new source. The
guess is now made only where the dataset held and the new one are both of one folder tree; the counts are said
all the same."""

from click.testing import CliRunner

from minitransfer.cli import main

GUESS = "(images added to or removed from its source since"


def _photos(root, image_bytes, write_files, per_class):
    """root/train/<class>/ of ``per_class`` images each, every image its own colour (held-out validation)."""
    files = {f"train/{name}/{number}.png": image_bytes((90 * index + 20, 25 * number, 60), kind="PNG")
             for index, name in enumerate(("apple", "boat")) for number in range(per_class)}
    return write_files(root, files)


def _prepare(*words):
    result = CliRunner().invoke(main, ["prepare", *map(str, words), "--size", "12"])
    assert result.exit_code == 0, result.output
    return [line for line in result.stderr.splitlines() if "images before this import" in line]


def _folder(photos, out, *more):
    return _prepare("folder", photos, out, "--workers", "0", "--val-fraction", "0.25", *more)


def test_a_folder_over_a_synthetic_set_says_the_counts_without_guessing_images_were_added(tmp_path, image_bytes,
                                                                                           write_files):
    out = tmp_path / "out"
    _prepare("synthetic", out, "--classes", "2", "--train-per-class", "3", "--val-per-class", "1")
    notes = _folder(_photos(tmp_path / "photos", image_bytes, write_files, 8), out, "--overwrite")
    # 2 classes of 3 + 1 generated; 2 classes of 8 photos, a quarter (2) of each held out
    assert notes == [f"note: {out} held train 6, val 2 images before this import; now train 12, val 4"], notes


def test_another_folder_over_a_folders_dataset_says_the_counts_without_guessing(tmp_path, image_bytes, write_files):
    out = tmp_path / "out"
    _folder(_photos(tmp_path / "photos", image_bytes, write_files, 4), out)
    notes = _folder(_photos(tmp_path / "other", image_bytes, write_files, 8), out, "--overwrite")
    assert notes == [f"note: {out} held train 6, val 2 images before this import; now train 12, val 4"], notes


def test_the_same_folder_grown_still_guesses_images_were_added(tmp_path, image_bytes, write_files):
    out, photos = tmp_path / "out", _photos(tmp_path / "photos", image_bytes, write_files, 4)
    _folder(photos, out)
    (photos / "train" / "boat" / "new.png").write_bytes(image_bytes((3, 200, 250), kind="PNG"))
    notes = _folder(photos, out)
    assert len(notes) == 1 and notes[0].startswith(f"note: {out} held train 6, val 2 images before this import; "
                                                   f"now train 7, val 2 {GUESS}"), notes

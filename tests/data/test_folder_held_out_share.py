"""Held-out validation of ``prepare folder``: a file whose bytes lie in another class's folder was held out, then
left out of validation as a copy of a training image and never replaced (a class with spare images ended without
a validation image, and the file listed as trained with its label was not); and small classes held out far more
than --val-fraction asked (each class of two or more gives one) without a word."""

import numpy as np
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, folder, held_out, shard_format


def _invoke(*args):
    return CliRunner().invoke(main, ["prepare", "folder", *map(str, args), "--size", "12", "--workers", "0"])


def _colour(number):
    return (number % 250, number // 250 * 40 + 5, 90)  # a colour, and so the bytes, of each file its own


def test_a_copy_of_another_class_is_passed_over_so_every_class_keeps_a_validation_image(
        tmp_path, image_bytes, write_files):
    classes = [f"c{number:02d}" for number in range(30)]
    files = {f"{name}/{index}.png": image_bytes(_colour(4 * number + index), kind="PNG")
             for number, name in enumerate(classes) for index in range(4)}
    copy = files["c00/0.png"]
    files.update({f"{name}/dup.png": copy for name in classes[1:]})  # one photo saved under 29 other classes
    root = write_files(tmp_path / "src", files)
    result = _invoke(root, tmp_path / "out", "--val-fraction", "0.3")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    val = np.bincount(data.labels("val"), minlength=len(classes))
    train = np.bincount(data.labels("train"), minlength=len(classes))
    per_class = np.array([sum(path.startswith(f"{name}/") for path in files) for name in classes])
    assert (val >= 1).all() and (train + val == per_class).all(), (val, train)  # no file left out
    assert "no validation image" not in result.output
    assert not (tmp_path / "out" / shard_format.SKIPPED_FILE).exists()
    listed = (tmp_path / "out" / folder.COPIES_FILE).read_text().splitlines()
    assert sorted(line.split("\t")[1:] for line in listed) == sorted(
        [["train", "c00", f"{root}/c00/0.png"]] + [["train", name, f"{root}/{name}/dup.png"] for name in classes[1:]])


def test_a_share_held_out_far_from_the_fraction_asked_is_noted_with_why(tmp_path, image_bytes, write_files):
    sizes = [3, 4, 2, 1] * 5 + [12, 25]
    files = {f"k{number:02d}/{index}.png": image_bytes(_colour(30 * number + index), kind="PNG")
             for number, count in enumerate(sizes) for index in range(count)}
    result = _invoke(write_files(tmp_path / "small", files), tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    held, total = data.num_images("val"), data.num_images("train") + data.num_images("val")
    raised = sum(1 for count in sizes if 2 <= count < 5)  # 0.1 of fewer than 5 rounds to none
    assert f"note: val {held} of {total} images ({held / total:.1%}, not the 10% asked): each class of two or more " \
           f"images gives at least one: {raised} class(es) gave one where their share rounded to none" in result.output
    even = {f"k{number}/{index}.png": image_bytes(_colour(30 * number + index), kind="PNG")
            for number in range(3) for index in range(10)}
    result = _invoke(write_files(tmp_path / "even", even), tmp_path / "even-out")
    assert result.exit_code == 0 and "asked" not in result.output, result.output


def test_the_folder_help_says_small_classes_give_more_than_the_fraction():
    result = CliRunner().invoke(main, ["prepare", "folder", "--help"], terminal_width=80)
    assert "a class of two or more gives at least one, so small classes give more" in " ".join(result.output.split())


def test_the_note_says_the_fraction_asked_as_given():
    """--val-fraction 0.125 was said as "not the 12% asked"."""
    sizes = [2, 3, 3, 9, 16]  # at 0.125: 2 and 3 round to none but give one; 9 gives 1, 16 gives 2
    held = [held_out.held_out_count(count, 0.125) for count in sizes]
    val = np.repeat(np.arange(len(sizes)), held)
    train = np.repeat(np.arange(len(sizes)), [count - given for count, given in zip(sizes, held)])
    note = held_out.share_note({"kind": "folder", "layout": held_out.HELD_OUT, "val_fraction": 0.125}, train, val,
                               len(sizes))
    raised = sum(1 for count in sizes if 2 <= count and count * 0.125 < 0.5)
    assert note == (f"note: val {sum(held)} of {sum(sizes)} images ({sum(held) / sum(sizes):.1%}, not the 12.5% "
                    f"asked): each class of two or more images gives at least one: {raised} class(es) gave one where "
                    f"their share rounded to none")

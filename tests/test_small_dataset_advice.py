"""What train, experiment and prepare advise on small or uneven datasets is something the user can do:
experiment has no --split all, a dataset imported with a validation set needs images, not a re-import, and a
natural half of one class needs its family to grow."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import splits
from unbalanced_data import build_unbalanced

FAST = ["--max-iter", "1", "--batch-size", "4", "--eval-every", "1", "--preset", "micro", "--device", "cpu",
        "--quiet"]


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def write_tree(root, counts, seed=0):
    """``counts``: {relative class folder: number of 14 x 14 PNG files written in it (0: an empty folder)}."""
    rng = np.random.default_rng(seed)
    for folder, count in counts.items():
        (root / folder).mkdir(parents=True)
        for index in range(count):
            Image.fromarray(rng.integers(0, 256, (14, 14, 3), dtype=np.uint8)).save(root / folder / f"{index}.png")
    return root


def prepare(source, out, *options):
    result = invoke("prepare", "folder", source, out, "--size", "14", "--workers", "0", *options)
    assert result.exit_code == 0, result.output
    return result


def dry_run(data, grid, *options):
    return invoke("experiment", "--data", data, "-o", grid, "--preset", "micro", "--dry-run", *options)


def test_experiment_on_three_classes_advises_trains_command_not_its_own_split_all(tmp_path):
    """experiment advised "use --split all", which it rejects ('all' is not one of 'random', 'natural')."""
    data = tmp_path / "three"
    prepare(write_tree(tmp_path / "photos", {name: 4 for name in "abc"}), data)
    refused = dry_run(data, tmp_path / "grid", "--random-frozen", "1")
    assert refused.exit_code == 2, refused.output
    assert (f"error: run random0/baseA: half A of the random split of {data} holds 1 class; a classifier needs at "
            f"least 2 to tell apart (3 in the dataset, and the random split needs 4 or more, 2 a half: give the "
            f"dataset more classes, or train every class with `minitransfer train --split all` (with "
            f"--random-frozen N or --per-class N for the controls), or measure it as the target of a grid across "
            f"datasets, whose runs on it train on every class: `minitransfer experiment --source-data OTHER --data "
            f"{data}`, OTHER a dataset of other classes)\n") in refused.output
    assert dry_run(data, tmp_path / "grid", "--split", "all").exit_code == 2  # what it advised before
    trained = invoke("train", "--data", data, "--split", "all", "--random-frozen", "1", "-o", tmp_path / "r1.h5",
                     *FAST)
    assert trained.exit_code == 0, trained.output
    refused = invoke("train", "--data", data, "-o", tmp_path / "a.h5", *FAST)  # train's own option stays advised
    assert refused.exit_code == 2 and refused.output.endswith("give the dataset more classes, or use --split all)\n")


def seed_pairing(num_classes, classes):
    """The first random split seed whose half A is ``classes`` (an oracle beside the one advised)."""
    return next(seed for seed in range(1000) if splits.random_halves(num_classes, seed)[0].tolist() == classes)


@pytest.mark.parametrize("layout", ["held-out", "val-folder"])
def test_classes_without_validation_images_are_named_rather_than_a_reimport(tmp_path, layout):
    """A dataset imported with a validation set, whose classes 'a' and 'b' have none (one image each, of
    which held-out validation takes none; or no val/ folder of theirs): the refusal said to re-import with
    --val-fraction 0.1, which the import had used already."""
    if layout == "held-out":
        source = write_tree(tmp_path / "photos", {"a": 1, "b": 1, "c": 10, "d": 10})
        add = "give each of them 2 or more images, since held-out validation takes one only from a class of two or more"
    else:
        source = write_tree(tmp_path / "photos", {**{f"train/{name}": 3 for name in "abcd"}, "val/c": 1, "val/d": 1})
        add = "add validation images of each of them (a val/ folder needs an image of each)"
    data = tmp_path / "data"
    prepare(source, data)
    seed = seed_pairing(4, [0, 1])
    refused = dry_run(data, tmp_path / "grid", "--split-seed", seed)
    assert refused.exit_code == 65, refused.output
    assert (f"has no validation images of this run's classes, so nothing would measure it; its classes 'a', 'b' "
            f"have no validation image: {add}, and prepare it again, or use another split seed, e.g. --split-seed "
            ) in refused.output
    assert "re-import" not in refused.output
    advised = int(re.search(r"--split-seed (\d+)\n", refused.output).group(1))
    assert dry_run(data, tmp_path / "grid", "--split-seed", advised).exit_code == 0  # the seed advised does it
    note = invoke("splits", data, "random", "--split-seed", seed, "--half", "A")
    assert f"its classes 'a', 'b' have no validation image: {add}" in note.output


def test_a_dataset_without_a_validation_set_is_still_told_to_reimport_with_one(tmp_path):
    data = tmp_path / "data"
    prepare(write_tree(tmp_path / "photos", {name: 3 for name in "abcd"}), data, "--val-fraction", "0")
    refused = invoke("train", "--data", data, "-o", tmp_path / "net.h5", *FAST)
    assert refused.exit_code == 65, refused.output
    assert refused.output.endswith("; re-import with a validation set (prepare folder again with --val-fraction 0.1, "
                                   "with --overwrite to replace OUT's dataset, or into another OUT)\n"), refused.output


def test_an_empty_training_folder_says_its_validation_images_are_left_out(tmp_path):
    """train/onlyval/ empty beside val/onlyval/ of 3 images: "no files", and the 3 dropped without a word."""
    source = write_tree(tmp_path / "photos", {"train/a": 3, "train/b": 3, "train/onlyval": 0, "val/a": 1,
                                              "val/b": 1, "val/onlyval": 3})
    result = prepare(source, tmp_path / "data")
    reason = "no training images (3 validation images in val/onlyval left out)"
    assert f"left out class 'onlyval': {reason}\n" in result.output
    meta = json.loads((tmp_path / "data" / "meta.json").read_text())
    assert meta["excluded_classes"] == [{"name": "onlyval", "reason": reason}]
    source = write_tree(tmp_path / "bare", {"a": 3, "b": 3, "empty": 0})  # no val/: an empty folder has no files
    assert "left out class 'empty': no files\n" in prepare(source, tmp_path / "bare-data").output


def test_a_natural_half_of_one_class_is_told_to_grow_its_family(tmp_path):
    """Family x of one class: prepare said nothing, and experiment --split natural gave the random split's
    advice ("use --split all, or more classes")."""
    families = tmp_path / "families.txt"
    families.write_text("c0 x\n" + "".join(f"c{index} y\n" for index in range(1, 7)))
    source = write_tree(tmp_path / "photos", {f"c{index}": 3 for index in range(7)})
    data = tmp_path / "data"
    remedy = ("family 'x' holds only 'c0': give it 2 or more classes in the families file and prepare again "
              "(prepare folder --families FILE)")
    prepared = prepare(source, data, "--families", families)
    assert (f"note: half A of the natural split holds 1 class, which 'train' and 'experiment' refuse (a classifier "
            f"needs 2 or more): {remedy}, or train every class (train --split all)\n") in prepared.output
    refused = dry_run(data, tmp_path / "grid", "--split", "natural")
    assert refused.exit_code == 2, refused.output
    assert (f"error: run natural/baseA: half A of the natural split of {data} holds 1 class; a classifier needs at "
            f"least 2 to tell apart ({remedy}, or train every class with `minitransfer train --split all`") \
        in refused.output
    assert "use --split all" not in refused.output and "give the dataset more classes" not in refused.output


def test_a_natural_half_of_one_class_is_told_of_a_family_a_that_fits(tmp_path):
    families = tmp_path / "families.txt"
    families.write_text("c0 x\nc1 y\nc2 y\nc3 z\nc4 z\n")
    source = write_tree(tmp_path / "photos", {f"c{index}": 3 for index in range(5)})
    data = tmp_path / "data"
    prepared = prepare(source, data, "--families", families)
    assert ("family 'x' holds only 'c0': give it 2 or more classes in the families file and prepare again (prepare "
            "folder --families FILE), or make 'y' half A (prepare folder --family-a 'y')") in prepared.output
    refused = dry_run(data, tmp_path / "grid", "--split", "natural")
    assert refused.exit_code == 2 and "or make 'y' half A (prepare folder --family-a 'y')" in refused.output
    prepared = prepare(source, tmp_path / "data-y", "--families", families, "--family-a", "y")
    assert "natural split holds" not in prepared.output
    assert dry_run(tmp_path / "data-y", tmp_path / "grid-y", "--split", "natural").exit_code == 0


def test_a_synthetic_natural_half_of_one_class_is_told_to_ask_for_more_classes(tmp_path):
    """prepare synthetic --classes 2: each family holds one class, and the note said to edit a families file
    with prepare folder --families, which synthetic has not. Its advice, followed, gives no such note."""
    def synthetic(out, classes):
        result = invoke("prepare", "synthetic", out, "--classes", classes, "--train-per-class", 3,
                        "--val-per-class", 1, "--size", 16)
        assert result.exit_code == 0, result.output
        return result.output.replace("\n", " ")
    output = synthetic(tmp_path / "two", 2)
    assert "natural split holds 1 class" in output and "families file" not in output, output
    advised = re.search(r"prepare synthetic again with --classes (\d+) or more", output)
    assert advised, output
    assert "natural split holds" not in synthetic(tmp_path / "more", advised.group(1))


def test_a_natural_half_of_an_importers_families_is_not_told_of_prepare_folder(tmp_path):
    """A dataset whose importer gave the families (not prepare folder's families file): the advice names
    the importer and the family, not prepare folder's options."""
    built = build_unbalanced(tmp_path / "S", (3, 3), (1, 1))
    notes = list(splits.natural_split_notes(built))
    assert len(notes) == 2, notes
    family_a = splits.family_of_half_a(built)
    assert all("prepare folder" not in note and "families file" not in note for note in notes), notes
    assert (f"test gives each class its family: prepare again from a source holding {splits.MIN_CLASSES} or more "
            f"classes of family {family_a!r}") in notes[0]

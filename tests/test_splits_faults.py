"""``minitransfer splits`` against ``train``: the natural split it prints is the one train uses, and
where train cannot make one, what both say to do is something the user can do."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main
from minitransfer.data import build, decode, lock, synthetic

# Two natural classes (under organism) and two man-made ones (under artifact), by WordNet id.
CLASSES = {"n01440764": "natural", "n01443537": "natural", "n02690373": "man-made", "n02701002": "man-made"}
IS_A = "".join(f"{'n00004475' if family == 'natural' else 'n00021939'} {wnid}\n" for wnid, family in CLASSES.items())
FAST = ["--max-iter", "1", "--batch-size", "4", "--eval-every", "1", "--preset", "micro", "--device", "cpu",
        "--quiet"]


@pytest.fixture(scope="module")
def wordnet_photos(tmp_path_factory):
    """train/<wnid>/*.png and val/<wnid>/*.png (14 x 14), and the is-a file placing each class."""
    root = tmp_path_factory.mktemp("wordnet-photos")
    rng = np.random.default_rng(3)
    for wnid in CLASSES:
        for subset, count in (("train", 4), ("val", 2)):
            (root / "photos" / subset / wnid).mkdir(parents=True)
            for index in range(count):
                pixels = rng.integers(0, 256, (14, 14, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(root / "photos" / subset / wnid / f"{index}.png")
    (root / "is_a.txt").write_text(IS_A)
    return root


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def prepare(root, name, *options):
    result = invoke("prepare", "folder", root / "photos", root / name, "--workers", "0", *options)
    assert result.exit_code == 0, result.output
    return root / name


def test_natural_split_without_families_says_how_to_give_them(wordnet_photos, tmp_path):
    """train has no --is-a: it was told to "give the WordNet is-a file to the split"."""
    data = prepare(wordnet_photos, "bare")
    for args in (["train", "--data", data, "--split", "natural", "-o", tmp_path / "net.h5", *FAST],
                 ["splits", data, "natural"]):
        result = invoke(*args)
        assert result.exit_code == 2, result.output
        assert (f"4 classes of {data} have no family (the natural split needs every class's): prepare the dataset "
                f"again with --families FILE (or --is-a FILE, for WordNet ids)") in result.output
    result = invoke("splits", data, "natural", "--is-a", wordnet_photos / "is_a.txt", "--format", "json")
    assert result.exit_code == 0, result.output
    assert [[c["wnid"] for c in half["classes"]] for half in json.loads(result.output)] == \
        [["n01440764", "n01443537"], ["n02690373", "n02701002"]]


def test_is_a_is_refused_on_a_dataset_with_families_as_train_would_split_it_otherwise(wordnet_photos, tmp_path):
    """A dataset imported with --family-a man-made is trained with half A = man-made; --is-a gave half A
    = natural, a split no train of this dataset uses."""
    data = prepare(wordnet_photos, "man-made-first", "--is-a", wordnet_photos / "is_a.txt", "--family-a", "man-made")
    result = invoke("train", "--data", data, "--split", "natural", "--half", "A", "-o", tmp_path / "A.h5", *FAST)
    assert result.exit_code == 0, result.output
    trained = [entry["wnid"] for entry in checkpoints.load(tmp_path / "A.h5").meta["classes"]]
    [shown] = json.loads(invoke("splits", data, "natural", "--half", "A", "--format", "json").output)
    assert [entry["wnid"] for entry in shown["classes"]] == trained == ["n02690373", "n02701002"]

    result = invoke("splits", data, "natural", "--half", "A", "--is-a", wordnet_photos / "is_a.txt")
    assert result.exit_code == 2, result.output
    assert (f"the classes of {data} have their families, the natural split train uses (A = family "
            f"'man-made'); --is-a is for a dataset imported without them: leave it out") in result.output


def test_json_larger_than_a_pipe_to_a_reader_that_leaves_ends_with_141(tmp_path):
    """``minitransfer splits imagenet-256 random --format json | head -1``: ImageNet's JSON (170 kB) is
    more than a pipe holds; written at once and cut short by the reader leaving, it ended with exit
    code 0, as if every line had been read; a Unix tool killed by SIGPIPE ends with 141."""
    # ImageNet's class count, each named as long as a WordNet synset's names; the dataset is written as an
    # import writes it, without 2,000 photos to decode (what is tested is splits' writing to the pipe)
    names = [f"class {number:04d}, a name as long as many of ImageNet's" for number in range(1000)]
    classes = [{"index": number, "wnid": name, "name": name} for number, name in enumerate(names)]  # folder's
    subsets = {}
    for subset in ("train", "val"):
        items = []
        for number in range(1000):
            pixels = np.zeros((4, 4, 3), dtype=np.uint8)
            pixels[0, 0] = number // 256, number % 256, subset == "val"
            items.append(decode.ImportItem(pixels=pixels))
        subsets[subset] = (items, list(range(1000)), {})
    data = tmp_path / "many-classes"
    build.build_dataset(data, source={"kind": "folder"}, classes=classes, subsets=subsets, size=4, workers=0)
    read_end, write_end = os.pipe()
    try:
        command = subprocess.Popen([sys.executable, "-c", "from minitransfer.cli import main; main()", "splits",
                                    str(data), "random", "--format", "json"], stdout=write_end, stderr=subprocess.PIPE,
                                   text=True)
        os.close(write_end)
        assert os.read(read_end, 1) == b"["
    finally:
        os.close(read_end)  # the reader leaves after the first byte, as head -c 1 does
    assert command.wait(timeout=120) == 141 and command.stderr.read() == ""
    result = invoke("splits", data, "random", "--format", "json")
    assert len(result.output) > 2**16 and [half["num_classes"] for half in json.loads(result.output)] == [500, 500]


def test_splits_of_a_dataset_being_prepared_again_is_refused_as_its_help_says(tmp_path):
    """``prepare --overwrite`` rewrites the shards while meta.json is still there: splits read the labels
    there anyway and printed a split of half-replaced files with exit code 0 (train and eval refuse)."""
    data = tmp_path / "data"
    synthetic.build_synthetic(data, classes=4, train_per_class=2, val_per_class=1, size=14, seed=1)
    with lock.writing(data):  # what a running prepare holds
        result = invoke("splits", data, "random")
    assert result.exit_code == 2, result.output
    assert result.output == (f"error: {data} is being prepared by another minitransfer process (PID {os.getpid()}), "
                             f"which replaces its files; wait for it to finish, then rerun\n")
    assert invoke("splits", data, "random").exit_code == 0 and not lock.readers(data)


def test_a_half_train_refuses_is_said_to_be_one(tmp_path):
    """Two classes: each random half holds one, which train refuses; splits showed them without a word."""
    data = tmp_path / "data"
    synthetic.build_synthetic(data, classes=2, train_per_class=2, val_per_class=1, size=14, seed=1)
    result = CliRunner().invoke(main, ["splits", str(data), "random"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "".join(f"note: half {half} holds 1 class; train refuses it (a classifier needs at least 2 "
                                    f"to tell apart)\n" for half in "AB")
    assert [line.split("\t")[1] for line in result.stdout.splitlines() if not line.startswith("#")] == ["0", "1"]
    assert CliRunner().invoke(main, ["splits", str(data), "all"]).stderr == ""


def test_a_half_without_validation_images_is_said_to_be_one_train_refuses(tmp_path):
    """A dataset prepared without validation images: train refuses each half (nothing would measure it),
    and splits showed them without a word, as it did a half of 1 class."""
    data = tmp_path / "data"
    synthetic.build_synthetic(data, classes=4, train_per_class=2, val_per_class=0, size=14, seed=1)
    trained = invoke("train", "--data", data, "--half", "B", "-o", tmp_path / "net.h5", *FAST)
    assert trained.exit_code == 65 and "has no validation images" in trained.output, trained.output
    result = CliRunner().invoke(main, ["splits", str(data), "random"])
    assert result.exit_code == 0, result.output
    assert result.stderr == "".join(f"note: half {half} holds no validation images; train refuses it (nothing would "
                                    f"measure it): re-import with a validation set (prepare synthetic again with "
                                    f"--val-per-class 1 or more, with --overwrite to replace OUT's dataset, or into "
                                    f"another OUT)\n" for half in "AB")
    assert "2 classes, 4 train / 0 val images" in result.stdout


def test_json_names_the_family_of_each_natural_half_as_the_text_does(wordnet_photos):
    """The text's title said "A = family 'man-made'"; the JSON said nothing of which half is which family."""
    data = prepare(wordnet_photos, "families", "--is-a", wordnet_photos / "is_a.txt", "--family-a", "man-made")
    natural = json.loads(invoke("splits", data, "natural", "--format", "json").output)
    assert [(half["half"], half["family"]) for half in natural] == [("A", "man-made"), ("B", "natural")]
    assert "(A = family 'man-made', B = the rest)" in invoke("splits", data, "natural").output
    assert [half["family"] for half in json.loads(invoke("splits", data, "random", "--format", "json").output)] == \
        [None, None]

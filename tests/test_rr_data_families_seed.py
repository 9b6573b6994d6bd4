"""The command `experiment --split natural` gives to prepare a class-folder tree again with families keeps the
held-out choice's --seed where the dataset was prepared at the default --val-fraction: it dropped the seed there,
so the command run as told held out other validation images (those of seed 0) over the dataset, without a word."""

import shlex

import numpy as np

from minitransfer.data import dataset as datasets
from test_user66b_families_remedy import class_folders, invoke


def held_out(data):
    """The validation images of ``data`` as pixels, a set of bytes (the files they came from are not recorded)."""
    dataset = datasets.open_dataset(data)
    return {image.tobytes() for image in dataset.images("val", np.arange(dataset.num_images("val")))}


def test_the_command_keeps_the_seed_of_the_default_held_out_fraction(tmp_path):
    class_folders(tmp_path / "photos", 10, 12, 7)
    data = tmp_path / "photos-12"
    prepared = invoke("prepare", "folder", tmp_path / "photos", data, "--size", "12", "--seed", "3", "--workers", "0")
    assert prepared.exit_code == 0, prepared.output
    before = held_out(data)

    refused = invoke("experiment", "--data", data, "--split", "natural", "--preset", "micro", "-o", tmp_path / "grid",
                     "--dry-run")
    assert refused.exit_code == 2, refused.output
    command = shlex.split(refused.output.split(", over it: ", 1)[1].split(";", 1)[0].replace("\n", " "))
    (tmp_path / "families.txt").write_text("ant insect\nbee insect\neel fish\nfox mammal\n")
    again = invoke(*[tmp_path / "families.txt" if word == "FILE" else word for word in command[1:]])
    assert again.exit_code == 0, again.output
    assert datasets.open_dataset(data).meta["source"]["seed"] == 3
    assert held_out(data) == before  # the same images held out as before (seed 0 holds out others)

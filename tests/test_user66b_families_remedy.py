"""`experiment --split natural` on a class-folder tree imported without families: the refusal is in the user's
words (no "splits:", a module's name), and gives the whole command that prepares the dataset again with them:
the tree's own folder, the dataset's options and --overwrite (without it the rerun is refused, exit 2). Run as
told, with a families file for FILE, it succeeds and the natural split is there."""

import shlex

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import splits

CLASSES = ("ant", "bee", "eel", "fox")


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def class_folders(photos, per_class, size, seed):
    """A folder of CLASSES' folders under ``photos``, ``per_class`` random PNGs of ``size`` pixels in each."""
    rng = np.random.default_rng(seed)
    for name in CLASSES:
        (photos / name).mkdir(parents=True)
        for index in range(per_class):
            Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8)).save(photos / name / f"{index}.png")


def test_the_natural_split_without_families_gives_the_command_that_prepares_them(tmp_path):
    class_folders(tmp_path / "photos", 4, 16, 5)
    data = tmp_path / "photos-14"
    prepared = invoke("prepare", "folder", tmp_path / "photos", data, "--size", "14", "--val-fraction", "0.25",
                      "--seed", "3", "--workers", "0")
    assert prepared.exit_code == 0, prepared.output

    refused = invoke("experiment", "--data", data, "--split", "natural", "--preset", "micro", "-o", tmp_path / "grid",
                     "--dry-run")
    assert refused.exit_code == 2, refused.output
    assert "splits:" not in refused.output and "Traceback" not in refused.output
    assert f"4 classes of {data} have no family" in refused.output
    told = refused.output.split(", over it: ", 1)[1].split(";", 1)[0].replace("\n", " ")
    command = shlex.split(told)
    assert command[:3] == ["minitransfer", "prepare", "folder"] and "--overwrite" in command, told
    (tmp_path / "families.txt").write_text("ant insect\nbee insect\neel fish\nfox mammal\n")
    again = invoke(*[tmp_path / "families.txt" if word == "FILE" else word for word in command[1:]])
    assert again.exit_code == 0, again.output
    redone = datasets.open_dataset(data)
    assert redone.image_size == (14, 14) and redone.meta["source"]["seed"] == 3
    assert redone.meta["source"]["val_fraction"] == 0.25 and redone.meta["source"]["path"] == str(tmp_path / "photos")
    half_a, half_b = splits.class_halves(redone, "natural")
    assert [CLASSES[index] for index in half_a] == ["ant", "bee"]
    assert [CLASSES[index] for index in half_b] == ["eel", "fox"]

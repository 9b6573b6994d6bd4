"""`experiment --data three-14`, three classes (too few for a random split's halves of two each): the refusal
advises, beside train's `--split all`, the grid across datasets with it as the target (README, "Your own data"),
as a command that, run with a dataset of other classes for OTHER, plans the grid. A grid across datasets refused
so (its random split asked for) is not advised to be one."""

import shlex

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main


def invoke(*args):
    return CliRunner().invoke(main, [str(arg) for arg in args])


def test_a_three_class_dataset_is_advised_as_the_target_of_a_grid_across_datasets(micro_data, tmp_path,
                                                                                  monkeypatch):
    rng = np.random.default_rng(2)
    for name in ("ant", "bee", "cat"):
        (tmp_path / "photos" / name).mkdir(parents=True)
        for index in range(4):
            Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(
                tmp_path / "photos" / name / f"{index}.png")
    monkeypatch.chdir(tmp_path)
    prepared = invoke("prepare", "folder", "photos", "three-14", "--size", "14", "--val-fraction", "0.25",
                      "--workers", "0")
    assert prepared.exit_code == 0, prepared.output
    refused = invoke("experiment", "--data", "three-14", "-o", "within", "--layers", "1", "--device", "cpu",
                     "--dry-run")
    assert refused.exit_code == 2, refused.output
    words = " ".join(refused.output.split())
    assert "`minitransfer train --split all`" in words, words
    assert "or measure it as the target of a grid across datasets" in words, words
    [advised] = [part for part in words.split("`") if part.startswith("minitransfer experiment ")]
    assert advised == "minitransfer experiment --source-data OTHER --data three-14", advised
    command = [micro_data if word == "OTHER" else word for word in shlex.split(advised)[1:]]
    across = invoke(*command, "-o", "across", "--layers", "1", "--device", "cpu", "--dry-run")
    assert across.exit_code == 0, across.output
    assert "6 runs in 1 folder (cross 6)" in across.output, across.output

    both = invoke(*command, "--split", "random", "-o", "both", "--layers", "1", "--device", "cpu", "--dry-run")
    assert both.exit_code == 2, both.output
    assert "holds 1 class" in both.output and "--source-data OTHER" not in both.output, both.output

"""A researcher's own photographs, from a class-subfolder tree to the report with documented commands
only (issue: bring your own data): `prepare folder` with a families file, the dissimilar split it
defines, a transfer from a base trained on another dataset, and `report` over both grids."""

import json

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main

CLASSES = {"oak": "plant", "fern": "plant", "moss": "plant", "car": "vehicle", "bus": "vehicle", "tram": "vehicle"}


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """train/<class>/*.png and val/<class>/*.png, 40 x 40: each class a colour and a stripe angle."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for number, name in enumerate(CLASSES):
        for subset, count in (("train", 12), ("val", 4)):
            folder = root / subset / name
            folder.mkdir(parents=True)
            for index in range(count):
                y, x = np.mgrid[:40, :40]
                stripes = np.sin((x * np.cos(number) + y * np.sin(number)) / 2.0) * 60
                pixels = np.clip(rng.normal(120, 20, (40, 40, 3)) + stripes[..., None] + 15 * number, 0, 255)
                Image.fromarray(pixels.astype(np.uint8)).save(folder / f"{index}.png")
    (root.parent / "families.txt").write_text("".join(f"{name} {family}\n" for name, family in CLASSES.items()))
    return root


def invoke(args, cwd=None):
    result = CliRunner().invoke(main, [str(arg) for arg in args])
    assert result.exit_code == 0, f"minitransfer {' '.join(map(str, args))}\n{result.output}"
    return result.output


def test_from_a_folder_of_photos_to_the_report(photos, synthetic_8, tmp_path):
    data = tmp_path / "photos-36"
    invoke(["prepare", "folder", photos, data, "--size", "36", "--families", photos.parent / "families.txt",
            "--family-a", "plant"])
    halves = json.loads(invoke(["splits", data, "natural", "--format", "json"]))
    assert [sorted(c["name"] for c in half["classes"]) for half in halves] == [["fern", "moss", "oak"],
                                                                             ["bus", "car", "tram"]]
    fast = ["--max-iter", "4", "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--layers", "2",
            "--no-fine-tuned"]
    invoke(["experiment", "--data", data, "-o", tmp_path / "grid", "--split", "natural", "--split", "random", *fast])
    invoke(["experiment", "--source-data", synthetic_8, "--data", data, "-o", tmp_path / "grid", *fast])
    output = invoke(["report", tmp_path / "grid"])
    assert "read 12 finished runs" in output
    rows = (tmp_path / "grid" / "report" / "results.csv").read_text()
    for run in ("natural/A2B", "natural/B2A", "random0/A2B", "cross/S2T", "cross/T2T"):
        assert f"\n{run}," in rows
    assert (tmp_path / "grid" / "report" / "figure_cross.png").is_file()
    assert "the plant / vehicle transfer" in (tmp_path / "grid" / "report" / "findings.md").read_text()
    assert "target vehicle (1 network per n)" in (tmp_path / "grid" / "report" / "figure3.svg").read_text()

"""docs/transfer.md quotes what train, info and eval print of a transfer across datasets (train's warning of the
mean image resized, info's lines, eval's two refusals); no test compared the quotes with the program's words, so a
message reworded in the code left the page quoting one no user sees. Here its walk-through runs on tiny data laid
out as the page names it (X: 4 synthetic classes of 36 px; Y: class folders cls0..cls2 imported at 48 px; W: Y's
classes and two more) and every quote of the page, its "..." standing for anything, is found in what they print."""

import pathlib
import re

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import folder, synthetic

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "transfer.md"


def _photos(root, classes):
    """Class folders train/clsK and val/clsK of a few noise images each, a brightness of each class's own."""
    rng = np.random.default_rng(0)
    for subset, count in (("train", 6), ("val", 2)):
        for label in range(classes):
            (root / subset / f"cls{label}").mkdir(parents=True)
            for index in range(count):
                pixels = (rng.random((40, 40, 3)) * 60 + label * 40).astype(np.uint8)
                Image.fromarray(pixels).save(root / subset / f"cls{label}" / f"{index}.png")
    return root


@pytest.fixture(scope="module")
def walked(tmp_path_factory):
    """(the folder the page's /data/ stands for, train's warnings, info's text of the transfer and of its base
    (whose generated dataset's line is "data made by:"), eval's errors on X and on W)."""
    root = tmp_path_factory.mktemp("transfer") / "data"
    root.mkdir()
    synthetic.build_synthetic(root / "X", classes=4, train_per_class=6, val_per_class=2, size=36, seed=1)
    folder.import_folder(_photos(root / "photos", 3), root / "Y", size=48)
    folder.import_folder(_photos(root / "photos5", 5), root / "W", size=48)
    options = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        training.train(config.TrainConfig(data="X", split="all", out="baseX.h5", **options))
        warnings = training.train(config.TrainConfig(data="Y", copy_from="baseX.h5", n=3, frozen=True, out="X3Y.h5",
                                                     **options)).warnings
        info = [runner.invoke(main, ["info", name], terminal_width=1000) for name in ("X3Y.h5", "baseX.h5")]
        refusals = [runner.invoke(main, ["eval", "X3Y.h5", "--data", data], terminal_width=1000) for data in "XW"]
    assert [shown.exit_code for shown in info] == [0, 0], [shown.output for shown in info]
    assert [refusal.exit_code for refusal in refusals] == [65, 65], [refusal.output for refusal in refusals]
    return root, warnings, " ".join(shown.stdout for shown in info), [refusal.stderr for refusal in refusals]


def _words(text):
    return " ".join(text.split())


def test_every_quote_of_the_page_is_what_the_commands_print(walked):
    root, warnings, info, errors = walked
    # info names the datasets and the base by their absolute paths, the page by the names given
    said = _words(" ".join([*warnings, info.replace(f"{root}/", ""), *errors]))
    prose = re.sub(r"`[^`]*`", "", re.sub(r"^```.*?^```", "", DOC.read_text(), flags=re.M | re.S))  # JSON aside
    quotes = re.findall(r'"([^"]+)"', _words(prose))
    assert len(quotes) >= 7, quotes  # the train warning, info's four lines and "data made by:", eval's refusal
    missing = [quote for quote in quotes
               if not re.search(".*?".join(re.escape(part.strip()) for part in quote.split("...")), said)]
    assert missing == [], said


def test_the_pages_eval_refusal_is_the_line_eval_prints(walked):
    root, _, _, errors = walked
    block = re.search(r"^```\n(error: bad data: checkpoint X3Y.h5 .*?)^```", DOC.read_text(), flags=re.M | re.S)
    assert block, "docs/transfer.md no longer shows eval's refusal on the base's dataset"
    assert _words(errors[0]) == _words(block[1].replace("/data/", f"{root}/"))


def test_fc8s_width_and_n_are_refused_and_kept_as_the_page_says(walked, monkeypatch):
    """The page said fc8 "has Y's classes, at least `--fc8-outputs`": the other way round, --fc8-outputs is
    fc8's width and Y's classes its floor (2 for Y's 3 classes is refused); nor did it say what an n beyond the
    copyable layers does."""
    root = walked[0]
    prose = _words(DOC.read_text())
    said = ("one output per class of Y, or `--fc8-outputs` (as many as Y's classes at least: fewer are refused,"
            " exit 2)",
            "another n is refused, exit 2")
    assert all(claim in prose for claim in said), "the page no longer says fc8's width and n's range"
    monkeypatch.chdir(root)
    common = ["train", "--data", "Y", "--copy-from", "baseX.h5", "--max-iter", "1", "--batch-size", "8", "--quiet",
              "--frozen"]
    runner = CliRunner()
    narrow = runner.invoke(main, [*common, "--n", "3", "--fc8-outputs", "2", "-o", "f2.h5"], terminal_width=1000)
    beyond = runner.invoke(main, [*common, "--n", "8", "-o", "n8.h5"], terminal_width=1000)
    for refused in (narrow, beyond):
        assert refused.exit_code == 2 and len(refused.stderr.splitlines()) == 1, refused.output
    assert "--fc8-outputs 2" in narrow.stderr and "3 classes" in narrow.stderr
    wide = runner.invoke(main, [*common, "--n", "3", "--fc8-outputs", "5", "-o", "f5.h5"], terminal_width=1000)
    assert wide.exit_code == 0, wide.output
    with h5py.File(root / "f5.h5", "r") as weights:
        assert weights["weights/fc8/W"].shape[0] == 5
        copied = weights["weights/conv3/W"][()]
    with h5py.File(root / "baseX.h5", "r") as base:
        assert np.array_equal(copied, base["weights/conv3/W"][()])

"""docs/transfer.md quotes what train, info and eval print of a transfer across datasets (train's warning of the
mean image resized, info's lines, eval's two refusals); no test compared the quotes with the program's words, so a
message reworded in the code left the page quoting one no user sees. Here its walk-through runs on tiny data laid
out as the page names it (X: 4 synthetic classes of 36 px; Y: class folders cls0..cls2 imported at 48 px; W: Y's
classes and two more) and every quote of the page, its "..." standing for anything, is found in what they print."""

import pathlib
import re

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

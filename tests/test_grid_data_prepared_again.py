"""A grid rerun after its dataset was prepared again in the same folder (another dataset there, e.g.
``prepare synthetic`` with another --seed): the fault is the data, as ``train --resume`` says of
one of its runs (exit 65), with what continues the grid and what trains on the new images."""

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic


@pytest.fixture
def grid_on_data_prepared_again(tmp_path):
    """random0's bases trained (4 iterations) on a dataset then prepared again in its folder with
    another seed: (grid folder, data folder, its fingerprint before, after)."""
    data, out = tmp_path / "data", tmp_path / "grid"
    before = synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:2]
    options = {"data": str(data), "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=2, overwrite=True)
    after = datasets.open_dataset(data).fingerprint
    assert before.fingerprint != after
    return out, data, before.fingerprint, after


@pytest.mark.parametrize("extra", [[], ["--split-seed", "1"], ["--max-iter", "5", "--dry-run"]],
                         ids=["rerun", "other-seed", "dry-run-other-max-iter"])
def test_a_grid_whose_dataset_was_prepared_again_is_bad_data(grid_on_data_prepared_again, extra):
    """It said `--data D -> D` (the same folder named twice) with exit 2, as an option given otherwise, and
    advised another output folder or deleting the runs, not the dataset they trained on. Now exit 65
    naming the folder, both fingerprints and both ways on; the same for another grid's runs in OUT
    (another split seed) and for a dry run, which names the options that differ too."""
    out, data, before, after = grid_on_data_prepared_again
    arguments = ["experiment", "--data", str(data), "-o", str(out), "--layers", "1", "--no-fine-tuned",
                 "--preset", "micro", "--device", "cpu"]
    if "--max-iter" not in extra:
        arguments += ["--max-iter", "4"]
    result = CliRunner().invoke(main, arguments + extra)
    assert result.exit_code == 65, result.output
    assert "Traceback" not in result.output
    error = result.output[result.output.index("error: bad data: "):]
    assert f"{data} was prepared again since {out}/random0/base" in error
    assert f"{before[:12]} -> {after[:12]}" in error
    assert "give the dataset they trained on (a copy, or prepared again as it was) as --data" in error
    assert "choose another output folder" in error
    assert ("--max-iter 4 -> 5" in error) == ("--max-iter" in extra)
    assert not (out / "random0" / "A1B.run").exists() and not (out / "random1").exists()

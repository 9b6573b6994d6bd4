"""A grid of another split seed leaves an earlier grid's runs alone: a base of them with its weights file and no run
folder (its train refuses it), and the transfers copied from it whose files are there. What it says is unchanged
(the step moves the base's weights file and the transfers' files; the transfers count among those to train), and
each transfer's files are looked at once: before, once for the step and once for the count."""

import os
import re

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file, grid_status

OPTIONS = {"data": "/data/synthetic", "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}


def _base_without_its_folder(tmp_path):
    """A folder planned for split seed 0 whose baseA has its weights file alone and whose A1B and A2B have theirs;
    the rerun's runs (split seed 1), the folder, baseA and its transfers."""
    out = tmp_path / "grid"
    earlier = grid.plan_grid(random_seeds=(0,), layers=(1, 2), fine_tuned=False, selffer=False)
    grid_plan_file.write_plan(out, earlier, OPTIONS, ["train"])
    [base] = [run for run in earlier if run.name.endswith("/baseA")]
    transfers = [run for run in earlier if run.parent == base.name]
    for run in [base, *transfers]:
        grid.weights_path(out, run.name).parent.mkdir(parents=True, exist_ok=True)
        grid.weights_path(out, run.name).write_bytes(b"weights")
    assert grid_status.run_status(out, base).kind == grid_status.WEIGHTS_ALONE  # the oracle: train refuses it
    return grid.plan_grid(random_seeds=(1,), layers=(1, 2), fine_tuned=False, selffer=False), out, base, transfers


def test_a_base_left_alone_moves_its_transfers_files_looked_at_once(tmp_path, monkeypatch):
    runs, out, base, transfers = _base_without_its_folder(tmp_path)
    looked = []
    lexists = os.path.lexists
    monkeypatch.setattr(os.path, "lexists", lambda path: looked.append(str(path)) or lexists(path))
    said = grid_check.left_alone(runs, out)
    step = re.search(r"to train them, first (.*), then rerun with", said)
    assert step, said
    files = [str(grid.weights_path(out, run.name)) for run in transfers]
    assert step[1].startswith(f"move {grid.weights_path(out, base.name)} away, and with it the files of "), said
    assert all(file in step[1] for file in files), said
    for run in transfers:
        assert looked.count(str(grid.weights_path(out, run.name))) == 1, looked
        assert looked.count(str(grid.run_dir(out, run))) == 1, looked

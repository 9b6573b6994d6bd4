"""A grid's check of a transfer whose base's weights file cannot be read (cut short, corrupt) says the step that
restores it as the grid's end says it of such a base (delete it: a rerun writes it again from its run's
checkpoint.h5), not in words of its own ("or delete PATH: the grid writes it back from CHECKPOINT"), its own context
(the run that cannot be checked, the file's error) kept. A transfer's own network cut short keeps its words: no base's.
Checked on the function itself with files written by hand: no training."""

import pytest

from minitransfer import experiment as grid
from minitransfer.checkpoint import CheckpointError
from minitransfer.grid_check import _refuse_damaged

STEP = ("delete random0/baseA.h5 in the grid's folder (a rerun writes it again from its run's checkpoint.h5 or, that "
        "gone too, trains that base again)")


def _grid(tmp_path):
    out = tmp_path / "grid"
    transfer = next(run for run in grid.plan_grid(layers=(1,)) if run.name == "random0/A1B")
    grid.run_dir(out, transfer).mkdir(parents=True)
    (out / "random0" / "baseA.run").mkdir()
    (out / "random0" / "baseA.run" / grid.CHECKPOINT_FILE).write_bytes(b"its checkpoint")  # there: only looked for
    grid.weights_path(out, "random0/baseA").write_bytes(b"\x89HDF\r\n\x1a\n cut short")
    return out, transfer


def test_a_damaged_base_weights_file_is_said_with_the_grids_one_step(tmp_path):
    out, transfer = _grid(tmp_path)
    with pytest.raises(CheckpointError) as refused:
        _refuse_damaged(out, transfer, None)
    said = str(refused.value)
    assert said.startswith(f"{grid.run_dir(out, transfer)} cannot be checked against this grid's options: "), said
    assert str(grid.weights_path(out, "random0/baseA")) in said, said  # the file's error names it
    assert said.endswith(f"; or {STEP}"), said
    assert "writes it back from" not in said


def test_a_damaged_base_without_its_checkpoint_gets_no_step(tmp_path):
    out, transfer = _grid(tmp_path)
    (out / "random0" / "baseA.run" / grid.CHECKPOINT_FILE).unlink()  # deleted, the base could not be written again
    with pytest.raises(CheckpointError) as refused:
        _refuse_damaged(out, transfer, None)
    assert "delete" not in str(refused.value), str(refused.value)


def test_a_transfers_own_network_cut_short_keeps_its_words(tmp_path):
    out, transfer = _grid(tmp_path)
    grid.weights_path(out, "random0/baseA").unlink()  # not looked at: not there
    own = grid.weights_path(out, transfer.name)
    own.write_bytes(b"\x89HDF\r\n\x1a\n cut short")
    (grid.run_dir(out, transfer) / grid.CHECKPOINT_FILE).write_bytes(b"its checkpoint")
    with pytest.raises(CheckpointError) as refused:
        _refuse_damaged(out, transfer, own)
    said = str(refused.value)
    assert said.endswith(f"; or delete {own}: the grid writes it back from "
                         f"{grid.run_dir(out, transfer) / grid.CHECKPOINT_FILE}"), said
    assert "base" not in said.split("; or ")[-1], said

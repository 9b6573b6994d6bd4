"""Scripts of one grid folder emitted into the scripts folder of another (``-o grid2 --emit-slurm slurm`` where
``slurm`` holds grid's): they were replaced without a word, grid's queued tasks then naming grid2's submit.sh in
their messages ("rerun submit.sh", which submits grid2), and that submit.sh calling grid's tasks, still training
its runs, "of another plan" to cancel (seen on a real one-node SLURM). Now the emission is refused; the same
grid emitted again, or into a folder the other grid no longer names, is not."""

import pytest

from minitransfer import config, slurm
from minitransfer import experiment as grid
from test_slurm import OPTIONS, fake_train_command


def emit(tmp_path, out, scripts):
    return slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / out, tmp_path / scripts, OPTIONS,
                            train_command=fake_train_command(tmp_path))


def test_scripts_of_another_grid_are_not_replaced(tmp_path):
    submit = emit(tmp_path, "grid", "slurm")
    written = {path.name: path.read_bytes() for path in submit.parent.iterdir() if path.is_file()}
    with pytest.raises(config.ConfigError) as refused:
        emit(tmp_path, "grid2", "slurm")
    message = str(refused.value)
    assert f"not replacing the SLURM scripts in {tmp_path / 'slurm'}" in message, message
    assert f"the grid {tmp_path / 'grid'} " in message and f"for the scripts of {tmp_path / 'grid2'}" in message
    assert {path.name: path.read_bytes() for path in submit.parent.iterdir() if path.is_file()} == written
    assert not (tmp_path / "grid2" / grid.PLAN_FILE).exists()


def test_the_same_grid_again_or_a_folder_its_grid_left_are_written(tmp_path):
    emit(tmp_path, "grid", "slurm")
    emit(tmp_path, "grid", "slurm")  # the same grid: its scripts written again
    emit(tmp_path, "grid", "slurm-new")  # grid's plan now names slurm-new: slurm is no longer its scripts'
    submit = emit(tmp_path, "grid2", "slurm")
    assert f"out={tmp_path / 'grid2'}" in submit.read_text()

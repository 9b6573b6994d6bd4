"""A local grid's count as it starts ("F of R runs already finished; N to run; ..."), said where runs are
lost or to write again, none finished: before, said only where some run was finished, so a grid whose only
run left was lost or to write again told no count of them at its start."""

import shutil

import pytest
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import grid_status, scheduler


@pytest.mark.parametrize("how", ["lost", "again"])
def test_the_count_is_said_with_no_run_finished(trained_grid, tmp_path, how):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    base = next(run for run in runs if run.name == "random0/baseB")
    (place / "random0" / "baseB.run" / "result.json").write_text("")
    if how == "lost":
        (place / "random0" / "baseB.run" / "checkpoint.h5").unlink()
    status = {"lost": grid_status.RESULT_LOST, "again": grid_status.WRITE_AGAIN}[how]
    assert grid_status.run_status(place, base) == status
    lines = []
    scheduler.run_grid([base], place, options, log=lines.append, poll_seconds=0.01)
    counted = [line for line in lines if "runs already finished" in line]
    assert counted == ["0 of 1 runs already finished; 0 to run; " + {
        "lost": "1 not trained (see above)", "again": "1 result.json to write again"}[how]], lines

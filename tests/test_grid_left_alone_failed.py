"""A grid rerun with a subset of an earlier plan tells how each run it leaves alone stands: one whose train
failed (its train.log ends on the error it met) was told "not started", as if nothing had been tried there,
beside runs truly never started; a researcher reading the note had no hint that the run needs a fix."""

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_plan_file

FULL = grid.plan_grid(layers=(1, 2), fine_tuned=False, selffer=False)  # random0/baseA, baseB, A1B, A2B
OPTIONS = {"data": "/data/synthetic", "max_iter": 4, "seed": 0, "device": "cpu", "preset": "micro"}


def test_a_run_left_alone_whose_train_failed_is_not_said_to_be_not_started(tmp_path):
    out = tmp_path / "grid"
    grid_plan_file.write_plan(out, FULL, OPTIONS, ["train"])
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # the rerun: A2B left alone
    assert [run.name for run in FULL if run not in runs] == ["random0/A2B"]
    assert "1 not started (random0/A2B)" in grid_check.left_alone(runs, out)  # planned, its folder untouched

    folder = out / "random0" / "A2B.run"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "train.log").write_text(f"$ train --out {out}/random0/A2B.h5\nerror: bad data: checkpoint "
                                      f"{out}/random0/baseA.h5: not an HDF5 file (corrupt or not a checkpoint)\n")
    said = grid_check.left_alone(runs, out)
    assert "not started" not in said, said
    assert "1 failed, its train.log ending on the error (random0/A2B)" in said, said
    assert said.endswith("to train it, rerun with the --layers option that planned it"), said


def test_failed_runs_left_alone_are_counted_apart_from_those_not_started(tmp_path):
    out = tmp_path / "grid"
    full = grid.plan_grid(layers=(1, 2, 3), fine_tuned=False, selffer=False)
    grid_plan_file.write_plan(out, full, OPTIONS, ["train"])
    for name in ("A2B", "A3B"):
        folder = out / "random0" / f"{name}.run"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "train.log").write_text("error: it failed\n")
    said = grid_check.left_alone(full[:3], out)  # baseA, baseB, A1B planned; A2B, A3B failed; none not started
    assert "2 failed, their train.log ending on the error (random0/A2B, random0/A3B)" in said, said
    assert "not started" not in said and said.startswith(f"{out} holds 2 runs of an earlier plan"), said

"""A base's words where its holder wrote no PID (run_lock.holder gives -1) and where its folder's path has a space:
"being trained again by PID -1" named no process, and an unquoted `train --resume` path read as two arguments."""
import shlex

from minitransfer import experiment as grid
from minitransfer import grid_check, missing_bases, run_lock
from minitransfer.report_plan import TRAINING_NOW


def test_a_holder_that_wrote_no_pid_is_another_process(tmp_path, monkeypatch):
    monkeypatch.setattr(run_lock, "holder", lambda folder: -1)
    said = missing_bases._not_finished("random0/baseB", TRAINING_NOW, tmp_path)
    assert said == ("is not finished: random0/baseB is being trained again by another process, its weights file "
                    "removed until that training ends: let it end")


def test_a_stopped_base_in_a_folder_with_a_space_is_quoted(tmp_path):
    out = tmp_path / "my grid"
    folder = out / "random0" / "baseB.run"
    folder.mkdir(parents=True)
    (folder / "checkpoint.h5").write_bytes(b"")  # stopped while trained again: a checkpoint, no result.json
    run = next(r for r in grid.plan_grid(layers=(1,)) if r.parent == "random0/baseB")
    said = grid_check._base_gone(out, run, out / "random0" / "baseB.h5")
    assert f"(minitransfer train --resume {shlex.quote(str(folder))})" in said, said
    assert shlex.quote(str(folder)) != str(folder)

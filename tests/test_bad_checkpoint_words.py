"""A grid's run whose checkpoint.h5 cannot be read is told one remedy, in the same words wherever it is told
(``bad_checkpoint``): train's refusal (``resume.starting_over``), a reader's of a checkpoint cut short
(``checkpoint_check.cut_short``), info's and eval's (``checkpoint_info.unreadable_in_run``), and the dry run's step
before its train (``grid_plan_text.first_step``). Before, train said "delete X and rerun the experiment that planned
it", a checkpoint cut short "delete X, then rerun the experiment command that planned it (minitransfer experiment
-o OUT ...)", both in one train.log line. The oracle is the remedy as the user reads it, spelled out here."""

import pytest

from minitransfer import checkpoint_check, grid_plan_text, resume
from minitransfer import experiment as grid
from minitransfer.checkpoint import CheckpointError
from minitransfer.checkpoint_info import unreadable_in_run
from minitransfer.grid_status import BAD_CHECKPOINT

RUN = next(run for run in grid.plan_grid(layers=(1,)) if run.name == "random0/A1B")


def _grid(tmp_path, planned):
    """A grid's folder (its experiment.json there where ``planned``) and the checkpoint.h5, empty, of its A1B."""
    out = tmp_path / "grid"
    folder = grid.run_dir(out, RUN)
    folder.mkdir(parents=True)
    (folder / "treatment.json").write_text("{}")
    (folder / "train.log").write_text("")
    if planned:
        (out / "experiment.json").write_text("{}")
    (folder / "checkpoint.h5").write_bytes(b"")
    return out, folder / "checkpoint.h5"


def _told(path):
    """What each caller says of the unreadable checkpoint ``path``: train, a reader of it cut short, info and eval."""
    return {"train": resume.starting_over(path), "cut short": checkpoint_check.cut_short(path),
            "info": str(unreadable_in_run(path, CheckpointError(f"checkpoint {path}: not an HDF5 file")))}


@pytest.mark.parametrize("planned", [True, False], ids=["its plan there", "no plan"])
def test_every_caller_tells_a_grids_run_the_same_remedy(tmp_path, planned):
    out, path = _grid(tmp_path, planned)
    command = f"minitransfer experiment -o {out}" if planned else "minitransfer experiment"
    remedy = (f"it is a grid's run: delete {path}, then rerun the experiment command that planned it ({command} with "
              f"the grid's options), which trains it again")
    for caller, said in _told(path).items():
        assert said.endswith(remedy), (caller, said)
    step = grid_plan_text.first_step(out, RUN, BAD_CHECKPOINT)  # the dry run's: the command it was given follows
    assert step == f"delete {path}" and remedy.startswith(f"it is a grid's run: {step}, then "), step


def test_a_run_of_no_grid_is_told_no_grids_remedy(tmp_path):
    _, path = _grid(tmp_path, True)
    (path.parent / "treatment.json").unlink()
    for caller, said in _told(path).items():
        assert "grid's run" not in said and "experiment" not in said, (caller, said)
        assert "--overwrite" in said or "overwrite=True" in said, (caller, said)


@pytest.mark.parametrize("weights", [False, True], ids=["no weights", "weights without result.json"])
def test_train_tells_a_grids_checkpoint_cut_short_its_remedy_once(tmp_path, weights):
    """train resuming a grid's run whose checkpoint.h5 is cut short: the reader's error says the grid's remedy, and
    train added it again, the same sentence twice in one line; where the run's weights file is there but not its
    result.json (a crash between the two writes), the reader says to give the weights, and train the grid's remedy."""
    out, path = _grid(tmp_path, True)
    path.write_bytes(checkpoint_check.HDF5_SIGNATURE + bytes(8))  # an HDF5 file's first bytes, then no more
    if weights:
        (path.parent.parent / "A1B.h5").write_bytes(b"weights")
    config = type("Config", (), {"out": str(path.parent.parent / "A1B.h5"), "resume": "auto"})()
    with pytest.raises(CheckpointError) as raised:
        resume._load_run_checkpoint(config)
    said = str(raised.value)
    assert said.count("which trains it again") == 1 and checkpoint_check.RUN_CHECKPOINT_LOST in said, said

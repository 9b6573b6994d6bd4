"""Table 1's note on its own-base column said "random0/baseB: not among the runs" of a base the same report listed
under "Not finished (resumable at iteration N)" (and results.md, since report66, said not finished). It now says
"not finished (STATE)" of a base among the unfinished runs, where the column shows – and where it averages only
some AnB+; a base whose run is gone is still not among the runs."""

import shutil

from minitransfer import checkpoint as checkpoints
from minitransfer import experiment as grid
from minitransfer import report, run_lock

from test_checkpoint import _checkpoint
from test_report import write_run
from test_report_plan import _grid, _stop

OWN = "The column \"over the own target's base\""


def _stopped_with_checkpoint(out, name):
    """``name`` stopped at iteration 17 (:func:`test_checkpoint._checkpoint`'s), resumable."""
    checkpoints.save(_stop(out, name) / "checkpoint.h5", _checkpoint(seed=3))


def test_the_column_empty_for_a_base_not_finished_says_it_is_not_finished(tmp_path):
    out = _grid(tmp_path / "grid")
    _stopped_with_checkpoint(out, "random0/baseB")
    written = report.write_report(out, tmp_path / "report", figures=False)
    text = written.files["table1.md"].read_text()
    assert written.unfinished_said == ["random0/baseB (resumable at iteration 17)"]
    assert (f"{OWN} shows – throughout: no base of the AnB+ runs' own target has an accuracy (random0/baseB: not "
            f"finished (resumable at iteration 17)); results.md and findings.md name the runs left out of it.") in text
    assert "not among the runs" not in text, text


def test_a_base_trained_now_is_said_not_finished_training_now(tmp_path):
    out = _grid(tmp_path / "grid")
    _stopped_with_checkpoint(out, "random0/baseB")
    with run_lock.RunLock(out / "random0" / "baseB.run"):
        text = report.write_report(out, tmp_path / "report", figures=False).files["table1.md"].read_text()
    assert "(random0/baseB: not finished (training now));" in text, text


def test_the_column_averaging_some_anb_plus_names_a_base_not_finished_and_one_gone_apart(tmp_path):
    """random1's and random2's AnB+ and BnB+ beside random0's grid: random1's baseB stopped, random2's never
    trained; the own-base column averages random0's AnB+ alone."""
    out = _grid(tmp_path / "grid")
    for run in grid.plan_grid(random_seeds=(1, 2), layers=(1, 3, 5), frozen=False):
        if run.treatment in ("AnB+", "BnB+") or run.name == "random1/baseB":
            write_run(out, run, 0.6)
    _stopped_with_checkpoint(out, "random1/baseB")
    text = report.write_report(out, tmp_path / "report", figures=False).files["table1.md"].read_text()
    assert (f"{OWN} averages only the AnB+ runs whose own target's base has an accuracy throughout: those of split "
            f"seeds 1, 2 are left out of it (random2/baseB: not among the runs; random1/baseB: not finished "
            f"(resumable at iteration 17)), while the pooled column averages every AnB+") in text, text


def test_a_base_deleted_is_still_not_among_the_runs_in_table_1(tmp_path):
    out = _grid(tmp_path / "grid")
    shutil.rmtree(out / "random0" / "baseB.run")
    (out / "random0" / "baseB.h5").unlink()
    text = report.write_report(out, tmp_path / "report", figures=False).files["table1.md"].read_text()
    assert "has an accuracy (random0/baseB: not among the runs);" in text, text

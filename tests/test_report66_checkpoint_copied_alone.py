"""A run's checkpoint (checkpoint.h5, its solver state in it) copied alone into a folder of runs: report named it
"a network's weights file without its run folder (checkpoint.run) beside it", a folder no run ever had. It is now
named as a checkpoint, of the network its run trained, with what fits it: not finished, `train --resume` of it
continues it; finished, its run folder (named from the checkpoint's record) is what report reads. A network's
weights file (no solver state) copied alone is named as before."""

import dataclasses
import shutil

from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import report
from minitransfer.cli import main

from fake_results import finished_grid
from test_checkpoint import _checkpoint

READS = "report reads finished runs from their run folders (result.json, the curves), not from a checkpoint"


def _saved(path, iteration=17, solver=True):
    """A checkpoint of the run that trains baseB.h5 elsewhere, at ``iteration`` of 40, saved at ``path``."""
    saved = _checkpoint(seed=3, solver=solver)
    meta = {**saved.meta, "iteration": iteration, "config": {**saved.meta["config"], "out": "/elsewhere/baseB.h5"}}
    solver = dataclasses.replace(saved.solver, iteration=iteration) if solver else None
    checkpoints.save(path, dataclasses.replace(saved, meta=meta, solver=solver))
    return path


def _left_out(runs):
    return [str(text) for text in report.measure(runs).left_out]


def test_a_checkpoint_not_finished_copied_alone_is_named_with_how_to_continue_it(tmp_path):
    runs = finished_grid(tmp_path / "grid", [1])
    loose = _saved(runs / "checkpoint.h5")
    assert _left_out(runs) == [
        f"checkpoint.h5: {loose} is a checkpoint of baseB.h5 (its training state at iteration 17 of 40), copied "
        f"without its run folder: not a finished network; {READS}: to finish it, `minitransfer train --resume "
        f"{loose} --base-lr 0.01 --max-iter 40 --out /elsewhere/baseB.h5` continues it (with the options it was "
        f"trained with)"]  # the options _checkpoint records, each given: bare, the resume was refused


def test_a_finished_runs_checkpoint_copied_alone_names_the_run_folder_to_copy(tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    loose = _saved(runs / "checkpoint.h5", iteration=40)
    said = CliRunner().invoke(main, ["report", str(runs), "-o", str(tmp_path / "report")])
    assert said.exit_code == 2, said.output  # no run there: a usage mistake, as for a weights file alone
    words = " ".join(said.output.split())
    assert words.endswith(f"; left out checkpoint.h5: {loose} is a checkpoint of baseB.h5 (at its last iteration, "
                          f"40), copied without its run folder (baseB.run): {READS}: copy that folder beside it to "
                          f"report the run"), words
    assert "checkpoint.run" not in words


def test_a_checkpoint_beside_its_run_folder_is_said_to_be_read_there(tmp_path):
    runs = finished_grid(tmp_path / "grid", [1])
    shutil.copytree(runs / "random0" / "baseB.run", runs / "baseB.run")
    loose = _saved(runs / "checkpoint.h5", iteration=40)
    assert f"checkpoint.h5: {loose} is a checkpoint of baseB.h5 (at its last iteration, 40), beside its run folder " \
           f"baseB.run, which report reads the run from: {READS}" in _left_out(runs)


def test_a_weights_file_copied_alone_is_named_as_before(tmp_path):
    runs = finished_grid(tmp_path / "grid", [1])
    loose = _saved(runs / "baseX.h5", solver=False)
    assert _left_out(runs) == [
        f"baseX.h5: {loose} is a network's weights file without its run folder (baseX.run) beside it, which report "
        f"reads a run from: copy that folder beside it to report the run"]

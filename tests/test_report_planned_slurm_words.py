"""report of a grid written for SLURM (experiment --emit-slurm) whose planned runs have no run folder (deleted) says to
rerun its submit.sh to train them, as the line that finishes the grid and info of such a run say; it said "rerun the
grid's experiment command to train it", the command that trains them on this machine, beside the line naming submit.sh
as the way to finish them. A grid trained here keeps its words; runs of both kinds gathered in one folder are each
said with their own grid's. No SLURM needed: the scripts are written without a cluster, the results by hand."""

import json
import shutil

from click.testing import CliRunner
from fake_results import finished_result
from test_failed_run_words import OPTIONS

from minitransfer import experiment as grid
from minitransfer import grid_plan_file, slurm
from minitransfer.cli import main

LOCAL = "rerun the grid's experiment command to train it"  # the words of a grid trained here, as before


def _report(runs, out):
    said = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    return said.exit_code, " ".join(said.output.split())


def _planned_line(said):
    """The words from "planned, not started" up to the next "; " or the end."""
    return said[said.index("planned, not started: "):].split("; ")[0]


def test_a_slurm_grids_runs_planned_without_a_folder_are_said_to_be_trained_by_its_submit_sh(tmp_path):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    slurm.emit_slurm(runs, out, scripts, OPTIONS)
    for run in runs[:2]:  # the bases finished, by hand
        grid.weights_path(out, run.name).write_text("weights")
        (grid.run_dir(out, run) / "result.json").write_text(json.dumps(finished_result()))
    shutil.rmtree(grid.run_dir(out, runs[2]))  # A1B's folder deleted: planned, not started
    code, said = _report(out, tmp_path / "report")
    submit = f"rerun bash {scripts / 'submit.sh'}"
    assert code == 0 and f"planned, not started: random0/A1B ({submit} to train it)" in said, said
    assert f"to finish them, {submit} (it submits those not finished to SLURM again)" in said, said
    assert "experiment command" not in said, said
    for name in ("results.md", "findings.md"):
        text = " ".join((tmp_path / "report" / name).read_text().split())
        assert f"1 planned, not started: random0/A1B ({submit} to train it)" in text, text
        assert LOCAL not in text, text


def test_runs_planned_by_a_slurm_grid_and_a_local_grid_gathered_are_each_said_with_their_grids_words(tmp_path):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B in each
    by_slurm, here, scripts = tmp_path / "class" / "alice", tmp_path / "class" / "bob", tmp_path / "slurm"
    slurm.emit_slurm(runs, by_slurm, scripts, OPTIONS)
    grid_plan_file.write_plan(here, list(runs), {"data": str(tmp_path), "max_iter": 4}, ["train"])
    for folder in (by_slurm, here):
        shutil.rmtree(folder / "random0")  # every run folder deleted: planned, none started
    code, said = _report(tmp_path / "class", tmp_path / "report")
    assert code == 1, said  # nothing finished: the five first named, then how many more
    submit = f"rerun bash {scripts / 'submit.sh'} to train it"
    assert _planned_line(said) == (
        f"planned, not started: alice/random0/baseA, alice/random0/baseB, alice/random0/A1B ({submit}), "
        f"bob/random0/baseA, bob/random0/baseB ({LOCAL}), 1 more"), said

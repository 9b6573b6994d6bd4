"""A grid's run that failed on bad data before its first checkpoint: info (and eval) say it failed, quoting the error
line its train.log ends on as report and the dry run do, and how to train it again once it is fixed (a SLURM grid's
submit.sh, a local grid's command, a run trained by hand's train command); info said "it was not started, or stopped
before writing its first checkpoint", the error not quoted. And a SLURM grid's report gives its submit.sh as the way
to finish its runs, the command that trains them locally only after it, said to be that: it gave that command alone
(`--device cpu` and all). No SLURM needed: the scripts are written without a cluster, the runs' logs by hand."""

import json

from click.testing import CliRunner
from fake_results import finished_result

from minitransfer import experiment as grid
from minitransfer import grid_plan_file, slurm
from minitransfer.cli import main

OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}
ERROR = "error: bad data: /data/synthetic/train/shard-00000.h5: shard cut short (read 12 of 4096 bytes)"
SRUN = "srun: error: node7: task 0: Exited with exit code 65"


def _slurm_grid(tmp_path):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs = grid.plan_grid(layers=(1,))
    slurm.emit_slurm(runs, out, scripts, OPTIONS)
    return out, scripts, runs


def _failed(out, run, *after):
    """The run folder of ``run`` whose train failed on :data:`ERROR` before its first checkpoint."""
    folder = grid.run_dir(out, run)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / grid.LOG_FILE).write_text("\n".join(["$ minitransfer train --data /data/synthetic", ERROR, *after, ""]))
    return folder


def _refusal(path):
    said = CliRunner().invoke(main, ["info", str(path)])
    assert said.exit_code == 2, said.output
    return " ".join(said.output.split("Error: ", 1)[1].split())


def test_info_of_a_slurm_grids_run_that_failed_quotes_its_error_and_says_to_rerun_submit_sh(tmp_path):
    out, scripts, runs = _slurm_grid(tmp_path)
    folder = _failed(out, runs[0], SRUN)
    said = _refusal(folder)
    assert said.endswith(
        f"which has no network: it failed before writing its first checkpoint: {ERROR} (see {folder / 'train.log'}); "
        f"fix what it names, then rerun bash {scripts / 'submit.sh'} to train it, or give another network"), said
    assert "not started" not in said
    assert _refusal(grid.weights_path(out, runs[0].name)) == said  # its weights file given: the same words


def test_info_of_a_local_grids_run_that_failed_gives_the_grids_command(tmp_path):
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,))
    grid_plan_file.write_plan(out, list(runs), {"data": "/data/synthetic", "max_iter": 4}, ["train"])
    folder = _failed(out, runs[0])
    said = _refusal(folder)
    assert f"it failed before writing its first checkpoint: {ERROR} (see {folder / 'train.log'}); fix what it " \
           f"names, then rerun the experiment command that planned it (minitransfer experiment -o {out} " \
           f"with the grid's options) to train it, or give another network" in said, said
    assert "submit.sh" not in said


def test_info_of_a_run_trained_by_hand_that_failed_says_to_rerun_its_train_command(tmp_path):
    folder = tmp_path / "net.run"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"max_iter": 20, "checkpoint_every": 10}))
    (folder / grid.LOG_FILE).write_text(f"{ERROR}\n")
    said = _refusal(folder)
    assert said.endswith(f"it failed before writing its first checkpoint: {ERROR} (see {folder / 'train.log'}); fix "
                         f"what it names, then rerun its train command, or give another network"), said


def test_a_slurm_grids_report_finishes_with_submit_sh_the_local_command_after_it(tmp_path, placeholder_figures):
    out, scripts, runs = _slurm_grid(tmp_path)
    for run in runs[1:3]:  # baseB and B1B finished, by hand; baseA failed; the rest not started
        folder = grid.run_dir(out, run)
        grid.weights_path(out, run.name).write_text("weights")
        (folder / "result.json").write_text(json.dumps(finished_result()))
    _failed(out, runs[0], SRUN)
    report = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "report")])
    said = " ".join(report.output.split())
    submit = f"bash {scripts / 'submit.sh'}"
    finish = said.index("to finish them, ")
    assert said[finish:].startswith(f"to finish them, rerun {submit} (it submits those not finished to SLURM "
                                    f"again); or, to train them on this machine instead, run"), said
    assert said.index("minitransfer experiment ", finish) > said.index(submit, finish), said
    assert "minitransfer experiment " not in said[:finish], said  # nowhere said as the way to finish them


def test_a_local_grids_report_still_finishes_its_runs_with_its_command(tmp_path):
    out, runs = tmp_path / "grid", grid.plan_grid(layers=(1,))
    grid_plan_file.write_plan(out, list(runs), {"data": str(tmp_path), "max_iter": 4}, ["train"])
    _failed(out, runs[0])
    report = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "report")])
    said = " ".join(report.output.split())
    assert f"to finish them, run: minitransfer experiment --data {tmp_path} -o {out.absolute()}" in said, said
    assert "submit.sh" not in said

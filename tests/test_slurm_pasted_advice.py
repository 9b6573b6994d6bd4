"""A task's advice to run submit.sh again gives the command to paste, from whatever folder its log is read in, where
the scripts' folder holds a blank (or a quote, $, `): its output said "rerun submit.sh to resume it" (a bare name,
no use in another folder), the line before it "rerun bash /my grids/slurm/submit.sh" (which a shell splits at
the blank). Each advice is pasted into bash, from another folder, with --help: submit.sh must answer. With
stand-ins for SLURM's commands (tests/test_slurm.py's fake_slurm): deterministic, no SLURM needed."""

import os
import re
import shlex
import subprocess

import pytest

import test_slurm
from test_slurm import GUARD_SECONDS, ODD_FOLDER, OPTIONS, fake_train_command, real_options, run_task
from test_slurm_base_not_finished import started_without_its_base

from minitransfer import experiment as grid
from minitransfer import slurm

fake_slurm, cluster = test_slurm.fake_slurm, test_slurm.cluster  # the fixtures

# the command an advice names: after "rerun" or "submit the grid with", up to the words that follow it (a failed
# run's: "to train it again", "to train it from the start", the quoted error line train ended on)
ADVICE = re.compile(r"(?:rerun|submit the grid with) (.+?)"
                    r"(?:, which cancels| to resume it| once that|, not sbatch| to train it| \(\"error: |$)")


def _pasted(line, scripts, elsewhere):
    """The command ``line`` advises, run with --help from ``elsewhere`` as a user pastes it; checked to be
    ``bash <scripts>/submit.sh`` as a shell reads it, and to run that script."""
    found = ADVICE.search(line)
    assert found, line
    command = found.group(1)
    assert shlex.split(command) == ["bash", str(scripts / slurm.SUBMIT_FILE)], line
    done = subprocess.run(["bash", "-c", f"{command} --help"], cwd=elsewhere, capture_output=True, text=True,
                          timeout=GUARD_SECONDS)
    assert done.returncode == 0, (line, done.stdout + done.stderr)
    usage = done.stdout.splitlines()[0]
    assert shlex.split(usage)[:3] == ["usage:", "bash", str(scripts / slurm.SUBMIT_FILE)], usage


def _emit(tmp_path, folder):
    out, scripts = tmp_path / folder / "grid", tmp_path / folder / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return out, scripts, elsewhere


FOLDERS = pytest.mark.parametrize("folder", ["my grids", ODD_FOLDER], ids=["blank", "odd"])


@FOLDERS
def test_a_task_not_requeued_names_submit_sh_as_a_command_to_paste(tmp_path, fake_slurm, folder):
    """A plain scancel: the base's task says its transfers' tasks wait until submit.sh is rerun, then to rerun it
    to resume the run; both lines name it as a command to paste."""
    out, scripts, elsewhere = _emit(tmp_path, folder)
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT="75", FAKE_JOB_STATE="COMPLETING")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    stuck, resume = output.splitlines()[-2:]
    assert "(DependencyNeverSatisfied) until you rerun " in stuck and resume.endswith(" to resume it"), output
    for line in (stuck, resume):
        _pasted(line, scripts, elsewhere)


@FOLDERS
def test_a_transfer_whose_base_is_not_finished_names_submit_sh_as_a_command_to_paste(tmp_path, fake_slurm, folder):
    out, scripts, elsewhere = _emit(tmp_path, folder)
    task = run_task(scripts, "transfers.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75 and "is not finished" in output, output
    _pasted(output.splitlines()[-1], scripts, elsewhere)


@FOLDERS
def test_a_task_run_by_hand_names_submit_sh_as_a_command_to_paste(tmp_path, fake_slurm, folder):
    out, scripts, elsewhere = _emit(tmp_path, folder)
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLURM_")}
    done = subprocess.run(["bash", str(scripts / "bases.sh")], env=env, capture_output=True, text=True,
                          timeout=GUARD_SECONDS)
    assert done.returncode == 2 and "not a SLURM array task" in done.stderr, done.stderr
    _pasted(done.stderr.splitlines()[-1], scripts, elsewhere)


def test_real_slurm_task_names_submit_sh_as_a_command_to_paste(cluster, tmp_path):
    """On a real single-node SLURM (``tests/slurm_cluster.py``; skipped without root or slurm-wlm/munge): a
    transfers.sh task of a grid in a folder with a blank, started without its base (as SLURM starts one whose
    base's pending task was cancelled); its log, written by SLURM, read from another folder."""
    out, scripts = tmp_path / "my grids" / "grid", tmp_path / "my grids" / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, real_options())
    said = started_without_its_base(cluster, scripts)[1]
    assert "is not finished" in said, said
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _pasted(said.splitlines()[-1], scripts, elsewhere)

"""A cluster user's first day with --emit-slurm and submit.sh (a grid submitted to a one-node SLURM):
what the preview and the array scripts told them, where it misled.

- ``experiment --emit-slurm``, the preview off the cluster, said nothing of crops that see a small part of the
  images, which ``--dry-run`` warns of: on the cluster each base's train said it only in its train.log.
- ``sbatch bases.sh`` by hand (no submit.sh): each task said "the scripts were written again (--emit-slurm) as it
  was submitted; rerun submit.sh", not that it was submitted without submit.sh's arguments; and a script
  submitted without --array named SLURM's copy of it (``/var/spool/.../slurm_script``), not the script.
- ``experiment --dry-run``, README's way to watch a submitted grid, showed the runs queued on SLURM as "[todo]",
  as if never submitted."""

import json
import os
import re
import shlex
import subprocess
import sys

import pytest
from click.testing import CliRunner

from test_slurm import resubmit

from minitransfer import slurm
from minitransfer import experiment as grid
from minitransfer.cli import main
from minitransfer.data import synthetic

OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}
CROPS = "preset micro takes 12x12 crops of the 16x16 images"


@pytest.fixture(scope="module")
def data_16(tmp_path_factory):
    """4 classes of 16 x 16 images: the micro preset's 12 px crops span 75% of a side, which is warned of."""
    path = tmp_path_factory.mktemp("data") / "photos-16"
    synthetic.build_synthetic(path, classes=4, train_per_class=8, val_per_class=4, size=16, seed=1)
    return str(path)


@pytest.mark.usefixtures("built_in_presets")
def test_emit_slurm_warns_of_small_crops_as_the_dry_run_does(data_16, tmp_path):
    common = ["experiment", "--data", data_16, "-o", str(tmp_path / "grid"), "--layers", "1", "--max-iter", "40",
              "--device", "cpu"]
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    emitted = CliRunner().invoke(main, [*common, "--emit-slurm", str(tmp_path / "slurm"), "--time", "10"])
    assert emitted.exit_code == 0, emitted.output
    warning = next(line for line in dry.stderr.splitlines() if CROPS in line)
    assert warning in emitted.stderr.splitlines(), emitted.stderr
    assert "prepare the images at 14 px" in warning


def _task(scripts, script, *arguments, array=True):
    """``scripts/script`` as SLURM starts it from its spool (a copy named slurm_script), with ``arguments``."""
    spool = scripts.parent / "spool"
    spool.mkdir(exist_ok=True)
    copy = spool / "slurm_script"
    copy.write_bytes((scripts / script).read_bytes())
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLURM_")}
    env["SLURM_JOB_ID"] = "46"
    if array:
        env.update(SLURM_ARRAY_JOB_ID="46", SLURM_ARRAY_TASK_ID="0")
    return subprocess.run(["bash", str(copy), *arguments], env=env, capture_output=True, text=True, timeout=120)


def _emit(tmp_path):
    scripts = tmp_path / "slurm"
    command = [sys.executable, "-c", "pass"]
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", scripts, OPTIONS, train_command=command)
    return scripts


def test_a_task_sbatched_by_hand_says_so_not_that_the_scripts_were_written_again(tmp_path):
    scripts = _emit(tmp_path)
    done = _task(scripts, slurm.BASES_FILE)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr == (f"array task 46_0: not trained: {scripts / slurm.BASES_FILE} was submitted without the "
                           f"arguments {shlex.quote(str(scripts / slurm.SUBMIT_FILE))} gives it (the id of its set of "
                           f"scripts, its array's first run): submit the grid with {resubmit(scripts)}, not sbatch\n")
    assert not (tmp_path / "grid" / "random0" / "baseA.run" / grid.LOG_FILE).exists()


def test_a_script_sbatched_without_an_array_names_itself_not_slurms_copy(tmp_path):
    scripts = _emit(tmp_path)
    done = _task(scripts, slurm.TRANSFERS_FILE, array=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"{scripts / slurm.TRANSFERS_FILE}: not a SLURM array task"), done.stderr
    assert "slurm_script" not in done.stderr


def test_a_dry_run_names_the_runs_to_train_that_submit_sh_queued(micro_data, tmp_path):
    """The README's way to watch a submitted grid: its queued runs showed as "[todo]", "would run on the CPU",
    as if the submission were lost; now a note names them with their array tasks (of this plan only)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    common = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--max-iter", "40",
              "--device", "cpu"]
    emitted = CliRunner().invoke(main, [*common, "--emit-slurm", str(scripts), "--time", "10"])
    assert emitted.exit_code == 0, emitted.output
    plan_id = json.loads((out / grid.PLAN_FILE).read_text())[grid.PLAN_ID]
    (scripts / slurm.SUBMITTED_FILE).write_text(
        f"12_0\t{out}/random0/baseA\t{plan_id}\n12_1\t{out}/random0/baseB\t{plan_id}\n"
        f"13_0\t{out}/random0/A1B\t{plan_id}\n9_0\t{out}/random0/B1B\t0123456789abcdef\n")  # last: another plan's
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    note = next(line for line in dry.stderr.splitlines() if "submitted to SLURM" in line)
    # where SLURM's commands are installed but reach no cluster (no SLURM_CONF), the note says why it has no states
    note = re.sub(r": could not ask SLURM \((squeue|scontrol) failed: .*?\): queued or", ": queued or", note)
    assert note == (f"note: 3 of the runs to train were submitted to SLURM ({scripts / slurm.SUBMITTED_FILE}: "
                    "random0/baseA as task 12_0, random0/baseB as task 12_1, random0/A1B as task 13_0): queued or "
                    "running unless cancelled or failed since, which `squeue --array` tells; "
                    f"`bash {scripts / slurm.SUBMIT_FILE} --dry-run` says what it would submit again")
    assert "[todo] random0/B1B " in dry.stdout  # listed for another plan: not said to be queued


def test_a_dry_run_of_a_grid_never_submitted_has_no_such_note(micro_data, tmp_path):
    common = ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), "--layers", "1", "--device", "cpu"]
    assert CliRunner().invoke(main, [*common, "--emit-slurm", str(tmp_path / "slurm")]).exit_code == 0
    dry = CliRunner().invoke(main, [*common, "--dry-run"])
    assert dry.exit_code == 0 and "submitted to SLURM" not in dry.output, dry.output

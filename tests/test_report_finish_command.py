"""A report of a grid none of whose runs finished names the `minitransfer experiment` command that finishes it,
rebuilt from the grid's plan (experiment.json): pasted into a new shell elsewhere, it trains the grid, and the
report then leaves nothing out. Before, "rerun the grid's experiment command to train it" alone: a user who lost
the command had nothing to paste. A preset of one's own gets MINITRANSFER_PRESET_SOURCES=... before it."""

import json
import shlex
import subprocess
import sys

import pytest
from click.testing import CliRunner
from test_drift_dry_run_preset import MYNET, new_shell_env

from minitransfer.cli import main
from minitransfer.finish_command import experiment_command

FINISH = "to finish them, run: "
# a grid written for SLURM (these are: nothing trains as they are planned) is finished by its submit.sh, said first;
# the command that trains its runs here is said after it
HERE = "or, to train them on this machine instead, run: "
# `minitransfer` as an installed script runs it, wherever this checkout is: pasted after this, the line runs as is
DEFINED = 'minitransfer() { "$PYTHON" -m minitransfer "$@"; }; '


def _pasted(line, cwd, env):
    """``line`` run by bash in ``cwd``, as pasted into a shell there."""
    return subprocess.run(["bash", "-c", DEFINED + line], cwd=cwd, capture_output=True, text=True,
                          env={**env, "PYTHON": sys.executable}, timeout=300)


def _command(said):
    """The command the report's message gives (the one line after "to finish them, run: ", or for a SLURM grid after
    its submit.sh, "or, to train them on this machine instead, run: ")."""
    assert said.count(FINISH) + said.count(HERE) == 1, said  # said once
    return said.split(FINISH if FINISH in said else HERE, 1)[1].splitlines()[0]


def test_the_report_of_a_grid_not_trained_gives_the_command_that_finishes_it(micro_data, tmp_path):
    grid, scripts = tmp_path / "grid", tmp_path / "slurm"
    planned = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(grid), "--layers", "1",
                                        "--no-fine-tuned", "--max-iter", "4", "--device", "cpu",
                                        "--emit-slurm", str(scripts)])  # the plan written, nothing trained
    assert planned.exit_code == 0, planned.output
    plan = (grid / "experiment.json").read_bytes()
    env = new_shell_env()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = _pasted(f"minitransfer report {grid}/random0", elsewhere, env)
    assert before.returncode == 1 and "4 not finished" in before.stderr, before.stderr
    command = _command(before.stderr)
    assert command.startswith("minitransfer experiment ") and f"-o {grid} " in command, command
    trained = _pasted(command, elsewhere, env)
    assert trained.returncode == 0, f"{command}\n{trained.stdout}{trained.stderr}"
    assert "replaced" not in trained.stderr and (grid / "experiment.json").read_bytes() == plan  # the grid's plan
    after = _pasted(f"minitransfer report {grid}", elsewhere, env)
    assert after.returncode == 0, after.stderr
    assert after.stdout.startswith(f"read 4 finished runs from {grid}\n"), after.stdout
    assert "not finished" not in after.stdout + after.stderr and "left out" not in after.stdout + after.stderr
    assert "to finish them" not in after.stdout + after.stderr and not list(elsewhere.iterdir())  # nothing written there


def test_a_grid_of_ones_own_preset_is_finished_by_the_command_given_in_a_new_shell(micro_data, tmp_path):
    (tmp_path / "mynet.py").write_text(MYNET)
    env = new_shell_env()
    grid = tmp_path / "grid"
    planned = subprocess.run([sys.executable, "mynet.py", "experiment", "--data", micro_data, "-o", str(grid),
                              "--preset", "own", "--layers", "1", "--no-fine-tuned", "--device", "cpu",
                              "--emit-slurm", str(tmp_path / "slurm")],
                             cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    said = subprocess.run([sys.executable, "mynet.py", "report", str(grid)], cwd=tmp_path, capture_output=True,
                          text=True, env=env, timeout=120)
    assert said.returncode == 1, said.stderr
    command = _command(said.stderr)
    sources, rest = command.split(" minitransfer experiment ", 1)
    assert sources.startswith("MINITRANSFER_PRESET_SOURCES=") and str(tmp_path / "mynet.py") in sources, command
    assert "--preset own" in rest, command
    elsewhere = tmp_path / "new-shell"
    elsewhere.mkdir()
    trained = _pasted(command, elsewhere, env)
    assert trained.returncode == 0, f"{command}\n{trained.stdout}{trained.stderr}"
    assert all((grid / "random0" / f"{name}.h5").is_file() for name in ("baseA", "baseB", "B1B", "A1B"))


@pytest.mark.parametrize("given", [
    ["--split", "natural", "--split", "random", "--split-seed", "2", "--layers", "1,2", "--random-frozen", "1",
     "--per-class", "5,10", "--replicates", "2", "--max-iter", "4"],
    ["--split-seed", "0", "--split-seed", "3", "--layers", "2", "--both-directions", "--no-fine-tuned",
     "--base-lr", "0.02"],
    ["--split", "natural", "--layers", "1", "--seed", "7"],
])
def test_the_command_given_plans_the_grids_runs_with_its_options(micro_data, tmp_path, given):
    """The oracle: the command line itself, given the command rebuilt, plans the grid's runs with its options (its
    dry run finds the plan there to be its own: nothing would be replaced) and nothing else."""
    grid = tmp_path / "grid"
    planned = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(grid), "--device", "cpu",
                                        *given, "--emit-slurm", str(tmp_path / "slurm")])
    assert planned.exit_code == 0, planned.output
    names = {record["name"] for record in json.loads((grid / "experiment.json").read_text())["runs"]}
    command = experiment_command(grid)
    words = shlex.split(command)
    assert words[:2] == ["minitransfer", "experiment"], command
    dry = CliRunner().invoke(main, [*words[1:], "--dry-run"])
    assert dry.exit_code == 0 and "replaced" not in dry.output and "left as" not in dry.output, dry.output
    shown = {line.split("] ", 1)[1].split("  ")[0] for line in dry.output.splitlines() if line.startswith("  [")}
    assert shown == names, dry.output


def test_runs_trained_by_hand_or_an_edited_plan_keep_todays_words(micro_data, tmp_path):
    grid = tmp_path / "grid"
    assert CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(grid), "--layers", "1",
                                     "--device", "cpu", "--emit-slurm", str(tmp_path / "slurm")]).exit_code == 0
    plan = json.loads((grid / "experiment.json").read_text())
    (grid / "experiment.json").write_text(json.dumps({**plan, "runs": plan["runs"][:-1]}))  # one no command plans
    assert experiment_command(grid) is None
    assert experiment_command(tmp_path) is None  # no plan: runs trained by hand

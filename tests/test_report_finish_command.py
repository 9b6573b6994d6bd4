"""A report of a grid none of whose runs finished names the `minitransfer experiment` command that finishes it,
rebuilt from the grid's plan (experiment.json): pasted into a new shell elsewhere, it trains the grid, and the
report then leaves nothing out. Before, "rerun the grid's experiment command to train it" alone: a user who lost
the command had nothing to paste. A preset of one's own gets MINITRANSFER_PRESET_SOURCES=... before it."""

import subprocess
import sys

from click.testing import CliRunner
from test_drift_dry_run_preset import MYNET, new_shell_env

from minitransfer.cli import main

FINISH = "to finish them, run: "
# `minitransfer` as an installed script runs it, wherever this checkout is: pasted after this, the line runs as is
DEFINED = 'minitransfer() { "$PYTHON" -m minitransfer "$@"; }; '


def _pasted(line, cwd, env):
    """``line`` run by bash in ``cwd``, as pasted into a shell there."""
    return subprocess.run(["bash", "-c", DEFINED + line], cwd=cwd, capture_output=True, text=True,
                          env={**env, "PYTHON": sys.executable}, timeout=300)


def _command(said):
    """The command the report's message gives (the one line after "to finish them, run: ")."""
    assert said.count(FINISH) == 1, said  # said once
    return said.split(FINISH, 1)[1].splitlines()[0]


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
    assert FINISH not in after.stdout + after.stderr and not list(elsewhere.iterdir())  # nothing written there


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

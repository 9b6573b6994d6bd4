"""The report of a grid partly trained (a run's folder deleted, a run stopped midway) names, once, the `minitransfer
experiment` command that finishes it, rebuilt from its plan: on the terminal after the runs not finished, and in
results.md and findings.md. Pasted into a shell elsewhere, it finishes the grid, and the report then leaves nothing
out. Before, "not finished (..., left out): ..." with no advice, and "rerun the grid's experiment command" of the
runs whose folders were deleted."""

import shutil

from click.testing import CliRunner
from test_drift_dry_run_preset import new_shell_env
from test_report_finish_command import FINISH, _command, _pasted

from minitransfer.cli import main


def test_the_report_of_a_grid_partly_trained_gives_the_command_that_finishes_it(micro_data, tmp_path):
    grid = tmp_path / "grid"
    arguments = ["experiment", "--data", micro_data, "-o", str(grid), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu"]
    assert CliRunner().invoke(main, arguments).exit_code == 0
    for path in (grid / "random0" / "B1B.run", grid / "random0" / "B1B.h5"):  # deleted by hand
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (grid / "random0" / "A1B.run" / "result.json").unlink()  # its weights and checkpoint kept: resumable
    (grid / "random0" / "A1B.h5").unlink()
    env = new_shell_env()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    before = _pasted(f"minitransfer report {grid} -o {tmp_path / 'report'}", elsewhere, env)
    assert before.returncode == 0, before.stderr
    assert "not finished (1, left out): random0/A1B" in before.stdout and "random0/B1B" in before.stdout
    command = _command(before.stdout)
    for name in ("results.md", "findings.md"):
        assert (tmp_path / "report" / name).read_text().count(command) == 1, name  # the same command, once
    trained = _pasted(command, elsewhere, env)
    assert trained.returncode == 0, f"{command}\n{trained.stdout}{trained.stderr}"
    after = _pasted(f"minitransfer report {grid} -o {tmp_path / 'report'}", elsewhere, env)
    assert after.returncode == 0 and after.stdout.startswith(f"read 4 finished runs from {grid}\n"), after.stdout
    assert "not finished" not in after.stdout + after.stderr and "left out" not in after.stdout + after.stderr
    assert FINISH not in after.stdout and FINISH.capitalize() not in (tmp_path / "report" / "results.md").read_text()

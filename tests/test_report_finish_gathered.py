"""The report of a folder holding grids below it (report "my results", the grids in my results/sweep1 and
my results/sweep2) names the `minitransfer experiment` command that finishes each grid with runs not finished or
planned, naming its own folder: one grid's, "to finish them, run: ..."; several, "to finish those of the grid in
FOLDER, run: ..." for each. Pasted into a shell elsewhere, each finishes its grid. Before, a grid below the folder
reported got no command at all, while the same grid reported from its own folder did."""

import shutil

from click.testing import CliRunner
from test_drift_dry_run_preset import new_shell_env
from test_report_finish_command import _pasted

from minitransfer.cli import main

THEM = "to finish them, run: "


def _commands(said, grids):
    """{grid: the command said to finish it}, each on a line of its own after "to finish those of the grid in GRID,
    run: "."""
    lines = said.splitlines()
    commands = {}
    for grid in grids:
        lead = f"  to finish those of the grid in {grid}, run: "
        found = [line[len(lead):] for line in lines if line.startswith(lead)]
        assert len(found) == 1, said
        commands[grid] = found[0]
    return commands


def test_each_grid_below_the_folder_reported_gets_the_command_that_finishes_it(micro_data, tmp_path,
                                                                              placeholder_figures):
    results = tmp_path / "my results"
    sweep1, sweep2 = results / "sweep1", results / "sweep2"
    trained = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(sweep1), "--layers", "1",
                                        "--no-fine-tuned", "--max-iter", "4", "--device", "cpu"])
    assert trained.exit_code == 0, trained.output
    spare = shutil.copytree(sweep1, tmp_path / "spare")
    for path in (sweep1 / "random0" / "B1B.run", sweep1 / "random0" / "B1B.h5"):  # deleted by hand
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    report = ["report", str(results), "-o", str(tmp_path / "report")]
    one = CliRunner().invoke(main, report)
    assert one.exit_code == 0 and "planned, not started: sweep1/random0/B1B" in one.stdout, one.output
    assert one.stdout.count(THEM) == 1, one.stdout
    command = one.stdout.split(THEM, 1)[1].splitlines()[0]
    assert f"-o '{sweep1}' " in command, command  # its own folder, quoted: a blank in it

    shutil.copytree(spare, sweep2)  # a second grid beside it, a run not finished in each
    (sweep1 / "random0" / "A1B.run" / "result.json").unlink()
    for path in (sweep2 / "random0" / "A1B.run", sweep2 / "random0" / "A1B.h5"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    two = CliRunner().invoke(main, report)
    assert two.exit_code == 0 and THEM not in two.stdout, two.output
    env = new_shell_env()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for grid, command in _commands(two.stdout, (sweep1, sweep2)).items():
        assert f"-o '{grid}' " in command, command
        done = _pasted(command, elsewhere, env)
        assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
    after = CliRunner().invoke(main, report)
    assert after.exit_code == 0 and "not finished" not in after.output and "planned" not in after.output
    assert "to finish" not in after.output  # the copies of sweep1's networks in sweep2 are counted once
    assert all((grid / "random0" / name / "result.json").is_file() for grid in (sweep1, sweep2)
               for name in ("baseA.run", "baseB.run", "B1B.run", "A1B.run"))
    assert not list(elsewhere.iterdir())

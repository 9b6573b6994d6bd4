"""A grid's finished run whose result.json report cannot read and whose checkpoint is gone: its network is
there, but nothing writes its result again without training it anew. The grid trains nothing and says
what to do without losing the network (eval scores it; training again is the last resort). Before, its
dry run said "weights without a checkpoint" and the grid ran its train, which failed with exit 2 advising
to delete the network."""

import shlex
import shutil

from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import grid_status, scheduler
from minitransfer.cli import main
from minitransfer.rundir import train_again


def _lost_base(trained_grid, tmp_path):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    folder = place / "random0" / "baseB.run"
    (folder / "result.json").write_text("")
    (folder / "checkpoint.h5").unlink()
    return place, runs, options


def test_the_dry_run_says_what_to_do_and_keeps_the_network(trained_grid, tmp_path):  # noqa: F811
    place, runs, options = _lost_base(trained_grid, tmp_path)
    base = next(run for run in runs if run.name == "random0/baseB")
    assert grid_status.run_status(place, base) == "result.json unreadable, no checkpoint"
    dry = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                    "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu",
                                    "--dry-run"])
    assert dry.exit_code == 0, dry.output
    weights = place / "random0" / "baseB.h5"
    line = next(line for line in dry.output.splitlines() if "random0/baseB " in line + " " and "[" in line)
    assert line.startswith("  [result.json unreadable, no checkpoint] random0/baseB  (not trained: "), line
    assert f"`minitransfer eval {shlex.quote(str(weights))}` scores it again" in line, line
    assert f"as the last resort, {train_again()}, which replaces that network" in line, line
    assert "delete" not in line, line


def test_the_grid_trains_nothing_and_leaves_the_network(trained_grid, tmp_path):  # noqa: F811
    place, runs, options = _lost_base(trained_grid, tmp_path)
    weights = place / "random0" / "baseB.h5"
    before = weights.read_bytes()
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert "random0/baseB: its network" in result.output and "minitransfer eval" in result.output, result.output
    assert "nothing to resume from" not in result.output, result.output
    assert weights.read_bytes() == before
    assert not (place / "random0" / "baseB.run" / "train.log").exists() or \
        "nothing to resume from" not in (place / "random0" / "baseB.run" / "train.log").read_text()
    lines = []
    try:
        scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
        raise AssertionError(f"the grid ran: {lines}")
    except grid_status.UnreadableRun as error:
        assert "random0/baseB" in str(error)
    assert weights.read_bytes() == before

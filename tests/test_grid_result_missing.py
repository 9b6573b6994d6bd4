"""A grid's finished run whose result.json and checkpoint are both gone, its network there at its last iteration:
its train keeps the network and refuses the run with exit 65 (train_finished.result_missing), so the grid's dry
run, the grid itself and ``info`` count it lost (grid_status.RESULT_LOST) and say to keep it, `eval` scoring it.
Before, the dry run said "[weights without a checkpoint] ... move baseB.h5 away, and with it the files of
random0/B1B ... to train them again", the grid ran its train, and that train refused it with exit 2 ("nothing to
resume from ... delete or move away"), the advice losing a finished network and the transfers that copied it."""

import shlex
import shutil

from click.testing import CliRunner
from test_experiment import trained_grid  # noqa: F401 (a fixture)

from minitransfer import experiment as grid
from minitransfer import grid_status, run_logs, scheduler
from minitransfer.cli import main


def _result_and_checkpoint_gone(trained_grid, tmp_path, name="random0/baseB"):  # noqa: F811
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    run = next(each for each in runs if each.name == name)
    (grid.run_dir(place, run) / "result.json").unlink(missing_ok=True)
    grid.run_dir(place, run).joinpath(grid.CHECKPOINT_FILE).unlink(missing_ok=True)
    return place, runs, options, run


def _experiment(place, options, *more):
    return CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                     "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu",
                                     *more])


def _files(folder):
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file() and path.suffix != ".log"}


def test_the_dry_run_the_grid_and_its_train_keep_the_network(trained_grid, tmp_path):  # noqa: F811
    place, runs, options, base = _result_and_checkpoint_gone(trained_grid, tmp_path)
    weights = grid.weights_path(place, base.name)
    refused = CliRunner().invoke(main, ["train", *grid.train_arguments(base, place, options)])  # the grid's command
    assert refused.exit_code == 65, refused.output  # the oracle: what its train does with it, keeping the network
    assert f"keep {weights}" in refused.output, refused.output
    dry = _experiment(place, options, "--dry-run")
    assert dry.exit_code == 0, dry.output
    line = next(line for line in dry.output.splitlines() if "] random0/baseB " in line)
    assert line.startswith("  [result.json not there, no checkpoint] random0/baseB  (not trained: "), line
    assert f"{grid.run_dir(place, base) / 'result.json'} is not there" in line, line
    assert "move" not in line and "delete" not in line, line
    advised = shlex.split(line.split("`")[1])
    assert advised == ["minitransfer", "eval", str(weights)]
    scored = CliRunner().invoke(main, [*advised[1:], "--device", "cpu"])  # pasted as said
    assert scored.exit_code == 0, scored.output
    last = run_logs.read_eval_rows(grid.run_dir(place, base) / "eval.csv")[-1]  # the run's own last evaluation
    assert f"top-1 {last['top1']:.4f}" in scored.output, scored.output
    # B1B copies from baseB: trained from its network, which the grid keeps
    shutil.rmtree(place / "random0" / "B1B.run")
    (place / "random0" / "B1B.h5").unlink()
    before = weights.read_bytes()
    done = _experiment(place, options)
    assert done.exit_code == 65, done.output  # report leaves the lost run out
    assert done.output.splitlines().count(f"note: not trained: {grid_status.result_lost(place, base)}") == 1
    assert "nothing to resume from" not in done.output and "FAILED" not in done.output, done.output
    assert weights.read_bytes() == before
    assert "done random0/B1B (" in done.output, done.output
    shown = CliRunner().invoke(main, ["info", str(weights)])
    assert f"keep {weights} (`minitransfer eval {weights}` scores it again), or, as the last resort" in \
        shown.output.replace("\n", " "), shown.output


def test_run_grid_counts_it_lost(trained_grid, tmp_path):  # noqa: F811
    place, runs, options, base = _result_and_checkpoint_gone(trained_grid, tmp_path)
    before = _files(place / "random0" / "baseB.run")
    lines = []
    outcome = scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert outcome.lost == ["random0/baseB"] and outcome.exit_code == 65, lines
    assert outcome.failed == [], lines
    assert _files(place / "random0" / "baseB.run") == before


def test_its_network_trained_otherwise_is_refused_as_a_finished_one(trained_grid, tmp_path):  # noqa: F811
    """The grid keeps it and its transfers copy it: trained with another --max-iter than asked now, refused (exit 2),
    as a finished run is."""
    place, runs, options, base = _result_and_checkpoint_gone(trained_grid, tmp_path)
    for name in ("baseA", "B1B", "A1B"):  # baseB alone trained there
        (place / "random0" / f"{name}.h5").unlink(missing_ok=True)
        shutil.rmtree(place / "random0" / f"{name}.run")
    dry = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                    "--no-fine-tuned", "--max-iter", str(options["max_iter"] + 1), "--device", "cpu",
                                    "--dry-run"])
    assert dry.exit_code == 2, dry.output
    assert f"{grid.run_dir(place, base)} was trained with other options than this grid asks for" in dry.output


def test_weights_not_at_their_last_iteration_are_still_refused_as_in_the_way(trained_grid, tmp_path):  # noqa: F811
    """A network before its run's end (A1B's checkpoint at iteration 2 of 4 made its weights file), its result.json
    and checkpoint not there: not a finished run; its train refuses to replace it (exit 2), as the dry run says."""
    place, runs, options, run = _result_and_checkpoint_gone(trained_grid, tmp_path, "random0/A1B")
    shutil.copy(trained_grid[0] / "random0" / "A1B.run" / grid.CHECKPOINT_FILE, grid.weights_path(place, run.name))
    refused = CliRunner().invoke(main, ["train", *grid.train_arguments(run, place, options)])
    assert refused.exit_code == 2, refused.output  # the oracle
    assert grid_status.run_status(place, run).kind == grid_status.WEIGHTS_ALONE
    assert grid_status.missing_result(place, run) is None

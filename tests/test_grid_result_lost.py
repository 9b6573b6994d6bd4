"""A grid's finished run whose result.json report cannot read and whose checkpoint is gone: its network is
there, but nothing writes its result again without training it anew. The grid trains the other runs (a
transfer copying from it too: its network is there), not it, says what to do without losing the network
(eval scores it; training again is the last resort) and counts it at its end (exit 65: report leaves it
out). Before, its dry run said "weights without a checkpoint" and the grid ran its train, which failed with
exit 2 advising to delete the network; then the grid refused to start at all, every other run blocked."""

import errno
import shlex
import shutil

import pytest
from click.testing import CliRunner
from cli.test_gpu_choice import gpus_counted  # noqa: F401 (a fixture)
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
    counted = [line for line in dry.output.splitlines() if line.startswith("4 runs in 1 folder")]
    assert counted == ["4 runs in 1 folder (random0 4): 2 finished, 1 to train, 1 finished whose result.json is lost "
                       "(not trained)"], dry.output  # baseA, B1B finished; A1B to resume; baseB not trained


def test_the_grid_trains_the_others_and_leaves_the_network(trained_grid, tmp_path):  # noqa: F811
    place, runs, options = _lost_base(trained_grid, tmp_path)
    selffer = place / "random0" / "B1B.h5"  # copies from the lost base: trained again from its network
    selffer.unlink()
    shutil.rmtree(place / "random0" / "B1B.run")
    weights, log = place / "random0" / "baseB.h5", place / "random0" / "baseB.run" / "train.log"
    before, logged = weights.read_bytes(), log.read_bytes()
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--device", "cpu"])
    assert result.exit_code == 65, result.output  # bad data, as a failed run's unreadable file: not all reportable
    assert weights.read_bytes() == before
    base = next(run for run in runs if run.name == "random0/baseB")
    note = f"note: not trained: {grid_status.result_lost(place, base)}"
    assert result.output.splitlines().count(note) == 1, result.output  # said once, at the start
    assert result.output.index(note) < result.output.index("start random0/"), result.output
    assert "nothing to resume from" not in result.output, result.output
    assert log.read_bytes() == logged  # its train never started
    for name in ("random0/B1B", "random0/A1B"):
        run = next(run for run in runs if run.name == name)
        assert grid_status.is_finished(place, run), (name, result.output)
        assert f"done {name} (" in result.output, result.output
    summary = result.output.splitlines()[-1]
    assert summary.startswith("2 trained, 1 already done, 0 failed, 1 finished, its result.json lost: report "
                              "leaves it out (see above);"), summary


def test_run_grid_counts_the_lost_run(trained_grid, tmp_path):  # noqa: F811
    place, runs, options = _lost_base(trained_grid, tmp_path)
    weights = place / "random0" / "baseB.h5"
    before = weights.read_bytes()
    lines = []
    outcome = scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert outcome.lost == ["random0/baseB"] and outcome.exit_code == 65, lines
    assert sorted(outcome.finished + outcome.skipped) == ["random0/A1B", "random0/B1B", "random0/baseA"], lines
    assert weights.read_bytes() == before


def test_the_dry_run_fills_no_slot_for_the_lost_run(trained_grid, tmp_path, gpus_counted, monkeypatch):  # noqa: F811
    """The dry run counted the lost run among those to train, as the grid does not: its slots (and memory
    check) were sized for two runs, A1B and the lost baseB, and "2 runs to train" said."""
    place, runs, options = _lost_base(trained_grid, tmp_path)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    left = [run for run in runs if not grid_status.is_finished(place, run) and
            grid_status.run_status(place, run) != grid_status.RESULT_LOST]
    assert [run.name for run in left] == ["random0/A1B"]  # the interrupted transfer alone
    dry = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                    "--no-fine-tuned", "--max-iter", str(options["max_iter"]), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[-1] == (f"would run on GPU 0, one run each ({len(left)} run to train: GPU 1, "
                                           f"GPU 2, GPU 3 left idle)"), dry.output


def test_a_grid_in_a_folder_it_cannot_write_counts_the_lost_run_as_not_trained(trained_grid, tmp_path):  # noqa: F811
    """Its lock file refused (a read-only copy of the results), the grid counted the lost run as one left to
    train and refused: "1 of 3 runs are left to train there"."""
    place, runs, options = _lost_base(trained_grid, tmp_path)
    finished_or_lost = runs[:3]  # baseA, baseB (lost), B1B: the interrupted A1B left out
    lines = []
    outcome = scheduler._finished_unwritable(finished_or_lost, place, options, OSError(errno.EROFS, "read-only"),
                                             lines.append, None)
    base = next(run for run in runs if run.name == "random0/baseB")
    assert outcome.lost == [base.name] and outcome.exit_code == 65, lines
    assert sorted(outcome.skipped) == ["random0/B1B", "random0/baseA"], lines
    assert lines[0] == f"note: not trained: {grid_status.result_lost(place, base)}", lines
    assert lines[1].startswith("2 of 3 runs already finished, 1 not trained (see above); nothing to do"), lines


@pytest.mark.parametrize("lost", [True, False], ids=["lost", "finished"])
def test_a_lost_base_trained_otherwise_is_refused_as_a_finished_one(trained_grid, tmp_path, lost):  # noqa: F811
    """The grid skips a lost run and its transfers copy its network: trained with another --max-iter, it is
    refused (exit 2) as a finished one is. Before, its options were never compared: the grid went on."""
    place, runs, options = _lost_base(trained_grid, tmp_path)
    if not lost:
        shutil.copy(trained_grid[0] / "random0" / "baseB.run" / "result.json", place / "random0" / "baseB.run")
    for name in ("baseA", "B1B", "A1B"):  # baseB alone trained there
        (place / "random0" / f"{name}.h5").unlink(missing_ok=True)
        shutil.rmtree(place / "random0" / f"{name}.run")
    base = next(run for run in runs if run.name == "random0/baseB")
    assert (grid_status.run_status(place, base) == grid_status.RESULT_LOST) is lost
    dry = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                    "--no-fine-tuned", "--max-iter", str(options["max_iter"] + 1), "--device", "cpu",
                                    "--dry-run"])
    assert dry.exit_code == 2, dry.output
    assert f"{place / 'random0' / 'baseB.run'} was trained with other options than this grid asks for" in dry.output
    assert "max_iter" in dry.output or "max-iter" in dry.output, dry.output

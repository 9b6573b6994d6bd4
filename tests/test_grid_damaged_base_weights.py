"""A grid whose bases finished, but whose weights files were cut short since (a copy that did not finish): the
first transfer copying from each fails with bad data (exit 65, naming the file), and the others copying from that
base are not run, said once, rather than each started only to fail the same way (before: one "FAILED" line and one
train per transfer, 28 of them for two bases). A transfer failing with bad data of its own (its checkpoint.h5
damaged), its base's weights sound, costs its siblings nothing."""

import shutil

import pytest

from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.grid_outcome import Failure, quoted_errors
from minitransfer.grid_status import error_line

LAYERS = (1, 2)


def _grid(micro_data):
    """The grid's runs (its bases and frozen transfers at LAYERS) and its options: two iterations on micro_data."""
    runs = grid.plan_grid(layers=LAYERS, fine_tuned=False)
    options = {"data": str(micro_data), "max_iter": 2, "eval_every": 2, "seed": 0, "device": "cpu"}
    return runs, options


@pytest.fixture(scope="module")
def bases(tmp_path_factory, micro_data):
    """A grid folder whose two bases (random0/baseA, baseB) finished, its transfers not trained."""
    out = tmp_path_factory.mktemp("grid") / "bases"
    runs, options = _grid(micro_data)
    outcome = scheduler.run_grid([run for run in runs if run.parent is None], out, options, log=lambda line: None,
                                 poll_seconds=0.01)
    assert outcome.exit_code == 0
    return out


def _copy(bases, tmp_path):
    out = tmp_path / "grid"
    shutil.copytree(bases, out)
    return out


def test_the_runs_copying_from_a_base_whose_weights_are_cut_short_are_not_run(bases, micro_data, tmp_path):
    out = _copy(bases, tmp_path)
    for base in ("baseA", "baseB"):
        weights = out / "random0" / f"{base}.h5"
        weights.write_bytes(weights.read_bytes()[:1000])
    runs, options = _grid(micro_data)
    lines = []
    outcome = scheduler.run_grid(runs, out, options, log=lines.append, poll_seconds=0.01)
    named = {run.name: run for run in runs}
    transfers = [run.name for run in runs if run.parent is not None]
    assert len(transfers) == 2 * len(LAYERS)
    # one failed per base, its error naming the base's weights file; the others not run, none of them started
    assert sorted(named[name].parent for name in outcome.failed) == ["random0/baseA", "random0/baseB"], lines
    for name in outcome.failed:
        assert str(out / f"{named[name].parent}.h5") in error_line(grid.run_dir(out, named[name]))
    assert sorted(outcome.blocked) == sorted(set(transfers) - set(outcome.failed))
    for name in outcome.blocked:
        assert not (grid.run_dir(out, named[name]) / "train.log").exists()
    assert set(outcome.damaged) == {"random0/baseA", "random0/baseB"}
    assert outcome.exit_code == 65
    assert sum("FAILED" in line for line in lines) == 2, lines
    said = [line for line in lines if "weights cannot be read" in line]
    assert len(said) == 2 and all("cut short" in line for line in said), lines
    assert "cannot be read" in outcome.not_run() and "did not finish" not in outcome.not_run()
    assert "base's weights cannot be read" in outcome.summary()


def test_a_transfer_failing_on_its_own_bad_checkpoint_costs_its_siblings_nothing(bases, micro_data, tmp_path):
    out = _copy(bases, tmp_path)
    runs, options = _grid(micro_data)
    first = next(run for run in runs if run.parent is not None)  # the first transfer the grid starts
    folder = grid.run_dir(out, first)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "checkpoint.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + bytes(200))  # its own, damaged
    outcome = scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01)
    assert outcome.failed == [first.name]
    assert outcome.failure(first.name).code == 65
    assert outcome.blocked == [] and outcome.damaged == {}
    assert len(outcome.finished) == 2 * len(LAYERS) - 1


def test_the_causes_quote_each_error_line_once_and_count_the_runs_past_three(tmp_path):
    """Five runs ending on four texts, two on the same: the first three texts quoted once each after their runs,
    the run of the fourth counted; independent of how the grid ran them."""
    texts = {"random0/A1B": "x", "random0/A2B": "y", "random0/B1B": "x", "random0/B2B": "z", "random1/A1B": "w"}
    failures = {}
    for name, text in texts.items():
        log = tmp_path / name.replace("/", "_") / "train.log"
        log.parent.mkdir()
        log.write_text(f"iteration 1/2\nerror: bad data: {text}\n")
        failures[name] = Failure(65, log)
    quoted = quoted_errors(list(texts), [failures[name] for name in texts])
    assert quoted == (' (random0/A1B, random0/B1B: "error: bad data: x"; random0/A2B: "error: bad data: y"; '
                      'random0/B2B: "error: bad data: z"; 1 more)')

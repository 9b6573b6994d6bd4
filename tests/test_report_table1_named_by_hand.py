"""Table 1's "not measured" line tells the runs not finished by the treatment their folders record
(treatment.json, or config.json and train's record of the base), not by their folders' names: a run
trained by hand into a folder of a name of its own is an AnB+ or not whatever it is called."""

import json

import h5py
import pytest

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.experiment import Run
from minitransfer.results import Result
from test_report import write_run

NOT_FINISHED = ("Table 1: not measured (no random-split AnB+ runs with their bases finished yet: 1 run is not, named "
                "in results.md).")
NOT_PLANNED = ("Table 1: not measured (no random-split AnB+ runs with their bases: experiment --split random, without "
               "--no-fine-tuned).")


def start_by_hand(runs_dir, name, half, source_half, split="random"):
    """A run trained by hand into ``runs_dir/name.run``, not finished: its config.json copies 3 layers,
    fine-tuned, onto ``half`` from a base of ``source_half``, as train's record in its checkpoint says."""
    folder = runs_dir / f"{name}.run"
    folder.mkdir(parents=True)
    config = {"split": split, "split_seed": 0, "half": half, "copy_from": str(runs_dir / "random0" / "baseA.h5"),
              "n": 3, "frozen": False}
    (folder / "config.json").write_text(json.dumps(config))
    with h5py.File(folder / "checkpoint.h5", "w") as f:
        f.attrs["source"] = json.dumps({"checkpoint": "baseA.h5", "split_kind": split, "split_seed": 0,
                                        "split_half": source_half, "cross_dataset": False})


@pytest.mark.parametrize("name, half, source_half, split, said", [
    ("mine/tuned", "B", "A", "random", NOT_FINISHED),     # an AnB+ of a name of its own
    ("A3B+", "A", "A", "random", NOT_PLANNED),             # named A3B+, a selffer BnB+
    ("by-hand/A3B+", "B", "A", "natural", NOT_PLANNED),    # named A3B+, the natural split's AnB+
], ids=["anb-plus-named-tuned", "selffer-named-A3B+", "natural-named-A3B+"])
@pytest.mark.usefixtures("placeholder_figures")
def test_table1_tells_a_run_not_finished_by_its_recorded_treatment(tmp_path, name, half, source_half, split, said):
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(3,), fine_tuned=False):
        write_run(runs_dir, run, 0.6)
    start_by_hand(runs_dir, name, half, source_half, split)
    written = report.write_report(runs_dir, tmp_path / "report", figures=False)
    assert written.unfinished == [name]
    assert said in (tmp_path / "report" / "table1.md").read_text()


def test_table1_unmeasured_tells_recorded_runs_by_their_treatment_and_names_alone_by_their_name():
    """Unfinished runs given as :class:`Run` (their recorded treatment) are told by it; names alone,
    as before, by the grid's naming."""
    results = [Result(run, 0.6, 0.6, 0.6, 20) for run in grid.plan_grid(layers=(3,), fine_tuned=False)]
    rows = report.table1(results)
    tuned = Run("mine/tuned", "transfer", "random", 0, target="B", source="A", n=3, fine_tuned=True)
    selffer = Run("A3B+", "selffer", "random", 0, target="A", source="A", n=3, fine_tuned=True)
    assert report.table1_unmeasured(results, rows, [tuned]) == NOT_FINISHED
    assert report.table1_unmeasured(results, rows, [selffer]) == NOT_PLANNED
    assert report.table1_unmeasured(results, rows, ["random0/A3B+"]) == NOT_FINISHED

"""A report of a cross-dataset grid (experiment --source-data) whose source holds some of the target's
classes, by wnid: the grid and train warn of it as they run, and the report says it too, naming the
transfers and how many of their classes their base had been trained on."""

import shutil

import pytest
from click.testing import CliRunner
from test_cross_dataset_refusals import target  # noqa: F401 (a fixture: 6 classes, micro_data's 4 among them)

from minitransfer import report as reports
from minitransfer.cli import main
from minitransfer.data import dataset as datasets


@pytest.fixture
def cross_grid(micro_data, target, tmp_path):  # noqa: F811
    """A cross-dataset grid from micro_data (source, 4 classes) onto ``target`` (6 classes), moved
    to another folder once trained (the base checkpoint its transfer recorded is no longer there)."""
    trained = tmp_path / "trained"
    done = CliRunner().invoke(main, ["experiment", "--source-data", micro_data, "--data", target, "-o", str(trained),
                                     "--layers", "2", "--no-fine-tuned", "--max-iter", "2", "--eval-every", "2",
                                     "--batch-size", "8", "--device", "cpu"])
    assert done.exit_code == 0, done.output
    moved = tmp_path / "moved"
    shutil.move(trained, moved)
    return moved


@pytest.mark.usefixtures("placeholder_figures")
def test_a_transfer_from_a_source_that_saw_target_classes_is_named_with_their_count(
        cross_grid, micro_data, target, tmp_path):  # noqa: F811
    """The report showed cross/S2T as a transfer to new classes, its claims with no caveat, though
    its base had been trained on 4 of its 6 classes (and looked better than such a transfer is)."""
    source, own = datasets.open_dataset(micro_data).classes, datasets.open_dataset(target).classes
    shared = len({entry["wnid"] for entry in source} & {entry["wnid"] for entry in own})
    assert (shared, len(own)) == (4, 6)  # the data as the test means it
    done = CliRunner().invoke(main, ["report", str(cross_grid), "-o", str(tmp_path / "report")])
    assert done.exit_code == 0, done.output
    warning = (f"transfers across datasets whose base had been trained on some of their classes, by wnid (1): "
               f"cross/S2T ({shared} of its {len(own)}); their copied layers have seen those classes")
    assert f"  careful: {warning}" in done.output
    assert f"Careful: {warning}" in (tmp_path / "report" / "results.md").read_text()
    findings = (tmp_path / "report" / "findings.md").read_text()
    assert f"- {warning}" in findings
    caveat = (f"Careful: this SnT network copied layers already trained on some of its classes (up to {shared} of "
              f"{len(own)}, by wnid; see the runs to read with care), so it is not a transfer to new classes alone.")
    across = [line for line in findings.splitlines() if "across datasets (SnT)" in line or "SnT is" in line]
    assert len(across) == 2 and all(line.endswith(caveat) for line in across), findings
    seen = {r.run.name: r.seen_classes for r in reports.measure(cross_grid).results}
    assert seen == {"cross/S2T": (shared, len(own)), "cross/T2T": (), "cross/baseS": (), "cross/baseT": ()}

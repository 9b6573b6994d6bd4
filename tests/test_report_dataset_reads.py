"""The report reads each dataset's validation labels once: its validation sets, its findings' bases at
chance and its warnings (those it returns, and those the terminal shows again) share what was read.
Before, each built its own, and a report read every dataset's labels three times, four with the
terminal's warnings (ImageNet's 50,000 labels, or a folder of photos listed again)."""

from minitransfer import experiment as grid
from minitransfer import report, run_facts
from test_report import ACCURACY, write_run


def test_each_dataset_is_read_once_for_every_reader_of_its_validation_labels(synthetic_8, tmp_path, monkeypatch):
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(runs_dir, run, ACCURACY[run.name] - 0.30, config={"data": synthetic_8})  # bases near chance
    reads = []
    validation_labels = run_facts._validation_labels

    def counted(dataset):
        reads.append(str(dataset.path))
        return validation_labels(dataset)

    counted.__name__ = validation_labels.__name__  # the key of what was read (dataset_reads.dataset_fact)
    monkeypatch.setattr(run_facts, "_validation_labels", counted)
    measured = report.measure(runs_dir)
    assert any(warning.startswith("bases that cannot be told from chance") for warning in measured.warnings)
    assert any("not judged" in finding.text for finding in measured.findings)
    measured.files["findings.md"] = tmp_path / "findings.md"
    assert measured.brief_warnings(shown=None) == measured.warnings
    assert reads == [synthetic_8]

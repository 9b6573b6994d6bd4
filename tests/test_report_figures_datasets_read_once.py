"""The report's figures take the datasets the report read for its tables (``draw_all(facts=...)``): their notes of
bases at chance (:func:`minitransfer.figures_left_out.chance_note`) opened every run's dataset again, its
validation labels read a second time for each report (ImageNet's 50,000)."""

import collections

import pytest

from minitransfer import experiment as grid
from minitransfer import dataset_reads, report
from minitransfer.data import synthetic
from test_report import ACCURACY, write_run

pytest.importorskip("matplotlib")


@pytest.mark.usefixtures("placeholder_figures")
def test_the_figures_open_no_dataset_the_tables_opened(tmp_path, monkeypatch):
    data = tmp_path / "synthetic-8"
    synthetic.build_synthetic(data, classes=8, train_per_class=1, val_per_class=5, size=14, seed=1)
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(tmp_path / "grid", run, ACCURACY[run.name], config={"data": str(data)})
    opened, open_dataset = collections.Counter(), dataset_reads.datasets.open_dataset
    monkeypatch.setattr(dataset_reads.datasets, "open_dataset",
                        lambda path, *args, **kwargs: opened.update([str(path)]) or open_dataset(path, *args, **kwargs))
    report.write_report(tmp_path / "grid", tmp_path / "tables", figures=False)
    tables = dict(opened)
    opened.clear()
    written = report.write_report(tmp_path / "grid", tmp_path / "report")
    assert written.figures and "figure2.png" in written.files
    assert tables and opened == tables, (opened, tables)  # the figures open none the tables did not

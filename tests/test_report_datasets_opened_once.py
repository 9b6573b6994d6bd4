"""A report opens each dataset once (:func:`minitransfer.dataset_reads.dataset_fact`): the findings' advice to score on
more validation images (:func:`minitransfer.findings_caveats.judged`) opened every dataset again for each finding, and
each kind of fact read (validation labels, class table, meta.json's source) opened it once more."""

import collections

from minitransfer import experiment as grid
from minitransfer import dataset_reads, report
from minitransfer.data import synthetic
from test_report import write_run


def test_one_report_opens_each_dataset_once(tmp_path, monkeypatch):
    # 8 classes of 5 validation images: a half's base on 20 images of 4 classes, at 30%, cannot be told from chance,
    # so the findings measured against it advise more validation images, by how the dataset was prepared
    data = tmp_path / "synthetic-8"
    synthetic.build_synthetic(data, classes=8, train_per_class=1, val_per_class=5, size=14, seed=1)
    for run in grid.plan_grid(layers=(1, 3, 5)):
        write_run(tmp_path / "grid", run, 0.3, config={"data": str(data)})
    opened, open_dataset = collections.Counter(), dataset_reads.datasets.open_dataset
    monkeypatch.setattr(dataset_reads.datasets, "open_dataset",
                        lambda path, *args, **kwargs: opened.update([str(path)]) or open_dataset(path, *args, **kwargs))
    written = report.write_report(tmp_path / "grid", tmp_path / "report", figures=False)
    text = (tmp_path / "report" / "findings.md").read_text()
    assert "prepare synthetic --val-per-class" in text, text  # the advice that read the dataset's source
    assert written.files and opened == {str(data): 1}, opened

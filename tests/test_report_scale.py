"""``minitransfer report`` on a grid of a thousand runs: each run's files read once and no more of
them than the report shows, and life shown on stderr while the figures are drawn."""

import json

import h5py
import pytest

from minitransfer import figures, fileio, report, run_file_readers, run_search, train_records
from minitransfer.results import collect
from test_report import write_runs


@pytest.fixture
def runs_dir(tmp_path):
    return write_runs(tmp_path / "grid")


def test_a_long_training_log_is_read_as_a_few_hundred_points(runs_dir, monkeypatch):
    """A CaffeNet run logs 22,500 training losses: every line of every run's metrics.jsonl parsed
    took most of a 1,000-run report's time and memory, for a panel a few hundred pixels wide. At
    most LOSS_POINTS lines are parsed, evenly spaced, the first and the last loss among them."""
    monkeypatch.setattr(run_file_readers, "LOSS_POINTS", 11)
    lines = [json.dumps({"iteration": 20 * i, "loss": 7.0 - i / 100, "top1": 0.1, "lr": 0.01}) for i in range(1, 1002)]
    lines[500] = json.dumps({"iteration": 10_000, "event": "eval", "top1": 0.4})
    (runs_dir / "random0" / "A3B.run" / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    parsed = []
    parse_json = fileio.parse_json
    monkeypatch.setattr(fileio, "parse_json", lambda text: parsed.append(text) or parse_json(text))
    [run] = [r for r in collect(runs_dir)[0] if r.run.name == "random0/A3B"]
    iterations = [iteration for iteration, _ in run.losses]  # 11, evenly spaced among the losses: the event none
    assert len(iterations) == 11 and 10_000 not in iterations
    assert all(abs(iteration - 20 * (1 + 100 * i)) <= 40 for i, iteration in enumerate(iterations)), iterations
    assert run.losses[0] == (20, 6.99) and run.losses[-1] == (20_020, 7.0 - 1001 / 100)
    assert len([text for text in parsed if text in lines]) == 11


def test_of_a_runs_checkpoint_only_the_attributes_the_report_needs_are_read(runs_dir, monkeypatch):
    """Every root attribute of each run's checkpoint and weights file was read (its configuration,
    its class table, a thousand classes for ImageNet): most of the time of reading a grid of
    thousands of runs. Only its fingerprint, precision changes and base are, and still read."""
    folder = runs_dir / "random0" / "A3B.run"
    with h5py.File(folder / "checkpoint.h5", "w") as f:
        f.attrs["dataset_fingerprint"] = "8" * 64
        f.attrs["config"] = json.dumps({"max_iter": 300})
        f.attrs["classes"] = json.dumps([{"index": i, "wnid": f"n{i:08d}"} for i in range(1000)])
    read = []
    attribute = train_records._attribute
    monkeypatch.setattr(train_records, "_attribute", lambda attrs, key: read.append(key) or attribute(attrs, key))
    [run] = [r for r in collect(runs_dir)[0] if r.run.name == "random0/A3B"]
    assert run.fingerprint == "8" * 64 and read == ["dataset_fingerprint"]


class SlowRendering:
    """A clock for :mod:`minitransfer.run_search` on which each figure file takes ``seconds`` to
    render (2,000 runs' learning curves); the files are placeholder bytes."""

    def __init__(self, monkeypatch, seconds):
        self.now, self.seconds = 1000.0, seconds
        monkeypatch.setattr(run_search, "time", self)
        monkeypatch.setattr(figures, "render", self.render)

    def render(self, figure, suffix):
        self.now += self.seconds
        return b"placeholder"

    def monotonic(self):
        return self.now


def test_figures_long_to_draw_show_life(runs_dir, tmp_path, monkeypatch, capsys):
    """After the runs were read, the figures of 1,000 runs took 12 s without a word (before the
    learning curves were thinned, 55 s): a line once 10 s have passed since the last, naming the
    file drawn, and one at the end; figures drawn quickly say nothing."""
    pytest.importorskip("matplotlib")
    SlowRendering(monkeypatch, 0)
    report.write_report(runs_dir, tmp_path / "quick")
    assert capsys.readouterr().err == ""

    SlowRendering(monkeypatch, 6)
    report.write_report(runs_dir, tmp_path / "slow")
    assert capsys.readouterr().err.splitlines() == [
        "drawing the figures of 14 runs: curves.png (3 of 4 files) ...",
        "drawing the figures of 14 runs: 4 files drawn in 24 s"]


@pytest.mark.parametrize("reference", [None, "paper"], ids=["own-runs", "with-paper"])
def test_the_bases_are_sorted_once_per_report_and_compare_as_built_afresh(runs_dir, tmp_path, monkeypatch, reference):
    """comparisons.Bases (every base of a grid by its target) was built again for each finding, each
    Table 1 column and the list of runs without a base: a dozen passes over every run of a grid. It is
    built once for the runs (and once for the paper's, with --reference), and what is written is what
    each comparison gives from bases built afresh."""
    from minitransfer import comparisons, findings, missing_bases, report_table1_notes, report_tables
    fresh = collect(runs_dir)[0]
    expected = repr((findings.findings(fresh), report_tables.table1(fresh), report_table1_notes.table1_unpaired(fresh),
                     missing_bases.without_base(fresh)))  # repr: NaN (no standard error) equals itself there
    built = []
    build = comparisons.Bases.__init__
    monkeypatch.setattr(comparisons.Bases, "__init__",
                        lambda self, results: built.append(results) or build(self, results))
    written = report.write_report(runs_dir, tmp_path / "report", reference=reference, figures=False)
    assert len(built) == (2 if reference else 1)
    assert [r.run.name for r in built[0]] == [r.run.name for r in written.results]
    assert repr((written.findings, report_tables.table1(written.results, bases=written.bases),
                 report_table1_notes.table1_unpaired(written.results, bases=written.bases),
                 written.without_base)) == expected
    assert "boost_over_own_base" in expected and "Finding(claim='general'" in expected

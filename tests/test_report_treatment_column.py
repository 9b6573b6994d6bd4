"""results.md's treatment column showed natural/baseA as "baseB", natural/B1A as "AnB" and all/base as
"baseB", under a header saying they were pooled by the paper's footnote 3 "as the figures pool them":
footnote 3 pools the random A/B splits only, and Figure 3 draws one line per natural target. Now a
natural-split or every-class run's treatment is its own label with n written as n; a random split's
stays pooled. Fake run folders (tests/test_report.py's write_run)."""

import re

from minitransfer import experiment as grid
from minitransfer import report, report_tables
from test_report import read_csv, write_run

RUNS = [grid.Run("random0/baseA", "base", "random", 0, target="A"),
        grid.Run("random0/baseB", "base", "random", 0, target="B"),
        grid.Run("random0/B1A", "transfer", "random", 0, target="A", source="B", n=1, parent="random0/baseB"),
        grid.Run("random0/A1B+", "transfer", "random", 0, target="B", source="A", n=1, fine_tuned=True,
                 parent="random0/baseA"),
        grid.Run("natural/baseA", "base", "natural", 0, target="A"),
        grid.Run("natural/baseB", "base", "natural", 0, target="B"),
        grid.Run("natural/B1A", "transfer", "natural", 0, target="A", source="B", n=1, parent="natural/baseB"),
        grid.Run("natural/A1B", "transfer", "natural", 0, target="B", source="A", n=1, parent="natural/baseA"),
        grid.Run("all/base", "base", "all", 0),
        grid.Run("all/random1", "random-frozen", "all", 0, n=1)]


def expected_treatment(name):
    """The oracle, from the run's name alone: n written as n; on a random split the paper's footnote 3
    besides, a run whose target is A read with the halves swapped (baseA as baseB, B1A as AnB)."""
    folder, label = name.split("/")
    if label.startswith("random"):
        return "random"
    pattern = re.sub(r"[0-9]+", "n", label)
    if folder.startswith("random") and pattern.rstrip("+").endswith("A"):
        pattern = pattern.translate(str.maketrans("AB", "BA"))
    return pattern


def test_natural_and_every_class_runs_are_labelled_as_they_are_random_splits_pooled(tmp_path):
    runs = tmp_path / "runs"
    for index, run in enumerate(RUNS):
        write_run(runs, run, 0.30 + 0.02 * index)
    written = report.write_report(runs, tmp_path / "report", figures=False)
    rows = {row["run"]: row["treatment"] for row in read_csv(written.files["results.csv"])}
    assert rows == {run.name: expected_treatment(run.name) for run in RUNS}
    table = written.files["results.md"].read_text()
    for run in RUNS:
        assert f"| {run.name} | {run.label} | {expected_treatment(run.name)} |" in table
    [header] = [line for line in table.splitlines() if "footnote 3" in line]
    assert "baseA counts as baseB" in header and "BnA counts as AnB" in header
    assert "for a random A/B split" in header and "as the figures pool them" not in header


def test_natural_and_every_class_runs_alone_have_no_pooling_header(tmp_path):
    runs = tmp_path / "runs"
    for index, run in enumerate(RUNS[4:]):
        write_run(runs, run, 0.30 + 0.02 * index)
    written = report.write_report(runs, tmp_path / "report", figures=False)
    said = written.files["results.md"].read_text()
    assert "footnote 3" not in said and report_tables.OWN_TREATMENTS in said  # what the column is, said all the same

"""Train's warning that report will leave a run out names report's own reason, for every run report leaves out
from its fields. The warning decided on its own: a random-weights control trained on at most K images per class
on a half was warned of as a control on a half (report: none of the paper's treatments), and a reduced-data run
that copied layers, or a copy of a reduced-data run, was not warned of at all. Both now ask
treatments.why_left_out."""

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]
LEFT_OUT = "report will leave this run out: "


def _train(*options):
    done = CliRunner().invoke(main, ["train", *options, *FAST])
    assert done.exit_code == 0, done.output
    return " ".join(done.output.split())


@pytest.fixture(scope="module")
def bases(tmp_path_factory):
    """Data and bases (absolute paths, as report names them): a target dataset, a base on its half A, one on
    at most 4 images per class of half A, and one on every class of another dataset."""
    root = tmp_path_factory.mktemp("bases").resolve()
    source, target = root / "source", root / "target"
    synthetic.build_synthetic(source, classes=8, train_per_class=8, val_per_class=2, size=14, seed=5)
    synthetic.build_synthetic(target, classes=4, train_per_class=8, val_per_class=4, size=14, seed=6)
    _train("--data", str(target), "--half", "A", "-o", str(root / "baseA.h5"))
    _train("--data", str(target), "--half", "A", "--per-class", "4", "-o", str(root / "reducedA.h5"))
    _train("--data", str(source), "--split", "all", "-o", str(root / "baseS.h5"))
    return {"data": str(target), "baseA": str(root / "baseA.h5"), "reducedA": str(root / "reducedA.h5"),
            "baseS": str(root / "baseS.h5")}


CASES = {"random-frozen-per-class": ["--random-frozen", "1", "--per-class", "4"],
         "per-class-copy-from": ["--copy-from", "baseA", "--n", "1", "--half", "B", "--per-class", "4"],
         "random-frozen": ["--random-frozen", "1"],
         "per-class": ["--per-class", "4"],
         "cross-dataset": ["--copy-from", "baseS", "--n", "1", "--frozen", "--half", "B"],
         "copy-of-reduced": ["--copy-from", "reducedA", "--n", "1", "--half", "B"]}


@pytest.mark.parametrize("case", CASES)
def test_the_warning_at_train_start_names_the_reason_report_gives(bases, tmp_path, case):
    runs = tmp_path / "runs"
    runs.mkdir()
    given = [bases.get(option, option) for option in CASES[case]]
    said = _train("--data", bases["data"], *given, "-o", str(runs / "run.h5"))
    assert said.count(LEFT_OUT) == 1, said
    assert "(report leaves it out)" in said  # train's opening line names the run as report reads it
    warned = said.split(LEFT_OUT, 1)[1].removeprefix("it is ")
    with pytest.raises(report.NoRuns) as refused:  # the oracle: what report does with the run, its only one
        report.write_report(runs, runs / "report")
    reason = " ".join(str(refused.value).split()).split("run: ", 1)[1]
    assert warned.startswith(reason.split("; ")[0]), (warned, reason)

"""Train's warning that report will leave a run out names report's own reason, for every run report leaves out
from its fields. The warning decided on its own: a random-weights control trained on at most K images per class
on a half was warned of as a control on a half (report: none of the paper's treatments), and a reduced-data run
that copied layers, or a copy of a reduced-data run, was not warned of at all. Both now ask
treatments.why_left_out. A copy of none of the paper's bases (a checkpoint before the end of its run) that was
also a copy of a reduced-data run or across datasets on a half was warned of twice, for two reasons, where
report gives the first alone (none of the paper's treatments)."""

import pytest
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import config, report
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
    at most 4 images per class of half A, and one on every class of another dataset; the checkpoints of the last
    two stopped at iteration 2 of 3000."""
    root = tmp_path_factory.mktemp("bases").resolve()
    source, target = root / "source", root / "target"
    synthetic.build_synthetic(source, classes=8, train_per_class=8, val_per_class=2, size=14, seed=5)
    synthetic.build_synthetic(target, classes=4, train_per_class=8, val_per_class=4, size=14, seed=6)
    _train("--data", str(target), "--half", "A", "-o", str(root / "baseA.h5"))
    _train("--data", str(target), "--half", "A", "--per-class", "4", "-o", str(root / "reducedA.h5"))
    _train("--data", str(source), "--split", "all", "-o", str(root / "baseS.h5"))
    stopped = {"preset": "micro", "max_iter": 3000, "batch_size": 8, "device": "cpu", "quiet": True}
    interrupted_after(config.TrainConfig(data=str(target), half="A", per_class=4, out=str(root / "midR.h5"),
                                         **stopped), 2)
    interrupted_after(config.TrainConfig(data=str(source), split="all", out=str(root / "midS.h5"), **stopped), 2)
    return {"data": str(target), "baseA": str(root / "baseA.h5"), "reducedA": str(root / "reducedA.h5"),
            "baseS": str(root / "baseS.h5"), "midR": str(root / "midR.run" / "checkpoint.h5"),
            "midS": str(root / "midS.run" / "checkpoint.h5")}


CASES = {"random-frozen-per-class": ["--random-frozen", "1", "--per-class", "4"],
         "per-class-copy-from": ["--copy-from", "baseA", "--n", "1", "--half", "B", "--per-class", "4"],
         "random-frozen": ["--random-frozen", "1"],
         "per-class": ["--per-class", "4"],
         "cross-dataset": ["--copy-from", "baseS", "--n", "1", "--frozen", "--half", "B"],
         "copy-of-reduced": ["--copy-from", "reducedA", "--n", "1", "--half", "B"],
         "copy-of-a-reduced-checkpoint": ["--copy-from", "midR", "--n", "1", "--half", "B"],
         "cross-dataset-checkpoint": ["--copy-from", "midS", "--n", "1", "--half", "B"]}


@pytest.mark.parametrize("case", CASES)
def test_the_warning_at_train_start_names_the_reason_report_gives(bases, tmp_path, case):
    runs = tmp_path / "runs"
    runs.mkdir()
    given = [bases.get(option, option) for option in CASES[case]]
    said = _train("--data", bases["data"], *given, "-o", str(runs / "run.h5"))
    assert said.count(LEFT_OUT) == 1 and said.count("none of the paper's") <= 1, said
    assert "(report leaves it out)" in said  # train's opening line names the run as report reads it
    warned = said.split(LEFT_OUT, 1)[1]
    with pytest.raises(report.NoRuns) as refused:  # the oracle: what report does with the run, its only one
        report.write_report(runs, runs / "report")
    reason = " ".join(str(refused.value).split()).split("run: ", 1)[1]
    assert reason.split("; ")[0] in warned, (warned, reason)

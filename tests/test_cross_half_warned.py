"""A transfer across datasets trained on a half of its target (train --half, --split-seed), which report
leaves out (it measures such transfers on every class of the target only), is warned of as train starts,
with report's own reason: before, the researcher learnt it from report, after the run's training."""

import pytest
from click.testing import CliRunner

from minitransfer import report
from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]
LEFT_OUT = "report will leave this run out: it is "


@pytest.fixture(scope="module")
def base_of_another_dataset(tmp_path_factory):
    """(a micro base on every class of an 8-class source dataset, a 4-class target dataset of other images)."""
    root = tmp_path_factory.mktemp("cross")
    source, target = root / "source", root / "target"
    synthetic.build_synthetic(source, classes=8, train_per_class=8, val_per_class=2, size=14, seed=5)
    synthetic.build_synthetic(target, classes=4, train_per_class=8, val_per_class=4, size=14, seed=6)
    done = CliRunner().invoke(main, ["train", "--data", str(source), "--split", "all", "-o", str(root / "baseS.h5"),
                                     *FAST])
    assert done.exit_code == 0, done.output
    return str(root / "baseS.h5"), str(target)


@pytest.mark.parametrize("given", [["--half", "B"], ["--split-seed", "3"]], ids=["half", "split-seed"])
def test_a_transfer_across_datasets_on_a_half_is_warned_of_with_reports_reason(base_of_another_dataset, tmp_path,
                                                                              given):
    base, target = base_of_another_dataset
    runs = tmp_path / "runs"
    runs.mkdir()
    done = CliRunner().invoke(main, ["train", "--data", target, "--copy-from", base, "--n", "1", "--frozen", *given,
                                     "-o", str(runs / "S1T.h5"), *FAST])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert said.count(LEFT_OUT) == 1
    warned = said.split(LEFT_OUT)[1]
    with pytest.raises(report.NoRuns) as refused:  # the oracle: what report does with the run, its only one
        report.write_report(runs, runs / "report")
    reason = " ".join(str(refused.value).split()).split("left out S1T: ", 1)[1]
    assert reason.startswith("a transfer across datasets trained on half")
    assert warned.startswith(reason.split("; ")[0])  # report's own words, up to what to do instead
    assert "train it on every class (give neither --half nor --split-seed)" in warned  # the options, on the CLI


def test_a_transfer_across_datasets_on_every_class_is_not(base_of_another_dataset, tmp_path):
    base, target = base_of_another_dataset
    done = CliRunner().invoke(main, ["train", "--data", target, "--copy-from", base, "--n", "1", "--frozen",
                                     "-o", str(tmp_path / "S1T.h5"), *FAST])
    assert done.exit_code == 0, done.output
    assert "leave this run out" not in done.output

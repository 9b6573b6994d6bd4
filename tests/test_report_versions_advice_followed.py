"""The advice for runs trained by several minitransfer versions, followed: a base trained again with train
--overwrite is another network where the version changed its training (a stand-in here: another --seed), and
the transfer copied from the base it replaced is then left out of the report; training that transfer again too,
as the advice now says ("train --overwrite" alone left it out), brings every run back."""

from click.testing import CliRunner

from minitransfer import checkpoint_remake
from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main
from minitransfer.report import write_report

GRID = ["--preset", "micro", "--layers", "1", "--no-fine-tuned", "--max-iter", "2", "--eval-every", "1",
        "--batch-size", "4", "--device", "cpu"]


def _again(weights, seed=None):
    """Train the network of ``weights`` again with its own command (info's "made again by"), --overwrite."""
    words = checkpoint_remake.train_command(checkpoints.load(weights).meta["config"])[1:] + ["--overwrite"]
    if seed is not None:
        words[words.index("--seed") + 1] = str(seed)
    done = CliRunner().invoke(main, words)
    assert done.exit_code == 0, done.output


def test_the_transfers_of_a_base_trained_again_are_trained_again_too(micro_data, tmp_path):
    out = tmp_path / "grid"
    assert CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID]).exit_code == 0
    split = out / "random0"
    _again(split / "baseA.h5", seed=5)  # another network, as another version's training gives
    apart = write_report(out, figures=False).without_base  # left out of the findings
    assert [line.split(":")[0] for line in apart] == ["random0/A1B"], apart
    _again(split / "A1B.h5")
    report = write_report(out, figures=False)
    assert not report.without_base and not report.left_out, (report.without_base, report.left_out)
    assert sorted(r.run.name for r in report.results) == ["random0/A1B", "random0/B1B", "random0/baseA",
                                                          "random0/baseB"]

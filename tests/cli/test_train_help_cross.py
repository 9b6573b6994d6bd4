"""``train --help`` shows a transfer across datasets, named as a cross-dataset grid and its report name it."""

from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer.cli import main



def test_help_shows_a_transfer_across_datasets_named_as_the_grid_and_report_name_it():
    """No example copied from a base of another dataset; the one shown names its networks as a
    cross-dataset grid does (baseS, SnT), with options train takes."""
    runs = {run.name.split("/")[-1]: run for run in grid.plan_grid(random_seeds=(), layers=(3,), cross=True)}
    assert {"baseS", "S3T", "S3T+"} <= set(runs)  # S3T+ the fine-tuned one: S3T is --frozen
    text = CliRunner().invoke(main, ["train", "--help"], terminal_width=200).output
    assert any(line.strip().startswith("minitransfer train --data T --copy-from baseS.h5 --n 3 --frozen -o S3T.h5")
               for line in text.splitlines()), text

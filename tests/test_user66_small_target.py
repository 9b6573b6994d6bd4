"""README ("Your own data"): a dataset of two or three classes, too few for a random split's halves of two
each, is refused as a grid within one dataset but measured as the target of a grid across datasets, whose runs on
it train on every class."""

from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic


def test_a_two_class_dataset_is_the_target_of_a_grid_across_datasets(micro_data, tmp_path):
    target = tmp_path / "two"
    synthetic.build_synthetic(target, classes=2, train_per_class=4, val_per_class=2, size=14, seed=3)
    within = CliRunner().invoke(main, ["experiment", "--data", str(target), "-o", str(tmp_path / "within"),
                                       "--layers", "1", "--device", "cpu", "--dry-run"])
    assert within.exit_code == 2 and "holds 1 class" in within.output, within.output
    across = CliRunner().invoke(main, ["experiment", "--source-data", str(micro_data), "--data", str(target), "-o",
                                       str(tmp_path / "across"), "--layers", "1", "--device", "cpu", "--dry-run"])
    assert across.exit_code == 0, across.output
    planned = [line.split()[1] for line in across.output.splitlines() if line.startswith("  [todo] ")]
    assert planned == ["cross/baseS", "cross/baseT", "cross/T1T", "cross/T1T+", "cross/S1T", "cross/S1T+"], planned
    commands = [line for line in across.output.splitlines() if " train " in line]
    on_target = [line for line in commands if f"--data {target} " in line]
    assert len(commands) == 6 and len(on_target) == 5, across.output  # all but baseS
    assert all("--split all " in line and "--half" not in line for line in on_target), across.output

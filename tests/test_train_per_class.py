"""``train --per-class N`` beyond what any class can hold (10**30, a slip of the keyboard) is refused
as a usage error naming the option, before anything is read or written: it was taken, kept every
image, and named the run ``baseA-per-class1000000000000000000000000000000.h5``."""

import pytest
from click.testing import CliRunner

from minitransfer import config_checks
from minitransfer import train as training
from minitransfer.cli import main


@pytest.mark.parametrize("count", [config_checks.MAX_COUNT + 1, 10**30])
def test_a_per_class_beyond_any_count_is_refused_naming_the_option(micro_data, tmp_path, count):
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--per-class", str(count), "--device", "cpu",
                                       "-o", str(tmp_path / "net.h5")])
    assert result.exit_code == 2, result.output
    assert "'--per-class'" in result.output and str(count) in result.output, result.output
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(training.ConfigError, match=rf"`per_class` must be an integer 1\.\.{config_checks.MAX_COUNT}, "
                                                   rf"got {count}"):
        training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, per_class=count,
                                            device="cpu"))
    assert list(tmp_path.iterdir()) == []


def test_the_largest_per_class_is_taken(micro_data, tmp_path):
    """The bound refuses no count a dataset could have: MAX_COUNT itself keeps every image (and says so)."""
    result = CliRunner().invoke(main, ["train", "--data", micro_data, "--per-class", str(config_checks.MAX_COUNT),
                                       "--device", "cpu", "--max-iter", "1", "--batch-size", "4", "--eval-every", "1",
                                       "-o", str(tmp_path / "net.h5")])
    assert result.exit_code == 0, result.output
    assert f"--per-class {config_checks.MAX_COUNT} keeps every training image" in result.output, result.output

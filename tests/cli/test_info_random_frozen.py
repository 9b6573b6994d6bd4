"""info of a random-weights control names its random, frozen layers as train's banner does: "first layer
random and frozen" for one (it said "first 1 layers")."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main


@pytest.mark.parametrize("n, words", [(1, "first layer random and frozen"), (2, "first 2 layers random and frozen")])
def test_info_names_the_random_frozen_layers(micro_data, tmp_path, n, words):
    out = tmp_path / f"random{n}.h5"
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "--split", "all", "--random-frozen", str(n),
                                        "--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size",
                                        "8", "--device", "cpu", "-o", str(out)])
    assert trained.exit_code == 0, trained.output
    told = CliRunner().invoke(main, ["info", str(out)])
    assert told.exit_code == 0, told.output
    assert words in told.output.splitlines() or f"  {words}" in told.output
    assert "first 1 layers" not in told.output

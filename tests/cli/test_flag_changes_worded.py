"""A run resumed with a flag turned the other way is refused in the command line's words: the flag's two
sides (--frozen -> --fine-tune), not the values the library records (True -> False)."""

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.cli._errors import option_text


@pytest.mark.parametrize("frozen, given, said", [(True, "--fine-tune", "--frozen -> --fine-tune"),
                                                 (False, "--frozen", "--fine-tune -> --frozen")],
                         ids=["frozen-then-fine-tune", "fine-tuned-then-frozen"])
def test_resuming_a_transfer_the_other_way_names_both_flags(micro_data, frozen, given, said, tmp_path):
    base = tmp_path / "baseS.h5"
    training.train(config.TrainConfig(out=str(base), data=micro_data, split="all", max_iter=1, batch_size=8,
                                      device="cpu", quiet=True))
    out = tmp_path / "r2.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, copy_from=str(base), n=2, frozen=frozen,
                                      max_iter=2, batch_size=8, device="cpu", quiet=True))
    done = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "r2.run"), given])
    assert done.exit_code == 2, done.output
    assert f"with a different configuration: {said};" in done.output
    assert "True" not in done.output and "False" not in done.output


@pytest.mark.parametrize("message, said", [
    ("`cuda_graph` False -> True", "--no-cuda-graph -> --cuda-graph"),
    ("`overwrite` True -> False", "--overwrite -> without --overwrite"),
    ("`seed` 1 -> 2", "--seed 1 -> 2"),
    ("`colour` True -> False", "`colour` True -> False"),
], ids=["flag-pair", "single-flag", "not-a-flag", "not-a-field"])
def test_option_text_says_a_flags_change_as_its_sides(message, said):
    assert option_text(message) == said

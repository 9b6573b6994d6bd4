"""train's opening line and info name the network a run trains in the paper's terms, as report will label
it: `train --copy-from baseB.h5 --n 2 --frozen` without --half trains half A, B2A, a transfer, where its
banner said only "copy 2 layers from baseB.h5 (frozen)" (train warns of a paper's name given to `-o` only
where it is exactly one, not of `-o B2B-oops.h5`)."""

import re

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main

FAST = ["--preset", "micro", "--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu"]


@pytest.fixture(scope="module")
def folder(micro_data, tmp_path_factory):
    """A folder holding baseB.h5, a base trained on half B of the random split."""
    path = tmp_path_factory.mktemp("runs")
    trained = CliRunner().invoke(main, ["train", "--data", micro_data, "--half", "B", "-o", str(path / "baseB.h5"),
                                        *FAST])
    assert trained.exit_code == 0, trained.output
    return path


def _banner_network(output):
    """The network train's opening line names: its second field, up to the split's."""
    opening = next(line for line in output.splitlines() if " parameters) on cpu; " in line)
    return re.match(r".*? on cpu; (.*); split ", opening).group(1)


@pytest.mark.parametrize("options, kind", [
    ([], "transfer"), (["--half", "B"], "selffer"), (["--half", "A", "--fine-tune"], "transfer"),
], ids=["half-forgotten", "selffer", "fine-tuned"])
def test_train_and_info_name_the_network_trained(folder, monkeypatch, options, kind):
    monkeypatch.chdir(folder)
    out = f"oops-{len(options)}.h5"
    frozen = [] if "--fine-tune" in options else ["--frozen"]
    trained = CliRunner().invoke(main, ["train", "--copy-from", "baseB.h5", "--n", "2", *frozen, *options, "-o", out,
                                        *FAST])
    assert trained.exit_code == 0, trained.output
    # the oracle: the halves the two checkpoints record, and the freezing asked for
    base_half = checkpoints.read_meta(folder / "baseB.h5")["split_half"]
    half = checkpoints.read_meta(folder / out)["split_half"]
    plus = "" if frozen else "+"
    assert (kind == "selffer") == (base_half == half)
    said = _banner_network(trained.output)
    assert said == (f"{base_half}2{half}{plus} ({kind}: first 2 layers copied from baseB.h5, a base on half "
                    f"{base_half} of the random split 0, {'frozen' if frozen else 'fine-tuned'}, trained on half "
                    f"{half})"), said
    told = CliRunner().invoke(main, ["info", out])
    assert told.exit_code == 0, told.output
    network = next(line for line in told.output.splitlines() if line.startswith("network "))
    assert network == "network " + said.replace("copied from baseB.h5", f"copied from {folder / 'baseB.h5'}")


def test_a_base_and_a_control_are_named_as_report_labels_them(micro_data, tmp_path):
    runs = {"baseA": ["--half", "A"], "random2": ["--split", "all", "--random-frozen", "2"]}
    words = {}
    for name, options in runs.items():
        trained = CliRunner().invoke(main, ["train", "--data", micro_data, *options, "-o", str(tmp_path / f"{name}.h5"),
                                            *FAST])
        assert trained.exit_code == 0, trained.output
        words[name] = _banner_network(trained.output)
    assert words == {"baseA": "baseA (base on half A)",
                     "random2": "random2 (random-weights control: first 2 layers random and frozen)"}

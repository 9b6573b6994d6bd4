"""``eval`` and ``train --copy-from`` of a finished run whose config.json (or result.json) report cannot
read: ``info`` exits 65 on such a run (report leaves it out), while eval scored it and a transfer copied
from it with exit code 0 and not a word. Neither needs the file: the network records its configuration
(the scores and the copied layers are those of the intact run), so both go on, exit code 0, and warn on
stderr with report's reason, naming the file. The oracles: report's own reading of the folder
(:func:`minitransfer.results.collect`) and the command on an intact copy of the run."""

import json

import pytest
from click.testing import CliRunner
from cli.test_info_paths import network  # noqa: F401 (a fixture: a finished micro run, split all)
from test_info_result_file import CONFIG_DAMAGES, DAMAGES, _left_out_because, run_copy  # noqa: F401 (a fixture)

from minitransfer import checkpoint
from minitransfer.cli import main
from minitransfer.results import collect
from minitransfer.train import TrainConfig, train

GIVEN = ["net.run", "net.h5", "net.run/checkpoint.h5"]
TRAIN = ["--split", "all", "--n", "2", "--frozen", "--max-iter", "2", "--eval-every", "2", "--batch-size", "8",
         "--device", "cpu"]


def _invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def _scored(given):
    done = _invoke("eval", given, "--device", "cpu", "--json")
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout), done.stderr


def _warned(stderr, why, named):
    """The warning lines of ``stderr`` that give report's reason ``why`` for leaving the run of ``named`` out."""
    return [line for line in stderr.splitlines()
            if line.startswith(f"warning: {why}, so report leaves the run of {named} out; ")]


@pytest.mark.parametrize("given", GIVEN)
@pytest.mark.parametrize("damage", CONFIG_DAMAGES)
def test_eval_of_a_run_whose_configuration_report_cannot_read_scores_it_and_warns(run_copy, damage, given):
    intact, said = _scored(given)
    assert "warning" not in said, said
    CONFIG_DAMAGES[damage](run_copy / "net.run" / "config.json")
    why = _left_out_because()  # report leaves the run out, for this reason
    assert "config.json" in why  # named: net.run/config.json, or "config.json in net.run" where missing
    assert _invoke("info", given).exit_code == 65
    scores, said = _scored(given)
    assert scores == intact
    named = "net.h5" if given == "net.run" else given  # a finished run folder: its weights file
    assert len(_warned(said, why, named)) == 1, said


@pytest.mark.parametrize("damage", ["not-json", "a-list"])
def test_eval_of_a_run_whose_result_report_cannot_read_warns_too(run_copy, damage):
    DAMAGES[damage](run_copy / "net.run" / "result.json")
    why = _left_out_because()
    assert _invoke("info", "net.h5").exit_code == 65
    _, said = _scored("net.h5")
    assert len(_warned(said, why, "net.h5")) == 1, said


@pytest.mark.parametrize("damage", ["not-json", "a-list", "missing"])
def test_a_transfer_from_a_run_whose_configuration_report_cannot_read_is_trained_and_warned_of(run_copy, damage,
                                                                                             micro_data):
    before = _invoke("train", "--copy-from", "net.run", "-o", "before.h5", "--data", micro_data, *TRAIN)
    assert before.exit_code == 0 and "warning" not in before.stderr, before.output
    CONFIG_DAMAGES[damage](run_copy / "net.run" / "config.json")
    why = _left_out_because_of("net")
    assert _invoke("info", "net.run").exit_code == 65
    copied = _invoke("train", "--copy-from", "net.run", "-o", "copied.h5", "--data", micro_data, *TRAIN)
    assert copied.exit_code == 0, copied.output
    assert len(_warned(copied.stderr, why, "net.h5")) == 1, copied.stderr
    base, ours = checkpoint.load(run_copy / "net.h5"), checkpoint.load(run_copy / "copied.h5")
    for layer in ("conv1", "conv2"):  # the layers copied and frozen: the base's, whatever its config.json
        for mine, its in zip(ours.weights[layer], base.weights[layer]):
            assert (mine == its).all(), layer


def _left_out_because_of(name):
    """Report's reason for leaving the run ``name`` of the working folder out (the oracle), without its name."""
    left_out = dict(text.split(": ", 1) for text in collect(".")[2])
    return left_out[name]


@pytest.mark.parametrize("damage", ["not-json", "missing"])
def test_a_library_transfer_from_a_run_report_leaves_out_warns_in_its_result(run_copy, damage, micro_data):
    """train(copy_from=...) said nothing: the warning lived in the command line's --copy-from alone. It is the
    library's now, among the result's warnings (as stderr says it)."""
    CONFIG_DAMAGES[damage](run_copy / "net.run" / "config.json")
    why = _left_out_because_of("net")
    result = train(TrainConfig(out="lib.h5", copy_from="net.h5", data=str(micro_data), split="all", n=2, frozen=True,
                               max_iter=2, eval_every=2, batch_size=8, device="cpu", quiet=True))
    assert [w for w in result.warnings if w.startswith(f"{why}, so report leaves the run of net.h5 out; ")], \
        result.warnings


def test_a_transfer_refused_for_another_option_says_no_warning_of_its_base(run_copy, micro_data):
    """The warning came as --copy-from was parsed, before a later option was refused: a command that did
    nothing warned of a base it never copied from."""
    CONFIG_DAMAGES["not-json"](run_copy / "net.run" / "config.json")
    refused = _invoke("train", "--copy-from", "net.run", "-o", "x.h5", "--data", micro_data, *TRAIN, "--seed", "-1")
    assert refused.exit_code == 2 and "'--seed'" in refused.stderr, refused.output
    assert "report leaves the run" not in refused.stderr, refused.stderr

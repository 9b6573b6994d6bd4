"""What ``splits`` prints of a half of 1 class and of the all split, and what the helps of ``eval``,
``info`` and ``splits`` teach: every option's meaning, and each exit code the command ends with."""

import json

import click
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.fixture(scope="module")
def two_classes(tmp_path_factory):
    """A synthetic dataset of 2 classes (6 train, 2 val images each): each random half holds 1 class."""
    path = tmp_path_factory.mktemp("data") / "synthetic-2"
    synthetic.build_synthetic(path, classes=2, train_per_class=6, val_per_class=2, size=8, seed=1)
    return path


def _titles(data, *options):
    result = CliRunner().invoke(main, ["splits", str(data), *options])
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.splitlines() if line.startswith("# ")]


def test_splits_titles_say_1_class_and_give_the_all_split_no_half(two_classes):
    """The titles read "half A: 1 classes" and "all split, half -: 2 classes": the all split has no
    halves (its --half is refused). The counts are those of the JSON (another path through the code)."""
    halves = json.loads(CliRunner().invoke(main, ["splits", str(two_classes), "random", "--format", "json"]).stdout)
    assert [half["num_classes"] for half in halves] == [1, 1]
    assert _titles(two_classes, "random") == [
        f"# random split seed 0, half {half['half']}: 1 class, {half['train_images']} train / "
        f"{half['val_images']} val images" for half in halves]
    [every] = json.loads(CliRunner().invoke(main, ["splits", str(two_classes), "all", "--format", "json"]).stdout)
    assert _titles(two_classes, "all") == [
        f"# all split: 2 classes, {every['train_images']} train / {every['val_images']} val images"]


COMMANDS = ("eval", "info", "splits")


@pytest.mark.parametrize("name", COMMANDS)
def test_each_option_says_what_it_does(name):
    """splits --format showed only its choices and default: nothing of what text or json prints."""
    options = [parameter for parameter in main.commands[name].params
               if isinstance(parameter, click.Option) and parameter.name != "help"]
    assert [option.opts[0] for option in options if not (option.help or "").strip()] == []


@pytest.mark.parametrize("name", COMMANDS)
def test_the_exit_codes_name_the_stop_signals(name):
    """info and splits end with 75 on Ctrl-C, as every command does; their helps named no 75."""
    text = " ".join(main.commands[name].help.split())
    assert "75 interrupted (SIGINT, SIGTERM, SIGHUP)" in text

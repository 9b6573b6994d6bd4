"""``experiment``'s ranges of n come from the presets, not restated: --layers defaulted to "1-7", written
out, so that a grid of a preset copying fewer layers (tests/toy_preset.py's, 2) without --layers was
refused ("'1-7' is outside 1..2") for an option the user never gave, and its help showed that default
whatever the preset; the legend's range was put in with ``str.format`` over the whole docstring at import
(a brace written anywhere else in it broke the import), missing a preset registered after it."""

import pytest
import toy_preset
from click.testing import CliRunner

from minitransfer import config_checks, models
from minitransfer.cli import experiment as experiment_cli
from minitransfer.cli import main


def _shown(*arguments):
    """What ``minitransfer experiment ARGUMENTS`` prints, its lines joined; the exit code first."""
    result = CliRunner().invoke(main, ["experiment", *arguments], terminal_width=100)
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def with_toy(built_in_presets, monkeypatch):
    """The built-in presets and the toy one, whose copyable layers are fewer."""
    monkeypatch.setitem(models.PRESETS, "toy", toy_preset.TOY)
    assert toy_preset.TOY.copyable < min(models.get(name).copyable for name in ("caffenet", "mini", "micro"))


def test_without_layers_a_preset_copying_fewer_plans_every_layer_it_copies(synthetic_8, tmp_path, with_toy):
    given = ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--preset", "toy", "--device", "cpu", "--dry-run"]
    every = _shown(*given, "--layers", f"1-{toy_preset.TOY.copyable}")
    assert every[0] == 0 and f"random0/A{toy_preset.TOY.copyable}B" in every[1], every
    assert _shown(*given) == every


def _layers_help():
    """--layers' help as ``experiment --help`` shows it, its lines joined."""
    return _shown("--help")[1].split("--layers N-N|N,N", 1)[1].split(" --", 1)[0]


def test_the_layers_help_says_its_default_as_the_presets_registered_give_it(with_toy, monkeypatch):
    toy = f"1-{toy_preset.TOY.copyable} for toy"
    assert "(default: all of them, " in _layers_help() and toy in _layers_help(), _layers_help()
    monkeypatch.delitem(models.PRESETS, "toy")
    shared = {preset.copyable for preset in models.PRESETS.values()}
    assert len(shared) == 1 and f"(default: all of them, 1-{shared.pop()})." in _layers_help(), _layers_help()


def test_the_legend_gives_the_range_of_n_of_the_presets_registered_as_it_is_shown(with_toy, monkeypatch):
    for registered in (True, False):
        if not registered:
            monkeypatch.delitem(models.PRESETS, "toy")
        said = f"first n weight layers (n = {config_checks.copyable_range()}, from conv1 up)"
        assert said in _shown("--help")[1] and ("toy 2" in said) == registered, said


def test_only_the_named_fields_are_filled_in_a_brace_elsewhere_stays(built_in_presets):
    """The oracle for "{every_layer}" and "{copyable}": the presets' one count of copyable layers."""
    (count,) = {preset.copyable for preset in models.PRESETS.values()}
    text = "n = {copyable}, {every_layer}; a set {0, 1}, {n}, a lone } or {"
    command = experiment_cli._ExperimentCommand("example", help=text)
    assert command.help == "n = 1..%d, 1-%d; a set {0, 1}, {n}, a lone } or {" % (count, count)
    assert experiment_cli._ExperimentCommand("example", help=None).help is None

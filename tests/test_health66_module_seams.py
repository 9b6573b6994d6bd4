"""Code health: report.py, models.py, cli/_paths.py and cli/info.py were split along their seams (report_texts.py,
own_presets.py, cli/_output_paths.py, cli/_info_state.py). The names other modules and tests take from the old
modules stay there, as the very objects the new modules define; and the presets of one's own, now looked up from
own_presets.py, are still those of :data:`minitransfer.models.PRESETS` as it is when asked (a test puts another
dict in its place)."""

import pytest

from minitransfer import models, own_presets, report, report_texts
from minitransfer.cli import _info_state, _output_paths, _paths, info

MOVED = [(report, report_texts, "COLUMNS"),
         *[(models, own_presets, name) for name in ("PRESET_SOURCES", "known", "known_preset", "preset_sources",
                                                     "sources_words", "top_copyable", "unknown_preset", "unsourced")],
         *[(_paths, _output_paths, name) for name in ("OutputFolder", "DatasetOutput", "OutputFile",
                                                       "refuse_unwritable_path")]]


@pytest.mark.parametrize("old, new, name", MOVED, ids=[f"{old.__name__}.{name}" for old, _, name in MOVED])
def test_a_moved_name_is_still_importable_from_its_old_module(old, new, name):
    assert getattr(old, name) is getattr(new, name)
    assert name in old.__all__  # said as a name of the module, not an import pyflakes would call unused


def test_info_says_where_a_network_stands_with_the_words_moved_out():
    assert info.state_words is _info_state.state_words


def test_presets_of_ones_own_are_looked_up_in_the_registry_as_it_is_now(monkeypatch):
    assert models.known("mini") and models.top_copyable(["mini"]) == 7
    monkeypatch.setattr(models, "PRESETS", {name: models.PRESETS[name] for name in ("caffenet", "micro")})
    assert not models.known("mini")
    assert models.known_preset("micro") is models.PRESETS["micro"]
    assert "(known: caffenet, micro)" in models.unknown_preset("mini", "run it through its script")

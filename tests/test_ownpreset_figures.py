"""Figure 3's empty random-weights panel advised "experiment --random-frozen 1-7" for a network of one's
own with 4 copyable layers, where --random-frozen 5 and above are refused."""

import dataclasses

import pytest

from minitransfer import experiment as grid
from minitransfer import figures_paper, models
from test_figures import Figure, networks, texts


@pytest.mark.parametrize("preset, advice", [("four", "1-4"), ("micro", "1-7"), ("", "1-7")])
def test_the_empty_random_weights_panel_advises_the_networks_own_layers(monkeypatch, preset, advice):
    monkeypatch.setitem(models.PRESETS, "four", dataclasses.replace(models.get("micro"), name="four", copyable=4))
    results = [dataclasses.replace(r, preset=preset)
               for r in networks(grid.plan_grid(random_seeds=(), per_class=(10,)), lambda run: 0.5)]
    _, random_weights, _ = figures_paper.figure3(Figure, results).axes
    assert texts(random_weights) == [f"no random-weights runs (experiment --random-frozen {advice})"]

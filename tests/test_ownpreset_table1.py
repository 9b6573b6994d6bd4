"""Table 1's rows are the paper's ranges of n (1 to 7, 3 to 7, 5 to 7): for a network of one's own with
fewer copyable layers they were named "1 to 7" and "3 to 7" all the same, layers it does not have; with
more, its n 8 and 9 were left out of every row."""

import dataclasses

import pytest

from minitransfer import models
from minitransfer.report_tables import table1
from test_findings import network


def grid(preset, top):
    results = [network("random0/baseB", "base", "random", 0, 0.60)]
    results += [network(f"random0/A{n}B+", "transfer", "random", 0, 0.61, source="A", n=n, tuned=True)
                for n in range(1, top + 1)]
    return [dataclasses.replace(r, preset=preset) for r in results]


@pytest.fixture
def four_layers(monkeypatch):
    monkeypatch.setitem(models.PRESETS, "four", dataclasses.replace(models.get("micro"), name="four", copyable=4))
    monkeypatch.setitem(models.PRESETS, "nine", dataclasses.replace(models.get("micro"), name="nine", copyable=9))


@pytest.mark.usefixtures("four_layers")
def test_the_rows_name_only_the_layers_the_network_has():
    rows = table1(grid("four", 4))
    assert [row["layers"] for row in rows] == ["1 to 4", "3 and 4", "5 to 7: none in this network (n is 1 to 4)"]
    assert [row["layers_with_runs"] for row in rows] == ["1 to 4", "3 and 4", ""]
    assert rows[0]["boost_over_own_base"] == pytest.approx(0.01)


@pytest.mark.usefixtures("four_layers")
def test_the_rows_reach_the_top_layer_of_a_deeper_network():
    results = grid("nine", 9)
    results = [dataclasses.replace(r, mean10_top1=0.70) if r.run.n in (8, 9) else r for r in results]
    rows = table1(results)
    assert [row["layers"] for row in rows] == ["1 to 9", "3 to 9", "5 to 9"]
    assert [row["layers_with_runs"] for row in rows] == ["1 to 9", "3 to 9", "5 to 9"]
    assert rows[2]["boost_over_own_base"] == pytest.approx((3 * 0.01 + 2 * 0.10) / 5)


@pytest.mark.parametrize("preset", ["micro", "caffenet", "", "not-registered-here"])
def test_the_papers_ranges_stay_for_seven_layers_or_a_network_unknown(preset):
    assert [row["layers"] for row in table1(grid(preset, 7))] == ["1 to 7", "3 to 7", "5 to 7"]

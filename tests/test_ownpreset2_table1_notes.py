"""The lines under Table 1 filtered the runs by the paper's ranges of n (1 to 7, 3 to 7, 5 to 7) while the
table's rows reach the top copyable layer of the runs' network: for a 9-layer network of one's own a row
"5 to 9" whose AnB+ at 8 and 9 made no evaluation was not said to show –, and a pooled column comparing
AnB+ at n = 8 with a BnB+ of another split seed was not named."""

import dataclasses

import pytest

from minitransfer import models
from minitransfer.report_table1_notes import table1_unevaluated, table1_unpaired
from minitransfer.report_tables import table1
from test_findings import network


@pytest.fixture(autouse=True)
def own_presets(monkeypatch):
    monkeypatch.setitem(models.PRESETS, "four", dataclasses.replace(models.get("micro"), name="four", copyable=4))
    monkeypatch.setitem(models.PRESETS, "nine", dataclasses.replace(models.get("micro"), name="nine", copyable=9))


def tuned(n, seed=0, accuracy=0.61):
    return network(f"random{seed}/A{n}B+", "transfer", "random", seed, accuracy, source="A", n=n, tuned=True)


def selffer(n, seed):
    return network(f"random{seed}/B{n}B+", "selffer", "random", seed, 0.60, source="B", n=n, tuned=True)


def of(preset, results):
    return [dataclasses.replace(r, preset=preset) for r in results]


def test_a_row_of_a_deeper_network_whose_anb_plus_are_unevaluated_is_named():
    results = of("nine", [network("random0/baseB", "base", "random", 0, 0.60), tuned(1), tuned(3),
                          tuned(8, accuracy=float("nan")), tuned(9, accuracy=float("nan"))])
    rows = table1(results)
    assert rows[2]["layers"] == "5 to 9" and rows[2]["layers_with_runs"] == "8 and 9"
    said = table1_unevaluated(results, rows)
    assert said.startswith("The row for layers 5 to 9 shows – throughout")
    assert "random0/A8B+" in said and "random0/A9B+" in said


def test_a_pooled_column_comparing_other_seeds_above_layer_7_is_named():
    results = of("nine", [network(f"random{seed}/baseB", "base", "random", seed, 0.60) for seed in (0, 1)]
                 + [tuned(2), tuned(8), selffer(2, 0), selffer(8, 1)])
    lines = table1_unpaired(results)
    assert any("compares AnB+ of split seed 0 with BnB+ of split seed 1 at n = 8 " in line for line in lines), lines


def test_the_rows_of_a_smaller_network_are_named_as_the_table_names_them():
    results = of("four", [network("random0/baseB", "base", "random", 0, 0.60), tuned(1),
                          tuned(3, accuracy=float("nan")), tuned(4, accuracy=float("nan"))])
    rows = table1(results)
    assert table1_unevaluated(results, rows).startswith("The row for layers 3 and 4 shows – throughout")


@pytest.mark.parametrize("preset", ["micro", "caffenet", ""])
def test_the_papers_ranges_stay_for_seven_layers(preset):
    results = of(preset, [network("random0/baseB", "base", "random", 0, 0.60), tuned(1),
                          tuned(8, accuracy=float("nan")), tuned(9, accuracy=float("nan"))])
    assert table1_unevaluated(results, table1(results)) == ""

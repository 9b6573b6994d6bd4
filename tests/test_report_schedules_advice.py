"""The caveat on runs of several schedules (findings.md, results.md, under Table 1) advised "train them
again with the grid's options" in a folder with no grid: runs trained by hand. It names the grid's options
only where every run of the group is a grid's (experiment wrote its treatment.json: Result.planned); else
it advises the same schedule, naming the options that differ. Hand-built results."""

import dataclasses

import pytest

from minitransfer import report_table1_notes, run_caveats
from minitransfer.report_tables import table1
from test_findings import network

SHORT = "random0/A3B+"  # trained for 30 iterations, the others 60


def results(by_hand):
    """A random split: baseB, B3B+ and A3B+ (30 iterations), ``by_hand(name)`` saying which runs no grid planned."""
    runs = [network("random0/baseB", "base", "random", 0, 0.60),
            network("random0/B3B+", "selffer", "random", 0, 0.61, source="B", n=3, tuned=True),
            network(SHORT, "transfer", "random", 0, 0.62, source="A", n=3, tuned=True)]
    return [dataclasses.replace(r, planned=not by_hand(r.run.name),
                                schedule=(("max_iter", 30 if r.run.name == SHORT else 60), ("eval_every", 10)))
            for r in runs]


@pytest.mark.parametrize("by_hand, advice", [
    (lambda name: False, "train them again with the grid's options"),
    (lambda name: True, "train them again with the same schedule (--max-iter)"),
    (lambda name: name == SHORT, "train them again with the same schedule (--max-iter)"),
], ids=["grid", "by-hand", "one-by-hand-in-a-grid"])
def test_the_advice_names_the_grids_options_only_for_a_grids_runs(by_hand, advice):
    found = results(by_hand)
    [caveat] = run_caveats.other_schedules(found)
    assert caveat.endswith(f"their accuracies are not comparable: {advice}"), caveat
    [under_table] = report_table1_notes.table1_schedules(found, table1(found))
    assert under_table.endswith(advice)

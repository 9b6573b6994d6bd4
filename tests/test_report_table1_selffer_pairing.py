"""Table 1's BnB+ column and the two lines under it that say what it lacks (none at a range, some AnB+ left out)
pair each AnB+ with its BnB+ by one rule (report_tables.Selffers): they agree, against an oracle computed here from
the accuracies alone, where the halves are apart (each AnB+ with the BnB+ of its own target half), where a BnB+ has
no accuracy (a run without evaluations), with unequal halves, and where the halves' bases agree (pooled)."""

import math
import re

from fake_results import finished_grid
from minitransfer.report import measure, table1, write_report

NONE = math.nan  # a run without evaluations: no accuracy


def _grid(out, accuracy):
    """A random split's grid at n = 1 to 3, both directions, of the runs of ``accuracy`` ({label: top-1})."""
    return finished_grid(out, [1, 2, 3], both_directions=True, accuracy=accuracy)


def _oracle(accuracy, pooled):
    """(the boost over BnB+ of n 1 to 3, the AnB+ with no BnB+ to compare with) from ``accuracy`` alone: AnB+ of
    half B is AnB+, of half A BnA+; its selffer BnB+ of half B, AnA+ of half A; each AnB+ with a selffer of its half
    (pooled: of either) at its n less the mean of those selffers at the n that have both, averaged over the AnB+ (the
    paper's Table 1: the mean of the AnB+ less the mean of the BnB+)."""
    tuned = {(n, "B"): [accuracy.get(f"A{n}B+")] for n in (1, 2, 3)}
    tuned.update({(n, "A"): [accuracy.get(f"B{n}A+")] for n in (1, 2, 3)})
    selffer = {(n, "B"): [accuracy.get(f"B{n}B+")] for n in (1, 2, 3)}
    selffer.update({(n, "A"): [accuracy.get(f"A{n}A+")] for n in (1, 2, 3)})

    def values(pairs, n, half):
        halves = ("A", "B") if pooled else (half,)
        return [v for h in halves for v in pairs[(n, h)] if v is not None and not math.isnan(v)]

    differences, left = [], []
    for half in ("A", "B") if not pooled else ("pooled",):
        both = [n for n in (1, 2, 3) if values(tuned, n, half) and values(selffer, n, half)]
        selffers = [v for n in both for v in values(selffer, n, half)]
        differences += [v - sum(selffers) / len(selffers) for n in both for v in values(tuned, n, half)]
        for n in (1, 2, 3):
            if values(tuned, n, half) and n not in both:
                left += [f"random0/{'A' if h == 'B' else 'B'}{n}{h}+" for h in (("A", "B") if pooled else (half,))
                         if accuracy.get(f"{'A' if h == 'B' else 'B'}{n}{h}+") is not None]
    return sum(differences) / len(differences), sorted(left)


def _check(out, accuracy, pooled):
    report = measure(out)
    row = table1(report.results, bases=report.bases)[0]  # 1 to 7: every n here
    boost, left = _oracle(accuracy, pooled)
    assert math.isclose(row["boost_over_BnB+"], boost), (row, boost)
    write_report(out, figures=False)
    text = (out / "report" / "table1.md").read_text()
    named = re.search(r"averages only the AnB\+ runs with a BnB\+ [^:]*: (.*) (?:is|are) left out", text)
    assert sorted(named.group(1).replace(" and ", ", ").split(", ")) == left if left else named is None, text


def test_halves_apart_unequal_and_a_selffer_without_accuracy(tmp_path):
    accuracy = {"baseA": 0.90, "baseB": 0.50,  # half A's classes easier: the halves are apart
                "A1B+": 0.52, "B1A+": 0.91, "B1B+": 0.50, "A1A+": NONE,  # half A's selffer has no accuracy
                "A2B+": 0.55, "B2A+": 0.93, "B2B+": 0.51, "A2A+": 0.92,
                "A3B+": 0.50, "B3B+": NONE}  # no selffer with an accuracy at n = 3
    _check(_grid(tmp_path / "g", accuracy), accuracy, pooled=False)


def test_pooled_halves_with_a_selffer_of_one_half(tmp_path):
    accuracy = {"baseA": 0.70, "baseB": 0.71,  # within 2 points: pooled, as the paper's
                "A1B+": 0.75, "B1A+": 0.74, "B1B+": 0.70, "A1A+": NONE,
                "A2B+": 0.77, "A2A+": 0.72,  # the selffer of the other half than the AnB+: pooled, it counts
                "B3A+": 0.73}  # no selffer at n = 3
    _check(_grid(tmp_path / "g", accuracy), accuracy, pooled=True)

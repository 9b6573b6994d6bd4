"""Table 1's column "over selffer BnB+" compares each AnB+ with the BnB+ of its own target half (issue 12: like
with like). It took the raw mean of every AnB+ less that of every BnB+ at each n, halves pooled: a grid partly
trained, AnB+ finished on half B (A1B+) and BnB+ on half A alone (A1A+), showed the halves' difference as a boost
(-38 points: half A's classes easier), and with BnB+ of both halves but AnB+ of one, a mix of the two."""

import math

from fake_results import finished_grid
from minitransfer.report import measure, table1, write_report

# half A's classes are easier: every network on it scores ~40 points above one on half B
ACCURACY = {"baseA": 0.90, "baseB": 0.50, "A1B+": 0.52, "B1B+": 0.50, "B1A+": 0.91, "A1A+": 0.90}


def _grid(out, labels):
    """A random split's grid at n = 1, both directions, of the runs ``labels`` finished at ACCURACY."""
    return finished_grid(out, [1], both_directions=True, accuracy={label: ACCURACY[label] for label in labels})


def _selffer_column(out):
    report = measure(out)
    return table1(report.results, bases=report.bases)[0]["boost_over_BnB+"]


def test_no_common_half_no_boost_and_said(tmp_path):
    out = _grid(tmp_path / "g", {"baseA", "baseB", "A1B+", "A1A+"})
    assert math.isnan(_selffer_column(out))  # it was 0.52 - 0.90: the halves, not fine-tuning
    write_report(out, figures=False)
    text = (out / "report" / "table1.md").read_text()
    assert "BnB+ of the same n and target half" in text
    assert "of another target half than the AnB+ there" in text


def test_each_half_with_its_own(tmp_path):
    out = _grid(tmp_path / "g", {"baseA", "baseB", "A1B+", "B1B+", "A1A+"})  # AnB+ of half B, BnB+ of both halves
    assert math.isclose(_selffer_column(out), 0.52 - 0.50)  # it was 0.52 - (0.50 + 0.90) / 2


def test_both_halves_balanced_is_the_pooled_difference(tmp_path):
    out = _grid(tmp_path / "g", {"baseA", "baseB", "A1B+", "B1B+", "B1A+", "A1A+"})
    pooled = (0.52 + 0.91) / 2 - (0.50 + 0.90) / 2  # the paper's definition, one network a half on each side
    assert math.isclose(_selffer_column(out), pooled)


def test_an_anb_plus_left_out_of_the_column_is_named(tmp_path):
    """AnB+ of both halves, BnB+ of half B alone, halves apart: the column is half B's boost alone while the own-base
    column averages both halves' AnB+; the half A AnB+ it leaves out was left out without a word."""
    out = _grid(tmp_path / "g", {"baseA", "baseB", "A1B+", "B1A+", "B1B+"})
    assert math.isclose(_selffer_column(out), ACCURACY["A1B+"] - ACCURACY["B1B+"])
    write_report(out, figures=False)
    text = (out / "report" / "table1.md").read_text()
    assert ('The column "over selffer BnB+" averages only the AnB+ runs with a BnB+ of the same n and target half '
            "throughout: random0/B1A+ is left out of it (no BnB+ with an accuracy at n = 1 of half A).") in text, text


def test_no_anb_plus_left_out_says_nothing(tmp_path):
    out = _grid(tmp_path / "g", {"baseA", "baseB", "A1B+", "B1B+", "B1A+", "A1A+"})
    write_report(out, figures=False)
    assert "averages only the AnB+ runs with a BnB+" not in (out / "report" / "table1.md").read_text()

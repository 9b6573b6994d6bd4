"""minitransfer.results.Spread (exported for notebooks: the mean, the standard deviation across networks and the
standard error of some accuracies) against numbers worked out by hand. The report's findings use
:class:`minitransfer.findings_groups.OverBases` instead, so no report test reads Spread's standard error: a
mutant dividing by sqrt(n − 1) passed every findings test."""

import math

from minitransfer.results import Spread


def test_mean_sample_std_and_standard_error_of_four_values_by_hand():
    """0.50, 0.52, 0.54, 0.60: mean 0.54; squared deviations 16 + 4 + 0 + 36 = 56 (·1e-4); the sample standard
    deviation sqrt(56e-4 / 3) = 0.043205; its standard error over sqrt(4) = 0.021602 (mutants: n for n − 1, sqrt(n − 1)
    for sqrt(n))."""
    spread = Spread.of([0.50, 0.52, 0.54, 0.60])
    assert spread.count == 4
    assert math.isclose(spread.mean, 0.54, rel_tol=1e-12)
    assert math.isclose(spread.std, math.sqrt(56e-4 / 3), rel_tol=1e-9)
    assert math.isclose(spread.se, math.sqrt(56e-4 / 3) / 2, rel_tol=1e-9)


def test_a_network_without_an_accuracy_is_left_out_and_one_value_has_no_spread():
    spread = Spread.of([0.3, math.nan, 0.5])
    assert (spread.count, round(spread.mean, 12), round(spread.std, 12)) == (2, 0.4, round(math.sqrt(0.02), 12))
    alone = Spread.of([0.7])
    assert alone.count == 1 and alone.mean == 0.7 and math.isnan(alone.std) and math.isnan(alone.se)

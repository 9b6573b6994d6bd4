"""Session 65 (science): two rules of the findings that noise, or an effect beyond the paper's margin, passed too
often, measured by feeding seed noise through the rules (tests/test_findings_calibration.py's draws) and through
findings.fine_tuning itself (networks built here, one a split seed):

- the general claim called a lowest layer truly 3 points below its base "general" in 11% / 9% / 2.5% of trials at
  2 / 3 / 8 seeds and a 2-point spread (12% / 10% / 8.5% at 3 points): it asked the mean within 2 points and two
  standard errors no wider. It now asks the mean within 2 points by at least two standard errors (an equivalence
  test): 3.4% / 1.1% / 0.06% at 2 points, at most 5.4% at any spread measured (docs/report.md);
- without BnB+, the fine-tuning claim held on AnB+ at their base, noise alone, in 85% / 91% / 96% of trials, as
  "about as well as training from scratch" (within 2 points, not resolved): no boost, the paper's claim, is shown
  there; it now holds only where AnB+ is resolved above the base (15% / 9% / 4.5% on noise, as Student's t says).

The few-draws note's Welch-Satterthwaite degrees of freedom are tested in tests/test_findings_few_draws.py."""

import numpy as np
import pytest

from minitransfer import findings
import test_findings_calibration as calibration
from test_findings import network


def lowest(points):
    """One random split per entry of ``points``: base B at 0.60 and A1B that many points from it."""
    return [r for seed, offset in enumerate(points) for r in (
        network(f"random{seed}/baseB", "base", "random", seed, 0.60),
        network(f"random{seed}/A1B", "transfer", "random", seed, 0.60 + offset / 100, source="A", n=1))]


def test_the_general_claim_asks_its_two_standard_errors_inside_two_points():
    # -1.0 ± 0.5: -1.0 - 2 × 0.5 is -2.0, inside: general; -1.0 ± 0.6 reaches -2.2: not shown (the rule before, the
    # mean within 2 points and two standard errors no wider, held it); on the boundary's either side, as the sides
    assert findings._general_side(-1.0, 0.5) == findings._general_side(1.0, 0.5) == "within"
    assert findings._general_side(-1.0, 0.51) == findings._general_side(1.0, 0.51) == "short"
    assert findings._general_side(-1.9, 0.0) == "within" and findings._general_side(-1.9, 0.06) == "short"
    held, short = findings.general(lowest((-1.5, -0.5))), findings.general(lowest((-1.6, -0.4)))
    assert (held.value, held.se) == (pytest.approx(-1.0), pytest.approx(0.5)) and held.holds, held.text
    assert (short.value, short.se) == (pytest.approx(-1.0), pytest.approx(0.6)) and not short.holds, short.text
    assert "-1.0 ± 0.6 points" in short.text and "not shown to be within 2 points of it" in short.text


def test_a_lowest_layer_3_points_below_its_base_is_seldom_general_at_a_wide_spread():
    """A lowest n truly 3 points below its base, seed spreads of 2 and 3 points, 2 and 3 split seeds: called general
    in 3.4% / 1.1% and 5.2% / 2.3% of 10,000 trials (the rule before: 11% / 9% and 12% / 10%)."""
    rates = [calibration.holds_rate("general", calibration.NOT_GENERAL, draws, sd, 800, seed=11)
             for sd in (2.0, 3.0) for draws in (2, 3)]
    assert max(rates) < 0.085, rates


def tuned(points, n=7):
    """One random split per entry of ``points``: base B at 0.60 and AnB+ at ``n`` that many points from it; no BnB+."""
    return [r for seed, offset in enumerate(points) for r in (
        network(f"random{seed}/baseB", "base", "random", seed, 0.60),
        network(f"random{seed}/A{n}B+", "transfer", "random", seed, 0.60 + offset / 100, source="A", n=n, tuned=True))]


@pytest.mark.parametrize("points, holds, says", [
    ((-0.5, 0.5), False, "within 2 points of it, not resolved from it: no boost shown."),  # 0.0 ± 0.5
    ((-1.5, -0.5), False, "within 2 points of it, not resolved from it: no boost shown."),  # -1.0 ± 0.5
    ((0.5, 1.5), False, "within 2 points of it, not resolved from it: no boost shown."),  # +1.0 ± 0.5: 2 se, not more
    # +1.5 ± 0.5: 3 standard errors, not the 6.31 of a one-sided 95% test of 2 split seeds (findings.boost_errors)
    ((1.0, 2.0), False, "within 2 points of it, not resolved from it: no boost shown."),
    ((3.0, 3.4), True, "do better than training from scratch; without BnB+"),  # +3.2 ± 0.2: 16 standard errors
], ids=["at-base", "below", "on-the-boundary", "beyond-two-errors", "resolved-above"])
def test_fine_tuning_without_bnb_plus_holds_only_resolved_above_its_base(points, holds, says):
    found = findings.fine_tuning(tuned(points))
    assert found.holds is holds and says in found.text, found.text
    assert "about as well as training from scratch" not in found.text


def test_fine_tuning_without_bnb_plus_seldom_holds_on_noise():
    """AnB+ at their base plus seed noise (one network and base per split seed, 3 seeds, spread 0.5 points) through
    findings.fine_tuning itself: it held in about 90% of trials (within 2 points, "about as well"); now as often as
    two standard errors of 2 degrees of freedom pass noise one-sided, 9.2%."""
    rng, trials = np.random.default_rng(12), 300
    held = sum(findings.fine_tuning(tuned(rng.normal(0, 0.5, 3))).holds for _ in range(trials))
    assert held / trials < 0.2, held

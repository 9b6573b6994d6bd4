"""The verdicts of the findings (:mod:`minitransfer.findings`) as functions of the figures they judge, in points:
its thresholds (:data:`CLOSE`, :data:`RESOLVED`, :data:`ROUNDING`), the primitives (:func:`_resolved`,
:func:`_precise`, :func:`_within`, :func:`_equivalent`) and each claim's side of them (:func:`_general_side`,
:func:`_specific_side`, :func:`_boost_side` with :func:`boost_errors`, :func:`_loses_side`). They take figures, not
networks, so that a finding prints its figures with the decimals that show the side of each threshold
(:func:`minitransfer.findings_figures.decimals`): the verdict read off the figures as printed is the verdict.

What each claim measures, and its sentence, stay in :mod:`minitransfer.findings` (which keeps the thresholds and
:func:`boost_errors` importable under its own name); fragile co-adaptation's rule, built of the same primitives, in
:mod:`minitransfer.findings_coadaptation`.
"""

import math

from minitransfer.findings_caveats import T_95

CLOSE = 2.0       # "about as good as the base": within 2 points
RESOLVED = 2.0    # a difference is resolved beyond this many standard errors
# Rounding of the arithmetic, in points: networks as good as their bases by the same margin give
# relative accuracies that differ by ~1e-15 (0.50 − 0.60 is not 0.40 − 0.50 in binary), which is no
# difference, and no measured accuracy (a count over a validation set) is closer than this to another.
ROUNDING = 1e-9


def _resolved(mean, se):
    """Whether ``mean`` is more than :data:`RESOLVED` standard errors ``se`` from zero, beyond the
    :data:`ROUNDING` of the arithmetic (identical networks give none)."""
    return not math.isnan(se) and abs(mean) > RESOLVED * se + ROUNDING


def _precise(se):
    """Whether a standard error ``se`` could tell a difference of :data:`CLOSE` points from none."""
    return not math.isnan(se) and RESOLVED * se <= CLOSE + ROUNDING


def _within(mean, se):
    """Whether ``mean`` lies within :data:`CLOSE` of zero, its standard error ``se`` :func:`_precise`."""
    return _precise(se) and abs(mean) <= CLOSE + ROUNDING


def _equivalent(mean, se):
    """Whether ``mean`` lies within :data:`CLOSE` of zero by :data:`RESOLVED` standard errors ``se`` or more: the
    interval of two standard errors either side inside ±CLOSE (an equivalence test, two one-sided tests of two
    standard errors each), so that a mean within CLOSE by chance alone, of a layer truly beyond it, is not taken to
    be within: docs/report.md, "How often a verdict is wrong"."""
    return not math.isnan(se) and abs(mean) + RESOLVED * se <= CLOSE + ROUNDING


def _general_side(mean, se):
    """"within" :data:`CLOSE` of the base (:func:`_equivalent`), "beyond" it by more than two standard errors,
    else "uncertain" (not :func:`_precise`) or "short" (precise, but not shown within)."""
    if _equivalent(mean, se):
        return "within"
    if abs(mean) - RESOLVED * se > CLOSE + ROUNDING:
        return "beyond"
    return "short" if _precise(se) else "uncertain"


def _specific_side(mean, se, seeds):
    """(holds, resolved) of transfers ``mean`` ± ``se`` points from the selffers, ``seeds`` the seed spread: they
    hold below by at least :data:`CLOSE` and by more than the seed spread, resolved."""
    resolved = _resolved(mean, se)
    return -mean >= CLOSE - ROUNDING and -mean > seeds + ROUNDING and resolved, resolved


def boost_errors(draws):
    """The standard errors a fine-tuned boost of ``draws`` draws (split seeds, replicates) must lie beyond to be
    resolved: the larger of :data:`RESOLVED`'s two and Student's t of a one-sided 95% test with ``draws`` − 1 degrees
    of freedom, :data:`minitransfer.findings_caveats.T_95` (6.31 at 2 draws, 2.92 at 3, 2.13 at 5, 2.02 at 6; under
    two from 7). The claim is of one side, a boost above, so noise alone passes it in 5% of trials (Student's t), not
    the 15% / 9% of two standard errors at 2 / 3 draws; a two-sided 95% interval (12.7 at 2 draws) passed it in 2.5%,
    stricter than a 95% test asks, and held the paper's boost less often (+1.6 points over BnB+ at a 0.5-point spread
    and 2 draws: 82% of trials, 99% now; docs/report.md, "How often a verdict is wrong")."""
    return T_95.get(draws - 1, RESOLVED)


def _boost_side(mean, se, draws):
    """A fine-tuned boost ``mean`` ± ``se`` of ``draws`` draws: "better" (resolved above, beyond
    :func:`boost_errors` standard errors), "worse" (resolved below), "within" :data:`CLOSE` (not resolved,
    :func:`_precise`), "alone" (no standard error), else "uncertain"."""
    if not math.isnan(se) and abs(mean) > boost_errors(draws) * se + ROUNDING:
        return "better" if mean > 0 else "worse"
    return ("within" if _within(mean, se) else "alone" if math.isnan(se) else
            "uncertain")


def _loses_side(mean, se, worse, better):
    """(holds, resolved, worse gained, better gained) of the difference ``mean`` ± ``se`` of two groups, ``worse``
    and ``better`` points relative to their bases: it holds where resolved below zero."""
    resolved = _resolved(mean, se)
    return mean < 0 and resolved, resolved, worse > ROUNDING, better > ROUNDING

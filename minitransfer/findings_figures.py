"""How a finding (:mod:`minitransfer.findings`) prints its figures, in percentage points: with one decimal, or,
where the figures so rounded would read as on the other side of a threshold its verdict compares them with
(:data:`minitransfer.findings.CLOSE`, two standard errors, the seed spread), with as many more as show the side
(:func:`decimals`): a mean of -2.04 ± 0.00 is "more than 2 points" from its base, where "-2.0 ± 0.0" would read as
within them. A zero prints as "+0.0" (or "0.0"), never "-0.0"."""

import math

# The most decimals a figure is printed with: the verdicts treat figures closer than
# findings.ROUNDING (1e-9) to a threshold as on it, so a figure beyond it shows its side at 12.
MOST_DECIMALS = 12
# The two networks of one draw that share its split and bases: a seed's transfers both ways, or its selffers on both
# halves (AnA, which the paper's footnote 3 counts as BnB)
TRANSFERS, SELFFERS = "AnB and BnA", "AnA and BnB"


def decimals(side, *values):
    """The fewest decimals, 1 to :data:`MOST_DECIMALS`, at which ``values`` (points; NaN where there is none) as
    printed give ``side`` (the finding's verdict as a function of those figures) what the values themselves give."""
    truth = side(*values)
    for places in range(1, MOST_DECIMALS):
        if side(*(shown(value, places) for value in values)) == truth:
            return places
    return MOST_DECIMALS


def shown(value, places):
    """``value`` as a reader reads it printed with ``places`` decimals (NaN stays NaN)."""
    return float(f"{value:.{places}f}")


def signed(value, places=1):
    """"+1.3", "-0.4"; "+0.0" for a value that rounds to zero, of either sign (Python 3.10 has no "z" format)."""
    return f"{value if shown(value, places) else 0.0:+.{places}f}"


def plus_minus(se, places=1):
    """" ± 0.9" (points), or nothing where there is no standard error."""
    return "" if math.isnan(se) else f" ± {se:.{places}f}"


def signed_plus_minus(value, se, places=1):
    """"+0.2 ± 0.4": a mean relative to a base with its standard error."""
    return f"{signed(value, places)}{plus_minus(se, places)}"


def more(mean, se, gained=False, mixed=False, places=1):
    """A loss ``mean`` ± ``se`` relative to another: "3.1 ± 0.9 points more" (or "less"); a gain, ``gained``, the
    other way; a gain against a loss, ``mixed``, "13.1 ± 0.9 points better" (or "worse")."""
    larger = (mean > 0) if gained or mixed else (mean < 0)
    words = ("better", "worse") if mixed else ("more", "less")
    return f"{abs(mean):.{places}f}{plus_minus(se, places)} points {words[0] if larger else words[1]}"


def below(mean, se, places=1):
    """"2.6 ± 0.9 points below" (or "above")."""
    side = "below" if mean < 0 else "above"
    return f"{abs(mean):.{places}f}{plus_minus(se, places)} points {side}"


def networks_said(count):
    """"1 network", "3 networks"."""
    return "1 network" if count == 1 else f"{count} networks"


def bases_said(*spreads, pair=TRANSFERS):
    """What ``spreads`` (:class:`minitransfer.findings_groups.OverBases`) took their standard errors over, where it is
    not one network each: " of 5 split seeds; ± over the seeds: a seed's AnB and BnA share its split and bases" where
    some draw holds networks against both its bases (:func:`minitransfer.findings_groups.by_draw`; ``pair`` names its
    two networks: :data:`SELFFERS` for selffers; a tuple, one a spread, where they differ); else " against 2 bases"
    (" against 1 + 3 bases") where some base has several networks; else ""."""
    if any(s.draws < s.bases for s in spreads):
        return _draws_said(spreads, pair)
    counts = " + ".join(str(spread.bases) for spread in spreads)
    return "" if all(s.bases == s.count for s in spreads) else f" against {counts} base{'s' * (counts != '1')}"


def draw_words(split, count=1):
    """"split seed(s)" of a random split (the seed draws the split and its bases), else "replicate(s)"."""
    return ("split seed" if split == "random" else "replicate") + "s" * (count != 1)


def _draws_said(spreads, pair):
    words = {draw_words(s.split, 2) for s in spreads}
    units = (" + ".join(str(s.draws) for s in spreads) + " "  # plural unless one draw alone: "3 + 1 split seeds"
             + draw_words(spreads[0].split, sum(s.draws for s in spreads))
             if len(words) == 1 else " + ".join(f"{s.draws} {draw_words(s.split, s.draws)}" for s in spreads))
    shared = {s.split == "random" for s in spreads if s.draws < s.bases}
    one = "seed" if shared == {True} else "replicate" if shared == {False} else "seed's or replicate"
    over = ("the seeds" if shared == {True} else "the replicates") if len(spreads) == 1 else "them"
    what = "split and bases" if shared == {True} else "bases"
    if any(math.isnan(s.se) for s in spreads):  # no ± printed: the verdict says why (one_draw_said)
        return f" of {units}"
    pairs = (pair,) * len(spreads) if isinstance(pair, str) else pair
    named = list(dict.fromkeys(p for s, p in zip(spreads, pairs) if s.draws < s.bases))  # those that share a draw
    return f" of {units}; ± over {over}: a {one}'s {', and its '.join(named)}{',' * (len(named) > 1)} share its {what}"


def one_draw_said(spread, pair=TRANSFERS):
    """Why ``spread`` (:class:`minitransfer.findings_groups.OverBases`) has no standard error where it has
    networks enough: "one base gives no standard error (the networks measured against it share its luck)", or
    of one split seed (replicate) with networks against both its bases, "one split seed gives no standard error
    (its AnB and BnA share its split and bases)" (``pair``: as :func:`bases_said`'s)."""
    if spread.draws >= spread.bases:
        return "one base gives no standard error (the networks measured against it share its luck)"
    shared = "split and bases" if spread.split == "random" else "bases"
    return f"one {draw_words(spread.split)} gives no standard error (its {pair} share its {shared})"

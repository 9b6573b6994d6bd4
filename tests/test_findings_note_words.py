"""The few-draws note (minitransfer.findings_caveats.few_draws), read as a reader reads a finding's line: short, every
fact kept (the draws and what they are, the degrees of freedom, Student's t against the verdict's two standard
errors, what trains more), and its advice said once a line: where the verdict is "not resolved ...: train more
networks per point: more random splits (...)", the note no longer repeats it. Its words for 2, 3 and 7 draws are
typed here in full; t from a printed table (tests/test_findings_few_draws.py checks it against the t density)."""

import pytest

from minitransfer import findings, findings_coadaptation
from minitransfer.findings_caveats import advising, few_draws
from minitransfer.findings_groups import OverBases
from test_findings import network

RANDOM = "more random splits (experiment --split-seed, once per split)"
NATURAL = "more replicates of the natural split (experiment --replicates)"
ADVISED = f"train more networks per point: {RANDOM}"
# the note after a verdict that already advised more random splits: on three split seeds
THREE_AFTER_ADVICE = (" Careful: 3 split seeds give its ± 2 degrees of freedom, so a 95% interval is ± 4.3 standard "
                      "errors, not the verdict's two.")
# The fine-tuning claim's verdict asks a one-sided 95% test itself (findings.boost_errors): t at 95% of 2 degrees
THREE_ASKED_AFTER_ADVICE = (" Careful: 3 split seeds give its ± 2 degrees of freedom, so a 95% interval is ± 4.3 "
                            "standard errors, and its verdict asks 2.92 (one-sided 95%), not two.")


def group(draws, split="random"):
    return OverBases(mean=-3.0, se=0.5, count=draws, bases=draws, draws=draws, split=split)


# -- the short words, typed -------------------------------------------------------------------------------------------

def test_two_split_seeds_say_one_degree_of_freedom_and_t_of_12_7():
    assert few_draws(group(2)) == (" Careful: 2 split seeds give its ± 1 degree of freedom, so a 95% interval is "
                                   "± 12.7 standard errors, not the verdict's two: more random splits (experiment "
                                   "--split-seed, once per split).")


def test_three_split_seeds_say_two_degrees_of_freedom_and_t_of_4_3():
    assert few_draws(group(3)) == (" Careful: 3 split seeds give its ± 2 degrees of freedom, so a 95% interval is "
                                   "± 4.3 standard errors, not the verdict's two: more random splits (experiment "
                                   "--split-seed, once per split).")


def test_seven_split_seeds_say_six_degrees_of_freedom_and_t_of_2_45():
    assert few_draws(group(7)) == (" Careful: 7 split seeds give its ± 6 degrees of freedom, so a 95% interval is "
                                   "± 2.45 standard errors, not the verdict's two: more random splits (experiment "
                                   "--split-seed, once per split).")


def test_three_replicates_of_two_splits_name_both_and_advise_both():
    # two splits, each of its own bases, equal standard errors: Welch-Satterthwaite's (2 se²)² / (2 se⁴ / 2) = 4
    assert few_draws(group(3, "natural"), group(3)) == (
        " Careful: 3 replicates + 3 split seeds give its ± 4 degrees of freedom (Welch-Satterthwaite), so a 95% "
        "interval is ± 2.78 standard errors, not the verdict's two: more replicates of the natural split (experiment "
        "--replicates) and more random splits (experiment --split-seed, once per split).")


# -- the advice said once a line ----------------------------------------------------------------------------------

def test_a_verdict_that_advised_is_not_advised_again():
    verdict = advising("not resolved by these runs", "random")
    assert verdict == f"not resolved by these runs: {ADVISED}"
    assert few_draws(group(3), said=verdict) == THREE_AFTER_ADVICE
    # advice the verdict did not give is still given: the natural split's, beside the random split's it gave
    assert few_draws(group(3, "natural"), group(3), said=verdict) == (
        " Careful: 3 replicates + 3 split seeds give its ± 4 degrees of freedom (Welch-Satterthwaite), so a 95% "
        f"interval is ± 2.78 standard errors, not the verdict's two: {NATURAL}.")


def base_and(name, kind, seed, points, n, tuned=False, source="A"):
    """Split seed ``seed``'s base B at 0.60 and, by it, ``name`` ``points`` relative to it."""
    return [network(f"random{seed}/baseB", "base", "random", seed, 0.60),
            network(f"random{seed}/{name}", kind, "random", seed, 0.60 + points / 100, source=source, n=n,
                    tuned=tuned)]


WIDE = (-5.0, 0.0, 5.0)  # three split seeds: mean 0 ± 2.9 points, too uncertain to tell 2 points from none


def general_wide():
    return findings.general([r for seed, p in enumerate(WIDE) for r in base_and("A1B", "transfer", seed, p, 1)])


def fine_tuning_wide():
    return findings.fine_tuning([r for seed, p in enumerate(WIDE)
                                 for r in base_and("A7B+", "transfer", seed, p, 7, tuned=True)])


def fine_tuning_against_selffers_wide():
    results = []
    for seed, p in enumerate(WIDE):
        results += base_and("A7B+", "transfer", seed, p, 7, tuned=True)
        results.append(network(f"random{seed}/B7B+", "selffer", "random", seed, 0.60, source="B", n=7, tuned=True))
    return findings.fine_tuning(results)


def coadaptation_wide():
    return findings_coadaptation.coadaptation([r for seed, p in enumerate(WIDE)
                                               for r in base_and("B4B", "selffer", seed, p, 4, source="B")])


@pytest.mark.parametrize("measured, verdict, note", [
    (general_wide, f"not resolved: too uncertain to tell a difference of 2 points from none: {ADVISED}.",
     THREE_AFTER_ADVICE),
    (fine_tuning_wide, f"not resolved: too uncertain to tell a difference of 2 points from none: {ADVISED}.",
     THREE_ASKED_AFTER_ADVICE),
    (fine_tuning_against_selffers_wide, f"not resolved: the boost cannot be told from the longer training: {ADVISED}.",
     THREE_ASKED_AFTER_ADVICE),
    (coadaptation_wide, f"not resolved by these runs: {ADVISED}.", THREE_AFTER_ADVICE),
], ids=["general", "fine-tuning", "fine-tuning-against-BnB+", "co-adaptation"])
def test_a_not_resolved_verdict_gives_the_advice_once_and_the_note_the_rest(measured, verdict, note):
    finding = measured()
    assert finding.text.count(RANDOM) == 1, finding.text
    assert finding.text.endswith(verdict + note), finding.text


def test_a_verdict_without_advice_keeps_the_notes():
    # the specific claim's difference within the noise: "not resolved by these runs", no advice: the note gives it
    results = []
    for seed, (transfer, selffer) in enumerate(((-5.0, 0.0), (0.0, 0.0), (5.0, 0.0))):
        results += base_and("A7B", "transfer", seed, transfer, 7)
        results.append(network(f"random{seed}/B7B", "selffer", "random", seed, 0.60 + selffer / 100, source="B", n=7))
    finding = findings.specific(results)
    assert ": not resolved by these runs. " in finding.text and finding.text.count(RANDOM) == 1, finding.text
    assert finding.text.endswith(f"not the verdict's two: {RANDOM}."), finding.text

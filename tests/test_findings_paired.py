"""A difference of two groups measured on the same draws is paired (minitransfer/findings_groups.py): its standard
error is over the draws of each draw's difference, of the draws both groups have; groups that share no draw keep the
independent sqrt(se1² + se2²) with Welch-Satterthwaite's degrees of freedom. Every expected figure below is worked by
hand from the made-up accuracies (points relative to each seed's own base, baseB at 0.60), where the paired and the
independent standard errors differ several times over, as a seed's luck shared by its AnB and BnB makes them."""

import pytest

from minitransfer import findings
from minitransfer.experiment import Run
from minitransfer.findings_caveats import T_95, T_975
from minitransfer.results import Result

BASE = 0.60


def network(name, kind, seed, accuracy, source=None, n=0):
    return Result(Run(name, kind, "random", seed, target="B", source=source, n=n), accuracy, accuracy, accuracy, 20)


def grid(transfers, selffers):
    """baseB at 0.60 on every seed named; AnB and BnB at n=7 at the points given ({seed: points relative})."""
    results = [network(f"random{seed}/baseB", "base", seed, BASE) for seed in sorted({*transfers, *selffers})]
    results += [network(f"random{seed}/A7B", "transfer", seed, BASE + points / 100, "A", 7)
                for seed, points in transfers.items()]
    results += [network(f"random{seed}/B7B", "selffer", seed, BASE + points / 100, "B", 7)
                for seed, points in selffers.items()]
    return results


def test_a_seeds_shared_luck_cancels_in_the_paired_difference():
    """AnB -3, -13, -8 and BnB +4, -5, 0 on seeds 0-2: each seed's AnB − BnB is -7, -8, -8 (mean -7.667, s.d.
    0.577, s.e. 0.577/√3 = 0.333). As if independent: AnB's s.e. 5/√3 = 2.887, BnB's (s.d. 4.509) 2.603, together
    sqrt(2.887² + 2.603²) = 3.887, so that 7.667 was within two of them (7.774): not resolved. Paired, it is 23 of
    them, and more than the seed spread (AnB's s.d., 5.0): the top layers are specific."""
    found = findings.specific(grid({0: -3, 1: -13, 2: -8}, {0: 4, 1: -5, 2: 0}))
    assert found.value == pytest.approx(-7.6667, abs=1e-4)
    assert found.se == pytest.approx(0.3333, abs=1e-4)
    assert found.holds and found.networks == 6
    assert found.text.startswith("At n=7, AnB is 7.7 ± 0.3 points below BnB (seed spread 5.0 points; 3 + 3 "
                                 "networks): the top layers are specific to their task."), found.text


def test_draws_only_one_group_has_are_left_out_of_the_paired_difference():
    """AnB on seeds 0-2, BnB on 0 and 1 only: compared on seeds 0 and 1 (-3 − 4 = -7, -13 − (-5) = -8: mean -7.5,
    s.d. 0.707, s.e. 0.5), seed 2's AnB left out and said so; one degree of freedom (t 12.71)."""
    found = findings.specific(grid({0: -3, 1: -13, 2: -8}, {0: 4, 1: -5}))
    assert (found.value, found.se, found.networks) == pytest.approx((-7.5, 0.5, 4))
    assert "(seed spread 7.1 points; 2 + 2 networks; 1 AnB of split seeds without BnB left out)" in found.text, \
        found.text
    assert "2 split seeds give its ± 1 degree of freedom, so a 95% interval is ± 12.7 standard errors" in found.text
    assert [r.run.name for r in found.used] == ["random0/A7B", "random1/A7B", "random0/B7B", "random1/B7B"]


def test_groups_that_share_no_draw_stay_independent_with_welch_degrees():
    """AnB on seeds 0-2 (-3, -13, -8: mean -8, s.e. 2.887), BnB on seeds 3-5 (+4, -5, 0: mean -0.333, s.e.
    2.603): no draw in common, so sqrt(2.887² + 2.603²) = 3.887, and Welch-Satterthwaite's degrees:
    (8.333 + 6.778)² / (8.333²/2 + 6.778²/2) = 228.35 / 57.69 = 3.96, read as 3 (t 3.18)."""
    found = findings.specific(grid({0: -3, 1: -13, 2: -8}, {3: 4, 4: -5, 5: 0}))
    assert (found.value, found.se, found.networks) == pytest.approx((-7.6667, 3.8873, 6), abs=1e-4)
    assert "3 + 3 split seeds give its ± 3 degrees of freedom (Welch-Satterthwaite), so a 95% interval is ± 3.18 " \
           "standard errors" in found.text, found.text


def test_the_t_tables_are_students_quantiles_to_two_decimals():
    """Student's t at 97.5% and at 95% by degrees of freedom, as any statistics table gives them (to three
    decimals: 12.706, 4.303, 3.182, 2.776, 2.571, 2.447; 6.314, 2.920, 2.353, 2.132, 2.015)."""
    two_sided = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447)
    one_sided = (6.314, 2.920, 2.353, 2.132, 2.015)
    assert T_975 == {degrees: round(t + 1e-9, 2) for degrees, t in enumerate(two_sided, 1)}
    assert T_95 == {degrees: round(t + 1e-9, 2) for degrees, t in enumerate(one_sided, 1)}

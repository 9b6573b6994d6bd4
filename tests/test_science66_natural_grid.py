"""A grid with the natural split (natural, natural-1, natural-2: three replicates, both directions at n=1 and 7) beside
three random splits and the random-weights control, its runs finished by hand (tests/fake_results.py) with known
accuracies, read by the report as a grid is (report.write_report): the findings that cite the natural split measure
its networks, against their own bases, and those of the random split do not take its AnB for theirs. The science
end-to-end test (tests/test_science.py) trains one random split beside a natural one of one replicate; its
assertions are of accuracies, not of findings.md. Every oracle is worked out here with NumPy from the tables below."""

import json

import numpy as np
import pytest

from minitransfer import experiment as grid, report
from fake_results import finished_result

SEEDS = (0, 1, 2)
# Bases (fractions) by split and replicate / seed; every other network, points relative to the base it is measured
# against (AnB, A7B against baseB; BnA, B7A against baseA; random7 against the all-class base)
BASES = {"random": lambda s: {"A": 0.62 + 0.002 * s, "B": 0.60 + 0.002 * s},
         "natural": lambda r: {"A": 0.64 + 0.003 * r, "B": 0.58 + 0.003 * r},
         "all": lambda r: {None: 0.70 + 0.002 * r}}
RELATIVE = {("random", "B1B"): lambda s: 0.1 * (s - 1), ("random", "A1B"): lambda s: 0.2 * (s - 1),
            ("random", "B7B"): lambda s: 0.3 * (s - 1), ("random", "A7B"): lambda s: -8.0 + 0.5 * (s - 1),
            ("natural", "A1B"): lambda r: 0.2 + 0.1 * r, ("natural", "B1A"): lambda r: -0.2 + 0.1 * r,
            ("natural", "A7B"): lambda r: -26.0 + 0.5 * r, ("natural", "B7A"): lambda r: -24.0 + 0.5 * r,
            ("all", "random7"): lambda r: -56.0 + 1.0 * r}
NATURAL = " On the natural split, half A is the natural classes and half B the man-made ones"


def accuracy(run):
    base = BASES[run.split](run.split_seed)[run.target]
    leaf = run.name.split("/")[-1]
    return base if run.kind == "base" else base + RELATIVE[run.split, leaf](run.split_seed) / 100


def finished(out, runs):
    """The grid folder ``out`` of ``runs``, each finished by hand at :func:`accuracy`."""
    for run in runs:
        folder = grid.run_dir(out, run)
        folder.mkdir(parents=True)
        grid.weights_path(out, run.name).write_text("weights")
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        (folder / "result.json").write_text(json.dumps(finished_result(top1=accuracy(run))))
    return out


def group(split, leaves, draws=SEEDS):
    """Mean and standard error (points) of ``leaves``' networks over the draws: each draw's mean, their spread."""
    per_draw = np.array([[RELATIVE[split, leaf](draw) for leaf in leaves] for draw in draws]).mean(axis=1)
    values = np.array([RELATIVE[split, leaf](draw) for draw in draws for leaf in leaves])
    return values.mean(), per_draw.std(ddof=1) / np.sqrt(len(draws))


def claims(tmp_path, runs):
    written = report.write_report(finished(tmp_path / "grid", runs), tmp_path / "report", figures=False)
    text = (tmp_path / "report" / "findings.md").read_text(encoding="utf-8")
    return {f.claim: f for f in written.findings}, text


@pytest.fixture
def natural_grid(tmp_path):
    runs = grid.plan_grid(random_seeds=SEEDS, natural=True, replicates=3, layers=(1, 7), fine_tuned=False,
                          random_frozen=(7,))
    assert sum(r.split == "natural" for r in runs) == 18 and {r.split for r in runs} == {"random", "natural", "all"}
    return claims(tmp_path, runs)


def test_the_dissimilar_claims_measure_the_natural_split_against_its_own_bases(natural_grid):
    found, text = natural_grid
    natural, natural_se = group("natural", ("A7B", "B7A"))
    random, random_se = group("random", ("A7B",))
    dissimilar = found["dissimilar"]
    assert dissimilar.holds and dissimilar.value == pytest.approx(natural - random)
    assert dissimilar.se == pytest.approx(np.hypot(natural_se, random_se))
    assert dissimilar.text.startswith(
        f"At n=7, the natural / man-made transfer loses {random - natural:.1f} ± "
        f"{np.hypot(natural_se, random_se):.1f} points more than a random split's (natural {natural:+.1f}, random "
        f"{random:+.1f} points relative to their bases; 6 + 3 networks of 3 replicates + 3 split seeds"), \
        dissimilar.text
    frozen, frozen_se = group("all", ("random7",))
    distant = found["random-weights-dissimilar"]
    assert distant.holds and distant.value == pytest.approx(frozen - natural)
    assert distant.se == pytest.approx(np.hypot(frozen_se, natural_se))
    assert found["random-weights"].holds and found["random-weights"].value == pytest.approx(frozen - random)
    # which half is which family: said once, with the first finding that measured the natural split
    assert text.count(NATURAL) == 1 and NATURAL in dissimilar.text, text


def test_the_random_split_claims_leave_the_natural_splits_transfers_out(natural_grid):
    found, _ = natural_grid
    low, low_se = group("random", ("A1B",))
    general = found["general"]
    assert general.holds and general.networks == 3 and {r.run.split for r in general.used} == {"random"}
    assert (general.value, general.se) == (pytest.approx(low), pytest.approx(low_se))
    specific = found["specific"]
    assert specific.holds and {r.run.split for r in specific.used} == {"random"} and specific.networks == 6
    assert specific.value == pytest.approx(group("random", ("A7B",))[0] - group("random", ("B7B",))[0])


def test_a_natural_split_alone_says_what_it_cannot_measure(tmp_path):
    """The natural split and the random-weights control, no random split: the claims that need one say so, and the
    one that needs the natural split alone (random weights against a dissimilar task) is measured."""
    runs = grid.plan_grid(random_seeds=(), natural=True, replicates=3, layers=(1, 7), fine_tuned=False,
                          random_frozen=(7,))
    found, text = claims(tmp_path, runs)
    assert found["general"].text == "general features: not measured (no random-split AnB runs with their bases)"
    assert found["specific"].text.startswith("specific features: not measured")
    assert found["dissimilar"].text == ("dissimilar tasks: not measured (no natural-split and random-split AnB at a "
                                        "common n)")
    # the natural split's AnB are not the random split's, which random frozen layers are compared with
    assert found["random-weights"].text == ("random weights: not measured (no random-frozen and random-split AnB runs "
                                            "at a common n)")
    distant = found["random-weights-dissimilar"]
    frozen, natural = group("all", ("random7",))[0], group("natural", ("A7B", "B7A"))[0]
    assert distant.holds and distant.value == pytest.approx(frozen - natural)
    assert text.count(NATURAL) == 1, text

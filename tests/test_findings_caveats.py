"""What findings.md says besides the claims' numbers, as a researcher's small own-data grid showed it
wrong: advice for a claim not resolved that names the option of the runs it compares (it named
--split-seed and --replicates to every claim), the five claims within one dataset said once of a
folder of transfers across datasets (five "not measured" lines), a caveat where the validation sets
are so small that which images were drawn moves an accuracy by what the findings tell apart, and a
warning for a run whose "mean of the 10 best" is the mean of every one of its 10 evaluations, the
first included. Hand-built results with known answers (tests/test_findings.py's)."""

import dataclasses
import math

import pytest

from minitransfer import findings, report, run_caveats
from minitransfer.data import synthetic
from minitransfer.data.dataset import open_dataset
from minitransfer.experiment import Run
from minitransfer.results import Result
from test_findings import cross_grid, network, random_grid
from test_report import write_run

SPLIT_SEED = "experiment --split-seed"
REPLICATES = "experiment --replicates"
# chance 25%: 3·sqrt(0.25·0.75/200), to 34.2%
BAND_200 = "counted as chance up to 9.2 points above it on 200 validation images"
BAND_40 = "counted as chance up to 20.5 points above it on 40 validation images"  # 3·sqrt(0.25·0.75/40), to 45.5%


def one_random_split():
    """random_grid's split 0 alone: every claim on one network a point (no standard error)."""
    return [r for r in random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59)) if r.run.split_seed == 0]


def natural_and_controls(natural, random_frozen):
    """Three random splits, with ``natural`` natural-split replicates (AnB at n=7 and its base) and
    ``random_frozen`` replicates of random frozen layers at n=7 on every class (and their base)."""
    results = random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59))
    for replicate in range(natural):
        results += [network(f"natural-{replicate}/baseB", "base", "natural", replicate, 0.55),
                    network(f"natural-{replicate}/A7B", "transfer", "natural", replicate, 0.35, source="A", n=7)]
    for replicate in range(random_frozen):
        results += [network(f"all-{replicate}/base", "base", "all", replicate, 0.58, target=None),
                    network(f"all-{replicate}/random7", "random-frozen", "all", replicate, 0.20, target=None, n=7)]
    return results


def one_replicate_across_datasets():
    return cross_grid(top_transfer=(0.40,), top_selffer=(0.58,)) + [
        network("cross/S5T+", "transfer", "cross", 0, 0.62, target="T", source="S", n=5, tuned=True)]


# (claim, the results, the advice it should give, the advice it should not)
TOO_FEW = {
    "general": (one_random_split, SPLIT_SEED, REPLICATES),
    "specific": (one_random_split, SPLIT_SEED, REPLICATES),
    "fine-tuning": (one_random_split, SPLIT_SEED, REPLICATES),
    "dissimilar": (lambda: natural_and_controls(natural=1, random_frozen=3), "more replicates of the natural split "
                   "(experiment --replicates)", SPLIT_SEED),
    "random-weights": (lambda: natural_and_controls(natural=3, random_frozen=1), "more replicates of the runs on "
                       "every class (experiment --replicates)", SPLIT_SEED),
    "general-across-datasets": (one_replicate_across_datasets, REPLICATES, SPLIT_SEED),
    "specific-across-datasets": (one_replicate_across_datasets, REPLICATES, SPLIT_SEED),
    "fine-tuning-across-datasets": (one_replicate_across_datasets, REPLICATES, SPLIT_SEED),
}


@pytest.mark.parametrize("claim", TOO_FEW)
def test_a_claim_on_too_few_networks_names_the_option_that_trains_more_of_them(claim):
    """A random split's networks come from more split seeds, every other group's from --replicates
    (which experiment refuses for a random split): a claim across datasets said "--split-seed for
    random splits, --replicates for others"."""
    results, told, not_told = TOO_FEW[claim]
    found = {f.claim: f for f in findings.findings(results())}[claim]
    assert not found.holds and "not resolved" in found.text and "train more networks per point" in found.text
    assert told in found.text and not_told not in found.text, found.text


def test_a_difference_of_two_groups_both_too_small_names_both_options():
    results = [r for r in natural_and_controls(natural=1, random_frozen=0) if r.run.split_seed == 0]
    text = {f.claim: f for f in findings.findings(results)}["dissimilar"].text
    assert "(1 + 1; at least 2 per group): train more networks per point: more replicates of the natural split " \
           "(experiment --replicates) and more random splits (experiment --split-seed, once per split)." in text


def test_a_folder_of_transfers_across_datasets_only_says_the_five_claims_are_not_measured_once():
    results = cross_grid(top_transfer=(0.40, 0.41, 0.39), top_selffer=(0.58, 0.59, 0.57))
    measured = findings.findings(results)
    assert [f.claim for f in measured] == ["within-dataset", "general-across-datasets", "specific-across-datasets",
                                           "co-adaptation-across-datasets", "fine-tuning-across-datasets"]  # T5T
    within = measured[0]
    assert not within.holds and within.networks == 0 and math.isnan(within.value)
    assert "the runs here are a study across datasets alone, with no split of one dataset into halves" in within.text
    assert "experiment --split random" in within.text
    # controls on every class beside them measure none of the five either (random weights: against AnB); the
    # sentence said "transfers across datasets only" of them too
    for controls in ([network("all/base", "base", "all", 0, 0.58, target=None),
                      network("all/random7", "random-frozen", "all", 0, 0.20, target=None, n=7)],
                     [network("all/base", "base", "all", 0, 0.58, target=None)]):
        beside = findings.findings(results + controls)[0]
        assert beside.claim == "within-dataset" and not beside.holds and beside.networks == 0
        assert "the runs here are a study across datasets and runs on every class of one dataset, with no split of " \
               "one dataset into halves" in beside.text and " alone" not in beside.text, beside.text
    # one random split beside them: the five, each measured or saying what it lacks
    beside = findings.findings(results + [network("random0/baseB", "base", "random", 0, 0.60)])
    assert [f.claim for f in beside][:5] == ["general", "specific", "fine-tuning", "dissimilar", "random-weights"]


def test_findings_md_of_a_cross_dataset_grid_has_one_line_for_the_five_claims(tmp_path):
    for r in cross_grid(top_transfer=(0.40, 0.41, 0.39), top_selffer=(0.58, 0.59, 0.57)):
        write_run(tmp_path / "grid", r.run, r.mean10_top1)
    written = report.write_report(tmp_path / "grid", tmp_path / "r", figures=False)
    lines = written.files["findings.md"].read_text().splitlines()
    claims = [line for line in lines if line.startswith(("- holds: ", "- not shown: "))]
    assert len(claims) == len(written.findings) == 5  # a line a claim, as the records have them (T5T: co-adaptation)
    assert not [line for line in lines if "random-split" in line or "natural-split" in line], lines
    assert claims[0] == ("- not shown: the paper's five claims within one dataset (general and specific features, "
                         "fine-tuned transfer, dissimilar tasks, random weights): not measured: the runs here are a "
                         "study across datasets alone, with no split of one dataset into halves, which the five need "
                         "(experiment --split random, and --split natural for dissimilar tasks)")


@pytest.mark.parametrize("evaluations, flagged", [(9, True), (10, True), (11, False)])
def test_a_run_whose_mean_of_10_best_takes_its_first_evaluation_is_flagged(evaluations, flagged):
    """With 10 evaluations the mean of the 10 best is the mean of all, the first (after eval_every
    iterations, barely trained) included: it was flagged only below 10."""
    run = dataclasses.replace(network("random0/baseB", "base", "random", 0, 0.6), evaluations=evaluations)
    warned = [text for text in run_caveats.warnings([run]) if "random0/baseB" in text]
    assert bool(warned) == flagged
    if flagged:
        assert warned[0].startswith(f"10 evaluations or fewer (1): random0/baseB ({evaluations}); their accuracy is "
                                    "the mean of all of them, the first (early in training) included")


@pytest.fixture(scope="module")
def two_classes(tmp_path_factory):
    """Two classes (one natural, one man-made) of 100 validation images each: a half holds 100."""
    path = tmp_path_factory.mktemp("data") / "two-classes"
    return synthetic.build_synthetic(path, classes=2, train_per_class=1, val_per_class=100, size=4, seed=1)


def scored_on(dataset, accuracy, split="random", fingerprint=None):
    """A base and an AnB of ``split`` (half B; every class for "all"), at ``accuracy``, as report reads
    runs trained on ``dataset`` (their config.json's data, the fingerprint train recorded)."""
    target = None if split == "all" else "B"
    kinds = (("base", 0), ("random-frozen", 1)) if split == "all" else (("base", 0), ("transfer", 1))
    return [Result(Run(f"{split}0/{kind}{n}", kind, split, 0, target=target, source=target and "A", n=n),
                   accuracy, accuracy, accuracy, 20, dataset=str(dataset.path),
                   fingerprint=dataset.fingerprint if fingerprint is None else fingerprint) for kind, n in kinds]


def test_runs_scored_on_few_validation_images_are_a_caveat(synthetic_8, tmp_path):
    """synthetic_8: 8 classes of 10 validation images, a random half 40: an accuracy of 0.5 on them
    has a standard error of sqrt(0.25/40) = 7.9 points, which no finding's standard error counts."""
    results = scored_on(open_dataset(synthetic_8), 0.5)
    [caveat] = run_caveats.small_validation(results)
    se = 100 * math.sqrt(0.5 * 0.5 / 40)
    assert caveat.startswith(f"small validation sets (2): random0/base0, random0/transfer1; the smallest (random split "
                             f"0, half B) holds 40 images: one image is 2.5 points, alone more than the 2 the findings "
                             f"call about as good, and an accuracy of 50% on them has a standard error of {se:.1f} "
                             f"points from which images were drawn alone"), caveat
    assert caveat in run_caveats.warnings(results)
    moved = tmp_path / "moved"  # the dataset moved, or prepared again since: nothing said
    assert run_caveats.small_validation([dataclasses.replace(r, dataset=str(moved)) for r in results]) == []
    assert run_caveats.small_validation(scored_on(open_dataset(synthetic_8), 0.5, fingerprint="0" * 64)) == []


def test_the_caveat_comes_where_one_image_moves_an_accuracy_by_a_point_or_more(two_classes):
    """1 point, half the 2 points the findings call "about as good", whatever the accuracy: a half's
    100 images are flagged (at 0.5 and at 0.99), both halves' 200 (every class) are not."""
    assert run_caveats.small_validation(scored_on(two_classes, 0.5, split="all")) == []
    [caveat] = run_caveats.small_validation(scored_on(two_classes, 0.5))
    assert "holds 100 images: one image is 1.0 points" in caveat and "standard error of 5.0 points" in caveat
    assert run_caveats.small_validation(scored_on(two_classes, 0.99))
    [natural] = run_caveats.small_validation(scored_on(two_classes, 0.5, split="natural"))
    assert "the smallest (the natural split, half B) holds 100 images" in natural


@pytest.mark.parametrize("accuracy, other_way", [(1.0, "error"), (0.0, "right")], ids=["all-right", "all-wrong"])
def test_an_accuracy_of_0_or_100_percent_is_not_said_to_have_no_standard_error(synthetic_8, accuracy, other_way):
    """"100% on them has a standard error of 0.0 points" read as certainty, beside bases that cannot be told
    from chance: the binomial standard error is 0 at 0% and 100% whatever the images; one image the other
    way in 40 has sqrt(1/40 · 39/40 / 40) = 2.5 points."""
    [caveat] = run_caveats.small_validation(scored_on(open_dataset(synthetic_8), accuracy))
    one_off = 100 * math.sqrt(1 / 40 * 39 / 40 / 40)
    assert f"an accuracy of {accuracy:.0%} on them is no certainty: its standard error from which images were drawn " \
           f"is 0 at 0% and 100% alone, and one image the other way (1 {other_way} in 40) has one of {one_off:.1f} " \
           f"points; " in caveat, caveat
    assert "standard error of 0.0" not in caveat


@pytest.fixture(scope="module")
def many_val(tmp_path_factory):
    """8 classes of 50 validation images (a random half: 4 classes, 200 images, chance 25%, three
    binomial standard errors 3·sqrt(0.25·0.75/200) = 9.2 points: a band narrow enough to tell)."""
    path = tmp_path_factory.mktemp("data") / "synthetic-8-val50"
    synthetic.build_synthetic(path, classes=8, train_per_class=1, val_per_class=50, size=14, seed=1)
    return open_dataset(str(path))


def test_bases_no_better_than_chance_are_a_caveat(many_val, synthetic_8):
    """A grid that learned nothing (a learning rate too low: every network at 10% on 10 classes) was
    found "AnB+ does better than training from scratch", with no word of it. many_val's random half:
    34% is within 9.2 points of chance (25%), no better than guessing; 35% is better."""
    [caveat] = run_caveats.at_chance(scored_on(many_val, 0.34))
    # the transfer at chance is a result, not a training that failed
    assert caveat.startswith(f"bases no better than chance (1): random0/base0 (34.0%, chance 25.0%, {BAND_200}); "
                             "they learned nothing"), caveat
    assert caveat in run_caveats.warnings(scored_on(many_val, 0.34))
    assert run_caveats.at_chance(scored_on(many_val, 0.35)) == []
    [unjudged] = run_caveats.at_chance(scored_on(many_val, 0.1, fingerprint="0" * 64))  # prepared again: unknown
    assert unjudged.startswith("bases not judged against chance (1): random0/base0 (10.0%): its dataset "), unjudged


@pytest.fixture(scope="module")
def two_classes_20(tmp_path_factory):
    """2 classes of 10 validation images: 20 on every class, a random half 1 class of 10."""
    path = tmp_path_factory.mktemp("data") / "synthetic-2-val10"
    synthetic.build_synthetic(path, classes=2, train_per_class=1, val_per_class=10, size=14, seed=1)
    return open_dataset(str(path))


def test_bases_on_few_validation_images_cannot_be_told_from_chance(synthetic_8, two_classes_20):
    """Three standard errors on few images are a wide band: a base at 80% on 2 classes of 20 images
    (16 right, 6 in 1,000 by guessing) was said to have "learned nothing ... train longer", one at 45%
    on 40 images of 4 classes too; where the band is above 10 points it is said that the images cannot
    tell. A half of one class (chance 100%) was flagged "100.0%, chance 100.0%": nothing to guess."""
    [caveat] = run_caveats.at_chance(scored_on(two_classes_20, 0.8, split="all"))
    assert caveat == ("bases that cannot be told from chance on 20 validation images (1): all0/base0 (80.0%, chance "
                      "50.0%, counted as chance up to 33.5 points above it on 20 validation images); so few images "
                      "cannot tell a base "
                      "that learned nothing from one that learned much, so "
                      "the networks measured against them are not judged: score on more validation images (prepare "
                      "synthetic --val-per-class)")  # a synthetic set's option, not prepare folder's
    assert run_caveats.at_chance(scored_on(two_classes_20, 0.84, split="all")) == []  # 3·sqrt(0.25/20) = 33.5 points
    assert run_caveats.at_chance(scored_on(two_classes_20, 1.0)) == []  # the random half: 1 class
    [caveat] = run_caveats.at_chance(scored_on(open_dataset(synthetic_8), 0.45))
    assert caveat.startswith("bases that cannot be told from chance on 40 validation images (1): random0/base0 "
                             f"(45.0%, chance 25.0%, {BAND_40}); "), caveat
    assert run_caveats.at_chance(scored_on(open_dataset(synthetic_8), 0.46)) == []


def _grid_on(dataset, shift):
    """random_grid's networks ``shift`` from their accuracies, as report reads them trained on ``dataset``."""
    return [dataclasses.replace(r, mean10_top1=r.mean10_top1 + shift, dataset=str(dataset.path),
                                fingerprint=dataset.fingerprint)
            for r in random_grid(transfer=(0.50, 0.51, 0.49), selffer=(0.60, 0.61, 0.59))]


def test_claims_measured_against_bases_at_chance_are_not_judged(many_val):
    """Beside the caveat, the claims of a grid that learned nothing still held: "AnB+ scores +2.0
    points ...: transferred features, fine-tuned, do better than training from scratch", of bases at
    30% where guessing scores 25% (within 9.2 points: the caveat's rule). The same grid 30 points
    higher (bases at 60%) holds as before."""
    learned = {f.claim: f for f in findings.findings(_grid_on(many_val, 0.0))}
    assert all(learned[claim].holds for claim in ("general", "specific", "fine-tuning"))
    at_chance = _grid_on(many_val, -0.30)
    found = {f.claim: f for f in findings.findings(at_chance)}
    bases = ", ".join(f"random{seed}/baseB (30.0%, chance 25.0%, {BAND_200})" for seed in range(3))
    for claim in ("general", "specific", "fine-tuning"):
        assert not found[claim].holds, found[claim].text
        assert found[claim].text == (f"{learned[claim].measured}: not judged: these networks copy their layers from, "
                                     f"or are measured against, bases no better than chance ({bases}; see the runs "
                                     f"to read with care), which learned nothing, so they tell nothing of features: "
                                     f"train the bases longer (--max-iter) or with another learning rate (--base-lr).")
    assert found["fine-tuning"].text.startswith("AnB+ scores +2.0 ± 0.3 points relative to its own base")
    assert "not judged" not in found["dissimilar"].text  # not measured: no natural split here
    [caveat] = run_caveats.at_chance(at_chance)
    assert caveat in run_caveats.warnings(at_chance)


def test_claims_against_bases_on_few_validation_images_say_more_images_would_tell(synthetic_8):
    """Bases at 30% on synthetic_8's halves of 40 images (chance 25%, band 20.5 points) were said to
    have "learned nothing": the claims now say the images cannot tell, and to score on more of them."""
    found = {f.claim: f for f in findings.findings(_grid_on(open_dataset(synthetic_8), -0.30))}
    assert not found["general"].holds
    assert found["general"].text.endswith(
        "not judged: these networks copy their layers from, or are measured against, bases that cannot be told from "
        f"chance on 40 validation images (random0/baseB (30.0%, chance 25.0%, {BAND_40}), "
        f"random1/baseB (30.0%, chance 25.0%, {BAND_40}), random2/baseB (30.0%, chance 25.0%, {BAND_40}); see "
        "the runs to read with care), which may have learned nothing: score "
        "on more validation images (prepare synthetic --val-per-class)."), found["general"].text

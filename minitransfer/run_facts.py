"""What a run's dataset tells, as the report reads it (:mod:`minitransfer.results`): the names of the natural
split's halves (:func:`natural_families`: "plant" / "vehicle" for a folder of photos prepared with a families
file, "natural" / "man-made" for ImageNet), the images per class a reduced-data run kept; the validation images
a run was scored on (:func:`validation_images`: as its result.json records them, else as its dataset tells), and
whether a base scored better than chance on them (:func:`bases_against_chance`). What a run was trained with
(precision, schedule) is :mod:`minitransfer.run_settings`'.
"""

import math

import numpy as np

from minitransfer import class_tables, rundir
from minitransfer.dataset_reads import dataset_fact
from minitransfer.data import splits, wordnet
from minitransfer.experiment import CROSS, SOURCE

PAPER_FAMILIES = (wordnet.NATURAL, wordnet.MAN_MADE)  # the natural split's halves A, B in ImageNet (the paper)
UNREAD_FAMILIES = ("family A", "family B")            # ... of a dataset that cannot be read where report runs


def half_families(path, facts):
    """The natural split's (family of half A, of half B) of the dataset at ``path``
    (:func:`minitransfer.dataset_reads.dataset_fact`); :data:`UNREAD_FAMILIES` where it cannot be read."""
    return dataset_fact(splits.half_families, path, facts, UNREAD_FAMILIES)


def kept_per_class_of(path, per_class, facts):
    """(fewest, mean, most) training images per class that a reduced-data run on every class of the
    dataset at ``path`` trained on, asking for ``per_class``: a class with fewer keeps all it has
    (:func:`minitransfer.data.splits.select_per_class`), so ``per_class=1000`` on a dataset of 500
    images a class trains on 500. () where the dataset cannot be read (moved, another machine's)."""
    counts = dataset_fact(_train_images_per_class, path, facts, ())
    if not len(counts):
        return ()
    kept = [min(count, per_class) for count in counts]
    return min(kept), sum(kept) / len(kept), max(kept)


def _train_images_per_class(dataset):
    return tuple(int(count) for count in np.bincount(dataset.labels("train"), minlength=dataset.num_classes))


def validation_sets(results, facts=None):
    """(where in words, images, its results) of each validation set the findings' runs of ``results``
    were scored on (:func:`validation_images`), those whose number cannot be known left out: the
    reduced-data runs and a cross-dataset grid's source base, in no finding, too. ``facts``: datasets
    already read (:func:`minitransfer.dataset_reads.dataset_fact`), shared with the report's other readers."""
    facts, sets = {} if facts is None else facts, {}
    for r in results:
        run = r.run
        if run.kind == "reduced" or run.split == CROSS and run.target == SOURCE or r.mean10_top1 != r.mean10_top1:
            continue  # (x != x: an accuracy of NaN, a run that made no evaluation)
        images = validation_images(r, facts)
        if images:
            where = {"random": f"random split {run.split_seed}, half {run.target}",
                     "natural": f"the natural split, half {run.target}", "all": "every class",
                     CROSS: "the target dataset"}[run.split]
            sets.setdefault((r.dataset, where), (where, images, []))[2].append(r)
    return list(sets.values())


def validation_images(result, facts):
    """How many validation images ``result`` (a :class:`minitransfer.comparisons.Result`) was scored
    on (:func:`_scored`); None where it cannot be known."""
    scored, _ = _scored(result, facts)
    return None if scored is None else scored[0]


def _scored(result, facts):
    """((validation images, classes[, largest class's]) ``result`` was scored on, ""): as its result.json
    records them (:attr:`minitransfer.comparisons.Result.scored_on`), a fact of the run; for a run whose
    result.json was written before train recorded them, as its dataset tells now (:func:`_dataset_scored`).
    (None, why its dataset cannot tell) where neither tells."""
    if result.scored_on:
        return result.scored_on, ""
    per_class, why = _dataset_scored(result, facts)
    return (None, why) if per_class is None else ((int(sum(per_class)), len(per_class)), "")


CHANCE_ERRORS = 3  # within this many binomial standard errors of chance: no better than guessing
# Above this band (CHANCE_ERRORS standard errors above chance, as a fraction) the validation images
# cannot tell a base that learned nothing from one that learned much: 3 standard errors on 20 images of
# 2 classes reach 83.5%, on 40 of 4 classes 45.5%. The findings tell apart differences of 2 points
# (findings.CLOSE); a band of 10 points is five times that, where a base well above guessing is
# still inside it. The demo's halves (10 classes of 500 images) have a band of 4.0 points, its runs
# on every class (1,000 images of 20) 2.1, ImageNet's halves (25,000 images of 500) 0.1: none so wide.
CHANCE_BAND = 0.10
UNBALANCED_CHANCE = " (the largest class's share)"  # how chance is said where it is not 1/classes


def bases_against_chance(results, facts=None):
    """(at chance, not judged) of the bases of ``results``, read in one pass. At chance: (base, chance,
    validation images, unbalanced) of each no better than guessing, a mean-of-10-best top-1 within
    :data:`CHANCE_ERRORS` binomial standard errors, sqrt(p(1 - p)/N), of chance p on the N validation
    images of its half (:func:`validation_images`; :func:`chance_band`): the share of its largest class
    (:func:`_largest_class`), what always answering that class scores, 1/classes where they are balanced
    or its dataset cannot tell; unbalanced: whether that share exceeds 1/classes beyond guessing
    (:func:`unbalanced`). A grid trained too briefly, or with a learning rate too low or too high, learns
    nothing: its networks, all at chance, would be found "about as good as their base" or better, as a
    finding of features. Not judged:
    (base, why its dataset cannot tell) of each base with an accuracy whose validation images cannot be
    known (:func:`not_judged_words`): its result.json, written before train recorded them, does not say
    them, and its dataset no longer does (:func:`_dataset_scored`). The networks measured against either
    are not judged. Only bases are: a transfer or random-frozen run at chance is a result, one trained
    from scratch is a training that failed (a reduced-data run's: :func:`runs_against_chance`). Bases
    without an accuracy, of one class (chance is 100%: nothing to guess) or without a dataset recorded (the
    paper's runs) are in neither. ``facts``: datasets already read
    (:func:`minitransfer.dataset_reads.dataset_fact`), shared with the report's other readers."""
    return runs_against_chance(results, "base", facts)


def runs_against_chance(results, kind, facts=None):
    """(at chance, not judged) of the runs of ``kind`` ("base", "reduced") of ``results``, as
    :func:`bases_against_chance` judges the bases: a reduced-data run of 1 image a class on a set whose
    largest class holds 97.1% of its validation images, at 99.3%, learned nothing its images can tell. Judged
    once for the same ``results`` and ``facts`` (the findings, the warnings and Table 1 of one report ask each)."""
    facts, results = ({} if facts is None else facts), tuple(results)
    # judged once per report (its readers share facts); by the runs' ids, which name the same runs while the entry,
    # holding them, keeps them alive
    key = ("against chance", kind, tuple(map(id, results)))
    if key in facts:
        return tuple(list(found) for found in facts[key][1])
    at_chance, not_judged = [], []
    for r in results:
        if r.run.kind != kind or math.isnan(r.mean10_top1):
            continue
        scored, why = _scored(r, facts)
        if scored is None:
            if r.dataset:
                not_judged.append((r, why))
        elif scored[1] >= splits.MIN_CLASSES and scored[0]:
            images, largest = scored[0], _largest_class(r, scored, facts)
            chance = 1 / scored[1] if largest is None else largest / images
            if r.mean10_top1 <= chance + chance_band(chance, images):
                at_chance.append((r, chance, images, largest is not None and unbalanced(largest, images, scored[1])))
    facts[key] = results, (at_chance, not_judged)
    return list(at_chance), list(not_judged)


def _largest_class(result, scored, facts):
    """The validation images of the largest class ``result`` was scored on (``scored``: its (validation
    images, classes[, largest class's]), :func:`_scored`): as its result.json records it, a fact of the run;
    for a run whose result.json was written before train recorded it, as its dataset tells
    (:func:`_dataset_scored`), where that tells the same images and classes; None where it cannot tell
    (moved, prepared again), chance then 1/classes, the largest class's share of a balanced set. Always
    answering the largest class scores its share, so a base on a half of 100 images of one class and 1 of
    another scores 99.0% having learned nothing."""
    if len(scored) > 2:
        return scored[2]
    per_class, _ = _dataset_scored(result, facts)
    if per_class is None or (int(sum(per_class)), len(per_class)) != tuple(scored):
        return None
    return int(max(per_class))


def not_judged_words(not_judged, named=", ".join):
    """The bases not judged against chance (:func:`bases_against_chance`'s second list), a group for each
    dataset and why it cannot tell, in order: "random0/baseA (30.0%), random0/baseB (28.0%): their dataset
    /data/S was prepared again since train recorded it". ``named``: how a group's names are said (all of
    them; the findings and Table 1 name a few)."""
    groups = {}
    for r, why in not_judged:
        groups.setdefault((r.dataset, why), []).append(f"{r.run.name} ({r.mean10_top1:.1%})")
    return [f"{named(names)}: {'their' if len(names) > 1 else 'its'} dataset {dataset} {why}"
            for (dataset, why), names in groups.items()]


def not_judged_remedy(not_judged):
    """What to do with the bases not judged (:func:`bases_against_chance`): their datasets put back; else
    a grid's base (:attr:`minitransfer.comparisons.Result.planned`) with its grid trained again into a new
    folder, as its transfers copied from the base as it was, a lone base trained again."""
    grid, lone = any(r.planned for r, _ in not_judged), not all(r.planned for r, _ in not_judged)
    if not lone:
        again = ("train the grid again into a new folder (-o), as a grid's base trained again alone is not the one "
                 "its transfers copied from")
    elif not grid:
        again = "train them again (--overwrite)"
    else:
        again = ("train the grid again into a new folder (-o) for a grid's base (trained again alone, it is not the "
                 "one its transfers copied from), and train a base trained by hand again (--overwrite)")
    return f"put the datasets back as the bases trained on them, or {again}"


def unbalanced(largest, images, classes):
    """Whether the ``classes`` classes of ``images`` validation images, the largest of ``largest``, are told as
    unbalanced (chance said as the largest class's share, and evening them advised): where that share exceeds
    1/classes by more than :func:`chance_band` of 1/classes, as an accuracy at it would be told from guessing
    among even classes. Chance is the share all the same; 51 images of 151 in 3 classes (33.8%, not 33.3%)
    is no imbalance to even out."""
    return largest / images - 1 / classes > chance_band(1 / classes, images)


def chance_band(chance, images):
    """How far above ``chance`` an accuracy on ``images`` validation images is no better than guessing:
    :data:`CHANCE_ERRORS` binomial standard errors."""
    return CHANCE_ERRORS * binomial_se(chance, images)


def binomial_se(p, n):
    """The binomial standard error sqrt(p(1 - p)/n) of an accuracy ``p`` (a fraction) on ``n`` images
    scored: how far it varies with which images were drawn alone."""
    return math.sqrt(p * (1 - p) / n)


def at_chance_kinds(found):
    """(learned nothing, cannot be told, validation images) of ``found`` (:func:`bases_against_chance`'s
    first list): the bases at chance, and those scored on too few validation images to tell whether they learned
    anything (:func:`cannot_tell`: a band wider than :data:`CHANCE_BAND`, or reaching 100%), each as
    "name (accuracy, chance, the band above it on its validation images)" (:func:`judged_against`):
    "random0/baseA (12.3%, chance 10.0%, counted as chance up to 4.5 points above it on 400 validation images)",
    chance said as the largest class's share where its classes are unbalanced ("random0/baseA (90.0%, chance (the
    largest class's share) 90.0%, counted as chance up to 9.0 points above it on 100 validation images)"); and the
    counts of validation images of the second, ascending, which :func:`cannot_be_told` words."""
    nothing, untold, counts = [], [], set()
    for r, chance, images, unbalanced in found:
        places = band_places(chance, images)  # the accuracy printed as the threshold is: never above it
        named = f"{r.run.name} ({r.mean10_top1:.{places}%}, {judged_against(chance, images, unbalanced)})"
        if cannot_tell(chance, images):
            untold.append(named)
            counts.add(images)
        else:
            nothing.append(named)
    return nothing, untold, sorted(counts)


def cannot_tell(chance, images):
    """Whether ``images`` validation images are too few to tell an accuracy from ``chance`` (:func:`at_chance_kinds`):
    its band (:func:`chance_band`) is wider than :data:`CHANCE_BAND`, or reaches 100% (:func:`beyond_every_accuracy`:
    99.0% of 101 images in their largest class, band 3.0 points), where even a base that learned every image cannot
    be told from one that learned nothing."""
    return chance_band(chance, images) > CHANCE_BAND or beyond_every_accuracy(chance, images)


def beyond_every_accuracy(chance, images):
    """Whether ``chance`` plus its band (:func:`chance_band`) on ``images`` validation images reaches 100%, so that
    no accuracy, 100% included, can be told from chance: 50% on 8 images of 2 classes, whose band is 53.0 points."""
    return chance + chance_band(chance, images) >= 1


def untold_runs(found):
    """The runs of ``found`` (:func:`bases_against_chance`'s first list, or :func:`runs_against_chance`') scored on
    too few validation images to tell from chance (:func:`cannot_tell`): those :func:`at_chance_kinds` names second,
    whose datasets the advice to score on more of them names the way of
    (:func:`minitransfer.validation_advice.more_validation`)."""
    return [r for r, chance, images, _ in found if cannot_tell(chance, images)]


def judged_against(chance, images, unbalanced=False):
    """What an accuracy at or below ``chance`` plus its band (:func:`chance_band`) on ``images`` validation
    images was judged against, in words: "chance 10.0%, counted as chance up to 4.5 points above it on 400
    validation images" (an accuracy must clear the band to be told from chance; not how far the run is above it:
    "at most 4.5 points above it" read as either) (3·sqrt(0.1·0.9/400) = 4.5 points: :data:`CHANCE_ERRORS`
    binomial standard errors). The band is said as
    what it adds to chance as printed, up to the threshold (chance plus the band) printed as accuracies are, to
    a tenth: an accuracy at or below the threshold is then never printed above the chance and band beside it, as
    chance and band each rounded could be (10.04% and 3.04 points printed 10.0% and 3.0, an accuracy of 13.07%
    at chance printed 13.1%); "chance (the largest class's share) 99.0%, ..." where ``unbalanced``. A band
    narrower than a tenth of a point is said with the decimals that show it (:func:`band_places`): "chance 0.10%,
    counted as chance up to 0.04 points above it on 50,000 validation images", never "up to 0.0 points". Where
    chance and its band reach 100% (:func:`beyond_every_accuracy`), that is said in place of a threshold above
    100% ("up to 53.0 points above it" of chance 50.0%): "chance 50.0%, from which no accuracy on 8 validation
    images can be told: 3 standard errors above it reach 100%"."""
    places = band_places(chance, images)
    said, threshold = f"{chance:.{places}%}", f"{chance + chance_band(chance, images):.{places}%}"
    if beyond_every_accuracy(chance, images):
        return (f"chance{UNBALANCED_CHANCE if unbalanced else ''} {said}, from which no accuracy on {images:,} "
                f"validation images can be told: {CHANCE_ERRORS} standard errors above it reach 100%")
    scale = 10 ** places
    points = (round(float(threshold[:-1]) * scale) - round(float(said[:-1]) * scale)) / scale
    return (f"chance{UNBALANCED_CHANCE if unbalanced else ''} {said}, counted as chance up to {points:.{places}f} "
            f"points above it on {images:,} validation images")


BAND_PLACES = 6  # the most decimals a band is said with: that of 1,000 classes shows on up to 10^14 images


def band_places(chance, images):
    """The decimals (of a percentage, 1 at the fewest) at which ``chance`` and chance plus its band
    (:func:`chance_band`) print apart, so that a band is never said as 0.0 points where it is not zero (1000
    classes on 50,000 images: 0.04 points); 1 where the band is zero (chance 0% or 100%)."""
    threshold = chance + chance_band(chance, images)
    return next((places for places in range(1, BAND_PLACES + 1) if f"{threshold:.{places}%}" != f"{chance:.{places}%}"),
                1 if threshold == chance else BAND_PLACES)


def unbalanced_remedy(named):
    """What to add to the remedy of the bases ``named`` (:func:`at_chance_kinds`) where some are judged
    against their largest class's share: "", else the classes evened."""
    if not any(UNBALANCED_CHANCE in name for name in named):
        return ""
    return ", or give the classes more even numbers of images (always answering the largest scores its share)"


def cannot_be_told(counts):
    """"that cannot be told from chance on 40 validation images", of bases scored on ``counts`` images
    (:func:`at_chance_kinds`); "... on their validation images" where they are several, each base then
    named with its own."""
    return f"that cannot be told from chance on {counts[0] if len(counts) == 1 else 'their'} validation images"


def _dataset_scored(result, facts):
    """(the validation images of each class ``result`` was scored on, "") as its dataset tells now: those of its half's
    classes (its split, split seed and target half) in the dataset its config.json names, every one of it for a run on
    every class or across datasets (the target's: ``data`` of a transfer across datasets is its target), the dataset's
    meta.json and labels read once for every run (``facts``, as :func:`minitransfer.dataset_reads.dataset_fact`); (None,
    why) where it cannot tell: no dataset recorded, one that cannot be read (moved, deleted, another machine's, a
    damaged meta.json), one prepared again since the run trained (its meta.json's sha256 not the one train recorded), or
    a split it cannot be cut into."""
    if not result.dataset:
        return None, "is not recorded"
    read = dataset_fact(_validation_labels, rundir.recorded_path(result.dataset), facts, None)
    if read is None:
        return None, "cannot be read here (moved, deleted, or another machine's)"
    if result.fingerprint and result.fingerprint != read[0]:
        return None, "was prepared again since train recorded it"
    _, dataset, per_class = read
    run = result.run
    if run.split in ("all", CROSS):
        return list(per_class), ""
    try:
        half_a, half_b = splits.class_halves(dataset, run.split, run.split_seed)
    except ValueError as error:  # a natural split of classes without families, a split unknown to this version
        return None, f"cannot be split as it was ({error})"
    return [per_class[index] for index in (half_b if run.target == "B" else half_a)], ""


def classes_matched_by(results, facts=None):
    """How the classes of the transfers across datasets of ``results`` were matched with their bases'
    (:func:`minitransfer.class_tables.matched_by`): "by wnid", "by class name" (a folder's, CIFAR's), from the
    class tables of their datasets (``facts``: as :func:`minitransfer.dataset_reads.dataset_fact`); "by wnid or
    class name" where none can be read."""
    facts = {} if facts is None else facts
    tables = [dataset_fact(_class_table, rundir.recorded_path(r.dataset), facts, ()) for r in results if r.dataset]
    return class_tables.matched_by([entry for table in tables for entry in table])


def dataset_sources(results, facts=None):
    """How the dataset of each of ``results`` was made, as its meta.json's source records it (its prepare command,
    "kind", and the options given: :mod:`minitransfer.validation_advice` reads them), or None where it is not
    recorded or cannot be read (``facts``: as :func:`minitransfer.dataset_reads.dataset_fact`)."""
    facts = {} if facts is None else facts
    return [dataset_fact(_source, rundir.recorded_path(r.dataset), facts, None) if r.dataset else None
            for r in results]


def _source(dataset):
    source = dataset.meta.get("source")
    return source if isinstance(source, dict) else None


def _class_table(dataset):
    return tuple(dataset.classes)


def _validation_labels(dataset):
    """(fingerprint, the dataset, validation images per class) of an opened dataset."""
    return dataset.fingerprint, dataset, np.bincount(dataset.labels("val"), minlength=dataset.num_classes)


def natural_families(results):
    """(name of half A, name of half B) of the natural split of ``results``: the families their
    dataset records (as read where some runs record a path that cannot be read, a grid continued
    where the dataset lies elsewhere), else :data:`UNREAD_FAMILIES`, else ImageNet's
    (:data:`PAPER_FAMILIES`), as for the paper's own runs."""
    known = [r.families for r in results if r.families]
    return next((families for families in known if families != UNREAD_FAMILIES), known[0] if known else PAPER_FAMILIES)

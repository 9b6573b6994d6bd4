"""The runs of a report to read with care (findings.md's list, the report's terminal lines): metrics
still rising, made of 10 evaluations or fewer (or of none: no accuracy), on validation sets small
enough that one image is a point, of bases and reduced-data runs no better than chance, of transfers across datasets
whose base had seen their classes, of other schedules than the runs they are compared with, or
whose eval.csv is not the one their result.json sums up (cut short, or edited). The claims
themselves are :mod:`minitransfer.findings`'.
"""

from minitransfer.config_wording import option_name, worded
from minitransfer.eval_rows import line_faults
from minitransfer.findings import CLOSE, RESOLVED, ROUNDING
from minitransfer.findings_figures import decimals
from minitransfer.findings_groups import POINTS
from minitransfer.models import get as get_preset
from minitransfer.results import BEST_EVALUATIONS, SCHEDULE_FIELDS, schedule_group
from minitransfer.run_facts import (at_chance_kinds, bases_against_chance, binomial_se, cannot_be_told,
                                    classes_matched_by, not_judged_remedy, not_judged_words, runs_against_chance,
                                    unbalanced_remedy, untold_runs, validation_sets)
from minitransfer.run_logs import EVAL_COLUMNS, eval_csv_lines
from minitransfer.validation_advice import more_validation


def warnings(results, shown=None, listed_in=None, sets=None, facts=None):
    """Runs whose metric should not be trusted as it is: still rising at the end, 10 evaluations or
    fewer behind the mean of the 10 best (which is then the mean of every one, the first, early in
    training, included), validation sets too small for the differences the findings tell apart
    (:func:`small_validation`), transfers across datasets from a base that had seen
    some of their classes, or trained with another schedule than the runs they are compared with;
    runs without evaluations (no accuracy, so in no table or finding: a result.json of another version,
    or edited); and runs whose eval.csv is not the one their result.json sums up (their curves are not
    whole).
    ``shown``: the names a warning gives at most, the others counted and said to be listed in
    ``listed_in`` (a terminal's line of a grid's thousand runs); default: every one. ``sets``: the
    runs' validation sets where already known (:func:`minitransfer.run_facts.validation_sets`, which
    reads every dataset's labels), else read; ``facts``: the datasets already read
    (:func:`minitransfer.run_facts.validation_sets`'), else read."""
    found = []
    rising = [r.run.name for r in results if r.still_rising]
    if rising:
        found.append(f"still rising at the end ({len(rising)}): {_listed(rising, shown, listed_in)}; the mean of "
                     f"their best evaluations understates what they would reach: train longer ({_advised('max_iter')})")
    few = [f"{r.run.name} ({r.evaluations})" for r in results if 0 < r.evaluations <= BEST_EVALUATIONS]
    if few:
        found.append(f"{BEST_EVALUATIONS} evaluations or fewer ({len(few)}): {_listed(few, shown, listed_in)}; their "
                     f"accuracy is the mean of all of them, the first (early in training) included, not of the "
                     f"{BEST_EVALUATIONS} best of more: evaluate more often ({_advised('eval_every')})")
    none = [r.run.name for r in results if not r.evaluations]
    if none:
        found.append(f"without evaluations ({len(none)}): {_listed(none, shown, listed_in)}; their result.json counts "
                     f"none, so they have no accuracy: Table 1, the figures and the findings leave them out "
                     f"(results.md shows –), and the networks measured against them with them: copy the run's "
                     f"result.json back from where it trained, or train it again ({_advised('overwrite')})")
    return found + at_chance(results, shown, listed_in, facts) + reduced_at_chance(results, shown, listed_in, facts) \
        + small_validation(results, shown, listed_in, sets, facts) \
        + seen_classes(results, shown, listed_in, facts) + other_schedules(results, shown, listed_in) \
        + _cut_logs(results, shown, listed_in)


def _cut_logs(results, shown=None, listed_in=None):
    """Warnings naming the runs whose eval.csv holds another count of evaluations than their
    result.json (:attr:`minitransfer.comparisons.Result.log_cut`), the file and both counts: their
    accuracies are right, their curves are not the whole; [] where there are none. A file with rows
    train never writes (:func:`eval_csv_faults`) was edited or damaged: those runs are told apart, with
    the first such row's line and value (they were told to copy back a file cut short); one without
    (its last rows lost, the last line torn: a copy cut short) is told to copy it back. A row train never writes
    beside as many rows as result.json counts (one repeated, or out of order) is told so too, its counts the same:
    where result.json records no digest of its rows (before 0.11.4), nothing else tells that edit
    (:func:`minitransfer.results._read_run` sets ``eval_log``); it was silent."""
    cut, damaged = [], []
    for r in results:
        if not r.log_cut:
            continue
        counts = f"{len(r.curve)} evaluations, result.json {r.evaluations}"
        faults = eval_csv_faults(r.eval_log)
        if faults:
            more = f", and {len(faults) - 1} more row{'s' if len(faults) > 2 else ''}" if len(faults) > 1 else ""
            damaged.append(f"{r.run.name} ({r.eval_log} line {faults[0][0]}: {faults[0][1]}{more}; {counts})")
        else:
            cut.append(f"{r.run.name} ({r.eval_log}: {counts})")
    curves = ("their accuracies are result.json's, which train computed from every evaluation, but their learning "
              "curves (curves.png) are of the rows left, and whether they still rose at the end cannot be told")
    found = []
    if cut:
        found.append(f"eval.csv holding fewer or more evaluations than result.json counts ({len(cut)}): "
                     f"{_listed(cut, shown, listed_in)}; {curves}: copy the run's eval.csv back from where it trained, "
                     f"or train it again ({_advised('overwrite')})")
    if damaged:
        found.append(f"eval.csv edited or damaged, with rows train never writes, left out ({len(damaged)}): "
                     f"{_listed(damaged, shown, listed_in)}; {curves}: mend those lines (train writes "
                     f"{','.join(EVAL_COLUMNS)}: iterations rising from 1, accuracies fractions in [0, 1], a loss "
                     f"finite and not negative) or copy the run's eval.csv back from where it trained, or train it "
                     f"again ({_advised('overwrite')})")
    return found


def eval_csv_faults(path):
    """(line number, what is wrong) of each whole row of the eval.csv ``path`` that
    :func:`minitransfer.run_logs.read_eval_rows` leaves out, one train never writes
    (:func:`minitransfer.run_logs.eval_csv_lines`, which reads the columns by the header's names, as the
    curve is read): a value that is no number, another count of values than the header names, a header
    without an iteration or top1 column, an iteration below 1, an accuracy that is no fraction in [0, 1]
    (NaN, negative, above 1), a loss that is negative or not finite, an iteration that repeats or goes
    back from an earlier row's. A last line without its line break (a copy cut short, a torn append) is
    none of them; [] for a file that cannot be read."""
    try:
        return line_faults(eval_csv_lines(path))
    except OSError:
        return []


def seen_classes(results, shown=None, listed_in=None, facts=None):
    """A warning naming the transfers across datasets (SnT) whose source base had been trained on some
    of their classes (by wnid, or by name for a folder's classes:
    :func:`minitransfer.class_tables.shared_classes`; a source holding the target's classes, as ImageNet
    holds Tiny ImageNet's), with how many: they score as features that have seen the classes, above
    what a transfer to new classes would; [] where there are none. ``facts``: datasets already read."""
    seen = [r for r in results if r.seen_classes]
    if not seen:
        return []
    named = [f"{r.run.name} ({r.seen_classes[0]} of its {r.seen_classes[1]})" for r in seen]
    return [f"transfers across datasets whose base had been trained on some of their classes, "
            f"{classes_matched_by(seen, facts)} ({len(seen)}): {_listed(named, shown, listed_in)}; their copied "
            f"layers have seen those classes, so they are not transfers to new classes alone (the paper's are) and "
            f"look better than such a transfer would: for that, a source dataset (--source-data) without the "
            f"target's classes"]


def at_chance(results, shown=None, listed_in=None, facts=None):
    """Warnings naming the bases no better than guessing (:func:`minitransfer.run_facts.bases_against_chance`),
    whose networks the findings do not judge: those that learned nothing, and apart, those scored on
    too few validation images to tell (:func:`minitransfer.run_facts.at_chance_kinds`), and the bases
    that cannot be judged for want of their validation images (an older result.json, a dataset prepared
    again or moved since), grouped by dataset and why (:func:`minitransfer.run_facts.not_judged_words`);
    [] where none is. ``facts``: datasets already read."""
    at_chance, not_judged = bases_against_chance(results, facts)
    nothing, untold, counts = at_chance_kinds(at_chance)
    more = more_validation(untold_runs(at_chance), facts) if untold else ""
    found = []
    if nothing:
        found.append(f"bases no better than chance ({len(nothing)}): {_listed(nothing, shown, listed_in)}; they "
                     f"learned nothing that their validation images can tell from guessing, so the networks measured "
                     f"against them tell nothing of features: train longer ({_advised('max_iter')}) or with another "
                     f"learning rate ({_advised('base_lr')}){unbalanced_remedy(nothing)}")
    if untold:
        found.append(f"bases {cannot_be_told(counts)} ({len(untold)}): {_listed(untold, shown, listed_in)}; so few "
                     f"images cannot tell a base that learned nothing from one that learned much, so the networks "
                     f"measured against them are not judged: {more}{unbalanced_remedy(untold)}")
    if not_judged:
        groups = not_judged_words(not_judged, lambda names: _listed(names, shown, listed_in))
        found.append(f"bases not judged against chance ({len(not_judged)}): {'; '.join(groups)}; their result.json "
                     f"does not say how many validation images they were scored on (the train that wrote it did not "
                     f"record them), and their datasets no longer tell, so whether they learned anything is not known, "
                     f"and the networks measured against them are not judged: {not_judged_remedy(not_judged)}")
    return found


def reduced_at_chance(results, shown=None, listed_in=None, facts=None):
    """Warnings naming the reduced-data runs no better than guessing
    (:func:`minitransfer.run_facts.runs_against_chance`), which Figure S1 draws as the others and says so under
    it (:func:`minitransfer.figures_reduced.at_chance_note`): those that learned nothing, and apart, those scored
    on too few validation images to tell (:func:`minitransfer.run_facts.at_chance_kinds`); [] where none is (nor
    where their validation images cannot be known: no finding is measured against them). ``facts``: as
    :func:`at_chance`'s."""
    at_chance = runs_against_chance(results, "reduced", facts)[0]
    nothing, untold, counts = at_chance_kinds(at_chance)
    found = []
    if nothing:
        found.append(f"reduced-data runs no better than chance ({len(nothing)}): {_listed(nothing, shown, listed_in)}; "
                     f"they learned nothing that their validation images can tell from guessing, so their points in "
                     f"Figure S1 are chance, not what their training images taught: read them as such"
                     f"{unbalanced_remedy(nothing)}")
    if untold:
        found.append(f"reduced-data runs {cannot_be_told(counts)} ({len(untold)}): {_listed(untold, shown, listed_in)}"
                     f"; so few images cannot tell a run that learned nothing from one that learned much, so their "
                     f"points in Figure S1 may be chance: {more_validation(untold_runs(at_chance), facts)}"
                     f"{unbalanced_remedy(untold)}")
    return found


def small_validation(results, shown=None, listed_in=None, sets=None, facts=None):
    """A warning where runs of the findings were scored on so few validation images that one image
    moves an accuracy by :data:`CLOSE` / :data:`RESOLVED` (1 point) or more: 100 images or fewer, two
    images already the 2 points the findings call "about as good"; [] where none was, or where the
    number cannot be known (:func:`minitransfer.run_facts.validation_sets`).

    The findings' standard errors count only how networks differ, each scored on the same images of
    its half; not whether those images are easy or hard, which they share. On N images an accuracy
    p has the binomial standard error sqrt(p(1 - p)/N), said for scale (9.1 points at p = 0.5 on 30
    images). It overstates the doubt in a difference of two treatments scored on the same images,
    whose errors fall largely on the same ones, by an amount no accuracy tells; so the rule is the
    weight of one image, known without it: the demo's halves of 500 images (0.2 points an image)
    and ImageNet's of 25,000 are not flagged, a folder of 30 validation images a half is."""
    small = []
    for where, images, runs in validation_sets(results, facts) if sets is None else sets:
        accuracy = sum(r.mean10_top1 for r in runs) / len(runs)
        se = POINTS * binomial_se(accuracy, images)
        if POINTS / images >= CLOSE / RESOLVED - ROUNDING:
            small.append((images, se, accuracy, where, runs))
    if not small:
        return []
    images, se, accuracy, where, _ = min(small, key=lambda found: found[0])
    names = [r.run.name for *_, runs in small for r in runs]
    return [f"small validation sets ({len(names)}): {_listed(names, shown, listed_in)}; the smallest ({where}) holds "
            f"{images} images: {_one_image(images)}, and {_sampling_error(accuracy, images, se)}; the findings' "
            f"standard errors count only how networks differ on the same images, not whether those images are easy "
            f"or hard: read a difference of a few points with care, or "
            f"{more_validation([r for *_, runs in small for r in runs], facts)}"]


def _one_image(images):
    """What one of ``images`` validation images weighs against the :data:`CLOSE` points the findings call
    "about as good": two images reach them on 100 or fewer, one alone on 50 or fewer (11 images: 9.1 points,
    which "two already the 2" understated)."""
    weight = POINTS / images
    side = _one_image_side(weight)
    said = f"one image is {weight:.{decimals(_one_image_side, weight)}f} points"  # 51 images: 1.96, not "2.0"
    reaches = {"below": "two already", "at": "alone", "above": "alone more than"}[side]
    return f"{said}, {reaches} the {CLOSE:g} the findings call about as good"


def _one_image_side(weight):
    """Which side of :data:`CLOSE` one image's ``weight`` (points) lies: its words (:func:`_one_image`) are read
    off the figure as printed, with the decimals that show it (49 and 51 images are 2.04 and 1.96 points)."""
    return "below" if weight < CLOSE - ROUNDING else "at" if weight < CLOSE + ROUNDING else "above"


def _sampling_error(accuracy, images, se):
    """The binomial standard error ``se`` of ``accuracy`` on ``images``, in words. At 0% and 100% it is 0,
    which is no certainty on a few images (3 of 3 right is no proof of a network that never errs): said so,
    with the standard error of one image the other way (1 error, or 1 right, in ``images``) for scale."""
    if round(se, 1) > 0:
        return f"an accuracy of {accuracy:.0%} on them has a standard error of {se:.1f} points from which images " \
            "were drawn alone"
    one_off = POINTS * binomial_se(1 / images, images)
    other_way = "right" if accuracy < 0.5 else "error"
    return f"an accuracy of {accuracy:.0%} on them is no certainty: its standard error from which images were " \
        f"drawn is 0 at 0% and 100% alone, and one image the other way (1 {other_way} in {images}) has one of " \
        f"{one_off:.1f} points"


def _advised(field):
    """The training field ``field`` a warning advises setting, in the words of this process's user
    (:func:`minitransfer.config_wording.worded`): the library's `eval_every`, the command line's --eval-every."""
    return worded(f"`{field}`")


def _listed(names, shown, listed_in):
    """The ``names``, or the first ``shown`` of them and how many more, "all listed in ``listed_in``"."""
    if shown is None or len(names) <= shown:
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {len(names) - shown} more, all listed in {listed_in}"


def other_schedules(results, shown=None, listed_in=None):
    """A warning for each group of runs (:func:`minitransfer.run_settings.schedule_group`) trained with
    other schedules (:data:`minitransfer.run_settings.SCHEDULE_FIELDS`): a network trained for fewer
    iterations, or evaluated more often, is not comparable with its base. The advice names the grid's options
    only where every run of the group is a grid's (:attr:`minitransfer.comparisons.Result.planned`: experiment
    planned it); runs trained by hand are to be trained again with the same schedule, its options named."""
    groups, by_hand = {}, set()
    for r in results:
        if r.schedule:
            groups.setdefault(schedule_group(r), {}).setdefault(r.schedule, []).append(r.run.name)
            if not r.planned:
                by_hand.add(schedule_group(r))
    found = []
    for group, schedules in sorted(groups.items()):
        if len(schedules) < 2:
            continue
        differ = [key for key in SCHEDULE_FIELDS if len({dict(schedule).get(key) for schedule in schedules}) > 1]
        listed = sorted(f"{', '.join(_option(key, dict(schedule).get(key)) for key in differ)} ({len(names)}: "
                        f"{_listed(names, shown, listed_in)})" for schedule, names in schedules.items())
        again = (f"with the same schedule ({', '.join(option_name(key) for key in differ)})" if group in by_hand
                 else "with the grid's options")
        found.append(f"{group} trained with {len(schedules)} schedules: {'; '.join(listed)}; their accuracies are "
                     f"not comparable: train them again {again}")
    return found


def _option(field, value):
    """A training field as the option that sets it: "--max-iter 300"."""
    return f"{option_name(field)} {value}"


PAPER_PRESET = "caffenet"  # the network of the paper's runs, which --reference draws (ImageNet, its schedule)


def reference_levels(results):
    """What a report drawing the paper's runs (--reference) over ``results`` says once (terminal, results.md),
    where some of them are not the paper's setup, CaffeNet (:data:`PAPER_PRESET`) trained for its preset's
    iterations (450,000, on ImageNet): the presets and iterations they have instead, and that only the curves'
    shapes compare, not their levels (a small dataset's runs at 0.15 under ImageNet's at 0.62); "" where every
    run is of that setup. The reference lines are drawn all the same."""
    paper = get_preset(PAPER_PRESET)
    presets = sorted({r.preset or "unknown" for r in results})
    iterations = sorted({str(dict(r.schedule).get("max_iter", "unknown")) for r in results})
    if presets == [PAPER_PRESET] and iterations == [str(paper.max_iter)]:
        return ""
    return (f"--reference draws the paper's runs, {paper.name} trained on ImageNet for {paper.max_iter:,} "
            f"iterations, while these runs are of preset {', '.join(presets)} and {option_name('max_iter')} "
            f"{', '.join(iterations)}: only the shapes of their curves compare, not their levels of accuracy")

"""One trained network's measures (:class:`Result`: accuracies, learning curve, provenance) and how the
report compares networks: selections, means and spreads, accuracy relative to the network's own base,
the paper's metric in words (:mod:`minitransfer.results` reads the runs).

Like is compared with like: a transfer or selffer is measured against the base of its own target
(:func:`own_base`: the same split, split seed and target half, in its own folder). The paper pooled
baseA and baseB as "baseB"; :func:`interchangeable_halves` says whether that is fair for a set of
runs (every random split's two bases within :data:`INTERCHANGEABLE` of each other).
"""

import dataclasses
import math

from minitransfer.experiment import CROSS, Run
from minitransfer.rundir import BEST_EVALUATIONS
from minitransfer.run_lines import all_evaluations_words

INTERCHANGEABLE = 0.02       # two halves' bases within 2 points: pooling them as "baseB" is fair
RISING = 0.01                # still rising: the last quarter of evaluations 1 point above the one before


@dataclasses.dataclass(frozen=True)
class Result:
    """One trained network: its treatment (as :class:`minitransfer.experiment.Run`), accuracies and
    learning curve (``curve``: (iteration, val top-1) pairs; ``losses``: (iteration, training loss) of
    at most :data:`minitransfer.run_file_readers.LOSS_POINTS` of the logged batches, from lines evenly spaced
    over its log), the dataset and preset it was trained with ("" where unknown; ``fingerprint``: the
    sha256 of the dataset's meta.json that train recorded in the run's checkpoint), the precision it
    was computed in (:func:`minitransfer.run_settings.precision_of`), its training schedule
    (:func:`minitransfer.run_settings.schedule_of`), for a reduced-data run on every class the images per
    class it used (:func:`minitransfer.run_facts.kept_per_class_of`), for a run of the natural split
    the names of its halves A and B (:func:`minitransfer.data.splits.half_families`; () where its
    dataset is unknown), and for a transfer across datasets whose base had been trained on some of its
    classes, how many of how many (:func:`minitransfer.class_overlap.seen_classes`); the options of its
    config.json that change the network (its seed among them) and the sha256 of the base copied from
    that train recorded (:func:`minitransfer.run_copies.once` tells a second copy of one network by them);
    for a transfer across datasets, the dataset of that base (``source_data``: its path and
    fingerprint; :func:`minitransfer.report_mixed.mixed` refuses transfers of two source datasets);
    whether experiment planned it (``planned``: a treatment.json in its folder; its base is then in
    its own folder, :class:`Bases`), and the validation images and classes it was scored on, and the
    images of the largest of those classes, as its result.json records them (``scored_on``; the largest
    class's left out in one written before train recorded it, () in one written before it recorded any)."""

    run: Run
    final_top1: float
    best_top1: float
    mean10_top1: float
    evaluations: int
    curve: tuple = ()
    losses: tuple = ()
    last_rate_change: int = 0  # the iteration at which the learning rate last stepped down (0: never)
    dataset: str = ""
    preset: str = ""
    families: tuple = ()
    fingerprint: str = ""
    precision: str = ""
    schedule: tuple = ()  # (field, value) of the training options in SCHEDULE_FIELDS its config.json gives
    kept_per_class: tuple = ()  # a reduced-data run's (fewest, mean, most) training images a class: kept_per_class_of
    seen_classes: tuple = ()  # a transfer across datasets: (shared, classes) its base saw of its classes, or ()
    eval_log: str = ""  # its eval.csv's path where that holds another count of evaluations than result.json's,
    # or a line train never writes (a row repeated, out of order: results._read_run)
    network: tuple = ()  # (field, value) of its config.json's fields that change the network: run_copies.network_of
    base_sha256: str = ""  # the sha256 of the base it copied its layers from, as train recorded it ("" for none)
    base_checkpoint: str = ""  # the path of that base, as train recorded it ("" for none)
    source_data: tuple = ()  # a transfer across datasets: (path, fingerprint) of its base's dataset train recorded
    planned: bool = False  # a grid's run (experiment wrote its treatment.json), not one trained by hand
    scored_on: tuple = ()  # (validation images, classes[, largest class's]) of result.json: result_checks.scored_on
    also_in: tuple = ()  # a base: the folders of its copies counted once as it (run_copies.once), their own base too
    weights_sha256: tuple = ()  # a base: the sha256 its result.json recorded of its weights file, and its copies'
    # the digest of the network of the base it copied from, wherever that lay (checkpoint_identity), train's record
    base_network_sha256: str = ""  # ("" for none, and where train recorded none: written before the record)
    network_sha256: tuple = ()  # a base: its result.json's digest of the network its weights file holds, or ()

    @property
    def log_cut(self):
        """Whether its eval.csv (``curve``) holds fewer or more evaluations than result.json counts (train
        sums them all up there: a copy cut short, a full disk, a torn row): its accuracies are
        result.json's, its curve is not the whole."""
        return bool(self.eval_log)

    @property
    def still_rising(self):
        """Whether validation top-1 still climbs at the end (the mean of the last quarter of the
        evaluations is more than :data:`RISING` above the quarter before): the run's "mean of the 10
        best" then measures how fast it learns more than how good its features are.

        A step of the learning rate lifts the accuracy at once; that step is not a climb. With at
        least four evaluations after the last step, only those are compared (their last half-or-
        quarter against the same number before it); with fewer, the whole curve is, and a run that
        ended soon after a step is flagged as not shown to have settled. A curve that is not the run's
        whole (:attr:`log_cut`) tells nothing of its end: not flagged (the run is, as :attr:`log_cut`)."""
        if self.log_cut:  # the end of the rows left is not the run's end
            return False
        tops = [top for _, top in self.curve]
        settled = [top for iteration, top in self.curve if iteration > self.last_rate_change]
        window = len(tops) // 4
        if len(settled) >= 4:
            tops, window = settled, min(window, len(settled) // 2)
        if window < 2:
            return False
        return mean(tops[-window:]) - mean(tops[-2 * window:-window]) > RISING

    def row(self):
        r = self.run
        return {"run": r.name, "label": r.label, "treatment": r.treatment, "split": r.split,
                "split_seed": r.split_seed if r.split == "random" else "", "target": r.target or "",
                "n": r.n, "final_top1": self.final_top1, "best_top1": self.best_top1,
                "mean10_top1": self.mean10_top1, "evaluations": self.evaluations,
                "still_rising": "yes" if self.still_rising else ""}


def is_accuracy(value, evaluations):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return evaluations == 0 if math.isnan(value) else 0 <= value <= 1


def metric_words(results):
    """The paper's metric as ``results`` took it, in words true of every run: "mean of the 10 best
    evaluations"; train takes the mean of all of a run's evaluations where it made fewer than
    :data:`BEST_EVALUATIONS`: "mean of all 3 evaluations" where every run made 3 ("..., 1 to 3" where
    every run made fewer, not as many), "mean of the 10 best
    evaluations; of all, for the 2 runs with fewer" where some did. A run without evaluations has no
    accuracy and is not counted; where none made one: "no run made an evaluation" (before, "mean of the
    10 best evaluations", a metric none of them had)."""
    if not any(r.evaluations for r in results):
        return "no run made an evaluation"
    fewer = [r.evaluations for r in results if 0 < r.evaluations < BEST_EVALUATIONS]
    if not fewer:
        return f"mean of the {BEST_EVALUATIONS} best evaluations"
    if len(fewer) == len([r for r in results if r.evaluations]):
        if len(set(fewer)) > 1:
            return f"mean of all of a run's evaluations, {min(fewer)} to {max(fewer)}"
        return all_evaluations_words(fewer[0], "each run's")
    runs = "the run" if len(fewer) == 1 else f"the {len(fewer)} runs"
    return f"mean of the {BEST_EVALUATIONS} best evaluations; of all, for {runs} with fewer"


# ---- selections and comparisons ----------------------------------------------------------------

def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


@dataclasses.dataclass(frozen=True)
class Spread:
    """Mean, standard deviation (across networks) and standard error of some values."""

    mean: float
    std: float
    count: int

    @property
    def se(self):
        return self.std / math.sqrt(self.count) if self.count > 1 else math.nan

    @classmethod
    def of(cls, values):
        values = [v for v in values if not math.isnan(v)]
        if not values:
            return cls(math.nan, math.nan, 0)
        centre = sum(values) / len(values)
        std = math.sqrt(sum((v - centre) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else math.nan
        return cls(centre, std, len(values))


def clustered_se(groups, weights=None):
    """The standard error of the mean over every value when the values of a group share its luck
    (the networks measured against one base): over the G groups, of N values in all, with mean m,
    sqrt(G/(G−1) · Σ_g (Σ_{i∈g} (x_i − m))²) / N (the cluster-robust standard error of a mean).
    With groups of equal size it is the standard error of the groups' means; NaN for one group.
    ``weights``, shaped as ``groups`` and summing to 1, where the mean is the weighted one, m = Σ w_i x_i
    (a mean of means over unequal groups): sqrt(G/(G−1) · Σ_g (Σ_{i∈g} w_i (x_i − m))²), the same where
    every weight is 1/N."""
    if len(groups) < 2:  # a standard deviation needs two values
        return math.nan
    if weights is None:
        count = sum(map(len, groups))
        weights = [[1 / count] * len(group) for group in groups]
    pairs = [list(zip(group, group_weights)) for group, group_weights in zip(groups, weights)]
    centre = sum(weight * value for group in pairs for value, weight in group)
    spread = sum(sum(weight * (value - centre) for value, weight in group) ** 2 for group in pairs)
    return math.sqrt(len(groups) / (len(groups) - 1) * spread)


def select(results, split, treatment=None, target=None):
    return [r for r in results if r.run.split == split and (treatment is None or r.run.treatment == treatment)
            and (target is None or r.run.target == target)]


def means_by_n(results, split="random", treatment="AnB", target=None):
    """{n: mean accuracy} of one treatment (mean of 10 best), n ascending."""
    found = select(results, split, treatment, target)
    return {n: mean([r.mean10_top1 for r in found if r.run.n == n]) for n in sorted({r.run.n for r in found})}


def _target_of(result):
    """What a network is trained on, and its own base with it: split, split seed (or replicate), target
    half and folder. The folder tells replicates apart that read alike: a study across datasets
    trained by hand in r1/ and another in r2/ (:func:`minitransfer.run_labels.cross_studies` reads
    each as replicate 0), the natural split or the controls on every class trained by hand in two
    folders (train records no replicate: both are split seed 0), two grids gathered in one folder
    (g1/natural/, g2/natural/). Without it, each network was measured against the mean of both
    folders' bases, its standard error not the paired one (:class:`Bases` pairs it with its own)."""
    run = result.run
    return run.split, run.split_seed, run.target, run.name.rpartition("/")[0]


class Bases:
    """The bases of ``results`` by :func:`_target_of`, built once for a whole grid (a look-up per
    network, not a pass over every run per network) and once per report: every function below that
    compares networks with their bases takes it as ``bases`` (built from ``results`` where None), so
    the findings, Table 1 and the figures pass the report's one (:attr:`minitransfer.report.Report.bases`)
    rather than each build its own. A network's own base is the base of its target
    in its own folder; for a network trained by hand whose folder holds none, the base of its target
    in the one folder that holds one (bases trained by hand into a folder of their own, beside a
    folder of copies); where several folders hold one and its own none, which is its own cannot be
    told: it has none. A grid's network (:attr:`Result.planned`) has its base in its own folder,
    always: where it is missing there, it has none (never another grid's gathered beside it)."""

    def __init__(self, results):
        self.bases, self.folders = {}, {}
        self._pairs = None  # random_pair_keys, found once
        for b in results:
            if b.run.kind == "base":
                key = _target_of(b)
                self.bases.setdefault(key, []).append(b)
                self.folders.setdefault(key[:3], set()).add(key[3])
                for folder in b.also_in:  # the networks beside a copy of it (another machine's runs) have it as own
                    self.bases.setdefault((*key[:3], folder), []).append(b)

    def key_of(self, result, half=None):
        """The :func:`_target_of` of ``result``'s own base (of its ``half`` instead of its target,
        where given: the base it copied from); None where it has none or several folders hold one
        (:meth:`elsewhere`)."""
        key = _target_of(result)
        key = (*key[:2], half or key[2], key[3])
        if key in self.bases:
            return key
        folders = self.folders.get(key[:3], set())
        return (*key[:3], *folders) if len(folders) == 1 and not result.planned else None

    def elsewhere(self, result):
        """The folders that hold a base of ``result``'s target where its own holds none, sorted; none
        for a grid's network (its base is its own folder's)."""
        key = _target_of(result)
        return [] if key in self.bases or result.planned else sorted(self.folders.get(key[:3], ()))

    def of(self, result, half=None):
        """The base networks :meth:`key_of` finds for ``result``; [] where it has none."""
        key = self.key_of(result, half)
        return self.bases[key] if key else []

    def accuracy(self, result):
        """The mean accuracy of ``result``'s own base(s); NaN where it has none (:meth:`key_of`), or where it
        copied its layers from another network than the base it is paired with (:meth:`copied_otherwise`)."""
        return math.nan if self.copied_otherwise(result) else mean([b.mean10_top1 for b in self.of(result)])

    def copied_otherwise(self, result):
        """The bases that ``result`` (a transfer or selffer) is paired with as the one it copied from (of its
        source half, found as :meth:`of` finds its own) where the sha256 train recorded of the base it copied
        matches none that their result.json recorded of their weights file (:attr:`Result.weights_sha256`, with
        their copies' counted once as them): it was trained from another network (another --seed, another
        grid's base), copied beside these, and is not to be measured against them. [] where it matches, or where
        that cannot be told (no sha256 recorded; a transfer across datasets, whose base is another dataset's).
        The sha256 is of the file, whose record holds its paths: an identical base trained on another machine
        has another; it matches by the digest of its network (:func:`copied_from`), where both recorded it, else
        only where its folder is among the runs too (counted once as this one's, its sha256 kept)."""
        if not result.base_sha256 or result.run.kind not in ("transfer", "selffer") or result.run.split == CROSS:
            return []
        found = self.of(result, result.run.source)
        if not found or not all(b.weights_sha256 for b in found):
            return []
        return [] if any(copied_from(result, b) for b in found) else found

    def random_pair_keys(self):
        """[(baseA's key, baseB's key)] of every random split trained on both halves, its bases
        paired as :meth:`key_of` pairs a network with its own: in one folder; where each half's base
        of a split seed is in one folder only, trained by hand, those two (bases trained into folders
        of their own, baseA/ and baseB/). The one pairing of the halves' bases: whether they may be pooled
        (:meth:`random_pairs`, :func:`interchangeable_halves`) and which are (:meth:`pooled_bases`); found once."""
        if self._pairs is None:
            self._pairs = []
            for seed in sorted({seed for split, seed, _ in self.folders if split == "random"}):
                a, b = (self.folders.get(("random", seed, half), set()) for half in "AB")
                keys = [(("random", seed, "A", folder), ("random", seed, "B", folder)) for folder in sorted(a & b)]
                if len(a) == len(b) == 1 and a != b:  # one folder each: paired where both were trained by hand
                    apart = (("random", seed, "A", *a), ("random", seed, "B", *b))
                    keys = [] if any(base.planned for key in apart for base in self.bases[key]) else [apart]
                self._pairs += keys
        return self._pairs

    def _accuracy_of(self, key):
        return mean([base.mean10_top1 for base in self.bases[key]])

    def random_pairs(self):
        """[(baseA's, baseB's accuracy)] of the pairs of :meth:`random_pair_keys`."""
        return [tuple(map(self._accuracy_of, pair)) for pair in self.random_pair_keys()]

    def pooled_bases(self):
        """The random splits' bases Table 1's pooled column averages: those with an accuracy of every pair of
        :meth:`random_pair_keys` whose halves both have one, each base once (a copy counted once as it). A split
        whose other base is missing or not finished cannot be checked, and its lone base is not pooled; nor is a
        base paired with none (a third folder of a seed's baseA beside a folder of both)."""
        pooled = {}
        for pair in self.random_pair_keys():
            if not any(math.isnan(self._accuracy_of(key)) for key in pair):
                pooled.update((base.run.name, base) for key in pair for base in self.bases[key]
                              if not math.isnan(base.mean10_top1))
        return list(pooled.values())


def copied_from(result, base):
    """Whether the transfer or selffer ``result`` copied its layers from the network of ``base`` (a base's
    :class:`Result`), as train recorded both: the sha256 of the file it copied is one ``base`` records of its
    weights file (or a copy's, :attr:`Result.weights_sha256`), or, the file written elsewhere (its paths
    another), the digest of the network it copied is the one ``base`` holds (:attr:`Result.network_sha256`:
    :func:`minitransfer.checkpoint_identity.network_sha256`; runs written before that record compare by the
    file's sha256 alone)."""
    return result.base_sha256 in base.weights_sha256 or \
        bool(result.base_network_sha256) and result.base_network_sha256 in base.network_sha256


def built_bases(results, bases):
    """``bases``, the :class:`Bases` of ``results`` built once for them, or where None, those built now."""
    return Bases(results) if bases is None else bases


def own_base(result, results, bases=None):
    """The mean accuracy of the base(s) of ``result``'s own target (the same split, split seed or
    replicate, and target half, in its own folder: :class:`Bases`); NaN when it was not trained."""
    return built_bases(results, bases).accuracy(result)


def bases_of(results, networks, bases=None):
    """The names of the bases among ``results`` that ``networks`` are measured against (their own,
    :class:`Bases`) or copied their layers from (of their source half, found as their own is)."""
    bases = built_bases(results, bases)
    return {b.run.name for r in networks for half in {r.run.target, r.run.source} - {None}
            for b in bases.of(r, half)}


def _relative(results, split, treatment, target=None, bases=None):
    """(network, accuracy − own base) of one treatment; networks without a trained base, or without
    an accuracy (no evaluation), left out."""
    bases = built_bases(results, bases)
    with_base = [(r, bases.accuracy(r)) for r in select(results, split, treatment, target)]
    return [(r, r.mean10_top1 - base) for r, base in with_base if not math.isnan(r.mean10_top1 - base)]


def relative_by_n(results, split="random", treatment="AnB", target=None, bases=None):
    """{n: [accuracy − own base, one per network]} of one treatment, n ascending (networks without a
    trained base or an accuracy left out)."""
    relative = _relative(results, split, treatment, target, bases)
    return {n: [value for r, value in relative if r.run.n == n] for n in sorted({r.run.n for r, _ in relative})}


def measured_by_n(results, split="random", treatment="AnB", bases=None):
    """{n: [network, ...]} of the networks :func:`relative_by_n` measures at n, in its order."""
    networks = {}
    for r, _ in _relative(results, split, treatment, bases=bases):
        networks.setdefault(r.run.n, []).append(r)
    return networks


def targets_by_n(results, split="random", treatment="AnB", bases=None):
    """{n: the target halves of the networks :func:`relative_by_n` measures at n}."""
    measured = measured_by_n(results, split, treatment, bases=bases)
    return {n: {r.run.target for r in networks} for n, networks in measured.items()}


def relative_by_base(results, split="random", treatment="AnB+", bases=None):
    """{(split seed, target, folder of the base): [accuracy − own base, one per network]} of one
    treatment: its networks grouped by the base they are measured against (networks without a trained
    base or an accuracy left out)."""
    groups, bases = {}, built_bases(results, bases)
    for r, value in _relative(results, split, treatment, bases=bases):
        groups.setdefault(bases.key_of(r)[1:], []).append(value)
    return groups


def interchangeable_halves(results, bases=None):
    """Whether the random splits' halves may be pooled as the paper pooled them: for every random
    split with both bases trained, baseA and baseB within :data:`INTERCHANGEABLE` of each other,
    paired as each network is with its own base (:meth:`Bases.random_pairs`: two grids gathered in
    one folder are two pairs; bases trained by hand into baseA/ and baseB/ one)."""
    pairs = built_bases(results, bases).random_pairs()
    return bool(pairs) and all(abs(a - b) <= INTERCHANGEABLE + 1e-9 for a, b in pairs)

"""An oracle of `minitransfer report`'s numbers that imports nothing of minitransfer: it reads a grid's run
folders (treatment.json, result.json, eval.csv) and recomputes, from the paper's definitions
(../shared/paper/how-transferable-2014.md) and docs/report.md's, each run's accuracy, Figure 2's per-n means and
standard deviations, Table 1's rows and the findings' figures (mean, standard error over the split draws, networks
counted). Written apart from the report's code, so that a test comparing the two can fail where either is wrong.

Grid runs only (each with experiment's treatment.json): a network's own base is the base of its target half in its
own folder; a random split's draw is its split seed, another split's its folder."""

import csv
import json
import math
import os

BEST = 10          # the paper's accuracy: the mean of the 10 best evaluations (of all, where fewer)
CLOSE_HALVES = 0.02  # docs/report.md: a random split's bases pooled as "baseB" only where within 2 points


def read_runs(root):
    """{name: run} of every finished grid run under ``root`` (a dict of its treatment.json, with ``acc``: the mean
    of its best evaluations from eval.csv where it has one, else result.json's; ``folder``: its folder's path
    below ``root``), and the names of the run folders without a result.json."""
    runs, unfinished = {}, []
    for folder, dirs, _ in os.walk(root):
        for d in sorted(dirs):
            if not d.endswith(".run"):
                continue
            path = os.path.join(folder, d)
            name = os.path.relpath(path, root)[:-len(".run")].replace(os.sep, "/")
            if not os.path.exists(os.path.join(path, "result.json")):
                unfinished.append(name)
                continue
            with open(os.path.join(path, "treatment.json")) as stream:
                run = json.load(stream)
            try:
                with open(os.path.join(path, "result.json")) as stream:
                    result = json.load(stream)
            except ValueError:  # not a result train writes: left out of everything, not unfinished
                continue
            run["acc"] = _curve_accuracy(os.path.join(path, "eval.csv"), result)
            run["name"], run["folder"] = name, name.rpartition("/")[0]
            runs[name] = run
        dirs[:] = [d for d in dirs if not d.endswith(".run")]
    return runs, sorted(unfinished)


def _curve_accuracy(eval_csv, result):
    if not os.path.exists(eval_csv):
        return float(result["mean10_top1"]) if result.get("evaluations") else math.nan
    with open(eval_csv, newline="") as stream:
        tops = sorted((float(row["top1"]) for row in csv.DictReader(stream)), reverse=True)
    return sum(tops[:BEST]) / len(tops[:BEST]) if tops else math.nan


def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def sd(values):
    values = [v for v in values if not math.isnan(v)]
    if len(values) < 2:
        return math.nan
    m = mean(values)
    return math.sqrt(sum((v - m) ** 2 for v in values) / (len(values) - 1))


def of(runs, split, treatment=None, target=None, n=None):
    return [r for r in runs.values() if r["split"] == split and (treatment is None or r["treatment"] == treatment)
            and (target is None or r["target"] == target) and (n is None or r["n"] == n)]


def own_base(runs, run):
    """The accuracy of ``run``'s own base: the base of its target in its folder (NaN where none)."""
    return mean([r["acc"] for r in runs.values() if r["kind"] == "base" and r["folder"] == run["folder"]
                 and r["target"] == run["target"] and r["split"] == run["split"]])


def relative(runs, split, treatment, n=None, target=None):
    """[(run, accuracy − own base)] of a treatment, those with a base and an accuracy."""
    pairs = [(r, r["acc"] - own_base(runs, r)) for r in of(runs, split, treatment, target, n)]
    return [(r, value) for r, value in pairs if not math.isnan(value)]


def ns(runs, split, treatment):
    return sorted({r["n"] for r, _ in relative(runs, split, treatment)})


def figure_points(runs, split, treatment):
    """Figure 2 (Figure 3's relative panel): {n: (mean, s.d., count)} of the accuracies relative to the own base."""
    points = {}
    for n in ns(runs, split, treatment):
        values = [v for _, v in relative(runs, split, treatment, n)]
        points[n] = (mean(values), sd(values), len(values))
    return points


def draw_of(run):
    """A random split's draw is its seed; another split's, its replicate folder."""
    return run["split_seed"] if run["split"] == "random" else run["folder"]


def draw_se(pairs):
    """The mean of ``pairs`` ([(draw, value)]) and its standard error over the draws: the standard error of the
    mean with each draw's values one cluster (cluster-robust; the draws' means' standard error where they are of
    equal size); NaN for one draw."""
    values = [v for _, v in pairs]
    m = mean(values)
    clusters = {}
    for draw, value in pairs:
        clusters[draw] = clusters.get(draw, 0.0) + (value - m) / len(values)
    g = len(clusters)
    se = math.sqrt(g / (g - 1) * sum(s * s for s in clusters.values())) if g > 1 else math.nan
    return m, se, len(values), g


def group(runs, split, treatment, n):
    """(mean, se, networks, draws) in points of a treatment's networks at n relative to their own bases."""
    m, se, count, draws = draw_se([(draw_of(r), v) for r, v in relative(runs, split, treatment, n)])
    return 100 * m, 100 * se, count, draws


def general(runs):
    n = min(ns(runs, "random", "AnB"))
    return n, group(runs, "random", "AnB", n)


def specific(runs):
    """AnB against BnB at the top n both have, paired by draw (docs/report.md: a seed's AnB and BnB share its split
    and bases): only the draws both have, the difference of the two groups' means over those, its standard error
    over the draws of each draw's share of it (each group's values less its mean, over its count, the BnB's
    subtracted): with a network of each per draw, the standard deviation of the draws' differences over √draws."""
    n = max(set(ns(runs, "random", "AnB")) & set(ns(runs, "random", "BnB")))
    pairs = {t: [(draw_of(r), v) for r, v in relative(runs, "random", t, n)] for t in ("AnB", "BnB")}
    both = {d for d, _ in pairs["AnB"]} & {d for d, _ in pairs["BnB"]}
    kept = {t: [(d, v) for d, v in found if d in both] for t, found in pairs.items()}
    shares = {}
    for t, sign in (("AnB", 1), ("BnB", -1)):
        values = [v for _, v in kept[t]]
        for d, v in kept[t]:
            shares[d] = shares.get(d, 0.0) + sign * (v - mean(values)) / len(values)
    g = len(shares)
    se = math.sqrt(g / (g - 1) * sum(s * s for s in shares.values())) if g > 1 else math.nan
    difference = mean([v for _, v in kept["AnB"]]) - mean([v for _, v in kept["BnB"]])
    spread = max(100 * sd([v for _, v in kept[t]]) for t in ("AnB", "BnB"))
    return n, 100 * difference, 100 * se, spread, len(kept["AnB"]) + len(kept["BnB"])


def random_weights(runs):
    n = max(set(ns(runs, "all", "random")) & set(ns(runs, "random", "AnB")))
    a, b = group(runs, "all", "random", n), group(runs, "random", "AnB", n)
    return n, a[0] - b[0], math.hypot(a[1], b[1]), a, b


def fine_tuning_over_base(runs):
    """AnB+ at every n against its own base: the mean over the networks, its se over the split seeds."""
    m, se, count, draws = draw_se([(draw_of(r), v) for r, v in relative(runs, "random", "AnB+")])
    return 100 * m, 100 * se, count, draws


def fine_tuning_over_selffers(runs):
    """AnB+ against BnB+ paired by n and base (seed, target half, folder): the mean of each n's mean of the
    per-base differences; its se over the split seeds, each base's difference weighted as that mean weighs it."""
    by_n = {}
    for n in sorted(set(ns(runs, "random", "AnB+")) & set(ns(runs, "random", "BnB+"))):
        bases = {}
        for treatment in ("AnB+", "BnB+"):
            for r, v in relative(runs, "random", treatment, n):
                bases.setdefault((r["split_seed"], r["target"], r["folder"]), {}).setdefault(treatment, []).append(v)
        differences = {key: mean(t["AnB+"]) - mean(t["BnB+"]) for key, t in bases.items() if len(t) == 2}
        if differences:
            by_n[n] = differences
    m = mean([mean(list(d.values())) for d in by_n.values()])
    clusters = {}
    for d in by_n.values():
        for key, value in d.items():
            clusters[key[0]] = clusters.get(key[0], 0.0) + (value - m) / (len(by_n) * len(d))
    g = len(clusters)
    se = math.sqrt(g / (g - 1) * sum(s * s for s in clusters.values())) if g > 1 else math.nan
    return 100 * m, 100 * se, sorted(by_n), g


TABLE_1_RANGES = ((1, 7), (3, 7), (5, 7))


def table1(runs):
    """{(first, last): (over own base, over pooled bases, over BnB+)} as fractions: the paper's "average boost
    across layers", the mean over the AnB+ networks of the range (its Table 1 from its runs' logs, to the digit);
    over BnB+, each AnB+ network less the mean of the BnB+ of its half (both pooled) at the n of the range that
    have both."""
    tuned = {n: [r["acc"] for r in of(runs, "random", "AnB+", n=n)] for n in ns(runs, "random", "AnB+")}
    own = {n: [v for _, v in relative(runs, "random", "AnB+", n)] for n in tuned}
    seeds = sorted({r["split_seed"] for r in of(runs, "random", "baseB")})
    pairs = [(own_base(runs, {**r, "target": "A"}), own_base(runs, {**r, "target": "B"}))
             for seed in seeds for r in [next(r for r in of(runs, "random", "baseB") if r["split_seed"] == seed)]]
    pairs = [(a, b) for a, b in pairs if not math.isnan(a - b)]  # a seed without both bases pairs none
    interchangeable = bool(pairs) and all(abs(a - b) <= CLOSE_HALVES + 1e-9 for a, b in pairs)
    # the paper's pooled base: both halves' bases of each split ("eight points ... four separate random A/B
    # splits"), pooled where they agree; a seed's lone base, whose agreement cannot be checked, is not among them
    pooled = mean([base for pair in pairs for base in pair]) if interchangeable else math.nan
    rows = {}
    for first, last in TABLE_1_RANGES:
        layers = [n for n in tuned if first <= n <= last]
        over_selffers = []
        for half in ([None] if interchangeable else ["A", "B"]):
            both = [n for n in layers if not math.isnan(mean([r["acc"] for r in of(runs, "random", "BnB+", half, n)]))]
            selffers = mean([r["acc"] for n in both for r in of(runs, "random", "BnB+", half, n)])
            over_selffers += [r["acc"] - selffers for n in both for r in of(runs, "random", "AnB+", half, n)]
        rows[first, last] = (mean([v for n in layers for v in own[n]]),
                             mean([v - pooled for n in layers for v in tuned[n]]), mean(over_selffers))
    return rows


def dissimilar(runs):
    """The natural split's transfers (AnB and BnA pooled) against a random split's AnB at the highest n both have:
    (n, difference of the means in points, its se sqrt(se1² + se2²), each group's (mean, se, networks, draws))."""
    return _two_groups(runs, ("natural", "AnB"), ("random", "AnB"))


def random_weights_dissimilar(runs):
    """Random frozen layers against the natural split's transfers, likewise."""
    return _two_groups(runs, ("all", "random"), ("natural", "AnB"))


def _two_groups(runs, worse, better):
    n = max(set(ns(runs, *worse)) & set(ns(runs, *better)))
    a, b = group(runs, *worse, n), group(runs, *better, n)
    return n, a[0] - b[0], math.hypot(a[1], b[1]), a, b

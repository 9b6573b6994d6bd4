"""Halves of unequal size: a random split of an odd number of classes gives half A the floor of half of
them and half B the rest (7 classes: 3 and 4), and a natural split whatever its families hold. Said where
the grid is planned (:func:`planned_halves`, its dry run) and where the report pools raw accuracies of
both halves (:func:`pooled_halves_note`: results.md, table1.md; :func:`pooled_label`: Figure 2's top
panel), which are then not like for like: a 4-way choice is not a 5-way one."""

import collections

from minitransfer.experiment import HALVES

RANDOM_RULE = "A gets the floor of half the classes, B the rest"


def planned_halves(runs, classes_of):
    """A line for the split folders of ``runs`` whose halves' bases train on different numbers of classes:
    "random0, random1: half A 4 classes, half B 5 (A gets the floor of half the classes, B the rest)";
    ``classes_of(base)``: how many classes a base run trains on (its resolved plan's)."""
    counts = collections.defaultdict(dict)
    for run in runs:
        if run.kind == "base" and run.target in HALVES:
            counts[run.name.split("/")[0]][run.target] = classes_of(run)
    folders = collections.defaultdict(list)  # the folders of each (A, B, random?): one line for a grid of seeds
    for folder, by_half in counts.items():
        if len(by_half) == len(HALVES) and len(set(by_half.values())) > 1:
            folders[by_half["A"], by_half["B"], folder.startswith("random")].append(folder)
    return [f"{', '.join(named)}: half A {a} classes, half B {b}" + (f" ({RANDOM_RULE})" if random else "")
            for (a, b, random), named in folders.items()]


def _pooled_classes(results):
    """{half: the numbers of classes its random-split networks were scored on} (as their result.json
    records them, :attr:`minitransfer.comparisons.Result.scored_on`), where the halves' differ; {} where
    they do not, or cannot be told."""
    counts = {half: sorted({r.scored_on[1] for r in results
                            if r.run.split == "random" and r.run.target == half and r.scored_on})
              for half in HALVES}
    if not all(counts.values()) or len(set(counts["A"]) | set(counts["B"])) < 2:
        return {}
    return counts


def _listed(numbers):
    return " or ".join(map(str, numbers))


def pooled_halves_note(results):
    """What results.md and table1.md say where the random split's halves of ``results`` hold different
    numbers of classes; "" where they do not."""
    counts = _pooled_classes(results)
    if not counts:
        return ""
    return (f"The random split's half A holds {_listed(counts['A'])} classes and half B {_listed(counts['B'])} "
            f"({RANDOM_RULE}): raw accuracies pooled across the halves (results.md's treatment column, where "
            f"baseA counts as baseB; Figure 2's top panel; Table 1's pooled column) are not like for like; numbers "
            f"relative to a base are each against the base of the network's own target.")


def with_pooled_halves(pooled, results):
    """results.md's paragraph ``pooled`` (:func:`minitransfer.report_tables.pooled_names`, where baseA counts as
    baseB) with :func:`pooled_halves_note` after it."""
    return " ".join(filter(None, [pooled, pooled_halves_note(results)]))


def pooled_label(results):
    """Figure 2's legend of the pooled bases: " (A and B pooled)", with the halves' classes where they
    differ: " (A and B pooled: 4 and 5 classes)"."""
    counts = _pooled_classes(results)
    said = f": {_listed(counts['A'])} and {_listed(counts['B'])} classes" if counts else ""
    return f" (A and B pooled{said})"

"""What the report calls the runs whose treatment is read (:func:`minitransfer.treatments.treatment`),
and in which order it lists them.

A transfer across datasets trained by hand is one run of a study whose other runs (its bases, its
selffers) say nothing of it in their own files: :func:`cross_studies` reads the hand-trained runs of
one folder together, as ``experiment --source-data`` plans them, and relabels them (baseT, TnT, baseS).
The paper names its treatments with n written as n before pooling them (:func:`label_pattern`:
AnB+, SnT); a reader looks for runs folder by folder, a split's bases first, then its copies by n
(:func:`name_order`).
"""

import pathlib
import re

from minitransfer.experiment import CROSS, SOURCE, TARGET, Run
from minitransfer.treatments import CONTROLS, KINDS


def cross_studies(runs):
    """The runs of ``runs`` (``[(run, dataset, base)]``, each trained by hand: no treatment.json),
    those of a transfer across datasets read as experiment --source-data plans its cross/ runs.
    ``dataset``: what the run was trained on (its fingerprint, else its path); ``base``: for a copy
    whose base train recorded, what that base was trained on, :func:`base_key` (None otherwise).

    In a folder holding a transfer across datasets (SnT, from its config.json), by the datasets the
    runs record, not their file names: a base on every class of the dataset the transfer was trained
    on is baseT; a copy from every class onto every class of that dataset (all2all elsewhere) is its
    selffer TnT; the base the transfer's layers were recorded to come from (its dataset, split and
    half) is the source base baseS. Every run of another folder stays as it is. So does a base on
    every class beside random-frozen or reduced-data runs on every class of its dataset (it is the
    random-weights control's base, split all), and a copy from every class onto every class with it:
    the report says so of the transfers then without their base (train the controls in a folder of
    their own, as experiment does: cross/, all/)."""
    relabelled = [run for run, _, _ in runs]
    folders = {}
    for index, (run, _, _) in enumerate(runs):
        folders.setdefault(run.name.rpartition("/")[0], []).append(index)
    for members in folders.values():
        crosses = [runs[i] for i in members if runs[i][0].split == CROSS]
        targets = {dataset for _, dataset, _ in crosses if dataset} - controls_datasets([runs[i] for i in members])
        sources = {base for _, _, base in crosses if base}
        for i in members:
            run, dataset, _ = runs[i]
            if run.split == "all" and dataset in targets and run.kind in ("base", "selffer"):
                relabelled[i] = Run(run.name, run.kind, CROSS, 0, target=TARGET, n=run.n, fine_tuned=run.fine_tuned,
                                    source=TARGET if run.kind == "selffer" else None)
            elif run.kind == "base" and (dataset, run.split, run.split_seed if run.split == "random" else None,
                                         run.target or "") in sources:
                relabelled[i] = Run(run.name, "base", CROSS, 0, target=SOURCE)
    return relabelled


def controls_datasets(runs):
    """The datasets of the random-frozen and reduced-data runs on every class among ``runs`` (``[(run,
    dataset, ...)]`` of one folder, ``dataset`` as :func:`cross_studies` takes it): a base on every
    class of one of them is the random-weights control's (split all), not a cross-dataset study's baseT."""
    return {dataset for run, dataset, *_ in runs if run.split == "all" and run.kind in CONTROLS}


def base_key(source):
    """(dataset, split, split seed of a random split, half) of the base train recorded in ``source``
    (:func:`minitransfer.train_records.recorded` "source"), its dataset by fingerprint, else path; None for a
    record without it."""
    dataset = source.get("dataset_fingerprint") or source.get("dataset")
    if not dataset:
        return None
    split = source.get("split_kind") or "all"
    return dataset, split, source.get("split_seed") if split == "random" else None, source.get("split_half") or ""


def label_pattern(run):
    """``run``'s label with its n written as n, as the paper names its treatments before pooling them
    (footnote 3 of §4.1): A3B+ -> AnB+, B2A -> BnA, S1T -> SnT; a base's own label (baseA, baseS);
    "random" and "reduced" for the controls on every class."""
    if run.kind in ("selffer", "transfer"):
        return f"{run.source or 'all'}n{run.target or 'all'}{'+' if run.fine_tuned else ''}"
    return run.label if run.kind == "base" else run.treatment


def shown_treatment(run):
    """What results.md's treatment column says of ``run``: on a random split, the paper's pooled treatment
    (its footnote 3, :attr:`minitransfer.experiment.Run.treatment`: A3A as BnB, B3A as AnB, baseA as
    baseB), as Figure 2 pools them, and likewise across datasets (baseT as baseB, S3T as AnB, as the
    cross-dataset figure pools them); on the natural split and on every class, which footnote 3 does not
    pool (Figure 3 draws one line per target task), :func:`label_pattern`: baseA, BnA, base, random."""
    return run.treatment if run.split in ("random", CROSS) else label_pattern(run)


def held_labels(runs):
    """The :func:`label_pattern` of ``runs``, each once, in the order of
    :data:`minitransfer.treatments.KINDS` (bases, selffers, transfers, ...), frozen before fine-tuned:
    "baseA, baseB", "AnB, BnA", "baseT, TnT, TnT+, SnT"."""
    patterns = {label_pattern(run): KINDS.index(run.kind) for run in runs}
    return ", ".join(sorted(patterns, key=lambda pattern: (patterns[pattern], pattern)))


def name_order(name):
    """The key that sorts runs by ``name`` as a reader looks for them (results.md, the runs not
    finished or failed): folder by folder, numbers by value (random2 before random10); in a split's
    folder its bases first (baseA, baseB; base), then its copies by n, at each n the selffers before
    the transfers (as :func:`held_labels`), a frozen run before its fine-tuned one (B1B, B1B+, A1B,
    A1B+: their folders sort A1B+.run first, "+" before ".", and "baseA" after every capital), then
    the rest by name (random2, reduced-0010, a run named by hand)."""
    return tuple(_part_order(part) for part in pathlib.PurePosixPath(name).parts)


_BASE, _COPY = re.compile(r"base[A-Z]?"), re.compile(r"([A-Z])([0-9]+)([A-Z])(\+?)")


def _part_order(part):
    """(rank, copy's order, ``part`` with its numbers by value): a base 0, a copy 1 (by n, selffer,
    halves, fine-tuned), anything else 2."""
    natural = tuple(int(piece) if index % 2 else piece for index, piece in enumerate(re.split(r"([0-9]+)", part)))
    copy = _COPY.fullmatch(part)
    if copy:
        source, n, target, tuned = copy.groups()
        return 1, (int(n), source != target, source, target, bool(tuned)), natural
    return 0 if _BASE.fullmatch(part) else 2, (), natural

"""Which runs no table of a report may pool (:mod:`minitransfer.report` refuses them): runs of several
datasets, presets or precisions, and transfers across datasets of several source datasets, each group
named with its runs, so that each is reported from a folder of its own.
"""

import shlex

from minitransfer.class_tables import prepared_again_since
from minitransfer.config_checks import DataMismatch
from minitransfer.experiment import CROSS, SOURCE
from minitransfer.run_copies import SameNetwork


class MixedRuns(DataMismatch, RuntimeError):
    """The folder holds runs of several datasets, presets or precisions, which no table may pool
    (exit code 65, bad data, as a dataset that does not fit its checkpoint: the runs given do not fit
    each other, no run failed); nothing is written. A RuntimeError too, as it was before."""


def mixed(results, left_out=()):
    """The datasets, presets and precisions ``results`` mix, one text for each that has several ("2
    datasets: NAME (count: runs); ..."), each group naming every run given: a second copy of one network, which
    :func:`minitransfer.results.collect` leaves out (``left_out``: its texts, :func:`_copies`), is counted and
    named beside the run kept ("S3T, the same network as T3T"), the refusal writing no results.md that says why
    it is not read. Their networks may not be compared (other classes, images,
    chance levels, capacities or arithmetic: a TF32 product keeps 10 mantissa bits, and a run
    continued in another precision is one of its own). A dataset is known by the fingerprint train
    recorded (a copy of it in another folder is the same dataset; a run without a checkpoint by the
    one fingerprint the other runs of its path have), else by its path. The source base of a
    cross-dataset grid is trained on the other dataset by design and is not counted among them; the
    source datasets are counted among themselves, each told by a source base or by the base a
    transfer across datasets recorded it copied from (:attr:`minitransfer.comparisons.Result.source_data`):
    the transfers of bases of two source datasets were pooled as one SnT, their source bases in the
    folder or not."""
    fingerprints = {}
    for path, fingerprint in (pair for r in results for pair in (_own_data(r), _source_data(r)) if pair):
        if path and fingerprint:
            fingerprints.setdefault(path, set()).add(fingerprint)

    def dataset(pair):
        path, fingerprint = pair
        of_its_path = fingerprints.get(path, set())
        return fingerprint or (min(of_its_path) if len(of_its_path) == 1 else path)

    copies = _copies(left_out)
    found = []
    # (what, a run's value (none: not counted), the group of a value, a group's name from its runs' values)
    kinds = (("datasets", _own_data, dataset, _dataset_name), ("source datasets", _source_data, dataset, _dataset_name),
             ("presets", lambda r: r.preset, lambda value: value, lambda values: values[0]),
             ("precisions", lambda r: r.precision, lambda value: value, lambda values: values[0]))
    for what, value_of, group_of, name in kinds:
        groups = {}
        for r in results:
            if value_of(r):
                groups.setdefault(group_of(value_of(r)), []).append(r)
        if len(groups) > 1:
            given = [[run for r in members for run in (r.run.name, *copies.get(r.run.name, ()))]
                     for members in groups.values()]
            listed = sorted(f"{name([value_of(r) for r in members])} ({len(runs)}: {_some(runs)})"
                            for members, runs in zip(groups.values(), given))
            found.append(f"{len(groups)} {what}: {'; '.join(listed)}")
    return found


def reports_apart(runs_dir, results):
    """": `minitransfer report FOLDER`, ..." where the runs ``results`` that :func:`mixed` refuses to pool lie in
    folders below ``runs_dir`` (their names' first part: grids gathered into one results folder, two presets' or
    datasets' sweeps in RESULTS/sweep1 and RESULTS/sweep2) each of whose runs may be pooled: the commands, each
    pasteable, that report each folder apart (into FOLDER/report). "" where some run lies in ``runs_dir`` itself or
    a folder of them is mixed too: "report each from a folder of its own" says it, which the user must make."""
    folders = {}
    for r in results:
        top, below, _ = r.run.name.partition("/")
        if not below:
            return ""
        folders.setdefault(top, []).append(r)
    if len(folders) < 2 or any(mixed(members) for members in folders.values()):
        return ""
    return ": " + ", ".join(f"`minitransfer report {shlex.quote(str(runs_dir / top))}`" for top in sorted(folders))


def _copies(left_out):
    """{name of a run kept: ["COPY, the same network as NAME", ...]}, of the texts of ``left_out`` that
    :func:`minitransfer.run_copies.once` writes of a second copy of one network
    (:class:`minitransfer.run_copies.SameNetwork`: its parts, not its text, which a folder's name may hold
    anything of)."""
    copies = {}
    for text in left_out:
        if isinstance(text, SameNetwork):
            copies.setdefault(text.kept, []).append(f"{text.name}, the same network as {text.kept}")
    return copies


def _own_data(r):
    """(path, fingerprint) of the dataset ``r`` was trained on, or () for a cross-dataset grid's source
    base (the other dataset by design) or a run that records neither."""
    return (r.dataset, r.fingerprint) if r.run.treatment != "source" and (r.dataset or r.fingerprint) else ()


def _source_data(r):
    """(path, fingerprint) of the source dataset ``r`` tells: a source base's own, a transfer across
    datasets' base's (as train recorded it); () for any other run."""
    if r.run.treatment == "source":
        return (r.dataset, r.fingerprint) if r.dataset or r.fingerprint else ()
    return r.source_data if r.run.split == CROSS and r.run.source == SOURCE else ()


def _dataset_name(pairs):
    """The paths of the runs of one dataset, and its fingerprint where recorded. A path whose folder holds
    another dataset now is named as that folder "before it was prepared again"
    (:func:`minitransfer.class_tables.prepared_again_since`): two groups named by one folder were told apart by
    their sha256 alone."""
    recorded = next((fingerprint for _, fingerprint in pairs if fingerprint), "")
    paths = ", ".join(f"{path} before it was prepared again" if prepared_again_since(path, recorded) else path
                      for path in sorted({path for path, _ in pairs if path}))
    fingerprint = f"meta.json sha256 {recorded[:12]}" if recorded else ""
    return f"{paths} ({fingerprint})" if paths and fingerprint else paths or fingerprint


def _some(names, shown=3):
    """The first ``shown`` of ``names``, and "..." where there are more."""
    return ", ".join(names[:shown]) + (", ..." if len(names) > shown else "")

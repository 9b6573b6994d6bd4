"""The minitransfer versions the runs of a report were trained with, each run's as its result.json records it
(``environment.minitransfer``): a folder whose runs were trained by several (a demo or grid rerun after an upgrade
skips the networks it finished, and trains the rest with the new version) is said so, each version with its runs,
among the runs to read with care (:func:`version_groups`, :func:`versions_said`). Its networks may differ in more
than their seeds where a version changed training (a kernel, a solver, a default), which a report cannot tell from
the records; the report still pools them, as the same dataset, preset and precision, and says which to train again
to be sure: findings.md and results.md name every run of each version, the terminal a few of each."""

import pathlib

from minitransfer.rundir import RESULT_FILE
from minitransfer.run_file_readers import UnreadableRun, read_json

UNKNOWN = "no version recorded"


def version_of(runs_dir, result):
    """The minitransfer version ``result``'s result.json under ``runs_dir`` records, or :data:`UNKNOWN`."""
    path = pathlib.Path(runs_dir) / f"{result.run.name}.run" / RESULT_FILE
    try:
        record = read_json(path, dict)  # as collect read it, inside the report's reads_shared: not read again
    except (OSError, UnreadableRun):
        return UNKNOWN
    environment = record.get("environment")
    version = environment.get("minitransfer") if isinstance(environment, dict) else None
    return version if isinstance(version, str) and version else UNKNOWN


class VersionGroups(dict):
    """{version: [its runs' names]}, the version of most runs first; ``demo``: whether the runs are a demo's."""

    def __init__(self, groups=(), demo=False):
        super().__init__(groups)
        self.demo = demo


def version_groups(results, runs_dir, demo=False):
    """The :class:`VersionGroups` of ``results`` (under ``runs_dir``; a ``demo``'s:
    :func:`minitransfer.report_table1_notes.demo_planned`) where several versions trained them; empty where one did
    (or none recorded any)."""
    groups = {}
    for r in results:
        groups.setdefault(version_of(runs_dir, r), []).append(r.run.name)
    if len(groups) < 2:
        return VersionGroups()
    return VersionGroups(sorted(groups.items(), key=lambda item: -len(item[1])), demo)


def versions_said(groups, shown=None, listed_in=None):
    """["trained by N minitransfer versions: V (count: runs); ...; ..."] of the :func:`version_groups` ``groups``,
    [] where they are empty: every run of each version named (which to train again), or its first ``shown`` and how
    many more, the file ``listed_in`` that names them all said once (a terminal's line; findings.md names them
    all), not after each version. A demo's runs are trained again by a demo into a folder of its own (a rerun into
    its folder trains none of those it finished; train --overwrite of each is no demo's way); other runs by train
    --overwrite, and after a base the runs copied from it: "train --overwrite" alone left the transfers of a base
    trained again copied from another network than the one in their folder, which the report then left out."""
    if not groups:
        return []
    cut = shown is not None and any(len(names) > shown for names in groups.values())
    said = "; ".join(f"{version} ({len(names)}: {_named(names, shown if cut else None)})"
                     for version, names in groups.items())
    again = ("run the demo again into a folder of its own (demo -o FOLDER), which trains every network with this "
             "version" if getattr(groups, "demo", False) else
             "train the runs of all but one version again with it (train --overwrite), then the runs that copied "
             "their layers from a base trained again (it is another network: the report leaves out a transfer "
             "of the one it replaced)")
    return [f"trained by {len(groups)} minitransfer versions: {said}{f', all listed in {listed_in}' * cut}; the tables "
            f"and findings pool them, though a version may have changed training (docs/changes.md): to be sure, "
            f"{again}"]


def _named(names, shown):
    """The ``names``, or the first ``shown`` of them and how many more."""
    more = len(names) - shown if shown is not None else 0
    return ", ".join(names[:shown] if more > 0 else names) + f" and {more} more" * (more > 0)

"""What a folder given as a network is instead, when it is no run folder and holds no checkpoint.h5:
one set of words for the library (:func:`minitransfer.checkpoint.load`, which ``train``'s
``copy_from`` and ``evaluate_checkpoint`` read through) and the command line (its ``NetworkPath``),
each then saying what it takes instead (files; or run folders too).
"""

import collections
import pathlib
import shlex

from minitransfer.data import shard_format

FolderWithoutNetwork = collections.namedtuple("FolderWithoutNetwork", "what run dataset summary",
                                              defaults=(None, None, ""))
FolderWithoutNetwork.__doc__ = """What a folder is (``what``: "a report's folder (...), not a network"), with
the first run folder it holds (``run``: a network to give in its place) and the first dataset (``dataset``: for
eval's "give it as --data"), each None where it holds none; ``summary``: how to sum up the runs of an
experiment's folder ("", for another)."""


def without_network(path):
    """A :class:`FolderWithoutNetwork` for the folder ``path`` given as a network, which is no run folder
    nor holds a checkpoint.h5: a dataset folder; a grid's folder, one of its split folders or a folder of
    grids (its run folders named); an experiment's folder whose runs have not started; a report's folder
    (where the runs it sums up lie, as report writes it by default); a folder of prepared datasets.
    None for another folder, or the root folder (no grid's, and too large to look through). Each was
    "a folder without a network", which said neither what it is nor what to give."""
    from minitransfer import experiment, report_folder  # which import checkpoint.py, which imports this
    path = pathlib.Path(path)
    if (path / shard_format.META_FILE).is_file():
        return FolderWithoutNetwork(f"a dataset folder, not a network (`minitransfer prepare verify "
                                    f"{shlex.quote(str(path))}` describes it)", dataset=path)
    if not path.resolve().name:
        return None
    runs = sorted(path.glob("*.run")) or sorted(path.glob("*/*.run")) or sorted(path.glob("*/*/*.run"))
    if runs:
        names = ", ".join(str(run.relative_to(path)) for run in runs[:3]) + (", ..." if len(runs) > 3 else "")
        summary = (f"summarize them with `minitransfer report {shlex.quote(str(path))}`"
                   if (path / experiment.PLAN_FILE).is_file() else "")
        return FolderWithoutNetwork(f"no network but holds {len(runs)} run{'s' if len(runs) > 1 else ''} ({names})",
                                    run=runs[0], summary=summary)
    if (path / experiment.PLAN_FILE).is_file():
        return FolderWithoutNetwork("an experiment's folder whose networks have not started training (no run folder "
                                    "in it yet: `minitransfer experiment` trains them into SPLIT/NAME.run), not a "
                                    "network")
    names = {child.name for child in path.iterdir()}
    if names & set(report_folder.REPORT_FILES):
        runs = sorted(path.parent.glob("*/*.run"))
        summed = f"; the runs it sums up are in {path.parent} (e.g. {runs[0]})" if runs else ""
        return FolderWithoutNetwork(f"a report's folder (the tables and figures `minitransfer report` wrote), not a "
                                    f"network{summed}")
    datasets = sorted(child for child in path.iterdir() if (child / shard_format.META_FILE).is_file())
    if datasets:
        held = ", ".join(str(folder) for folder in datasets[:3]) + (", ..." if len(datasets) > 3 else "")
        return FolderWithoutNetwork(f"a folder of datasets ({held}), not a network", dataset=datasets[0])
    return None

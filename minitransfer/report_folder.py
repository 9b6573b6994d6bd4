"""The report's folder written in place of an earlier report (:mod:`minitransfer.report` computes and
draws everything first): never another kind's folder (:func:`other_kind`), under the folder's lock,
the earlier report's files removed only where this one fits on the disk, a stop signal held until
the folder holds this report whole, and a failure while writing said with what the folder holds.
"""

import errno
import functools
import os
import pathlib

from minitransfer import config_checks, disk_space, fileio, run_lock, rundir, stop_requests
from minitransfer.data import shard_format
from minitransfer.experiment import PLAN_FILE
from minitransfer.grid_plan_file import planned_records
from minitransfer.path_kinds import path_kind

FIGURE_FORMATS = ("png", "svg")
REPORT_TABLES = ("results.csv", "results.md", "table1.csv", "table1.md", "findings.md")  # every report writes them


def __getattr__(name):
    """``REPORT_FILES``: every file a report may write (the tables, then each figure in each format), made on first
    use: the figures' names come from :mod:`minitransfer.figures`, whose imports (8 modules, ~3 ms of CPU) a train,
    which asks only whether a folder above its output holds a report's tables, need not pay."""
    if name == "REPORT_FILES":
        return _report_files()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _report_files():
    from minitransfer.figures import FIGURES
    return REPORT_TABLES + tuple(f"{name}.{suffix}" for name in FIGURES for suffix in FIGURE_FORMATS)


def replace_report(out_dir, contents):
    """Write {file name: bytes} into ``out_dir`` in place of an earlier report, whose files are
    removed first: everything is computed and drawn before the folder is touched, so a failure there
    leaves the earlier report whole, and one while writing (a full disk, SIGKILL) leaves part of this
    report and nothing of the earlier one, never tables of one beside figures of the other; a stop
    signal meanwhile is answered once this report is whole (:func:`_replace_whole`). Done
    holding ``out_dir``'s lock (:class:`minitransfer.run_lock.RunLock`): a second report into the same
    folder meanwhile (a cron job's and a person's) is refused (``RunBusy``, exit code 2) naming this
    one's PID, rather than each remove the other's files and write its own among them. A ``ConfigError``
    (exit code 2, as that refusal) where ``out_dir`` is a run's, a dataset's or a grid's folder, or a
    grid's split folder (:func:`other_kind`), or no folder (:func:`not_a_folder`), before its lock is taken."""
    refuse_other_kind(out_dir, "`out_dir`")
    try:
        with run_lock.RunLock(out_dir):
            _replace_whole(out_dir, contents)
    except run_lock.RunBusy as busy:
        raise run_lock.RunBusy(f"{out_dir} is being written by another minitransfer process"
                             f"{run_lock.holder_named(busy.pid)} (a report, or a run in that folder); wait for it to "
                             f"finish, then rerun", busy.pid) from None


def other_kind(out_dir):
    """What the folder ``out_dir`` is, in words, where it is another kind's than a report's, whose files
    the report's would lie among: a run folder (train writes it: a report there took the run's lock,
    and its tables sat among the network's files, result.json read as the run's own by anyone who
    opened the folder), a dataset's folder (prepare's: its lock file too is the one a report takes), a
    grid's folder (experiment.json: `minitransfer report GRID` writes GRID/report, a folder of its
    own), a folder inside a run folder (a fresh run empties it), or a split folder of a grid
    (:func:`_grid_of_split`: GRID/random0, where experiment trains that split's runs); else None (a
    folder of the report's own, a new one, or a folder of runs trained by hand)."""
    run = rundir.enclosing_run_dir(out_dir)
    if run is not None and run == pathlib.Path(out_dir).resolve():
        return f"{out_dir} is a run folder (train wrote it: a network's files, its result.json among them)"
    if run is not None:
        return (f"{out_dir} lies inside {run}, a run folder (train wrote it: a network's files, its result.json "
                f"among them)")
    if any(os.path.isfile(os.path.join(out_dir, name)) for name in (shard_format.META_FILE,
                                                                    shard_format.IMPORTING_FILE)):
        return (f"{out_dir} is a dataset folder (prepare writes it: it holds {shard_format.META_FILE} or "
                f"{shard_format.IMPORTING_FILE})")
    if os.path.isfile(os.path.join(out_dir, PLAN_FILE)):
        return (f"{out_dir} is a grid's folder (it holds {PLAN_FILE}; its report's own folder is "
                f"{os.path.join(out_dir, 'report')})")
    grid = _grid_of_split(out_dir)
    if grid is not None:
        return (f"{out_dir} is a split folder of the grid {grid} (experiment trains that split's runs there; the "
                f"grid's report's own folder is {grid / 'report'})")
    return None


def run_in_grid_report(out_dir):
    """What ``out_dir`` is where it is a grid's report folder (GRID/report, links followed, not a
    split the grid's plan names) that holds a run folder (``train -o GRID/report/x.h5``, which train
    refuses once a report is there: a report's folder is remade or deleted as a whole), with what to
    do; else None. It was said to be "a split folder of the grid"."""
    folder, grid = _grid_above(out_dir)
    run = _run_folder_in(folder) if grid is not None and folder.name == "report" else None
    if run is None:
        return None
    return (f"{out_dir} is the report's folder of the grid {grid}, but holds {run.name}, a run train wrote "
            f"there, where it would lie among the report's files, which are remade or deleted as a whole: move the "
            f"run out of it ({rundir.weights_for(run).name} and {run.name}, e.g. into {grid})")


def _grid_of_split(out_dir):
    """The grid folder (one holding experiment.json) of which ``out_dir`` (links followed) is a split
    folder, else None: one the grid's plan names runs in (random0 of random0/baseA), or one of the
    grid's folders holding run folders (a plan that cannot be read). GRID/report, other folders beside
    the splits and a folder of the report's own inside a split (GRID/random0/report, the default OUT of
    ``report GRID/random0``) are none: nothing of the grid lies there."""
    folder, grid = _grid_above(out_dir)
    if grid is None:
        return None
    planned = {record["name"].partition("/")[0] for record in planned_records(grid)}
    if folder.name in planned:
        return grid
    own_report = folder.name == "report"  # GRID/report, the report's own, where a run trained by hand may lie
    return grid if not own_report and _run_folder_in(folder) is not None else None


def _grid_above(out_dir):
    """(``out_dir`` with links followed, the grid folder holding it): its parent where that holds
    experiment.json, else None. The first step of :func:`_grid_of_split` and :func:`run_in_grid_report`."""
    folder = pathlib.Path(out_dir).resolve()
    grid = folder.parent
    return folder, grid if grid != folder and (grid / PLAN_FILE).is_file() else None


def _run_folder_in(folder):
    """A run folder (``*.run``) directly in ``folder``, or None."""
    return next(folder.glob("*.run"), None)


def refuse_other_kind(out_dir, option):
    """A ``ConfigError`` where ``out_dir`` is another kind's folder (:func:`other_kind`), or a grid's
    report folder holding a run (:func:`run_in_grid_report`), naming it and ``option``, the name it
    was given by (-o (--out), `out_dir`), to choose another; and one where ``out_dir`` is no folder (a
    file: ``out_dir="baseA.h5"``, :func:`not_a_folder`)."""
    no_folder = not_a_folder(out_dir)
    if no_folder:
        raise config_checks.ConfigError(f"{option} {no_folder}: the report's files are written into a folder (a "
                                        f"new one is made); choose another {option}")
    what = other_kind(out_dir)
    if what is not None:
        raise config_checks.ConfigError(f"{what}: the report's files would lie among its own; choose "
                                        f"another {option}")
    holding_run = run_in_grid_report(out_dir)
    if holding_run is not None:
        raise config_checks.ConfigError(f"{holding_run}, or choose another {option}")


def not_a_folder(out_dir):
    """What ``out_dir`` is where it exists and is no folder (links followed): "baseA.h5 is a file, not a
    folder"; else "". Its lock and files were refused with the file system's words, "cannot write
    baseA.h5: File exists", naming neither. (A folder to make inside a file fails as it is made, naming
    it: "cannot write notes.txt/report: Not a directory".)"""
    kind = path_kind(out_dir)
    return "" if kind in ("a folder", "nothing") else f"{out_dir} is {kind}, not a folder"


class WrittenWhole(KeyboardInterrupt):
    """A stop signal (Ctrl-C, SIGTERM, SIGHUP) heard while the report's files replaced the earlier
    report's, raised once they did (:func:`_replace_whole`): the report is whole in ``out_dir`` and
    nothing is left to do. A KeyboardInterrupt still, as the stop is; the command line exits 0 on it,
    saying so, where a bare stop says to rerun the command (exit code 75), which would write the same
    report again."""

    def __init__(self, stop, out_dir):
        super().__init__(f"{stop}: the report was written whole into {out_dir} before stopping")
        self.out_dir = out_dir


def _replace_whole(out_dir, contents):
    """:func:`_replace_files` with the stop signals (Ctrl-C, SIGTERM, SIGHUP) held
    (:class:`minitransfer.stop_requests.StopRequests`), one heard raised again once it is done, as
    :class:`WrittenWhole` where the handler raises a KeyboardInterrupt: a stop
    there left some of this report's files and none of the earlier one's (once only curves.svg),
    where the command said that every file written so far was intact; stopped, a report now leaves
    one whole, the earlier or this one. A failure meanwhile (a full disk) ends it with its own error,
    which says what the folder holds, the stop dropped."""
    stop_requests.held_until_done(lambda: _replace_files(out_dir, contents),
                                  done=lambda stop: WrittenWhole(stop, out_dir))


def _replace_files(out_dir, contents):
    fileio.remove_stale_temporaries(out_dir, names=_report_files())  # -o may be a folder runs write in too
    earlier = [out_dir / name for name in _report_files() if (out_dir / name).is_file()]
    _refuse_what_cannot_fit(out_dir, contents, earlier)
    removed = written = 0
    try:
        for path in earlier:
            fileio.remove(path)
            removed += 1
        for name, data in contents.items():
            fileio.write_bytes(out_dir / name, data)
            written += 1
    except fileio.StorageError as error:
        if not (removed or written):  # nothing changed
            raise
        holds = (f"{len(earlier) - removed} of the earlier report's files and none of this one's"
                 if removed < len(earlier) else
                 f"{written} of this report's {len(contents)} files and none of the earlier report's")
        raise fileio.StorageError(error.errno, f"{error}; {out_dir} holds {holds}") from error


def _refuse_what_cannot_fit(out_dir, contents, earlier):
    """A :class:`fileio.StorageError` (no space left), before the earlier report is touched, where this
    one cannot fit in ``out_dir``: more blocks than its disk has free with the ``earlier`` report's
    files removed. On a full disk a rerun used to remove the earlier report, then fail a few files
    into the new one, leaving a part of a report where a whole one was. One that may fit is written
    (a file system's own overhead may still fill it: :func:`_replace_files` then says what is left)."""
    try:
        disk = os.statvfs(out_dir)
        freed = sum(os.stat(path).st_blocks * 512 for path in earlier)  # st_blocks counts 512-byte units
    except OSError:
        return  # no figures to go by: the writes say what fails
    block = disk.f_frsize or disk.f_bsize
    if not (disk.f_blocks and block):  # a file system that counts no blocks (some FUSE mounts)
        return
    needed = sum(-(-len(data) // block) * block for data in contents.values())
    free = (disk.f_bfree if os.geteuid() == 0 else disk.f_bavail) * block  # root may use the blocks kept for it
    if needed <= free + freed:
        return
    # never "0.3 MB needed, 0.3 MB free": as many decimals as the figures need to differ
    needed_said, free_said, freed_said = disk_space.needed_and_free(needed, free, free + freed)
    room = f"{free_said} free there" + (
        f", {freed_said} without the earlier report's files, which are kept as they were" if earlier else "")
    raise fileio.StorageError(errno.ENOSPC, f"cannot write the report into {out_dir}: {os.strerror(errno.ENOSPC)} "
                                            f"({needed_said} needed, {room}); {fileio.RERUN}")

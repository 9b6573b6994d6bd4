"""The grid folder itself, as a grid checks it before it writes there (:mod:`minitransfer.grid_check`):
where it may lie (:func:`check_place`: outside the datasets, other grids' folders and run
directories, and not in a report's folder), and who plans and who trains in it (:class:`GridLock`,
:func:`others_at_work`).
"""

import contextlib
import errno
import fcntl
import os
import pathlib
import time

from minitransfer import config, file_owners, fileio
from minitransfer.experiment import PLAN_FILE
from minitransfer.grid_options import SOURCE_DATA
from minitransfer import held_locks, lock_holder, path_kinds, run_lock, rundir


def check_place(out, options):
    """Where the grid folder ``out`` lies: outside the datasets, other grids and run directories, and
    not in a report's folder (checked before anything is written there, the lock files of
    :class:`GridLock` included)."""
    check_outside_data(out, options)
    check_not_nested(out)
    check_outside_run_dirs(out)
    check_not_a_report(out)


FOLDER_REMADE_TRIES = 10  # a folder removed as often as it is made is no race: said as unwritable
HELD_HERE_POLL_SECONDS = 0.05  # how often a grid waiting for another grid of its process looks again


class GridFolderGone(fileio.StorageError):
    """The grid's folder was moved, renamed or deleted while the grid ran (exit code 74): starting its
    next run would make a second, partial grid folder at its old place, without its plan, its locks
    or its finished runs (the bases its transfers copy). Moved: rerun with its new place as the grid's
    folder, which keeps the runs finished there; deleted: a rerun starts the grid again from nothing."""


class GridLockLost(fileio.StorageError):
    """The grid's folder is in place but its working lock file (:attr:`GridLock.WORKING`) was removed
    or replaced while the grid ran, say by hand as a "stale lock" (exit code 74): nothing tells
    another grid started there that this one works in it, so the two could train the same runs at
    once, or with other options. Stopped, as a run whose lock file is removed stops
    (:meth:`minitransfer.run_files.RunFiles.check_in_place`)."""


class LockFileRefused(fileio.StorageError):
    """A lock file of :class:`GridLock` this process may not open for writing, in a grid folder it may
    write (exit code 74): another user's, made where the folder is shared with them (by a version that
    made lock files 0o644, or under a umask that keeps the group from writing), or read-only alone.
    ``path``: the lock file; its message names it, its owner and mode, ``what`` a grid does there
    that needs it (by default: plan and train), and what to do."""

    def __init__(self, code, path, what="a grid opens it to plan and to train there"):
        self.path = pathlib.Path(path)
        owner, mode = file_owners.owner_and_mode(path)
        locks = [self.path.parent / name for name in (GridLock.PLANNING, GridLock.WORKING)]
        ask = (f"{file_owners.ask_to_share(owner, [lock for lock in locks if lock.exists()] or self.path)}, or "
               if code == errno.EACCES else "")
        super().__init__(code, f"cannot open {self.path}, the grid's lock file, for writing ({os.strerror(code)}; "
                               f"it is {owner}'s, {mode}), though this process may write in {self.path.parent}: "
                               f"{what}; {ask}give a folder this process can write (a copy of this one keeps its "
                               f"finished runs)")


class GridLock:
    """Who plans and who trains in a grid folder, so that two ``experiment`` processes started on it at
    once cannot both pass its checks: each finds no run of the other trained yet. Held exclusively
    (flock) while a process checks the folder and writes its plan, ``OUT/.experiment-planning.lock``
    has them plan one after the other (a second waits, saying so; no run of either plan is lost from
    ``OUT/experiment.json``); ``OUT/.experiment-working.lock``, held shared by each from the end of
    its planning to its end (and by each task of its SLURM scripts while it runs,
    :mod:`minitransfer.slurm`), tells the next one that another works there now, trained with the
    options the plan records (:func:`minitransfer.grid_check.check_at_work`). The kernel releases both
    when a process dies. A grid refused while planning leaves no lock file behind in a folder it found empty or missing.
    A planner records itself in the planning lock file while it holds it ("PID HOST", a SLURM task's job:
    :func:`minitransfer.lock_holder.this_process_record`; emptied as it lets go), so that a grid waiting there names
    the process it waits for, its command where it runs on this machine, its host where on another
    (:func:`minitransfer.lock_holder.recorded_named`): a planner stopped with Ctrl-Z, or hung on a file system,
    keeps the others waiting.
    Grids of one process at work in a folder share its working lock (:func:`minitransfer.held_locks.share_held`:
    byte-range locks, NFS, are the process's); one that would plan while another of its process plans
    there waits for that one's release, never opening the lock file it holds (whose close would drop
    that lock on NFS).

        with GridLock(out, options, log) as lock:
            ...                 # check_folder, write_plan
            lock.planned()      # from here on: working
            ...                 # train
    """

    PLANNING, WORKING = ".experiment-planning.lock", ".experiment-working.lock"

    def __init__(self, out, options, log=print):
        self.out, self.options, self.log = pathlib.Path(out), options, log
        self._planning = self._working = None
        self._created = False
        self._folder = None  # OUT's (st_dev, st_ino) as the grid planned in it: see check_in_place

    def __enter__(self):
        check_place(self.out, self.options)  # before the lock files are written there
        self._created = not self.out.exists()
        self._planning = self._locked(self.PLANNING, fcntl.LOCK_EX)
        self._folder = _identity(self.out)  # the folder its planning lock was just found in
        return self

    def planned(self):
        """The plan is written: work on (holding the working lock), and let the next process plan."""
        self._working = self._locked(self.WORKING, fcntl.LOCK_SH)
        _unrecord(self._planning)
        _drop(self._planning)
        self._planning = None

    def check_in_place(self):
        """Raise, once the grid is at work (:meth:`planned`), :class:`GridFolderGone` where ``OUT`` is no
        longer the folder it planned in (moved, renamed or deleted, on NFS too), :class:`GridLockLost`
        where it is but its working lock file is no longer the one held."""
        if self._working is None:
            return
        if _identity(self.out) != self._folder:
            raise GridFolderGone(errno.ENOENT, f"{self.out} was moved or deleted while the grid ran; stopped "
                                               f"rather than train its runs left into a second, partial grid "
                                               f"folder there")
        if not run_lock.same_file(self._working, self.out / self.WORKING):
            raise GridLockLost(errno.ENOENT, f"{self.out / self.WORKING}: this grid's working lock was removed or "
                                             f"replaced while the grid ran (removed as a stale lock?), so nothing "
                                             f"stops another minitransfer experiment from starting in {self.out} "
                                             f"and training its runs alongside this grid's; stopped so that two "
                                             f"grids never train in one folder (a grid that ended holds no "
                                             f"lock: its lock files never need removing)")

    def _locked(self, name, operation):
        """A descriptor of ``OUT/name`` holding its lock; waited for, saying so, while another holds it."""
        path = self.out / name
        removed = 0
        waited = False
        while True:
            here = held_locks.share_held(path) if operation == fcntl.LOCK_SH else held_locks.held_here(path)
            if here is not None:  # held by another grid of this process (a thread): shared, or waited for
                if not here.exclusive and operation == fcntl.LOCK_SH:
                    return here.descriptor
                if not waited:
                    self._waiting("")
                    waited = True
                time.sleep(HELD_HERE_POLL_SECONDS)  # never opened: its close would drop that grid's lock (NFS)
                continue
            try:
                self.out.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_RDWR | os.O_CREAT, file_owners.LOCK_FILE_MODE)
            except FileNotFoundError as error:  # the folder removed meanwhile by a grid refused while planning there
                removed += 1
                if removed < FOLDER_REMADE_TRIES:
                    continue
                raise _unwritable(self.out, path, error) from error
            except OSError as error:
                raise _unwritable(self.out, path, error) from error
            try:
                if not run_lock.try_lock(descriptor, operation, path=path):
                    if not waited:
                        self._waiting(lock_holder.recorded_named(descriptor, path, run_lock.PID_WAIT_SECONDS))
                        waited = True
                    fcntl.flock(descriptor, operation)
                if run_lock.same_file(descriptor, path):  # not removed by a planner refused meanwhile
                    held_locks.hold(descriptor, exclusive=operation == fcntl.LOCK_EX)
                    if operation == fcntl.LOCK_EX:
                        _record(descriptor)
                    return descriptor
            except BaseException:
                os.close(descriptor)
                raise
            os.close(descriptor)

    def _waiting(self, named):
        """Say that this grid waits for another to plan (``named``: that one, " (minitransfer experiment, PID
        1234)", or "")."""
        self.log(f"waiting for another minitransfer experiment{named} to finish planning its runs in {self.out}")

    def __exit__(self, *exc):
        if self._planning is not None:  # refused before its plan: the folder as it was found
            with contextlib.suppress(OSError):  # removed meanwhile, or another grid has begun planning there
                if set(os.listdir(self.out)) <= {self.PLANNING, self.WORKING}:
                    for name in (self.WORKING, self.PLANNING):
                        (self.out / name).unlink(missing_ok=True)
                    if self._created:
                        self.out.rmdir()
        if self._planning is not None:
            _unrecord(self._planning)
        for descriptor in (self._planning, self._working):
            if descriptor is not None:
                _drop(descriptor)
        self._planning = self._working = None


def _identity(folder):
    """(st_dev, st_ino) of ``folder``, or None where nothing is there now (:data:`run_lock.GONE`); a
    ``StorageError`` naming it where it cannot be looked at (EIO)."""
    try:
        return file_owners.identity(folder, gone=run_lock.GONE)
    except OSError as error:
        raise fileio.StorageError(error.errno, f"cannot look at {folder}: {error.strerror or error}") from error


def _record(descriptor):
    """Write this process's record (:func:`minitransfer.lock_holder.this_process_record`) in the planning lock it
    has just taken, for the message of a grid waiting there (:func:`minitransfer.lock_holder.recorded_named`); one
    that cannot be
    written (a full disk) leaves that message without it, the grid planning on."""
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, lock_holder.this_process_record(), 0)


def _unrecord(descriptor):
    """Empty the planning lock this process is about to let go of: no record names a planner that is gone
    (what a SLURM task's shared hold there, which writes none, would be taken for)."""
    with contextlib.suppress(OSError):
        os.ftruncate(descriptor, 0)


def _drop(descriptor):
    """Close a descriptor of :meth:`GridLock._locked` (releasing its lock) unless another grid of this
    process shares it."""
    if held_locks.release(descriptor):
        os.close(descriptor)


def _unwritable(out, path, error):
    """The ``StorageError`` of the grid folder ``out`` where the lock file ``path`` cannot be
    written: a folder this process may not write (read-only, another user's) named as such, with
    what a grid writes there; another failure (a full disk) as :func:`minitransfer.fileio.storage_error`
    says it. A lock file that is another user's alone is :class:`LockFileRefused` once no grid holds
    either lock there; while one does, ``RunBusy`` (exit code 2) naming it: the folder is in use."""
    if error.errno not in fileio.UNWRITABLE:
        return fileio.storage_error(path, error)
    if file_owners.lock_file_alone(path):
        locks = [out / name for name in (GridLock.PLANNING, GridLock.WORKING)]
        if any(run_lock.lock_taken(lock) for lock in locks):
            pids = sorted({pid for lock in locks for pid in run_lock.flock_holders(lock)})
            return run_lock.RunBusy(f"{out}{run_lock.BUSY}{run_lock.holder_named(pids)}, a grid planning or "
                                    f"training its runs there; wait for it to finish or stop it, then rerun",
                                    pids[0] if pids else None)
        return LockFileRefused(error.errno, path)
    return cannot_write_in(out, error, f"a grid writes its plan ({PLAN_FILE}), its runs and its lock files there "
                                       f"({path.name} first)")


def cannot_write_in(out, error, what):
    """The ``StorageError`` of the grid folder ``out`` that this process may not write (``error``:
    read-only, another user's), with ``what`` it would write there and where to go instead; where it
    is a lock file alone that it may not write (``error`` a :class:`LockFileRefused`), a
    :class:`LockFileRefused` naming it and its owner: "cannot write in OUT" sent the user to a
    folder they could write."""
    if isinstance(error, LockFileRefused):
        return LockFileRefused(error.errno, error.path, what)
    return fileio.StorageError(error.errno, f"cannot write in {out} ({os.strerror(error.errno)}): {what}; give a "
                                            f"folder this process can write (a copy of this one keeps its finished "
                                            f"runs)")


def cannot_train_in(out, error, left, total):
    """The ``StorageError`` of a grid with ``left`` of its ``total`` runs to train in the folder ``out``,
    which this process may not write (``error``: read-only, another user's)."""
    return cannot_write_in(out, error, f"{left} of {total} runs are left to train there")


def check_writable(out, left, total):
    """Raise, as the grid would (:func:`cannot_train_in`), where ``left`` of its ``total`` runs are to
    train in ``out`` (or the folder it would be made in) and this process may not write there, or
    may not write the lock files of :class:`GridLock` there (another user's, in a folder shared with
    them): its dry run, which writes nothing, listed them as to do, where the grid refused."""
    if not left:
        return
    folder = next(folder for folder in (out, *out.parents) if os.path.lexists(folder))
    locks = [out / name for name in (GridLock.PLANNING, GridLock.WORKING) if (out / name).exists()]
    searched = os.W_OK | os.X_OK  # a folder, to make files in it; a lock file is opened for writing
    refused = next((path for path in (folder, *locks) if not os.access(path, searched if path.is_dir() else os.W_OK)),
                   None)
    if refused is None:
        return
    code = errno.EROFS if file_owners.read_only(refused) else errno.EACCES
    error = (LockFileRefused(code, refused) if refused in locks and file_owners.lock_file_alone(refused)
             else OSError(code, os.strerror(code)))
    raise cannot_train_in(out, error, left, total)


def others_at_work(out):
    """Whether another process works on the grid folder ``out`` now: it holds the working lock of
    :class:`GridLock` (False where the file system has no locks).

    Probed with an exclusive lock on a descriptor open for writing where this process may write
    the file: NFSv4 clients emulate flock with byte-range locks, whose exclusive kind needs one
    (EBADF on a read-only descriptor, which made every rerun on such a mount an I/O error).
    Where it may not write the file (a folder it cannot write, another user's file), the lock is
    probed on a read-only descriptor (:func:`minitransfer.run_lock.lock_taken`): on a local file
    system that sees a grid at work, as does a shared lock where flock is emulated (EBADF).

    A grid of this process at work there counts, as flock counts its lock: found without opening the
    file (:func:`minitransfer.held_locks.held_here`), whose close would drop that lock on NFS."""
    path = pathlib.Path(out) / GridLock.WORKING
    if held_locks.held_here(path) is not None:
        return True
    try:
        descriptor = os.open(path, os.O_RDWR)
    except OSError as error:  # none has worked there, or it cannot be written: probed read-only
        return error.errno in fileio.UNWRITABLE and run_lock.lock_taken(path)
    try:
        return not run_lock.try_lock(descriptor, fcntl.LOCK_EX, path=path)
    finally:
        os.close(descriptor)


def others_at_work_besides(out):
    """Whether a process other than this one works on the grid folder ``out`` now (another grid, a SLURM task):
    :func:`others_at_work`, but where this process holds the working lock itself (a grid at work), whose probe
    would meet its own lock, the other holders ``/proc/locks`` lists (this machine's alone; none where it cannot
    be read). A lone `train` of a run there never takes that lock."""
    path = pathlib.Path(out) / GridLock.WORKING
    if held_locks.held_here(path) is None:
        return others_at_work(out)
    return any(pid != os.getpid() for pid in run_lock.flock_holders(path))


def check_outside_data(out, options):
    """Raise ``ConfigError`` when the grid folder ``out`` lies inside a dataset of ``options`` (its
    data or source data): every run's `train` would refuse to write there, after the grid had
    written its plan into the dataset; or is, or lies inside, any other prepared dataset: a report
    passes dataset folders by, so the grid's own would find none of its runs (``demo -o`` a dataset
    trained them all, then failed), and the report of a folder above the dataset would miss them."""
    for key in ("data", SOURCE_DATA):
        data = options.get(key)
        if data is not None and pathlib.Path(out).resolve().is_relative_to(pathlib.Path(data).resolve()):
            raise config.ConfigError(f"the grid folder {out} lies inside the dataset {data}; write the grid elsewhere")
    folder = path_kinds.dataset_folder_above(out)
    if folder is not None:
        where = "is" if folder == pathlib.Path(out).resolve() else "lies inside"
        raise config.ConfigError(f"the grid folder {out} {where} the dataset {folder}; write the grid elsewhere")


def check_outside_run_dirs(out, example="grid"):
    """Raise ``ConfigError`` when the grid folder ``out`` (named as given) is, or lies inside, the run
    directory of a run (``x.run`` of a ``minitransfer train -o x.h5``): every run's `train` would
    refuse to write there, after the grid had written its plan into that run's files. Worded for
    the demo as for an experiment; ``example``: the name of the folder it suggests beside that run's."""
    host = rundir.enclosing_run_dir(out)
    if host is None:
        return
    where = "is a run's folder" if host == pathlib.Path(out).resolve() else f"lies inside {host}, a run's folder"
    raise config.ConfigError(f"`out` {out} {where} (train wrote it, for {rundir.weights_for(host).name}), where no "
                             f"other run may write: give a folder of its own, e.g. {host.parent / example}")


def check_not_a_report(out, example="grid"):
    """Raise ``ConfigError`` when the grid folder ``out`` (named as given) is a report's folder, one
    holding the tables and figures `minitransfer report` wrote (:func:`minitransfer.path_kinds.report_files`)
    and no grid's plan: the grid wrote its plan and runs among them, and its findings.md read as that
    of the grid's networks; or lies inside one (:func:`minitransfer.path_kinds.report_folder_above`):
    a report's folder is the output of a report, remade or deleted as a whole, and by default
    ``RUNS/report``, so the next report of RUNS pooled the new grid's networks with the runs it
    summed up. A grid's own folder is taken whatever lies around it (a report written since into a
    folder above it: its rerun goes on). Worded for the demo as for an experiment; ``example``: the
    name of the folder it suggests beside the report's."""
    if (pathlib.Path(out) / PLAN_FILE).is_file():  # the grid's own folder, whatever else it holds
        return
    found, report = path_kinds.report_files(out), pathlib.Path(out).resolve()
    if not found:
        report = path_kinds.report_folder_above(out)
        if report is None:
            return
        found = path_kinds.report_files(report)
    named = ", ".join(found[:3]) + (" ..." if len(found) > 3 else "")
    inside = report != pathlib.Path(out).resolve()
    what = f"lies inside {report}, a report's folder" if inside else "is a report's folder"
    why = ("the output of a report, which is remade or deleted as a whole" if inside else
           "where the runs would lie among its files")
    raise config.ConfigError(f"`out` {out} {what} (the tables and figures `minitransfer report` wrote: {named}), "
                             f"{why}: give a folder of its own, e.g. {report.parent / example}")


def check_not_nested(out, what="this grid"):
    """Raise ``ConfigError`` when ``out`` lies inside another grid's folder (one holding its
    experiment.json) or holds one below it: a folder's report reads every run under it, so the
    outer folder's report would pool the two grids' networks, whatever their options (a demo of
    seed 1 in ``minitransfer-demo/seed1`` made the seed-0 demo's findings rest on both seeds).
    More runs for a grid go into its own folder, where :func:`minitransfer.grid_check.check_others`
    compares their options."""
    out = pathlib.Path(out).resolve()
    outer = next((folder for folder in out.parents if (folder / PLAN_FILE).is_file()), None)
    if outer is not None:
        raise config.ConfigError(f"{out} lies inside {outer}, the folder of another grid: the report of {outer} would "
                                 f"pool {what}'s networks with its own; give {what} a folder outside it (more runs "
                                 f"for that grid go into {outer} itself)")
    inner = next((plan.parent for plan in sorted(out.rglob(PLAN_FILE)) if plan.parent != out), None)
    if inner is not None:
        raise config.ConfigError(f"{out} holds {inner}, the folder of another grid, whose networks the report of {out} "
                                 f"would pool with {what}'s; give {what} a folder of its own, or move {inner} out of "
                                 f"it")

"""Who reads a dataset folder while who rewrites it: the folder's ``lock`` file.

``prepare`` holds it exclusively while it writes there (:func:`writing`, a
:class:`minitransfer.run_lock.RunLock`); a training, an evaluation or a verify (``prepare verify``,
``prepare ... --verify``) holds it shared for as long as it reads the files (:func:`shared`, through
:meth:`.dataset.Dataset.reading`). So prepare (an ``--overwrite``, or a rerun that rebuilds a shard)
is refused while another process reads the files it would replace, and a reader while prepare
writes them: :class:`DatasetBusy` (exit code 2) naming the processes. A rerun that has nothing to write
(the dataset prepared with its options: "already prepared") succeeds meanwhile: refused the lock exclusively
by readers, it holds it shared, as one of them, for its check (:func:`minitransfer.data.import_lock.import_lock`).
Any number of readers share a folder. A prepare started while another prepares the folder with
the same options waits for it (:func:`wait_for_prepare`) while it shows progress, which it marks on the lock file
wherever it runs (:func:`marking_progress`), then finds the dataset it left. The kernel releases
the lock when a process dies. The lock file stays
in the dataset's folder (prepare and readers leave it there, made as open() makes any file: 0o666 less the
umask; in a folder its group may write, group-writable too, by prepare as by a reader), so readers of another
user, who may not create it there, open it read-only and hold it shared all the same: its owner's prepare is
refused while they read.
Readers of one process (a verify under ``with dataset.reading()``) share one lock
(:func:`minitransfer.held_locks.share_held`), as where flock is emulated with byte-range locks (NFS) a
second would replace the first, and its release drop it.

Where the lock file is another user's that this user may not read (made 0o600 under a umask 077), reading is
refused while a prepare holds it (the kernel's list of locks names it), else goes on without it, said once.
Where the lock file cannot be created and does not exist (a read-only folder or file system; a
folder of another user's, prepared by an older version, which removed it) reading goes on without a lock:
nobody can prepare into the former, and the latter's owner creates it by rerunning prepare as it was.
"""

import contextlib
import fcntl
import os
import pathlib
import stat
import threading
import time

from minitransfer import file_owners, held_locks, lock_holder, run_lock, stopping

LOCK_FILE = run_lock.RunLock.FILE
# how long a prepare waits for another of the same dataset that shows no progress (:func:`progress_mark`): a shard
# of ImageNet (about 1000 images) takes a minute or two; listing its 1.3 million files keeps the holder's CPU busy
STALLED_S = 30 * 60
WAIT_POLL_S = 1  # how often a waiting prepare looks whether the other one has ended
PROGRESS_LOOK_S = 60  # how often it looks for the other one's progress (a stat of each file of the folder)
WAIT_SAID_EVERY_S = 300  # how often a waiting prepare says it still waits (a log silent for hours reads as hung)
HEARTBEAT_S = 60  # how often at most a prepare marks its progress on its lock file (:func:`marking_progress`)
clock, _sleep = time.monotonic, time.sleep  # what a wait is measured and spent with (a test's replace them)


class DatasetBusy(run_lock.RunBusy):
    """A training, an evaluation or a verify reads the dataset prepare would rewrite, or prepare rewrites
    the dataset one would read (exit code 2); ``pids`` lists the processes in the way."""

    def __init__(self, message, pids):
        super().__init__(message, pids[0] if pids else None)
        self.pids = pids


class BeingPrepared(run_lock.RunBusy):
    """Another prepare (or a process whose command cannot be told, such as a script calling the library)
    writes into the dataset folder (exit code 2); ``pid``: :func:`minitransfer.run_lock.holder`'s answer."""


@contextlib.contextmanager
def shared(folder):
    """Hold ``folder``'s lock shared for the block (a reader of the dataset there); raises
    :class:`DatasetBusy` naming prepare's PID while it writes there."""
    path = pathlib.Path(folder) / LOCK_FILE
    descriptor = _lock_shared(path)
    try:
        yield
    finally:
        if descriptor is not None:
            _release(descriptor)


@contextlib.contextmanager
def writing(folder):
    """Hold ``folder``'s lock exclusively for the block (prepare writing the dataset there; the
    folder is created). Raises :class:`DatasetBusy` naming the readers while trainings,
    evaluations or verifies read it, ``RunBusy`` while another prepare writes there (or a training into
    its run folder, a report), each named by its command where it can be told, ``StorageError`` where
    the lock file cannot be created."""
    lock = run_lock.RunLock(folder, keep=True)
    try:
        lock.__enter__()
        _group_may_write(pathlib.Path(folder) / LOCK_FILE)
    except run_lock.RunBusy as busy:
        if busy.pid is not None:
            raise _held_exclusively(folder, busy.pid) from None
        pids = readers(folder)
        raise DatasetBusy(f"{folder} is being read by another minitransfer process{_readers_named(pids)}; preparing "
                          f"it would replace the files it reads: wait for it to finish or stop it, then rerun",
                          pids) from None
    try:
        yield
    finally:
        lock.__exit__(None, None, None)


def _held_exclusively(folder, pid):
    """The ``RunBusy`` (exit code 2) of a prepare into ``folder`` while ``pid`` holds it: another prepare
    (or a process whose command cannot be told, such as a script calling the library), or else the
    command that holds it (a training whose run folder it is, a report writing there)."""
    command, held = lock_holder.command_named(pid)
    if _a_prepare(command):
        return BeingPrepared(f"{folder} is being prepared by another minitransfer process{held}: wait for it to "
                             f"finish, or give another OUT", pid)
    return run_lock.RunBusy(f"{folder}{run_lock.BUSY}{held}, which writes there: give another OUT", pid)


def _a_prepare(command):
    """Whether the holder running ``command`` (None: it cannot be told) is taken for a prepare."""
    return command is None or command.startswith("minitransfer prepare")


def wait_for_prepare(folder, busy, same_import, since):
    """Wait while another prepare holds ``folder``'s lock (``busy``, the :class:`BeingPrepared` that refused this
    one), saying so on stderr as it starts (naming the holder: its command and PID, its SLURM job) and every
    :data:`WAIT_SAID_EVERY_S`; returns once nobody holds it exclusively, for the caller to take it and check what
    the other one left (two same prepares started together, in two terminals or two SLURM jobs sharing a cache: the
    second was refused, exit 2, where it finds the dataset prepared once the first ends). Raises ``busy`` where it
    names this process (a caller holding the lock cannot be waited for), and, as it was raised before, a refusal
    naming the holder at once where ``same_import()`` is False (``folder`` holds a dataset, or the shards of an
    unfinished import, of another source or other options) or the holder is not a prepare; one naming the
    holder and what to do once it has shown no progress (:func:`progress_mark`) for :data:`STALLED_S`: a holder
    stopped with Ctrl-Z, or hung on a file system, keeps the lock for good, while a prepare of ImageNet on a slow disk
    may take longer than any fixed bound (``since``: the clock's time the first wait began, for the minutes said). A
    stop (Ctrl-C, SLURM's SIGTERM) ends the wait as it ends any command (exit code 75), saying that it stopped while
    waiting, nothing written: its bare KeyboardInterrupt was told by prepare "the shards finished so far are kept",
    of the shards the other wrote."""
    try:
        _wait_while_held(folder, busy, same_import, since)
    except KeyboardInterrupt as stop:
        if str(stop):  # said already
            raise
        raise KeyboardInterrupt(f"stopped by a signal while waiting for the other prepare of {folder} to finish; "
                                f"this one wrote nothing: rerun the same command (it waits again, then checks the "
                                f"dataset left)") from None


def _wait_while_held(folder, busy, same_import, since):
    """:func:`wait_for_prepare`'s wait, a stop aside."""
    if lock_holder.is_this_process(busy.pid):
        raise busy
    said = said_at = looked_at = mark = moved_at = None
    while True:
        pid = run_lock.holder(folder)
        if pid is None:
            return
        if lock_holder.is_this_process(pid):  # taken by another thread of this process since it was refused
            raise busy
        command, held = lock_holder.command_named(pid)
        if not _a_prepare(command) or not same_import():
            raise _held_exclusively(folder, pid)
        now = clock()
        if looked_at is None or now - looked_at >= PROGRESS_LOOK_S:
            seen = progress_mark(folder, pid)
            if seen != mark:
                mark, moved_at = seen, now
            elif now - moved_at >= STALLED_S:
                raise _stalled(folder, pid, held, seen[2] is not None)
            looked_at = now
        if said != pid:
            stopping.warn(f"{folder} is being prepared by another minitransfer process{held}: waiting for it to "
                          f"finish (for as long as it shows progress), then checking the dataset it leaves against "
                          f"this prepare's options")
            said, said_at = pid, now
        elif now - said_at >= WAIT_SAID_EVERY_S:  # "starting up" reads oddly after minutes
            held = lock_holder.unwritten_named(pathlib.Path(folder) / LOCK_FILE) if pid == -1 else held
            stopping.warn(f"still waiting for the prepare of {folder}{held} to finish "
                          f"({int(now - since) // 60} minutes so far)")
            said_at = now
        _sleep(WAIT_POLL_S)


def _stalled(folder, pid, held, cpu_seen):
    """The :class:`BeingPrepared` of a wait given up: the holder ``pid`` showed no progress for :data:`STALLED_S`
    (``cpu_seen``: its CPU time was read, and did not change; that of a holder on another host cannot be, which
    is said: only the folder's files were watched). A holder that never wrote its PID (-1) is not told to be ended
    with ``kill -9 -1``, which ends every process of the user's: the lock file's users name it (fuser); one of
    another user, whom kill or scancel would refuse, is to be ended by its owner (:func:`_who_ends`)."""
    job, host = getattr(pid, "job", None), getattr(pid, "host", None)
    if int(pid) < 0:
        held = " (one that never wrote its PID)"
        stop = lock_holder.fuser_names(pathlib.Path(folder) / LOCK_FILE)
    else:
        stop = f"scancel {job}" if job else f"kill -9 {int(pid)} on host {host}" if host else f"kill -9 {int(pid)}"
    end = f"{_who_ends(folder, pid)} ({stop})"
    watched = ", no CPU time used" if cpu_seen else (
        f"; its CPU time cannot be seen from this machine, as it runs on host {host}: only the folder's files were "
        f"watched" if host else "")
    return BeingPrepared(f"{folder} is still being prepared by another minitransfer process{held}, which has shown "
                         f"no progress for {STALLED_S // 60} minutes (no file of the folder changed{watched}): it may "
                         f"be stopped (Ctrl-Z) or hung. Rerun this command to wait again, or {end} and rerun, which "
                         f"finishes its import; or give another OUT", pid)


def _who_ends(folder, pid):
    """"end it", or where the holder ``pid`` of ``folder``'s lock is not this user's (whose kill or scancel would
    be refused), "ask user alice, who runs it, to end it" (a process of this machine); for one on another host,
    whose owner this machine cannot see, the lock file's owner is asked where that is another user ("ask its
    owner (the lock file is user alice's) to end it": the prepare that made it, as a rule). A holder that never
    wrote its PID is ended by whoever fuser names."""
    if int(pid) < 0:
        return "end it"
    if getattr(pid, "host", None) is None:
        user = lock_holder.user_of(pid)
        return f"ask {user}, who runs it, to end it" if user else "end it"
    try:
        uid = os.stat(pathlib.Path(folder) / LOCK_FILE).st_uid
    except OSError:
        return "end it"
    if uid == os.geteuid():
        return "end it"
    return f"ask its owner (the lock file is {file_owners.as_user(uid)}'s) to end it"


def marking_progress(folder, progress=None):
    """``progress`` (an import's ``progress(done, total[, stage])``; None: nothing shown), which also marks the
    progress reported on ``folder``'s lock file, at most every :data:`HEARTBEAT_S`: its time of last change set to
    now. A prepare waiting for this one (:func:`wait_for_prepare`) counts it as progress (:func:`progress_mark`)
    where it sees none other: from another host sharing the folder (a cluster's), which cannot see this one's CPU
    time, while a rerun checks ImageNet's shards ("already prepared") for many minutes and writes nothing. Only a
    report marks it, never a timer, so a prepare stopped or hung shows none. The lock file's time, not a file of its
    own: nothing is left by a prepare killed, and an import's writes leave the lock file out
    (:func:`.import_writes.state_before`)."""
    path, marked = pathlib.Path(folder) / LOCK_FILE, None

    def report(done, total, *stage):
        nonlocal marked
        now = clock()
        if marked is None or now - marked >= HEARTBEAT_S:
            marked = now
            with contextlib.suppress(OSError):  # held shared, on a lock file this user may not write
                os.utime(path)
        if progress:
            progress(done, total, *stage)
    return report


def progress_mark(folder, pid):
    """What changes while the prepare ``pid`` holding ``folder``'s lock makes progress: the name, size and time of
    each file there (a shard written, under its temporary name then renamed; importing.json, mean.h5, meta.json; the
    lock file, which a prepare marks as it reports progress: :func:`marking_progress`) and, where it runs on this
    machine, the CPU time it used (listing a large source writes nothing for minutes)."""
    files = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            with contextlib.suppress(OSError):
                status = entry.stat(follow_symlinks=False)
                files.append((entry.name, status.st_size, status.st_mtime_ns))
    return int(pid), sorted(files), None if getattr(pid, "host", None) else _cpu_ticks(pid)


def _cpu_ticks(pid):
    """The user and system CPU time the process ``pid`` of this machine used so far, in clock ticks (utime and
    stime of /proc/PID/stat), or None where it cannot be read."""
    try:
        fields = pathlib.Path(f"/proc/{int(pid)}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def _readers_named(pids):
    """How the readers of a dataset are named: " (minitransfer train, PID 1234)", each with its
    command where it can be told (:func:`minitransfer.lock_holder.command_of`); else as "a training, an
    evaluation or a verify", and their PIDs where known."""
    commands = [lock_holder.command_of(pid) for pid in pids]
    if not any(commands):
        return f" (a training, an evaluation or a verify){run_lock.holder_named(pids)}"
    return " (" + "; ".join(f"{command}, {run_lock.pid_named(pid)}" if command else run_lock.pid_named(pid)
                            for pid, command in zip(pids, commands)) + ")"


def readers(folder):
    """The PIDs holding ``folder``'s lock shared (:func:`minitransfer.run_lock.flock_holders`)."""
    return run_lock.flock_holders(pathlib.Path(folder) / LOCK_FILE, ("READ",))


_SHARING = threading.Lock()  # one thread of this process at a time looks for its shared lock and takes one


def _new_sharing_lock():
    """In a forked child: a lock of its own (another thread of the parent may have held it as it forked)."""
    global _SHARING
    _SHARING = threading.Lock()


os.register_at_fork(after_in_child=_new_sharing_lock)


def _lock_shared(path):
    """A descriptor of ``path`` holding its shared lock, or None where there is no lock to take. The look for
    this process's lock and the taking of one are one step among its threads: two threads that both found none
    both took one, and the second to record it was refused (``held_locks.hold``'s RuntimeError, a traceback
    from inside a notebook's second training)."""
    with _SHARING:
        return _take_shared(path)


def _take_shared(path):
    """:func:`_lock_shared`'s work, under its lock."""
    while True:
        here = held_locks.share_held(path)
        if here is not None:  # by this process: readers share its lock; prepare (exclusive) refuses them
            if not here.exclusive:
                return here.descriptor
            check_not_prepared(path.parent)
            continue  # released meanwhile (by another thread): locked anew
        try:
            descriptor = _opened_for_writing(path)
        except OSError:
            try:  # flock needs no write access: the lock file of a folder this process may not write
                descriptor = os.open(path, os.O_RDONLY)
            except PermissionError as error:  # another user's, 0o600 (a umask 077)
                _read_unlocked(path, error)
                return None
            except OSError:
                return None
        try:
            locked = run_lock.try_lock(descriptor, fcntl.LOCK_SH, path=path)
        except OSError:
            os.close(descriptor)
            raise
        if not locked:
            os.close(descriptor)
            check_not_prepared(path.parent)
        elif run_lock.same_file(descriptor, path):  # not unlinked by a releasing holder meanwhile
            held_locks.hold_or_close(descriptor, exclusive=False)
            return descriptor
        else:
            os.close(descriptor)


_UNLOCKED_WARNED = set()  # the lock files said to be read past, once each per process


def _read_unlocked(path, error):
    """Reading goes on without the lock file ``path``, which this user may not open (another user's, made 0o600
    under a umask 077): :class:`DatasetBusy` while a prepare holds it, as the kernel's list of locks tells
    (:func:`minitransfer.run_lock.holder`); else said once, with its owner and mode: a prepare started meanwhile
    is not refused. It went on silently, and a prepare --overwrite could rewrite the files under the reader."""
    check_not_prepared(path.parent)
    if path not in _UNLOCKED_WARNED:
        owner, mode = file_owners.owner_and_mode(path)
        if stopping.warn(f"warning: cannot open {path}, the lock of the dataset {path.parent} ({error.strerror}; it "
                         f"is {owner}'s, {mode}): read without it, so a prepare into the folder is not refused while "
                         f"this process reads; {file_owners.ask_to_share(owner, path, reading=True)}"):
            _UNLOCKED_WARNED.add(path)


def _opened_for_writing(path):
    """A descriptor of the lock file ``path`` open for writing, made where missing (a dataset an older version
    prepared has none). One a reader makes stays (the owner's prepare keeps its own): in a folder the group may
    write it is made so the group may read and write it too, whatever the umask (0o644 under a umask 022: the
    folder's other users could no longer open it for writing, to prepare there)."""
    while True:
        try:
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, file_owners.LOCK_FILE_MODE)
        except FileExistsError:
            try:
                return os.open(path, os.O_RDWR)
            except FileNotFoundError:  # removed meanwhile (prepare --overwrite of an older version's folder)
                continue
        _group_may_write(path, descriptor)
        return descriptor


def _group_may_write(path, descriptor=None):
    """Make the lock file ``path`` (open as ``descriptor``, where given) one the group may read and write, where
    its folder is the group's to write and the file this user's: prepare's, under a umask 022, was 0o644, and
    another user of the group was refused a prepare --overwrite there (exit code 74) that could replace every
    other file of the folder, as rename replaces another user's file in a folder the group may write."""
    with contextlib.suppress(OSError):  # a file system without modes: as open() made it
        status = os.fstat(descriptor) if descriptor is not None else os.stat(path)
        wanted = status.st_mode & 0o777 | stat.S_IRGRP | stat.S_IWGRP
        if os.stat(path.parent).st_mode & stat.S_IWGRP and status.st_uid == os.geteuid() and \
                wanted != status.st_mode & 0o777:
            os.chmod(descriptor if descriptor is not None else path, wanted)


def check_not_prepared(folder):
    """:class:`DatasetBusy` naming prepare's PID while it writes into ``folder``."""
    pid = run_lock.holder(folder)
    if pid is not None:
        raise DatasetBusy(f"{folder} is being prepared by another minitransfer process{run_lock.holder_named(pid)}, "
                          f"which replaces its files; wait for it to finish, then rerun", [pid])


def _release(descriptor):
    """Drop a reader's lock, unless another reader of this process still holds it; the file stays, for
    the next reader (another user's too)."""
    if held_locks.release(descriptor):
        os.close(descriptor)

"""Starting one run of a local grid (:meth:`minitransfer.grid_runner.GridRunner._launch`): the line that
says so (:func:`start_line`, numbered as it is said: :func:`said_start_line`), the run's folder made and its
train command written at the head of its log (:func:`open_run_log`; that of minitransfer's own train, and
its output, kept apart until it holds the run's lock, and as it ends before, joined to the log or dropped where
it lost the race for the run: :func:`lost_race_apart`), and its process started with stop
requests held until the grid has it among its running ones (:func:`start_held_from_stops`). The start line
of minitransfer's own train is said once that train holds the run's lock (:func:`holds_its_lock`), or as it
ends where it never was seen to; that of another train command at once.
"""

import shlex

from minitransfer import fileio, stop_requests
from minitransfer.experiment import LOG_FILE, run_dir
from minitransfer.grid_gpus import gpu_name
from minitransfer.grid_outcome import COMMAND_PREFIX, EXIT_BUSY
from minitransfer.grid_status import TRIED, RESUME, TODO, RunStatus, busy_refusal, run_holder, run_status
from minitransfer.lock_holder import is_this_process
from minitransfer.rundir import RESULT_FILE


def start_line(out, run, device, numbers):
    """"start RUN on WHERE", or "resume RUN on WHERE at iteration I" for one its train continues from its
    checkpoint, as the run stands before its train starts; ``device`` a GPU, or None (the CPU); its "[K/N] "
    comes as it is said (:func:`said_start_line`). A run whose train writes its
    result.json again from its checkpoint, training nothing (:data:`~minitransfer.grid_status.WRITE_AGAIN`), is
    not among the N it trains: "writing result.json of RUN again from its checkpoint" (before, "[1/1] start RUN
    on CPU"). Which, as the grid planned it (``numbers.again``), not as the run stands now: one no longer
    WRITE_AGAIN as it starts was said "[None/N] start RUN". One whose resume its run folder refuses
    (:data:`~minitransfer.grid_status.NOT_RESUMABLE`), or whose checkpoint is damaged
    (:data:`~minitransfer.grid_status.BAD_CHECKPOINT`): its train is run, and refuses it (exit 65), so "try RUN on
    WHERE (not resumable: REASON): its train refuses to resume it", in the dry run's words; one whose weights are
    there without a checkpoint (:data:`~minitransfer.grid_status.WEIGHTS_ALONE`), "...: its train refuses to
    replace them" (exit 2); one whose checkpoint cannot be read now
    (:data:`~minitransfer.grid_status.CHECKPOINT_UNREADABLE_NOW`), "...: its train looks at it again". Before,
    each was "start RUN", as if it were started over."""
    if run.name in numbers.again:
        return written_again_line(run, "writing", "from its checkpoint")
    where = "CPU" if device is None else gpu_name(device)
    try:
        status = run_status(out, run)  # "resume at iteration K": its train continues from its checkpoint
    except OSError:  # a checkpoint that cannot be read: the run's own train says so, not the grid
        status = RunStatus(TODO)
    if status.kind in TRIED:
        return f"try {run.name} on {where} ({status}): {TRIED[status.kind]}"
    verb, at = ("resume", f" at iteration {status.iteration}") if status.kind == RESUME else ("start", "")
    return f"{verb} {run.name} on {where}{at}"


def said_start_line(run, line, numbers):
    """"[K/N] ``line``" (:func:`start_line`'s) as it is said, ``run`` numbered now (the K-th said; a run started
    again keeps its number) and N as it stands now, from ``numbers`` (the grid's
    :class:`~minitransfer.grid_counts.StartNumbers`); ``line`` alone for a run whose result.json alone is
    written again. Numbered as said, the lines come in number order; numbered as started, a line held until
    its train held the run's lock came out "[2/3]" before "[1/3]" where two slots' trains took theirs out of
    order. A run another process took before its line was said is unnumbered, no longer among the N."""
    if run.name in numbers.again:
        return line
    numbers.start(run)
    return f"[{numbers.of(run)}/{numbers.total}] {line}"


def holds_its_lock(out, run, process):
    """Whether the train ``process`` of ``run`` holds the run's lock (:mod:`minitransfer.run_lock`): it has
    taken the run, and its start line may be said. Before, a grid said "[1/3] start RUN" as it started the
    train, then "RUN not started after all" where another process (a second grid on the folder) had taken
    it first. False for a lock that cannot be read: the line is said as the train ends. On a file system
    without locks (:data:`minitransfer.run_lock.NO_LOCKS`) by the lock file's record of its holder: before,
    flock told nothing there, and the line was held back until the train ended, hours later."""
    return is_this_process(run_holder(out, run, recorded=True), process.pid)


def written_again_line(run, verb, rest=""):
    """"writing result.json of RUN again from its checkpoint" (``verb`` "writing", ``rest`` what follows
    "again"), or "wrote ... again" once it has: the lines of a run whose train trains nothing."""
    return f"{verb} {RESULT_FILE} of {run.name} again{f' {rest}' if rest else ''}"


def open_run_log(out, run, command, apart=False):
    """Make the folder of ``run`` and append ``$ command`` to its log, or with ``apart`` (minitransfer's own
    train, which joins its output to the log once it holds the run's lock: :mod:`minitransfer.train_log`)
    to a file of its own beside the log (:func:`output_apart`); (the log's path, that file's or None). A
    folder or file that cannot be written raises :class:`~minitransfer.fileio.StorageError` naming it (a
    full disk): the log, never the file apart, which is removed (before, "cannot write RUN/.train.log.tmp-HOST-PID",
    a name the user never sees elsewhere, and the empty file stayed beside the log until a train next wrote the
    run)."""
    folder = run_dir(out, run)
    log = folder / LOG_FILE
    output = output_apart(log) if apart else log
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if apart:
            output.unlink(missing_ok=True)  # an earlier process's of the same PID, left as it died
    except OSError as error:
        raise fileio.storage_error(folder, error) from error
    if apart:
        fileio.append_text(log, "")  # made as before: the grid watches it from here (Warnings), none refused later
    try:
        fileio.append_text(output, f"{COMMAND_PREFIX}{shlex.join(command)}\n", named=log)
    except fileio.StorageError:
        if apart:
            _remove(output)
        raise
    return log, output if apart else None


def _remove(path):
    """Remove ``path`` if it is there; one that cannot be removed is left (a later train removes it, as it does
    a grid's killed: :func:`output_apart`)."""
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass


def output_apart(log):
    """Where a train this grid starts writes until it holds its run's lock: a temporary of the run's ``log``
    carrying this process's PID (:func:`minitransfer.fileio.temporary_path`), so that one a grid killed left
    behind is removed as a train next writes the run (:func:`minitransfer.fileio.remove_stale_temporaries`)."""
    return fileio.temporary_path(log)


def lost_race_apart(log, code):
    """Whether the train whose run's log is ``log``, which ended with ``code`` before it held the run's lock,
    lost the race for that lock: exit 2, its output apart (:func:`output_apart`) ending on the lock's refusal
    (:data:`minitransfer.run_lock.BUSY`), which is then dropped; else its output, the error it ended on or the
    stop it met, is joined to the log, where it was read before. Its own output, never the log that the
    process holding the run writes: a grid read the race off the log's last line, which that process's next
    line replaced (the run counted FAILED). A train that held the lock joined its output itself: none is left
    apart, and none of another train command is kept apart. An output that cannot be joined (a full disk) is
    left apart, beside the log."""
    apart = output_apart(log)
    try:
        text = apart.read_text(encoding="utf-8", errors="surrogateescape")  # joined to the log byte for byte
    except OSError:
        return False
    lines = text.splitlines()
    lost = code == EXIT_BUSY and busy_refusal(lines[-1] if lines else None)
    if not lost:
        try:
            fileio.append_text(log, text)
        except fileio.StorageError:
            return False
    _remove(apart)  # one that cannot be removed is left beside the log, read again by no one
    return lost


def start_held_from_stops(start):
    """Call ``start``, which starts a run's process and records it as running, with stop requests held:
    a stop while the run starts (a launcher forks it, or Popen does) waits until the run is running,
    where the grid's stop reaches it; else the run trained on unstopped (and the grid waited for its
    launcher, which waits for the run). A signal ignored here stays so, for the run too. A stop held is
    raised again once ``start`` returns, heard by the grid's own handler (run_grid), which then records
    the stops that follow."""
    stop_requests.held_until_done(start)

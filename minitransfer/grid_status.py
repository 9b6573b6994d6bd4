"""Where each run of a grid stands in its folder, as the grid's dry run shows it: finished (:func:`is_finished`, as
report reads it), to resume, to train, or held by another process (:func:`run_status`, a :class:`RunStatus`: its words
and its fields); whether a finished run's result.json is lost (:func:`is_lost`, the one rule; not there,
:func:`missing_result`, as its train tells it), and what to do with it (:func:`result_lost`); each run's result.json
read once per look at a grid folder (:class:`RunStates`); the error its train ended on, as its train.log tells it, or
SLURM's kill of it for its memory limit (:func:`error_line`); a run the grid planned and never started, as info and eval
say it (:func:`planned_not_started`). What a rerun says of the runs it trains again, read from these:
:mod:`minitransfer.grid_rerun_notes`.
"""

import os
import pathlib
import shlex

from minitransfer import checkpoint as checkpoints
from minitransfer import run_remedies
from minitransfer.bad_checkpoint import planning_grid, rerun_its_grid
from minitransfer.experiment import CHECKPOINT_FILE, LOG_FILE, TREATMENT_FILE, run_dir, weights_path
from minitransfer.checkpoint_info import resume_refused  # the check info asks
from minitransfer.resumed_logs import RunLogError
from minitransfer.resumed_records import at_end
from minitransfer.rundir import RESULT_FILE, is_run_dir, train_again
from minitransfer.result_checks import ResultContradicted, check_against_curve, read_result
from minitransfer.run_file_readers import read_json
from minitransfer.left_out import UnreadableRun
from minitransfer.log_tail import last_whole_line
from minitransfer.memory_kills import SRUN_PREFIX, killed_and_remedy, memory_line
from minitransfer.own_presets import pasted
from minitransfer.run_lock import BUSY, holder, pid_named
from minitransfer.run_networks import files_gone, recorded_preset
from minitransfer.train_finished import missing_why


def last_log_line(folder):
    """The last line of the train.log the grid writes into the run folder ``folder`` that its train wrote:
    how its train ended; "" where there is no log that can be read (trained by hand, not started). Not
    srun's own ("srun: error: node: task 0: Exited with exit code 65"), which a SLURM task's step appends
    after the train's error line: before, a SLURM run that failed on bad data was "stopped before its first
    checkpoint" in report, and a dry run, the README's way to watch such a grid, did not say it failed. Read whole
    (:func:`minitransfer.log_tail.last_whole_line`): its last 4096 bytes alone cut an error line longer than
    that, which then did not begin "error: ", and the run was not counted as failed."""
    try:
        last = last_whole_line(folder / LOG_FILE)
        if last.startswith(SRUN_PREFIX):  # read further back, past srun's lines
            return last_whole_line(folder / LOG_FILE, skipping=(SRUN_PREFIX,)) or last
    except OSError:
        return ""
    return last


def error_line(folder, last=None):
    """The error the train of the run folder ``folder`` ended on, the last line of its train.log
    ("error: ..."), or SLURM's kill of it for its job's memory limit, as the lines after its train's end say it
    (:func:`minitransfer.memory_kills.memory_line`): 'out of memory: SLURM killed its training ... ("slurmstepd:
    error: ..."); ask for more memory per task (...)', as its SLURM task says it; before, report said such a run
    "stopped before its first checkpoint", its dry run "[todo]" alone. None where it ended otherwise, or has no log
    that can be read. ``last``: that line, where the caller has read it (:func:`last_log_line`)."""
    last = last_log_line(folder) if last is None else last
    if last.startswith("error: "):
        return last
    memory = memory_line(folder / LOG_FILE) if last else None
    return killed_and_remedy(memory) if memory else None


def planned_not_started(folder, weights):
    """What a run folder ``folder`` (of weights file ``weights``) that holds a grid's treatment.json and nothing
    else is: a run the grid planned, not started yet, and how to start it; None where the folder holds more (its
    train started: a train.log, its config.json) or is no planned run's. info said such a folder was "a folder
    without a network", then "not started, or stopped before writing its first checkpoint"."""
    folder = pathlib.Path(folder)
    try:
        if {entry.name for entry in os.scandir(folder)} != {TREATMENT_FILE}:
            return None
    except OSError:
        return None
    grid = planning_grid(folder)  # as given where the path names it; None where no plan is there
    planned_by = "a grid" if grid is None else f"the grid in {grid}"
    return (f"{folder} is the run folder of {pathlib.Path(weights).name}, a run {planned_by} planned, not started "
            f"yet: it holds the grid's {TREATMENT_FILE} alone, no network; to start it, "
            f"{rerun_its_grid(folder, '; a grid for SLURM: its submit.sh, or its job waiting in the queue, starts it')}"
            f", or give another network")


def busy_refusal(line):
    """Whether ``line`` (a train's last line of output, or None) is its refusal of a run another process
    holds (:data:`minitransfer.run_lock.BUSY`)."""
    return line is not None and line.startswith("error: ") and BUSY in line


def is_finished(out, run):
    """Whether ``run`` is finished as report reads it: its weights file there and a result.json report reads
    (:func:`unreadable_result`). Before, an empty or truncated one was counted as finished: the grid skipped the
    run, and its report left it out, with the transfers measured against it."""
    return _files_there(out, run) and unreadable_result(out, run) is None


def run_holder(out, run, recorded=False):
    """Who holds the lock of ``run`` (:func:`minitransfer.run_lock.holder`, ``recorded`` as there: None where no
    process does); False where its lock cannot be read, so that who holds it is not known."""
    try:
        return holder(run_dir(out, run), recorded)
    except OSError:
        return False


def _files_there(out, run):
    return weights_path(out, run.name).exists() and (run_dir(out, run) / RESULT_FILE).exists()


class RunStates:
    """What one look at a grid folder (a grid's start: its checks, the runs it skips, trains or says lost) has
    read of each run's result.json (:func:`unreadable_result`), read once per run. Before, a grid's start read
    a finished run's result.json up to four times: its checks (:mod:`minitransfer.grid_trained`), the runs
    finished and lost (:func:`finished_and_lost`), the notes it said. Create one per look (a result.json
    written meanwhile is read anew by the next)."""

    def __init__(self):
        self._unreadable = {}

    def unreadable(self, out, run):
        """:func:`unreadable_result` of ``run`` in ``out``, read once."""
        key = (str(out), run.name)
        if key not in self._unreadable:
            self._unreadable[key] = _unreadable_result(out, run)
        return self._unreadable[key]


def unreadable_result(out, run, states=None):
    """Why report cannot read the result.json of ``run`` (:func:`minitransfer.result_checks.read_result`'s
    :class:`UnreadableRun`, as text), or refuses it for its eval.csv rows edited since
    (:func:`minitransfer.result_checks.check_against_curve`: the run is then not finished either, as one whose
    result.json was edited; before, the grid skipped it and report refused the folder at the end), where it has
    one; None where it reads it, or there is none. ``states``: the :class:`RunStates` of this look at ``out``, which
    read it once (None: read now)."""
    return _unreadable_result(out, run) if states is None else states.unreadable(out, run)


def _unreadable_result(out, run):
    path = run_dir(out, run) / RESULT_FILE
    if not path.exists():
        return None
    try:
        record = read_json(path, dict)
        read_result(path, record)
    except UnreadableRun as error:
        return str(error)
    try:  # its eval.csv rows no longer those it sums up: report refuses the run as edited, as one edited itself
        check_against_curve(path, record, path.with_name("eval.csv"))
    except ResultContradicted as error:
        return str(error)
    except UnreadableRun:  # an eval.csv that cannot be read: report leaves the run out, saying why
        pass
    return None


def is_lost(out, run, unreadable):
    """Whether ``run`` is :data:`RESULT_LOST`, ``unreadable`` being :func:`unreadable_result`'s answer for it: its
    result.json there but unreadable, its weights file there, its checkpoint gone, and no process holds its lock
    (one that does may write them: :func:`run_status` says it is being trained). The one rule the grid's checks
    (:func:`minitransfer.grid_trained.trained_file`), its start (:func:`finished_and_lost`) and its dry run
    (:func:`run_status`) follow. SLURM's submit.sh checks in bash a rule of its own
    (:func:`minitransfer.slurm_finished.lost_function_lines`): its result.json there but not whole as bash's
    ``written`` tells it (the keys and pairing checked, not the values report reads), and no lock looked at."""
    folder = run_dir(out, run)
    return (unreadable is not None and weights_path(out, run.name).exists()
            and not (folder / CHECKPOINT_FILE).exists() and holder(folder) is None)


def missing_result(out, run):
    """Why ``run`` is :data:`RESULT_LOST` where its result.json is not there: its weights file holds its network at
    its last iteration (its meta's ``iteration`` its ``max_iter``), in its run folder (one with a run's files,
    :func:`minitransfer.rundir.is_run_dir`), its checkpoint gone, and no process holds its lock: its train refuses
    it with exit 65, keeping the weights (:func:`minitransfer.train_finished.result_missing`); the reason, in its
    words (:func:`minitransfer.train_finished.missing_why`); None otherwise (weights of another network, or not at
    their end, or no run folder: :data:`WEIGHTS_ALONE`, which its train refuses to replace, exit 2). Before, every
    such run was :data:`WEIGHTS_ALONE`: its dry run and the grid advised moving the finished network away."""
    folder, weights = run_dir(out, run), weights_path(out, run.name)
    if ((folder / RESULT_FILE).exists() or (folder / CHECKPOINT_FILE).exists() or not weights.exists()
            or not is_run_dir(folder)):
        return None
    meta = _readable_meta(weights)
    if meta is None:
        return None
    max_iter = meta.get("config", {}).get("max_iter")
    if max_iter is None or meta.get("iteration") != max_iter or holder(folder) is not None:
        return None
    return missing_why(weights, folder, max_iter)


def _result_lacking(out, run, unreadable):
    """Whether report lacks the result.json of ``run``: one it cannot read (``unreadable``, :func:`unreadable_result`'s
    answer for it) or none there (deleted, or lost in a copy)."""
    return unreadable is not None or not (run_dir(out, run) / RESULT_FILE).exists()


def result_written_again(out, run, states=None):
    """Whether the train of ``run`` writes its result.json again from its checkpoint, which is at the run's last
    iteration (as ``info`` advises: train --resume, which the grid's train command has), and whose resume its run
    folder does not refuse (:func:`resume_refused`, as :func:`run_status` says it): its result.json unreadable, or
    not there (before, "resume at iteration K", counted trained). ``states``: as for :func:`unreadable_result`."""
    saved = run_dir(out, run) / CHECKPOINT_FILE
    if not saved.exists() or not _result_lacking(out, run, unreadable_result(out, run, states)):  # a stat first
        return False
    meta = _readable_meta(saved)
    return meta is not None and at_end(meta) and resume_refused(run_dir(out, run), meta) is None


def weights_written_again(out, run, states=None):
    """Whether the train of ``run`` writes its weights file again from its checkpoint, training nothing: finished
    (its result.json read), its weights file gone, its checkpoint at its end. Its status stays "resume at
    iteration K", K its last (:func:`run_status`); a rerun says so (:mod:`minitransfer.grid_rerun_notes`), which
    said nothing of it. ``states``: as for :func:`unreadable_result`."""
    saved = run_dir(out, run) / CHECKPOINT_FILE
    if weights_path(out, run.name).exists() or not saved.exists() or not (run_dir(out, run) / RESULT_FILE).exists():
        return False  # stat calls first: a result.json and a checkpoint read only then
    if unreadable_result(out, run, states) is not None or holder(run_dir(out, run)) is not None:
        return False
    meta = _readable_meta(saved)
    return meta is not None and at_end(meta)


def _readable_meta(path):
    """The meta of the network or checkpoint ``path`` (:func:`minitransfer.checkpoint.read_meta`); None where it
    cannot be read (damaged, gone, or an I/O error)."""
    try:
        return checkpoints.read_meta(path)
    except (checkpoints.CheckpointError, OSError):
        return None


RESULT_LOST = f"{RESULT_FILE} unreadable, no checkpoint"
RESULT_MISSING = f"{RESULT_FILE} not there, no checkpoint"  # the words of a RESULT_LOST whose result.json is gone
WRITE_AGAIN = "result to write again"  # its checkpoint at its end: its train writes result.json, training nothing
DONE, TODO, RESUME, BEING_TRAINED, NOT_RESUMABLE = "done", "todo", "resume", "being trained", "not resumable"
BAD_CHECKPOINT, CHECKPOINT_UNREADABLE_NOW = "bad checkpoint", "checkpoint not readable now"
WEIGHTS_ALONE = "weights without a checkpoint"
# The words of a TODO that trained to its end once, its result.json, weights and checkpoint gone since (files_gone)
TRAINED_GONE = "trained to its end once, its files gone since"
# What the train of a run that is not started afresh does with it, by its status (run_status): the grid runs it all
# the same, and says so ("try RUN on WHERE (STATUS): ..."), as its dry run does
TRIED = {NOT_RESUMABLE: "its train refuses to resume it", BAD_CHECKPOINT: "its train refuses to resume it",
         WEIGHTS_ALONE: "its train refuses to replace them", CHECKPOINT_UNREADABLE_NOW: "its train looks at it again"}


class RunStatus(str):
    """What :func:`run_status` says of a run: its words (the text itself, as the dry run, report and the grid's
    lines show them, and as callers compare them) and its fields, read without parsing the words: ``kind``
    (:data:`DONE`, :data:`TODO`, :data:`RESUME`, :data:`WRITE_AGAIN`, :data:`BEING_TRAINED`,
    :data:`NOT_RESUMABLE`, :data:`BAD_CHECKPOINT`, :data:`CHECKPOINT_UNREADABLE_NOW`, :data:`RESULT_LOST`,
    :data:`WEIGHTS_ALONE`), ``iteration`` (of its checkpoint, where it resumes) and ``why`` (why its result.json
    cannot be read, or why its resume is refused)."""

    def __new__(cls, kind, words=None, iteration=None, why=None):
        status = super().__new__(cls, kind if words is None else words)
        status.kind, status.iteration, status.why = kind, iteration, why
        return status

    @property
    def words(self):
        """Its words, as a plain str."""
        return str(self)


def run_status(out, run, states=None):
    """What running the grid does with ``run``, as its dry run shows it (a :class:`RunStatus`): "done" (finished:
    skipped), :data:`WRITE_AGAIN` for a run whose checkpoint is at its end but whose result.json cannot be read or
    is not there (:func:`result_written_again`: its train writes it again, training nothing; before, "todo", and the
    grid said it trained it; one not there, "resume at iteration K", counted trained), "resume at iteration K"
    (interrupted: its run continues from its checkpoint; at its end, its result.json read and its weights file gone,
    its train writes that file again, training nothing: :func:`weights_written_again`), "todo", "bad checkpoint"
    (one that its run refuses to resume: it fails with exit 65), "not resumable: REASON" (a checkpoint whose resume
    its run folder refuses, as ``info`` tells it: an eval.csv damaged or that cannot be read; before, "resume at
    iteration K", and its train failed), :data:`RESULT_LOST` (:func:`is_lost`: a finished network that nothing
    finishes again without training it anew; the grid trains the others, not it, :func:`finished_and_lost`;
    :data:`RESULT_MISSING` its words where its result.json is not there, :func:`missing_result`), "weights without a
    checkpoint" (its weights file is there but no result.json or checkpoint, and they are not its finished network
    in its run folder: its run refuses to replace them and fails with exit 2), or "being trained by PID P" (another
    process holds its run: the grid waits for it; "PID P on host H" where it runs on another machine, "SLURM job J_T
    on node N" for a SLURM task: :func:`minitransfer.run_lock.pid_named`). A "todo" that trained to its end once,
    its result.json, weights and checkpoint gone since, is told so (:data:`TRAINED_GONE` in its words, its ``why``:
    :func:`minitransfer.run_networks.files_gone`); before, "todo" alone, and report "stopped before its first
    checkpoint". ``states``: as for :func:`unreadable_result`."""
    unreadable = unreadable_result(out, run, states)  # read once: is_finished and result_written_again would again
    if unreadable is None and _files_there(out, run):
        return RunStatus(DONE)
    if is_lost(out, run, unreadable):
        return RunStatus(RESULT_LOST, why=unreadable)
    pid = holder(run_dir(out, run))
    if pid is not None:
        return RunStatus(BEING_TRAINED, f"being trained by {pid_named(pid)}" if pid > 0 else
                         "being trained by another process")
    saved = run_dir(out, run) / CHECKPOINT_FILE
    if not saved.exists():
        if not weights_path(out, run.name).exists():
            gone = files_gone(run_dir(out, run))  # trained to its end, its files gone: trained again
            return RunStatus(TODO, f"{TODO}: {TRAINED_GONE}", why=gone) if gone else RunStatus(TODO)
        missing = missing_result(out, run)  # its finished network, its result.json gone: kept, not trained
        return RunStatus(WEIGHTS_ALONE) if missing is None else RunStatus(RESULT_LOST, RESULT_MISSING, why=missing)
    try:
        meta = checkpoints.read_meta(saved)  # read once: for result_written_again and the iteration it resumes at
    except checkpoints.CheckpointError:
        return RunStatus(BAD_CHECKPOINT)
    except OSError:  # this user may not read it, or it went as it was read: its run says which
        return RunStatus(CHECKPOINT_UNREADABLE_NOW)
    refused = resume_refused(run_dir(out, run), meta)  # as info asks it: the resume's own check of its logs
    if refused is not None:  # a grid's train has no --overwrite: its run starts over where its folder is deleted
        said = str(refused.with_remedy(f"delete {run_dir(out, run)} to train it from the start, or restore the "
                                       f"file") if isinstance(refused, RunLogError) else refused)
        return RunStatus(NOT_RESUMABLE, f"{NOT_RESUMABLE}: {said}", meta["iteration"], why=said)
    if _result_lacking(out, run, unreadable) and at_end(meta):
        return RunStatus(WRITE_AGAIN, iteration=meta["iteration"], why=unreadable)
    return RunStatus(RESUME, f"resume at iteration {meta['iteration']}", meta["iteration"])


def result_lost(out, run, unreadable=None):
    """What to do with ``run`` whose status is :data:`RESULT_LOST`, as ``info`` advises for its network: its
    weights file is kept (``eval`` scores it again), but nothing writes its result.json again without
    training it anew, the last resort, which replaces that network. Before, the grid ran its train, which
    refused with exit 2 and advised deleting the weights file ("there is nothing to resume from").
    ``unreadable``: why its result.json cannot be read, where the caller has read it (:func:`unreadable_result`), or
    why it is not there (:func:`missing_result`), said to be "gone". The eval command begins with the words a new
    shell needs to know the network's preset (:func:`minitransfer.run_networks.recorded_preset`) where it is one's
    own: printed bare, pasted so, it was refused (exit 65, preset not known)."""
    weights = weights_path(out, run.name)
    unreadable = unreadable_result(out, run) if unreadable is None else unreadable
    gone = not (run_dir(out, run) / RESULT_FILE).exists()
    unreadable = missing_result(out, run) if unreadable is None else unreadable  # its result.json not there
    return (f"{run.name}: its network {weights} is there, but its {RESULT_FILE} "
            f"{'is gone' if gone else 'cannot be read'} ({unreadable}) and its checkpoint "
            f"{run_dir(out, run) / CHECKPOINT_FILE} is gone, so "
            f"nothing writes it again and report leaves the run out; keep {weights}: "
            f"`{pasted(f'eval {shlex.quote(str(weights))}', recorded_preset(weights))}` scores it again; as the "
            f"last resort, {train_again()}, which replaces that network")


def finished_and_lost(runs, out, states=None):
    """(the runs of ``runs`` that are finished, :func:`is_finished`; those that are :data:`RESULT_LOST`,
    :func:`is_lost`), each run's result.json read once (``states``: as for :func:`unreadable_result`, which
    the grid's checks read it into), its lock and checkpoint looked at only where it is there but cannot be read.
    The grid trains none of the lost runs (their train would be refused, advising to delete a finished network),
    says what to do once as it starts (:func:`result_lost`), trains the others (a transfer copying from one: its
    network is there) and counts them at its end (exit 65: report leaves them out). Before, the grid refused to
    start, and the only way on was to train them anew."""
    finished, lost = [], []
    for run in runs:
        # files looked at first (stat calls, no read; a run's folder may be a file in its way, refused after,
        # naming it: its result.json is then not there)
        if not _files_there(out, run):
            if missing_result(out, run) is not None:  # a stat of its result.json first: its weights read only then
                lost.append(run)
            continue
        unreadable = unreadable_result(out, run, states)
        if unreadable is None:
            finished.append(run)
        elif is_lost(out, run, unreadable):
            lost.append(run)
    return finished, lost


def network_gone(out, run):
    """Whether ``run`` finished once but its network is gone: its result.json there, its weights file and
    checkpoint moved or deleted (:func:`minitransfer.run_remedies.network_gone`, as report and info tell it: the
    weights file its config.json names). Its train trains it again (a fresh run, replacing that result.json):
    the grid counts it to do, and says so (:func:`minitransfer.grid_rerun_notes.tried_again`,
    :func:`minitransfer.grid_plan_text.describe_plan`); before, it said "1 to run" alone, and the result read by a
    report before the rerun was of a network no longer there. It looked for NAME.h5 alone, and said a run whose
    folder a train -o NAME.net had made "gone", its network there."""
    folder = run_dir(out, run)
    return (folder / RESULT_FILE).exists() and run_remedies.network_gone(folder)

"""The runs of a local grid on its slots (:class:`GridRunner`, which
:func:`minitransfer.scheduler.run_grid` builds and drives): its checks and plan as it is built; each
run started once its base has finished, on a free slot (:func:`slots_used`; its start:
:mod:`minitransfer.grid_launch`), or left to another process that trains it; each run's end noted
(finished, failed, stopped with a checkpoint, taken by another process: :mod:`minitransfer.grid_run_ends`); a
GPU whose runs fail one after the other retired, its runs tried once more on the others
(:class:`minitransfer.grid_retirement.GridRetirement`); the runs another process trains waited for and counted
(:class:`minitransfer.grid_elsewhere.RunsElsewhere`); the running trainings stopped with their checkpoints and
every run counted when the grid stops.
The counts it tells ("[K/N] start RUN", the runs left and their time): :mod:`minitransfer.grid_counts`.
"""

import signal
import time

from minitransfer import fileio, launcher
from minitransfer.grid_check import DatasetsAsPlanned, PlannedConfigs, check_folder
from minitransfer.grid_counts import StartNumbers, already_finished
from minitransfer.grid_elsewhere import RunsElsewhere
from minitransfer.grid_launch import (holds_its_lock, open_run_log, said_start_line, start_held_from_stops,
                                      start_line)
from minitransfer.grid_outcome import EXIT_IO, FOLDER_REFUSALS, Failure, GridOutcome, where_its_output_is
from minitransfer.grid_plan import left_alone, replaced_plan
from minitransfer.grid_preflight import check_bases, check_layers_copied, check_memory
from minitransfer.grid_processes import TrainProcesses
from minitransfer.grid_progress import RunsTraining, StoppingLog, TimeLeft, Warnings, work_left
from minitransfer.experiment import default_train_command, train_arguments, weights_path
from minitransfer.grid_gpus import gpu_name
from minitransfer.grid_plan_file import plan_and_fault, write_plan
from minitransfer.grid_plan_text import waiting_on_refused
from minitransfer.grid_retirement import GridRetirement
from minitransfer.grid_run_ends import RunEnds
from minitransfer.grid_rerun_notes import tried_again
from minitransfer.grid_status import (finished_and_lost, is_finished, result_lost, result_written_again,
                                      run_status, unreadable_result)

STOP_RESEND_SECONDS = 1.0


def slots_used(devices, pending):
    """The slots of ``devices`` a grid with the runs ``pending`` to train fills (one at least): slots beyond
    those runs are never filled, and would only start a preloaded launcher each."""
    return tuple(devices)[:max(1, len(pending))]


class GridRunner(RunEnds, RunsElsewhere):
    """The runs of one grid on its slots, from its checks and plan (made as it is built) to its
    stop: :meth:`run` until none is left, :meth:`stop`, :meth:`settle`, :meth:`close`. How it notes each run's
    end: :class:`minitransfer.grid_run_ends.RunEnds`; the runs another process trains:
    :class:`minitransfer.grid_elsewhere.RunsElsewhere`."""

    def __init__(self, runs, out, options, train_command, devices, log, progress, in_place, progress_every):
        self.out, self.options, self.train_command, self.log = out, options, train_command, log
        self.in_place = in_place  # raises once `out` is moved or deleted, or its lock lost (GridLock.check_in_place)
        planned = {r.name for r in runs}
        bases = list(dict.fromkeys(r.base for r in runs if r.parent and r.parent not in planned))  # run before
        plans = PlannedConfigs()  # each run's result.json read once: checked, then sorted (plans.states)
        check_folder(runs + bases, out, options, progress, plans)
        done, lost = finished_and_lost(runs + bases, out, plans.states)  # lost: not trained, its train refused,
        # advising to delete its network
        done_set, lost_set = set(done), set(lost)  # sets: a list looked up once per run made restarts quadratic
        finished = [r.name for r in runs if r in done_set]
        self.pending = [r for r in runs if r not in done_set and r not in lost_set]
        self.slots = slots_used(devices, self.pending)
        own_train = self.own_train = self.train_command == list(default_train_command())  # takes the run's lock
        if own_train:  # what another command takes and needs is not minitransfer's to judge
            presets = check_bases(self.pending, out, options)  # options no base can take: refused, not failed
            check_layers_copied(self.pending, out, options, presets)  # plan_grid knows no preset's layers
            check_memory(self.pending, out, options, self.slots)
        read = plan_and_fault(out)  # one read of the plan for both notes, as the dry run's (write_plan reads it anew)
        replaced, others = replaced_plan(runs, out, options, read=read), left_alone(runs, out, plans.states, read)
        lost_notes = (f"not trained: {result_lost(out, run, unreadable_result(out, run, plans.states))}"
                      for run in lost)
        for note in (replaced, others, *lost_notes):
            if note:
                log(f"note: {note}")
        self.datasets = DatasetsAsPlanned(out, options)  # as checked: prepared again later, the grid stops
        write_plan(out, runs, options, train_command, progress)
        self.outcome = GridOutcome([], finished, [], {}, lost=[r.name for r in runs if r in lost_set])
        self.sound_bases = {}  # base -> its weights file's identity as read whole (RunEnds._base_damaged)
        # a lost run's network is there: the transfers copying from it train
        self.done = {run.name for run in done} | {run.name for run in lost}
        self.running = {}    # slot index -> (run, process, start time)
        self.unsaid = {}     # slot index -> the start line of its run, said once its train holds the run's lock
        # each run's share of the cores (its threads) by the slots all the grid's runs fill, whatever is left to
        # train: a rerun with one run left gave it every core, and some runs' last bits depend on the count
        self.processes = TrainProcesses(train_command, self.slots, launcher.usable() and own_train,
                                        lambda line: self.log(line), shares=len(slots_used(devices, runs)))
        self.elsewhere = []  # runs another process is training
        self.raced = set()   # runs started again after losing their folder to another process as they started
        self.retirement = GridRetirement(self.slots, self.outcome.retired)  # GPUs retired, their runs put back
        self.outcome.gpus = [gpu_name(gpu) for gpu in self.retirement.gpus.held]  # those it may retire
        self.warnings = Warnings(lambda line: self.log(line))  # the log stop() makes lenient, once it does
        self.training = RunsTraining(lambda line: self.log(line), progress_every)  # how far each has got
        written_again = [run for run in self.pending if result_written_again(out, run, plans.states)]
        # the runs copying from one its train refuses (tried, it fails): not run, as the dry run counts them (before,
        # "10 to run" where it said "6 to train, 4 not run", and "[1/10]" then "[2/6]"); another train's refusals
        # are not minitransfer's to judge
        waiting = waiting_on_refused(self.pending, [run_status(out, run, plans.states) for run in self.pending]) \
            if own_train else {}
        self.numbers = StartNumbers(self.pending, {run.name for run in written_again}, waiting)  # "[K/N] start RUN"
        self.time_left = TimeLeft(work_left(self.pending, out, options), len(self.slots))
        if finished or self.outcome.lost or written_again or waiting:  # before, said only where some run was finished
            log(already_finished(finished, runs, self.numbers, self.outcome.lost, waiting))
        again = tried_again(self.pending, out, written_again, plans.states)
        if again:
            log(again)

    def run(self, poll_seconds, stop_owed=lambda: None):
        """Start, wait for and count the runs until none is left; ``stop_owed`` raises KeyboardInterrupt
        where a stop came that the wait did not hear (:meth:`minitransfer.stop_requests.StopRequests.raise_owed`),
        asked after each look at the runs and once they have all ended."""
        while self.pending or self.running or self.elsewhere:
            self._start_ready()
            self._say_started()
            self.warnings.relay(held={self.running[slot][0].name for slot in self.unsaid})
            if self.training.due():  # every 30 s, not every poll
                self.training.tell(self.warnings.run_logs(
                    run.name for slot, (run, _, _) in self.running.items() if slot not in self.unsaid))
            ended = self._collect_exits()
            self._collect_elsewhere()
            self._drop_orphans()
            stop_owed()
            if self.outcome.interrupted:
                raise KeyboardInterrupt
            if self.running or self.elsewhere:
                if not ended:  # a slot that has just been freed is filled at once, not after a wait
                    launcher.wait_any([process for _, process, _ in self.running.values()], poll_seconds)
            elif self.retirement.gpus.all_retired():
                self._fail_held()
                self._block_pending(every_gpu_retired=True)
            elif not any(self._ready(run) for run in self.pending):
                self._fail_held()  # their GPUs tried nothing since: failed, their runs' children not run
                self._block_pending(every_gpu_retired=False)  # nothing left that could finish their parents
        self._fail_held()
        stop_owed()

    def _block_pending(self, every_gpu_retired):
        """Count the runs left as not run, each of them before a line says so: every GPU was retired,
        or their parents did not finish."""
        blocked, self.pending = self.pending, []
        for run in blocked:
            self.outcome.block(run.name, None if every_gpu_retired else run.parent)
        for run in blocked:
            self.log(f"not run {run.name}: " +
                     ("every GPU was retired" if every_gpu_retired else f"its parent {run.parent} did not finish"))

    def _ready(self, run):
        return run.parent is None or run.parent in self.done

    def _start_ready(self):
        for slot, device in enumerate(self.slots):
            while slot not in self.running and self.retirement.gpus.takes_runs(device):
                ready = next((r for r in self.pending if self._ready(r)), None)
                if ready is None:
                    return
                self.pending.remove(ready)
                if self._taken_elsewhere(ready):
                    continue
                if is_finished(self.out, ready):  # by another process since this one planned
                    self._done_elsewhere(ready)
                else:
                    self._start(slot, device, ready)

    def _start(self, slot, device, run):
        """Start ``run`` on ``slot``. Where that fails (the grid's output, the disk full as its log is
        written, the grid's folder moved or deleted: an ``OSError``; a dataset prepared again since the
        grid planned: ``DatasetPreparedAgain``; either stops the grid), ``run`` is left among the runs not
        started. So is one whose start line the caller's ``log`` raised on (or a stop came during), which
        stops the grid as any error does: a run is never lost from the grid's outcome."""
        try:
            self.in_place()  # else its folder made at the old place of a grid folder moved away: a second grid
            self.datasets.check()  # a dataset prepared again between runs: no run trains on its new images
            self._launch(slot, device, run)
        except BaseException:
            if slot not in self.running:  # else it runs, and the grid's stop stops it and counts it
                self._put_back(run)
            raise

    def _put_back(self, run):
        """Put ``run``, started, back at the head of the queue, not started; one whose start line was said keeps
        its number (before, its number went to the next run, which with two slots or more was another's running
        already); one put back before its line was said has none, and takes the next as its line is said."""
        self.pending.insert(0, run)

    def _launch(self, slot, device, run):
        """Start ``run`` on ``slot``; its start line said at once, or where the train is minitransfer's own
        once it holds the run's lock (:meth:`_say_started`, :func:`minitransfer.grid_launch.holds_its_lock`)."""
        line = start_line(self.out, run, device, self.numbers)  # as the run stands before its train starts
        if not self.own_train:
            self.log(said_start_line(run, line, self.numbers))
        arguments = train_arguments(run, self.out, self.options)
        try:
            log_file, apart = open_run_log(self.out, run, self.train_command + arguments, self.own_train)
        except fileio.StorageError as error:
            if error.errno not in FOLDER_REFUSALS:
                raise
            self._unwritable(run, error)
            return
        # a full disk: StorageError; the output of minitransfer's own train is apart until it holds the run's lock
        self.warnings.watch(run.name, log_file, weights_path(self.out, run.parent) if run.parent else None)

        def start():
            process = self.processes.start(slot, device, arguments, log_file, apart)
            self.running[slot] = (run, process, time.monotonic())
            if self.own_train:
                self.unsaid[slot] = line
        start_held_from_stops(start)

    def _unwritable(self, run, error):
        """``run``'s folder or train.log refuses it (``error``, one of
        :data:`~minitransfer.grid_outcome.FOLDER_REFUSALS`): it fails, its transfers not run, the others go on."""
        failure = Failure(EXIT_IO, unwritable=str(error))
        self.numbers.blocked(run)  # not among the N of "[K/N]", as a run whose base failed
        self._count_failed((run, failure))
        for line in [f"FAILED {run.name} (exit 74); {where_its_output_is(failure)}", *self._orphans_blocked()]:
            self.log(line)  # every run counted first: a log that raises loses none

    def _say_started(self):
        """Say the start line of each run whose train has taken its lock since."""
        for slot, line in list(self.unsaid.items()):
            run, process, _ = self.running[slot]
            if holds_its_lock(self.out, run, process):
                del self.unsaid[slot]  # before the line: a log that raises says it once
                self.log(said_start_line(run, line, self.numbers))

    def close(self):
        """End the preloaded launchers."""
        self.processes.close()

    def stop(self, again=(), answered=0):
        """Stop the running trainings as Ctrl-C does (each writes its checkpoint, exit 75) and wait
        for them. SIGINT goes again every :data:`STOP_RESEND_SECONDS` until each has ended: where the
        grid started with SIGINT ignored (a shell script's background job) its trainings inherit that, and
        one signalled before it has set its own handler would otherwise train on to the end.
        From here on the log is a :class:`minitransfer.grid_progress.StoppingLog`: a line it cannot
        write is dropped (the Ctrl-C that stops the grid often ends the reader of its output too,
        ``minitransfer demo | tee demo.log``), and so is one it raises on otherwise, the first such
        error kept for run_grid to raise: the stopped runs must still be counted, and the outcome
        carried by ``GridInterrupted`` or by the error that stopped the grid. ``again``: the stop requests
        heard meanwhile (:class:`minitransfer.stop_requests.StopRequests`), answered with a line saying what
        the grid waits for; ``answered``: how many of them stopped the grid (the first), not to be answered."""
        self.outcome.interrupted = True
        self.log = StoppingLog(self.log)
        waiting, told = [process for _, process, _ in self.running.values()], 0
        while waiting:
            for process in waiting:
                process.send_signal(signal.SIGINT)
            resend = time.monotonic() + STOP_RESEND_SECONDS
            while waiting and time.monotonic() < resend:
                time.sleep(0.02)
                if len(again) > answered:  # heard while those last seen running ran: answered before they are
                    answered, told = len(again), told + 1  # polled again, which a loaded machine may leave until
                    self.log(still_stopping(self.running, waiting, told))  # they have ended
                waiting = [process for process in waiting if process.poll() is None]
        self._collect_exits()  # each as it ended: stopped with its checkpoint (75), finished meanwhile, failed
        self._fail_held()


def still_stopping(running, waiting, told):
    """The answer to a stop heard as a grid waits for its runs' processes ``waiting`` (of ``running``, slot -> (run,
    process, start)) to stop, the ``told``-th: which runs it waits for; from the second on, also how to end one that
    hangs (stopped with SIGSTOP, stuck on a file system): before, each Ctrl-C said the same line, and the grid
    waited on without end."""
    held = [(run, process) for run, process, _ in running.values() if process in waiting]
    line = (f"already stopping: waiting for {', '.join(run.name for run, _ in held)} to write "
            f"{'its checkpoint' if len(waiting) == 1 else 'their checkpoints'}")
    pids = [(run.name, process.pid) for run, process in held if getattr(process, "pid", None) is not None]
    if told < 2 or not pids:
        return line
    kill = f"if it hangs, kill -9 {pids[0][1]}" if len(pids) == 1 else \
        f"if one hangs, kill -9 its PID ({', '.join(f'{name}: {pid}' for name, pid in pids)})"
    return f"{line}; {kill} ends it now (a rerun resumes it from its last checkpoint, if it wrote one)"

"""A run folder given where a network is read (``runs/baseA.run``): the weights file its finished
run wrote beside it, as `copy_from` (:func:`copied_weights`), eval and info (:func:`network_files`)
take it; and what to say of a weights file not there beside a run folder holding a checkpoint
(:class:`UnwrittenWeights`: its run training now, stopped before its end, or its network moved away
since); and of a run folder whose checkpoint.h5 is not there though its logs show it wrote one
(:func:`checkpoint_missing`; a run that trained to its end whose files went since, in report's words or with its
grid's command: :func:`files_gone_words`; one whose train failed before its first, its error quoted with how it
is trained again: :func:`_failed_before_first`, a SLURM grid's by its submit.sh, :func:`submit_command`); the preset
a network records, for a command pasted that reads it (:func:`recorded_preset`). A run folder given to `resume`:
:mod:`minitransfer.resume_options`."""

import dataclasses
import os
import pathlib
import shlex

from minitransfer import checkpoint_runs, fileio, run_lock, run_logs
from minitransfer.bad_checkpoint import planning_grid, rerun_its_grid
from minitransfer.config_checks import ConfigError
from minitransfer.done_line import DONE_WORDS
from minitransfer.memory_kills import killed_and_remedy, memory_line
from minitransfer.rundir import run_dir_for, weights_for


def copied_weights(copy_from):
    """The weights file that a `copy_from` naming a run folder copies, as the command line takes it
    (``runs/baseA.run`` → ``runs/baseA.h5``: the weights of its finished run,
    :func:`network_files`); the library refused it ("give its weights file"). A run folder without
    its weights file and with its checkpoint is a ConfigError (:func:`weights_not_beside`): its run
    has not finished, or its weights were moved or deleted since; ``copy_from`` is kept as it is
    where it names no run folder (loading it says what it is)."""
    files = network_files(copy_from) if copy_from is not None else None
    if files is None:
        return copy_from
    weights, checkpoint = files
    if weights.is_file():
        return str(weights)
    moved = weights_not_beside(copy_from, weights)
    if moved:
        raise ConfigError(f"`copy_from` {moved}")
    if checkpoint.is_file():
        raise ConfigError(f"`copy_from` {copy_from} is the run folder of {weights}, which "
                          f"{not_finished(weights, checkpoint)}")
    return copy_from


def not_finished(weights, checkpoint):
    """What to say of a run folder given as the base a transfer copies whose ``weights`` file is not there
    and whose ``checkpoint`` is (its run has not finished), as `copy_from` and the command line's
    --copy-from say it (one wording): "has not finished (no baseA.h5 beside it); a transfer copies a finished
    base: train it to its end first (train with --resume baseA.run), then rerun; or, to copy from its latest
    checkpoint as it is, give ...: report leaves such a transfer out" (waiting for its training to end where
    it trains now: :func:`base_not_written`); where its metrics.jsonl records that it diverged after that
    checkpoint, that it never will finish, and to copy from that checkpoint (from before it diverged) or train
    it again."""
    from minitransfer.experiment import TREATMENT_FILE  # experiment imports config, which imports this module

    diverged = checkpoint_runs.diverged_after(checkpoint)
    if diverged:
        again = ("train its grid again into a new folder with a lower `base_lr`, which the grid's runs share"
                 if (checkpoint.parent / TREATMENT_FILE).is_file() else
                 "start it over with a lower `base_lr` (`overwrite=True`, without `resume`)")
        return (f"has not finished (no {weights.name} beside it): its {diverged} (see its metrics.jsonl), so it "
                f"never will; to copy from its latest checkpoint, from before it diverged, give {checkpoint}, or "
                f"{again}")
    unwritten = unwritten_weights(weights)  # its run stopped, or training now: to be finished, or waited for
    finish = f"{base_not_written(unwritten)}; or, " if unwritten is not None else "; "
    return (f"has not finished (no {weights.name} beside it); {finish}to copy from its latest checkpoint as it is, "
            f"give {checkpoint}: {MID_RUN_LEFT_OUT}")


# What becomes of a transfer from a base's checkpoint before the end of its run (transfer.base_caveats)
MID_RUN_LEFT_OUT = ("report leaves such a transfer out of the paper's treatments (they copy from bases trained to "
                    "the end of their run)")


def weights_not_beside(run, weights):
    """What happened to ``weights``, the weights file of the run folder ``run`` (as given) given as
    the base a transfer copies, where it is not there and its run finished: "baseA.run stands for
    its weights file, but" it was moved or deleted since, and where the network is, said as for
    ``copy_from`` naming the file (:meth:`UnwrittenWeights.situation`, :func:`base_not_written`);
    "" where its run has not finished (or holds no checkpoint): its latest checkpoint is to be given.
    It used to say the run "has not finished"."""
    unwritten = unwritten_weights(weights)
    if unwritten is None or not unwritten.finished:
        return ""
    return f"{run} stands for its weights file, but {unwritten.situation()}; {base_not_written(unwritten)}"


@dataclasses.dataclass
class UnwrittenWeights:
    """A weights file not there whose run folder beside it holds a checkpoint (:func:`unwritten_weights`):
    ``path`` as given, its ``run`` folder, the process training it now (``training``:
    :func:`minitransfer.run_lock.holder`'s answer) and whether it ``finished`` (its file moved or
    deleted since)."""
    path: str
    run: pathlib.Path
    training: object
    finished: bool

    def situation(self):
        """What happened to it: "baseA.h5 is not written yet: its run baseA.run is training now (PID
        1234) and writes it at its end", "... stopped before its end, where it writes it" (SLURM's kill of it for its
        memory limit said: :func:`minitransfer.memory_kills.memory_line`), "baseA.h5 is
        not there: its run baseA.run finished, and the file was moved or deleted since"."""
        if self.finished:
            return f"{self.path} is not there: its run {self.run} finished, and the file was moved or deleted since"
        killed = memory_line(self.run / "train.log") if self.training is None else None  # a SLURM task's
        why = f" ({killed_and_remedy(killed)})" if killed else ""
        state = (f"is training now{run_lock.holder_named(self.training)} and writes it at its end"
                 if self.training is not None else f"stopped before its end{why}, where it writes it")
        return f"{self.path} is not written yet: its run {self.run} {state}"

    def resume_command(self):
        """`minitransfer train --resume RUN`, which goes on with the stopped run, as it runs pasted into a new shell:
        after the words that shell needs to know its preset where it is one's own (its checkpoint's record:
        :func:`minitransfer.own_presets.pasted`); before, "train --resume RUN", neither."""
        from minitransfer.own_presets import pasted

        return pasted(f"train --resume {shlex.quote(str(self.run))}", recorded_preset(self.run / "checkpoint.h5"))


def recorded_preset(path):
    """The preset the network or checkpoint ``path`` records (:func:`minitransfer.own_presets.preset_of`), for the
    words a new shell needs before a command pasted (:func:`minitransfer.own_presets.pasted`); None where it cannot
    be read (the command is then said without them, and says why as it runs)."""
    from minitransfer.checkpoint import CheckpointError, read_meta  # here: checkpoint's imports import this module
    from minitransfer.checkpoint_check import HDF5_DAMAGE  # OSError among them, fileio.StorageError too
    from minitransfer.own_presets import preset_of

    try:
        return preset_of(read_meta(path).get("config"))
    except (CheckpointError, *HDF5_DAMAGE):
        return None


def unwritten_weights(path):
    """The :class:`UnwrittenWeights` of ``path``, a network to read that is not there, where it is
    the weights file of a run folder beside it holding a checkpoint (``baseA.h5`` while baseA.run
    trains, after it was stopped, or once the finished network was moved away); None otherwise.
    Read (eval, info) or copied (train's `copy_from`), a fault to name with what to give instead: a
    bare "does not exist" named neither the run nor its checkpoint."""
    if not pathlib.PurePath(path).name or os.path.lexists(path):
        return None
    run = run_dir_for(path)
    if not (run / "checkpoint.h5").is_file() or weights_for(run).name != pathlib.PurePath(path).name:
        return None
    training = run_lock.holder(run)
    return UnwrittenWeights(str(path), run, training, training is None and (run / "result.json").is_file())


def base_not_written(unwritten):
    """What a transfer whose `copy_from` base is ``unwritten`` (:class:`UnwrittenWeights`) is to do:
    copy from the base once it has finished, which its checkpoint has not (training now, or stopped);
    the weights of a finished base moved away are where they went, or its last checkpoint."""
    run = unwritten.run
    if unwritten.finished:
        return (f"give the file where it went, or {run / 'checkpoint.h5'}, its last checkpoint: the network as it "
                f"finished")
    if unwritten.training is not None:
        return "a transfer copies a finished base: wait for its training to end, then rerun"
    return (f"a transfer copies a finished base: train it to its end first (train with `resume='{run}'`), then "
            f"rerun")


def network_files(path):
    """(weights file, checkpoint.h5) of the run folder ``path`` names (``runs/baseA.run``: its
    weights file beside it, :func:`minitransfer.rundir.weights_for`, there once its run finished),
    as the command line reads a run folder given as a network; None where ``path`` names none."""
    if not os.path.isdir(path):
        return None
    folder = named_folder(path)
    if folder.suffix != ".run":
        return None
    return weights_for(folder), pathlib.Path(path) / "checkpoint.h5"


def named_folder(path):
    """The folder ``path`` names, under its own name: a link ``latest -> net.run``, or ``.`` in
    net.run, is the run folder it leads to (a run folder's name names its weights file)."""
    path = pathlib.Path(path)
    return path.resolve() if path.is_symlink() or path.name in ("", os.pardir) else path


def checkpoint_missing(run_folder, command=True):
    """What to say of the run in ``run_folder`` whose checkpoint.h5 is not there, where its logs show that
    it wrote one: an iteration its eval.csv or metrics.jsonl records past its first checkpoint, due after
    the `checkpoint_every` its config.json records (that checkpoint was written before the next iteration
    began; a run stopped earlier may have written one too, which its logs do not tell): "its checkpoint.h5
    is missing (moved or deleted since): its logs record iteration 6, past its first checkpoint at
    iteration 2"; where they record its last iteration (the `max_iter` of its config.json) and its result.json
    is not there either, that it trained to its end and its files went since (:func:`files_gone`), and for a
    grid's run the command that trains it again. "" where they do not show one (nothing logged past it, no
    config.json to say when): it used to be said to have stopped before writing its first checkpoint, whatever
    its logs said; one that trained to its end, its files deleted, was said so too. Where ``command``, a run whose
    train failed before its first is said so, its error quoted, with its remedy (:func:`_failed_before_first`; report
    says its failures apart). ``command``: as :func:`files_gone_words` takes it (report's words: without the grid's
    command)."""
    folder = pathlib.Path(run_folder)
    gone = files_gone_words(folder, command)
    if gone:
        return gone
    every, logged, _ = _logged(folder)
    if type(every) is not int or every < 1 or logged <= every:
        return _failed_before_first(folder) if command else ""
    return (f"its checkpoint.h5 is missing (moved or deleted since): its logs record iteration {logged}, past its "
            f"first checkpoint at iteration {every}")


class Remedied(str):
    """Words that give the one remedy themselves (:func:`files_gone_words`' for a grid's run: the grid's command that
    trains it again), told by their type, which :func:`checkpoint_missing` passes on: whoever says them says no other
    remedy after them (info's, :func:`minitransfer.run_remedies.run_without_network`). Before, that caller looked for
    the command's first words in them: words said otherwise would have had another remedy said after them."""


def files_gone_words(run_folder, command=True):
    """:func:`files_gone`'s words for the run in ``run_folder``, and for a grid's run the command that trains it
    again ("; to train it again, rerun its grid: `minitransfer experiment ...`"), where ``command`` (info, a resume:
    :func:`checkpoint_missing`); without it, as report words the run, whose "to finish them, run: ..." line gives
    that command once for all its runs (report repeated it inside each such run's parentheses). A base that runs
    there copied is said to be refused by that rerun while they are there, either way. "" where :func:`files_gone`
    says nothing. Words that give the grid's command are a :class:`Remedied`."""
    folder = pathlib.Path(run_folder)
    gone = files_gone(folder)
    if not gone:
        return ""
    grid_command, copied = _grid_command(folder)
    if grid_command is None:
        return gone
    if command:
        refused = (f" (which refuses it while the runs that copied it, {', '.join(copied)}, are there, and says what "
                   f"to do)") if copied else ""
        return Remedied(f"{gone}; to train it again, rerun its grid: `{grid_command}`{refused}")
    return (f"{gone}; its grid's rerun refuses to train it again while the runs that copied it, {', '.join(copied)}, "
            f"are there, and says what to do") if copied else gone


def files_gone(run_folder):
    """Where the run in ``run_folder`` trained to its end (its logs record the last iteration, the `max_iter` its
    config.json records) and its result.json and checkpoint.h5 are not there: "it trained to its end (its logs
    record iteration 20, its last), but its result.json, network baseA.h5 and checkpoint.h5 are not there (moved
    or deleted since, or its train killed as it wrote them)", naming those not there; "" otherwise. The one rule
    report, info, a resume and a grid's dry run and rerun tell such a run by
    (:func:`minitransfer.grid_status.run_status`). Its config.json gone too, by the line its train.log (a grid's
    run's) ends on, its train's "done: final top-1 ...": "(its train.log ends on its result)"."""
    folder = pathlib.Path(run_folder)
    if os.path.lexists(folder / "result.json") or os.path.lexists(folder / "checkpoint.h5"):
        return ""
    _, logged, max_iter = _logged(folder)
    if type(max_iter) is int and max_iter >= 1 and logged >= max_iter:
        how = f"its logs record iteration {logged}, its last"
    elif _ended_done(folder):
        how = "its train.log ends on its result"
    else:
        return ""
    weights = weights_for(named_folder(folder))
    files = [f"network {weights.name}" if name == "weights" else name
             for name in ("result.json", "weights", "checkpoint.h5")
             if name != "weights" or not os.path.lexists(weights)]
    return (f"it trained to its end ({how}), but its {', '.join(files[:-1])} and {files[-1]} are not there (moved "
            f"or deleted since, or its train killed as it wrote them)")


def _ended_done(folder):
    """Whether the train.log a grid writes into the run folder ``folder`` ends on the line its train says its result
    on, "done: final top-1 ..." (:func:`minitransfer.run_lines.result_line`), srun's own lines after it left aside
    (:func:`minitransfer.grid_status.last_log_line`)."""
    from minitransfer.grid_status import last_log_line  # grid_status imports this module

    return last_log_line(folder).startswith(DONE_WORDS)


def _logged(folder):
    """(`checkpoint_every`, the last iteration logged, `max_iter`) of the run in ``folder``: its config.json's and
    its logs' (:func:`_last_logged_iteration`); (None, 0, None) where they cannot be read."""
    try:
        config = fileio.parse_json((folder / "config.json").read_text())
        every, max_iter = config.get("checkpoint_every"), config.get("max_iter")
        return every, _last_logged_iteration(folder), max_iter
    except (OSError, ValueError, AttributeError):  # no record to tell it by: a config.json that is no object
        return None, 0, None


def _grid_command(folder):
    """(the experiment command of the grid whose run ``folder`` is: OUT/random0/A1B.run, its treatment.json there,
    the grid's plan two folders up, :func:`minitransfer.finish_command.experiment_command`; the names of the runs
    of that plan that copied it whose run folder or weights file is there, which the grid refuses to leave copied
    from another network); (None, []) otherwise."""
    from minitransfer.experiment import TREATMENT_FILE, weights_path  # experiment imports config, which imports
    from minitransfer.finish_command import experiment_command  # this module
    from minitransfer.grid_plan_file import read_plan, records_of

    grid = named_folder(folder).absolute().parent.parent
    try:
        name = fileio.parse_json((folder / TREATMENT_FILE).read_text()).get("name")
    except (OSError, ValueError, AttributeError):
        return None, []
    plan = read_plan(grid)
    command = experiment_command(grid, plan) if plan is not None else None
    if command is None:
        return None, []
    copied = [record["name"] for record in records_of(plan) if record.get("parent") == name]
    there = [other for other in copied if any(os.path.lexists(path) for path in (
        weights_path(grid, other), run_dir_for(weights_path(grid, other))))]
    return command, there


def _last_logged_iteration(folder):
    """The last iteration the logs of the run in ``folder`` record (its eval.csv's rows, the last line of its
    metrics.jsonl: a loss, an evaluation or a divergence); 0 for none."""
    evaluated = [row["iteration"] for row in run_logs.read_eval_rows(folder / "eval.csv")]
    metrics = folder / "metrics.jsonl"
    try:
        logged = (run_logs.last_record(metrics) if metrics.is_file() else {}).get("iteration")
    except ValueError:  # a last line torn by a kill: eval.csv still tells
        logged = None
    return max([*evaluated, *([logged] if type(logged) is int else [])], default=0)


def _failed_before_first(folder):
    """Where the train of the run folder ``folder``, which holds no checkpoint, ended on an error (the line report
    and the grid's dry run quote, :func:`minitransfer.grid_status.error_line`: "error: bad data: ..."): "it failed
    before writing its first checkpoint: error: ... (see its train.log); fix what it names, then rerun ...", with how
    it is trained again: a SLURM grid's submit.sh (:func:`submit_command`), another grid's command
    (:func:`minitransfer.bad_checkpoint.rerun_its_grid`), else its train command, as a :class:`Remedied` (the one
    remedy); "" where it did not end on one (SLURM's kill for its memory limit is said apart, with its own remedy).
    Before, info and eval said a grid's such run "was not started, or stopped before writing its first checkpoint",
    the error not quoted, and a resume refused it as "stopped before writing its first one"."""
    from minitransfer.experiment import LOG_FILE, TREATMENT_FILE  # experiment imports config, which imports
    from minitransfer.grid_status import busy_refusal, error_line  # this module; grid_status imports it

    folder = pathlib.Path(folder)
    error = error_line(folder)
    if error is None or not error.startswith("error: ") or busy_refusal(error):
        return ""
    scripts = _slurm_scripts(folder) if (folder / TREATMENT_FILE).is_file() else None
    rerun = (f"rerun {submit_command(scripts)} to train it" if scripts is not None else
             f"{rerun_its_grid(folder)} to train it" if (folder / TREATMENT_FILE).is_file() else
             "rerun its train command")
    return Remedied(f"it failed before writing its first checkpoint: {' '.join(error.split())} (see "
                    f"{folder / LOG_FILE}); fix what it names, then {rerun}")


def submit_command(scripts):
    """"bash SCRIPTS/submit.sh": the command that submits (again) the runs of a grid written for SLURM into the folder
    ``scripts``, as report and info say it."""
    from minitransfer.slurm_plan import SUBMIT_FILE  # slurm's modules import this one's

    return f"bash {shlex.quote(os.path.join(scripts, SUBMIT_FILE))}"


def _slurm_scripts(folder):
    """The folder of the SLURM scripts the grid that planned the run in ``folder`` was written for (its plan's
    record of it); None for a grid run otherwise, or whose plan is not there."""
    from minitransfer.experiment import SLURM_SCRIPTS
    from minitransfer.grid_plan import text_of  # as above
    from minitransfer.grid_plan_file import read_plan

    grid = planning_grid(folder)
    return None if grid is None else text_of(read_plan(grid), SLURM_SCRIPTS)

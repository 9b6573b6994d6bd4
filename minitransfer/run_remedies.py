"""What to do with a run that cannot go on as it is, in the words info, eval, report and the grid share: one
whose training diverged (:func:`start_over`: the grid trained again, or the lone run started over) and a
finished run whose network is gone (:func:`network_gone`: its checkpoint and weights file moved or deleted,
its result standing); and a run folder given as a network that holds none (:func:`run_without_network`).
"""

import os
import pathlib

from minitransfer import checkpoint_runs, memory_kills, run_lock, run_networks, rundir
from minitransfer.bad_checkpoint import rerun_its_grid
from minitransfer.experiment import CHECKPOINT_FILE, TREATMENT_FILE, some_names
from minitransfer.run_file_readers import is_there


# What to do with a run whose training diverged: resumed from its checkpoint, or trained again with the same
# options, it replays its iterations bit for bit. A grid's runs share their options: one of them trained again
# by hand with a lower --base-lr is a run the grid refuses as trained otherwise, and its report would pool two
# schedules; the grid is trained again instead (its end says so of a failed run:
# minitransfer.grid_outcome.failure_cause).
TRAIN_GRID_AGAIN = "train the grid again into a new folder (-o) with a lower --base-lr, which its runs share"
_LONE_START_OVER = "start it over with --overwrite (without --resume) and a lower --base-lr, or check the data"
_GRID_RETRAINED_ALONE = ("this run alone trained again with another --base-lr is one the grid refuses, and its report "
                         "would pool two schedules")


def start_over(grid_run):
    """What to do with a run whose training diverged, where it is known whether
    it is a grid's run (``grid_run``: its folder holds a treatment.json): the grid trained again, or
    the lone run started over."""
    if grid_run:
        return (f"resumed, or trained again with the grid's options, it diverges again, bit for bit; "
                f"{TRAIN_GRID_AGAIN}, or check the data ({_GRID_RETRAINED_ALONE})")
    return f"resumed, it diverges again; {_LONE_START_OVER}"


def start_over_in(run_folder):
    """:func:`start_over` for the run in ``run_folder`` (info's, eval's): a grid's where it holds the
    treatment.json experiment writes."""
    return start_over(is_there(pathlib.Path(run_folder) / TREATMENT_FILE))


def network_gone(folder):
    """Whether the finished run in ``folder`` (its result.json read) has no network left: neither its
    checkpoint.h5 nor its weights file (:func:`minitransfer.rundir.weights_for`, which reads its config.json:
    asked only where the checkpoint is gone) is there (:func:`network_gone_words`). Its result stands, and
    the report counts it, but no network of it can be copied from, scored or resumed."""
    folder = pathlib.Path(folder)
    return not (folder / CHECKPOINT_FILE).is_file() and not rundir.weights_for(folder).is_file()


def network_gone_words(weights):
    """How a finished run's network that is gone (:func:`network_gone`) is said, its weights file named
    ``weights``: "neither its checkpoint.h5 nor baseA.h5 is there now (moved or deleted since)"."""
    return f"neither its {CHECKPOINT_FILE} nor {weights} is there now (moved or deleted since)"


def network_gone_note(names, shown):
    """What ``report`` says, once, of the runs ``names`` it counts whose network is gone
    (:func:`network_gone`), naming ``shown`` of them at most: their results stand, but none is a network
    to give to --copy-from, eval or info; None where there are none."""
    if not names:
        return None
    runs = "1 finished run counted has" if len(names) == 1 else f"{len(names)} finished runs counted have"
    return (f"{runs} no network now: {some_names(names, shown)}; for each, {network_gone_words('its weights file')}. "
            f"Their results stand, but none is a network to give to --copy-from, eval or info (rerun a run's train "
            f"command to train it again)")


# A run folder holding one of these started: given as a network without one, it is told why (run_without_network).
RUN_STARTED_FILES = ("config.json", TREATMENT_FILE, run_lock.RunLock.FILE)  # its lock alone: killed in its start-up


def run_started(folder):
    """Whether the run folder ``folder`` holds one of :data:`RUN_STARTED_FILES`: its run started."""
    return any((pathlib.Path(folder) / name).is_file() for name in RUN_STARTED_FILES)


def run_without_network(path, weights):
    """What a run folder ``path`` (its config.json, treatment.json or lock there, no checkpoint.h5) whose weights file
    ``weights`` is not there is, and what to do: finished (its result.json there: the network was moved or deleted
    since; it was said to have stopped before its first checkpoint), training now (the process holding its lock named:
    wait for it), or stopped, no process training it: its checkpoint missing where its logs show it wrote one
    (:func:`minitransfer.run_networks.checkpoint_missing`: it was said to have stopped before writing its first), killed
    by SLURM for its memory limit (:func:`minitransfer.memory_kills.memory_line`: it was said to have stopped), before
    its first evaluation (its train command started again, as it was said to be training), or after, diverged as its
    metrics.jsonl records it, or failed or interrupted."""
    run = f"{path} is the run folder of {weights.name}"
    if os.path.lexists(path / "result.json"):
        return (f"{run}, which finished (its result.json is there), but {network_gone_words(weights)}: "
                f"give the network where it is now, or rerun its train command to train it again")
    training = run_lock.holder(path)
    if training is not None:
        return (f"{run}, which has no network yet: its training runs now{run_lock.holder_named(training)} and has "
                f"not written its first checkpoint; wait for it, or give another network")
    missing = run_networks.checkpoint_missing(path)
    if missing:  # a grid's command that trains it again given: the one remedy (a train --overwrite was said after it)
        again = "" if isinstance(missing, run_networks.Remedied) else f"; {rundir.train_again()}"
        return f"{run}, which has no network: {missing}{again}, or give another network"
    killed = memory_kills.memory_line(path / "train.log")  # a SLURM task's, as report and its dry run say it
    if killed:
        return (f"{run}, which has no network: {memory_kills.killed_words(killed)}, before writing its first "
                f"checkpoint; {memory_kills.more_memory()}, then rerun its grid's submit.sh to train it, or give "
                f"another network")
    if not (path / "eval.csv").is_file() and (path / TREATMENT_FILE).is_file():  # planned by a grid
        return (f"{run}, a run of a grid, which has no network: it was not started, or stopped before writing its "
                f"first checkpoint (no process here is training it); {rerun_its_grid(path)} to train it (a grid for "
                f"SLURM: its submit.sh, or its job waiting in the queue, trains it), or give another network")
    if not (path / "eval.csv").is_file():
        return (f"{run}, which has no network: its training stopped before writing its first checkpoint (no process "
                f"is training it: killed, failed or interrupted in its start-up); rerun its train command to train "
                f"it, or give another network")
    diverged = checkpoint_runs.diverged_after(path / "checkpoint.h5")  # as its metrics.jsonl records it
    if diverged:
        again = (TRAIN_GRID_AGAIN if (path / TREATMENT_FILE).is_file()  # its grid's runs share it
                 else "train it again with a lower --base-lr")
        return (f"{run}, which has no network: its {diverged}, before writing its first checkpoint (see its "
                f"metrics.jsonl); {again}, or check the data, or give another network")
    return (f"{run}, which has no network: its training stopped before writing its first checkpoint (diverged, "
            f"failed or interrupted: its metrics.jsonl and output say why); train it again, or give another network")

"""``minitransfer experiment --dry-run``: the grid checked as it would be before it trains, then its plan
shown (each run's status and train command), what it would do with each network, counted
(:func:`_plan_summary`), its halves' classes where they differ (:func:`_planned_halves`), and where it would
train (:func:`_would_run_on`); nothing run, and nothing written in the grid folder. It is checked as the
grid would check it, so it is refused where the grid would be (a folder that cannot be written: 74); and
the built-in synthetic set, used without --data, is built into the cache (MINITRANSFER_CACHE) on its first
use, as by any command that uses it."""

import collections
import os
import shlex

from minitransfer import experiment as grid
from minitransfer import grid_check, grid_folder, grid_gpus, grid_plan, grid_plan_file, grid_preflight, grid_runner
from minitransfer import grid_cost, grid_plan_text, grid_status, slurm, slurm_finished
from minitransfer.experiment import SLURM_SCRIPTS
from minitransfer.report_tables import RANDOM_RULE
from minitransfer.rundir import RESULT_FILE
from minitransfer.slurm_plan import BASES_FILE, SUBMIT_FILE, TRANSFERS_FILE

from ._errors import option_text, run
from ._output import echo, say


def show_dry_run(runs, out, options, devices):
    """The dry run of the grid of ``runs`` in ``out`` on ``devices``
    (:func:`minitransfer.cli._devices.choose_devices`): refused as the grid itself would refuse it, else its plan
    printed. Returns the runs' statuses (:func:`minitransfer.grid_status.run_status`), in their order."""
    grid_folder.check_place(out, options)  # refused as the grid itself would refuse it, in its order
    plans = grid_check.PlannedConfigs()  # each run's result.json read once, as the grid's start reads it
    grid_check.check_folder(runs, out, options, say, plans)
    grid_plan_file.check_run_folders(out, runs)  # a file where a run's folder belongs (before their statuses)
    # looked at once: the lines, the count, and the runs lost (not trained, as the grid's own pending runs leave
    # them out) and to train ("done" exactly where grid_status.is_finished)
    statuses = [grid_status.run_status(out, each, plans.states) for each in runs]
    lost = [each for each, status in zip(runs, statuses) if status.kind == grid_status.RESULT_LOST]
    pending = [each for each, status in zip(runs, statuses)
               if status.kind not in (grid_status.DONE, grid_status.RESULT_LOST)]
    grid_folder.check_writable(out, len(pending), len(runs))
    slots = grid_runner.slots_used(devices, pending)  # as many as it has runs to train, as the grid does
    grid_preflight.check_memory(pending, out, options, slots)
    # each base's crop warning, which its train says as it starts: once here, where the grid is planned
    for warning in run(lambda: grid_preflight.crop_warnings(runs, out, options)):
        say(f"warning: {option_text(warning)}")
    echo(grid_plan_text.describe_plan(runs, out, options, grid.default_train_command(), statuses))
    # as the grid says them, from one read of its plan (OUT/experiment.json) for them all
    read = grid_plan_file.plan_and_fault(out)
    replaced = grid_plan.replaced_plan(runs, out, options, read=read, dry_run=True)
    for note in (replaced, grid_plan.left_alone(runs, out, plans.states, read)):
        if note:
            say(f"note: {note}")
    # the runs to train: not those of the summary's other counts (_plan_summary), which the cost leaves out too
    untrained = [each for each, status in zip(runs, statuses) if status.kind not in grid_cost.NOT_TRAINED]
    # a replaced plan's tasks train nothing
    submitted = "" if replaced else slurm_finished.submitted_note(untrained, out, read)
    if submitted:  # runs queued on SLURM, which this folder cannot tell from runs never submitted
        say(f"note: {submitted}")
    # halves of unequal size (an odd number of classes), from the bases' plans check_bases resolved
    for line in _planned_halves(runs, lambda base: grid_preflight.resolved_plan(base, out, options).task.num_classes):
        echo(line)
    echo(_plan_summary(runs, statuses))
    on_slurm = _on_slurm(runs, out, len(pending), read[0]) if pending and not replaced else None
    if on_slurm:
        echo(on_slurm)
    echo(("here, without SLURM: " if on_slurm else "") + _would_run_on(devices, slots, pending, runs, len(lost)))
    return statuses


def _on_slurm(runs, out, to_train, plan):
    """What the SLURM scripts the plan of ``out`` was written for (``experiment --emit-slurm``) do with ``runs``, as
    the emission said it (:func:`minitransfer.slurm.describe_scripts`: the job arrays, their dependencies), and how
    to see what ``submit.sh`` would submit now; None where the plan names no scripts, or they cannot be read. Before,
    the dry run of such a grid, the README's way to watch it, ended "would run on the CPU, one at a time" alone.
    The arrays hold every run of the plan; ``submit.sh`` submits the ``to_train`` runs neither finished nor lost,
    less those queued (it said "submits ...: the 2 bases, one job array of 2 tasks" of bases finished)."""
    scripts = grid_plan.text_of(plan, SLURM_SCRIPTS)
    if scripts is None or not os.path.isfile(os.path.join(scripts, SUBMIT_FILE)):
        return None
    try:
        arrays = [line for line in slurm.describe_scripts(runs, out, scripts)
                  if line.startswith((BASES_FILE, TRANSFERS_FILE))]
    except OSError:  # an array script gone or unreadable: submit.sh says so
        return None
    submit = shlex.quote(os.path.join(scripts, SUBMIT_FILE))
    return (f"on SLURM (the scripts this plan was written for, in {scripts}): their job arrays hold every run of "
            f"the plan ({'; '.join(arrays)}), of which bash {submit} submits those neither finished nor queued, "
            f"{to_train} at most (the runs to train here); `bash {submit} --dry-run` says which jobs it would "
            f"submit now")


def _plan_summary(runs, statuses):
    """The plan counted, as its dry run ends: "240 runs in 8 folders (random0 30, random1 30, random2 30
    and 5 more): 0 finished, 240 to train" (", 1 result.json to write again from its checkpoint", which its
    train writes training nothing; ", 1 being trained by another process", which the grid waits for; ", 4 not run
    (copying from random2/baseA, which its train refuses as it stands)", the runs the grid leaves unrun once that
    run failed, as its end counts them: before, counted to train), by the
    runs' ``statuses`` (:func:`minitransfer.grid_status.run_status`, as its lines show them). Its first line, with the
    count, lay hundreds of lines above (two a run) in a big grid's dry run."""
    folders = collections.Counter(run.name.split("/")[0] for run in runs)
    shown = [f"{folder} {count}" for folder, count in folders.items()]
    more = f" and {len(shown) - 3} more" if len(shown) > 4 else ""
    kinds = collections.Counter(status.kind for status in statuses)
    finished, elsewhere = kinds[grid_status.DONE], kinds[grid_status.BEING_TRAINED]
    lost = kinds[grid_status.RESULT_LOST]  # not trained: the grid says so, and counts them at its end
    again = kinds[grid_status.WRITE_AGAIN]  # not trained either: their train writes result.json alone
    # the transfers of runs their train refuses (tried, each fails): not run, as the grid's end counts them
    waiting = grid_plan_text.waiting_on_refused(runs, statuses)
    to_train = len(runs) - sum(kinds[kind] for kind in grid_cost.NOT_TRAINED) - len(waiting)
    return (f"{len(runs)} run{'s' if len(runs) != 1 else ''} in {len(folders)} folder"
            f"{'s' if len(folders) != 1 else ''} ({', '.join(shown[:3] if more else shown)}{more}): "
            f"{finished} finished, {to_train} to train"
            + (f", {grid_plan_text.waiting_words(waiting)}" if waiting else "")
            + (f", {again} {RESULT_FILE} to write again from {'their' if again > 1 else 'its'} checkpoint"
               f"{'s' if again > 1 else ''}" if again else "")
            + (f", {elsewhere} being trained by another process" if elsewhere else "")
            + (f", {lost} finished whose {RESULT_FILE} is lost (not trained)" if lost else ""))


def _would_run_on(devices, slots, pending, runs, lost=0):
    """What the grid would do, as its dry run ends: "would run on GPU 0, GPU 1, one run each" (the
    ``slots`` it fills of ``devices``, naming those left idle where it has fewer runs ``pending``),
    "would run on the CPU, one at a time", or that it would train nothing (``lost`` of the runs finished, their
    result.json lost: not trained, :data:`minitransfer.grid_status.RESULT_LOST`)."""
    if not pending and lost:
        return (f"would train nothing: {len(runs) - lost} of {len(runs)} runs are finished, and {lost} finished "
                f"whose {RESULT_FILE} is lost (not trained)")
    if not pending:
        return f"would train nothing: all {len(runs)} runs are finished"
    if slots == (None,):
        return "would run on the CPU, one at a time"
    where, idle = f"would run on {', '.join(map(grid_gpus.gpu_name, slots))}, one run each", devices[len(slots):]
    if not idle:
        return where
    return (f"{where} ({len(pending)} run{'s' if len(pending) != 1 else ''} to train: "
            f"{', '.join(map(grid_gpus.gpu_name, idle))} left idle)")


def _planned_halves(runs, classes_of):
    """A line for the split folders of ``runs`` whose halves' bases train on different numbers of classes:
    "random0, random1: half A 4 classes, half B 5 (A gets the floor of half the classes, B the rest)";
    ``classes_of(base)``: how many classes a base run trains on (its resolved plan's)."""
    counts = collections.defaultdict(dict)
    for base in runs:
        if base.kind == "base" and base.target in grid.HALVES:
            counts[base.name.split("/")[0]][base.target] = classes_of(base)
    folders = collections.defaultdict(list)  # the folders of each (A, B, random?): one line for a grid of seeds
    for folder, by_half in counts.items():
        if len(by_half) == len(grid.HALVES) and len(set(by_half.values())) > 1:
            folders[by_half["A"], by_half["B"], folder.startswith("random")].append(folder)
    return [f"{', '.join(named)}: half A {a} classes, half B {b}" + (f" ({RANDOM_RULE})" if random else "")
            for (a, b, random), named in folders.items()]

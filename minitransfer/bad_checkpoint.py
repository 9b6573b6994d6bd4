"""What to do about a grid's run whose checkpoint.h5 its train refuses (damaged, cut short): delete it
(:func:`bad_checkpoint_step`), then rerun the experiment command that planned the run, which trains it again from
the start (:func:`grid_run_again`); and about a grid's base whose weights file cannot be read: delete that
(:func:`bad_weights_step`). One wording for every place that says it: a grid's dry run and its end (the step: the
command they were given follows it), train's refusal (:func:`minitransfer.resume.starting_over`), a reader's of a
checkpoint cut short (:mod:`minitransfer.checkpoint_check`), and info's and eval's
(:func:`minitransfer.checkpoint_info.unreadable_in_run`). Before, each of the three homes worded it apart.

A leaf: the modules that say it lie on both sides of the cycle experiment → config → ... → checkpoint →
checkpoint_check; what it takes of :mod:`minitransfer.experiment` it imports where it says it.
"""

import os
import pathlib
import shlex


def bad_checkpoint_step(folder):
    """"delete OUT/random2/baseA.run/checkpoint.h5": the one step after which a grid trains the run of ``folder``,
    whose checkpoint its train refuses to resume, from the start (its train.log kept), as the dry run and the grid's
    end (:meth:`minitransfer.grid_outcome.GridOutcome.causes`) say it, and its train. Before, the dry run said
    "delete OUT/random2/baseA.run", its train the checkpoint.h5, the grid's end "fix or replace it"."""
    from minitransfer.experiment import CHECKPOINT_FILE  # here: experiment's imports reach those of this module
    return f"delete {pathlib.Path(folder) / CHECKPOINT_FILE}"


def bad_weights_step(bases):
    """"delete random0/baseA.h5 in the grid's folder (a rerun writes it again from its run's checkpoint.h5 or, that
    gone too, trains that base again)": the one step after which a grid's rerun copies from the bases ``bases`` (run
    names), whose weights files cannot be read (cut short, corrupt), as the grid's end says it of the runs they cost
    (:meth:`minitransfer.grid_outcome.GridOutcome.not_run`). Said as :func:`bad_checkpoint_step` says a run's
    checkpoint, "delete" and the file: before, "replace it", which named no step (a copy of the file from where it
    came from does as well, where there is one)."""
    from minitransfer.experiment import CHECKPOINT_FILE  # as above

    files, each = " and ".join(f"{name}.h5" for name in bases), "each" if len(bases) > 1 else "it"
    return (f"delete {files} in the grid's folder (a rerun writes {each} again from its run's {CHECKPOINT_FILE} or, "
            f"that gone too, trains that base again)")


def grid_run_again(folder):
    """"it is a grid's run: delete OUT/random0/A1B.run/checkpoint.h5, then rerun the experiment command that planned
    it (minitransfer experiment -o OUT with the grid's options), which trains it again": what to do where the run in
    ``folder`` cannot continue from its checkpoint, a grid's run (its treatment.json there); None where it is none.
    A grid's run is trained by no train command of the user's to add --overwrite to, and its grid's train refuses
    the checkpoint until it is deleted. The grid's folder (two above: OUT/random0/A1B.run) is named where its plan
    is there."""
    from minitransfer.experiment import TREATMENT_FILE  # as above

    if not (pathlib.Path(folder) / TREATMENT_FILE).is_file():
        return None
    return f"it is a grid's run: {bad_checkpoint_step(folder)}, then {rerun_its_grid(folder)}, which trains it again"


def rerun_its_grid(folder, aside=""):
    """"rerun the experiment command that planned it (minitransfer experiment -o OUT with the grid's options)": how
    the grid's run in ``folder`` is trained (again), the grid's folder named where its plan is there
    (:func:`planning_grid`): :func:`grid_run_again`'s, that of a grid's run stopped before its first checkpoint
    (:func:`minitransfer.run_remedies.run_without_network`), which named no folder, and that of a run the grid planned
    and never started (:func:`minitransfer.grid_status.planned_not_started`). ``aside``: words said after the grid's
    options, inside the parentheses ("; a grid for SLURM: ...")."""
    grid = planning_grid(folder)
    planned_by = "experiment" if grid is None else f"experiment -o {shlex.quote(str(grid))}"
    return f"rerun the experiment command that planned it (minitransfer {planned_by} with the grid's options{aside})"


def planning_grid(folder):
    """The folder of the grid that planned the run in ``folder`` (two above: OUT/random0/A1B.run), where its plan is
    there; None where it is not (the run folder moved, or its grid's plan gone: naming the folder two above would
    plan a new grid there). As given where the path names both folders (``out/random0/A1B.run``: ``out``, as the
    user typed it), else absolute: "A1B.run" in random0, "../A1B.run" or "." in the run folder name no grid's folder,
    whose parent's parent ("." for a path of one folder) was said, and its command planned a grid anew."""
    from minitransfer.experiment import PLAN_FILE  # as above

    named = pathlib.Path(folder)
    if len(named.parts) < 2 or os.pardir in named.parts[-2:]:
        named = pathlib.Path(os.path.abspath(named))
    grid = named.parent.parent
    return grid if (grid / PLAN_FILE).is_file() else None

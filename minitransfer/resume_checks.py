"""Whether a checkpoint continues this run (:func:`check_resumable`): the same configuration, network, classes and
weights file, its solver state there and its cursor at its iteration; whether the run folder is this run's
(:func:`check_owner`: another weights file's run directory is never taken over), and a checkpoint given as
`resume` of it (:func:`check_own_run`). :func:`minitransfer.resume.resume_point` asks them under the run's lock.
"""

import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer.class_tables import described_class
from minitransfer.config_checks import ConfigError, DataMismatch
from minitransfer.recorded_config import check_configuration, differences
from minitransfer.resume_options import refuse_damaged_record
from minitransfer.rundir import is_run_dir, recorded_name, recorded_out


def check_own_run(resume, run_dir):
    """A checkpoint in another run directory continues there, where its logs are: resumed into
    ``run_dir`` (the same `out` name in another folder), the run was refused for lacking them, or
    went on without its earlier evaluations. Another file of that run (its config.json) is said to be no
    checkpoint (it was called "the checkpoint of the run"), with the run folder to give instead."""
    folder = resume.resolve().parent
    if is_run_dir(folder) and folder != run_dir.resolve():
        if not checkpoints.is_checkpoint(resume):  # config.json, a log: "the checkpoint of the run", it was called
            raise ConfigError(f"`resume` {resume} is a file of the run in {folder} ({resume.name}), not a checkpoint: "
                              f"to continue that run, give its run folder, `resume={str(folder)!r}`, which takes the "
                              f"options the run recorded and its checkpoint ({folder / 'checkpoint.h5'})")
        what = "the checkpoint" if resume.name == "checkpoint.h5" else "a checkpoint"
        raise ConfigError(f"`resume` {resume} is {what} of the run in {folder}, not of {run_dir}: continue "
                          f"it there, giving its run folder, `resume={str(folder)!r}`, which takes the options the "
                          f"run recorded")


def check_owner(plan):
    """``x.h5`` and ``x.weights`` would share the run directory ``x.run``: it belongs to the weights
    file its config.json names, while that file exists beside it."""
    recorded = recorded_out(plan.run_dir)
    if recorded is None:
        return  # no run recorded there (or an unreadable record): nobody else claims it
    owner = plan.run_dir.parent / recorded
    if owner.name != pathlib.Path(plan.config.out).name and owner.exists():
        raise ConfigError(f"{plan.run_dir} belongs to {owner} (its config.json says so), not to "
                          f"{plan.config.out}; choose another `out`, whose run directory is free")


def check_resumable(saved, plan):
    """A resumed run continues the same configuration on the same classes and network. The
    configuration is compared before the layers' shapes: a rerun on another dataset (its folder
    moved, and `data` not given) is told so, not that fc8 has another shape; and a rerun whose
    options pick another preset (a `copy_from` base of another network) is told which option
    changed. Only a checkpoint whose recorded configuration does not name the network it holds (a
    foreign file in the run's place) is refused for its network, before its configuration. Refused with
    `resume='auto'` and no `out`, the run compared is the default name's, which may not be the one meant: the
    refusal says so, and how to name another (it offered to replace that run, `overwrite=True`, and no more)."""
    probe = plan.preset.build(plan.config.fc8_outputs)
    if saved.preset != probe.preset and saved.meta["config"].get("preset") != saved.preset:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path} holds a {saved.preset!r} network; this run "
                                          f"trains {probe.preset!r}")
    _check_written_out(saved, plan)
    refuse_damaged_record(saved.path, saved.meta["config"])  # not "base_lr nan -> 0.01": "give --base-lr nan"
    try:
        check_configuration(saved, plan)
    except ConfigError as error:
        if type(error) is not ConfigError or plan.config.resume != "auto" or "out" not in plan.unset:
            raise
        raise ConfigError(f"{error}; `resume='auto'` without `out` continues the run of this configuration's default "
                          f"name, {plan.config.out}: to continue another run, give its run folder as `resume` (e.g. "
                          f"`resume='runs/baseA.run'`), which takes its `out` and the options it recorded") from None
    if saved.solver is None:  # after the checks that say what a copy of a run's weights file is for
        raise checkpoints.CheckpointError(
            f"checkpoint {saved.path} has no solver state (a finished run's weights file keeps none; its run "
            f"folder's checkpoint.h5 does); it cannot be resumed: to train a new network from it, give it as "
            f"`copy_from` (with `n`, the layers to copy)")
    checkpoints.check_architecture(saved, probe)
    batch = saved.solver.cursor.get("batch")
    if batch != saved.solver.iteration:
        raise checkpoints.CheckpointError(f"checkpoint {saved.path}: solver attribute cursor is at batch {batch!r}, "
                                          f"its iteration is {saved.solver.iteration} (one batch per iteration)")
    if saved.classes != plan.classes:
        raise DataMismatch(f"checkpoint {saved.path} was trained on other classes than this run's "
                           f"({_first_difference(saved.classes, plan.classes)})")


def _check_written_out(saved, plan):
    """A checkpoint given as `resume` (a run's weights copied elsewhere, its checkpoint.h5 copied)
    continues the run that wrote it, into the weights file it records: given another `out`, the
    refusal was "`out` 'b.h5' -> 'y.h5'", as if a mere option differed. Its own run's checkpoint
    under another `out` (a renamed run folder) is left to :func:`check_configuration`'s hint."""
    own = plan.run_dir / "checkpoint.h5"
    if plan.config.resume == "auto" or own.exists() and os.path.samefile(saved.path, own):
        return
    recorded = saved.meta["config"].get("out")
    if not isinstance(recorded, str) or "out" not in differences(saved, plan):
        return  # a record without its `out` (damaged, by hand): check_configuration refuses it as it differs
    recorded = recorded_name(recorded)
    raise ConfigError(f"`resume` {saved.path} holds the run of {recorded} (the weights file it writes), not of `out` "
                      f"{plan.config.out}: a run continues only into its own weights, beside its run folder; to "
                      f"train a new network from these weights, give {saved.path} as `copy_from` (with `n`, the "
                      f"layers to copy)")


def _first_difference(saved, current):
    if len(saved) != len(current):
        return f"{len(saved)} classes in the checkpoint, {len(current)} in this run's half"
    label = next(index for index, (a, b) in enumerate(zip(saved, current)) if a != b)
    return f"label {label} is {described_class(saved[label])} in the checkpoint, {described_class(current[label])} here"

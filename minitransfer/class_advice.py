"""What ``eval`` advises for a network refused on a dataset of other classes: a transfer of its layers to
these classes, copied from its finished weights (:func:`transfer_of`), and, where its base was trained on
these classes, that base, which scores there."""

import os
import shlex

from minitransfer import rundir
from minitransfer.checkpoint_info import named_run_folder
from minitransfer.checkpoint_runs import divergence_in
from minitransfer.class_tables import classes_sha256
from minitransfer.own_presets import pasted, preset_of
from minitransfer.rundir import recorded_path


def transfer_of(saved, dataset):
    """The command that transfers the layers of checkpoint ``saved`` to the classes of ``dataset``, and where
    ``saved`` is a transfer whose base was trained on these classes (:func:`_base_there`), that base. The layers
    are copied from the network's finished weights (:func:`_copied_from`): a run's checkpoint.h5 named the
    checkpoint before the end of its run ("--copy-from mid.run/checkpoint.h5"), whose layers are half-trained. Each
    command begins with the words a new shell needs to know the network's preset where it is one's own
    (:func:`minitransfer.own_presets.pasted`): printed bare, pasted so, it was refused (exit 65, preset not known)."""
    return f"train a transfer of them ({_copied_from(saved, dataset)}){_base_there(saved, dataset)}"


def _copied_from(saved, dataset):
    """The train command copying from ``saved``: from its run's weights file where ``saved`` is that run's
    checkpoint.h5 at its end and they are there; where ``saved`` is before the end of its run (iteration < its
    max_iter), the command that finishes the run first (where its training diverged after it, a resumption
    diverges again: the run started over with a lower --base-lr, as train says), or, where it lies in no run
    folder, a caveat that the copy takes its layers as they were at that iteration."""
    copy, preset = f"--n N --data {_quoted(dataset.path)}", preset_of(saved.meta.get("config"))
    iteration, max_iter = saved.meta.get("iteration"), (saved.meta.get("config") or {}).get("max_iter")
    unfinished = isinstance(iteration, int) and isinstance(max_iter, int) and iteration < max_iter
    folder = named_run_folder(saved.path)
    weights = rundir.weights_for(folder) if folder is not None else None
    if not unfinished:
        base = weights if weights is not None and weights.is_file() else saved.path
        return pasted(f"train --copy-from {_quoted(base)} {copy}", preset)
    if weights is None:
        return (f"{pasted(f'train --copy-from {_quoted(saved.path)} {copy}', preset)}, which copies its layers as they "
                f"were at iteration {iteration} of {max_iter}: an unfinished network, before the end of its run")
    diverged = divergence_in(folder)
    finish = (f"finish it first, {pasted(f'train --resume {_quoted(folder)}', preset)}" if not diverged else
              f"its {diverged}, after it, and resumed it diverges again: start it over with a lower --base-lr "
              f"(train --overwrite, without --resume: `{pasted(f'info {_quoted(folder)}', preset)}` names its command)")
    return (f"its run {folder} is unfinished, at iteration {iteration} of {max_iter}: {finish}, then copy its "
            f"finished weights: {pasted(f'train --copy-from {_quoted(weights)} {copy}', preset)}")


def _base_there(saved, dataset):
    """Where ``saved`` copied its first layers from a base of the class table of ``dataset`` (a transfer across
    datasets scored on its base's dataset, as a researcher tries it), that base is named, which scores there (its
    file there); "" otherwise: "train a transfer of them" alone sent them to train again what the base is."""
    source = saved.meta.get("source") or {}
    if not source.get("checkpoint") or source.get("dataset_classes_sha256") != classes_sha256(dataset):
        return ""
    base = recorded_path(source["checkpoint"])
    if not os.path.isfile(base):
        return ""
    return (f"; its layers 1..{saved.meta['n_copied']} were copied from {base}, trained on this dataset's classes: "
            f"{pasted(f'eval {_quoted(base)} --data {_quoted(dataset.path)}', preset_of(saved.meta.get('config')))} "
            f"scores that "
            f"network on them")


def _quoted(path):
    """``path`` as a shell word, for a command pasted (a folder with a space in its name split in two)."""
    return shlex.quote(str(path))

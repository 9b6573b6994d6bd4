"""The mean image a run subtracts from its crops: the base checkpoint's (resampled to the target's
image size) or the dataset's, where it came from, and what a checkpoint records of it in words."""

import shlex

import numpy as np

from minitransfer import checkpoint as checkpoints
from minitransfer.checkpoint_remake import prepare_command
from minitransfer.config_checks import DataMismatch
from minitransfer.rundir import record_path


def mean_image(c, parent, dataset, named):
    """The mean image goes with the copied layers: the base checkpoint's, else the dataset's.
    ``named``: ``c`` with its paths as the user gave them, as the messages name them
    (:attr:`minitransfer.config.Plan.named`); ``c``'s, absolute, are recorded."""
    if parent is not None:
        if parent.mean is None:
            raise checkpoints.CheckpointError(
                f"checkpoint {named.copy_from} holds no /mean image (the file is incomplete): its layers were trained "
                f"with {mean_seen(parent.meta)} subtracted from their images, and a transfer must subtract the same; "
                f"copy the complete file again, or train the base again")
        check_recorded_size(parent, dataset, named=named.copy_from, data_named=named.data)  # before resampling it
        # paths recorded as UTF-8 text in every locale, as config's are (rundir.record_path)
        source = {"kind": "checkpoint", "checkpoint": record_path(parent.path), "sha256": parent.sha256,
                  "from": parent.meta.get("mean_source", {})}
        mean, resized_from = fit_mean(parent.mean, dataset.image_size)  # a base trained on another image size
        if resized_from:
            source["resized_from"] = resized_from
    else:
        mean = dataset.mean()
        source = {"kind": "dataset", "dataset": record_path(c.data), "fingerprint": dataset.fingerprint}
    if tuple(mean.shape) != (*dataset.image_size, 3):
        raise DataMismatch(f"the mean image of {named.copy_from if parent is not None else named.data} is "
                           f"{mean.shape[0]}x{mean.shape[1]}, the images of {named.data} are "
                           f"{dataset.image_size[0]}x{dataset.image_size[1]}")
    return mean, source


def mean_seen(meta):
    """The mean image the layers of a checkpoint of ``meta`` saw, in words, as its `mean_source` names it."""
    source = meta.get("mean_source") or {}
    if source.get("kind") == "checkpoint":
        return f"the mean image of checkpoint {source.get('checkpoint')}"
    if source.get("kind") == "dataset":
        return f"the mean of {source.get('dataset')} (meta.json sha256 {str(source.get('fingerprint'))[:12]})"
    return "a mean image it does not record"


def fit_mean(mean, size):
    """``mean`` as it is subtracted from images of ``size`` (H, W): resampled by :func:`resize_mean`
    when it has another size, with the size it had then ([H, W]; None when it fits as it is)."""
    if tuple(mean.shape[:2]) == tuple(size):
        return mean, None
    return resize_mean(mean, size), list(mean.shape[:2])


def resize_mean(mean, size):
    """A mean image (H, W, 3) float32 resampled (bilinear) to ``size`` (H', W'): the base's mean,
    subtracted from a target dataset stored at another size."""
    from PIL import Image  # here, not at the top: a train that resizes no mean needs no Pillow
    height, width = size
    channels = [Image.fromarray(np.ascontiguousarray(mean[..., k], dtype=np.float32))  # mode F
                .resize((width, height), Image.Resampling.BILINEAR) for k in range(mean.shape[2])]
    return np.stack([np.asarray(channel, dtype=np.float32) for channel in channels], axis=-1)


def check_recorded_size(saved, dataset, named=None, data_named=None):
    """A :class:`.checkpoint.CheckpointError` naming the file where the /mean of ``saved`` is not of
    the size of ``dataset``'s images while its record says it was subtracted from them (``dataset`` is
    the one it was trained on, or the one whose mean it records): train refuses any other, so the
    file's /mean was replaced since, and resampling it (:func:`fit_mean`, meant for another dataset's
    images) would subtract a mean its first layers never saw, and nothing would say so. Checked where
    eval scores ``saved`` and where a transfer takes its mean (:func:`mean_image`). The refusal names the
    checkpoint and the dataset as ``named`` and ``data_named`` give them, else as their ``path``."""
    source = saved.meta.get("mean_source") or {}
    recorded = {saved.meta.get("dataset_fingerprint"), source.get("fingerprint") if source.get("kind") == "dataset"
                else None} - {None, ""}
    size = tuple(dataset.image_size)
    if saved.mean is None or dataset.fingerprint not in recorded or tuple(saved.mean.shape[:2]) == size:
        return
    raise checkpoints.CheckpointError(
        f"checkpoint {named or saved.path}: its /mean image is {saved.mean.shape[0]}x{saved.mean.shape[1]}, but it "
        f"records {mean_seen(saved.meta)}, subtracted from the {size[0]}x{size[1]} images of "
        f"{data_named or dataset.path} it was trained on: the file's /mean was replaced or damaged since; copy the "
        f"complete file again, or train it again")


def prepare_at_size(source, folder, size):
    """The command, in words, that prepares the dataset ``folder`` again at ``size`` px (prepare's --size), into a
    folder beside it (``folder``-``size``px: the images runs trained on stay): from meta.json's ``source`` record,
    the whole command for a synthetic set, the importer and its SOURCE for an import (whose other options, where
    it had any, are to be given again); None where the record names neither."""
    out = f"{str(folder).rstrip('/') or folder}-{size}px"
    source = source if isinstance(source, dict) else {}
    command = prepare_command({**source, "size": size}, out)
    if command is not None:
        return f"`{shlex.join(command)}`"
    if isinstance(source.get("kind"), str) and isinstance(source.get("path"), str):
        command = ["minitransfer", "prepare", source["kind"], source["path"], out, "--size", str(size)]
        return f"`{shlex.join(command)}` (with the other options that prepared {folder})"
    return None

"""Accuracy of a network: during training, of a saved checkpoint, and the paper's summary metric.

The paper reports, for each network, the mean of the 10 best validation top-1 evaluations
(:func:`summarize`); evaluation uses centre crops and no dropout.
"""

import pathlib

import numpy as np

from minitransfer import checkpoint_runs, hdf5_files, models
from minitransfer.checkpoint_info import loaded, warn_left_out
from minitransfer.config import check_data_there
from minitransfer.config_checks import ConfigError, DataMismatch, check_call, check_int, check_path, resolve_device
from minitransfer.data import dataset as datasets
from minitransfer.data import loader as loaders
from minitransfer.data import loader_workers
from minitransfer.eval_data import nothing_to_score, own_mean, prepare_to_fit, task_of, trained_before, trained_on
from minitransfer.home_paths import expanded
from minitransfer.layers import Pass
from minitransfer.mean_image import check_recorded_size, fit_mean
from minitransfer.moved_classes import renumbered
from minitransfer.ops import precision as precisions
from minitransfer.ops import softmax_cross_entropy
from minitransfer.preflight_memory import check_evaluation_memory
from minitransfer.recorded_config import precision_history
from minitransfer.run_networks import network_files
from minitransfer.rundir import BEST_EVALUATIONS
from minitransfer.run_file_readers import reads_shared
from minitransfer.transfer import load_net


def evaluate(net, batches, stop=(), progress=None, start=0):
    """Top-1, top-5 and mean loss of ``net`` over ``batches`` of (x, labels) (evaluation mode).
    ``stop``: as for :func:`until_stopped`; ``progress``: called with the images scored so far after each
    batch. ``start``: the batches' x are the output of the net's first ``start`` stages
    (:func:`through_frozen`), which run no more."""
    k5 = min(5, net.num_outputs)
    images = 0
    sums = {"top1": 0.0, "top5": 0.0, "loss": 0.0}
    for x, labels in until_stopped(batches, stop):
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged net scores NaN, without warnings
            loss, logits = net.forward(x, labels, train=False) if start == 0 else _forward_from(net, start, x, labels)
        count = int(labels.shape[0])
        sums["loss"] += float(loss) * count
        sums["top1"] += float(softmax_cross_entropy.accuracy(logits, labels, 1)) * count
        sums["top5"] += float(softmax_cross_entropy.accuracy(logits, labels, k5)) * count
        images += count
        if progress is not None:
            progress(images)
    if images == 0:
        raise DataMismatch("evaluation set is empty")
    return {key: value / images for key, value in sums.items()} | {"images": images}


def frozen_stages(net):
    """How many of ``net``'s stages lie below its lowest trainable one (NumPy only, else 0): their
    weights never change during the run, so their output on a fixed input never does either."""
    return (net.lowest_trainable_stage() or 0) if net.device == "cpu" else 0


def through_frozen(net, batches, limit_bytes):
    """``(start, batches)``: the validation ``batches`` (kept, (x, labels) pairs) passed through the
    :func:`frozen_stages` of ``net`` once, as :meth:`minitransfer.net.Net.forward` passes them in
    evaluation mode, for :func:`evaluate` with ``start``, which runs only the stages above; ``(0,
    batches)`` where nothing is frozen or their outputs would take more than ``limit_bytes``. A
    demo network with n layers frozen evaluated its frozen layers again at each of its 20
    evaluations, on the same images: up to half of a frozen network's forward passes."""
    start = frozen_stages(net)
    if start == 0:
        return 0, batches
    shape = dict(net.shapes())[net.stages[start - 1].layers[-1].name]
    if sum(len(labels) for _, labels in batches) * int(np.prod(shape)) * 4 > limit_bytes:
        return 0, batches
    with np.errstate(over="ignore", invalid="ignore"):
        return start, [(_through(net, net.stages[:start], x), labels) for x, labels in batches]


def _forward_from(net, start, x, labels):
    """``net.forward(x, labels, train=False)`` of an input whose first ``start`` stages have run:
    the same stages, pass and loss, from stage ``start`` on."""
    x = _through(net, net.stages[start:], x)
    loss, _ = softmax_cross_entropy.forward(x, labels)
    return loss, x


def _through(net, stages, x):
    """``x`` passed through ``stages`` of ``net`` as :meth:`minitransfer.net.Net.forward` passes it in
    evaluation mode on NumPy (the one pass :func:`through_frozen` and :func:`_forward_from` share)."""
    run = Pass(train=False, precision=net.precision, fused=True)
    for stage in stages:
        x = stage.forward(x, run, False)
        stage.release()
    return x


def until_stopped(batches, stop):
    """``batches`` one by one while ``stop`` (a list a stop signal's handler appends to:
    ``stop_requests.StopRequests``) is empty; then ``data.loader_workers.StopRequested`` before the next one. An
    evaluation of ImageNet's 25,000 validation images lasts minutes: a stop must not wait for its end."""
    for batch in batches:
        if stop:
            raise loader_workers.StopRequested(stop[0])
        yield batch


def validation_loader(plan):
    """Centre crops of the plan's validation images, in order, batched by ``eval_batch_size``."""
    return loaders.BatchLoader(plan.dataset, "val", plan.task.val_indices, plan.task.val_labels,
                               plan.config.eval_batch_size, plan.preset.crop, train=False, seed=plan.config.seed,
                               mean=plan.mean, device=plan.device, workers=0)


def summarize(rows):
    """final / best / mean-of-10-best top-1 from eval rows (dicts with iteration, top1, top5, loss)."""
    if not rows:
        return {"final": {}, "best_top1": float("nan"), "mean10_top1": float("nan"), "evaluations": 0}
    best = sorted((row["top1"] for row in rows), reverse=True)
    final = max(rows, key=lambda row: row["iteration"])
    return {"final": {k: final[k] for k in ("iteration", "top1", "top5", "loss")}, "best_top1": best[0],
            "mean10_top1": float(np.mean(best[:BEST_EVALUATIONS])), "evaluations": len(rows)}


def evaluate_checkpoint(path, data=None, subset="val", device="auto", batch_size=None, precision=None,
                        progress=None):
    """Top-1 / top-5 / loss of a checkpoint on its half's ``subset`` images (centre crops; ``train``
    of a reduced-data run: the images per class it was trained on). ``path``: a weights file, a
    checkpoint, or a run folder, as ``minitransfer eval`` takes it (its weights file once its run
    finished, else its checkpoint.h5).

    The half is rebuilt from the split recorded in the checkpoint; ``data`` (a folder or an open
    :class:`minitransfer.data.dataset.Dataset`) defaults to the dataset it was trained on (the
    built-in benchmark, a demo's, built again in the cache where that was emptied; the scores' ``data`` is its
    absolute path, links resolved, as train records it, whether given or not), ``precision`` to the one it
    was trained in (``trained_precision``:
    :func:`minitransfer.recorded_config.precision_history`). ``progress``: told how far the scoring has
    got, as ``progress(images scored, images in all)`` (``eval``'s is a
    :class:`minitransfer.progress.EvaluationProgress`).
    On images stored at another size than the network's mean image (another dataset: the crop must
    fit and the classes match) the mean is resampled as ``train`` resamples a base's, and
    ``mean_resized_from`` gives the size it had ([H, W]; None when it fits); ``crop`` is the side of
    the centre crops scored, ``image_size`` the images' [H, W], ``outputs`` fc8's width (with 5 or
    fewer, top-5 is 1 whatever the network); ``iteration`` is the one the checkpoint
    was written at, of its run's ``max_iter`` (the checkpoint of a run still training is rewritten as it
    trains: each evaluation scores the iteration it read). Raises
    :class:`DataMismatch` when the classes differ (not where ``data`` holds the network's very classes and no
    others, numbered otherwise: each image is scored as its class, ``classes_renumbered`` counting those numbered
    otherwise, 0 else), when the recorded split cannot be made of the
    dataset or ``subset`` holds none of its images, and (without ``data``) when the recorded folder
    holds another dataset now (prepared again: its fingerprint differs), and for a checkpoint without
    its /mean image unless the mean its first layers saw is ``data``'s; ``preflight_memory.OutOfMemory``
    when a batch of ``batch_size`` needs more memory than is available, ``data.lock.DatasetBusy``
    while prepare rewrites the dataset (which it does not do while the evaluation reads it);
    :class:`ConfigError` for an argument out of its range or of another type (or a ``data`` opened without
    ``subset``: :attr:`minitransfer.data.dataset.Dataset.subsets`; without ``data``, the dataset it was trained on
    gone from its folder: ``data`` wanted, as train's ``copy_from`` wants it), ``checkpoint.CheckpointError``
    for a checkpoint that cannot be read, ``data.dataset.DatasetError``
    for a damaged dataset (or a file given as ``data``). ``path`` and ``data`` may start with ``~``, the home
    folder (:func:`minitransfer.home_paths.expanded`).

    Example: ``evaluate_checkpoint("A4B.h5")["top1"]``
    """
    return evaluated_checkpoint(expanded(path), expanded(data), subset, device, batch_size, precision, progress)[0]


def evaluated_checkpoint(path, data=None, subset="val", device="auto", batch_size=None, precision=None,
                         progress=None):
    """(:func:`evaluate_checkpoint`'s scores, the checkpoint scored as it was read: a
    :class:`minitransfer.checkpoint.Checkpoint`), for what else is said of the scores (eval's line names the
    half and the classes its ``meta`` records): from the one reading of the file that gave the weights
    scored, not another look at a file a run still training (or started over) renames its next checkpoint
    over meanwhile."""
    if subset not in ("train", "val"):
        raise ConfigError(f"`subset` must be train or val, got {subset!r}")
    check_int("batch_size", batch_size, 1)  # 0 would silently mean the default
    check_path("path", path, required=True)
    check_call("progress", progress, required=False, taking="(images scored, images in all)")  # not at a batch
    if not isinstance(data, datasets.Dataset):
        check_path("data", data)
    elif subset not in data.subsets:  # refused by name, not found to hold none of the network's classes
        raise ConfigError(f"`data` {data.path} was opened for its {', '.join(data.subsets)} images alone, not the "
                          f"{subset} images `subset` scores: open it with open_dataset(path, subsets=({subset!r},)), "
                          f"or give its folder as `data`")
    path = _network_in(path)
    saved = loaded(path, solver=False)  # a run's checkpoint.h5 that cannot be read: what to do
    with reads_shared():  # its run's result.json read once: report's reading of it, then the record of its weights
        warn_left_out(path, "it is scored all the same, from what the network itself records", saved.meta)
        result = checkpoint_runs.weights_result(path)  # for the check below, which read it again after the data's
    stored = saved.meta.get("config", {})
    if data is not None and not isinstance(data, datasets.Dataset):
        check_data_there(data)  # in train's words
    dataset = data if isinstance(data, datasets.Dataset) else \
        datasets.open_dataset(data or trained_on(saved), subsets=(subset,))  # the shards it scores alone
    recorded = saved.meta["dataset_fingerprint"]
    if data is None and recorded and dataset.fingerprint != recorded:
        if not stored.get("data"):  # no folder recorded (a file train did not write whole): the built-in set a guess
            raise DataMismatch(f"checkpoint {path} records no dataset it was trained on ({_no_dataset(path)}: written "
                               f"by another program or changed by hand), and the built-in synthetic set is not it "
                               f"(sha256 of its meta.json {recorded[:12]}, the built-in set's "
                               f"{dataset.fingerprint[:12]}): give the dataset it was trained on as `data`")
        with dataset.reading():  # other classes there too: refused as such, "give it as `data`" would be refused next
            task_of(saved, dataset)
        # another dataset in its folder: other images of its classes
        raise DataMismatch(f"checkpoint {path} {trained_before(dataset, recorded)}: its images are not the ones the "
                           f"network was trained and validated on; to score it on them anyway, give "
                           f"`data={str(dataset.path)!r}`")
    preset = models.PRESETS[saved.preset]
    if min(dataset.image_size) < preset.crop:
        raise DataMismatch(f"checkpoint {path} is a {preset.name} network that takes {preset.crop}x{preset.crop} "
                           f"crops; the images of {dataset.path} are {dataset.image_size[0]}x{dataset.image_size[1]}: "
                           f"{prepare_to_fit(saved, preset)}")
    with dataset.reading():  # prepare must not replace the shards while they are read
        task = task_of(saved, dataset)
        check_recorded_size(saved, dataset)
        # on images stored at another size than the network was trained on: its mean resampled, as train does
        mean, mean_resized_from = fit_mean(saved.mean if saved.mean is not None else own_mean(saved, dataset, data),
                                           dataset.image_size)
        device = resolve_device(device)
        if precision is not None and precision not in precisions.PRECISIONS:
            raise ConfigError(f"`precision` must be one of {', '.join(precisions.PRECISIONS)}, got {precision!r}")
        net = load_net(saved, device, precision)
        batch_size = batch_size or stored.get("eval_batch_size") or preset.batch_size
        indices = task.val_indices if subset == "val" else task.train_indices
        labels = task.val_labels if subset == "val" else task.train_labels
        if len(indices) == 0:  # a dataset imported without validation images, or without these classes' images
            raise DataMismatch(nothing_to_score(path, dataset, subset, task))
        check_evaluation_memory(net, dataset.image_size, len(indices), batch_size, device)  # before the batches
        checkpoint_runs.warn_weights_of_another_run(path, saved, result=result)  # baseA.run: its weights, another's?
        with loaders.BatchLoader(dataset, subset, indices, labels, batch_size, preset.crop, train=False,
                                 mean=mean, device=device) as batches:
            scored = None if progress is None else lambda images: progress(images, len(indices))
            scores = evaluate(net, batches, progress=scored)
    if not np.isfinite(scores["loss"]):  # its accuracy would be meaningless: a NaN logit never loses
        raise DataMismatch(f"checkpoint {path}: its outputs on the {subset} images of {dataset.path} are not finite "
                           f"(loss {scores['loss']}): the network's activations overflow on these images")
    return {"checkpoint": str(path), "iteration": saved.meta["iteration"], "max_iter": stored.get("max_iter"),
            "data": str(pathlib.Path(dataset.path).resolve()), "subset": subset, "precision": net.precision,
            "trained_precision": precision_history(saved.meta),
            "mean_resized_from": mean_resized_from, "crop": preset.crop, "image_size": list(dataset.image_size),
            "outputs": net.num_outputs, "classes_renumbered": renumbered(saved.classes, dataset.classes),
            **scores}, saved


def _network_in(path):
    """The network that ``path`` names: a run folder (``baseA.run``, as eval takes it) its weights
    file once its run finished, else its checkpoint.h5 (:func:`minitransfer.run_networks.network_files`;
    the library refused it, "give its weights file"); any other ``path`` as it is."""
    files = network_files(path)
    if files is None:
        return path
    weights, checkpoint = files
    return str(weights) if weights.is_file() else str(checkpoint) if checkpoint.is_file() else path


def _no_dataset(path):
    """Why the checkpoint at ``path`` records no dataset: its config attribute is missing, or has no
    field data (a checkpoint read without one reads an empty config)."""
    try:
        with hdf5_files.open_hdf5(path, locked=False) as f:  # as the checkpoint was read: unlocked, unmarked
            missing = "config" not in f.attrs
    except OSError:  # gone or changed since it was read: its config, as read, had no data
        missing = False
    return "attribute config is missing" if missing else "attribute config has no field data"

"""What a researcher should know before a training run starts, printed as warnings by ``train``
(the run goes on): each names the option or the file behind it and what to do instead.

:func:`warnings_for` reads a resolved :class:`minitransfer.config.Plan`; it writes nothing and
refuses nothing (refusals are :func:`minitransfer.config.resolve`'s).
"""

import numpy as np

from minitransfer.rundir import duration

CROP_SHARE_WARNING = 0.8  # a crop spanning less of an image's side than this is warned about
PAPER_CROP_SHARE = 227 / 256
CPU_HOURS_WARNING = 2  # hours on the CPU


def warnings_for(plan):
    """What a researcher should know before the run starts: a crop that sees a small part of each
    image, a reduced-data run that keeps every image, a batch larger than the data, a base's mean
    image resized to other images, a CUDA graph asked for on the CPU, a run that would take days on
    the CPU."""
    c, preset, (height, width) = plan.config, plan.preset, plan.dataset.image_size
    found = []
    share = preset.crop / min(height, width)
    if share < CROP_SHARE_WARNING:
        found.append(f"preset {preset.name} takes {preset.crop}x{preset.crop} crops of the {height}x{width} images of "
                     f"{plan.dataset.path}: a crop spans {share:.0%} of an image's side (CaffeNet's 227 of 256: 89%); "
                     f"prepare the images at --size {round(preset.crop / PAPER_CROP_SHARE)} to keep the paper's "
                     f"proportion, or choose a preset made for {min(height, width)} px images")
    images = len(plan.task.train_indices)
    if c.per_class and images == np.isin(plan.dataset.labels("train"), plan.task.class_indices).sum():
        found.append(f"--per-class {c.per_class} keeps every training image of {plan.dataset.path} ({images} images of "
                     f"{plan.task.num_classes} classes): the run is not reduced, yet it takes the reduced-data "
                     f"solver (--base-lr {c.base_lr}, --stepsize {c.stepsize})")
    if c.batch_size > images:
        found.append(f"--batch-size {c.batch_size} is larger than the {images} training images: every batch repeats "
                     f"images")
    if "resized_from" in plan.mean_source:
        height, width = plan.mean_source["resized_from"]
        found.append(f"the mean image of {plan.mean_source['checkpoint']} is {height}x{width}; it is resized to the "
                     f"{plan.dataset.image_size[0]}x{plan.dataset.image_size[1]} images of {plan.dataset.path}")
    if c.cuda_graph and plan.device == "cpu":
        found.append("--cuda-graph replays CUDA kernels; on the CPU the run goes without it")
    if plan.device == "cpu" and preset.cpu_seconds_per_image:
        seconds = preset.cpu_seconds_per_image * c.batch_size * (c.max_iter - _start_of(plan))
        if seconds > CPU_HOURS_WARNING * 3600:
            found.append(f"{preset.name} on the CPU: {c.max_iter} iterations of batch {c.batch_size} take about "
                         f"{duration(seconds)} on two cores; train on a GPU (--device cuda), or fewer iterations "
                         f"(--max-iter) or the mini preset for a trial")
    return found



def _start_of(plan):
    return plan.resume_from.solver.iteration if plan.resume_from is not None else 0

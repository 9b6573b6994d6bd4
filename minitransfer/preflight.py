"""What a researcher should know before a training run starts, printed as warnings by ``train``
(the run goes on): each names the option or the file behind it and what to do instead (quoting
the configuration fields as errors do: :func:`minitransfer.config_wording.worded`).

:func:`warnings_for` reads a resolved :class:`minitransfer.config.Plan`; it writes nothing and
refuses nothing (refusals of the configuration are :func:`minitransfer.config.resolve`'s). The one
thing that stops a run before it starts that only this machine can tell, a batch too large for its
memory, is :mod:`minitransfer.preflight_memory`'s.
"""

import dataclasses
import os
import pathlib
import re
import shlex

import numpy as np

from minitransfer import checkpoint_runs, class_tables, models, optim, rundir
from minitransfer.config import default_out
from minitransfer.data.shard_format import META_FILE
from minitransfer.experiment import some_names
from minitransfer.mean_image import prepare_at_size
from minitransfer.ops.precision import PRECISIONS
from minitransfer.progress import duration
from minitransfer.recorded_config import precision_history
from minitransfer.transfer import source_of
from minitransfer.treatments import why_left_out

CPU_HOURS_WARNING = 2  # hours on the CPU
# The paper's names of networks (config.default_out's): baseA, A4B, A4B+, random2B, a split's prefix before them,
# another split seed and a reduced-data run's images per class after them.
PAPER_NAME = re.compile(r"(?:natural-|all-)?(base(?:A|B|all)|[AB]\d+(?:A|B|all)\+?|random\d+(?:A|B|all))"
                        r"(?:-split-seed\d+)?(?:-per-class\d+)?")


def warnings_for(plan):
    """What a researcher should know before the run starts: a crop that sees a small part of each
    image, a reduced-data run that keeps every image (or every image of some classes), a batch
    larger than the data, a learning rate that never steps down, a base's mean image resized to
    other images, layers copied from a base trained in another precision, from none of the paper's
    bases (a random-weights control, a checkpoint before the end of its run, a copy), from another
    dataset's base onto a half of this one or from a reduced-data run (which report leaves out, as it does a
    random-weights control or a reduced-data run on a half, and a reduced-data run that copies or freezes layers:
    :func:`_left_out_by_report`), or from one that has seen classes this run trains on (or learned
    other images of them), a CUDA graph asked for on the CPU, a run that would take days on the CPU, a
    weights file named as the paper names another network. The base and the dataset are named as the user gave them
    (:attr:`minitransfer.config.Plan.named`)."""
    c, named, preset = plan.config, plan.named, plan.preset
    found = []
    crop = crop_warning(plan, lambda: fitting(plan))
    if crop:
        found.append(crop)
    images = len(plan.task.train_indices)
    if c.per_class and images == np.isin(plan.dataset.labels("train"), plan.task.class_indices).sum():
        found.append(f"`per_class={c.per_class}` keeps every training image of {named.data} ({images} images of "
                     f"{plan.task.num_classes} classes): the run is not reduced, yet it takes the reduced-data "
                     f"solver (`base_lr={c.base_lr}`, `stepsize={c.stepsize}`)")
    elif plan.task.short_classes:
        found.append(plan.task.short_classes_note())
    if c.batch_size > images:
        found.append(f"`batch_size={c.batch_size}` is larger than the {images} training images: every batch repeats "
                     f"images")
    unstepped = _rate_never_steps(plan)
    if unstepped:
        found.append(unstepped)
    resized = _base_of_another_size(plan)
    if resized:
        found.append(resized)
    precision = _base_of_another_precision(plan)
    if precision:
        found.append(precision)
    for check in (_left_out_by_report, _classes_shared_with_base, _base_of_other_images,
                  _paper_name_of_another_network):  # each a warning, or ""
        said = check(plan)
        if said:
            found.append(said)
    if c.cuda_graph and plan.device == "cpu":
        found.append("`cuda_graph` replays CUDA kernels; on the CPU the run goes without it")
    if plan.device == "cpu" and preset.cpu_seconds_per_image:
        seconds = preset.cpu_seconds_per_image * c.batch_size * (c.max_iter - _start_of(plan))
        if seconds > CPU_HOURS_WARNING * 3600:
            found.append(f"{preset.name} on the CPU: {c.max_iter} iterations of batch {c.batch_size} take about "
                         f"{duration(seconds)} on two cores; train on a GPU (`device='cuda'`), or fewer "
                         f"iterations (`max_iter`){_cheaper_preset(plan)} for a trial")
    return found


def _cheaper_preset(plan):
    """", or `preset='mini'`": the preset a trial of ``plan`` on the CPU could take instead, the largest of those
    faster there whose crops its images can give, else "": none for a transfer, whose preset is its base's ("or the
    mini preset" was said to a run of micro, which is faster, and to a transfer of a CaffeNet base, which refuses
    another preset's layers)."""
    cost, side = plan.preset.cpu_seconds_per_image, min(plan.dataset.image_size)
    faster = [preset for preset in models.PRESETS.values()
              if preset.crop <= side and (preset.cpu_seconds_per_image or cost) < cost]
    if plan.parent is not None or not faster:
        return ""
    return f", or `preset={max(faster, key=lambda preset: preset.crop).name!r}`"


def crop_warning(plan, fitting):
    """The warning for ``plan``'s crops spanning less than :data:`models.CROP_SHARE` of its images'
    side, ending in ``fitting()`` (what makes them fit: :func:`fitting`, or a grid's advice for both its
    datasets; asked only where the warning is said: it may read a grid's plan and open datasets); "" where
    they span enough."""
    preset, named, (height, width) = plan.preset, plan.named, plan.dataset.image_size
    share = preset.crop / min(height, width)
    if share >= models.CROP_SHARE:
        return ""
    base = f" (the preset of {named.copy_from}, whose layers are copied)" if plan.parent is not None else ""
    return (f"preset {preset.name}{base} takes {preset.crop}x{preset.crop} crops of the {height}x{width} images of "
            f"{named.data}: a crop spans {share:.0%} of an image's side (CaffeNet's 227 of 256: 89%); {fitting()}")


def fitting(plan):
    """What makes ``plan``'s crops fit its images: the images prepared at the preset's size, or a
    preset made for them (for a base of a cross-dataset grid, one made for both its datasets:
    :func:`minitransfer.grid_preflight.fitting_in_grid`). A transfer's preset is its base's: across datasets,
    only its target's images can change; within its base's dataset, that dataset prepared again takes the
    base trained again. A base trained on images of another size that its crops fit: this run's prepared at that
    size, another than the paper's proportion gives (as :func:`_base_of_another_size` advises)."""
    from minitransfer.grid_preflight import fitting_in_grid  # which imports this module

    preset, dataset, size = plan.preset, plan.named.data, models.prepared_size(plan.preset)
    keep = "to keep the paper's proportion"
    if plan.parent is None:
        in_grid = fitting_in_grid(plan)  # a cross-dataset grid's base: its preset must fit the other dataset too
        if in_grid:
            return in_grid
        others = [name for name in models.presets_fitting(plan.dataset.image_size) if name != preset.name]
        return f"prepare the images at {size} px (prepare's --size) {keep}" + "".join(
            f", or choose `preset={name!r}`" for name in others)
    if _base_size_fits(plan) and _base_size(plan) != size:  # as the base's size's warning says
        return (f"prepare {dataset} at {_base_size(plan)} px (prepare's --size), the size of the images the copied "
                f"layers were trained on")
    if plan.cross_dataset:
        return f"prepare {dataset} at {size} px (prepare's --size) {keep}{_or_at_base_size(plan)}"
    return (f"prepare {dataset} at {size} px (prepare's --size) and train {plan.named.copy_from} again on it, {keep}"
            f"{_or_at_base_size(plan)}")


def _or_at_base_size(plan):
    """For a transfer whose base was trained on images of another size than the paper's proportion gives: the other
    way out, which the mean image's warning (:func:`_base_of_another_size`) names with its command: ", or at 16 px,
    ..." (two warnings naming two sizes read as contradicting each other); else "", also where the base's size is
    the one the paper's proportion gives."""
    if _base_size(plan) in (None, models.prepared_size(plan.preset)):
        return ""
    return (f"; or at {_base_size(plan)} px, the size of the images the copied layers were trained on, as the mean "
            f"image's warning says")


def _base_size(plan):
    """The size (prepare's --size: the height) of the images a transfer's base was trained on where it is another
    than this run's (its mean image resized from it: :func:`_base_of_another_size`), else None."""
    return plan.mean_source.get("resized_from", (None,))[0]


def _base_of_another_size(plan):
    """The warning for a transfer whose base was trained on images of another size than this run's (its mean image
    resized to them: :func:`minitransfer.mean_image.mean_image`), else "": the mean resized alone read as a detail
    taken care of, where the copied layers see crops spanning another share of each image than they learned on;
    preparing the images at the base's size gives them what they were trained on, whatever share that is, and the
    warning names the command (:func:`minitransfer.mean_image.prepare_at_size`); :func:`fitting` advises the same
    where its crops span enough of it (:func:`_base_size_fits`)."""
    if "resized_from" not in plan.mean_source:
        return ""
    (height, width), (now_h, now_w), crop = plan.mean_source["resized_from"], plan.dataset.image_size, plan.preset.crop
    named = plan.named
    # at every size: said only where _base_size_fits, a base of 16 px onto 20 px images (micro's 12 px crops spanned
    # 75% of its, under CROP_SHARE) was told nothing, one of 14 px which size to prepare
    source = (getattr(plan.dataset, "meta", None) or {}).get("source")
    command = prepare_at_size(source, named.data, height)
    advice = (f"; prepare {named.data} at {height} px (prepare's --size) to give them images of the size they were "
              f"trained on{f': {command}' if command else ''}")
    return (f"the mean image of {named.copy_from} is {height}x{width}; it is resized to the {now_h}x{now_w} images of "
            f"{named.data}, whose {crop}x{crop} crops span {crop / min(now_h, now_w):.0%} of a side where those of "
            f"the {height}x{width} images the copied layers were trained on spanned {crop / min(height, width):.0%}"
            f"{advice}")


def _base_size_fits(plan):
    """Whether the square images a transfer's base was trained on, of another size than this run's
    (:func:`_base_of_another_size`), are a size to prepare this run's at: its crops span at least
    :data:`minitransfer.models.CROP_SHARE` of their side."""
    height, width = plan.mean_source.get("resized_from") or (0, 0)
    return height == width and models.CROP_SHARE * height <= plan.preset.crop <= height


def _base_of_another_precision(plan):
    """The warning for a transfer computed in another precision than its copied layers were trained in, else "":
    what follows (the weights are float32 in every precision, so copying them is sound; report counts the run as a
    precision of its own, :func:`minitransfer.run_settings.precision_of`, and refuses a folder holding it beside
    runs of another: :mod:`minitransfer.report_mixed`) and the `precision` that computes as the base was trained,
    where it was trained in one (a base continued in another has none)."""
    c = plan.config
    copied = precision_history(plan.parent.meta) if plan.parent is not None else c.precision
    if copied == c.precision:
        return ""
    same = (f"; give `precision={copied!r}` to compute as they were trained" if copied in PRECISIONS else
            "; no one precision computes as they were trained")
    return (f"the layers copied from {plan.named.copy_from} were trained in precision {copied}; this run computes in "
            f"{c.precision}: the copied weights are float32 in every precision, but report counts this run as one "
            f"of a precision of its own ({c.precision}, layers 1..{c.n} copied from a {copied} network) and refuses "
            f"a folder holding it beside runs of another{same}")


def _rate_never_steps(plan):
    """The warning for a `stepsize` at or beyond `max_iter` where the rate would step (`gamma` below
    1, more than one iteration), else "": the rate stays at `base_lr` for the whole run, where the
    paper's schedule lowers it (every 100,000 of 450,000 iterations; its reduced-data runs at 64,000
    of 200,000). A constant rate may be meant (a short trial): `gamma=1` says so."""
    c = plan.config
    if c.stepsize < c.max_iter or c.gamma == 1 or c.max_iter == 1:
        return ""
    schedule = optim.REDUCED if c.per_class is not None else optim.PAPER
    return (f"`stepsize={c.stepsize}` is not below `max_iter={c.max_iter}`: the learning rate never steps down and "
            f"stays at `base_lr={c.base_lr}` for the whole run, where the paper's schedule lowers it every "
            f"{schedule.stepsize:,} of {schedule.max_iter:,} iterations (`stepsize={schedule.scaled(c.max_iter)}` for "
            f"this run, what leaving `stepsize` unset gives); set `gamma=1` where a constant rate is meant")


def _left_out_by_report(plan):
    """The warning for a run report will leave out, told from its fields as report tells it
    (:func:`minitransfer.treatments.why_left_out`: a control or a transfer across datasets on a half, a
    reduced-data run that copies layers or freezes random ones, a copy of none of the paper's bases or of a
    reduced-data run), else "": said as it starts, not by report at the end, in report's words with what to do
    instead in the fields' words, the base named as given."""
    c, named, every_class = plan.config, plan.named, "train it on every class"
    left_out = why_left_out(dict(dataclasses.asdict(c), copy_from=named.copy_from),
                            lambda: dict(source_of(plan), checkpoint=named.copy_from),
                            cross_instead=f"{every_class} (give neither `half` nor `split_seed`)",
                            controls_instead=f"{every_class} (`split='all'`)")
    if left_out is None:
        return ""
    # a run's checkpoint.h5 whose run went on and diverged (info says it; "not trained to its end" alone reads as
    # if a later checkpoint would come)
    diverged = (checkpoint_runs.diverged_after(plan.parent.path)
                if plan.parent is not None and plan.parent.recorded_in is None else "")
    then = f"; the run of {named.copy_from} went on to diverge ({diverged.removeprefix(rundir.DIVERGED)})"
    return f"report will leave this run out: {left_out.of_this_run()}" + (then if diverged else "")


def _classes_shared_with_base(plan):
    """The warning for a transfer within the base's dataset whose classes are neither the base's
    (a selffer, BnB) nor disjoint from them (a transfer, AnB), e.g. half B of the natural split
    copied from a base of half A of a random split, else "": its copied layers have learned some of
    the classes it trains on, and the report would list it as a transfer or a selffer. The shared classes are
    named as the cross-dataset warning names them (it gave their count alone). Across
    datasets, the same for classes of both (by wnid or name: :func:`_classes_shared_across_datasets`)."""
    if plan.parent is None or not plan.parent.classes:  # a missing base's record has none
        return ""
    if plan.cross_dataset:
        return _classes_shared_across_datasets(plan)
    base = {int(entry["index"]) for entry in plan.parent.classes}
    target = {int(index) for index in plan.task.class_indices}
    shared = base & target
    if not shared or base == target:
        return ""
    meta, c = plan.parent.meta, plan.config
    # named as the cross-dataset warning names them: the first few, escaped and cut, "and K more"
    named = some_names([class_tables.described_class(entry) for entry in
                        sorted(plan.parent.classes, key=lambda entry: int(entry["index"]))
                        if int(entry["index"]) in shared])
    return (f"{len(shared)} of the {len(target)} classes this run trains on "
            f"({_task_words(c.split, c.split_seed, c.half)}) {_are(len(shared))} among the {len(base)} that "
            f"{plan.named.copy_from} was trained on "
            f"({_task_words(meta['split_kind'] or 'all', meta['split_seed'], meta['split_half'])}): {named}; neither a "
            f"transfer (AnB: other classes) nor a selffer (BnB: the same ones); leave `split` and `split_seed` unset "
            f"to split as the base did")


def _classes_shared_across_datasets(plan):
    """The warning for a transfer across datasets whose classes include some of the base's (by wnid, or
    by name for a folder's classes: :func:`minitransfer.class_tables.shared_classes`), the first few named as
    experiment's does, with the ``prepare overlap`` command that finds the same photos under other names where the
    base's dataset folder is known (:func:`_base_folder`), else "": Tiny ImageNet's 200 classes are ImageNet's, so
    layers of an ImageNet base have been trained on every one of them (the paper's transfers are to classes the
    base has not seen)."""
    shared = class_tables.shared_classes(plan.classes, plan.parent.classes)
    if not shared:
        return ""
    recorded, data = _base_record(plan), plan.named.data
    trained_on, folder = _base_dataset(plan, *recorded), _base_folder(*recorded)
    named = some_names([class_tables.described_class(entry) for entry in shared])  # escaped, cut; "and K more"
    # the same photos may be there under other names: prepare overlap compares images, both folders known
    overlap = (f"; `minitransfer prepare overlap {shlex.quote(str(data))} {shlex.quote(folder)}` lists the images "
               f"of {data} that are photos of the base's too, under any class name" if folder else "")
    them = "that class" if len(shared) == 1 else "those classes"
    return (f"{len(shared)} of the {len(plan.classes)} classes this run trains on ({class_tables.matched_by(shared)}: "
            f"{named}) {_are(len(shared))} among the {len(plan.parent.classes)} that {plan.named.copy_from} was "
            f"trained on ({trained_on}): its copied layers have seen {them}, so the transfer is not to new classes "
            f"alone{overlap}")


def _are(count):
    """The verb of "COUNT of the N classes ... are among ...": "1 of the 3 classes is among", "2 ... are"."""
    return "is" if count == 1 else "are"


def _base_of_other_images(plan):
    """The warning for a transfer within its base's class table onto a dataset folder other than the
    base's whose images differ from those the base was trained on (its fingerprint, the sha256 of its
    meta.json, another than the base recorded: the classes prepared at another size, or from other
    images), else "": the copied layers learned other images of these classes, and report counts the
    run as one on this dataset (by its fingerprint: pooled with the transfers of bases of its images,
    refused beside its own base, of another dataset). The base's own folder
    prepared again is refused instead (:func:`minitransfer.config.resolve`)."""
    if plan.parent is None or plan.cross_dataset:
        return ""
    before, now = plan.parent.meta.get("dataset_fingerprint"), plan.dataset.fingerprint
    if not before or before == now:
        return ""
    trained_on = plan.parent.meta["config"].get("data") or "a dataset it does not record"
    data = plan.named.data
    return (f"`copy_from={plan.named.copy_from}` was trained on {trained_on} (sha256 of its meta.json "
            f"{before[:12]}), the classes of {data} ({now[:12]}) but other images: its copied layers "
            f"learned those, and report counts this run as one on {data} (it pools it with the "
            f"transfers there, whose bases learned its images, and refuses a folder holding it beside its base); "
            f"train the base on {data} for a transfer within one dataset, as the "
            f"paper's")


def _base_record(plan):
    """(the dataset folder that the base ``copy_from`` of a transfer across datasets records it was trained on,
    whether it holds another dataset now: :func:`minitransfer.class_tables.prepared_again_since`, which reads and
    hashes its meta.json, megabytes for ImageNet's), for :func:`_base_dataset` and :func:`_base_folder` both."""
    folder, before = plan.parent.meta["config"].get("data"), plan.parent.meta.get("dataset_fingerprint")
    return folder, class_tables.prepared_again_since(folder, before)


def _base_dataset(plan, folder, again):
    """The dataset ``folder`` that the base ``copy_from`` of a transfer across datasets records it was trained on;
    where that folder holds another dataset now (``again``: :func:`_base_record`), that folder as it was before it
    was prepared again, named as the user named `data` where it is this run's: "trained on /home/u/data1" of a run
    on data1 read as one dataset."""
    if not folder:
        return "another dataset"
    if not again:
        return folder
    try:
        named = plan.named.data if os.path.samefile(rundir.recorded_file(folder), plan.dataset.path) else folder
    except OSError:  # the folder gone since it was read
        named = folder
    return f"{named} as it was before it was prepared again"


def _base_folder(folder, again):
    """The dataset ``folder`` the base of a transfer across datasets records it was trained on, where it holds that
    dataset still (its meta.json there, not prepared again since: ``again``, :func:`_base_record`), for
    ``prepare overlap`` to compare with this run's; "" where it is not recorded, gone or another dataset now."""
    if not isinstance(folder, str) or not folder or again:
        return ""
    try:
        return folder if (rundir.recorded_file(folder) / META_FILE).is_file() else ""
    except OSError:  # its folder cannot be looked into
        return ""


def _task_words(kind, seed, half):
    if kind == "all" or not half:
        return "every class"
    return f"half {half} of the {kind} split" + (f", seed {seed}" if kind == "random" else "")


def _paper_name_of_another_network(plan):
    """The warning for an ``out`` named as the paper names another network than the one trained
    (``-o A4B+.h5`` for a frozen transfer, ``-o A4B.h5`` for a base), else "": report lists runs by
    their file name, beside the treatment their config.json records."""
    named = PAPER_NAME.fullmatch(pathlib.Path(plan.config.out).stem)
    trained = PAPER_NAME.fullmatch(pathlib.Path(default_out(plan.config, plan.parent)).stem)
    if named is None or trained is None or named.group(1) == trained.group(1):
        return ""
    return (f"`out={plan.config.out}` is the paper's name of another network than this run trains "
            f"({trained.group(1)}); report lists it as {named.group(1)}, beside the treatment its config.json records")


def _start_of(plan):
    return plan.resume_from.solver.iteration if plan.resume_from is not None else 0

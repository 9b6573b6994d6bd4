"""What a grid checks of its options before anything is queued (:mod:`minitransfer.grid_check`):
:func:`check_bases`, the options no base can take, refused before anything is queued;
:func:`check_layers_copied`, the runs that copy more layers than their base's preset has;
:func:`per_class_notes`, the --per-class counts that keep every training image of each class;
and :func:`check_memory`, the runs a grid trains at once that would together need more memory than
this machine has available. Their messages name a dataset as its user gave it (:func:`paths_named`).
"""

import collections
import contextlib
import contextvars
import math
import os
import pathlib
import shlex

import numpy as np

from minitransfer import config, models, preflight, preflight_memory, transfer
from minitransfer.errors import reworded
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic
from minitransfer.data.shard_format import META_FILE
from minitransfer.experiment import CROSS, Run, run_dir, run_fields
from minitransfer.grid_gpus import gpu_name
from minitransfer.grid_options import SOURCE_DATA
from minitransfer.grid_plan_file import read_plan
from minitransfer.shared_blocks import shared_within

# What a refusal of a half of too few classes advises instead of train's `split='all'` (TooFewClasses.worded)
EVERY_CLASS_BY_TRAIN = ("train every class with `minitransfer train --split all` (with --random-frozen N or "
                        "--per-class N for the controls)")
_shared = contextvars.ContextVar("shared_plans", default=None)  # plans_shared's plans, by _shared_key
_named = contextvars.ContextVar("paths_named", default={})  # paths_named's spellings, by absolute path


@contextlib.contextmanager
def paths_named(spellings):
    """Within the block, messages name each dataset folder of ``spellings`` (absolute path → the
    spelling its user gave, e.g. the command line's relative --data) as given: the options hold it
    absolute (the plan records it, and the runs read it wherever they start), as
    :attr:`minitransfer.config.Plan.named` does for ``train``. A dataset not given (None) is left out."""
    token = _named.set({str(path): str(given) for path, given in spellings.items() if None not in (path, given)})
    try:
        yield
    finally:
        _named.reset(token)


def named(path):
    """``path`` (a dataset of the options) as its user gave it: :func:`paths_named`'s spelling, else as
    the options hold it (a notebook's own)."""
    return _named.get().get(str(path), path)


def per_class_notes(runs, options):
    """A note for each --per-class count of ``runs`` above the training images of every class of the
    grid's dataset: such a run keeps every image (as the largest class's count would), which Figure
    S1 places at the count asked for. Raise ``ConfigError`` (exit code 2) when two or more counts
    keep every image (the largest class's count or above): they train the same network, each its
    own run, which the report shows as as many points."""
    counts = sorted({run.per_class for run in runs if run.kind == "reduced"})
    if not counts:
        return []
    dataset, data = datasets.open_dataset(options["data"]), named(options["data"])
    largest = int(np.bincount(dataset.labels("train"), minlength=dataset.num_classes).max())
    whole = [count for count in counts if count >= largest]
    if len(whole) > 1:
        reduces = f"; {largest - 1} is the largest count that still reduces a class" if largest > 1 else ""
        raise config.ConfigError(
            f"--per-class {', '.join(map(str, whole[:-1]))} and {whole[-1]} each keep every training image of "
            f"{data} (no class has more than {largest}): the same network trained {len(whole)} times, which "
            f"Figure S1 would show as {len(whole)} points; keep one of them{reduces}")
    return [f"--per-class {count}: no class of {data} has more than {largest} training images, so these runs "
            f"keep every image, as --per-class {largest} would (Figure S1 places them at {count})"
            for count in whole if count > largest]


def check_bases(runs, out, options):
    """Resolve the configuration of every base of ``runs`` as ``train`` will (on the CPU, without
    reading every shard), so that options no run can take (a preset too large for the images, fc8
    narrower than a half) stop the grid before anything is queued, naming the run: the same
    :class:`minitransfer.config.ConfigError` or bad-data error ``train`` would give. Returns each
    base's preset by name, which :func:`check_layers_copied` takes rather than resolve it again."""
    _check_crops_fit_both(runs, out, options)
    return {run.name: resolved_plan(run, out, options).preset for run in runs if run.parent is None}


def crop_warnings(runs, out, options):
    """Each base's warning of crops that see a small part of its images (``train`` warns of it as
    the run starts), once each, for a grid to say before it trains; across datasets, its advice
    names a preset whose crops fit both (:func:`_fitting_both`)."""
    found = []
    for run in runs:
        if run.parent is None:
            plan = resolved_plan(run, out, options)
            warning = preflight.crop_warning(plan, lambda: _fitting_both(plan.preset, plan.config.data, options)
                                             if options.get(SOURCE_DATA) else preflight.fitting(plan))
            if warning and warning not in found:
                found.append(warning)
    return found


def fitting_in_grid(plan):
    """What makes the crops of ``plan`` fit where it is a base of a cross-dataset grid, trained by the
    grid's ``train`` (its run folder's treatment.json records such a run, and the grid's plan,
    ``OUT/experiment.json``, both datasets: a train knows only its own): :func:`_fitting_both`, which the
    grid's dry run advises too, not a preset that cannot take the other dataset's images. "" for any
    other run (``train`` alone: :func:`minitransfer.preflight.fitting`'s advice), or where they cannot be read."""
    from minitransfer.grid_plan import recorded_run  # which imports this module

    run = recorded_run(plan.run_dir) if plan.parent is None else None
    if run is None or run.split != CROSS or run.kind != "base":
        return ""
    folders = pathlib.Path(plan.config.out).parents
    if run.name.count("/") >= len(folders):  # e.g. cross/baseS trained as -o baseS.h5: no grid's folder above it
        return ""
    out = folders[run.name.count("/")]
    options = (read_plan(out) or {}).get("options")
    if run_dir(out, run) != plan.run_dir or not isinstance(options, dict) or not options.get(SOURCE_DATA):
        return ""
    try:
        data = [path for path in _grid_datasets(options)
                if isinstance(path, str) and os.path.realpath(path) == os.path.realpath(plan.config.data)]
        return _fitting_both(plan.preset, data[0], options) if data else ""
    # the other dataset gone since the grid planned, or options edited by hand: train's own advice
    except (datasets.DatasetError, OSError, TypeError, ValueError):  # TypeError, ValueError: a path not a path
        return ""


def _check_crops_fit_both(runs, out, options):
    """A cross-dataset grid's networks are one network, of one preset: refuse (naming the first base
    on the images it cannot take) a preset whose crops are larger than the images of either dataset,
    naming a preset that fits both (a ``ConfigError``: --preset fixes it), or saying that none does
    (``DataMismatch``: the two datasets do not fit each other), rather than advise images prepared
    larger than they are."""
    if not options.get(SOURCE_DATA):
        return
    bases = [run for run in runs if run.parent is None]
    presets = [models.get(options["preset"])] if options.get("preset") else \
        list({plan.preset.name: plan.preset for plan in (resolved_plan(run, out, options) for run in bases)}.values())
    sizes = {}  # each dataset opened once: a grid of many bases has two
    for run in bases:  # each base's dataset against every base's preset (without --preset, each resolves its own)
        data = run_fields(run, out, options)["data"] or _grid_datasets(options)[1]
        if data not in sizes:
            sizes[data] = datasets.open_dataset(data).image_size
        size = sizes[data]
        for preset in presets:
            if min(size) < preset.crop:
                raise (config.ConfigError if _other_presets(preset, options) else config.DataMismatch)(
                    f"run {run.name}: preset {preset.name} takes {preset.crop}x{preset.crop} crops but the images "
                    f"of {named(data)} are {size[0]}x{size[1]}: {_fitting_both(preset, data, options)}")


def _grid_datasets(options):
    """The source and the target dataset of a cross-dataset grid's ``options``, as its runs train on them: a
    target not given (no "data") is train's default, the built-in synthetic set."""
    return options[SOURCE_DATA], options.get("data") or str(synthetic.builtin_dataset())


def _other_presets(preset, options):
    """The presets other than ``preset`` whose crops fit the images of both datasets of a cross-dataset grid."""
    sizes = [datasets.open_dataset(data).image_size for data in _grid_datasets(options)]
    return [name for name in models.presets_fitting_all(sizes) if name != preset.name]


def _fitting_both(preset, data, options):
    """What makes a cross-dataset grid's crops fit the images of ``data``, one of its datasets, without
    unfitting the other's: a preset whose crops fit both, and where ``preset``'s crops fit but see
    little, ``data`` prepared at ``preset``'s size; where none fits both, images prepared larger."""
    both = " and ".join(str(named(path)) for path in _grid_datasets(options))
    choose = [f"choose `preset={name!r}`" for name in _other_presets(preset, options)]
    choose = f"{', or '.join(choose)}, whose crops fit the images of both {both}" if choose else ""
    size = f"prepare {named(data)} at {models.prepared_size(preset)} px (prepare's --size)"
    if min(datasets.open_dataset(data).image_size) >= preset.crop:  # fits, sees little
        return f"{size} to keep the paper's proportion" + (f", or {choose}" if choose else "")
    return choose or f"no preset's crops fit the images of both {both}: {size} from images at least that large"


def check_layers_copied(runs, out, options, presets=None, layers_given_as="plan_grid layers"):
    """A ConfigError naming the first of ``runs`` that copies more layers than its base's preset has
    to copy (plan_grid knows no preset; ``train`` refused each such run once its base had trained).
    ``presets``: the bases' presets by name that :func:`check_bases` returned; a base not among
    them (finished: not to train again) is resolved here, once. ``layers_given_as``: what the
    message tells its reader to give (the command line's ``--layers``)."""
    presets = dict(presets or {})
    for run in runs:
        if run.parent is None:
            continue
        if run.parent not in presets:
            presets[run.parent] = resolved_plan(run.base, out, options).preset
        preset = presets[run.parent]
        if run.n > preset.copyable:
            raise config.ConfigError(
                f"run {run.name}: n must be an integer 1..{preset.copyable}, got {run.n} "
                f"{config.weight_layers_counted(preset.copyable)} in preset {preset.name}: give {layers_given_as} of "
                f"1..{preset.copyable}")


@contextlib.contextmanager
def plans_shared():
    """Within the block, :func:`resolved_plan` resolves a base's configuration once (``config.resolve``
    reads every shard's labels: about 1000 of ImageNet's), not once per check: `experiment`'s checks,
    its warnings and then the grid's own checks (``run_grid``) each resolved every base again. A plan
    is shared while its dataset's meta.json is the same file, unchanged; a block inside another
    shares the outer block's plans."""
    with shared_within(_shared):
        yield


def resolved_plan(run, out, options):
    """The :class:`minitransfer.config.Plan` of base ``run`` (no parent) as ``train`` resolves it
    from ``options``, every default filled in (on the CPU, without reading every shard); the plan
    resolved before for the same fields inside :func:`plans_shared`."""
    fields = dict(run_fields(run, out, options), device="cpu", quiet=True)
    shared, key = _shared.get(), _shared_key(fields)
    if shared is not None and key is not None and key in shared:
        return shared[key]
    try:
        given = {"data": named(fields["data"])} if "data" in fields else {}  # the same folder, from the same cwd:
        plan = config.resolve(config.TrainConfig(**{**fields, **given}), checksums=False)  # refusals name it as given
    except config.TooFewClasses as error:  # `split='all'` is no option of experiment's: train's command trains so
        raise config.ConfigError(f"run {run.name}: {error.worded(_every_class(options, given.get('data')))}") \
            from None
    except (config.ConfigError, config.DataMismatch) as error:
        raise reworded(error, f"run {run.name}: {error}") from None
    if shared is not None and key is not None:
        shared[key] = plan
    return plan


def _every_class(options, data):
    """What a refusal of a half of too few classes of ``data`` (named as given; None: the built-in set) advises
    instead of train's `split='all'`: train's command, and in a grid within one dataset, a grid across datasets
    with ``data`` its target, whose runs on it train on every class (README, "Your own data")."""
    if options.get(SOURCE_DATA):
        return EVERY_CLASS_BY_TRAIN
    target = f" --data {shlex.quote(data)}" if data else ""
    return (f"{EVERY_CLASS_BY_TRAIN}, or measure it as the target of a grid across datasets, whose runs on it train "
            f"on every class: `minitransfer experiment --source-data OTHER{target}`, OTHER a dataset of other classes")


def _shared_key(fields):
    """What tells a plan of ``fields`` resolved before inside :func:`plans_shared`: the fields and their
    dataset's meta.json as a file (prepared again, it is another); None where that cannot be read."""
    try:
        meta = os.stat(pathlib.Path(fields["data"]) / META_FILE)
    except (OSError, KeyError, TypeError, ValueError):
        return None
    return repr(sorted(fields.items())), meta.st_dev, meta.st_ino, meta.st_mtime_ns, meta.st_size


def check_memory(runs, out, options, slots):
    """Raise ``preflight_memory.OutOfMemory`` when the largest of ``runs``, one in each of ``slots`` (a GPU
    id, or None for a CPU slot: :func:`minitransfer.scheduler.run_grid`'s ``devices``), would
    together need more memory than is available (``preflight_memory.available_memory``): each run checks
    only itself as it starts, and two that each fit can together exceed it. A run needs the larger
    of its training step and its evaluation batch (``preflight_memory.memory_needs``) as its process grows to
    hold it (``preflight_memory.resident``), and its process (``preflight_memory.PROCESS_BYTES``). Nothing to
    check with one slot, or where the memory available is unknown."""
    count = min(len(slots), len(runs))
    available = preflight_memory.available_memory()
    if count < 2 or available is None:
        return
    device = "cpu" if None in slots else "cuda"  # slots of both kinds: the CPU's estimate, the larger
    sizing = {run: _sizing(run, out, options) for run in runs}
    peaks = peak_needs(sizing.values(), out, options, device)
    need = {run: peaks[fields] for run, (_, fields) in sizing.items()}
    largest = sorted(runs, key=lambda run: need[run].bytes, reverse=True)[:count]
    total = sum(preflight_memory.resident(need[run].bytes) + preflight_memory.PROCESS_BYTES for run in largest)
    if total > available.bytes:
        top = need[largest[0]]
        names = ", ".join(run.name for run in largest[:3]) + (f" and {count - 3} more" if count > 3 else "")
        slots_text = ", ".join(f"{number} on {where}" for where, number in collections.Counter(
            "the CPU" if slot is None else gpu_name(slot) for slot in slots).items())
        raise preflight_memory.OutOfMemory(
            f"the grid trains {count} runs at once (its slots: {slots_text}): {names} need about "
            f"{preflight_memory.in_units(total, math.ceil)} of memory together (the largest: {top.what} needs "
            f"about {preflight_memory.in_units(top.bytes)}, and each process "
            f"{preflight_memory.in_units(preflight_memory.PROCESS_BYTES)}); "
            f"{preflight_memory.in_units(available.bytes, math.floor)} is available ({available.source}); give the "
            f"grid fewer slots or lower `{top.field}`")


def _sizing(run, out, options):
    """((the base trained on the classes of ``run``, the layers ``run`` freezes: :func:`frozen_layers`), the
    fields that size its memory): a transfer copies weights, not sizes, and a reduced-data run keeps every
    validation image; the fields are the base's configuration's, less its seed and weights file, and those
    layers."""
    base, frozen = Run(run.name, "base", run.split, run.split_seed, target=run.target), frozen_layers(run)
    return (base, frozen), tuple(sorted((name, value) for name, value in run_fields(base, out, options).items()
                                        if name not in ("seed", "out"))) + (("frozen layers", frozen),)


def frozen_layers(run):
    """How many weight layers from the bottom the grid's ``run`` freezes (:func:`minitransfer.transfer.frozen_layers`
    of the options it trains with, :func:`minitransfer.experiment.run_fields`): a frozen transfer's copied ones, a
    random-weights control's; none for a base or a fine-tuned transfer."""
    return transfer.frozen_layers(bool(run.parent), run.n, not run.fine_tuned,
                                  run.n if run.kind == "random-frozen" else None)


def peak_needs(sizings, out, options, device):
    """The larger ``preflight_memory.Need`` of a training step and an evaluation batch on ``device``, per
    distinct key of ``sizings`` (((base, frozen layers), key): :func:`_sizing`, or any key naming them: a dry run's
    memory line, :mod:`minitransfer.grid_cost`), of the base's net with that many layers frozen, computing in its
    `precision` (``preflight_memory.as_trained``): a base's configuration resolved once, a net built once per
    preset and fc8 width. A grid of frozen transfers was sized as their bases, which hold every layer's gradients
    and run backward to the bottom: refused in slots where it fits."""
    peaks, nets = {}, {}
    for (base, frozen), key in sizings:
        if key in peaks:
            continue
        plan = resolved_plan(base, out, options)
        shape = (plan.preset.name, plan.config.fc8_outputs)
        if shape not in nets:
            nets[shape] = plan.preset.build(plan.config.fc8_outputs)
        net = preflight_memory.as_trained(nets[shape], frozen, plan.config.precision)
        peaks[key] = max(preflight_memory.memory_needs(plan, net, device), key=lambda need: need.bytes)
    return peaks



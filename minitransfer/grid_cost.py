"""What a grid costs before it trains, for ``experiment --dry-run`` and ``--emit-slurm`` (:func:`plan_cost`):
its iterations, its GPU time at the iteration times measured on a GPU (:data:`GPU_MS_PER_ITERATION`), how
long it takes at best with a GPU for every run (a base, then its longest transfer), its CPU time, and the disk
its runs' files take. A grid of the whole paper is a month of GPU time and about 68.5 GB (a half's CaffeNet: a
472 MB checkpoint.h5 and a 236 MB weights file, which holds no momentum; 91.3 GB before it left it out): said
before it starts, where before its dry run said neither.

Example::

    for line in plan_cost(runs, out, options, slots=(0, 1)):
        print(line)   # the paper's line of README: "cost: 96 runs to train ... on 2 GPUs at once: about 9 days"
"""

import collections
import math
import re

from minitransfer import disk_space, grid_folder, grid_preflight, grid_status, preflight_memory
from minitransfer.config_wording import option_name
from minitransfer.experiment import Run
from minitransfer.progress import duration

# ms per training iteration (batch 256, 1000 outputs) measured on one H100 in IEEE fp32, by the number of
# layers frozen (from below): benchmarks/results/nvidia-h100-80gb-hbm3-2026-11-22-training.md. A run with
# n frozen layers takes the time measured for the largest measured n at or below it: at most its own.
GPU_MS_PER_ITERATION = {"caffenet": ((0, 45.32), (4, 18.53), (7, 15.21))}
MEASURED_ON = "one H100"
# when, and with which kernels: said with the times, which the kernels changed since may have made stale (a dry run
# said "the iteration times measured there" alone)
MEASURED_WHEN = "on 2026-11-22, with the kernels of commit 0d42c55"
HOUR = 3600
# the runs a grid does not train, which its dry run counts apart from those to train (finished, trained by another
# process, finished with their result.json lost, their result.json written again from a checkpoint at its end).
# Before, each was costed as a whole run to train: "3 to train" above "cost: 4 runs to train"
NOT_TRAINED = (grid_status.DONE, grid_status.BEING_TRAINED, grid_status.RESULT_LOST, grid_status.WRITE_AGAIN)


def plan_cost(runs, out, options, slots=None, statuses=None):
    """Lines saying what the ``runs`` of the grid in ``out`` that it trains cost (those its dry run counts to
    train, :data:`NOT_TRAINED` aside; an interrupted one from the iteration it resumes at, its checkpoint already
    on disk): iterations, GPU-hours (presets with a measured iteration time), the time on ``slots`` (GPU ids,
    ``(None,)`` for the CPU; None: not known, as for SLURM scripts) and the disk their files take, against the
    space free there, and the host memory a run needs against what is available here (``slots`` given). The CPU
    time only for presets with a measured CPU time an image (a registered preset without one said "0 s"). Nothing
    for a grid of a preset without a measured GPU time (mini, micro: minutes on a CPU, which its dry run's last
    line already says it trains on), unless its disk or the memory falls short: a mini grid into a folder with 1 MB
    free said nothing, nor a CPU grid of caffenet at batch 256 in a 6 GiB job. ``statuses``: the runs' statuses
    (:func:`~minitransfer.grid_status.run_status`, in their order) where the caller read them (a dry run has):
    each run's result.json read once."""
    statuses = dict(zip(runs, statuses or [grid_status.run_status(out, run) for run in runs]))
    grid, runs = runs, [run for run in runs if statuses[run].kind not in NOT_TRAINED]
    costs = {run: _run_cost(run, out, options, statuses[run], _base_of(run, grid)) for run in runs}
    if not runs:
        return []
    iterations = sum(cost.iterations for cost in costs.values())
    presets = sorted({cost.preset.name for cost in costs.values()})
    batches = sorted({cost.batch for cost in costs.values()})
    lines = [f"cost: {len(runs)} run{'s' if len(runs) != 1 else ''} to train ({', '.join(presets)}, batch "
             f"{', '.join(map(str, batches))}): {iterations:,} iterations"]
    shared = _shared(statuses.values(), out)
    measured = all(cost.gpu_seconds is not None for cost in costs.values())
    if measured:
        lines += _gpu_lines(costs, presets, slots, shared)
    if slots == (None,) and all(cost.cpu_seconds is not None for cost in costs.values()):
        cpu = sum(cost.cpu_seconds for cost in costs.values())
        lines.append(f"  on the CPU, one run at a time: about {duration(cpu)} (two cores: {_per_image(costs)} a "
                     f"training image, measured once on two idle cores, not on this machine; evaluations "
                     f"aside){shared}")
    need = sum(cost.disk_bytes for cost in costs.values())
    status = disk_space.disk_status(out)
    free = None if status is None else status.f_bavail * status.f_frsize
    free_text = "" if free is None else f"; {_size(free)} free there" + (", too little" if free < need else "")
    weights, checkpoints = (_sizes(cost.weights_bytes for cost in costs.values()),
                            _sizes(cost.checkpoint_bytes for cost in costs.values()))
    lines.append(f"  disk: about {_size(need)} in {out}{free_text}:\n  each run keeps its "
                 f"weights file, the weights and the mean image ({weights} a file), and its run folder's "
                 f"checkpoint.h5, with their momentum too ({checkpoints}; a finished run's checkpoint.h5 may be "
                 f"deleted to save two thirds)")
    memory = _memory(runs, grid, out, options, slots) if slots else None  # SLURM's nodes: not this machine's memory
    if memory:
        lines.append(f"  {memory[0]}")
    short = (free is not None and free < need) or (memory is not None and not memory[1])
    # a grid of mini or micro takes minutes on a CPU, which its dry run's last line says it trains on: said only
    # where its disk or memory falls short
    return lines if measured or short else []


def _gpu_lines(costs, presets, slots, shared):
    """The GPU-hours of ``costs`` (each run's :data:`RunCost`), the time at best with a GPU for every run, and on
    the GPUs of ``slots``."""
    gpu = sum(cost.gpu_seconds for cost in costs.values())
    trained = {run.name: cost.gpu_seconds for run, cost in costs.items()}  # a parent finished adds nothing
    chain = max(cost.gpu_seconds + trained.get(run.parent, 0) for run, cost in costs.items())
    lines = [f"  on {MEASURED_ON}: about {gpu / HOUR:,.0f} GPU-hours ({gpu / 86400:,.1f} GPU-days) at the "
             f"iteration times measured there {MEASURED_WHEN} ({_measured(presets)}), evaluations aside;\n  at best "
             f"{duration(chain)} with a GPU for every run (a base, then its transfers)"]
    gpus = {slot for slot in (slots or ()) if slot is not None}  # 0,0: two runs on one GPU, not twice as fast
    if gpus:
        lines.append(f"  on {len(gpus)} GPU{'s' if len(gpus) != 1 else ''} at once: about "
                     f"{duration(max(gpu / len(gpus), chain))}{shared}")
    return lines


def _per_image(costs):
    """The presets' measured CPU seconds a training image, in ms: "70 ms" (caffenet), "0.5 ms" (mini)."""
    return ", ".join(dict.fromkeys(f"{cost.preset.cpu_seconds_per_image * 1000:g} ms" for cost in costs.values()))


def _shared(statuses, out):
    """", if this grid trains them all: another process trains 2 runs of it now, and may take its share": how the
    time on this grid's slots is said where another process (a second grid on the folder) trains some of its runs,
    whose slots and pace a dry run does not know (a grid at work counts them: :meth:`~minitransfer.grid_progress.
    TimeLeft.seconds`). Before, the time of every run on this grid's slots alone, said as the grid's. Nothing where
    no other grid or SLURM task works ``out`` (:func:`~minitransfer.grid_folder.others_at_work`): a lone `train` of
    a run ends with it, and takes no share."""
    held = sum(status.kind == grid_status.BEING_TRAINED for status in statuses)
    return (f", if this grid trains them all: another process trains {held} run{'s' if held != 1 else ''} of it now, "
            f"and may take its share" if held and grid_folder.others_at_work(out) else "")


def _sizes(sizes):
    """The distinct file ``sizes``, smallest first, in the unit each reaches, without decimals: "236 MB, 245 MB"
    (:func:`~minitransfer.disk_space.size_said`, as every size here: before, a mini run's weights file said "0 MB",
    and its disk "0.0 GB", each by a rule of its own here)."""
    return ", ".join(dict.fromkeys(_size(size, 0) for size in sorted(sizes)))


def _size(size, digits=1):
    """``size`` bytes in the unit it reaches, with ``digits`` decimals: "68.5 GB", "6.1 MB", "512 bytes"."""
    return disk_space.size_said(size, digits, disk_space.DECIMAL)


# checkpoint_bytes: a run folder's checkpoint.h5 (the weights, their momentum and the mean image); weights_bytes: the
# weights file of a finished run, which holds no momentum (minitransfer.final_weights.weights_file_of)
RunCost = collections.namedtuple("RunCost", "preset batch iterations gpu_seconds cpu_seconds checkpoint_bytes "
                                            "weights_bytes disk_bytes")


def _base_of(run, grid):
    """The run of ``grid`` that is a base trained on ``run``'s classes (a reduced-data run its own count's), whose
    plan the grid's checks resolved (:func:`~minitransfer.grid_preflight.plans_shared`: not resolved again); one
    made up as such where the grid has none."""
    kind, fields = "reduced" if run.per_class else "base", (run.split, run.split_seed, run.target, run.per_class)
    return next((other for other in grid if other.kind == kind and not other.parent
                 and (other.split, other.split_seed, other.target, other.per_class) == fields),
                Run(run.name, kind, run.split, run.split_seed, target=run.target, per_class=run.per_class))


def _run_cost(run, out, options, status, base):
    """The :data:`RunCost` of ``run``: its schedule and sizes as train resolves them (those of ``base``, a base
    trained on its classes, its reduced-data count kept: a reduced-data run has a shorter schedule); its iterations
    those left after its checkpoint's where its ``status`` (:func:`~minitransfer.grid_status.run_status`) resumes
    it, its disk then its weights file alone (without the momentum its checkpoint holds: half a checkpoint's bytes).
    Before, a grid resumed after most of its training was costed whole."""
    plan = grid_preflight.resolved_plan(base, out, options)
    c, preset = plan.config, plan.preset
    frozen = grid_preflight.frozen_layers(run)
    measured = GPU_MS_PER_ITERATION.get(preset.name)
    resumed = status.kind == grid_status.RESUME
    iterations = max(0, c.max_iter - status.iteration) if resumed else c.max_iter
    gpu = None if measured is None else \
        max((layers, ms) for layers, ms in measured if layers <= frozen)[1] / 1000 * c.batch_size / 256 * iterations
    height, width = plan.dataset.image_size
    weights_bytes = 4 * _parameters(preset, c.fc8_outputs) + 4 * height * width * 3  # float32, and the mean image
    checkpoint_bytes = weights_bytes + 4 * _parameters(preset, c.fc8_outputs)  # and the momentum of each weight
    cpu = None if preset.cpu_seconds_per_image is None else preset.cpu_seconds_per_image * c.batch_size * iterations
    return RunCost(preset, c.batch_size, iterations, gpu, cpu, checkpoint_bytes, weights_bytes,
                   weights_bytes if resumed else checkpoint_bytes + weights_bytes)


def _memory(runs, grid, out, options, slots):
    """(line, fits): a line saying the host memory the largest of ``runs`` needs (its training step or its
    evaluation batch, :func:`~minitransfer.preflight_memory.memory_needs`, on the device of ``slots``) against what
    is available here, and whether it fits; None where that is unknown. Where it does not, the line says each such
    run would stop as it starts (its train's own check, :func:`~minitransfer.preflight_memory.check_memory`),
    which a grid with one slot does not check beforehand (:func:`~minitransfer.grid_preflight.check_memory`: the
    runs trained at once): a CPU grid of caffenet at batch 256 (9.8 GiB) in a 6 GiB job was planned without a
    word, exit 0, and each of its bases failed."""
    available = preflight_memory.available_memory()
    if not runs or available is None:
        return None
    bases = {(base.kind, base.split, base.split_seed, base.target, base.per_class, frozen): (base, frozen)
             for base, frozen in ((_base_of(run, grid), grid_preflight.frozen_layers(run)) for run in runs)}
    peaks = grid_preflight.peak_needs([(sized, key) for key, sized in bases.items()], out, options,
                                      "cpu" if None in slots else "cuda")  # each base sized once a frozen count
    need = max(peaks.values(), key=lambda each: each.bytes)
    bytes_, option = need.bytes + preflight_memory.PROCESS_BYTES, option_name(need.field)
    short = (f", too little: each such run would stop as it starts (out of memory); lower {option}"
             if max(bytes_, preflight_memory.resident(need.bytes)) > available.bytes else "")
    what = re.sub(r"`(\w+)=([^`]+)`", lambda field: f"{option_name(field[1])} {field[2]}", need.what)
    return (f"memory: a run needs up to about {preflight_memory.in_units(bytes_, math.ceil)} of host memory "
            f"({what}, and its process); {preflight_memory.in_units(available.bytes, math.floor)} is available "
            f"here ({available.source}){short}", not short)


_counted = {}


def _parameters(preset, outputs):
    """The parameters of ``preset``'s network with ``outputs`` outputs, counted once a preset (the preset itself,
    not its name: models.register replaces a preset of the same name, whose count was then said of the other)."""
    if (preset, outputs) not in _counted:
        _counted[preset, outputs] = preset.build(outputs).parameter_count()
    return _counted[preset, outputs]


def _measured(presets):
    return "; ".join(f"{name}: " + ", ".join(f"{ms} ms" + (f" with {layers} layers frozen" if layers else "")
                                             for layers, ms in GPU_MS_PER_ITERATION[name]) for name in presets)

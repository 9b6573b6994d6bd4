"""The checks of :func:`minitransfer.scheduler.run_grid`'s arguments, called from a notebook: each of
the wrong kind is a ``ConfigError`` naming it and what it takes, before anything is written."""

import collections.abc
import math
import numbers
import os

import numpy as np

from minitransfer import config_checks
from minitransfer.experiment import Run
from minitransfer.grid_gpus import is_gpu_id


def check_out(out):
    """A ``ConfigError`` unless ``out`` is a folder, or nothing yet (a file, /dev/null or a FIFO is none)."""
    config_checks.check_path("out", out, required=True)
    if os.path.exists(out) and not os.path.isdir(out):  # else "cannot write OUT/.experiment-planning.lock: File exists"
        raise config_checks.ConfigError(f"`out` {out} is a file, not a folder: give the grid's folder (it holds "
                                        f"OUT/random0/baseA.h5 ...), a new one or one a grid wrote into")


def checked_runs(runs):
    """``runs`` as a list, or a ``ConfigError`` unless it is a sequence of :class:`Run` (plan_grid's),
    not empty, each run once."""
    kind = type(runs).__name__
    runs = _listed("runs", runs, "the list of runs plan_grid returns")
    strays = [type(run).__name__ for run in runs if not isinstance(run, Run)]
    if strays:
        raise config_checks.ConfigError(f"`runs` must be the list of runs plan_grid returns, got a {kind} holding "
                                        f"{strays[0]}")
    if not runs:  # else an empty plan written into `out`, and a grid that "finished" training nothing
        raise config_checks.ConfigError("`runs` is empty: plan_grid planned no run; give it a split (random_seeds, "
                                        "natural), random_frozen, per_class or cross")
    names = [run.name for run in runs]
    counts = collections.Counter(names)
    twice = next((name for name in names if counts[name] > 1), None)
    if twice is not None:  # counted twice in the outcome, the second found "finished by another process"
        raise config_checks.ConfigError(f"`runs` holds {twice} twice: give each run once (plan_grid's list)")
    return runs


def checked_devices(devices):
    """``devices`` as a tuple of slots, or a ``ConfigError`` unless it is a non-empty sequence whose
    entries are each None (a CPU slot) or a GPU id: an index (an int >= 0, or its text) or a GPU-/MIG-
    UUID, as ``CUDA_VISIBLE_DEVICES`` takes them."""
    what = "a list of slots, each None (a CPU slot) or a GPU id (an index >= 0 or a GPU-/MIG- UUID), e.g. " \
           "(None, None) or (0, 1)"
    slots = _listed("devices", devices, what)
    if not slots:
        raise config_checks.ConfigError(f"`devices` must be {what}, got an empty {type(devices).__name__}")
    for slot in slots:
        index = isinstance(slot, (int, np.integer)) and not isinstance(slot, bool) and slot >= 0
        if not (slot is None or index or (isinstance(slot, str) and is_gpu_id(slot))):
            raise config_checks.ConfigError(f"`devices` must be {what}, got a {type(devices).__name__} holding "
                                            f"{slot!r}")
    return tuple(int(slot) if isinstance(slot, np.integer) else slot for slot in slots)


def device_options(options, devices):
    """``options`` with the device its runs train on: :func:`slots_device` of ``options["device"]``
    ("auto" where left out) and ``devices``."""
    return dict(options, device=slots_device(options.get("device", "auto"), devices, "options['device']"))


def slots_device(device, devices, name):
    """The device, "cpu" or "cuda", that runs on ``devices`` (:func:`checked_devices`' slots) train on:
    that of the slots where ``device`` (the argument or option ``name``) is "auto", as the command
    line's ``--device auto`` (left to each run, "auto" trained a CPU slot's run on a GPU visible to
    it); a ``ConfigError`` naming both where they disagree ("cuda" with CPU slots: every run on the
    GPUs the grid sees, whichever slot it was given; "cpu" with GPU slots: the GPUs idle), or where
    the slots mix CPU and GPUs (a grid's runs share one device)."""
    cpu_slots = sum(slot is None for slot in devices)
    wanted = "cpu" if cpu_slots == len(devices) else "cuda" if not cpu_slots else None
    if device not in config_checks.DEVICES:
        raise config_checks.ConfigError(f"{name} must be one of {', '.join(config_checks.DEVICES)}, got {device!r}")
    if wanted is None:
        raise config_checks.ConfigError(f"`devices` {devices!r} mixes CPU slots (None) and GPUs, but a grid's runs "
                                        f"share one device: give CPU slots only, e.g. (None, None), or GPUs only, "
                                        f"e.g. (0, 1)")
    if device not in ("auto", wanted):
        slots, instead = ("CPU slots (None)", "GPU ids, e.g. (0, 1)") if wanted == "cpu" else \
            ("GPUs", "CPU slots, e.g. (None, None)")
        raise config_checks.ConfigError(f"{name} is {device!r}, but `devices` {devices!r} gives {slots}: give "
                                        f"devices {instead}, or {name} {wanted!r} (or 'auto')")
    return wanted


def checked_train_command(train_command):
    """``train_command`` as a list of words (None: None, minitransfer's own train), or a ``ConfigError``
    unless it is a non-empty sequence of str or paths: a text ("python train.py") became a command of
    its letters."""
    if train_command is None:
        return None
    what = "a list of the command's words (e.g. ['python', 'my_train.py']), or None for minitransfer's own train"
    words = _listed("train_command", train_command, what)
    if not words:
        raise config_checks.ConfigError(f"`train_command` must be {what}, got an empty "
                                        f"{type(train_command).__name__}")
    stray = next((word for word in words if not isinstance(word, (str, os.PathLike))), None)
    if stray is not None:
        raise config_checks.ConfigError(f"`train_command` must be {what}, got a {type(train_command).__name__} "
                                        f"holding {stray!r}")
    return words


def check_seconds(name, value):
    """``ConfigError`` unless ``value`` is a number of seconds, finite and above 0 (0 polls without
    pause; a text or True fails only later, mid-grid)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < math.inf:
        raise config_checks.ConfigError(f"`{name}` must be a number of seconds above 0 (e.g. 0.2), got {value!r}")


def _listed(name, value, what):
    """``value`` as a list, or a ``ConfigError`` unless it is a sequence (a text, a dict or a single
    value is none) of ``what``."""
    if isinstance(value, (str, bytes, collections.abc.Mapping)) or not isinstance(value, collections.abc.Iterable):
        raise config_checks.ConfigError(f"`{name}` must be {what}, got {type(value).__name__}")
    return list(value)


def repeated_option(given):
    """The one rule for an experiment option given a value more than once (--split-seed 0 --split-seed 0, --layers
    1,1, --per-class 10,10, --split natural --split natural, --random-frozen 2,2): refused, as plan_grid refuses
    them; before, the --split-seed refused and the others silently dropped. A repeat plans nothing more (each network
    once), but is most often a slip for another value ("1,1" for "1,2"), whose networks the grid then never trains,
    missed in the morning's report; refused before any work, it costs one retyped option. ``given``: (option, what
    one value is, the values in the order given, each layer range expanded[, the text given: "1-3,2"]). (option,
    message) of the first option that repeats one, or None."""
    for option, what, values, *text in given:
        counts = collections.Counter(values)
        twice = list(dict.fromkeys(value for value in values if counts[value] > 1))
        if not twice:
            continue
        if text:  # as typed: "--layers 1-3,2"
            shown = f"{option} {text[0]}"
        elif option.startswith("--split"):  # an option given once per value
            shown = " ".join(f"{option} {value}" for value in values)
        else:
            shown = f"{option} {','.join(map(str, values))}"
        return option, (f"each {what} once, got {', '.join(map(str, twice))} more than once ({shown}): a repeat "
                        f"is refused, as it is most often a slip for another {what}")
    return None

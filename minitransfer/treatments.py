"""Which treatment a trained run is, read from its own files, wherever ``report`` runs from.

A grid's run says it in its ``treatment.json`` (written by ``experiment``). A run trained by hand is
derived from its ``config.json`` (split, half, copy_from, n, frozen, random_frozen, per_class); a
run that copied layers also needs what ``train`` decided about its base: the half the base was
trained on, and whether the base came from another dataset (another class table:
:func:`minitransfer.config.same_dataset`). ``train`` records that decision in the run's checkpoints
(their ``source`` attribute), and that record is read first. Runs trained before the record existed
are judged by train's own rule on the base checkpoint itself; their ``copy_from`` was stored as
typed, relative to the folder train ran in, which the run folder and its recorded ``out`` give back
(the run folder is ``<that folder>/<out's folder>/<out's stem>.run``).

A run whose treatment cannot be told (its base missing or unreadable, its files corrupt) raises
:class:`UnreadableRun`; :func:`minitransfer.results.collect` leaves it out and says why.
"""

import dataclasses
import json
import os
import pathlib

import h5py

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio
from minitransfer.config import same_dataset
from minitransfer.data import dataset as datasets
from minitransfer.experiment import CHECKPOINT_FILE, CROSS, SOURCE, TARGET, TREATMENT_FILE, Run

CONFIG_FILE = "config.json"


class UnreadableRun(ValueError):
    """A run with a result.json that cannot be read as one network: its result, configuration or
    treatment file is corrupt, or its base cannot be found. ``report`` leaves it out and names it."""


def treatment(folder, name, config, bases):
    """The :class:`minitransfer.experiment.Run` of the run in ``folder``: its treatment.json, else
    derived from ``config`` (its config.json as a dict; None when missing). ``bases``: a dict of the
    base checkpoints read so far, by path, shared between calls."""
    if (folder / TREATMENT_FILE).is_file():
        path = folder / TREATMENT_FILE
        try:
            return dataclasses.replace(Run.from_json(json.loads(path.read_text())), name=name)
        except (OSError, ValueError, TypeError, AttributeError) as error:
            raise UnreadableRun(f"{path}: not a treatment as experiment writes it ({error})") from None
    if config is None:
        raise UnreadableRun(f"neither {TREATMENT_FILE} nor {CONFIG_FILE} in {folder}: its treatment is unknown")
    try:
        return _from_config(folder, name, config, bases)
    except UnreadableRun:
        raise
    except (KeyError, ValueError, TypeError) as error:
        raise UnreadableRun(f"{folder / CONFIG_FILE}: not a configuration as train writes it "
                            f"({type(error).__name__}: {error})") from None


def _from_config(folder, name, config, bases):
    split, seed, half = config.get("split") or "random", int(config.get("split_seed") or 0), config.get("half")
    if config.get("copy_from"):
        source = recorded(folder, config, "source", _source_record) or _judge_base(folder, config, bases)
        n, fine_tuned = int(config["n"]), not config.get("frozen")
        if source["cross_dataset"]:  # a base trained on another dataset
            return Run(name, "transfer", CROSS, 0, target=TARGET, source=SOURCE, n=n, fine_tuned=fine_tuned)
        source_half = source["split_half"] or None
        kind = "selffer" if source_half == half else "transfer"
        return Run(name, kind, split, seed, target=half, source=source_half, n=n, fine_tuned=fine_tuned)
    if config.get("random_frozen"):
        return Run(name, "random-frozen", split, seed, target=half, n=int(config["random_frozen"]))
    if config.get("per_class"):
        return Run(name, "reduced", split, seed, target=half, per_class=int(config["per_class"]))
    return Run(name, "base", split, seed, target=half)


def recorded(folder, config, attribute, read=str):
    """``read(value)`` of a root attribute train wrote into the run's checkpoint or its weights
    file (the first that holds it and ``read`` accepts: no ValueError); None when neither does."""
    weights = pathlib.Path(config.get("out") or "").name
    for path in [folder / CHECKPOINT_FILE] + ([folder.parent / weights] if weights else []):
        try:
            with h5py.File(path, "r") as f:
                return read(fileio.plain_attribute(f.attrs[attribute]))
        except (OSError, KeyError, ValueError, TypeError):  # missing, unreadable, or written before the record
            continue
    return None


def _source_record(value):
    """What train decided about the base ({split_half, cross_dataset, ...}) from its JSON record."""
    source = json.loads(value)
    if not (isinstance(source, dict) and "cross_dataset" in source and "split_half" in source):
        raise ValueError(f"not train's record of a base: {value!r:.80}")
    return source


def _judge_base(folder, config, bases):
    """Train's decision, taken again on the base checkpoint itself: its half, and whether it was
    trained on another class table than the run's dataset (:func:`minitransfer.config.same_dataset`)."""
    path = _base_path(folder, config)
    try:
        if path not in bases:
            bases[path] = checkpoints.load(path, solver=False)
        dataset = datasets.open_dataset(config["data"])
    except (checkpoints.CheckpointError, datasets.DatasetError) as error:
        raise UnreadableRun(f"cannot tell its treatment: train recorded nothing about its base (--copy-from "
                            f"{config['copy_from']}) and {error}") from None
    base = bases[path]
    return {"split_half": base.meta["split_half"], "cross_dataset": not same_dataset(base, dataset)}


def _base_path(folder, config):
    """Where the base of the run in ``folder`` is: its ``copy_from`` if absolute (as train records
    it), else that path taken from the folder train ran in, found from the run folder and ``out``."""
    copy_from = pathlib.Path(config["copy_from"])
    if copy_from.is_absolute():
        return copy_from
    out = pathlib.Path(config.get("out") or "")
    folders = out.parent.parts
    written_in = pathlib.Path(os.path.abspath(folder)).parent  # <the folder train ran in>/<out's folders>
    if out.is_absolute() or written_in.parts[len(written_in.parts) - len(folders):] != folders:
        raise UnreadableRun(f"its base --copy-from {copy_from} was given relative to the folder train ran in, "
                            f"which the run folder and out {str(out)!r} (its {CONFIG_FILE}) do not tell")
    return (written_in.parents[len(folders) - 1] if folders else written_in) / copy_from

"""Which treatment a trained run is, read from its own files, wherever ``report`` runs from.

A grid's run says it in its ``treatment.json`` (written by ``experiment``). A run trained by hand is
derived from its ``config.json`` (split, half, copy_from, n, frozen, random_frozen, per_class); a
run that copied layers also needs what ``train`` decided about its base: the half the base was
trained on, and whether the base came from another dataset (another class table:
:func:`minitransfer.class_tables.same_dataset`). ``train`` records that decision in the run's checkpoints
(their ``source`` attribute), and that record is read first. Runs trained before the record existed
are judged by train's own rule on the base checkpoint itself; their ``copy_from`` was stored as
typed, relative to the folder train ran in, which the run folder and its recorded ``out`` give back
(the run folder is ``<that folder>/<out's folder>/<out's stem>.run``).

A run whose treatment cannot be told (its base missing or unreadable, its files corrupt), and one of
none of the paper's treatments (a reduced-data run that copied layers or froze random ones, a copy of a
reduced-data run's layers, of a random-weights control's, of a checkpoint before the end of its run, of
a network that itself copied layers: :func:`minitransfer.transfer.base_caveats`; a random-weights control
or reduced-data run on a half, :func:`control_on_a_half`; a transfer across datasets on a half,
:func:`cross_on_a_half`: a :class:`MeasuredNowhere`), raises
:class:`UnreadableRun`; :func:`minitransfer.results.collect` leaves it out and says why. Those told from a run's
fields are :func:`why_left_out`'s, which ``train`` warns of as it starts. The exceptions and :func:`base_text`
are :mod:`minitransfer.left_out`'s.

A transfer across datasets trained by hand is read with the other runs of its study, and the runs
named and ordered as the report shows them: :mod:`minitransfer.run_labels`.
"""

import dataclasses
import functools
import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, transfer
from minitransfer.class_tables import same_dataset
from minitransfer.data import dataset as datasets
from minitransfer.experiment import CROSS, SOURCE, TARGET, TREATMENT_FILE, Run
from minitransfer.left_out import MeasuredNowhere, UnreadableRun, base_text
from minitransfer.rundir import recorded_path
from minitransfer.train_records import recorded, run_records, source_record

CONFIG_FILE = "config.json"
KINDS = ("base", "selffer", "transfer", "random-frozen", "reduced")  # Run.kind as experiment writes it
CONTROLS = ("random-frozen", "reduced")  # the kinds the paper trains on every class only (split all)
# The configuration fields that say which network a run is (its treatment), not how it was trained:
# those a run's treatment.json must agree with (_check_config), and a run trained by hand is read from.
TREATMENT_FIELDS = ("split", "split_seed", "half", "copy_from", "n", "frozen", "random_frozen", "per_class")


def treatment(folder, name, config, bases, records=None):
    """The :class:`minitransfer.experiment.Run` of the run in ``folder``: its treatment.json, else
    derived from ``config`` (its config.json as a dict; None when missing). ``bases``: a dict of the
    base checkpoints read so far, by path, shared between calls; ``records``: the run's
    :func:`minitransfer.train_records.run_records`, when already read.

    A treatment.json that is not this folder's (:func:`_check_placed`) or that contradicts the
    config.json train wrote beside it (:func:`_check_config`), and a copy whose layers train recorded
    as coming from another base than its treatment says (:func:`check_source`), raise
    :class:`UnreadableRun`: the run is not the network its name says; so do a control or a transfer across
    datasets on a half (:func:`control_on_a_half`, :func:`cross_on_a_half`), which report measures nowhere."""
    records = run_records(folder, config or {}) if records is None else records
    if (folder / TREATMENT_FILE).is_file():
        path = folder / TREATMENT_FILE
        planned = _read_treatment(path)
        run = dataclasses.replace(planned, name=name)
        _check_placed(path, folder, planned.name)
        if config is not None:
            _check_config(path, run, config)
        if run.kind in CONTROLS and run.split != "all":  # in no figure or finding; from config.json: why_left_out's
            raise control_on_a_half(run.kind, run.split, run.split_seed, run.target)
    elif config is None:
        raise UnreadableRun(treatment_unknown(folder))
    else:
        try:
            run = _from_config(folder, name, config, bases, records)
        except UnreadableRun:
            raise
        except (KeyError, ValueError, TypeError) as error:
            raise UnreadableRun(f"{folder / CONFIG_FILE}: not a configuration as train writes it "
                                f"({type(error).__name__}: {error})") from None
    check_source(run, recorded(folder, config or {}, "source", source_record, records))
    return run


def hand_trained_run(config, source):
    """The network a run trained by hand is, as :func:`treatment` reads it from its ``config`` (its
    config.json as a dict) and ``source``, train's record of its base ({} for a run that copies nothing):
    what train's opening line and ``info`` call it. Raises :class:`UnreadableRun` where report leaves it out."""
    run = _from_source("", config, lambda: source)  # a control on a half refused there (why_left_out)
    check_source(run, source)
    return run


def treatment_unknown(folder):
    """Report's reason for leaving out the run in ``folder``, which holds neither a treatment.json
    nor a config.json."""
    return f"neither {TREATMENT_FILE} nor {CONFIG_FILE} in {folder}: its treatment is unknown"


SPLIT_KINDS = ("random", "natural", "all", CROSS)  # Run.split as experiment writes it
HALF_NAMES = ("A", "B", SOURCE, TARGET)  # Run.target and Run.source (None: every class)
COPYING = ("selffer", "transfer", "random-frozen")  # the kinds with n layers copied or frozen


def _wrong_field(run):
    """A text naming the first field of a treatment.json ``run`` of a kind or value experiment never
    writes ("split_seed '0', expected a count, 0 or more"), or "": a hand-edited one was read
    as another treatment (a split seed as text, its base "not among the runs"; n below 1)."""
    def count(value, least):
        return type(value) is int and value >= least
    n_least = 1 if run.kind in COPYING else 0
    checks = (("split", run.split in SPLIT_KINDS, f"one of {', '.join(SPLIT_KINDS)}"),
              ("split_seed", count(run.split_seed, 0), "a count, 0 or more"),
              ("target", run.target is None or run.target in HALF_NAMES, f"none or one of {', '.join(HALF_NAMES)}"),
              ("source", run.source is None or run.source in HALF_NAMES, f"none or one of {', '.join(HALF_NAMES)}"),
              ("n", count(run.n, n_least) and (n_least or run.n == 0),
               f"1 or more, the layers a {run.kind} run copies or freezes" if n_least else
               f"0: a {run.kind} run copies no layer"),
              ("fine_tuned", type(run.fine_tuned) is bool, "true or false"),
              ("per_class", run.per_class is None or count(run.per_class, 1), "none or a count, 1 or more"),
              ("parent", run.parent is None or isinstance(run.parent, str), "none or a run's name"))
    for field, right, expected in checks:
        if not right:
            return f"{field} {getattr(run, field)!r}, expected {expected}"
    return ""


def _read_treatment(path):
    """The run a treatment.json records, its label and treatment known (a kind experiment never
    writes, or a reduced run without its count, is named here rather than a traceback in a table)."""
    try:
        run = Run.from_json(_treatment_record(fileio.parse_json(path.read_text())))
        if run.kind not in KINDS or (run.kind == "reduced" and type(run.per_class) is not int):
            raise ValueError(f"kind {run.kind!r}, per_class {run.per_class!r}")
        wrong = _wrong_field(run)
        if wrong:
            raise ValueError(wrong)
    except (OSError, ValueError, TypeError, AttributeError) as error:
        raise UnreadableRun(f"{path}: not a treatment as experiment writes it ({error})") from None
    return run


def _treatment_record(record):
    """``record``, a treatment.json's, where it is an object with every field a run has no default for; else a
    ValueError naming what is wrong in a treatment's words: "Run.__init__() missing 4 required positional
    arguments" or "'list' object has no attribute 'items'" named Python's insides."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__ if record is not None else 'null'}")
    missing = [field.name for field in dataclasses.fields(Run) if field.default is dataclasses.MISSING
               and field.default_factory is dataclasses.MISSING and field.name not in record]
    if missing:
        raise ValueError(f"no {', '.join(missing)}: fields every treatment records")
    return record


def _check_placed(path, folder, planned_name):
    """The run folder is where experiment planned the run ``planned_name``: ``<grid>/<name>.run``
    (a run folder copied or linked into another split's folder keeps the treatment, split seed and
    base of the one it was copied from, and would be measured as the other's)."""
    if not isinstance(planned_name, str) or not planned_name:
        return  # written by hand without a name: nothing to check it against
    planned = pathlib.PurePosixPath(planned_name + ".run").parts
    placed = pathlib.Path(os.path.abspath(folder)).parts
    if placed[len(placed) - len(planned):] != planned:
        raise UnreadableRun(f"{path} is the treatment of run {planned_name} (experiment wrote it in "
                            f"{planned_name}.run), not of {folder.name}: the folder was copied, moved or linked "
                            f"from there; train this run in its own folder")


def _check_config(path, run, config):
    """``run`` (from treatment.json) is the run train was configured as (its config.json): the same
    split, seed, half, base, n, freezing, random layers and images per class."""
    on_halves = run.split not in ("all", CROSS)
    expected = {"split": run.split if on_halves else "all", "half": run.target if on_halves else None,
                "copy_from": bool(run.parent), "n": run.n if run.parent else None,
                "frozen": not run.fine_tuned if run.parent else None,
                "random_frozen": run.n if run.kind == "random-frozen" else None, "per_class": run.per_class}
    if run.split == "random":
        expected["split_seed"] = run.split_seed
    found = dict(config, copy_from=bool(config.get("copy_from")))
    if not run.parent:
        found.update(n=None, frozen=None)  # train's defaults, meaningless without a base
    differ = [(key, found[key], value) for key, value in expected.items() if key in config and found[key] != value]
    if run.parent and config.get("copy_from") and not _is_weights_of(config["copy_from"], run.parent):
        differ.append(("copy_from", config["copy_from"], f"<grid>/{run.parent}.h5"))
    if differ:
        said = ", ".join(f"{key} {value!r} where it says {planned!r}" for key, value, planned in differ)
        raise UnreadableRun(f"{path} says {run.label} ({run.treatment}) but train ran it with {said} "
                            f"({path.parent / CONFIG_FILE}): which network it is cannot be told")


def _is_weights_of(path, name):
    """Whether ``path`` is the weights file of the grid's run ``name``: ``<grid>/<name>.h5``."""
    weights = pathlib.PurePosixPath(name + ".h5").parts
    return pathlib.PurePath(path).parts[-len(weights):] == weights


def check_source(run, source):
    """Raise :class:`UnreadableRun` when ``run`` copied layers from another base than its treatment
    says, by train's record ``source`` (None, or a record of another kind of run: nothing to check).
    AnB and BnB copy from half A, B of the same split (and split seed, for a random split) of the same
    dataset; a cross-dataset grid's SnT from the other dataset, its TnT from every class of this one.
    E.g. A1B trained after the grid's baseA.h5 had been replaced by baseB's network is a selffer.
    A base that is none of the paper's bases (:func:`_base_unlike_papers`) raises it too."""
    if run.kind not in ("transfer", "selffer") or not source:
        return
    unlike_papers = _base_unlike_papers(source)
    if unlike_papers is not None:
        raise unlike_papers
    if run.split == CROSS:
        expected = {"cross_dataset": run.source == SOURCE}
    else:
        expected = {"cross_dataset": False, "split_kind": run.split, "split_half": run.source or ""}
        if run.split == "random":
            expected["split_seed"] = run.split_seed
    expected["per_class"] = None  # the paper's bases train on every image (a record without it: one that did)
    if all(source.get(key, value) == value for key, value in expected.items()):
        return
    checkpoint = f" ({source['checkpoint']})" if source.get("checkpoint") else ""
    if run.split != CROSS and not run.source:  # a run trained by hand from a base without a half
        raise UnreadableRun(f"its layers come from a base of {base_text(source)}{checkpoint}, trained on no half of "
                            f"the {run.split} split it was trained on: none of the paper's treatments")
    raise UnreadableRun(f"{run.label} ({run.treatment}) should have copied its layers from "
                        f"{base_text(expected)}, but train recorded a base of {base_text(source)}{checkpoint}: "
                        f"the base file was another network when it was trained; train it again from its own base")


def _base_unlike_papers(source):
    """The :class:`UnreadableRun` for layers copied from none of the paper's bases, by train's record ``source``
    (:func:`minitransfer.transfer.base_caveats`), else None: read as AnB or BnB, the run was pooled with the
    transfers of trained bases. A record without the base's own (trained before train wrote it) is not judged."""
    base = source.get("base")
    caveats = transfer.base_caveats(base) if isinstance(base, dict) else []
    if not caveats:
        return None
    return UnreadableRun(f"its layers come from {source.get('checkpoint') or 'a base'}, {' and '.join(caveats)}: "
                         f"none of the paper's treatments (they copy from bases trained from random weights to the "
                         f"end of their run)")


def _from_config(folder, name, config, bases, records):
    return _from_source(name, config, lambda: (recorded(folder, config, "source", source_record, records)
                                               or _judge_base(folder, config, bases,
                                                              getattr(records, "unreadable", []))))


def _from_source(name, config, read_source):
    """The run ``config`` trains, its base's record read by ``read_source`` only for a copy."""
    split, seed, half = _split_of(config)
    read_once = functools.cache(read_source)
    left_out = why_left_out(config, read_once)
    if left_out is not None:
        raise left_out
    if config.get("copy_from"):
        source = read_once()
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


def why_left_out(config, read_source, cross_instead=None, controls_instead=None):
    """The :class:`UnreadableRun` report leaves a run trained by hand out for, told from its fields (``config``,
    its config.json as a dict) and, for a copy, its base's record (read by ``read_source``, named by its
    ``checkpoint``); None for a run report reads. A reduced-data run that copied layers or froze random ones, a
    copy of none of the paper's bases (:func:`_base_unlike_papers`) or of a reduced-data run, a transfer across
    datasets on a half (:func:`cross_on_a_half`), a control on a half (:func:`control_on_a_half`); the last two end
    in what to do instead (``cross_instead``, ``controls_instead``: train's field words where it warns of them as
    the run starts, :func:`minitransfer.preflight.warnings_for`; by default, its options')."""
    (split, seed, half), per_class = _split_of(config), config.get("per_class")
    if per_class and (config.get("copy_from") or config.get("random_frozen")):
        # read as the copy or the control alone, it was pooled with those trained on every image
        layers = (f"layers copied from {config['copy_from']}" if config.get("copy_from")
                  else f"its first {config['random_frozen']} layers random and frozen")
        return UnreadableRun(f"trained on at most {per_class} images per class with {layers}: none of the "
                             f"paper's treatments (its reduced-data runs copy and freeze no layer)")
    if config.get("copy_from"):
        source = read_source()
        unlike_papers = _base_unlike_papers(source)
        if unlike_papers is not None:
            return unlike_papers
        if source.get("per_class"):  # a reduced-data run's layers: read as AnB or BnB, it was measured as one
            return UnreadableRun(f"its layers come from a base of {base_text(source)} ({config['copy_from']}): "
                                 f"none of the paper's treatments (they copy from bases trained on every image)")
        if source["cross_dataset"] and split != "all":  # read as SnT, it was measured against baseT, on every class
            return cross_on_a_half(split, seed, half, cross_instead or _CROSS_INSTEAD)
        return None
    control = "random-frozen" if config.get("random_frozen") else "reduced" if per_class else None
    if control and split != "all":  # read as random or reduced, it was in no figure or finding
        return control_on_a_half(control, split, seed, half, controls_instead or _CONTROLS_INSTEAD)
    return None


def _split_of(config):
    """(split, split seed, half) of a run's ``config``, as train's defaults fill them."""
    return config.get("split") or "random", int(config.get("split_seed") or 0), config.get("half")


def _half_words(split, seed, half):
    """"half A of the random split 0", "half B of the natural split"; "the random split" without a half."""
    seed = f" {seed}" if split == "random" else ""
    return f"half {half} of the {split} split{seed}" if half else f"the {split} split"


# Why report measures nowhere a transfer across datasets or a control trained on a half (its reasons below)
_CROSS = ("report measures transfers across datasets on every class of their target only (SnT against baseT), and "
          "cannot pair this one with a base of the same half")
_CONTROLS = ("the paper's random-weights control and reduced-data runs are trained on every class, and report draws "
             "and measures them only there, against the base on every class")


_CROSS_INSTEAD = "train it without --half and --split-seed, as experiment --source-data does"
_CONTROLS_INSTEAD = "train it on every class (--split all)"


def cross_on_a_half(split, seed, half, instead=_CROSS_INSTEAD):
    """Report's reason for leaving out a transfer across datasets trained on a half of its target's
    ``split`` (train --half or --split-seed), a :class:`MeasuredNowhere`: its study (SnT, TnT, baseT) is on
    every class; ending in what to do ``instead``. ``train`` warns of it as such a run starts, in its
    fields' words (:func:`minitransfer.preflight.warnings_for`)."""
    return MeasuredNowhere(f"a transfer across datasets trained on {_half_words(split, seed, half)} of its dataset",
                           _CROSS, instead)


def control_on_a_half(kind, split, seed, half, instead=_CONTROLS_INSTEAD):
    """Report's reason for leaving out a run of ``kind`` (one of :data:`CONTROLS`: train --random-frozen,
    --per-class) trained on ``half`` of its dataset's ``split`` (``seed``: its split seed), a
    :class:`MeasuredNowhere`: the paper's random-weights control and reduced-data runs are on every class,
    and report draws and measures them beside the base on every class only; ending in what to do
    ``instead``. ``train`` warns of it as such a run starts, in its fields' words
    (:func:`minitransfer.preflight.warnings_for`)."""
    what = {"random-frozen": "random-weights control (its first layers random and frozen)",
            "reduced": "reduced-data run (fewer images per class)"}[kind]
    return MeasuredNowhere(f"a {what} trained on {_half_words(split, seed, half)}", _CONTROLS, instead)


def _judge_base(folder, config, bases, unreadable):
    """Train's decision, taken again on the base checkpoint itself: its half, and whether it was
    trained on another class table than the run's dataset (:func:`minitransfer.class_tables.same_dataset`), on how
    many images per class, and what the base was (:func:`minitransfer.transfer.base_provenance`).
    Where the base cannot be read either, the error names the run's files that cannot be read
    (``unreadable``: :attr:`minitransfer.train_records.Records.unreadable`), which may hold train's record."""
    path = _base_path(folder, config)
    try:
        if path not in bases:  # kept for the runs copied from it: its metadata, not its weights (CaffeNet's 240 MB)
            bases[path] = dataclasses.replace(checkpoints.load(path, solver=False), weights={}, mean=None)
        dataset = datasets.open_dataset(recorded_path(config["data"]))
    except (checkpoints.CheckpointError, datasets.DatasetError) as error:
        record = (f"its {' and its '.join(unreadable)}, where train recorded its base (--copy-from "
                  f"{config['copy_from']}): copy {'them' if len(unreadable) > 1 else 'it'} again from where the run "
                  f"was trained," if unreadable else
                  f"train recorded nothing about its base (--copy-from {config['copy_from']})")
        raise UnreadableRun(f"cannot tell its treatment: {record} and {error}") from None
    base = bases[path]
    return {"checkpoint": str(path), "split_half": base.meta["split_half"],
            "per_class": base.meta["config"].get("per_class"), "cross_dataset": not same_dataset(base, dataset),
            "base": transfer.base_provenance(base.meta)}


def _base_path(folder, config):
    """Where the base of the run in ``folder`` is: its ``copy_from`` if absolute (as train records
    it), else that path taken from the folder train ran in, found from the run folder and ``out``; named as
    this locale lists it (:func:`minitransfer.rundir.recorded_path`: train records paths as UTF-8 text)."""
    copy_from = pathlib.Path(recorded_path(config["copy_from"]))
    if copy_from.is_absolute():
        return copy_from
    out = pathlib.Path(recorded_path(config.get("out") or ""))
    folders = out.parent.parts
    written_in = pathlib.Path(os.path.abspath(folder)).parent  # <the folder train ran in>/<out's folders>
    if out.is_absolute() or written_in.parts[len(written_in.parts) - len(folders):] != folders:
        raise UnreadableRun(f"its base --copy-from {copy_from} was given relative to the folder train ran in, "
                            f"which the run folder and out {str(out)!r} (its {CONFIG_FILE}) do not tell")
    return (written_in.parents[len(folders) - 1] if folders else written_in) / copy_from

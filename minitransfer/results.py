"""The trained networks of a grid, read back from their run directories, and the paper's own runs.

Everything is read from the runs themselves: each ``*.run/`` directory under RUNS with a
``result.json`` (written by ``train``: final / best / mean-of-10-best top-1) is one network, with its
learning curve (``eval.csv``, ``metrics.jsonl``) and its treatment (:mod:`minitransfer.treatments`:
``treatment.json`` written by ``experiment``, or for a run trained by hand its ``config.json`` and
what train recorded about its base). A run whose result or treatment cannot be read (a corrupt or
misshapen result.json, an accuracy outside [0, 1], a base that cannot be found) is left out of every
table and named with the reason, never guessed at nor counted as unfinished. The halves of the natural
split are named after the families its dataset records (:func:`natural_families`: "plant" / "vehicle"
for a folder of photos prepared with a families file, "natural" / "man-made" for ImageNet).

Treatments as in the paper (footnote 3 of §4.1: AnA counts as BnB and BnA as AnB): baseB (every
base), BnB and BnB+ (selffer, frozen / fine-tuned), AnB and AnB+ (transfer), random (first n layers
random and frozen, all classes), reduced (fewer images); "source" is the base of a cross-dataset
grid trained on the other dataset. A cross-dataset study trained by hand in one folder is read as
the grid's (:func:`minitransfer.treatments.cross_studies`).

Like is compared with like: a transfer or selffer is measured against the base of its own target
(:func:`own_base`: the same split, split seed and target half). The paper pooled baseA and baseB as
"baseB"; :func:`interchangeable_halves` says whether that is fair for a set of runs (every random
split's two bases within :data:`INTERCHANGEABLE` of each other).

:func:`read_reference` reads the original runs' numbers (``run<TAB>mean_top10_val_top1<TAB>...``,
the run names of yosinski/convnet_transfer: half0A, transfer0A0B_1_3, transfer-ft0A0B_1_3,
transfernatmanAB_1_3, nolearn_1_3, netbase, reduced-0010); ``paper`` names the copy shipped with
minitransfer.
"""

import csv
import dataclasses
import importlib.resources
import json
import math
import os
import pathlib
import re
import stat

import numpy as np

from minitransfer import fileio, optim, rundir, treatments
from minitransfer.data import dataset as datasets
from minitransfer.data import splits, wordnet
from minitransfer.experiment import CROSS, RESULT_FILE, TREATMENT_FILE, Run
from minitransfer.resume import precision_history
from minitransfer.rundir import BEST_EVALUATIONS
from minitransfer.run_search import WalkNotice, find_runs, first_names, other_names_of_folders
from minitransfer.treatments import CONFIG_FILE, UnreadableRun

INTERCHANGEABLE = 0.02       # two halves' bases within 2 points: pooling them as "baseB" is fair
RISING = 0.01                # still rising: the last quarter of evaluations 1 point above the one before
PAPER_REFERENCE = "paper"    # --reference paper: the original runs' table shipped in the package
PAPER_FAMILIES = (wordnet.NATURAL, wordnet.MAN_MADE)  # the natural split's halves A, B in ImageNet (the paper)
UNREAD_FAMILIES = ("family A", "family B")            # ... of a dataset that cannot be read where report runs


class BadReference(ValueError):
    """The ``--reference`` file cannot be read as the paper's runs (exit code 65)."""


@dataclasses.dataclass(frozen=True)
class Result:
    """One trained network: its treatment (as :class:`minitransfer.experiment.Run`), accuracies and
    learning curve (``curve``: (iteration, val top-1) pairs; ``losses``: (iteration, training loss) of
    at most :data:`LOSS_POINTS` of the logged batches, from lines evenly spaced over its log),
    the dataset and preset it was trained with ("" where unknown; ``fingerprint``: the sha256 of
    the dataset's meta.json that train recorded in the run's checkpoint), the precision it was
    computed in (:func:`precision_of`), its training schedule (:func:`schedule_of`), for a
    reduced-data run on every class the images per class it used (:func:`_kept_per_class`), and for a run
    of the natural split the names of its halves A and B (:func:`minitransfer.data.splits.half_families`;
    () where its dataset is unknown)."""

    run: Run
    final_top1: float
    best_top1: float
    mean10_top1: float
    evaluations: int
    curve: tuple = ()
    losses: tuple = ()
    last_rate_change: int = 0  # the iteration at which the learning rate last stepped down (0: never)
    dataset: str = ""
    preset: str = ""
    families: tuple = ()
    fingerprint: str = ""
    precision: str = ""
    schedule: tuple = ()  # (field, value) of the training options in SCHEDULE_FIELDS its config.json gives
    kept_per_class: tuple = ()  # a reduced-data run's (fewest, mean, most) training images a class: _kept_per_class

    @property
    def still_rising(self):
        """Whether validation top-1 still climbs at the end (the mean of the last quarter of the
        evaluations is more than :data:`RISING` above the quarter before): the run's "mean of the 10
        best" then measures how fast it learns more than how good its features are.

        A step of the learning rate lifts the accuracy at once; that step is not a climb. With at
        least four evaluations after the last step, only those are compared (their last half-or-
        quarter against the same number before it); with fewer, the whole curve is, and a run that
        ended soon after a step is flagged as not shown to have settled."""
        tops = [top for _, top in self.curve]
        settled = [top for iteration, top in self.curve if iteration > self.last_rate_change]
        window = len(tops) // 4
        if len(settled) >= 4:
            tops, window = settled, min(window, len(settled) // 2)
        if window < 2:
            return False
        return mean(tops[-window:]) - mean(tops[-2 * window:-window]) > RISING

    def row(self):
        r = self.run
        return {"run": r.name, "label": r.label, "treatment": r.treatment, "split": r.split,
                "split_seed": r.split_seed if r.split == "random" else "", "target": r.target or "",
                "n": r.n, "final_top1": self.final_top1, "best_top1": self.best_top1,
                "mean10_top1": self.mean10_top1, "evaluations": self.evaluations,
                "still_rising": "yes" if self.still_rising else ""}


def collect(runs_dir):
    """``(results, unfinished, left_out)``: every ``*.run`` directory under ``runs_dir`` with a
    readable result, sorted by name; the names of planned or broken runs without a result.json; and,
    as "name: why" texts, the runs with a result.json that cannot be read as one network (a corrupt
    or misshapen result, an unreadable configuration, a base whose treatment cannot be told, a
    treatment that is not its folder's or contradicts its configuration, layers copied from another
    base than its treatment says: :func:`minitransfer.treatments.treatment`), a run without a result
    whose training diverged (:func:`_divergence`: no result will come), a second name of one
    run folder (a symbolic link to it), a second name of a folder of runs (a link to a split's
    folder), whose runs are read once, and a folder that cannot be read (another user's, mode 700),
    whose runs would otherwise be missing without a word. A run started over (train --overwrite)
    while it is read is not finished, and one finished again meanwhile is read again
    (:func:`_read_steady`), never its old result beside its new files. Those are left out of every table rather
    than guessed at or counted twice. Folders linked into ``runs_dir`` are read as if they were in
    it (:func:`minitransfer.run_search.find_runs`). Looking for the runs and reading them, where it
    takes longer than :data:`minitransfer.run_search.WALK_NOTICE_SECONDS`, says on stderr how far it
    is (:class:`minitransfer.run_search.WalkNotice`)."""
    runs_dir = pathlib.Path(runs_dir)
    results, unfinished = [], []
    by_hand = {}  # the runs without treatment.json: name -> (dataset, base), for treatments.cross_studies
    bases = {}  # base checkpoints read so far, by path: the runs copied from one base share it
    facts = {}  # what the runs' datasets tell (the natural split's families, images per class), by (fact, path)
    notice = WalkNotice(runs_dir)
    found = find_runs(runs_dir, notice)
    first_of = first_names(found.runs)
    reported = sorted(folder for folder, first in first_of.items() if folder == first)
    left_out = [f"{folder.relative_to(runs_dir).as_posix()}: {folder} cannot be read ({why}): any runs in it are "
                f"missing from the report" for folder, why in found.unreadable]
    left_out += other_names_of_folders(found.again, reported, runs_dir)
    for number, folder in enumerate(sorted(first_of)):
        notice.tick(lambda: f"{number:,} of {len(first_of):,} run folders read, now {folder}")
        name = _name(folder, runs_dir)
        if first_of[folder] != folder:
            first = _name(first_of[folder], runs_dir)
            left_out.append(f"{name}: {folder} is a link to the run folder of {first}, which is reported once, "
                            f"as {first}")
            continue
        try:
            read = _read_steady(folder, name, bases, facts, by_hand)
            if read is not None:
                results.append(read)
            elif _is_there(folder / TREATMENT_FILE) or _is_there(folder / CONFIG_FILE):
                diverged = _divergence(folder / METRICS_FILE)
                if diverged:
                    left_out.append(f"{name}: {diverged}")
                else:
                    unfinished.append(name)
        except UnreadableRun as error:
            left_out.append(f"{name}: {error}")
        except OSError as error:  # one run's files, not the report's: it is left out, the others reported
            left_out.append(f"{name}: {error.filename or folder}: cannot be read ({error.strerror or error})")
    notice.done(lambda: f"{len(first_of):,} run folders read, found in {found.folders:,} folders")
    hand_trained = [r for r in results if r.run.name in by_hand]
    runs = treatments.cross_studies([(r.run, *by_hand[r.run.name]) for r in hand_trained])
    relabelled = {r.run.name: dataclasses.replace(r, run=run) for r, run in zip(hand_trained, runs) if run != r.run}
    return [relabelled.get(r.run.name, r) for r in results], unfinished, left_out


METRICS_FILE = "metrics.jsonl"
# What to do with a run whose training diverged, as report and info say it: resumed from its checkpoint, it
# replays its iterations bit for bit.
START_OVER = ("resumed, it diverges again; start it over with --overwrite (without --resume) and a lower --base-lr, "
              "or check the data")


def _divergence(path):
    """Why a run without a result stopped, where its metrics.jsonl ``path`` ends in a divergence
    (:func:`minitransfer.rundir.divergence`): such a run is not unfinished, it gets no result until it
    is trained again; "" otherwise (training, stopped, or failed in another way)."""
    diverged = rundir.divergence(_checked(path, LOG_BYTES)) if _is_there(path) else ""
    return f"{diverged}; no result (see {path}): {START_OVER}" if diverged else ""


def _name(folder, runs_dir):
    """A run's name: its folder's path below ``runs_dir``, without ``.run``."""
    return folder.relative_to(runs_dir).with_suffix("").as_posix()


def _is_there(path):
    """Whether a run's file is there (a link to nothing is not); :class:`UnreadableRun` where that
    cannot be told (its folder cannot be read)."""
    return _stamp(path) is not None


STEADY_ATTEMPTS = 3  # reads of a run whose result.json is replaced meanwhile, before it counts as not finished


def _read_steady(folder, name, bases, facts, by_hand):
    """:func:`_read_run`, or None for a run without a result.json: also one whose result.json went
    while it was read (train --overwrite starting the run over removes it, then its checkpoint and
    logs), which was left out as "cannot be read" or read with the new training's files, and one
    whose result.json is replaced at every read (a run finished again meanwhile is read again)."""
    path = folder / RESULT_FILE
    for _ in range(STEADY_ATTEMPTS):
        before = _stamp(path)
        if before is None:
            return None
        try:
            read = _read_run(folder, name, bases, facts, by_hand)
        except (UnreadableRun, OSError):
            if _stamp(path) == before:
                raise
            continue
        if _stamp(path) == before:
            return read
    return None


def _stamp(path):
    """What tells a version of a file from the next (train replaces result.json whole, as a new
    file): its inode, size and time of change; None where it is not there. :class:`UnreadableRun`
    where that cannot be told (its folder cannot be read)."""
    try:
        status = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise UnreadableRun(f"{path}: cannot be read ({error.strerror or error})") from None
    return status.st_ino, status.st_size, status.st_ctime_ns


def _read_run(folder, name, bases, facts, by_hand):
    """The result of the run in ``folder``; one trained by hand (no treatment.json) adds to ``by_hand``
    its name -> (its dataset, its base's: :func:`minitransfer.treatments.base_key`). ``facts``: what
    the datasets read so far tell, shared between runs (:func:`_dataset_fact`)."""
    final, best, mean10, evaluations, iterations = _read_result(folder / RESULT_FILE)
    config = _read_json(folder / CONFIG_FILE, dict) if _is_there(folder / CONFIG_FILE) else None
    if config is not None and iterations is not None and config.get("max_iter", iterations) != iterations:
        raise UnreadableRun(f"{folder / RESULT_FILE} is the result of {iterations} iterations, but {CONFIG_FILE} "
                            f"trains it for {config['max_iter']}: the result is another training's")
    planned = _is_there(folder / TREATMENT_FILE)
    if planned:
        _checked(folder / TREATMENT_FILE, JSON_BYTES)
    records = treatments.run_records(folder, config or {})  # the run's checkpoint and weights, each opened once
    run = treatments.treatment(folder, name, config, bases, records)
    curve = tuple((row["iteration"], row["top1"]) for row in _read_log(rundir.read_eval_rows, folder / "eval.csv"))
    losses = tuple((record["iteration"], float(record["loss"]))
                   for record in _read_log(_read_losses, folder / METRICS_FILE)
                   if "event" not in record and _is_loss_record(record))
    config = config or {}
    dataset = str(config.get("data") or "")
    fingerprint = treatments.recorded(folder, config, "dataset_fingerprint", records=records) or ""
    result = Result(run, final, best, mean10, evaluations, curve, losses, _last_rate_change(config),
                    dataset=dataset, preset=str(config.get("preset") or ""),
                    families=_half_families(dataset, facts) if run.split == "natural" and dataset else (),
                    fingerprint=fingerprint, precision=precision_of(folder, config, records) if config else "",
                    schedule=schedule_of(config),
                    kept_per_class=_kept_per_class(dataset, run.per_class, facts) if run.kind == "reduced"
                    and run.split == "all" and dataset else ())
    if not planned:
        by_hand[name] = _study_of(folder, config, records)
    return result


def _study_of(folder, config, records):
    """(dataset, base) of a run trained by hand, as :func:`minitransfer.treatments.cross_studies` takes
    them: its dataset's fingerprint, else its path (:func:`_study_dataset`); its base's
    :func:`minitransfer.treatments.base_key`, or None."""
    fingerprint = treatments.recorded(folder, config, "dataset_fingerprint", records=records)
    source = treatments.recorded(folder, config, "source", fileio.parse_json, records)
    return (fingerprint or str(config.get("data") or ""),
            treatments.base_key(source) if isinstance(source, dict) else None)


def hand_trained(folders, runs_dir):
    """{folder: :class:`minitransfer.experiment.Run`} of the runs trained by hand (a config.json, no
    treatment.json) among the run ``folders`` of ``runs_dir``, named and classified as :func:`collect`
    reads them (:func:`minitransfer.treatments.treatment`, then
    :func:`minitransfer.treatments.cross_studies`), finished or not; a run whose treatment the report
    cannot tell (a damaged config.json, a base it cannot find) is left out, as the report leaves it out."""
    bases, read = {}, {}
    for folder in folders:
        try:
            if _is_there(folder / TREATMENT_FILE) or not _is_there(folder / CONFIG_FILE):
                continue
            config = _read_json(folder / CONFIG_FILE, dict)
            records = treatments.run_records(folder, config)
            run = treatments.treatment(folder, _name(folder, runs_dir), config, bases, records)
            read[folder] = (run, *_study_of(folder, config, records))
        except (UnreadableRun, OSError):
            continue
    return dict(zip(read, treatments.cross_studies(list(read.values()))))


def _study_dataset(result):
    """What a run was trained on, as :func:`minitransfer.treatments.cross_studies` tells datasets
    apart: its dataset's fingerprint, else its path."""
    return result.fingerprint or result.dataset


# The training losses of a run drawn in curves.png: a panel is a few hundred pixels wide, and the
# 22,500 batches a CaffeNet run logs, read for each of a grid's 1,000 runs, took most of the report's
# time and memory (and 100 MB of SVG).
LOSS_POINTS = 500


def _read_losses(path):
    return rundir.read_metrics(path, most=LOSS_POINTS)


def _is_loss_record(record):
    """A training-loss line of metrics.jsonl as train writes it, a finite loss at an iteration (train
    stops at a non-finite one; a hand-edited line is skipped, as a torn one is)."""
    iteration, loss = record.get("iteration"), record.get("loss")
    return type(iteration) is int and type(loss) in (int, float) and math.isfinite(loss)


def precision_of(folder, config, records=None):
    """The precision a run was computed in ("tf32"), with the ones it was continued in where a
    resumption changed it ("tf32 until iteration 200, then ieee", from the changes train recorded
    in its checkpoint; :func:`minitransfer.resume.precision_history`), and that of the layers it
    copied where the base was trained in another ("ieee, layers 1..3 copied from a tf32 network").
    A configuration written before the option existed was trained in ieee. ``records``: the run's
    :func:`minitransfer.treatments.run_records`, when already read."""
    changes = treatments.recorded(folder, config, "precision_changes", _precision_changes, records) or []
    own = precision_history({"config": config, "precision_changes": changes})
    source = treatments.recorded(folder, config, "source", fileio.parse_json, records) or {}
    copied = source.get("precision", own) if isinstance(source, dict) else own
    return own if copied == own else f"{own}, layers 1..{config.get('n')} copied from a {copied} network"


def _precision_changes(value):
    changes = fileio.parse_json(value)
    if not (isinstance(changes, list) and all(isinstance(c, dict) and {"iteration", "from", "to"} <= set(c)
                                              for c in changes)):
        raise ValueError(f"not train's record of precision changes: {value!r:.80}")
    return changes


def _half_families(path, facts):
    """The natural split's (family of half A, of half B) of the dataset at ``path``
    (:func:`_dataset_fact`); :data:`UNREAD_FAMILIES` where it cannot be read."""
    return _dataset_fact(splits.half_families, path, facts, UNREAD_FAMILIES)


def _kept_per_class(path, per_class, facts):
    """(fewest, mean, most) training images per class that a reduced-data run on every class of the
    dataset at ``path`` trained on, asking for ``per_class``: a class with fewer keeps all it has
    (:func:`minitransfer.data.splits.select_per_class`), so ``per_class=1000`` on a dataset of 500
    images a class trains on 500. () where the dataset cannot be read (moved, another machine's)."""
    counts = _dataset_fact(_train_images_per_class, path, facts, ())
    if not len(counts):
        return ()
    kept = [min(count, per_class) for count in counts]
    return min(kept), sum(kept) / len(kept), max(kept)


def _train_images_per_class(dataset):
    return tuple(int(count) for count in np.bincount(dataset.labels("train"), minlength=dataset.num_classes))


def _dataset_fact(read, path, facts, unread):
    """``read(dataset)`` of the dataset at ``path``, opened once for every run of it (``facts``: by
    (``read``, path), shared between runs); ``unread`` where it cannot be read."""
    key = (read.__name__, path)
    if key not in facts:
        try:
            facts[key] = read(datasets.open_dataset(path))
        except (OSError, ValueError):  # DatasetError is a ValueError, as is a class without a family
            facts[key] = unread
    return facts[key]


def natural_families(results):
    """(name of half A, name of half B) of the natural split of ``results``: the families their
    dataset records (as read where some runs record a path that cannot be read, a grid continued
    where the dataset lies elsewhere), else :data:`UNREAD_FAMILIES`, else ImageNet's
    (:data:`PAPER_FAMILIES`), as for the paper's own runs."""
    known = [r.families for r in results if r.families]
    return next((families for families in known if families != UNREAD_FAMILIES), known[0] if known else PAPER_FAMILIES)


RESULT_SHAPE = '{"final": {"top1": ...}, "best_top1": ..., "mean10_top1": ..., "evaluations": ...}'
RESULT_FIELDS = ("final", "best_top1", "mean10_top1", "evaluations")  # train writes each, every time


def _read_result(path):
    """(final, best, mean of 10 best top-1, evaluations, iterations trained or None) of a
    result.json, each accuracy checked to be a fraction in [0, 1] (NaN only for a run that made no
    evaluation: train writes NaN then) and none above the best, as train's summary of one eval.csv;
    each of :data:`RESULT_FIELDS` must be there (a result of another version would otherwise read as
    a run without evaluations, in no finding)."""
    record = _read_json(path, dict)
    final, evaluations, iterations = record.get("final", {}), record.get("evaluations", 0), record.get("iterations")
    if not isinstance(final, dict) or type(evaluations) is not int or evaluations < 0 \
            or not (iterations is None or type(iterations) is int):
        raise UnreadableRun(f"{path}: expected {RESULT_SHAPE} as train writes it, got {json.dumps(record):.80}")
    accuracies = {"final top1": final.get("top1", math.nan), "best_top1": record.get("best_top1", math.nan),
                  "mean10_top1": record.get("mean10_top1", math.nan)}
    for key, value in accuracies.items():
        if not _is_accuracy(value, evaluations):
            raise UnreadableRun(f"{path}: {key} is {value!r}, expected a top-1 accuracy in [0, 1]"
                                + (" (NaN only for a run without evaluations)" if evaluations else ""))
    missing = [key for key in RESULT_FIELDS if key not in record]  # read as 0 evaluations, no accuracy
    if missing:
        raise UnreadableRun(f"{path}: no {', '.join(missing)}: not a result train writes ({RESULT_SHAPE}; another "
                            f"version's, or edited)")
    top, best, mean10 = (float(value) for value in accuracies.values())
    if best < max(top, mean10) - 1e-9:  # NaN compares False: a run without evaluations passes
        raise UnreadableRun(f"{path}: best_top1 {best} is below final top1 {top} or mean10_top1 {mean10}: not "
                            f"train's summary of one run's evaluations")
    return top, best, mean10, evaluations, iterations


def _is_accuracy(value, evaluations):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return evaluations == 0 if math.isnan(value) else 0 <= value <= 1


# The most a run's file holds as train writes it (ImageNet's metrics.jsonl, logged at every one of
# 450,000 iterations, ~60 MB; a result.json or config.json, a few kB): a larger one is no run's file
# (a crash can leave a tail of zeros, a sparse file of any size), and reading it whole ends the
# report in a MemoryError.
LOG_BYTES = 1 << 30
JSON_BYTES = 16 << 20


def _read_log(read, path):
    """``read(path)``, :mod:`minitransfer.rundir`'s reader of a run's log (none where it is missing),
    once :func:`_checked`."""
    return read(path) if not _is_there(path) else read(_checked(path, LOG_BYTES))


def _checked(path, most):
    """``path``, a run's file: :class:`UnreadableRun` naming it where it is not a file, which would
    be read for ever (a named pipe, a device) or fail the report (a folder), or holds more than
    ``most`` bytes."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise UnreadableRun(f"{path}: cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(status.st_mode):
        kind = ("a folder" if stat.S_ISDIR(status.st_mode) else "a named pipe" if stat.S_ISFIFO(status.st_mode)
                else "a device" if stat.S_ISCHR(status.st_mode) or stat.S_ISBLK(status.st_mode) else "a socket")
        raise UnreadableRun(f"{path}: not a file ({kind})")
    if status.st_size > most:
        raise UnreadableRun(f"{path}: {status.st_size:,} bytes, more than train writes there ({most:,} at most): "
                            f"not read")
    return path


def _read_json(path, kind):
    """The JSON document in ``path``, which must be a ``kind``; :class:`UnreadableRun` naming the file otherwise."""
    _checked(path, JSON_BYTES)
    try:
        record = fileio.parse_json(path.read_text())
    except OSError as error:
        raise UnreadableRun(f"{path}: cannot be read ({error.strerror or error})") from None
    except ValueError as error:  # or nested too deep: fileio.parse_json
        why = "empty, truncated or corrupt" if isinstance(error, json.JSONDecodeError) else error
        raise UnreadableRun(f"{path}: not valid JSON ({why})") from None
    if not isinstance(record, kind):
        raise UnreadableRun(f"{path}: expected a JSON {'object' if kind is dict else kind.__name__}, "
                            f"got {json.dumps(record):.80}")
    return record


# The options that decide how far a network is trained and how its metric is taken: runs compared
# with each other must share them (a grid sets them once; its runs on every class may differ as a
# group, experiment's all_classes options, and the reduced-data runs take their own learning rate).
SCHEDULE_FIELDS = ("max_iter", "stepsize", "gamma", "base_lr", "momentum", "weight_decay", "batch_size", "eval_every")


def schedule_of(config):
    """((field, value), ...) of the :data:`SCHEDULE_FIELDS` a run's config.json gives (as numbers or text)."""
    return tuple((key, config[key]) for key in SCHEDULE_FIELDS if isinstance(config.get(key), (int, float, str)))


def schedule_group(result):
    """The runs whose schedules must agree: those on a half of a split, those on every class (the
    reduced-data runs apart)."""
    if result.run.kind == "reduced":
        return "reduced-data runs"
    return "runs on every class" if result.run.split == "all" else "runs on a half"


def _last_rate_change(config):
    """The iteration of the run's last learning-rate step (:func:`minitransfer.optim.last_rate_change`);
    0 when its config is missing or does not give its schedule."""
    try:
        solver = optim.Solver(gamma=float(config["gamma"]), stepsize=int(config["stepsize"]),
                              max_iter=int(config["max_iter"]))
    except (ValueError, KeyError, TypeError, OverflowError):  # OverflowError: a hand-edited 1e400, infinity
        return 0
    return optim.last_rate_change(solver)


REFERENCE_PATTERNS = (
    (re.compile(r"half(\d)([AB])$"), lambda m: Run(m[0], "base", "random", int(m[1]), target=m[2])),
    (re.compile(r"halfnatman([AB])$"), lambda m: Run(m[0], "base", "natural", 0, target=m[1])),
    (re.compile(r"netbase$"), lambda m: Run(m[0], "base", "all", 0)),
    (re.compile(r"nolearn_1_(\d)$"), lambda m: Run(m[0], "random-frozen", "all", 0, n=int(m[1]))),
    (re.compile(r"reduced-(\d+)$"), lambda m: Run(m[0], "reduced", "all", 0, per_class=int(m[1]))),
    (re.compile(r"transfer(-ft)?(\d)([AB])\d([AB])_1_(\d)$"),
     lambda m: Run(m[0], "selffer" if m[3] == m[4] else "transfer", "random", int(m[2]), target=m[4], source=m[3],
                   n=int(m[5]), fine_tuned=bool(m[1]))),
    (re.compile(r"transfer(-ft)?natman([AB])([AB])_1_(\d)$"),
     lambda m: Run(m[0], "selffer" if m[2] == m[3] else "transfer", "natural", 0, target=m[3], source=m[2],
                   n=int(m[4]), fine_tuned=bool(m[1]))),
)


def reference_path(reference):
    """The TSV of ``reference``: a file path, or ``"paper"`` for the original runs' table that ships
    with minitransfer (means of the 10 best of the original logs of yosinski/convnet_transfer)."""
    if str(reference) == PAPER_REFERENCE:
        return importlib.resources.files("minitransfer") / "reference" / "yosinski2014_mean_top10_accuracy.tsv"
    return pathlib.Path(reference)


REFERENCE_COLUMNS = ("run", "mean_top10_val_top1")
REFERENCE_FORMAT = "a header line with the columns run and mean_top10_val_top1, tab-separated, then one line per run"


def read_reference(path):
    """The original paper's runs from a TSV (``run``, ``mean_top10_val_top1`` columns; UTF-8, with or
    without a byte order mark), or ``"paper"``, as results (final and best unknown: NaN). A header
    without those columns, an unknown run name or an accuracy outside [0, 1] (a table in percent)
    is an error naming the line."""
    path = reference_path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream, delimiter="\t")
            results = _reference_results(path, reader)
    except UnicodeDecodeError:
        raise BadReference(f"report: {path}: not UTF-8 text (expected {REFERENCE_FORMAT})") from None
    except csv.Error as error:  # a field past csv's limit: a stray quote runs to the end of the file
        line = reader.line_num + 1  # where the row that cannot be read starts (line_num: the lines of the rows read)
        raise BadReference(f"report: {path} line {line}: {error} (expected {REFERENCE_FORMAT})") from None
    if not results:  # it would overlay nothing, silently
        raise BadReference(f"report: {path} holds no runs (expected {REFERENCE_FORMAT})")
    return results


def _reference_results(path, reader):
    missing = [column for column in REFERENCE_COLUMNS if column not in (reader.fieldnames or REFERENCE_COLUMNS)]
    if missing:
        header = "\t".join(reader.fieldnames)
        raise BadReference(f"report: {path} line 1: no column {', '.join(missing)} (found {header!r}; expected "
                           f"{REFERENCE_FORMAT})")
    results = []
    for line_number, row in enumerate(reader, start=2):
        try:
            results.append(_reference_result(row))
        except (KeyError, TypeError, ValueError) as error:
            raise BadReference(f"report: {path} line {line_number}: {error} (expected the columns run and "
                               f"mean_top10_val_top1, tab-separated)") from None
    return results


def _reference_result(row):
    name = (row.get("run") or "").strip()
    for pattern, build in REFERENCE_PATTERNS:
        match = pattern.match(name)
        if match:
            text, evaluations = row["mean_top10_val_top1"], int(row.get("n_test_points") or 0)
            if not _is_accuracy(float(text), evaluations):
                raise ValueError(f"mean_top10_val_top1 is {text!r}, expected a top-1 accuracy in [0, 1]"
                                 + (" (NaN only for a run without test points)" if evaluations else ""))
            return Result(build(match), math.nan, math.nan, float(text), evaluations)
    raise ValueError(f"unknown run name {name!r}")


def metric_words(results):
    """The paper's metric as ``results`` took it, in words true of every run: "mean of the 10 best
    evaluations"; train takes the mean of all of a run's evaluations where it made fewer than
    :data:`BEST_EVALUATIONS`: "mean of all 3 evaluations" where every run made 3 ("..., 1 to 3" where
    every run made fewer, not as many), "mean of the 10 best
    evaluations; of all, for the 2 runs with fewer" where some did. A run without evaluations has no
    accuracy and is not counted."""
    fewer = [r.evaluations for r in results if 0 < r.evaluations < BEST_EVALUATIONS]
    if not fewer:
        return f"mean of the {BEST_EVALUATIONS} best evaluations"
    if len(fewer) == len([r for r in results if r.evaluations]):
        if len(set(fewer)) > 1:
            return f"mean of all of a run's evaluations, {min(fewer)} to {max(fewer)}"
        return "each run's one evaluation" if fewer[0] == 1 else f"mean of all {fewer[0]} evaluations"
    runs = "the run" if len(fewer) == 1 else f"the {len(fewer)} runs"
    return f"mean of the {BEST_EVALUATIONS} best evaluations; of all, for {runs} with fewer"


# ---- selections and comparisons ----------------------------------------------------------------

def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


@dataclasses.dataclass(frozen=True)
class Spread:
    """Mean, standard deviation (across networks) and standard error of some values."""

    mean: float
    std: float
    count: int

    @property
    def se(self):
        return self.std / math.sqrt(self.count) if self.count > 1 else math.nan

    @classmethod
    def of(cls, values):
        values = [v for v in values if not math.isnan(v)]
        if not values:
            return cls(math.nan, math.nan, 0)
        centre = sum(values) / len(values)
        std = math.sqrt(sum((v - centre) ** 2 for v in values) / (len(values) - 1)) if len(values) > 1 else math.nan
        return cls(centre, std, len(values))


def select(results, split, treatment=None, target=None):
    return [r for r in results if r.run.split == split and (treatment is None or r.run.treatment == treatment)
            and (target is None or r.run.target == target)]


def means_by_n(results, split="random", treatment="AnB", target=None):
    """{n: mean accuracy} of one treatment (mean of 10 best), n ascending."""
    found = select(results, split, treatment, target)
    return {n: mean([r.mean10_top1 for r in found if r.run.n == n]) for n in sorted({r.run.n for r in found})}


def _target_of(result):
    """What a network is trained on, and its own base with it: split, split seed (or replicate) and
    target half."""
    return result.run.split, result.run.split_seed, result.run.target


def _bases_by_target(results):
    """{:func:`_target_of`: [accuracy of each base trained on it]}, built once for a whole grid
    (a look-up per network, not a pass over every run per network)."""
    bases = {}
    for b in results:
        if b.run.kind == "base":
            bases.setdefault(_target_of(b), []).append(b.mean10_top1)
    return bases


def own_base(result, results):
    """The mean accuracy of the base(s) of ``result``'s own target (the same split, split seed or
    replicate, and target half); NaN when it was not trained."""
    return mean(_bases_by_target(results).get(_target_of(result), []))


MEASURED_AGAINST_BASE = ("transfer", "selffer", "random-frozen")  # kinds measured relative to their own base


def without_base(results):
    """"name: why" of the networks measured relative to their own base (transfers, selffers,
    random frozen layers) whose base is not among ``results`` (its run deleted, or only the copies
    gathered in the folder) or has no accuracy (it made no evaluation): they are in no finding and
    no number relative to a base."""
    texts, bases = [], _bases_by_target(results)
    for r in results:
        if r.run.kind in MEASURED_AGAINST_BASE and math.isnan(mean(bases.get(_target_of(r), []))):
            folder = r.run.name.rpartition("/")[0]
            base = dataclasses.replace(r.run, kind="base", n=0).label
            seed = f" {r.run.split_seed}" if r.run.split == "random" else ""
            trained_on = {"all": "all classes", CROSS: "the target dataset"}.get(
                r.run.split, f"{r.run.split} split{seed}, half {r.run.target}")
            why = "has no accuracy (it made no evaluation)" if _target_of(r) in bases else "is not among the runs"
            texts.append(f"{r.run.name}: its base {folder + '/' if folder else ''}{base} ({trained_on}) {why}"
                         + _controls_base(r, results))
    return texts


def _controls_base(result, results):
    """Why a transfer across datasets trained by hand did not take the base on every class of its
    dataset beside it (:func:`minitransfer.treatments.controls_datasets`): ": NAME ... is theirs", or ""."""
    if result.run.split != CROSS:
        return ""
    folder, dataset = result.run.name.rpartition("/")[0], _study_dataset(result)
    beside = [(r.run, _study_dataset(r)) for r in results if r.run.name.rpartition("/")[0] == folder]
    base = next((run.name for run, of in beside if run.kind == "base" and run.split == "all" and of == dataset), None)
    if base is None or dataset not in treatments.controls_datasets(beside):
        return ""
    return (f": {base}, on every class of its dataset, is the base of the random-frozen or reduced-data runs "
            f"beside it; train those in a folder of their own")


def _relative(results, split, treatment, target=None):
    """(network, accuracy − own base) of one treatment; networks without a trained base, or without
    an accuracy (no evaluation), left out."""
    bases = _bases_by_target(results)
    with_base = [(r, mean(bases.get(_target_of(r), []))) for r in select(results, split, treatment, target)]
    return [(r, r.mean10_top1 - base) for r, base in with_base if not math.isnan(r.mean10_top1 - base)]


def relative_by_n(results, split="random", treatment="AnB", target=None):
    """{n: [accuracy − own base, one per network]} of one treatment, n ascending (networks without a
    trained base or an accuracy left out)."""
    relative = _relative(results, split, treatment, target)
    return {n: [value for r, value in relative if r.run.n == n] for n in sorted({r.run.n for r, _ in relative})}


def targets_by_n(results, split="random", treatment="AnB"):
    """{n: the target halves of the networks :func:`relative_by_n` measures at n}."""
    targets = {}
    for r, _ in _relative(results, split, treatment):
        targets.setdefault(r.run.n, set()).add(r.run.target)
    return targets


def relative_by_base(results, split="random", treatment="AnB+"):
    """{(split seed, target): [accuracy − own base, one per network]} of one treatment: its
    networks grouped by the base they are measured against (networks without a trained base or an
    accuracy left out)."""
    groups = {}
    for r, value in _relative(results, split, treatment):
        groups.setdefault((r.run.split_seed, r.run.target), []).append(value)
    return groups


def interchangeable_halves(results):
    """Whether the random splits' halves may be pooled as the paper pooled them: for every random
    split with both bases trained, baseA and baseB within :data:`INTERCHANGEABLE` of each other."""
    pairs = {}
    for r in select(results, "random", "baseB"):
        pairs.setdefault(r.run.split_seed, {})[r.run.target] = r.mean10_top1
    both = [pair for pair in pairs.values() if len(pair) == 2]
    return bool(both) and all(abs(pair["A"] - pair["B"]) <= INTERCHANGEABLE + 1e-9 for pair in both)

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
the grid's (:func:`minitransfer.run_labels.cross_studies`).

The parts, one idea each, whose public names are importable from here too: :mod:`minitransfer.run_settings`
(what a run was trained with: precision, schedule), :mod:`minitransfer.run_facts` (what its dataset tells:
its families and images per class), :mod:`minitransfer.comparisons` (:class:`Result`, and how networks are compared),
:mod:`minitransfer.run_copies` (which runs are one network, counted once) and
:mod:`minitransfer.paper_runs` (the paper's own runs). A run's files are read, trusting none of
them, by :mod:`minitransfer.run_file_readers`; the classes a transfer across datasets shares with its
base are found by :mod:`minitransfer.class_overlap`, and what to do with a run that diverged or whose
network is gone is said by :mod:`minitransfer.run_remedies`.
"""

import dataclasses
import os
import pathlib

from minitransfer import run_file_readers, run_labels, run_lock, run_logs, rundir, train_records, treatments
from minitransfer.checkpoint_identity import weights_network_sha256, weights_sha256
from minitransfer.class_overlap import seen_classes
from minitransfer.comparisons import (INTERCHANGEABLE, RISING, Bases, Result, Spread, interchangeable_halves, mean,
                                      means_by_n, metric_words, own_base, relative_by_base, relative_by_n, select,
                                      targets_by_n)
from minitransfer.data.inputs import fs_text
from minitransfer.experiment import CROSS, TREATMENT_FILE
from minitransfer.missing_bases import without_base
from minitransfer.paper_runs import PAPER_REFERENCE, BadReference, read_reference, reference_path
from minitransfer.rundir import BEST_EVALUATIONS, RESULT_FILE
from minitransfer.run_facts import PAPER_FAMILIES, UNREAD_FAMILIES, half_families, kept_per_class_of, natural_families
from minitransfer.run_settings import SCHEDULE_FIELDS, last_rate_change, precision_of, schedule_group, schedule_of
from minitransfer.run_copies import network_of, once
from minitransfer.result_checks import check_against_curve, curve_of, read_result
from minitransfer.run_file_readers import (JSON_BYTES, LOG_BYTES, checked, is_loss_record, is_there, read_json,
                                           read_log, stamp)
from minitransfer.run_labels import name_order
from minitransfer.run_logs import eval_csv_lines
from minitransfer.run_remedies import start_over
from minitransfer.run_search import WalkNotice, find_runs, first_names, lone_weights, other_names_of_folders
from minitransfer.left_out import UnreadableRun
from minitransfer.treatments import CONFIG_FILE

__all__ = ["collect", "hand_trained", "recorded_runs", "METRICS_FILE",
           "Result", "Spread", "mean", "select", "means_by_n", "own_base", "without_base", "relative_by_n",
           "targets_by_n", "relative_by_base",
           "interchangeable_halves", "metric_words", "INTERCHANGEABLE", "RISING", "BEST_EVALUATIONS",
           "precision_of", "schedule_of", "schedule_group", "natural_families", "SCHEDULE_FIELDS",
           "PAPER_FAMILIES", "UNREAD_FAMILIES", "read_reference", "reference_path", "PAPER_REFERENCE",
           "BadReference"]


def collect(runs_dir, checkpoints=None):
    """``(results, unfinished, left_out)``: every ``*.run`` directory under ``runs_dir`` with a readable
    result, and the names of planned or broken runs without a result.json, each sorted by name as a
    reader looks for them (:func:`minitransfer.run_labels.name_order`: a split's bases, then its copies
    by n, A1B before A1B+; random2 before random10); and, as "name: why" texts, the runs with a
    result.json that cannot be read as one network (a corrupt or misshapen result, an unreadable
    configuration, a base whose treatment cannot be told, a treatment that is not its folder's or
    contradicts its configuration, layers copied from another base than its treatment says:
    :func:`minitransfer.treatments.treatment`; a :class:`LeftOut`, which keeps the error), a run without a
    result whose training diverged (:func:`_divergence`: no result will come), a second name of one run
    folder (a symbolic link to it), a second name of a folder of runs (a link to a split's folder), whose
    runs are read once, and a folder that cannot be read (another user's, mode 700), whose runs would
    otherwise be missing without a word, a second copy of one network (:func:`once`), and a run folder that
    holds none of the files train and experiment write first (:func:`_not_a_run`: made by hand, or its files
    deleted; one whose lock a train holds is starting, not finished). A run started over (train --overwrite)
    while it is read is not finished, and one finished again meanwhile is read again
    (:func:`_read_steady`), never its old result beside its new files.
    Those are left out of every table rather than guessed at or counted twice. Folders linked into
    ``runs_dir`` are read as if they were in it (:func:`minitransfer.run_search.find_runs`). Looking for
    the runs and reading them, where it takes longer than
    :data:`minitransfer.run_search.WALK_NOTICE_SECONDS`, says on stderr how far it is
    (:class:`minitransfer.run_search.WalkNotice`). ``checkpoints``: a dict it keeps the base
    checkpoints it reads in, by path, for :func:`recorded_runs` to read none of them again."""
    runs_dir = pathlib.Path(runs_dir)
    results, unfinished = [], []
    by_hand = {}  # the runs without treatment.json: name -> (dataset, base), for run_labels.cross_studies
    bases = {} if checkpoints is None else checkpoints  # base checkpoints read, by path: its copies share one
    facts = {}  # what the runs' datasets tell (the natural split's families, images per class), by (fact, path)
    notice = WalkNotice(runs_dir)
    found = find_runs(runs_dir, notice)
    first_of = first_names(found.runs)
    reported = sorted(folder for folder, first in first_of.items() if folder == first)
    left_out = [f"{_name(folder, runs_dir)}: {folder} cannot be read ({why}): its run is missing from the report"
                if folder.suffix == ".run" and folder != runs_dir else
                f"{folder.relative_to(runs_dir).as_posix()}: {folder} cannot be read ({why}): any runs in it are "
                f"missing from the report" for folder, why in found.unreadable]
    left_out += other_names_of_folders(found.again, reported, runs_dir) + lone_weights(found, runs_dir)
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
            elif is_there(folder / TREATMENT_FILE) or is_there(folder / CONFIG_FILE):
                diverged = _divergence(folder / METRICS_FILE, is_there(folder / TREATMENT_FILE))
                if diverged:
                    left_out.append(f"{name}: {diverged}")
                else:
                    unfinished.append(name)
            elif run_lock.holder(folder) is not None:  # a train starting: its lock taken, its config.json not yet
                unfinished.append(name)
            else:
                left_out.append(f"{name}: {_not_a_run(folder)}")
        except UnreadableRun as error:
            left_out.append(LeftOut(name, error))
        except OSError as error:  # one run's files, not the report's: it is left out, the others reported
            left_out.append(f"{name}: {error.filename or folder}: cannot be read ({error.strerror or error})")
    notice.done(lambda: f"{len(first_of):,} run folders read, found in {found.folders:,} folders")
    hand_trained = [r for r in results if r.run.name in by_hand]
    runs = run_labels.cross_studies([(r.run, *by_hand[r.run.name]) for r in hand_trained])
    relabelled = {r.run.name: dataclasses.replace(r, run=run) for r, run in zip(hand_trained, runs) if run != r.run}
    results, copies = once(sorted((relabelled.get(r.run.name, r) for r in results),
                                  key=lambda r: name_order(r.run.name)))
    return _base_networks_read(results, runs_dir), sorted(unfinished, key=name_order), left_out + copies


def _base_networks_read(results, runs_dir):
    """``results``, a base whose result.json predates the digest of its network given the one its weights file
    holds (:func:`minitransfer.checkpoint_identity.weights_network_sha256`), while that file is the one its
    result.json recorded, where a transfer or selffer paired with it (:meth:`Bases.copied_otherwise`) recorded
    the digest of the network it copied from another file (another sha256: the same base written elsewhere). A
    grid's check reads the file so (:func:`minitransfer.grid_trained.copied_base_sha256`) and goes on with the
    transfer; before, the report left it out as copied from another network. Only then: the report reads
    records, not networks (a CaffeNet's takes about a second)."""
    if not any(r.base_network_sha256 for r in results) or \
            all(r.network_sha256 for r in results if r.run.kind == "base"):
        return results
    bases = Bases(results)
    wanted = {b.run.name for r in results if r.base_network_sha256
              for b in bases.copied_otherwise(r) if not b.network_sha256}
    read, by_name = {}, {r.run.name: r for r in results}
    for name in wanted:
        base = by_name[name]
        weights = rundir.weights_for(runs_dir / f"{name}.run")
        digest = weights_network_sha256(weights) if _recorded_weights(weights, base.weights_sha256) else None
        if digest:
            read[name] = dataclasses.replace(base, network_sha256=(digest,))
    return [read.get(r.run.name, r) for r in results]


def _recorded_weights(path, recorded):
    """Whether the weights file ``path`` is one whose sha256 is among those its result.json ``recorded``: as train
    wrote it (its size and time), else read (:func:`minitransfer.checkpoint_identity.weights_sha256`)."""
    return weights_sha256(path) in recorded


class LeftOut(str):
    """:func:`collect`'s "name: why" text of the run ``name`` left out for ``error`` (an :class:`UnreadableRun`),
    which it keeps: report's refusal tells a run of a kind it measures nowhere by the error's type and parts
    (:class:`minitransfer.treatments.MeasuredNowhere`), never by the text."""

    def __new__(cls, name, error):
        text = super().__new__(cls, f"{name}: {error}")
        text.name, text.error = name, error
        return text

    def __getnewargs__(self):  # copied or pickled, it is made again from its parts
        return self.name, self.error


METRICS_FILE = "metrics.jsonl"
EVAL_FILE = "eval.csv"
def _divergence(path, grid_run):
    """Why a run without a result stopped, where its metrics.jsonl ``path`` ends in a divergence
    (:func:`minitransfer.run_logs.divergence`): such a run is not unfinished, it gets no result until it
    is trained again (:func:`start_over`; ``grid_run``: whether the run is a grid's); "" otherwise
    (training, stopped, or failed in another way)."""
    diverged = rundir.divergence(checked(path, LOG_BYTES)) if is_there(path) else ""
    return f"{diverged}; no result (see {path}): {start_over(grid_run)}" if diverged else ""


def _not_a_run(folder):
    """Why the run folder ``folder``, which holds none of the files train and experiment write first,
    is no run (an empty folder made by hand, or one whose files were deleted), what it holds said."""
    held = sorted(entry.name for entry in os.scandir(folder))
    what = "it is empty" if not held else f"it holds {', '.join(held[:5])}" + (
        f" and {len(held) - 5} more" if len(held) > 5 else "")
    return (f"{folder} holds none of {CONFIG_FILE}, {TREATMENT_FILE}, {RESULT_FILE} ({what}): not a run train or "
            f"experiment wrote, or one whose files were deleted")


def _name(folder, runs_dir):
    """A run's name: its folder's path below ``runs_dir``, without ``.run``."""
    return folder.relative_to(runs_dir).with_suffix("").as_posix()


STEADY_ATTEMPTS = 3  # reads of a run whose result.json is replaced meanwhile, before it counts as not finished


def _read_steady(folder, name, bases, facts, by_hand):
    """:func:`_read_run`, or None for a run without a result.json: also one whose result.json went
    while it was read (train --overwrite starting the run over removes it, then its checkpoint and
    logs), which was left out as "cannot be read" or read with the new training's files, and one
    whose result.json is replaced at every read (a run finished again meanwhile is read again)."""
    path = folder / RESULT_FILE
    for _ in range(STEADY_ATTEMPTS):
        before = stamp(path)
        if before is None:
            return None
        try:
            read = _read_run(folder, name, bases, facts, by_hand)
        except (UnreadableRun, OSError):
            if stamp(path) == before:
                raise
            continue
        if stamp(path) == before:
            return read
    return None


def read_run(folder):
    """The result of the run in ``folder`` read alone, as :func:`collect` reads each run
    (:func:`_read_run`, named by its folder): :class:`UnreadableRun` with report's reason where it
    leaves the run out for what the run's own files say (``info`` says it of the run's network)."""
    folder = pathlib.Path(folder)
    return _read_run(folder, folder.stem, {}, {}, {})


def _read_run(folder, name, bases, facts, by_hand):
    """The result of the run in ``folder``; one trained by hand (no treatment.json) adds to ``by_hand``
    its name -> (its dataset, its base's: :func:`minitransfer.run_labels.base_key`). ``facts``: what
    the datasets read so far tell, shared between runs (:func:`minitransfer.dataset_reads.dataset_fact`)."""
    eval_csv = folder / EVAL_FILE
    record = read_json(folder / RESULT_FILE, dict)  # read once: checked against eval.csv, then by read_result
    lines = check_against_curve(folder / RESULT_FILE, record, eval_csv)  # an edit said by both values, where told
    final, best, mean10, evaluations, iterations, scored = read_result(folder / RESULT_FILE, record)
    config = read_json(folder / CONFIG_FILE, dict) if is_there(folder / CONFIG_FILE) else None
    if config is not None and iterations is not None and config.get("max_iter", iterations) != iterations:
        if type(config["max_iter"]) is not int:  # "60", edited: it was "trains it for 60", as though another count
            raise UnreadableRun(f"{folder / CONFIG_FILE}: max_iter is {config['max_iter']!r}, expected a count of "
                                f"iterations: not a config train writes")
        raise UnreadableRun(f"{folder / RESULT_FILE} is the result of {iterations} iterations, but {CONFIG_FILE} "
                            f"trains it for {config['max_iter']}: the result is another training's")
    planned = is_there(folder / TREATMENT_FILE)
    if planned:
        checked(folder / TREATMENT_FILE, JSON_BYTES)
    records = train_records.run_records(folder, config or {})  # the run's checkpoint and weights, each opened once
    run = treatments.treatment(folder, name, config, bases, records)
    lines = read_log(eval_csv_lines, eval_csv) if lines is None else lines  # check_against_curve's where it read them
    curve = curve_of(lines)
    # train computed result.json from every row of eval.csv: rows fewer or more than it counts are lost or not its;
    # a row train never writes (repeated, out of order) beside as many as it counts is an edit or damage that no
    # digest tells where result.json records none of its rows (before 0.11.4): said so, as a file cut short is
    unwritten = any(fault is not None for *_, fault in lines)
    eval_log = str(eval_csv) if is_there(eval_csv) and (len(curve) != evaluations or unwritten) else ""
    logged = read_log(lambda log: run_logs.read_metrics(log, losses=run_file_readers.LOSS_POINTS),  # looked up now
                      folder / METRICS_FILE)
    losses = tuple((record["iteration"], float(record["loss"])) for record in logged if is_loss_record(record))
    config = config or {}
    dataset = _dataset_text(config.get("data"))
    fingerprint = train_records.recorded(folder, config, "dataset_fingerprint", records=records) or ""
    source = train_records.recorded_source(folder, config, records)  # train's record of the base, decoded once
    weights = _weights_digests(record) if run.kind == "base" else {}
    dataset_name = rundir.recorded_path(dataset)
    result = Result(run, final, best, mean10, evaluations, curve, losses, last_rate_change(config),
                    dataset=dataset, preset=str(config.get("preset") or ""),
                    families=half_families(dataset_name, facts) if run.split == "natural" and dataset
                    else (),
                    fingerprint=fingerprint, precision=precision_of(folder, config, records) if config else "",
                    schedule=schedule_of(config),
                    kept_per_class=kept_per_class_of(dataset_name, run.per_class, facts)
                    if run.kind == "reduced"
                    and run.split == "all" and dataset else (),
                    seen_classes=seen_classes(folder, name, run, config, records, facts)
                    if run.split == CROSS and run.kind == "transfer" else (), eval_log=eval_log,
                    network=network_of(config), base_sha256=_recorded_str(source, "sha256"),
                    base_checkpoint=_recorded_str(source, "checkpoint"),
                    source_data=_source_data(source) if run.split == CROSS and run.kind == "transfer"
                    else (), planned=planned, scored_on=scored,
                    weights_sha256=weights.get("sha256", ()),
                    base_network_sha256=_recorded_str(source, "network_sha256"),
                    network_sha256=weights.get("network_sha256", ()))
    if not planned:
        by_hand[name] = _study_of(fingerprint, dataset, source)
    return result


def _dataset_text(recorded):
    """The dataset path a run's config.json records, as UTF-8 text ("" for none): as train records it now
    (:func:`minitransfer.rundir.record_path`), whatever the locale an earlier version recorded it in. Under
    LC_ALL=C (PYTHONUTF8=0) it recorded "données" as "donn\\udcc3\\udca9es": a report of runs recorded both ways
    (without a dataset fingerprint) took one dataset for two."""
    return fs_text(rundir.recorded_path(recorded)) if isinstance(recorded, str) else str(recorded or "")


def _recorded_str(source, key):
    """What train recorded under ``key`` ("sha256", "network_sha256", "checkpoint": its path) of the base the run
    copied its layers from, its ``source`` record (:func:`minitransfer.train_records.recorded_source`); "" for a
    run without one."""
    value = source.get(key)
    return value if isinstance(value, str) else ""


def _weights_digests(record):
    """{key: (the digest a base's result.json, read as ``record``, recorded of its weights file under it,)}, as
    train wrote them (:meth:`minitransfer.training_run.Run.write_weights`), which its transfers recorded as they
    copied from it: "sha256", the file's, and "network_sha256", the network's wherever the file lies; a key
    left out where it records none (a result.json written before the record)."""
    weights = record.get("weights")
    weights = weights if isinstance(weights, dict) else {}
    return {key: (weights[key],) for key in ("sha256", "network_sha256")
            if isinstance(weights.get(key), str) and weights[key]}


def _source_data(source):
    """(path, fingerprint) of the dataset of the base a transfer across datasets copied its layers
    from, as train recorded it in its ``source`` record ("" where not); () where it recorded neither."""
    found = tuple(source.get(key) if isinstance(source.get(key), str) else ""
                  for key in ("dataset", "dataset_fingerprint"))
    return found if any(found) else ()


def _study_of(fingerprint, dataset, source):
    """(dataset, base) of a run trained by hand, as :func:`minitransfer.run_labels.cross_studies` takes
    them: its dataset's ``fingerprint`` (train's record), else its path in its config.json (``dataset``:
    :func:`_dataset_text`; :func:`minitransfer.missing_bases._study_dataset`); its base's
    :func:`minitransfer.run_labels.base_key` of its ``source`` record
    (:func:`minitransfer.train_records.recorded_source`), or None."""
    return fingerprint or dataset, run_labels.base_key(source) if source else None


def recorded_runs(runs_dir, names, checkpoints=None):
    """The runs ``names`` under ``runs_dir`` (:func:`collect`'s runs not finished) as their folders
    record them: the :class:`minitransfer.experiment.Run` of their treatment.json, or of their
    config.json and train's record of their base (:func:`minitransfer.treatments.treatment`, as
    :func:`collect` will read them once finished), whatever their folders are called; the name
    alone for a run whose treatment cannot be told (a damaged config.json, a base it cannot find).
    ``checkpoints``: the base checkpoints :func:`collect` read, which are not read again."""
    runs_dir, bases, runs = pathlib.Path(runs_dir), {} if checkpoints is None else checkpoints, []
    for name in names:
        folder = runs_dir / f"{name}.run"
        try:
            config = read_json(folder / CONFIG_FILE, dict) if is_there(folder / CONFIG_FILE) else None
            runs.append(treatments.treatment(folder, name, config, bases))
        except (UnreadableRun, OSError):
            runs.append(name)
    return runs


def hand_trained(folders, runs_dir):
    """{folder: :class:`minitransfer.experiment.Run`} of the runs trained by hand (a config.json, no
    treatment.json) among the run ``folders`` of ``runs_dir``, named and classified as :func:`collect`
    reads them (:func:`minitransfer.treatments.treatment`, then
    :func:`minitransfer.run_labels.cross_studies`), finished or not; a run whose treatment the report
    cannot tell (a damaged config.json, a base it cannot find) is left out, as the report leaves it out."""
    bases, read = {}, {}
    for folder in folders:
        try:
            if is_there(folder / TREATMENT_FILE) or not is_there(folder / CONFIG_FILE):
                continue
            config = read_json(folder / CONFIG_FILE, dict)
            records = train_records.run_records(folder, config)
            run = treatments.treatment(folder, _name(folder, runs_dir), config, bases, records)
            fingerprint = train_records.recorded(folder, config, "dataset_fingerprint", records=records)
            source = train_records.recorded_source(folder, config, records)
            read[folder] = (run, *_study_of(fingerprint, _dataset_text(config.get("data")), source))
        except (UnreadableRun, OSError):
            continue
    return dict(zip(read, run_labels.cross_studies(list(read.values()))))

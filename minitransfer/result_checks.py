"""A run's result.json judged as train's summary of its own run (report, info, a grid's status): its fields
(:func:`read_result`: each accuracy in [0, 1], none above the best, its content as train wrote it, by its digest
of itself), its accuracies against its eval.csv's (:func:`check_against_curve`, with the digest of the rows it
sums up, or its weights file's where it records none), what was edited (:func:`what_differs`), and the folder
refused for it (:func:`refuse_contradicted`).
The digests are in :mod:`minitransfer.result_digests`; the files are read by :mod:`minitransfer.run_file_readers`.
"""

import json
import math
import os

from minitransfer import fileio, run_logs
from minitransfer.comparisons import is_accuracy
from minitransfer.config_checks import MAX_COUNT
from minitransfer.data.splits import MIN_CLASSES
from minitransfer.eval_rows import line_faults, written_rows
from minitransfer.left_out import UnreadableRun
from minitransfer.result_digests import (CURVE_SUMS, RESULT_SHA256, cut_short, result_edited, result_sha256,
                                         rows_resummed, rows_resummed_at)
from minitransfer.run_file_readers import is_there, read_json, read_log, read_weights_sums
from minitransfer.run_logs import EVAL_COLUMNS, eval_csv_lines
from minitransfer.rundir import BEST_EVALUATIONS, weights_for


class ResultContradicted(UnreadableRun):
    """A result.json its own run contradicts: its digest of itself (:data:`minitransfer.result_digests.RESULT_SHA256`)
    or its eval.csv says another accuracy. Report refuses the folder for it (exit 65, :func:`refuse_contradicted`)
    rather than leave out, in a note, a number someone edited (0.5 made 0.25): it went into results.csv unseen."""


RESULT_SHAPE = '{"final": {"top1": ...}, "best_top1": ..., "mean10_top1": ..., "evaluations": ...}'
RESULT_FIELDS = ("final", "best_top1", "mean10_top1", "evaluations")  # train writes each, every time
# What train records as the validation images a run was scored on: it refuses a half without a validation
# image, or of fewer than MIN_CLASSES classes; the largest class holds its share of them at least, all at most
VALIDATION_SHAPE = (f'{{"images": a count, 1 or more, "classes": a count, {MIN_CLASSES} or more, "largest_class": '
                    f'a count, images/classes to images (not in older ones)}}')


def read_result(path, record=None):
    """(final, best, mean of 10 best top-1, evaluations, iterations trained or None, validation images
    and classes scored on: :func:`scored_on`) of a result.json, each accuracy checked to be a fraction
    in [0, 1] (NaN only for a run that made no evaluation: train writes NaN then, and only then) and
    none above the best, as train's summary of one eval.csv; a field of the wrong kind is named (a
    count that is negative, true, or a string, or more than train counts: :func:`_misshapen`; a ``validation``
    record train would not write); each of :data:`RESULT_FIELDS` must be there (a result of another version
    would otherwise read as a run without evaluations, in no finding). :class:`ResultContradicted` where it is
    not as train wrote it (its digest of its other fields, :data:`minitransfer.result_digests.RESULT_SHA256`, no
    longer theirs: edited since, both values named by :func:`check_against_curve` where its eval.csv tells
    them), whatever the edit made of it: an accuracy made a string ("0.3") is as much an edit as one made NaN
    or 0.25, and is refused alike, its field named, not left out as a file train did not write. One written
    before train recorded that digest is read as before (the tests' hand-made runs are such). ``record``: its
    content where the caller read it already (:func:`read_json`), read no second time."""
    record = read_json(path, dict) if record is None else record
    misshapen, read = _misshapen(record)
    if result_edited(record):
        said = "" if misshapen else " (final top1 {}, best_top1 {}, mean10_top1 {})".format(*read[:3])
        differs = what_differs(path, record, misshapen)
        raise ResultContradicted(f"{path}: {RESULT_SHA256} {str(record[RESULT_SHA256]):.16}..., recorded by train, "
                                 f"but its content now hashes to {result_sha256(record):.16}...{said}; {differs}: "
                                 f"{EDITED}")
    if misshapen:
        raise UnreadableRun(f"{path}: {misshapen}")
    return read


def _misshapen(record):
    """(what makes the result.json ``record`` one train does not write, words for a message, or None;
    :func:`read_result`'s answer where it is one, else None): a field of the wrong kind, a count beyond what
    train counts (more evaluations than iterations, more iterations than train takes:
    :data:`minitransfer.config_checks.MAX_COUNT`; 10**400 was read, and said as a 400-digit count), an
    accuracy that is none, a field missing, an accuracy of no evaluation, or a best below another."""
    final, evaluations, iterations = record.get("final", {}), record.get("evaluations", 0), record.get("iterations")
    validation, scored = record.get("validation"), scored_on(record)
    most = iterations if type(iterations) is int and 0 < iterations <= MAX_COUNT else MAX_COUNT
    wrong = ("final", final, "an object") if not isinstance(final, dict) else \
        ("iterations", iterations, f"a count, 1 or more, at most {MAX_COUNT:,}") if not (
            iterations is None or type(iterations) is int and 0 < iterations <= MAX_COUNT) else \
        ("evaluations", evaluations, "a count, 0 or more, at most " + (
            f"its iterations, {most:,} (train evaluates once an iteration at most)" if iterations
            else f"{most:,}")) if type(evaluations) is not int or not 0 <= evaluations <= most else \
        ("validation", validation, VALIDATION_SHAPE) if "validation" in record and not scored else None
    if wrong:
        key, value, expected = wrong
        return (f"{key} is {_shown(json.dumps(value))}, expected {expected}: not a result train writes "
                f"({RESULT_SHAPE})"), None
    accuracies = {"final top1": final.get("top1", math.nan), "best_top1": record.get("best_top1", math.nan),
                  "mean10_top1": record.get("mean10_top1", math.nan)}
    for key, value in accuracies.items():
        if not is_accuracy(value, evaluations):
            return (f"{key} is {_shown(repr(value))}, expected a top-1 accuracy in [0, 1]"
                    + (" (NaN only for a run without evaluations)" if evaluations else "")), None
    missing = [key for key in RESULT_FIELDS if key not in record]  # read as 0 evaluations, no accuracy
    if missing:
        return (f"no {', '.join(missing)}: not a result train writes ({RESULT_SHAPE}; another version's, or "
                f"edited)"), None
    top, best, mean10 = (float(value) for value in accuracies.values())
    counted = [key for key, value in accuracies.items() if not math.isnan(value)]
    if not evaluations and counted:  # train writes NaN for a run without evaluations: no accuracy
        return (f"{counted[0]} is {accuracies[counted[0]]!r} of 0 evaluations: train writes NaN for a run without "
                f"evaluations (another version's result, or edited)"), None
    if best < max(top, mean10) - 1e-9:  # NaN compares False: a run without evaluations passes
        return (f"best_top1 {best} is below final top1 {top} or mean10_top1 {mean10}: not train's summary of one "
                f"run's evaluations"), None
    return None, (top, best, mean10, evaluations, iterations, scored)


def _shown(text, most=40):
    """A value's ``text`` (its JSON, its repr) for a message, cut after ``most`` characters, said so (a count of
    400 digits cut silently read as one of 40)."""
    return text if len(text) <= most else f"{text[:most]}... ({len(text):,} characters)"


def what_differs(path, record, misshapen=None):
    """How the result.json ``path`` (``record``, its digest no longer its own) was edited, for one line: the first
    field the run's own files give otherwise, both values (its evaluations, from eval.csv's rows where those are
    still the ones it sums up; iterations, config.json's max_iter; weights, the weights file's size, time and
    sha256); else that eval.csv was edited too (:func:`minitransfer.result_digests.rows_resummed`), or what makes
    it one train does not write (``misshapen``: :func:`_misshapen`'s words, an accuracy made a string or NaN), or
    that the field edited is none they record. Each file read as far as it is there and readable."""
    folder = os.path.dirname(path)
    eval_csv, config = os.path.join(folder, "eval.csv"), os.path.join(folder, "config.json")
    rows = _or_none(lambda: read_log(run_logs.read_eval_rows, eval_csv)) if is_there(eval_csv) else None
    recorded = _or_none(lambda: read_json(config, dict))
    changed = rows_resummed(record, rows, path) if rows is not None else None
    if changed is not None:
        return f"{eval_csv} was edited too: {changed}"
    given = [] if rows is None else [(key, f"{eval_csv}'s rows give", value)
                                     for key, value in _summed(rows, record.get("iterations")).items()]
    if recorded is not None:  # config.json a file (weights_for reads its out), and JSON
        given.append(("iterations", f"{config}'s max_iter is", recorded.get("max_iter")))
        given.extend(_weights_given(folder, record.get("weights")))
    for key, words, value in sorted(given, key=lambda item: item[0] == "weights.mtime_ns"):  # a time last
        said = _field(record, key)
        if value is not None and not _same(said, value):
            return f"{key} is {json.dumps(said):.80}, but {words} {json.dumps(value):.80}"
    if misshapen:
        return misshapen
    compared = ", ".join(dict.fromkeys(key for key, _, _ in given))
    return (f"none of its fields the run's other files record differs ({compared}): the one edited is another "
            f"(seconds, environment, validation, ...)")


def _or_none(read):
    """``read()`` (:func:`read_log`, :func:`read_json`); None where that is an :class:`UnreadableRun`."""
    try:
        return read()
    except (UnreadableRun, FileNotFoundError):
        return None


def _summed(rows, iterations):
    """result.json's fields as train sums up eval.csv's ``rows`` (up to ``iterations``, where a count):
    :func:`minitransfer.evaluate.summarize`'s, by name."""
    rows = [row for row in rows if type(iterations) is not int or row["iteration"] <= iterations]
    if not rows:
        return {"evaluations": 0}
    final = max(rows, key=lambda row: row["iteration"])
    best = sorted((row["top1"] for row in rows), reverse=True)
    return {"evaluations": len(rows), **{f"final.{key}": final.get(key) for key in EVAL_COLUMNS},
            "best_top1": best[0], "mean10_top1": math.fsum(best[:BEST_EVALUATIONS]) / len(best[:BEST_EVALUATIONS])}


def _weights_given(folder, weights):
    """(field, words, value) of the run ``folder``'s weights file (:func:`minitransfer.rundir.weights_for`) for
    result.json's ``weights`` record: its size, time of change, and sha256 where its size is as recorded (its
    bytes read only then). Its time is compared last (:func:`what_differs`), said as a copy's where its bytes are
    the ones recorded: `cp -r` or rsync without -t gives the file a time of its own, which named alone read as the
    weights edited where another field was."""
    out = weights_for(folder)
    if not (isinstance(weights, dict) and out is not None and os.path.isfile(out)):
        return []
    status = os.stat(out)
    given, timed = [("weights.size", f"{out} holds", status.st_size)], f"{out}'s is"
    if weights.get("size") == status.st_size:
        try:
            given.append(("weights.sha256", f"{out}'s is", fileio.sha256_file(out)))
        except OSError:
            pass
        if given[-1][2] == weights.get("sha256"):
            timed = f"{out}, its bytes as recorded (copied without its time?), has"
    given.insert(1, ("weights.mtime_ns", timed, status.st_mtime_ns))
    return given


def _field(record, key):
    """The value of ``key`` ("final.top1": a field's field) in the result.json ``record``; None where none."""
    for part in key.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _same(said, value):
    """Whether result.json's value ``said`` is ``value``, as train writes it (an average summed up anew may differ
    from numpy's in its last bit)."""
    if type(said) in (int, float) and type(value) in (int, float) and type(said) is not bool:
        return math.isclose(said, value, rel_tol=1e-12, abs_tol=1e-15)
    return said == value


EDITED = "edited since train wrote it: restore the files train wrote, or train the run again"
# eval.csv's accuracies as train wrote them (repr) give result.json's exactly; this much slack still reads one
# saved by a spreadsheet (its 15 digits, or 7), never an accuracy of another image (1/25,000 = 4e-5 on ImageNet)
SUMMARY_SLACK = 1e-6


def check_against_curve(path, record, eval_csv):
    """:class:`ResultContradicted`, naming both values, where the result.json ``path``, read as ``record``
    (:func:`read_json`, a dict; as train writes it now, with its digest) says a final, best or mean of the 10
    best top-1 that is not train's summary (:func:`minitransfer.evaluate.summarize`) of the evaluations of its
    run's eval.csv ``eval_csv``. Asked before :func:`read_result`, whose digest tells an edit without the
    values. Nothing where result.json is not one read_result reads (it says why), has no digest (written
    before: the tests' hand-made runs are such), or where eval.csv holds fewer or more evaluations than
    result.json counts (said otherwise: :attr:`minitransfer.comparisons.Result.eval_log`). Also where result.json
    records the sums of the rows it sums up (:data:`minitransfer.result_digests.CURVE_SUMS`) and eval.csv's rows
    up to its iteration no longer sum to them (:func:`minitransfer.result_digests.rows_resummed`: a middle evaluation
    edited, which changes none of the three; a row added or dropped; a line train never writes among them, named:
    :func:`rows_edited`), result.json itself as train wrote it (else
    :func:`read_result` tells its edit). A result.json that records no such sums (written before 0.11.4, or one so
    written put in place of the run's own) is compared with its weights file's record of them instead, where that
    has one (:func:`_weights_resummed`). Returns eval.csv's lines (:func:`minitransfer.run_logs.eval_csv_lines`;
    its curve: :func:`curve_of`) where it read them, for the caller to read no second time; None where not."""
    if RESULT_SHA256 not in record or accuracies_of(record) is None or not is_there(eval_csv):
        return None
    lines = read_log(run_logs.eval_csv_lines, eval_csv)
    rows = written_rows(lines)  # read_eval_rows'
    differs = summary_differs(path, record, eval_csv, rows)
    if differs is not None:
        raise ResultContradicted(f"{differs}: {EDITED}")
    # a row edited that changes none of those three; result.json edited too, read_result says how
    changed = None if result_edited(record) else rows_edited(path, record, rows, lines)
    if changed is not None:
        raise ResultContradicted(f"{eval_csv}: {changed}: {EDITED}")
    return lines


def curve_of(lines):
    """(iteration, top-1) of each row of eval.csv's ``lines`` (:func:`minitransfer.run_logs.eval_csv_lines`) that
    train writes, as :func:`minitransfer.run_file_readers.read_curve` reads them."""
    return tuple((row["iteration"], row["top1"]) for row in written_rows(lines))


def rows_edited(path, record, rows, lines=None):
    """What differs (words for a message) where eval.csv's ``rows`` (:func:`minitransfer.run_logs.read_eval_rows`)
    are no longer those the result.json ``path``, read as ``record``, sums up: by the sums it records
    (:func:`minitransfer.result_digests.rows_resummed`), else by its weights file's (:func:`_weights_resummed`);
    None where they match, or neither records them. Where eval.csv holds a line train never writes among them
    (:func:`unwritten_lines`; ``lines``: its :func:`minitransfer.run_logs.eval_csv_lines`, read from beside ``path``
    where not given), that line is named, what is wrong with it, not the count and sums of the rows left (a top-1
    made NaN, two rows swapped: "its 2 evaluations ... are not those it sums up" of a file of 3 rows); a line
    that leaves the rows as they were (the last row repeated) is refused so too where result.json records their
    sums: an edit, as a row added or changed is. What report refuses, and train too
    (:func:`minitransfer.train_finished.reported`)."""
    changed = rows_resummed(record, rows, path) or _weights_resummed(path, record, rows)
    unwritten = unwritten_lines(path, record, rows, lines) \
        if changed is not None or isinstance(record.get(CURVE_SUMS), dict) else []
    if not unwritten:
        return changed
    (number, fault), more = unwritten[0], len(unwritten) - 1
    others = f" (and {more} more line{'s' * (more > 1)} train never writes)" if more else ""
    return f"line {number} is no row train writes: {fault}{others}; its rows are not those {path} sums up"


def unwritten_lines(path, record, rows, lines=None):
    """(line number, what is wrong) of each line of the eval.csv beside the result.json ``path`` (read as
    ``record``; ``lines``: that file's :func:`minitransfer.run_logs.eval_csv_lines`, read where not given) that
    train never writes (:func:`minitransfer.run_logs.eval_csv_lines`' faults: a value that is no number, an
    accuracy outside [0, 1] or NaN, an iteration repeated or out of order), among those it sums up: up to its
    iterations (one that is no row at all, wherever it is). [] where its ``rows`` (those read) end before its last
    evaluation (:func:`minitransfer.result_digests.cut_short`: a copy cut short, a torn last row, said with the
    curve: :func:`minitransfer.run_caveats.eval_csv_faults`), or the file cannot be read."""
    iterations = record.get("iterations")
    summed = [row for row in rows if type(iterations) is not int or row["iteration"] <= iterations]
    if cut_short(record, summed):
        return []
    if lines is None:
        try:
            lines = eval_csv_lines(os.path.join(os.path.dirname(path), "eval.csv"))
        except OSError:
            return []
    return line_faults(lines, iterations if type(iterations) is int else None)


def _weights_resummed(path, record, rows):
    """What differs (words for a message) where the result.json ``path``, read as ``record``, records no sums of
    the rows it sums up (:data:`minitransfer.result_digests.CURVE_SUMS`: written before 0.11.4, or such a one put
    in place of the run's own, its digest valid) but the run's weights file (:func:`minitransfer.rundir.weights_for`),
    of its iteration count, records those of the rows up to its iteration
    (:func:`minitransfer.run_file_readers.read_weights_sums`): eval.csv's ``rows`` compared with them as a resume
    compares them with its checkpoint's (:func:`minitransfer.result_digests.rows_resummed_at`). The weights file is
    opened only here: a run whose result.json records the sums costs nothing more. None where they match, where the
    weights file records none (written before 0.11.5) or is of another iteration count (another training's),
    or where eval.csv is cut short (:func:`minitransfer.result_digests.cut_short`, said otherwise)."""
    if CURVE_SUMS in record:
        return None
    weights = weights_for(os.path.dirname(path))
    recorded = read_weights_sums(weights)
    if recorded is None or recorded[0] != record.get("iterations"):
        return None
    iteration, sums = recorded
    rows = [row for row in rows if row["iteration"] <= iteration]
    return None if cut_short(record, rows) else rows_resummed_at(sums, rows, iteration, weights)


def accuracies_of(record):
    """The final, best and mean of the 10 best top-1 a result.json's ``record`` says; None where one is no number
    (:func:`read_result` says why)."""
    final = record.get("final")
    accuracies = (final.get("top1") if isinstance(final, dict) else None, record.get("best_top1"),
                  record.get("mean10_top1"))
    return accuracies if all(type(value) in (int, float) for value in accuracies) else None


def summary_differs(path, record, eval_csv, rows):
    """:func:`check_against_curve`'s comparison of the result.json ``path``'s (read as ``record``) final, best and
    mean of the 10 best top-1 (:func:`accuracies_of`) with train's summary (:func:`_summed`) of its eval.csv
    ``eval_csv``'s ``rows``: words naming both values where one differs; None where none does, where one is no
    number, or where eval.csv holds no evaluation or another count than result.json's (said otherwise). submit.sh's
    Python runs its source too (:func:`minitransfer.slurm_finished.edited_check`)."""
    accuracies = accuracies_of(record)
    if accuracies is None or not rows or len(rows) != record.get("evaluations"):
        return None
    summed, counted = _summed(rows, None), len(rows)
    said = (("final top1", f"{eval_csv}'s last evaluation (iteration {summed['final.iteration']}) says",
             summed["final.top1"]),
            ("best_top1", f"the best of {eval_csv}'s {counted} evaluations is", summed["best_top1"]),
            ("mean10_top1", f"the mean of the {min(counted, BEST_EVALUATIONS)} best of {eval_csv}'s {counted} "
                            f"evaluations is", summed["mean10_top1"]))
    for (key, words, summed), value in zip(said, accuracies):
        if not math.isclose(value, summed, rel_tol=0, abs_tol=SUMMARY_SLACK):
            return f"{path}: {key} is {value!r}, but {words} {summed!r}"
    return None


def refuse_contradicted(left_out):
    """Raise the first :class:`ResultContradicted` among report's runs ``left_out`` (:func:`minitransfer.results.
    collect`'s "name: why" texts, each :class:`minitransfer.results.LeftOut` keeping its error), the others
    counted: a folder holding an edited result is refused whole, exit 65, rather than reported without it."""
    contradicted = [text for text in left_out if isinstance(getattr(text, "error", None), ResultContradicted)]
    if contradicted:
        others = [text.name for text in contradicted[1:]]
        raise ResultContradicted(f"{contradicted[0].error}" + (
            f" (the result.json of {', '.join(others[:5])}" + (f" and {len(others) - 5} more" if len(others) > 5
                                                                  else "") + " too)" if others else ""))


def scored_on(record):
    """(validation images, classes, validation images of the largest class) a result.json's ``record``
    says its run was scored on (:attr:`minitransfer.run_outcome.TrainResult.validation`), as train writes
    them (:data:`VALIDATION_SHAPE`); (validation images, classes) in one written before train recorded the
    largest class, which the report then reads from the dataset as it is now; () where it says no such
    thing: one written before train recorded them, or a value train would not write, which
    :func:`read_result` refuses."""
    validation = record.get("validation")
    if not isinstance(validation, dict):
        return ()
    images, classes = validation.get("images"), validation.get("classes")
    if not (type(images) is int and type(classes) is int and images > 0 and classes >= MIN_CLASSES):
        return ()
    if "largest_class" not in validation:
        return images, classes
    largest = validation["largest_class"]
    return (images, classes, largest) if type(largest) is int and images <= largest * classes and \
        largest <= images else ()

"""Whether the eval.csv of a run resumed from a checkpoint holds the rows it counts on, as train wrote them
(:func:`logged`): every evaluation up to the checkpoint, once (:mod:`minitransfer.resumed_logs`), summing
still to what its result.json records of them (:func:`check_summed`) and what its checkpoint does
(:func:`check_checkpointed`); else :class:`minitransfer.resumed_logs.RunLogError` (exit 65), before anything
is rewritten. :func:`resume_refusal` asks so of a run folder without resuming it (``info``). The logs are cut
back and written on by :class:`minitransfer.run_files.RunFiles`.
"""

import pathlib

from minitransfer import fileio
from minitransfer.left_out import UnreadableRun
from minitransfer.result_checks import summary_differs
from minitransfer.result_digests import CURVE_SUMS, RESULT_SHA256, result_edited, rows_resummed, rows_resummed_at
from minitransfer.run_file_readers import read_json
from minitransfer.resumed_logs import RunLogError, unlogged_evaluations
from minitransfer.eval_rows import written_rows
from minitransfer.run_logs import numbered_lines, parsed_eval_csv
from minitransfer.rundir import RESULT_FILE


def logged(eval_csv, path, iteration, evaluated, sums=None, checkpoint=None):
    """(the evaluations a run resumed at ``iteration`` redoes, the rows of its eval.csv) where its eval.csv
    (named ``eval_csv``, read at ``path``) holds those of ``evaluated`` made before: see
    :func:`minitransfer.resumed_logs.unlogged_evaluations`, which raises ``RunLogError`` where it does not, nor
    where they are no longer those its result.json sums up (:func:`check_summed`) or those the ``checkpoint`` it
    resumes from does (``sums``, its :data:`CURVE_SUMS`: :func:`check_checkpointed`)."""
    numbered = numbered_lines(path)
    lines = parsed_eval_csv(numbered)
    redo = unlogged_evaluations(eval_csv, iteration, evaluated, numbered[:1], lines)
    check_summed(eval_csv, path, iteration, lines)
    check_checkpointed(eval_csv, iteration, lines, sums, checkpoint)
    return redo, lines


def check_summed(eval_csv, path, iteration, lines):
    """``RunLogError`` (exit 65) where the run's result.json (beside its eval.csv ``path``, named beside
    ``eval_csv``) was written at ``iteration``, the checkpoint's (the run was finished there: it is finished
    again, or trained on), and records the sums of the rows it summed up (:data:`CURVE_SUMS`), which the rows
    up to ``iteration`` (``lines``: :func:`minitransfer.run_logs.parsed_eval_csv`) no longer have
    (:func:`minitransfer.result_digests.rows_resummed`), or says accuracies they no longer give
    (:func:`summary_refused`, where it records no sums: 0.11.3's): edited since.
    Finished again, the run wrote a result.json of the edited rows, digests and all, passing the edit off as the
    run's. Nothing where result.json is not there, not read (not a file, not JSON), or tells nothing of the rows."""
    result = path.with_name(RESULT_FILE)
    try:
        record = read_json(result, dict) if result.is_file() else None  # report's reading of it, its size limit too
    except (UnreadableRun, OSError):
        return
    if record is None or record.get("iterations") != iteration:
        return
    rows, named = written_rows(lines), eval_csv.with_name(RESULT_FILE)
    changed = rows_resummed(record, rows, named) or summary_refused(eval_csv, named, record, rows)
    if changed is not None:
        raise rows_refused(eval_csv, changed)


def summary_refused(eval_csv, result, record, rows):
    """What differs (words for a message) where the result.json ``result``, read as ``record``, as train wrote it
    (its digest of itself its own), says a final, best or mean of the 10 best top-1 that eval.csv's ``rows`` no
    longer give (:func:`minitransfer.result_checks.summary_differs`, as report refuses them): one of 0.11.3 records
    no sums of the rows to tell a row edited by. None where they give them, or result.json has no digest (written
    before train recorded one) or another (edited: written again from the checkpoint)."""
    if RESULT_SHA256 not in record or result_edited(record):
        return None
    differs = summary_differs(result, record, eval_csv, rows)
    return None if differs is None else \
        f"its rows are not those {result} sums up ({differs.removeprefix(f'{result}: ')})"


def rows_refused(eval_csv, changed):
    """The ``RunLogError`` (exit 65) of a run whose ``eval_csv`` was edited since train wrote the result.json that
    sums it up (``changed``: what differs), whose result a resume, or train finding it finished
    (:func:`minitransfer.train_finished.reported`), would otherwise write again from the edited rows or report."""
    return RunLogError(f"{eval_csv}: {changed}: edited since train wrote them, and a result written again from them "
                       f"would pass the edit off as the run's")


def check_checkpointed(eval_csv, iteration, lines, recorded, checkpoint):
    """``RunLogError`` (exit 65) where eval.csv's rows up to ``iteration`` (``lines``:
    :func:`minitransfer.run_logs.parsed_eval_csv`) no longer sum to what the checkpoint of that iteration
    (``checkpoint``, its path) records of them (``recorded``, its :data:`CURVE_SUMS`, None where it has none:
    :func:`minitransfer.result_digests.rows_resummed_at`): edited since. :func:`check_summed` tells so only
    where result.json is there; deleted, or replaced by another, a finished run was finished again and its
    result.json written anew from the edited rows. Nothing where the checkpoint records no such sums (written
    before)."""
    rows = written_rows(lines, iteration)
    changed = rows_resummed_at(recorded, rows, iteration, checkpoint)
    if changed is not None:
        raise RunLogError(f"{eval_csv}: {changed}: edited since train wrote them, and a run resumed from them "
                          f"would pass the edit off as its own")


def evaluations_made(iteration, evaluates):
    """The iterations up to ``iteration`` after which a run evaluated, ``evaluates(done)`` saying whether it
    did after ``done`` (:func:`minitransfer.config.evaluates_after` of its configuration)."""
    return [done for done in range(1, iteration + 1) if evaluates(done)]


def resume_refusal(run_dir, iteration, evaluated, meta=None):
    """The ``RunLogError`` a run resumed in ``run_dir`` from its checkpoint of ``iteration`` (``meta``: its root
    attributes, whose :data:`CURVE_SUMS` the rows are compared with) is refused with (exit 65) for its eval.csv
    (:class:`minitransfer.run_files.RunFiles`' own check), ``evaluated`` the evaluations made up to it
    (:func:`evaluations_made`): a folder holding the checkpoint alone (its logs deleted) lacks those; the
    ``fileio.StorageError`` (exit 74) of an eval.csv that cannot be read (a folder, no permission), which the
    resume fails on too; None where the resume would take its logs."""
    eval_csv = pathlib.Path(run_dir) / "eval.csv"
    try:
        logged(eval_csv, eval_csv, iteration, evaluated, (meta or {}).get(CURVE_SUMS),
                eval_csv.with_name("checkpoint.h5"))
    except RunLogError as error:
        return error
    except OSError as error:
        return fileio.StorageError(error.errno, f"cannot read {eval_csv}: {error.strerror or error}")
    return None

"""The digests result.json records, which tell a run's files edited since train wrote them: of its own other fields
(:data:`RESULT_SHA256`, :func:`result_sha256`, :func:`result_edited`) and of the eval.csv rows it sums up
(:data:`CURVE_SUMS`, :func:`curve_sums`, :func:`rows_resummed`). Train writes them
(:mod:`minitransfer.train`); report refuses a run whose files no longer match them
(:mod:`minitransfer.result_checks`), and a run finished again from its checkpoint will not write a result over
rows edited since (:mod:`minitransfer.run_files`).
"""

import hashlib
import json
import math

from minitransfer.rundir import RESULT_FILE, finite


# result.json's digest of its own other fields, as train wrote them: an accuracy edited afterwards (0.5 made 0.25,
# eval.csv's row edited alike or not) no longer matches it, and report refuses the run (result_checks.read_result)
RESULT_SHA256 = "content_sha256"


def result_sha256(record):
    """sha256 of a result.json's ``record`` but its :data:`RESULT_SHA256`, as canonical JSON (keys sorted, no
    spaces, a non-finite number as null), the same of the record written and of the file parsed back."""
    fields = {key: value for key, value in record.items() if key != RESULT_SHA256}
    text = json.dumps(finite(fields), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


# result.json's record of the eval.csv rows it sums up, as train wrote them when the run finished
# (:func:`curve_sums`): a row edited afterwards, one that changes no final, best or mean of the 10 best (a middle
# evaluation's top-1, top-5 or loss), no longer matches it; report refuses the run (result_checks.check_against_curve),
# and a run finished again from its checkpoint (result.json edited, then a grid's rerun) will not write a result
# over such rows (resumed_rows.check_summed)
CURVE_SUMS = "eval_csv_sums"
DIGESTS = (CURVE_SUMS, RESULT_SHA256)  # result.json's fields that are no TrainResult field
CURVE_COLUMNS = ("top1", "top5", "loss")
# a save that kept 7 significant digits or more (a spreadsheet's 15, or as shown, pandas' float_format) moves each
# value by 5e-7 of its size at most: a column's sum by this much of the sum of its values' sizes, and the sum of
# its squares by twice this much of that sum
SUM_SLACK = 1e-6


def curve_sums(rows):
    """eval.csv's ``rows`` ({iteration, top1, top5, loss}: :func:`minitransfer.run_logs.read_eval_rows`) as
    result.json records them (:data:`CURVE_SUMS`): ``rows_sha256``, the sha256 of their iterations, one a line
    (each value that is no finite number, a diverged loss, there too, as its repr), and for each of
    :data:`CURVE_COLUMNS` the sum and the sum of squares of its finite values. Compared within :data:`SUM_SLACK`
    (:func:`rows_resummed`), so that a file saved again in another column order, quoted, or by a spreadsheet (its
    digits rounded, at 7 significant digits or more) still matches, but not one with a row added, dropped or
    moved, nor a value changed by more than that slack (a top-1 by 0.5 / 0.25 / 0.001 over 4 / 40 / 400 rows)."""
    sums = {key: [total, squares] for key, (total, squares, _) in _column_sums(rows).items()}
    return {"rows_sha256": _rows_sha256(rows), **sums}


def _rows_sha256(rows):
    """:func:`curve_sums`'s ``rows_sha256``: of their iterations, one a line, each value no finite number too."""
    text = "".join(repr(row.get("iteration")) + "".join(f",{key}={row.get(key)!r}" for key in CURVE_COLUMNS
                                                         if not _finite(row.get(key))) + "\n" for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def _finite(value):
    return type(value) in (int, float) and math.isfinite(value)


def _column_sums(rows):
    """For each of :data:`CURVE_COLUMNS`, (sum, sum of squares, sum of sizes) of its finite values in ``rows``:
    the sums :func:`curve_sums` records, and what their slack is measured by (:func:`_sums_differ`)."""
    sums = {}
    for key in CURVE_COLUMNS:
        values = [row[key] for row in rows if _finite(row.get(key))]
        sums[key] = (math.fsum(values), math.fsum(value * value for value in values),
                     math.fsum(abs(value) for value in values))
    return sums


def _sums_differ(recorded, rows):
    """Words for what of ``rows`` differs from the :func:`curve_sums` ``recorded`` beyond :data:`SUM_SLACK`;
    None where nothing does."""
    if recorded.get("rows_sha256") != _rows_sha256(rows):
        return "their iterations are not the ones it recorded"
    for key, (total, squares, size) in _column_sums(rows).items():
        said = recorded.get(key)
        if not (isinstance(said, list) and len(said) == 2 and all(_finite(value) for value in said)):
            return f"it records no sums of their {key} values"
        slack = (SUM_SLACK * size, 2 * SUM_SLACK * squares)
        for words, sum_now, sum_said, allowed in zip(("values", "squares"), (total, squares), said, slack):
            if abs(sum_now - sum_said) > allowed + 1e-12:
                return f"their {key} {words} sum to {sum_now:.9g}, it recorded {sum_said:.9g}"
    return None


def result_edited(record):
    """Whether a result.json's ``record`` is not as train wrote it: its :data:`RESULT_SHA256` no longer the
    digest of its other fields (:func:`result_sha256`). False for one written before the digest (none)."""
    return RESULT_SHA256 in record and record[RESULT_SHA256] != result_sha256(record)


def rows_resummed(record, rows, result=RESULT_FILE):
    """What differs (words for a message) where the result.json ``record`` (named ``result``) records the sums of
    the eval.csv rows it sums up (:data:`CURVE_SUMS`) and eval.csv's ``rows``
    (:func:`minitransfer.run_logs.read_eval_rows`) up to the iteration it was written at (its ``iterations``; a row
    after it is none it summed up) no longer sum to them (:func:`curve_sums`): edited since; None where they do,
    where they end before its last evaluation (cut short: a torn row, a copy cut off), or where it records no such
    sums (written before)."""
    recorded, iterations = record.get(CURVE_SUMS), record.get("iterations")
    if not isinstance(recorded, dict):
        return None
    if type(iterations) is int:
        rows = [row for row in rows if row["iteration"] <= iterations]
    if cut_short(record, rows):  # a copy cut short, a torn last row: its rows left cannot be told from rows edited
        return None
    counted, differs = record.get("evaluations"), _sums_differ(recorded, rows)
    if differs is None:
        return None
    upto = f" up to iteration {iterations}" if type(iterations) is int else ""
    told = f"{len(rows)} evaluation{'s' * (len(rows) != 1)}{upto}" + (f" (result.json counts {counted})"
                                                                      if counted != len(rows) else "")
    return f"its {told} {'is not the one' if len(rows) == 1 else 'are not those'} {result} sums up ({differs})"


def cut_short(record, rows):
    """Whether eval.csv's ``rows`` end before the last evaluation the result.json ``record`` counts (fewer rows,
    none of its final iteration): a copy cut short, a torn last row, said so elsewhere
    (:attr:`minitransfer.comparisons.Result.eval_log`), not compared with what records them (:func:`rows_resummed`;
    submit.sh's Python runs its source too: :data:`minitransfer.slurm_finished.DIGEST_FUNCTIONS`)."""
    final, counted = record.get("final"), record.get("evaluations")
    last = final.get("iteration") if isinstance(final, dict) else None
    return type(last) is int and type(counted) is int and len(rows) < counted and all(row["iteration"] < last
                                                                                      for row in rows)


# Each checkpoint's record of the eval.csv rows up to its iteration, a root attribute of the same name
# (:data:`CURVE_SUMS`, :func:`checkpoint_sums`), as train wrote them when it wrote the checkpoint: a run resumed
# from it (finished again with its result.json deleted or replaced, or trained on) will not take rows edited
# since (resumed_rows.check_checkpointed), where result.json, gone, can no longer tell them
def checkpoint_sums(rows, iteration):
    """What a checkpoint of ``iteration`` records of eval.csv's ``rows`` (those written when it was:
    :func:`minitransfer.run_logs.read_eval_rows`): ``before``, the :func:`curve_sums` of the rows before its
    iteration, and ``at``, of the row of its own iteration (none where the checkpoint was written before its
    evaluation: a stop during it). Two: a resumption redoes the evaluation at the checkpoint's iteration where its
    row is missing (cut off), and the rows before it are still told from their own sums."""
    return {"before": curve_sums([row for row in rows if row["iteration"] < iteration]),
            "at": curve_sums([row for row in rows if row["iteration"] == iteration])}


def rows_resummed_at(recorded, rows, iteration, checkpoint):
    """What differs (words for a message) where eval.csv's ``rows`` (:func:`minitransfer.run_logs.read_eval_rows`)
    up to ``iteration`` no longer sum to what the checkpoint of that iteration (named ``checkpoint``) records of
    them (``recorded``, its :func:`checkpoint_sums`, compared as :func:`rows_resummed` compares result.json's):
    edited since; None where they do, or where it records nothing (written before). The row of its iteration is
    not compared where it is not there (the resumption makes it again) or where the checkpoint records none (written
    before it: the resumption after a stop during that evaluation made it)."""
    if recorded is None:
        return None
    before = [row for row in rows if row["iteration"] < iteration]
    at = [row for row in rows if row["iteration"] == iteration]
    told = (f"{len(before)} evaluations before iteration {iteration} are not those" if len(before) != 1 else
            f"1 evaluation before iteration {iteration} is not the one")
    checked = [("before", before, told)]
    if at and records_its_row(recorded):
        checked.append(("at", at, f"evaluation of iteration {iteration} is not the one"))
    for part, kept, words in checked:
        differs = _sums_differ(_part(recorded, part), kept)
        if differs is not None:
            return f"its {words} {checkpoint} records ({differs})"
    return None


def records_its_row(recorded):
    """Whether a checkpoint's ``recorded`` :func:`checkpoint_sums` record a row of its own iteration (``at``): not
    where it was written before that evaluation (a stop during it), nor before its iteration had one."""
    return _sums_differ(_part(recorded, "at"), []) is not None


def _part(recorded, part):
    """The :func:`curve_sums` under ``part`` of a checkpoint's ``recorded`` :func:`checkpoint_sums`; {} where it
    holds none (its file edited by hand), which no rows sum to."""
    said = recorded.get(part)
    return said if isinstance(said, dict) else {}

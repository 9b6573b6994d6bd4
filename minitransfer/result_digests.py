"""The digests result.json records, which tell a run's files edited since train wrote them: of its own other fields
(:data:`RESULT_SHA256`, :func:`result_sha256`, :func:`result_edited`) and of the eval.csv rows it sums up
(:data:`CURVE_SHA256`, :func:`curve_sha256`, :func:`rows_resummed`). Train writes them
(:mod:`minitransfer.train`); report refuses a run whose files no longer match them
(:mod:`minitransfer.result_checks`), and a run finished again from its checkpoint will not write a result over
rows edited since (:mod:`minitransfer.run_files`).
"""

import hashlib
import json

from minitransfer.run_logs import EVAL_COLUMNS
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


# result.json's digest of the eval.csv rows it sums up, as train wrote them when the run finished: a row edited
# afterwards, one that changes no final, best or mean of the 10 best (a middle evaluation's top-1, top-5 or loss),
# no longer matches it; report refuses the run (result_checks.check_against_curve), and a run finished again
# from its checkpoint (result.json edited, then a grid's rerun) will not write a result over such rows
# (run_files._check_summed)
CURVE_SHA256 = "eval_csv_sha256"
DIGESTS = (CURVE_SHA256, RESULT_SHA256)  # result.json's fields that are no TrainResult field


def curve_sha256(rows):
    """sha256 of eval.csv's ``rows`` ({iteration, top1, top5, loss}: :func:`minitransfer.run_logs.read_eval_rows`)
    one line each, in :data:`EVAL_COLUMNS` order, no header, each accuracy and loss to :data:`CURVE_DIGITS`
    significant digits: the same of the file train wrote and of one saved again in another column order, quoted,
    or by a spreadsheet (its 15 digits, or 7), which report reads (result_checks.SUMMARY_SLACK), but not of a
    value changed (a top-1 by one image in 10^6), a row added, dropped or cut."""
    def said(value):
        return repr(value) if type(value) is not float else format(value, f".{CURVE_DIGITS}g")
    text = "".join(",".join(said(row.get(key)) for key in EVAL_COLUMNS) + "\n" for row in rows)
    return hashlib.sha256(text.encode()).hexdigest()


# a spreadsheet's save rounds to 15 significant digits, or 7: each rounds to these 7 alike, but for a
# value within 1e-15 of a rounding boundary (about one in 10^8)
CURVE_DIGITS = 7


def result_edited(record):
    """Whether a result.json's ``record`` is not as train wrote it: its :data:`RESULT_SHA256` no longer the
    digest of its other fields (:func:`result_sha256`). False for one written before the digest (none)."""
    return RESULT_SHA256 in record and record[RESULT_SHA256] != result_sha256(record)


def rows_resummed(record, rows, result=RESULT_FILE):
    """What differs (words for a message) where the result.json ``record`` (named ``result``) records the digest
    of the eval.csv rows it sums up (:data:`CURVE_SHA256`) and eval.csv's ``rows``
    (:func:`minitransfer.run_logs.read_eval_rows`) up to the iteration it was written at (its ``iterations``; a row
    after it is none it summed up) no longer hash to it: edited since; None where they do, or where it records no
    such digest (written before)."""
    recorded, iterations = record.get(CURVE_SHA256), record.get("iterations")
    if not isinstance(recorded, str):
        return None
    if type(iterations) is int:
        rows = [row for row in rows if row["iteration"] <= iterations]
    final, counted = record.get("final"), record.get("evaluations")
    last = final.get("iteration") if isinstance(final, dict) else None
    if type(last) is int and type(counted) is int and len(rows) < counted and all(row["iteration"] < last
                                                                                  for row in rows):
        return None  # cut short (a copy cut short, a torn last row): its rows left cannot be told from rows edited
    digest = curve_sha256(rows)
    if recorded == digest:
        return None
    upto = f" up to iteration {iterations}" if type(iterations) is int else ""
    told = f"{len(rows)} evaluations{upto}" + (f" (result.json counts {counted})" if counted != len(rows) else "")
    return (f"its {told} are not those {result} sums up ({CURVE_SHA256} {recorded:.16}..., they now hash to "
            f"{digest:.16}...)")

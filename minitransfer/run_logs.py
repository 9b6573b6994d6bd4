"""A run's logs read back: the rows of its eval.csv (:func:`read_eval_rows`, :func:`eval_csv_lines`)
and the records of its metrics.jsonl (:func:`read_metrics`; its last: :func:`last_record`; the divergence
it ends with: :func:`divergence`). A partial last line (what a crash or a full disk leaves in the middle of an
append) is dropped; so is a row train never writes.
"""

import math
import pathlib

from minitransfer import fileio

EVAL_COLUMNS = ("iteration", "top1", "top5", "loss")  # eval.csv's header, as train writes it


def read_eval_rows(path):
    """Rows {iteration, top1, top5, loss} of an ``eval.csv``; torn rows, and rows train never writes
    (:func:`eval_csv_lines`: an edited or damaged file's), are skipped."""
    return [row for _, row, fault in eval_csv_lines(path) if fault is None]


def eval_csv_lines(path):
    """(line number, row, fault) of each whole row of the eval.csv ``path`` (a torn last line is none;
    nor is its header): the one reading of its rows. A header that is not train's (another version's
    column order, a column more, names with spaces after the commas or in quotes, a spreadsheet's or
    pandas' index column without a name) is read by its names (:func:`eval_csv_columns`). ``row``: its
    {iteration, top1, top5, loss} (those its header names) where it could be one train writes
    (:func:`_eval_row`), else None; ``fault``: what makes it one train never writes (here: its
    iteration repeats or goes back from an earlier row's, as train counts on: a row duplicated, or out
    of order), else None."""
    return parsed_eval_csv(numbered_lines(path))


def parsed_eval_csv(numbered):
    """:func:`eval_csv_lines` of an eval.csv read already: its (line number, line) ``numbered``."""
    lines, last = [], None
    columns = eval_csv_columns(numbered[0][1]) if numbered else EVAL_COLUMNS
    for number, line in numbered[1:]:
        row, fault = _eval_row(line, columns)
        if row is not None and last is not None and row["iteration"] <= last[1]["iteration"]:
            fault = (f"iteration {row['iteration']}, not after line {last[0]}'s {last[1]['iteration']} (a row "
                     f"repeated, or out of order)")
        elif row is not None:
            last = (number, row)
        lines.append((number, row, fault))
    return lines


def eval_csv_columns(header):
    """The names of the eval.csv header line ``header``, without the spaces and quotes a spreadsheet or
    a hand may put around them."""
    return tuple(_bare(name) for name in header.split(","))


def _bare(field):
    return field.strip().strip('"').strip()


def _eval_row(line, columns):
    """(row, None) for the eval.csv line ``line`` (of a file whose header names ``columns``) where it
    could be a row train writes: an iteration counted from 1, accuracies that are fractions in [0, 1]
    and a loss that is finite and not negative (a cross-entropy; train stops at one that is not finite,
    without a row); else (None, what is wrong). A header without an iteration or top1 column makes
    every row one train never writes; columns train does not write are not read."""
    missing = [column for column in ("iteration", "top1") if column not in columns]
    if missing:
        return None, f"the header names no {' or '.join(missing)} column ({','.join(columns)[:60]!r})"
    fields = line.split(",")
    if len(fields) != len(columns):
        return None, f"{len(fields)} values ({line.strip()[:60]!r}), expected {len(columns)}"
    row = {}
    for column, field in zip(columns, fields):
        if column not in EVAL_COLUMNS:
            continue
        field = _bare(field)
        try:
            row[column] = value = int(field) if column == "iteration" else float(field)
        except ValueError:
            return None, f"{column} {field[:40]!r}, not a number"
        if column == "iteration" and value < 1:
            return None, f"iteration {value}, not one train counts (from 1)"
        if column in ("top1", "top5") and not 0 <= value <= 1:
            return None, f"{column} {field}, not an accuracy in [0, 1]"
        if column == "loss" and not 0 <= value < math.inf:
            return None, f"loss {field}, not a loss (finite, not negative)"
    return row, None


def read_metrics(path, losses=None):
    """The records of a ``metrics.jsonl``; a torn or malformed line is skipped. ``losses``: its training-loss
    records alone (no event's), at most that many, evenly spaced among its loss lines from the first to the last (a
    curve to draw, the report's: a CaffeNet run logs 22,500 lines, which would cost the report more than the rest of
    the run). Sampled among all its lines, an evaluation's or a start's event (blas-threads) took a point of the
    curve that was then left out, a third of them where it evaluates as often as it logs. An event is known by its key
    before it is parsed (a loss line holds no text: no "event" in it)."""
    lines = whole_lines(path)
    if losses is not None:
        lines = [line for line in lines if '"event"' not in line]
        if len(lines) > losses:
            lines = [lines[round(i * (len(lines) - 1) / (losses - 1))] for i in range(losses)]
    records = []
    for line in lines:
        try:
            record = fileio.parse_json(line)
        except ValueError:
            continue
        if isinstance(record, dict) and (losses is None or "event" not in record):
            records.append(record)
    return records


def whole_lines(path):
    """The newline-terminated, non-empty lines of a log (a partial last line is a torn append), without
    the byte-order mark a spreadsheet saving eval.csv as "CSV UTF-8" puts before its header."""
    return [line for _, line in numbered_lines(path)]


def numbered_lines(path):
    """(line number, line) of each of :func:`whole_lines`, numbered as an editor numbers them. A line of empty
    fields alone (``,,,``: a blank row as a spreadsheet saves it) is blank too: it holds no row, and is none
    train never writes (:func:`minitransfer.result_checks.unwritten_lines` refuses those)."""
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8-sig", errors="replace")
    except FileNotFoundError:
        return []
    return [(number, line) for number, line in enumerate(text.split("\n")[:-1], 1) if line.strip(' \t\r,"')]


LAST_LINE_BYTES = 64 << 10  # more than train's longest line, a divergence's message with every layer's norms


def last_record(metrics):
    """The record train logged last in the metrics.jsonl ``metrics`` (its last line, parsed), read from the
    end of the log alone (a CaffeNet run's is 60 MB); {} where there is none (no such file, nothing in it,
    a line that is no JSON object). A torn last line is a ValueError: what it means is the caller's to say."""
    try:
        record = fileio.parse_json(fileio.last_line(metrics, LAST_LINE_BYTES) or "{}")
    except FileNotFoundError:
        return {}
    return record if isinstance(record, dict) else {}


DIVERGED = "training diverged: "  # how divergence() begins


def divergence(metrics):
    """"training diverged: loss became nan at iteration 2 (lr 1000)" where train's last record in the
    run's ``metrics`` (its metrics.jsonl: :func:`last_record`) is a divergence: resumed from its checkpoint,
    the run would diverge again; "" otherwise (training, stopped, finished or failed in another way)."""
    try:
        record = last_record(metrics)
    except ValueError:  # a torn last line: not a divergence train logged
        return ""
    if record.get("event") != "diverged":
        return ""
    message = record.get("message")
    return DIVERGED + (message.split(";")[0] if isinstance(message, str)
                       else f"at iteration {record.get('iteration')}")

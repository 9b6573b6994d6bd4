"""The paper's own runs, read as results to overlay on a grid's (:mod:`minitransfer.results`).

:func:`read_reference` reads the original runs' numbers (``run<TAB>mean_top10_val_top1<TAB>...``,
the run names of yosinski/convnet_transfer: half0A, transfer0A0B_1_3, transfer-ft0A0B_1_3,
transfernatmanAB_1_3, nolearn_1_3, netbase, reduced-0010); ``paper`` names the copy shipped with
minitransfer.
"""

import csv
import importlib.resources
import math
import pathlib
import re

from minitransfer.comparisons import Result, is_accuracy
from minitransfer.errors import MinitransferError
from minitransfer.experiment import Run

PAPER_REFERENCE = "paper"    # --reference paper: the original runs' table shipped in the package


class BadReference(MinitransferError, ValueError):
    """The ``--reference`` file cannot be read as the paper's runs (exit code 65)."""


class _UnknownRun(MinitransferError, ValueError):
    """A row naming no run of the paper's code: its message says which names are, not the columns."""


REFERENCE_PATTERNS = (  # (the form of a run name, the pattern reading it, the run it names)
    ("half<S><A|B>", re.compile(r"half(\d)([AB])$"),
     lambda m: Run(m[0], "base", "random", int(m[1]), target=m[2])),
    ("halfnatman<A|B>", re.compile(r"halfnatman([AB])$"), lambda m: Run(m[0], "base", "natural", 0, target=m[1])),
    ("netbase", re.compile(r"netbase$"), lambda m: Run(m[0], "base", "all", 0)),
    ("nolearn_1_<n>", re.compile(r"nolearn_1_(\d)$"),
     lambda m: Run(m[0], "random-frozen", "all", 0, n=int(m[1]))),
    ("reduced-<images per class>", re.compile(r"reduced-(\d+)$"),
     lambda m: Run(m[0], "reduced", "all", 0, per_class=int(m[1]))),
    ("transfer[-ft]<S><A|B><S><A|B>_1_<n>", re.compile(r"transfer(-ft)?(\d)([AB])\d([AB])_1_(\d)$"),
     lambda m: Run(m[0], "selffer" if m[3] == m[4] else "transfer", "random", int(m[2]), target=m[4], source=m[3],
                   n=int(m[5]), fine_tuned=bool(m[1]))),
    ("transfer[-ft]natman<A|B><A|B>_1_<n>", re.compile(r"transfer(-ft)?natman([AB])([AB])_1_(\d)$"),
     lambda m: Run(m[0], "selffer" if m[2] == m[3] else "transfer", "natural", 0, target=m[3], source=m[2],
                   n=int(m[4]), fine_tuned=bool(m[1]))),
)
# The run names a reference may hold, in words (report --reference's help, an unknown name's error)
REFERENCE_NAMES = (", ".join(form for form, _, _ in REFERENCE_PATTERNS)
                   + "; S a split seed, n a layer count (e.g. half0A, transfer0A0B_1_3, transfer-ft0A0B_1_3, "
                     "transfernatmanAB_1_3, nolearn_1_3, netbase, reduced-0010)")


def reference_path(reference):
    """The TSV of ``reference``: a file path, or ``"paper"`` for the original runs' table that ships
    with minitransfer (means of the 10 best of the original logs of yosinski/convnet_transfer)."""
    if str(reference) == PAPER_REFERENCE:
        return importlib.resources.files("minitransfer") / "reference" / "yosinski2014_mean_top10_accuracy.tsv"
    return pathlib.Path(reference)


def is_reference(reference):
    """Whether ``reference`` names a table to overlay: ``"paper"`` or a file that is there."""
    return str(reference) == PAPER_REFERENCE or pathlib.Path(reference).is_file()


REFERENCE_COLUMNS = ("run", "mean_top10_val_top1")
REFERENCE_FORMAT = "a header line with the columns run and mean_top10_val_top1, tab-separated, then one line per run"


def read_reference(path):
    """The original paper's runs from a TSV (``run``, ``mean_top10_val_top1`` columns; UTF-8, with or
    without a byte order mark), or ``"paper"``, as results (final and best unknown: NaN). A header
    without those columns or naming one twice, a row of fewer or more fields than the header (empty
    ones past its end, as a spreadsheet exports them, are none), an unknown run name, a run named
    twice or an accuracy outside [0, 1] (a table in percent) is an error naming the line."""
    path = reference_path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as stream:
            lines = _RowLines(stream)
            results = _reference_results(path, csv.DictReader(lines, delimiter="\t"), lines)
    except UnicodeDecodeError:
        raise BadReference(f"report: {path}: not UTF-8 text (expected {REFERENCE_FORMAT})") from None
    except csv.Error as error:  # a field past csv's limit: a stray quote runs to the end of the file
        line = lines.start or lines.number + 1  # where the row that cannot be read starts
        raise BadReference(f"report: {path} line {line}: {error} (expected {REFERENCE_FORMAT})") from None
    if not results:  # it would overlay nothing, silently
        raise BadReference(f"report: {path} holds no runs (expected {REFERENCE_FORMAT})")
    return results


class _RowLines:
    """The lines of ``stream``, for csv, counted: ``number``, the lines read; ``start``, the first of
    them not blank (csv skips blank lines) since it was last set to None: the line a row starts on.
    csv's ``line_num`` is the line a row ends on, a quoted field running over several lines told by
    its last line."""

    def __init__(self, stream):
        self.stream, self.number, self.start = stream, 0, None

    def __iter__(self):
        return self

    def __next__(self):
        line = next(self.stream)
        self.number += 1
        if self.start is None and line.strip("\r\n"):
            self.start = self.number
        return line


def _reference_results(path, reader, counted):
    """The results of ``reader``'s rows (``counted``: its :class:`_RowLines`); a row that does not fit the
    header (a field fewer or more), a run named twice and a column named twice are errors naming the
    line the row starts on, not a Python message nor a number read without a word."""
    fieldnames = reader.fieldnames or list(REFERENCE_COLUMNS)
    counted.start = None  # the header read
    missing = [column for column in REFERENCE_COLUMNS if column not in fieldnames]
    twice = sorted({column for column in fieldnames if fieldnames.count(column) > 1})
    if missing or twice:
        header = "\t".join(fieldnames)
        fault = f"no column {', '.join(missing)}" if missing else f"column {', '.join(twice)} twice"
        raise BadReference(f"report: {path} line 1: {fault} (found {header!r}; expected {REFERENCE_FORMAT})")
    results, lines = [], {}
    for row in reader:
        line_number, counted.start = counted.start, None  # blank lines, which the reader skips, counted
        try:
            fields = _fields(row, fieldnames)
            if fields != len(fieldnames):
                raise ValueError(f"{fields} field{'s' if fields != 1 else ''} where the header names {len(fieldnames)}")
            result = _reference_result(row)
            if result.run.name in lines:
                raise ValueError(f"run {result.run.name} again (line {lines[result.run.name]} holds it): each run once")
            lines[result.run.name] = line_number
            results.append(result)
        except _UnknownRun as error:
            raise BadReference(f"report: {path} line {line_number}: {error}") from None
        except (KeyError, TypeError, ValueError) as error:
            raise BadReference(f"report: {path} line {line_number}: {error} (expected the columns run and "
                               f"mean_top10_val_top1, tab-separated)") from None
    return results


def _fields(row, fieldnames):
    """How many fields ``row`` holds as the header counts them: those past the header's left out
    where they are empty (a spreadsheet's export ends each line with a tab), not a value."""
    extra = list(row.get(None, ()))
    while extra and not extra[-1].strip():
        extra.pop()
    return len(fieldnames) - [row.get(name) for name in fieldnames].count(None) + len(extra)


def _reference_result(row):
    name = (row.get("run") or "").strip()
    for _, pattern, build in REFERENCE_PATTERNS:
        match = pattern.match(name)
        if match:
            text, evaluations = row["mean_top10_val_top1"], _evaluations(row.get("n_test_points"))
            accuracy = _number(text)
            if not is_accuracy(accuracy, evaluations):
                raise ValueError(f"mean_top10_val_top1 is {text!r}, expected a top-1 accuracy in [0, 1]"
                                 + (" (NaN only for a run without test points)" if evaluations else ""))
            return Result(build(match), math.nan, math.nan, accuracy, evaluations)
    raise _UnknownRun(f"unknown run name {name!r}: a reference names its runs as the paper's code "
                      f"(yosinski/convnet_transfer) did: {REFERENCE_NAMES}")


def _evaluations(text):
    """The count of ``n_test_points`` (none given: 0); text that is no whole number 0 or more (3.0,
    1e3, -5; "５", a full-width digit, which str.isdecimal takes) is an error naming the column, not
    Python's "invalid literal for int()"."""
    text = (text or "").strip()
    if not text:
        return 0
    if not (text.isascii() and text.isdecimal()):
        raise ValueError(f"n_test_points is {text!r}, expected a count of evaluations (a whole number 0 or more)")
    return int(text)


def _number(text):
    """``float(text)``, or None for text that is no number (which :func:`_reference_result` then refuses
    as no accuracy, naming its column)."""
    try:
        return float(text)
    except ValueError:
        return None

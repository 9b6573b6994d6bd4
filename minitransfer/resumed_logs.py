"""What a resumed run keeps of its logs (:class:`minitransfer.run_files.RunFiles`): eval.csv must keep its
header and one row for each evaluation made up to the checkpoint, once, and no other row, as result.json
is computed from them (:func:`unlogged_evaluations`, else :class:`RunLogError`); metrics.jsonl keeps the
well-formed records up to the checkpoint, an evaluation's event only beside its eval.csv row
(:func:`metrics_kept`), and the run's time axis goes on from the last row it keeps (:func:`seconds_logged`).
"""

import collections
import math

from minitransfer import fileio
from minitransfer.errors import MinitransferError
from minitransfer.run_logs import EVAL_COLUMNS


RECOVER = "start the run over (`overwrite=True`), or restore the file"  # train's remedy: a RunLogError's default


class RunLogError(MinitransferError, ValueError):
    """A resumed run's eval.csv is not one, or lacks an evaluation its checkpoint says was made (exit 65):
    "``message``: ``remedy``" (``remedy``: what to do, :data:`RECOVER` for train's run; after a ``fix`` of this
    error's own where it has one, "``fix``, or ``remedy``"), each kept, so that one who runs the run otherwise says
    its own remedy (:meth:`with_remedy`: a grid's train has no --overwrite). Before, the grid replaced RECOVER's
    words in the message's text, where a remedy reworded would silently have kept the wrong advice."""

    def __init__(self, message, remedy=RECOVER, fix=None):
        super().__init__(f"{message}: {remedy}" if fix is None else f"{message}: {fix}, or {remedy}")
        self.message, self.remedy, self.fix = message, remedy, fix

    def with_remedy(self, remedy):
        """This error advising ``remedy`` instead (its ``fix`` kept)."""
        return RunLogError(self.message, remedy, self.fix)


def unlogged_evaluations(eval_csv, iteration, evaluated, first, lines):
    """Those of ``evaluated`` that the run's ``eval_csv`` lacks: [] or [``iteration``]; a wrong header, an
    earlier evaluation lost (its weights are gone, it cannot be redone), or a row up to ``iteration`` that
    is not one of ``evaluated``, repeats one or comes out of order (result.json, computed from the rows,
    would count it, or lack it) is a :class:`RunLogError`. ``first``: its first whole line, numbered ([] for
    none); ``lines``: its rows (:func:`minitransfer.run_logs.eval_csv_lines`)."""
    header = ",".join(EVAL_COLUMNS)
    if first and first[0][1] != header:
        raise RunLogError(f"{eval_csv}: the header is {first[0][1]!r:.60}, not {header!r}; its rows cannot "
                          "be trusted")
    rows = [(row, fault) for _, row, fault in lines if row is not None and row["iteration"] <= iteration]
    made = collections.Counter(row["iteration"] for row, _ in rows)
    # a row out of order is left out when read: the rewrite that follows would drop the evaluation it holds
    moved = {row["iteration"] for row, fault in rows if fault is not None}
    foreign = sorted(set(made) - set(evaluated) | {done for done, times in made.items() if times > 1} | moved)
    if foreign:
        listed = ", ".join(map(str, foreign[:5])) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise RunLogError(f"{eval_csv} has rows at iteration {listed} that the run did not write (a row "
                          f"repeated, out of order, or at an iteration it did not evaluate); result.json would "
                          "count them", fix="remove them")
    logged = set(made)
    missing = [done for done in evaluated if done not in logged]
    lost = [done for done in missing if done != iteration]
    if lost:
        listed = ", ".join(map(str, lost[:5])) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
        raise RunLogError(f"{eval_csv} lacks the evaluations at iteration {listed}, made before the "
                          f"checkpoint at {iteration} (their weights are gone, they cannot be redone)")
    return missing


def metrics_kept(line, iteration, evaluated):
    """Whether a resumed run keeps this metrics.jsonl line: a well-formed record of an iteration up
    to ``iteration``, and for an evaluation's event, one whose row eval.csv kept (in ``evaluated``)."""
    try:
        record = fileio.parse_json(line)
    except ValueError:
        return False
    if not isinstance(record, dict) or type(record.get("iteration", 0)) is not int:
        return False
    done = record.get("iteration", 0)
    return done <= iteration and (record.get("event") != "eval" or done in evaluated)


def seconds_logged(kept):
    """The ``seconds`` of the last training row among the metrics.jsonl lines ``kept`` (:func:`metrics_kept`'s):
    what a resumed run's rows count on from, so that the run's time axis goes on across resumptions (it began
    at 0 again, below the rows before it); 0.0 where none records it."""
    for line in reversed(kept):
        record = fileio.parse_json(line)
        seconds = record.get("seconds") if "event" not in record else None
        if type(seconds) in (int, float) and 0 <= seconds < math.inf:  # not NaN nor Infinity, which JSON forbids
            return float(seconds)
    return 0.0

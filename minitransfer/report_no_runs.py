"""Why ``report`` finds nothing to report under a folder (:func:`no_runs`, the message of
:class:`minitransfer.report.NoRuns`, exit code 1; of its :class:`~minitransfer.report.RunFolderGiven`, exit code 2,
where the folder is no folder of runs): its runs not finished, failed, planned and not started, or finished
and each left out (a control or a transfer across datasets on a half, which report measures nowhere: their
reasons grouped, the runs named or counted, with what to train instead), or no run folder there at all."""

import collections

from minitransfer.path_kinds import folder_kind, folder_words, path_kind
from minitransfer.report_plan import planned_words, training_now
from minitransfer.rundir import RESULT_FILE
from minitransfer.results import LeftOut
from minitransfer.left_out import MeasuredNowhere, WithoutRunFolder

UNFINISHED_NAMED = 5  # in the message of a folder of unfinished or left-out runs
_GIVE_RUNS = "give the folder a grid was trained into (its `out`), or the one that holds train's `out`"


def no_runs(runs_dir, unfinished, left_out, training=(), failed=(), planned=(), finish=()):
    """Why ``runs_dir`` holds no run to report: its runs not finished ("name (state)",
    :func:`minitransfer.report_plan.said_of`; how many a process trains now,
    and of those whose train failed, as it tells them, "failed NAME: its error
    line (see its train.log)"), left out ("name: why" texts; the first :data:`UNFINISHED_NAMED` of each, with its
    reason, and how many more), planned by the grid with no run folder (``planned``:
    :func:`minitransfer.report_plan.planned_not_started`), with, for runs of a grid not finished or planned, the
    command that finishes it, rebuilt from its plan (``finish``: :func:`minitransfer.report_plan.finish_notes`), or none
    (a mistyped folder, one that does not exist, a file, a home folder, a run folder itself). The arguments to give are
    quoted as the library names them (`out`), which the command line says as its options (--out).
    Where runs finished (their result.json there) but each is left out, it says so, their reasons
    grouped (:func:`_finished_left_out`); before, "no finished runs (*.run/result.json)" of runs that had
    finished.
    Returns (the message, whether ``runs_dir`` is a run folder itself, a dataset's or a report's folder
    (:func:`_other_kind`), or holds no run folder at all (:func:`_nothing_there`: an empty or mistyped folder,
    one that does not exist, a file): a usage mistake (exit code 2), not a folder of runs none of which
    finished (exit code 1, which said "run failed" of a folder that never held a run)."""
    finished, left_out = _finished_and_other(left_out)
    lone = [text for text in left_out if isinstance(text, WithoutRunFolder)]  # weights files alone: no runs
    why = []
    for what, texts in (("failed", failed), ("left out", left_out)):
        why += [f"{what} {text}" for text in texts[:UNFINISHED_NAMED]]
        if len(texts) > UNFINISHED_NAMED:  # a renamed split folder of a large grid: every run, one line
            why.append(f"and {len(texts) - UNFINISHED_NAMED} more {what}")
    if planned:
        why.append(planned_words(planned, UNFINISHED_NAMED))
    if unfinished:
        more = len(unfinished) - UNFINISHED_NAMED
        now = training_now(training)
        why.insert(0, f"{len(unfinished)} not finished{now} ({', '.join(unfinished[:UNFINISHED_NAMED])}"
                      + (f" and {more} more)" if more > 0 else ")"))
    why += finish  # each grid's command, rebuilt from its plan: said once, after the runs it finishes
    if finished:
        return f"nothing to report under {runs_dir}: " + "; ".join([_finished_left_out(finished), *why]), False
    if unfinished or failed or planned or len(left_out) > len(lone):  # runs there, none finished (exit code 1)
        return f"no finished runs (*.run/result.json) under {runs_dir}: " + "; ".join(why), False
    holder = _holder_of_run(runs_dir)  # no run there: each case below is a usage mistake (exit code 2)
    if holder is not None:
        said = f"it is a run folder itself: give the folder that holds it, {folder_words(holder)}"
    else:
        said = _other_kind(runs_dir) or f"{_nothing_there(runs_dir)}: {_GIVE_RUNS}" + "".join(f"; {text}"
                                                                                          for text in why)
    return f"no finished runs (*.run/result.json) under {runs_dir}: {said}", True


def _holder_of_run(runs_dir):
    """The folder that holds ``runs_dir`` where that is a run folder (named <name>.run as given, or where it leads:
    ``.`` inside one, a link to one, which were said to hold no run folder, not to be one), else None."""
    if runs_dir.suffix == ".run":
        return runs_dir.parent
    try:
        real = runs_dir.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return None
    return real.parent if real.suffix == ".run" and real.is_dir() else None


def _other_kind(runs_dir):
    """What ``runs_dir``, which holds no run folder, is where it is a folder of another kind given by mistake
    (a usage mistake, exit code 2, as a run folder itself is): a dataset's folder, or a report's (the runs it
    sums up lie in the folder above, where report writes it by default); else None."""
    kind = folder_kind(runs_dir).kind if runs_dir.is_dir() else None
    if kind == "dataset":
        return f"it is a dataset folder, not a folder of runs: {_GIVE_RUNS}"
    if kind == "report":
        return (f"it is a report's folder, not a folder of runs: give the folder of the runs it sums up "
                f"(by default the folder above it, {folder_words(runs_dir.parent)})")
    return None


def _finished_and_other(left_out):
    """(the (name, error) of the runs of ``left_out`` ("name: why" texts,
    :func:`minitransfer.results.collect`'s) that finished but are of a kind report measures nowhere (left out
    for a :class:`minitransfer.left_out.MeasuredNowhere`), the other texts)."""
    finished, other = [], []
    for text in left_out:
        if isinstance(text, LeftOut) and isinstance(text.error, MeasuredNowhere):
            finished.append((text.name, text.error))
        else:
            other.append(text)
    return finished, other


def _finished_left_out(finished):
    """"3 runs finished (*.run/result.json), each of a kind report measures nowhere: left out random1B,
    random2A, reduced5 (3; e.g. random1B: a random-weights control ... on half B ...): WHY; instead" of the
    ``finished`` (name, :class:`minitransfer.left_out.MeasuredNowhere`) pairs, grouped by the reason of their
    kind and what to train instead (after which run it is, shown for the first of the group), the first
    :data:`UNFINISHED_NAMED` of a group named; a run alone in its group "left out NAME: WHY", as another run
    left out is said."""
    groups = collections.defaultdict(list)
    for name, error in finished:
        groups[error.reason, error.instead].append((name, error))
    said = []
    for (reason, instead), named in groups.items():
        first, error = named[0]
        if len(named) == 1:
            said.append(f"left out {first}: {error}")
            continue
        more = f" and {len(named) - UNFINISHED_NAMED} more" if len(named) > UNFINISHED_NAMED else ""
        said.append(f"left out {', '.join(name for name, _ in named[:UNFINISHED_NAMED])}{more} ({len(named)}; "
                    f"e.g. {first}: {error.what}): {reason}; {instead}")
    several = len(finished) > 1
    return (f"{len(finished)} run{'s' if several else ''} finished (*.run/{RESULT_FILE}), "
            f"{'each ' if several else ''}of a kind report measures nowhere: " + "; ".join(said))


def _nothing_there(runs_dir):
    """What ``runs_dir``, which holds no run folder, is instead (a usage mistake, exit code 2, as a run folder
    itself is: :class:`minitransfer.report.RunFolderGiven`)."""
    if not runs_dir.exists():
        return "it does not exist"
    if not runs_dir.is_dir():
        return f"it is {path_kind(runs_dir)}, not a folder"
    return "no run folder (<name>.run/, which experiment and train write) is in it or in a folder below it"

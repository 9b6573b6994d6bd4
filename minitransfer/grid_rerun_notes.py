"""What a grid's rerun says of the runs it trains again (:func:`tried_again`): those whose train failed before, with
the transfers that waited for them, those whose network is gone, and those whose result.json is written again from
their checkpoint. Where each run stands, which these notes read, is :mod:`minitransfer.grid_status`.
"""

from minitransfer.experiment import LOG_FILE, run_dir, some_names
from minitransfer.grid_status import (error_line, network_gone, result_written_again, unreadable_result,
                                      weights_written_again)
from minitransfer.rundir import RESULT_FILE
from minitransfer.run_networks import files_gone


def tried_again(pending, out, written_again=None, states=None):
    """What a rerun says of the runs ``pending`` it trains again: those whose train failed before (its train.log
    ends on an error, :func:`~minitransfer.grid_status.error_line`), with the runs that waited for them (their
    transfers, not run), and those whose network is gone (:func:`~minitransfer.grid_status.network_gone`); None
    where there are none. Before, a rerun said "4 to run" alone. ``written_again``: those of ``pending`` whose
    result.json is written again (:func:`~minitransfer.grid_status.result_written_again`), where the caller asked
    already (the grid, for its start numbers). ``states``: as for
    :func:`~minitransfer.grid_status.unreadable_result`."""
    if written_again is None:
        written_again = [run for run in pending if result_written_again(out, run, states)]
    notes = [note for note in (_failed_before(pending, out), _gone(pending, out), _all_gone(pending, out),
                               _weights_again(pending, out, states),
                               _written_again(written_again, out, states)) if note]
    return "; ".join(notes) or None


def _gone(pending, out):
    return _named(pending, lambda run: network_gone(out, run), lambda names, its, s: (
        f"trained again: {names}, whose weights file{s} and checkpoint{s} are gone ({its} result.json, of the "
        f"network{s} gone, replaced)"))


def _all_gone(pending, out):
    """"trained again: X, which trained to its end once, its result.json, weights file and checkpoint gone since"
    (:func:`minitransfer.run_networks.files_gone`); before, the rerun said "1 to run" alone of it."""
    return _named(pending, lambda run: files_gone(run_dir(out, run)), lambda names, its, s: (
        f"trained again: {names}, which trained to {its} end once, {its} {RESULT_FILE}, weights file{s} and "
        f"checkpoint{s} gone since"))


def _weights_again(pending, out, states):
    """"weights file written again from its checkpoint: X, finished, whose weights file is gone"
    (:func:`~minitransfer.grid_status.weights_written_again`); before, the rerun said "1 to run" alone of it."""
    return _named(pending, lambda run: weights_written_again(out, run, states), lambda names, its, s: (
        f"weights file{s} written again from {its} checkpoint{s}: {names}, finished, whose weights file{s} "
        f"{'are' if s else 'is'} gone"))


def _named(pending, found, say):
    """``say`` (of the names, "its" or "their", "" or "s") of the runs of ``pending`` ``found`` tells; None for none."""
    names = [run.name for run in pending if found(run)]
    if not names:
        return None
    its, s = ("their", "s") if len(names) > 1 else ("its", "")
    return say(some_names(names), its, s)


def _written_again(again, out, states):
    """"... whose result.json report cannot read (WHY)", "is gone" where not there (before, "cannot read (None)"),
    "report cannot read or is gone" where runs differ, the reason an unreadable one's."""
    if not again:
        return None
    several = len(again) > 1
    whys = [(run, unreadable_result(out, run, states)) for run in again]
    unread = [(run, why) for run, why in whys if why is not None]
    lacking = ("report cannot read" if len(unread) == len(again) else "is gone" if not unread else
               "report cannot read or is gone")
    example = f" ({'e.g. ' + unread[0][0].name + ': ' if several else ''}{unread[0][1]})" if unread else ""
    return (f"{RESULT_FILE} written again from {'their' if several else 'its'} checkpoint{'s' if several else ''}: "
            f"{some_names([run.name for run in again])}, finished, whose {RESULT_FILE} {lacking}{example}")


def _failed_before(pending, out):
    failed = [run for run in pending if error_line(run_dir(out, run)) is not None]
    if not failed:
        return None
    names = [run.name for run in failed]
    waited = [run.name for run in pending if run.parent in names and run.name not in names]
    several = len(failed) > 1
    log = run_dir(out, failed[0]) / LOG_FILE
    note = (f"tried again: {some_names(names)}, which failed before ({'their' if several else 'its'} {LOG_FILE} says "
            f"why{f', e.g. {log}' if several else f': {log}'})")
    if waited:
        note += f"; then {some_names(waited)}, which waited for {'them' if several else 'it'}"
    return note

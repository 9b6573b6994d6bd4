"""A run that train finds finished (``resume='auto'`` at max_iter, or its dataset gone): its result read back
from result.json and said to be finished (:func:`reported`), nothing trained and nothing written, where the
result can be trusted; else it is finished again from its checkpoint (:mod:`minitransfer.train`, which decides
when a run is looked at so, and holds its lock meanwhile).
"""

import os
import pathlib
import shlex

from minitransfer import fileio, stopping
from minitransfer.config_edits import hand_edit_warning, hand_edits
from minitransfer.config_wording import worded
from minitransfer.files_in_the_way import RERUN, RUN_FILE_ROLES, refuse_in_the_way
from minitransfer.left_out import UnreadableRun
from minitransfer.own_presets import pasted
from minitransfer.progress import Progress
from minitransfer.recorded_config import recorded_options
from minitransfer.result_checks import read_result, rows_edited
from minitransfer.result_digests import DIGESTS
from minitransfer.resumed_logs import RunLogError
from minitransfer.resumed_rows import rows_refused, summary_refused
from minitransfer.resume_finished import finished_without_dataset
from minitransfer.run_lines import run_metric_words
from minitransfer.run_file_readers import FileUnreadable, read_json
from minitransfer.run_logs import eval_csv_lines
from minitransfer.run_outcome import TrainResult
from minitransfer.rundir import NOTHING_TO_DO, RESULT_FILE, config_text, run_dir_for, train_again


def already_finished(plan):
    """The result of a run that ``--resume auto`` finds finished (its last checkpoint at max_iter, or
    its weights alone where the checkpoint was deleted, its weights and result written), or None."""
    saved, c = plan.resume_from, plan.config
    if saved is None or saved.iteration < c.max_iter:
        return None
    _remove_left_over(plan)
    warn_of_hand_edits(plan, saved)
    # what writes the result again: this resumption, from the run's checkpoint (its solver state), else training again
    refuse_in_the_way(plan.run_dir / RESULT_FILE, RUN_FILE_ROLES[RESULT_FILE], again=(
        f"{RERUN}, which writes it again from the run's checkpoint" if saved.solver is not None
        else f"{train_again('the run')}: its checkpoint is gone"))
    try:
        return reported(c.out, plan.run_dir, c.max_iter, c.quiet)
    except (RunLogError, FileUnreadable):  # eval.csv edited; result.json not read (exit 74): nothing to write again
        raise
    except (ValueError, TypeError) as error:  # an unreadable result: finish the run again, from its checkpoint only
        if saved.solver is None:
            raise result_lost(c.out, plan.run_dir, _why_unreadable(plan.run_dir / RESULT_FILE, error),
                              c.preset) from None
        return None


def _remove_left_over(plan):
    """Remove what dead processes left in the finished run's folder and beside its weights (a checkpoint's or
    the weights' temporary: a run killed as it wrote them, then finished by another), as a run that trains
    removes them as it starts (:class:`minitransfer.run_files.RunFiles`, :mod:`minitransfer.training_run`):
    only those of this machine's processes that are gone, or another machine's untouched for a day
    (:func:`minitransfer.fileio.remove_stale_temporaries`), never a live process's. Before, `--resume auto`
    said "already finished" and left them there. A folder that cannot be written (read-only: a finished run
    is reported from it all the same) keeps them."""
    out = pathlib.Path(plan.config.out)
    try:
        fileio.remove_stale_temporaries(plan.run_dir)
        fileio.remove_stale_temporaries(out.parent, names=(out.name,))
    except OSError:
        pass


class ResultLost(UnreadableRun):
    """A finished run's result.json that cannot be read, or is not there, its checkpoint gone (:func:`result_lost`):
    exit 65, bad data, as ``info`` and ``experiment`` say of a result.json they cannot read."""


def result_lost(out, run_dir, why, preset=None):
    """:class:`ResultLost` of the finished run of weights ``out`` whose result.json in ``run_dir`` cannot be read
    or is not there (``why``: report's reason for leaving it out, :func:`_why_unreadable`, or that it is missing:
    :func:`result_missing`) and whose checkpoint is gone: what the user can do, as a grid says it
    (:func:`minitransfer.grid_status.result_lost`): keep the weights, which eval scores, or train the run anew.
    Before, it was "OUT exists but there is nothing to resume from", exit 2 (usage), advising to delete
    the finished network, where ``info`` and ``experiment`` exit 65 naming result.json. The eval command begins
    with the ``MINITRANSFER_PRESET_SOURCES=...`` a new shell needs where ``preset`` (the run's) is one of the
    user's own (:func:`minitransfer.own_presets.sources_words`): pasted bare, it was refused (exit 65)."""
    scores = pasted(f"eval {shlex.quote(str(out))}", preset)
    return ResultLost(f"{why}; the run is finished, but its checkpoint {run_dir / 'checkpoint.h5'} is gone, so "
                      f"nothing writes its result again and report leaves it out: keep {out} (`{scores}` scores it "
                      f"again), or, as the last resort, {train_again('the run')}, which replaces that network")


def result_missing(out, run_dir, max_iter, preset=None):
    """:func:`result_lost` of the run of weights ``out``, finished (they are at its ``max_iter``), whose result.json
    in ``run_dir`` is not there (deleted, or never written: the run stopped between its weights and its result) and
    whose checkpoint is gone: nothing writes it again. Before, "OUT exists but there is nothing to resume from;
    delete or move away OUT", exit 2, of the finished network. ``preset``: the run's (:func:`result_lost`)."""
    return result_lost(out, run_dir, missing_why(out, run_dir, max_iter), preset)


def missing_why(out, run_dir, max_iter):
    """Why the result of the finished run of weights ``out`` (at its ``max_iter``) is lost where its result.json in
    ``run_dir`` is not there, as train (:func:`result_missing`) and a grid
    (:func:`minitransfer.grid_status.missing_result`) say it."""
    return f"{run_dir / RESULT_FILE} is not there ({out} holds the run's network at its last iteration, {max_iter})"


def _why_unreadable(path, error):
    """Report's reason for leaving out the run of the result.json ``path`` that :func:`reported` could not read
    (``error``): its own words where it is report's (:func:`minitransfer.result_checks.read_result`, read there:
    not read again here, where the file may have been replaced since), else the file named with ``error``."""
    return str(error) if isinstance(error, UnreadableRun) else f"{path}: {error}"


def warn_of_hand_edits(plan, saved):
    """A finished run's config.json edited by hand (`max_iter` raised to train on) is said to have
    no effect, and how to have one (:func:`minitransfer.config_edits.hand_edit_warning`); the
    file is left as it is, as the run writes nothing."""
    config = plan.run_dir / "config.json"
    text = config_text(config)
    if text is None:
        return  # deleted, or unreadable: no edit to say
    warning = hand_edit_warning(config, hand_edits(text, saved.meta["config"], recorded_options(plan)))
    if warning is not None:
        Progress(1, 1, bar=False, quiet=plan.config.quiet, every=1).line(stopping.WARNING + worded(warning))


def finished_without_its_dataset(c, gone):
    """The result of a finished run resumed without its dataset, whose folder is gone (``gone``,
    :func:`minitransfer.resumed_records.dataset_gone`; :func:`minitransfer.resume_finished.finished_without_dataset`):
    it ends at once, as it does with it. None where the run needs its dataset, which is then asked
    for (an unreadable result.json: the run is finished again from its checkpoint)."""
    recorded = finished_without_dataset(c, gone)
    if recorded is None:
        return None
    try:
        return reported(c.out, run_dir_for(c.out), recorded["max_iter"], c.quiet)
    except (RunLogError, FileUnreadable):
        raise
    except (ValueError, TypeError):
        return None


def reported(out, run_dir, max_iter, quiet):
    """The result of the finished run of weights ``out``, said to be finished; None where the weights
    or its result.json are missing; ValueError or TypeError for a result.json that cannot be read (also one that
    is not a result train writes, as :func:`minitransfer.result_checks.read_result` reads it for report);
    :class:`minitransfer.resumed_logs.RunLogError` (exit 65) where its eval.csv was edited since
    (:func:`_refuse_edited`); :class:`minitransfer.run_file_readers.FileUnreadable` (exit 74) where result.json
    cannot be read (permissions, an I/O error), which its callers raise, as nothing is to be written again.
    Its files are named as this call names them, as a run trained now would be: result.json holds
    the paths of the call that trained it (another working directory, or the folder the run has
    since been moved from)."""
    result = run_dir / "result.json"
    if not (pathlib.Path(out).exists() and result.exists()):
        return None
    # result.json names the paths as the call that finished the run spelled them, in its working
    # folder, wherever the run was then: the caller's own name them now
    # read once, as report reads it (UnreadableRun in its words: not JSON, no object; FileUnreadable, exit 74)
    recorded = read_json(result, dict)
    # edited since (its digest no longer its own: ResultContradicted), or a field train never writes (evaluations
    # -1, or 10**400), its digest recomputed after the edit: report leaves it out and a grid has it written again
    # from its checkpoint, as this does (UnreadableRun, a ValueError)
    read_result(result, recorded)
    _refuse_edited(result, recorded, run_dir / "eval.csv")
    for digest in DIGESTS:  # its digests, of eval.csv and of itself: none of the result's fields
        recorded.pop(digest, None)
    finished = TrainResult(**{**recorded, "out": str(out), "run_dir": str(run_dir)})
    best = f"{run_metric_words(finished.evaluations)} {finished.mean10_top1:.4f}"
    Progress(max_iter, max_iter, bar=False, quiet=quiet, every=1).line(f"{out} is already finished ({best}); "
                                                                      f"{NOTHING_TO_DO}")
    return finished


def _refuse_edited(result, recorded, eval_csv):
    """``RunLogError`` (exit 65) where the rows of ``eval_csv`` are no longer those the result.json ``result``
    (read as ``recorded``, its digest its own) sums up, as report refuses them
    (:func:`minitransfer.result_checks.check_against_curve`): its final, best or mean of the 10 best top-1 not
    their summary (:func:`minitransfer.resumed_rows.summary_refused`: one of 0.11.3 records no sums of them), or
    their sums not those it or its weights file records (:func:`minitransfer.result_checks.rows_edited`).
    Refused, not finished again: a checkpoint without such sums (0.11.3's) would have result.json written anew from
    the edited rows, and one deleted left the run "nothing to resume from", not what was edited. Nothing where
    eval.csv is not a file that can be read (a named pipe would be read for ever: its finishing again says what it
    is)."""
    try:  # read once: its rows and its lines train never writes, judged and told of the same version of the file
        lines = eval_csv_lines(eval_csv) if os.path.isfile(eval_csv) else None
    except OSError:
        return
    rows = None if lines is None else [row for _, row, fault in lines if fault is None]  # read_eval_rows' rows
    changed = None if rows is None else \
        summary_refused(eval_csv, result, recorded, rows) or rows_edited(result, recorded, rows, lines)
    if changed is not None:
        raise rows_refused(eval_csv, changed)

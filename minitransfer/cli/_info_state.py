"""Where a network ``info`` describes stands, as its second line ends (:func:`state_words`): resumable, and
the command that goes on from it; training now; finished, and where its run's weights file is; at its last
iteration but not finished (its result.json not written, or it or config.json unreadable), left out of the
report, diverged, or refused by a resume: why, and what to do.

The rest of what ``info`` prints, and the command itself, stay in :mod:`minitransfer.cli.info`.
"""

import pathlib
import shlex

from minitransfer.checkpoint_info import as_named
from minitransfer.cli._errors import option_text
from minitransfer.data import inputs
from minitransfer.own_presets import pasted, preset_of
from minitransfer.run_lock import holder_named
from minitransfer.run_remedies import start_over_in
from minitransfer.rundir import train_again


def state_words(summary):
    """What ``info`` says after a network's iteration of where it stands, from its ``summary``
    (:func:`minitransfer.checkpoint_info.described`): " (resumable: ... goes on from it)", " (finished: ...)",
    ...; "" for a checkpoint none of these is said of. The last that applies is said. The commands it names begin
    with the ``MINITRANSFER_PRESET_SOURCES=...`` a new shell needs where its preset is one of the user's own
    (:func:`_pasted`), as the "made again by" line does."""
    preset = preset_of(summary["config"])
    state = " (resumable)" if summary["resumable"] else ""
    if summary["resumable"] and summary["run"]:  # its run stopped (killed, crashed, interrupted): what goes on
        folder = as_named(summary['path'], summary['run']['folder'])
        state = f" (resumable: {_resume_command(folder, preset)} goes on from it)"
    if summary["unwritten_result"]:
        state = f" ({_unwritten_text(**summary['unwritten_result'], network=_kept(summary), preset=preset)})"
    if summary["unreadable"]:
        state = f" ({_unreadable_text(summary['path'], **summary['unreadable'], kept=_kept(summary), preset=preset)})"
    if summary["left_out"]:  # its files readable, but not one network report counts: report's reason
        left_out = summary["left_out"]
        folder = inputs.display_name(left_out["folder"])
        state = f" (trained to its last iteration, but report leaves its run {folder} out: {left_out['why']})"
    if summary["diverged"]:  # resumed, it replays its iterations bit for bit
        state = f" (resumable, but its {summary['diverged']}: {start_over_in(summary['run']['folder'])})"
    if summary["resume_refused"]:  # its logs, which the resume checks first
        state = f" (not resumable: {option_text(summary['resume_refused'])})"  # the command line's words
    if summary["resumable"] and summary["run"] and summary["run"]["training"] is not None:  # resuming is refused
        state = f" (its latest checkpoint: its training runs now{holder_named(summary['run']['training'])})"
    if summary["finished"]:
        state = f" ({_finished_text(summary)})"
    return state


def _finished_text(summary):
    """What ``info`` says of a network whose training ended: where it is the last checkpoint of a run
    folder, where that run's weights file is, or would be (a folder renamed by hand: not beside it);
    of the weights file itself, or a network without a run folder, that it is finished."""
    run = summary["run"]
    if run is None or run["is_weights_file"]:
        return "finished"
    weights = inputs.display_name(run["weights_file"])
    if run["weights_file_exists"]:
        return f"finished: the last checkpoint of its run; its weights file is {weights}"
    written = summary["config"].get("out")
    renamed = (f"; its training wrote {inputs.display_name(written)}"
               if written and pathlib.PurePath(written).name != pathlib.PurePath(run["weights_file"]).name else "")
    return f"finished: the last checkpoint of its run, whose weights file {weights} is not there{renamed}"


def _kept(summary):
    """The network to keep where nothing finishes its run from its checkpoint (:func:`_train_again`): its run's
    weights file where it is there (as ``info`` was given it, where it is that file), else the network ``info``
    describes."""
    run = summary["run"]
    there = run is not None and not run["is_weights_file"] and run["weights_file_exists"]
    return run["weights_file"] if there else summary["path"]


def _unwritten_text(result, resumable, resume_refused, network, preset):
    """What ``info`` says of a network at the last iteration of a run whose ``result`` (its
    result.json) was not written (its training ended before: a full disk): not finished, as
    ``report`` counts it (it was said "finished"), and how to finish it: resumed where its checkpoint
    is there and taken (``resumable``), else the ``network`` kept, trained again as the last resort
    (``resume_refused``: why a resume refuses it). ``preset``: the network's (:func:`_pasted`)."""
    run_folder = pathlib.PurePath(result).parent
    finish = (f"finish it with {_resume_command(run_folder, preset)}" if resumable else
              _train_again(run_folder, "gone too, so nothing resumes it", resume_refused, network, preset))
    return (f"trained to its last iteration, but its result {inputs.display_name(result)} was not written: the run "
            f"is not finished; {finish}")


def _unreadable_text(network, what, path, why, io_error, missing, in_the_way, resumable, resume_refused, kept, preset):
    """What ``info`` says of ``network`` at the last iteration of a run whose result.json, or
    configuration (config.json), at ``path`` report cannot read (``why``, report's words, on stderr;
    ``missing``: not there at all):
    left out of the report (it was said "finished"), and what to do: give read access to it
    (``io_error``), move away what is ``in_the_way`` (train cannot replace a folder), and write it
    again: a result by resuming the run where its checkpoint is there (``resumable``: train --resume
    finishes it again), else none: the network ``kept`` (:func:`_kept`), trained again as the last resort
    (``resume_refused``: why a resume refuses its checkpoint, where it is there); a configuration from the
    network's record
    of it, which train wrote there too (resuming a finished run leaves its config.json alone). ``preset``: the
    network's (:func:`_pasted`)."""
    run_folder = pathlib.PurePath(path).parent
    if what == "result":
        rewrite = (f"write it again with {_resume_command(run_folder, preset)}, which finishes the run again from "
                   f"its checkpoint" if resumable else
                   _train_again(run_folder, "gone, so nothing writes it again", resume_refused, kept, preset))
        state = "trained to its last iteration, but its result"
    else:
        rewrite = (f"write it again from the configuration the network records, which "
                   f"{_pasted(f'info --json {shlex.quote(str(network))}', preset)} prints as \"config\"")
        state = "finished, but its configuration"
    fix = (f"give read access to it (chmod a+r {shlex.quote(str(path))}), or {rewrite}" if io_error else
           f"move it away (it is not a file), then {rewrite}" if in_the_way else rewrite)
    problem = "is missing" if missing else "cannot be read"
    return f"{state} {inputs.display_name(path)} {problem}, so report leaves the run out: {fix}"


def _pasted(words, preset):
    """The command ``minitransfer WORDS`` of a network of ``preset`` (None: none recorded), in backquotes, as it
    runs pasted into a new shell: after the ``MINITRANSFER_PRESET_SOURCES=...`` that shell needs to know a preset
    of the user's own (:func:`minitransfer.own_presets.sources_words`, as the "made again by" line). Before, a
    printed `minitransfer train --resume gB.run` of such a run, pasted so, was refused (exit 65, preset not known)."""
    return f"`{pasted(words, preset)}`"


def _resume_command(run_folder, preset):
    """The command that finishes the run in ``run_folder`` (of a network of ``preset``) from its checkpoint, writing
    its result.json."""
    return f"{_pasted(f'train --resume {shlex.quote(str(run_folder))}', preset)} (or its train command again with " \
           f"--resume auto)"


def _train_again(run_folder, gone, resume_refused, network, preset):
    """What to do with a run at its last iteration whose result.json cannot be had from its checkpoint,
    which is ``gone`` (how that is said), or there but refused by a resume (``resume_refused``, why): keep its
    ``network`` (:func:`_kept`), which eval scores, and, as the last resort, train it again, as train says it
    (:func:`minitransfer.train_finished.result_lost`). Before, "train it again" alone, which replaces that network.
    ``preset``: the network's (:func:`_pasted`)."""
    state = gone if resume_refused is None else f"not resumable ({option_text(resume_refused)})"
    return (f"its checkpoint {inputs.display_name(run_folder / 'checkpoint.h5')} is {state}: keep "
            f"{inputs.display_name(network)} ({_pasted(f'eval {shlex.quote(str(network))}', preset)} scores it "
            f"again), or, "
            f"as the last resort, {train_again()}, which replaces that network")

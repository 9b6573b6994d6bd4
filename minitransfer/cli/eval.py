"""``minitransfer eval``: accuracy of a checkpoint on its half's images."""

import contextlib
import sys

import click

from minitransfer import checkpoint_runs, evaluate, models, rundir
from minitransfer.data import inputs
from minitransfer.ops import precision as precisions
from minitransfer.progress import EvaluationProgress, draws_bar
from minitransfer.run_remedies import start_over_in

from ._errors import run
from ._numbers import Whole
from ._options import PRECISION_HELP, checkpoint_argument, device_option
from ._output import echo, json_text, say
from ._paths import DatasetFolder
from .info import split_words


_INTERRUPTED = ("stopped by a signal before the scores were printed (eval writes no file); rerun the same command "
                "to score the network")


# allow_extra_args: networks given after the first are refused in words (:func:`_one_network`), not click's
@click.command("eval", context_settings={"max_content_width": 100, "allow_extra_args": True},
               short_help="Top-1, top-5 and loss of a network on its half's images.")
@checkpoint_argument
@click.option("--data", type=DatasetFolder(otherwise="or leave --data out to score the network on the dataset it "
                                                    "was trained on"), default=None,
              help="Dataset directory (default: the one the checkpoint was trained on; the built-in "
                   "benchmark is built again in $MINITRANSFER_CACHE if it is gone from there).")
@click.option("--subset", type=click.Choice(["val", "train"]), default="val", show_default=True,
              help="The half's validation images, or its training images (of a reduced-data run, train --per-class N: "
                   "the N per class it was trained on, chosen again as train chose them; with --data another "
                   "dataset, N per class of that one's).")
@click.option("--batch-size", type=Whole(1), default=None,
              help="Images per batch (default: the evaluation batch the network was trained with); one too "
                   "large for the memory available is refused (exit code 1).")
@device_option
@click.option("--precision", type=click.Choice(precisions.PRECISIONS), default=None,
              help="Compute in another precision than the network was trained in (default: its own). "
                   + PRECISION_HELP)
@click.option("--json", "as_json", is_flag=True,
              help="Print the scores as JSON: top1, top5, loss and images, the checkpoint and the iteration "
                   "scored of the run's max_iter, the data (the dataset's absolute path, links resolved, as train "
                   "records it: --data's too, as the line on stdout names it) and subset, the precision computed "
                   "in and trained_precision, outputs (fc8's width), classes_renumbered (how many of its classes "
                   "--data numbers otherwise, else 0), crop and image_size ([H, W] of the images scored), "
                   "and mean_resized_from ([H, W] of the network's mean image where it was resized to the images, "
                   "else null).")
def eval_command(checkpoint, data, subset, batch_size, device, precision, as_json):
    """Top-1, top-5 and loss of CHECKPOINT (a weights file, a checkpoint, or a run folder: its
    weights file once finished, else its checkpoint) on centre crops of its half's images. A
    checkpoint before the end of its run (a run still training rewrites it) is named with the
    iteration scored.

    The half (split kind, seed, A/B) and the mean image come from the checkpoint; that half of the
    dataset must be the classes the network was trained on, no more and no fewer (a dataset with
    other classes besides is refused: a transfer, train --copy-from, scores the network's layers on
    those; another dataset of its classes alone, numbered otherwise, as a test set of a half's class
    folders, is scored each image as its class, matched by wnid or folder name), and without --data
    the dataset must be the one it was trained on, not another prepared in its folder since (exit
    code 65 otherwise). On images stored at another size the mean image
    is resampled to theirs, as train does, and the output says so (and when the network's crops see
    a small part of each: prepare them at the size it was trained on).

    Output: the scores on stdout (with --json, the JSON alone: `eval ... --json > s.json` keeps it
    parseable); the notes (a mean image resized, crops seeing a small part of each image, classes
    numbered otherwise, another precision than trained in, a run that diverged after the checkpoint)
    on stderr, as train's.

    Exit codes: 0 done (also where its run's result.json or config.json cannot be read, which info exits
    65 on: scored from what the network records, a warning names the file, which report leaves the run
    out for), 1 error (a batch too large for the memory available), 2 usage (more than one network
    given: eval scores one; --device cuda where no GPU is usable; CHECKPOINT does not exist, or is a
    folder without a network, a dataset's file, or a file
    plainly no network: an image, a NumPy or zip file, JSON, text not named .h5 or .hdf5; --data is no
    dataset but a run folder, a network, images not prepared yet, or a dataset another process is
    preparing now; without --data, the dataset it was trained on gone from its folder: give its new
    folder as --data, as train --copy-from asks), 65 bad data (a damaged checkpoint, or another file
    that is no network: text named .h5 or .hdf5, random bytes, another program's HDF5 file; a dataset
    that does not fit it), 74
    CHECKPOINT or a file of the dataset may not be read by this user, or the system fails to read it (a
    failing disk, a network file system's server gone: rerun once repaired), or the output could not be
    written, 75 interrupted (SIGINT, SIGTERM, SIGHUP), 141 its reader went away (| head), silently.

    \b
    Examples:
      minitransfer eval A4B.h5
      minitransfer eval baseA.h5 --subset train --json
      minitransfer eval baseA.h5 --data imagenet-256 --json   # your data
    """
    _one_network(click.get_current_context(), checkpoint)

    def scored():
        # on stderr, as train's and prepare's: a bar on a terminal, erased before the scores or an error
        with contextlib.closing(EvaluationProgress("evaluating", bar=draws_bar(sys.stderr))) as progress:
            return evaluate.evaluated_checkpoint(checkpoint, data=data, subset=subset, device=device,
                                                 batch_size=batch_size, precision=precision, progress=progress)
    scores, saved = run(scored, interrupted=_INTERRUPTED)
    echo(json_text(scores, indent=2) if as_json else _result_line(checkpoint, scores, saved.meta))
    for note in _notes(checkpoint, scores):
        say(note)


def _one_network(ctx, checkpoint):
    """Refuse the arguments after CHECKPOINT (``ctx.args``), in words: `eval runs/*.h5` was told "Got unexpected
    extra argument (runs/b.h5)", not that eval scores one network, nor how to score each (exit code 2)."""
    if ctx.args:
        given = [checkpoint, *ctx.args]
        shown = ", ".join(inputs.display_name(path) for path in given[:3]) + (" ..." if len(given) > 3 else "")
        raise click.UsageError(f"eval scores one network at a time, and {len(given)} were given ({shown}): score "
                               f"each in turn (for f in ...; do minitransfer eval \"$f\"; done), or give their "
                               f"folder to `minitransfer report` for a grid's accuracies", ctx)


def _result_line(checkpoint, scores, meta):
    """The scores, as ``eval`` prints them on stdout without --json, of the network whose root attributes
    are ``meta`` (read with the weights scored); a tab, line break or backslash in a path is escaped
    (:func:`minitransfer.data.inputs.display_name`)."""
    task = _task_text(meta, scores["outputs"])
    checkpoint, data = inputs.display_name(checkpoint), inputs.display_name(scores["data"])
    iteration, max_iter = scores["iteration"], scores["max_iter"]
    # a run's checkpoint before its end (rewritten while it trains): which of its iterations was scored
    during = f" (iteration {iteration} of {max_iter})" if isinstance(max_iter, int) and iteration < max_iter else ""
    return (f"{checkpoint}{during} on {scores['subset']} of {data} ({scores['images']} images): "
            f"top-1 {scores['top1']:.4f}  top-5 {scores['top5']:.4f}  loss {scores['loss']:.4f}{task}")


def _notes(checkpoint, scores):
    """What ``eval`` says on stderr, with --json too (stdout is the scores alone): a run that diverged
    after the checkpoint, a mean image resized, crops that see a small part of each image, classes that
    ``data`` numbers otherwise, another precision than the network was trained in; paths escaped as
    :func:`_result_line` escapes them."""
    run_folder = checkpoint_runs.run_folder_of(checkpoint)  # of a run's checkpoint.h5
    diverged = checkpoint_runs.divergence_in(run_folder) if run_folder else ""
    then = start_over_in(run_folder) if diverged else ""
    checkpoint, data = inputs.display_name(checkpoint), inputs.display_name(scores["data"])
    if diverged:  # the network scored is its run's last before the divergence, which a resume replays
        yield f"its run diverged after this checkpoint ({diverged.removeprefix(rundir.DIVERGED)}); {then}"
    if scores["mean_resized_from"]:
        height, width = scores["mean_resized_from"]
        yield f"the mean image of {checkpoint} is {height}x{width}; it was resized to the images of {data}"
        crop, share = scores["crop"], scores["crop"] / min(scores["image_size"])
        if share < models.CROP_SHARE:  # as train warns: the network sees a small part of each image
            yield (f"its {crop}x{crop} centre crops span {share:.0%} of the side of these "
                   f"{scores['image_size'][0]}x{scores['image_size'][1]} images ({crop / min(height, width):.0%} of "
                   f"the {height}x{width} images it was trained on): it is scored on a small part of each; prepare "
                   f"them at {height} px (prepare's --size) to score it as trained")
    if scores["classes_renumbered"]:  # a test set of a half's classes alone: scored by class, not by number
        count = scores["classes_renumbered"]
        yield (f"{data} numbers {count} of the classes of {checkpoint} otherwise than the dataset it was trained on; "
               f"each image was scored as its class, matched by wnid (or folder name)")
    if scores["precision"] != scores["trained_precision"]:
        yield f"computed in precision {scores['precision']}; the network was trained in {scores['trained_precision']}"


def _task_text(meta, outputs):
    """What the scores are of, as the end of eval's line: "  (half B of random split seed 0: 4
    classes)", the images being the half's, not the dataset's (12 of its 24 validation images, which
    nothing said); with 5 ``outputs`` (fc8's) or fewer, that top-5 is 1 whatever the network (not
    said of fewer classes than fc8 has outputs: a class may rank below 5 of them). ``meta``: the root
    attributes of the checkpoint scored, as read with its weights: the file read again (a run still
    training renames its next checkpoint over it, a run started over another network's) said the half
    of another network than the one scored."""
    kind, half, classes = meta.get("split_kind"), meta.get("split_half"), len(meta.get("classes") or ())
    task = f"half {half} of {split_words(kind, meta.get('split_seed'))}" if half else "every class"
    top5 = ", so top-5 is 1 whatever the network" if 0 < classes and outputs <= 5 else ""
    return f"  ({task}: {classes} classes{top5})"

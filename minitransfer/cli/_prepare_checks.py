"""``minitransfer prepare verify`` and ``prepare overlap``: the commands that read prepared datasets, importing
nothing (:mod:`.prepare` adds them to its group)."""

import contextlib
import os

import click

from minitransfer.data import dataset, lock, near_copies
from minitransfer.data.shard_format import META_FILE

from ._errors import run
from ._output import echo
from ._paths import DatasetFolder
from ._prepare_run import finish, shown_progress


@click.command("verify")
@click.argument("path", type=DatasetFolder())
def verify_command(path):
    """Re-check a prepared dataset: meta.json, every file's sha256, every shard's shapes and labels, the mean image.

    Every file is hashed again. train and eval hash a file only until it is found intact, then again
    only once it changes (a record in $MINITRANSFER_CACHE/verified, by the file's size and times):
    bits rotting on the disk change neither, so only verify finds them. While another prepare
    rewrites the folder, verify is refused naming it (exit code 2), not calling the dataset damaged;
    a prepare started while verify reads it is refused likewise.

    meta.json is compared, every byte of it, with the digest mean.h5 records (meta.json's text, but
    mean.h5's own sha256, which meta.json records), and the class table (names, wnids, families) with
    its own: a changed byte (its source, skipped files, left-out classes included) exits 65 naming
    meta.json. A dataset prepared before mean.h5 recorded meta.json's digest verifies with a note that
    meta.json itself is unchecked. Someone who edits meta.json and rewrites mean.h5 to match is not
    detected: verify finds corruption, not forgery.

    \b
    Example (after 'minitransfer prepare synthetic synthetic-20'):
      minitransfer prepare verify synthetic-20
    """
    def verify():
        if not any(os.path.lexists(os.path.join(path, name)) for name in (META_FILE, lock.LOCK_FILE)):
            dataset.open_dataset(path)  # no dataset there (an empty folder): refused without leaving a lock file in it
        with lock.shared(path):  # from before meta.json is read (verify holds it from there on): a prepare is named
            finish(dataset.open_dataset(path), verify=True)

    run(verify, interrupted="stopped by a signal before every file was checked; rerun the same command to check them")


@click.command("overlap")
@click.argument("target", type=DatasetFolder())
@click.argument("source", type=DatasetFolder())
@click.option("--crops/--no-crops", default=True, show_default=True,
              help="Compare TARGET's images with five parts of each of SOURCE's too (training's crop of 227 of "
                   "256 at the centre and at each corner); --no-crops compares whole images only: some 8 times "
                   "faster, a sixth of the memory.")
def overlap_command(target, source, crops):
    """What prepared dataset TARGET shares with SOURCE, before a transfer from SOURCE's layers to TARGET.

    A line on stdout for each: TARGET's classes named as SOURCE's (by wnid, or by a folder's class name,
    case and word joins aside, as train and experiment --source-data warn of them), and TARGET's
    images that look like SOURCE's, counted by pair of classes, then the first few named by their
    files (relative to the folder prepare folder read; a dataset an earlier version prepared, or
    another importer: by subset and index, the dataset's order) and class.

    Found: the same photo resized, re-encoded (even as a JPEG of low quality), prepared at another
    size (prepare folder's --size), mirrored (training mirrors images at random), made lighter or
    darker or of other contrast (each 8x8 grey thumbnail is compared less its mean, over its
    spread: within 0.1 of it on average, 0.6 at any block), and, with --crops, cut to about 89%
    of its sides (227 of 256, training's crop) at its centre or a corner, within about 1% of the
    image at each edge.

    Found in part (of 400 photo-like images measured): cut by 2% at one edge (9 in 10), by 2% at
    each edge (2 in 3), to 95% of its sides (1 in 3). Not found: training's crop at another
    place than the centre or a corner, a strip, a zoom, a rotation, a photo whose light change
    saturates much of it, retouching. Near-uniform images (blank, clear sky, black frames, one
    gradient) look alike whatever they show: they are left out, and counted. Of those 400
    distinct images, none was called a copy of another.

    Either kind of overlap makes SnT no transfer to new classes and images alone: the copied
    layers have seen them. Every image of both is read and each pair compared, progress shown on
    stderr: seconds for thousands of images, hours for ImageNet's 1.3 million against another
    large set.

    Given one dataset as both (prepare overlap photos-36 photos-36), it is compared within itself,
    whole images, mirrored too: its validation images that look like its training images (prepare
    holds out no copy of a training file's bytes, but a copy resized or re-encoded it does not
    tell: accuracy on it measures memory), and its training images that look like another
    class's (the same photo under two labels).

    Exit codes: 0 said (whatever is shared), 2 usage (either is no prepared dataset; a prepare
    rewriting it), 65 bad data (a shard damaged), 74 a file could not be read,
    75 interrupted, 141 the reader of its output went away (| head).

    \b
    Example (your data):
      minitransfer prepare overlap photos-36 other-36   # your data
    """
    within = os.path.samefile(target, source)

    def overlap():
        data = dataset.open_dataset(target)
        other = data if within else dataset.open_dataset(source)
        with data.reading(), contextlib.nullcontext() if within else other.reading(), \
                contextlib.closing(shown_progress("overlap")) as progress:
            lines = (near_copies.within_lines(data, target, progress) if within
                     else near_copies.overlap_lines(data, other, target, source, progress, crops))
        for line in lines:
            echo(line)

    run(overlap, interrupted="stopped by a signal before the comparison was done; it writes nothing: rerun the same "
                             "command to compare again from the start")

"""``minitransfer prepare``: import a dataset into the HDF5 shard format, or re-check one."""

import contextlib
import os
import sys

import click

from minitransfer.data import (archives, cifar, dataset, devkit, folder, importers, lock, near_copies,
                               prepared_notes, same_origin, synthetic)
from minitransfer import path_kinds
from minitransfer.data.shard_format import META_FILE
from minitransfer.progress import StageProgress, draws_bar

from ._errors import run
from ._numbers import Real
from ._output import echo, say
from ._options import Seed
from ._paths import DatasetFolder, DatasetOutput, SourceFolder, TextFile, refuse_unnamed
from ._prepare_options import DownloadOrFolder, cifar_options, image_import_options, synthetic_help, synthetic_options
from ._repeats import OptionsOnceGroup


def _progress(label):
    """What an import or a verify shows on stderr (:class:`minitransfer.progress.StageProgress`), as
    ``train`` does: a bar on a terminal, else a line every tenth of a stage that takes seconds, and one at least
    every :attr:`minitransfer.progress.Progress.LINE_SECONDS` while a stage goes on (decoding calls it at least
    every :data:`minitransfer.data.shard_builder.PROGRESS_SECONDS`, not only every 1000 images)."""
    return StageProgress(label, bar=draws_bar(sys.stderr))


def _import(label, out, work):
    """``run(work(progress))``, ``progress`` shown as :func:`_progress` says, where options that do not
    fit the data (a ValueError of the importers) are a usage error (exit 2), and a stop says what of the import
    into ``out`` is kept for the rerun (:func:`_import_interrupted`). The bar is erased before an error is said."""
    def shown():
        try:
            with contextlib.closing(_progress(label)) as progress:
                return work(progress)
        except KeyboardInterrupt as stop:
            if str(stop):
                raise
            raise KeyboardInterrupt(_import_interrupted(out)) from None
    try:
        return run(shown)
    except ValueError as error:  # DatasetError, a ValueError too, has been handled by run()
        raise click.UsageError(str(error)) from error


def _import_interrupted(out):
    """What a stop says of the import into ``out``: the shards finished are kept, where one is (:mod:`minitransfer.
    data.build` skips each one built from the same inputs on the rerun); that none was, where none is (a stop
    while the source is listed, or the first shard decoded, said the shards finished were kept)."""
    if same_origin.holds_shards(out):
        return "stopped by a signal; the shards finished so far are kept: rerun the same command to finish the import"
    return "stopped by a signal before any shard was finished: rerun the same command to import"


def _finish(built, verify, source=None):
    """Report a built dataset (and verify it); bad data exits with code 65. An import's line says first what it
    reused (``built.writes``, :meth:`minitransfer.data.import_writes.Writes.said`; ``source`` as given)."""
    if verify:
        with contextlib.closing(_progress("verifying")) as progress:
            built.verify(progress=progress)
    writes = built.writes  # None: prepare verify imports nothing
    echo(prepared_notes.summary(built, verify, writes.said(source) if writes is not None else ""))
    counted = writes.counts_said(built.path, built.meta) if writes is not None else None
    if counted:
        say(counted)
    for note in prepared_notes.notes(built):
        say(note)  # as every message on stderr: a path with a control character shown escaped, a hangup survived


class _DevkitFolder(click.Path):
    """--devkit: the devkit folder. A file given instead is a usage error that says what to give: the
    download still packed (ILSVRC2012_devkit_t12.tar.gz) with the command that unpacks it beside itself and
    the folder that makes; one of its files (meta.mat) with the folder to give (click said only
    "Directory ... is a file")."""

    def __init__(self):
        super().__init__(exists=True, file_okay=False)

    def convert(self, value, param, ctx):
        refuse_unnamed(self, value, param, ctx, f"give the devkit folder, {devkit.DEVKIT_FOLDER}")
        if os.path.isfile(value):
            kit = devkit.DEVKIT_FOLDER
            single = archives.single_file_refusal(value, "the devkit",
                                                  f"give the devkit folder, {kit} (unpacked from {kit}.tar.gz)")
            if single:
                self.fail(f"{value} is {single}", param, ctx)
            command, made = archives.unpacked(value)
            if command:
                # the devkit folder holds data/: an archive of data/ alone (no folder above it) unpacks beside itself
                folder = os.path.dirname(made) if os.path.basename(made) == "data" else made
                self.fail(f"{value} is an archive, not a folder: unpack it first ({command}) and give the folder it "
                          f"makes, {folder or '.'} (the one holding data/{devkit.META_FILE})", param, ctx)
            self.fail(f"{value} is a file: give the devkit folder, {devkit.DEVKIT_FOLDER}, which holds "
                      f"data/{devkit.META_FILE} and data/{devkit.GROUND_TRUTH_FILE}", param, ctx)
        kind = path_kinds.path_kind(value)
        if kind not in ("a folder", "nothing"):  # a named pipe: it was bad data, "fifo/data/meta.mat: missing"
            self.fail(f"{value} is {kind}, not a folder: give the devkit folder, {devkit.DEVKIT_FOLDER}, which holds "
                      f"data/{devkit.META_FILE} and data/{devkit.GROUND_TRUTH_FILE}", param, ctx)
        return super().convert(value, param, ctx)


@click.group(cls=OptionsOnceGroup, short_help="Import ImageNet, CIFAR or a folder of images into HDF5 shards.")
def prepare():
    """Import a dataset into minitransfer's HDF5 shards (resumable: rerun to finish).

    Exit codes: 0 done (also a rerun with nothing left to do, which writes nothing), 1 error (an
    optional package missing, a decoding process killed), 2 usage (also: OUT holds a dataset, or an
    unfinished import, from another source, see --overwrite; OUT a folder of other files, such as a
    home folder, which no import writes into; OUT inside SOURCE; SOURCE a folder of runs, a run's, an
    experiment's or a report's folder, without images; SOURCE is another dataset than the
    command imports, e.g. CIFAR-100 given to cifar10: the command to use is named, or CIFAR's binary
    or MATLAB version: its python download is named; another process is importing into OUT, or a
    training, an evaluation or a verify is reading the dataset there and the import would write:
    --overwrite, other options, a shard to rebuild; a rerun that finds it already prepared with the
    same options succeeds, writing nothing), 65 bad data (the file at
    fault is named), 74 a file could not be written (full disk, read-only folder), or a source
    folder listed or a text file read (--families, --words, wnids.txt ...: no read permission, a
    disk's I/O error; it is named), 75 interrupted (SIGINT, SIGTERM, SIGHUP: a closed terminal; not
    under nohup), 141 the reader of its output went away (| head), which stops it; after 74, 75 and
    141 finished shards are kept: rerun the same command.

    \b
    Examples (lines marked "# your data" need files you download or have):
      minitransfer prepare synthetic synthetic-20
      minitransfer prepare verify synthetic-20
      minitransfer prepare folder photos photos-36 --size 36 --families families.txt   # your data
      minitransfer prepare overlap photos-36 other-36   # your data
      minitransfer prepare imagenet ILSVRC2012 imagenet-256 --devkit ILSVRC2012_devkit_t12   # your data
      minitransfer prepare tiny-imagenet tiny-imagenet-200.zip tiny-64 --size 64   # your data
      minitransfer prepare cifar10 cifar-10-python.tar.gz cifar10   # your data
      minitransfer prepare cifar100 cifar-100-python.tar.gz cifar100   # your data
    """


@prepare.command()
@click.argument("source", type=SourceFolder())
@click.argument("out", type=DatasetOutput())
@click.option("--devkit", "devkit_folder", type=_DevkitFolder(), default=None,
              help="The official ILSVRC2012 devkit folder (ILSVRC2012_devkit_t12): validation labels from its "
                   "ground truth and meta.mat, class names from meta.mat. Needs SciPy: "
                   "pip install 'minitransfer[devkit]'.")
@click.option("--val-labels", type=TextFile("'<file> <label>' lines"), default=None,
              help="Instead of --devkit: a '<file> <label>' list for val/ (labels in sorted-wnid order, "
                   "e.g. Caffe's val.txt).")
@click.option("--words", type=TextFile("'wnid names' lines"), default=None,
              help="'wnid names' file for readable class names (words.txt or synset_words.txt; default: "
                   "the devkit's names, else the wnids); a name holding a control character is refused.")
@image_import_options("--words", "--is-a")
def imagenet(source, out, devkit_folder, val_labels, words, is_a, size, workers, shard_size, verify, overwrite):
    """ILSVRC2012: SOURCE holds train/<wnid>/*.JPEG and val/*.JPEG; warped to 256x256 by default.

    Unpack the two official archives there: ILSVRC2012_img_train.tar (one tar per class, each into
    train/<wnid>/) and ILSVRC2012_img_val.tar (into val/), and give the devkit
    (ILSVRC2012_devkit_t12.tar.gz, unpacked) with --devkit. A val/ folder without --devkit or
    --val-labels is refused, not dropped, and so is one whose images and labels differ (an image
    without a label, a labelled file missing, a file labelled twice); a val/ already sorted into
    class folders is imported with 'prepare folder'. train/ must hold two or more class folders
    (one is refused, 65: a classifier tells classes apart); a class folder that is a link to nothing
    (a drive not mounted) is refused (65), not left out. A folder in train/ not named as a wnid (n + 8
    digits, such as a stray 'backup') is no ILSVRC2012 class: it is left out and warned of, not imported
    as a class (which would shift every label after it); import your own class folders with 'prepare folder'.
    A file changed or removed while the import runs is listed in OUT/skipped.txt: rerun the same command.

    For the natural split, wordnet.is_a.txt below is ImageNet's WordNet is-a list.

    \b
    Examples (your data):
      minitransfer prepare imagenet ILSVRC2012 imagenet-256 --devkit ILSVRC2012_devkit_t12   # your data
      minitransfer prepare imagenet ILSVRC2012 imagenet-256 --val-labels val.txt --is-a wordnet.is_a.txt   # your data
    """
    if devkit_folder and val_labels:
        raise click.UsageError("give either --devkit or --val-labels, not both")
    built = _import("imagenet", out, lambda progress: importers.import_imagenet(
        source, out, val_labels=val_labels, devkit=devkit_folder, words=words, is_a=is_a, size=size,
        workers=workers, shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: _finish(built, verify, source))


@prepare.command("folder")
@click.argument("source", type=SourceFolder())
@click.argument("out", type=DatasetOutput())
@click.option("--val-fraction", type=Real(0, 1, max_open=True), default=None,
              help="Without SOURCE/val: the fraction of each class's images held out for validation "
                   "(default 0.1; 0: train only); a class of two or more gives at least one, so small "
                   "classes give more (noted).")
@click.option("--seed", type=Seed(None), default=0, show_default=True, help="Seed of the held-out choice.")
@click.option("--families", type=TextFile("'CLASS FAMILY' lines"), default=None,
              help="File of 'CLASS FAMILY' lines giving every class a family (two or more families), for "
                   "the natural split.")
@click.option("--family-a", default=None,
              help="The family whose classes form half A of the natural split (default: the first in "
                   "--families; natural with --is-a); half B the rest.")
@image_import_options("--families", "--is-a")
def folder_command(source, out, val_fraction, seed, families, family_a, is_a, size, workers, shard_size, verify,
                   overwrite):
    """Class-folder trees (torchvision's ImageFolder layout); 256x256 unless --size.

    \b
    SOURCE/train/<class>/ and SOURCE/val/<class>/  validation as given
    SOURCE/train/<class>/ or SOURCE/<class>/       held out: --val-fraction

    Class names are the folder names, labels their sorted order; SOURCE needs two or more class
    folders with images (given one class's folder, or a folder holding only the folder of the
    classes, it is refused, 65, naming the folder to give). Every file below a class folder is tried
    with Pillow, turned upright as its EXIF says; what does not decode (a note, a web page saved as
    .jpg, HEIC without pillow-heif, an image above 8192x8192) is listed in OUT/skipped.txt. Hidden
    and system files (.DS_Store, Thumbs.db, @eaDir ...) are ignored. An archive (.zip, .tar.gz ...) is
    not unpacked: one beside the class folders is warned of (a class left packed), one in a class
    folder listed in OUT/skipped.txt, each with the command that unpacks it. A validation file that copies a
    training image is left out of validation (OUT/skipped.txt); an image in two classes is imported
    with each label, listed in OUT/copies-across-classes.txt and warned of. A file changed while the
    import runs is listed in OUT/skipped.txt: rerun the same command. The rest (16-bit and animated
    images, links, val/ classes, reruns): README.md, "Your own data".

    \b
    A families file (--families) has one line per class, the family last:
      # CLASS            FAMILY
      golden retriever   animal
      tabby cat          animal
      bicycle            vehicle
    Natural split: half A is --family-a (default: the first listed), B the rest.

    \b
    Example (your data):
      minitransfer prepare folder photos photos-36 --size 36 --families families.txt   # your data
    """
    built = _import("folder", out, lambda progress: folder.import_folder(
        source, out, val_fraction=val_fraction, seed=seed, families=families, family_a=family_a, is_a=is_a,
        size=size, workers=workers, shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: _finish(built, verify, source))


@prepare.command("tiny-imagenet")
@click.argument("source", type=DownloadOrFolder())
@click.argument("out", type=DatasetOutput())
@image_import_options("--is-a")
def tiny_imagenet(source, out, is_a, size, workers, shard_size, verify, overwrite):
    """Tiny ImageNet: the tiny-imagenet-200 zip or folder; warped to 256x256 unless --size (64 keeps it native).

    Validation images are val/images/*, labelled by val/val_annotations.txt as downloaded, or a val/
    already sorted into class folders (val/<wnid>/, val/<wnid>/images/ or val/images/<wnid>/),
    labelled by their folder (val_annotations.txt, when kept, must agree). A symbolic link stored in
    the zip is not followed: it is listed in OUT/skipped.txt. wnids.txt must list two or more classes
    (one is refused, 65: a classifier tells classes apart). A file of an unpacked folder changed or removed
    while the import runs is listed in OUT/skipped.txt: rerun the same command. Labels follow the sorted
    wnids (label 0 is the first wnid in sorted order); test/ (unlabelled) is not imported.

    \b
    Example (your data):
      minitransfer prepare tiny-imagenet tiny-imagenet-200.zip tiny-64 --size 64   # your data
    """
    built = _import("tiny-imagenet", out, lambda progress: importers.import_tiny_imagenet(
        source, out, is_a=is_a, size=size, workers=workers, shard_length=shard_size,
        progress=progress, overwrite=overwrite))
    run(lambda: _finish(built, verify, source))


def _import_cifar(importer, label, source, out, size, workers, shard_size, verify, overwrite):
    built = _import(label, out, lambda progress: importer(source, out, size=size, workers=workers or 0,
                                                     shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: _finish(built, verify, source))


@prepare.command()
@cifar_options
def cifar10(source, out, size, workers, shard_size, verify, overwrite):
    """CIFAR-10, python version (archive or folder); native 32x32 unless --size. Animals natural, vehicles man-made.

    SOURCE is cifar-10-python.tar.gz or the cifar-10-batches-py folder it unpacks into:
    data_batch_1..5 are imported as training images, test_batch as validation. Half A of the natural
    split is the six animals (bird, cat, deer, dog, frog, horse), half B the four vehicles
    (airplane, automobile, ship, truck). A CIFAR-100 archive given here is refused (exit 2), naming
    'prepare cifar100'; so is CIFAR's binary or MATLAB version, naming the python download to use.

    \b
    Example (your data):
      minitransfer prepare cifar10 cifar-10-python.tar.gz cifar10   # your data
    """
    _import_cifar(cifar.import_cifar10, "cifar10", source, out, size, workers, shard_size, verify, overwrite)


@prepare.command()
@cifar_options
def cifar100(source, out, size, workers, shard_size, verify, overwrite):
    """CIFAR-100, python version (archive or folder); native 32x32 unless --size. Families by superclass.

    SOURCE is cifar-100-python.tar.gz or the cifar-100-python folder it unpacks into: train is imported as
    training images, test as validation. Networks train on the 100 fine labels; each image's superclass (of 20)
    is kept beside them, as /coarse_labels in the shards. A CIFAR-10 archive given here is refused (exit 2),
    naming 'prepare cifar10'; so is CIFAR's binary or MATLAB version, naming the python download to use
    (cifar-100-python.tar.gz).

    \b
    Example (your data):
      minitransfer prepare cifar100 cifar-100-python.tar.gz cifar100   # your data
    """
    _import_cifar(cifar.import_cifar100, "cifar100", source, out, size, workers, shard_size, verify, overwrite)


@prepare.command("synthetic", help=synthetic_help())
@synthetic_options
def synthetic_command(out, classes, train_per_class, val_per_class, seed, size, shard_size, verify, overwrite):
    """Generate the synthetic set into OUT (its help, built from the presets: :func:`synthetic_help`)."""
    built = _import("synthetic", out, lambda progress: synthetic.build_synthetic(
        out, classes=classes, train_per_class=train_per_class, val_per_class=val_per_class, size=size,
        seed=seed, shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: _finish(built, verify))


@prepare.command("verify")
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
            _finish(dataset.open_dataset(path), verify=True)

    run(verify, interrupted="stopped by a signal before every file was checked; rerun the same command to check them")


@prepare.command("overlap")
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

    Exit codes: 0 said (whatever is shared), 2 usage (either is no prepared dataset; both name one
    dataset; a prepare rewriting it), 65 bad data (a shard damaged), 74 a file could not be read,
    75 interrupted, 141 the reader of its output went away (| head).

    \b
    Example (your data):
      minitransfer prepare overlap photos-36 other-36   # your data
    """
    if os.path.samefile(target, source):
        raise click.UsageError(f"TARGET and SOURCE are one dataset ({target}): every image would be its own copy; "
                               f"give the dataset a transfer trains on and the one its copied layers were trained on")

    def overlap():
        data, other = dataset.open_dataset(target), dataset.open_dataset(source)
        with data.reading(), other.reading(), contextlib.closing(_progress("overlap")) as progress:
            lines = near_copies.overlap_lines(data, other, target, source, progress, crops)
        for line in lines:
            echo(line)

    run(overlap, interrupted="stopped by a signal before the comparison was done; it writes nothing: rerun the same "
                             "command to compare again from the start")

"""``minitransfer prepare``: import a dataset into the HDF5 shard format, or re-check one. The group and its importers
are here; their options in :mod:`._prepare_options`, how they run and report in :mod:`._prepare_run`, and the
commands that read prepared datasets (verify, overlap) in :mod:`._prepare_checks`."""

import click

from minitransfer.data import cifar, folder, importers, synthetic

from ._errors import run
from ._numbers import Real
from ._options import Seed
from ._paths import DatasetOutput, SourceFolder, TextFile
from ._prepare_checks import overlap_command, verify_command
from ._prepare_help import teach
from ._prepare_options import (DevkitFolder, DownloadOrFolder, cifar_options, image_import_options, synthetic_help,
                               synthetic_options)
from ._prepare_run import finish, run_import
from ._repeats import OptionsOnceGroup


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
@click.option("--devkit", "devkit_folder", type=DevkitFolder(), default=None,
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
    built = run_import("imagenet", out, lambda progress: importers.import_imagenet(
        source, out, val_labels=val_labels, devkit=devkit_folder, words=words, is_a=is_a, size=size,
        workers=workers, shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: finish(built, verify, source))


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
    with Pillow, turned upright as its EXIF says; what does not decode is listed in OUT/skipped.txt,
    hidden files ignored. An archive is not unpacked: one beside the class folders is warned of (a
    class left packed), one in a class folder listed in OUT/skipped.txt, each with the command that
    unpacks it. A file changed while the import runs is listed in OUT/skipped.txt: rerun the same
    command. The rest (copied images, 16-bit ones, reruns): README.md, "Your own data".

    \b
    A families file (--families) has one line per class, the family last:
      # CLASS            FAMILY
      golden retriever   animal
      tabby cat          animal
      bicycle            vehicle

    \b
    Example (your data):
      minitransfer prepare folder photos photos-36 --size 36 --families families.txt   # your data
    """
    built = run_import("folder", out, lambda progress: folder.import_folder(
        source, out, val_fraction=val_fraction, seed=seed, families=families, family_a=family_a, is_a=is_a,
        size=size, workers=workers, shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: finish(built, verify, source))


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
    built = run_import("tiny-imagenet", out, lambda progress: importers.import_tiny_imagenet(
        source, out, is_a=is_a, size=size, workers=workers, shard_length=shard_size,
        progress=progress, overwrite=overwrite))
    run(lambda: finish(built, verify, source))


def _import_cifar(importer, label, source, out, size, workers, shard_size, verify, overwrite):
    built = run_import(label, out, lambda progress: importer(source, out, size=size, workers=workers or 0,
                                                        shard_length=shard_size, progress=progress,
                                                        overwrite=overwrite))
    run(lambda: finish(built, verify, source))


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
    built = run_import("synthetic", out, lambda progress: synthetic.build_synthetic(
        out, classes=classes, train_per_class=train_per_class, val_per_class=val_per_class, size=size,
        seed=seed, shard_length=shard_size, progress=progress, overwrite=overwrite))
    run(lambda: finish(built, verify))


prepare.add_command(verify_command)
prepare.add_command(overlap_command)
teach(prepare)  # what each command writes and its exit codes, in its help

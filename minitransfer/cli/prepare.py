"""``minitransfer prepare``: import a dataset into the HDF5 shard format, or re-check one."""

import sys

import click

from minitransfer.data import dataset, importers, synthetic

from ._common import run



class _Progress:
    """A click progress bar on a terminal; otherwise one plain line per 10 % (logs stay readable)."""

    def __init__(self, label):
        self.label, self.bar, self.shown, self.reported = label, None, 0, -1

    def __call__(self, done, total):
        if sys.stdout.isatty():
            if self.bar is None:
                self.bar = click.progressbar(length=total, label=self.label)
                self.bar.__enter__()
            self.bar.update(done - self.shown)
            self.shown = done
            if done >= total:
                self.bar.__exit__(None, None, None)
            return
        tenth = 10 * done // max(total, 1)
        if tenth != self.reported:
            self.reported = tenth
            click.echo(f"{self.label}: {done}/{total} ({100 * done // max(total, 1)}%)")


def _finish(built, verify):
    """Report a built dataset (and verify it); bad data exits with code 65."""
    if verify:
        built.verify(progress=_Progress("verifying"))
    counts = ", ".join(f"{subset} {built.num_images(subset)}" for subset in dataset.SUBSETS)
    click.echo(f"{built.path}: {built.num_classes} classes, {counts} images of "
               f"{built.image_size[0]}x{built.image_size[1]}{' (verified)' if verify else ''}")
    skipped = built.meta.get("skipped", [])
    if skipped:
        click.echo(f"skipped {len(skipped)} undecodable file(s), listed in {built.path / dataset.SKIPPED_FILE}:", err=True)
        for entry in skipped[:20]:
            click.echo(f"  {entry['file']}: {entry['reason']}", err=True)


_size = click.option("--size", type=click.IntRange(1), default=None, help="Warp images to SIZE x SIZE.")
_workers = click.option("--workers", type=click.IntRange(0), default=None,
                        help="Decoding processes (default: all cores; 0 decodes in this process).")
_shard = click.option("--shard-size", type=click.IntRange(1), default=None,
                      help="Images per shard (default: about 192 MiB of images).")
_verify = click.option("--verify", is_flag=True, help="Re-check every file's sha256 afterwards.")
_is_a = click.option("--is-a", "is_a", type=click.Path(exists=True, dir_okay=False), default=None,
                     help="WordNet 'parent child' file: records each class's man-made / natural family.")


@click.group()
def prepare():
    """Import a dataset into minitransfer's HDF5 shards (resumable: rerun to finish).

    \b
    Examples:
      minitransfer prepare imagenet /data/ILSVRC2012 imagenet-256 --val-labels val.txt --is-a wordnet.is_a.txt
      minitransfer prepare tiny-imagenet tiny-imagenet-200.zip tiny-64 --size 64
      minitransfer prepare cifar100 cifar-100-python.tar.gz cifar100
      minitransfer prepare synthetic synthetic-20
      minitransfer prepare verify imagenet-256
    """


@prepare.command()
@click.argument("source", type=click.Path(exists=True, file_okay=False))
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--val-labels", type=click.Path(exists=True, dir_okay=False), default=None,
              help="'<file> <label>' list for val/ (labels in sorted-wnid order, e.g. Caffe's val.txt); "
                   "without it the dataset is train-only.")
@click.option("--words", type=click.Path(exists=True, dir_okay=False), default=None,
              help="'wnid names' file for readable class names (words.txt or synset_words.txt).")
@_is_a
@_size
@_workers
@_shard
@_verify
def imagenet(source, out, val_labels, words, is_a, size, workers, shard_size, verify):
    """ILSVRC2012: SOURCE holds train/<wnid>/*.JPEG and val/*.JPEG; warped to 256x256 by default.

    The devkit's meta.mat is not read: give --val-labels and --is-a instead.
    """
    built = run(lambda: importers.import_imagenet(
        source, out, val_labels=val_labels, words=words, is_a=is_a, size=size or 256, workers=workers,
        shard_length=shard_size, progress=_Progress("imagenet")))
    run(lambda: _finish(built, verify))


@prepare.command("tiny-imagenet")
@click.argument("source", type=click.Path(exists=True))
@click.argument("out", type=click.Path(file_okay=False))
@_is_a
@_size
@_workers
@_shard
@_verify
def tiny_imagenet(source, out, is_a, size, workers, shard_size, verify):
    """Tiny ImageNet: the tiny-imagenet-200 zip or folder; warped to 256x256 unless --size (64 keeps it native)."""
    built = run(lambda: importers.import_tiny_imagenet(
        source, out, is_a=is_a, size=size or 256, workers=workers, shard_length=shard_size,
        progress=_Progress("tiny-imagenet")))
    run(lambda: _finish(built, verify))


@prepare.command()
@click.argument("source", type=click.Path(exists=True))
@click.argument("out", type=click.Path(file_okay=False))
@_size
@_workers
@_shard
@_verify
def cifar100(source, out, size, workers, shard_size, verify):
    """CIFAR-100, python version (archive or folder); native 32x32 unless --size. Families by superclass."""
    built = run(lambda: importers.import_cifar100(
        source, out, size=size or 32, workers=workers or 0, shard_length=shard_size, progress=_Progress("cifar100")))
    run(lambda: _finish(built, verify))


@prepare.command("synthetic")
@click.argument("out", type=click.Path(file_okay=False))
@click.option("--classes", type=click.IntRange(2), default=20, show_default=True, help="Even: half man-made, half natural.")
@click.option("--train-per-class", type=click.IntRange(1), default=300, show_default=True)
@click.option("--val-per-class", type=click.IntRange(1), default=50, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@_size
@_shard
@_verify
def synthetic_command(out, classes, train_per_class, val_per_class, seed, size, shard_size, verify):
    """A generated set of straight-edged (man-made) and organic (natural) shape classes; 36x36 by default."""
    try:
        built = run(lambda: synthetic.build_synthetic(
            out, classes=classes, train_per_class=train_per_class, val_per_class=val_per_class, size=size or 36,
            seed=seed, shard_length=shard_size, progress=_Progress("synthetic")))
    except ValueError as error:
        raise click.BadParameter(str(error)) from error
    run(lambda: _finish(built, verify))


@prepare.command("verify")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
def verify_command(path):
    """Re-check a prepared dataset: meta.json, every shard's sha256 and shapes, the mean image."""
    run(lambda: _finish(dataset.open_dataset(path), verify=True))

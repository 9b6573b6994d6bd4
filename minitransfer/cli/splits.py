"""``minitransfer splits``: print the classes (and image counts) of a split's halves."""

import click

from minitransfer import class_tables, train_config
from minitransfer.config_checks import MAX_COUNT
from minitransfer.data import dataset, inputs, splits as split_lib

from ._errors import option_text, run
from ._numbers import Whole
from ._options import HALF, SEED
from ._output import echo, json_text, say
from ._paths import IS_A_LINES, DatasetFolder, TextFile


@click.command(short_help="The classes and image counts of a split's halves.")
@click.argument("path", type=DatasetFolder())
@click.argument("kind", type=click.Choice(split_lib.KINDS), metavar="KIND")
@click.option("--split-seed", type=SEED, default=0, show_default=True,
              help="Seed of the random split (the natural and all splits have none).")
@click.option("--half", type=HALF, default=None, help="Only this half (default: both).")
@click.option("--per-class", type=Whole(1, MAX_COUNT), default=None, metavar="N",
              help="Count N training images per class, as many as 'train --per-class N' keeps (a reduced-data run); "
                   "a class with fewer keeps all it has.")
@click.option("--per-class-seed", type=SEED, default=None, metavar="SEED",
              help=f"With --per-class: the seed that chooses the N images at random, as 'train --per-class N' "
                   f"chooses them with its --seed (default: {train_config.SEED_DEFAULT}, train's --seed default; a "
                   f"copy's seed is derived: give the one its config.json records). Recorded in the JSON; the counts "
                   f"do not depend on it.")
@click.option("--is-a", "is_a", type=TextFile(IS_A_LINES), default=None,
              help="For the natural split: a WordNet 'parent child' file, for a dataset of WordNet ids imported "
                   "without families (a dataset with families is trained on those: refused there).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a '#' line naming the columns, a '#' title line for each half, then a tab-separated "
                   "line for each class; json: a list of the halves, each with its classes, image counts and family.")
def splits(path, kind, split_seed, half, per_class, per_class_seed, is_a, output_format):
    """Print the halves of a split of the dataset at PATH: class indices, wnids and names.

    KIND is random (the paper's similar halves: the classes shuffled with --split-seed, A gets the
    floor of half of them, B the rest: 9 classes give 4 and 5), natural (the dissimilar split: A =
    the classes of one family, B = all others; for ImageNet, CIFAR-10, CIFAR-100 and the synthetic
    set A = natural, B = man-made, as the paper's code names them, where its text says A =
    man-made; for 'prepare folder --families' A = its --family-a) or all (every class, no halves:
    the random-weights and reduced-data controls train on it).

    The text is a header line naming the columns, a title line for each half (each beginning with
    '#'), then a line for each class: label (in the half), index (in the dataset), wnid and name,
    separated by tabs (a tab, line break or backslash in a wnid or name written \\t, \\n, \\\\, and one
    over 80 characters cut, ending in …);
    --format json gives them as they are, and each half's family (null but in the natural split).
    With --per-class N, a note on stderr names the classes that have fewer than N training images:
    they keep all they have, in train too; another says which half holds fewer than the 2 classes
    train needs (a dataset of 1 or 3 classes), or no validation images, which train refuses too.

    Exit codes: 0 done, 2 usage (also: PATH is a file, a network's or a dataset's (its folder
    named), or a folder of another kind, named in the message: of images or class folders not
    prepared yet, of prepared datasets, a run's, a grid's (the folder `experiment` trains) or a
    report's; a natural split the dataset cannot give, --is-a for a dataset with families, another
    process preparing the dataset), 65 bad data (PATH holds no meta.json, as an import left
    unfinished, or is a damaged dataset; the --is-a file is malformed, leaves a class out or places
    every class in one family), 74 a file of the dataset could not be read or the output written, 75
    interrupted (SIGINT, SIGTERM, SIGHUP), 141 its reader went away (| head), silently.

    \b
    Examples (after 'minitransfer prepare synthetic synthetic-20'; "# your data":
    ImageNet prepared):
      minitransfer splits synthetic-20 random --split-seed 0 --half A
      minitransfer splits synthetic-20 natural --format json
      minitransfer splits synthetic-20 all --per-class 100
      minitransfer splits imagenet-256 random --split-seed 0   # your data
    """
    if kind != "random" and split_seed != 0:  # as train refuses it; it was ignored without a word
        raise click.BadParameter(f"applies to the random split; the {kind} split takes the same classes for every "
                                 f"seed: leave --split-seed unset (got {split_seed})", param_hint="--split-seed")
    if kind == "all" and half:
        raise click.BadParameter("the all split has no halves: leave --half out", param_hint="--half")
    if per_class_seed is not None and per_class is None:
        raise click.BadParameter("it chooses the images --per-class N keeps: give --per-class too",
                                 param_hint="--per-class-seed")
    if per_class is not None and per_class_seed is None:  # the images train keeps by default, never the first N
        per_class_seed = train_config.SEED_DEFAULT
    if is_a is not None and kind != "natural":
        raise click.BadParameter(f"it gives the families of the natural split, and the {kind} split has none: leave "
                                 f"--is-a out", param_hint="--is-a")
    data = run(lambda: dataset.open_dataset(path))
    halves = [half] if half else (list(split_lib.HALVES) if kind != "all" else [None])
    with data.reading():  # as train reads it: not while prepare rewrites its shards (exit code 2)
        try:
            chosen = [run(lambda side=side: split_lib.make_half(data, kind, split_seed, side, per_class,
                                                                per_class_seed, is_a))
                      for side in halves]
        except ValueError as error:
            raise click.UsageError(str(error)) from error
    for side in chosen:
        which = f"half {side.half}" if side.half else "the all split"
        if side.short_classes:
            say(f"note: {option_text(side.short_classes_note())}")
        if side.too_few_classes:  # a dataset of 1 or 3 classes: shown, but no network can be trained on it
            say(f"note: {which} holds {side.num_classes} class{'' if side.num_classes == 1 else 'es'}; train refuses "
                f"it (a classifier needs at least {split_lib.MIN_CLASSES} to tell apart)")
        if side.without_validation:  # shown, but no run of it can be measured
            say(f"note: {which} holds no validation images; train refuses it (nothing would measure it): "
                f"{option_text(split_lib.without_validation_remedy(data, side))}")
    # the natural split's halves by family (A = natural, B = man-made); the text's title line names them too
    families = dict(zip(split_lib.HALVES, split_lib.half_families(data, is_a))) if kind == "natural" else {}
    report = [
        {**side.describe(), "family": families.get(side.half),
         "train_images": len(side.train_indices), "val_images": len(side.val_indices),
         "classes": [{"label": label, "index": entry["index"], "wnid": entry["wnid"], "name": entry["name"]}
                     for label, entry in enumerate(side.classes)]}
        for side in chosen
    ]
    # Line by line: one write of ImageNet's 170 kB that a reader (| head) leaves part-way is cut short
    # without an error (Python's buffered writer takes the partial write), so the exit code was 0.
    lines = (json_text(report, indent=1).splitlines() if output_format == "json"
             else _lines(report, kind, families.get("A")))
    for line in lines:
        echo(line)


COLUMNS = ("label", "index", "wnid", "name")  # the text's columns: the label in the half, the index in the dataset


def _lines(report, kind, family_a):
    """The text ``splits`` prints: a ``#`` line naming the :data:`COLUMNS`, a ``#`` title line for each half
    (a reader that skips lines beginning with ``#`` reads classes only), then one line for each class, its
    fields separated by tabs; a tab, line break or backslash in a wnid or name is escaped
    (:func:`minitransfer.data.inputs.display_name`), so that a line is always one class, and one longer
    than :data:`minitransfer.class_tables.NAME_SHOWN` characters cut (as messages name classes)."""
    yield "# " + "\t".join(COLUMNS)
    for side in report:
        title = f"{kind} split" + (f" seed {side['seed']}" if side["seed"] is not None else "")
        title += f" (A = family {class_tables.described_wnid(family_a)}, B = the rest)" if family_a else ""
        title += f", half {side['half']}" if side["half"] else ""  # the all split has none
        classes = side["num_classes"]
        yield (f"# {title}: {classes} class{'' if classes == 1 else 'es'}, "
               f"{side['train_images']} train / {side['val_images']} val images")
        for entry in side["classes"]:
            shown = (inputs.display_name(class_tables.cut_name(str(entry[key]))) for key in ("wnid", "name"))
            yield "\t".join((str(entry["label"]), str(entry["index"]), *shown))

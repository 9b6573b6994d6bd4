"""How the report advises scoring on more validation images (:func:`more_validation`: the runs to read with care,
the findings not judged), by the prepare command that made each dataset, as its meta.json's source records it:
`prepare folder --val-fraction` holds out images of a tree without val/, a tree with val/ takes its validation
images from there (--val-fraction is refused beside it), `prepare synthetic --val-per-class` generates them, and
CIFAR's, ImageNet's and Tiny ImageNet's importers take every validation image of their download, no option adding
one. It advised `prepare folder --val-fraction` for each. And how a dataset without any validation image gets some
(:func:`with_validation`), by the same record, for train's, splits' and eval's refusal of it: each said "prepare folder
--val-fraction 0.1, or prepare imagenet --devkit DIR", whatever made the dataset (a synthetic set's option is
--val-per-class).
"""

from minitransfer.data.held_out import DEFAULT_VAL_FRACTION, HELD_OUT
from minitransfer.data.no_validation import OVERWRITE
from minitransfer.data.splits import REIMPORT_WITH_VALIDATION, TRAIN_AND_VAL_LAYOUT
from minitransfer.run_facts import dataset_sources

HELD_OUT_WAY = "prepare folder --val-fraction, more images per class"
VAL_FOLDER_WAY = "prepare folder again with more images in each class folder of SOURCE/val/"
SYNTHETIC_WAY = "prepare synthetic --val-per-class"
# importers of a download's own validation set, taken whole: no option gives more
WHOLE_DOWNLOAD = ("cifar10", "cifar100", "imagenet", "tiny-imagenet")
# How a dataset without a validation image gets some, by the command that made it (with_validation); one whose maker
# is not known here is told splits.REIMPORT_WITH_VALIDATION, as before
FIRST_WAYS = {
    HELD_OUT: f"prepare folder again with --val-fraction {DEFAULT_VAL_FRACTION:g}, {OVERWRITE}",
    TRAIN_AND_VAL_LAYOUT: "prepare folder again with validation images in each class folder of SOURCE/val/",
    "synthetic": f"prepare synthetic again with --val-per-class 1 or more, {OVERWRITE}",
    "imagenet": "prepare imagenet again with ILSVRC2012's val/ and its labels, --devkit DIR or --val-labels FILE",
    "tiny-imagenet": "prepare tiny-imagenet again from the whole tiny-imagenet-200.zip, its val/ included",
    "cifar10": "prepare cifar10 again from the whole download, its test batch included",
    "cifar100": "prepare cifar100 again from the whole download, its test batch included"}
UNKNOWN_WAY = "prepare the dataset again with more validation images per class"  # no dataset read, or its maker unknown


def more_validation(results, facts=None):
    """"score on more validation images (WAY)" for the runs ``results``, WAY the option of the prepare command that
    made each of their datasets (:func:`way`), each once, in the order of the runs; ``facts``: the datasets already
    read (:func:`minitransfer.run_facts.dataset_sources`)."""
    ways = dict.fromkeys(way(source) for source in dataset_sources(results, facts))
    return f"score on more validation images ({'; '.join(ways) or UNKNOWN_WAY})"


def way(source):
    """How the dataset that meta.json's ``source`` (None where unread) records gets more validation images, in the
    words of its prepare command: a folder's by its layout (a folder of 0.1.0, recorded without it, by either),
    a synthetic set's by --val-per-class, an imported download's by none (another dataset, with more, is the way);
    :data:`UNKNOWN_WAY` for a source not known here."""
    kind = source.get("kind") if isinstance(source, dict) else None
    if kind == "folder":
        layout = source.get("layout")
        return {HELD_OUT: HELD_OUT_WAY, TRAIN_AND_VAL_LAYOUT: VAL_FOLDER_WAY}.get(
            layout, "prepare folder --val-fraction, or more images in SOURCE/val/ where SOURCE has one")
    if kind == "synthetic":
        return SYNTHETIC_WAY
    if kind in WHOLE_DOWNLOAD:
        return f"prepare {kind} imports every validation image of its download already: a dataset with more"
    return UNKNOWN_WAY


def with_validation(source):
    """"re-import with a validation set (WAY)": what a dataset without any validation image, as meta.json's
    ``source`` (None where unread) records its import, needs, WAY the prepare command that made it again with the
    option that gives some (:data:`FIRST_WAYS`); :data:`minitransfer.data.splits.REIMPORT_WITH_VALIDATION` for a
    source not known here (a folder of 0.1.0, recorded without its layout: either way)."""
    kind = source.get("kind") if isinstance(source, dict) else None
    first = FIRST_WAYS.get(source.get("layout") if kind == "folder" else kind)
    return REIMPORT_WITH_VALIDATION if first is None else f"re-import with a validation set ({first})"

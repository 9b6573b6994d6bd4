"""How the report advises scoring on more validation images (:func:`more_validation`: the runs to read with care,
the findings not judged), by the prepare command that made each dataset, as its meta.json's source records it:
`prepare folder --val-fraction` holds out images of a tree without val/, a tree with val/ takes its validation
images from there (--val-fraction is refused beside it), `prepare synthetic --val-per-class` generates them, and
CIFAR's, ImageNet's and Tiny ImageNet's importers take every validation image of their download, no option adding
one. It advised `prepare folder --val-fraction` for each.
"""

from minitransfer.data.held_out import HELD_OUT
from minitransfer.data.splits import TRAIN_AND_VAL_LAYOUT
from minitransfer.run_facts import dataset_sources

HELD_OUT_WAY = "prepare folder --val-fraction, more images per class"
VAL_FOLDER_WAY = "prepare folder again with more images in each class folder of SOURCE/val/"
SYNTHETIC_WAY = "prepare synthetic --val-per-class"
# importers of a download's own validation set, taken whole: no option gives more
WHOLE_DOWNLOAD = ("cifar10", "cifar100", "imagenet", "tiny-imagenet")
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

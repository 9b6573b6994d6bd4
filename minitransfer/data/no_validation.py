"""What to say of a dataset prepared without a validation image and without a validation file skipped: where its
importer looked for validation images and what gives it some (:func:`where_looked`), for prepare's note and, of
an importer that reads a val/ folder, for train's and splits' refusal (:func:`empty_val_folder`). A dataset whose
validation files were all skipped is told to mend them instead (skipped.txt lists each with why).
"""

import collections
import pathlib

import numpy as np

from .held_out import DEFAULT_VAL_FRACTION, HELD_OUT
from .shard_format import COPIES_FILE

TINY_VAL_LAYOUT = ("Tiny ImageNet's val/ holds 50 images of each class in val/images/, each labelled by a line of "
                   "val/val_annotations.txt (or sorted into val/<wnid>/)")
# prepare into the OUT that holds the dataset refuses other options without --overwrite
OVERWRITE = "with --overwrite to replace OUT's dataset, or into another OUT"
TINY_VAL_LOOKED = ("val/images/ and val/val_annotations.txt held no image (nor val/ a class folder val/<wnid>/ "
                   "with one), so nothing was skipped either")
# what a dataset imported from ILSVRC2012 train-only (no val/ folder, neither option given) needs
TRAIN_ONLY = ("unpack ILSVRC2012_img_val.tar into val/ and prepare imagenet again with its labels (--devkit "
              "DIR, the official devkit folder, or --val-labels FILE)")


def _tiny_again(source):
    """How to get Tiny ImageNet's val/ back: download the zip again, or unpack it again (``source``: meta.json's)."""
    if pathlib.PurePath(str(source.get("path", ""))).suffix.lower() == ".zip":
        return "download tiny-imagenet-200.zip again"
    return "unpack tiny-imagenet-200.zip again (an unpacking interrupted?), or give the zip itself as SOURCE"


def imagenet_labels(source):
    """The option that labelled the val/ folder ImageNet's importer read (``source``: meta.json's), as the command
    line writes it, or "" where neither was given (imported train-only, no val/ read)."""
    return "--devkit DIR" if source.get("devkit") else "--val-labels FILE" if source.get("val_labels") else ""


def empty_val_folder(source):
    """What a dataset needs whose importer (``source``: meta.json's) read a val/ folder that held no validation
    image at all (none skipped), or None where its importer reads none or a val/ cannot be empty (prepare folder
    refuses an empty val/)."""
    kind = source.get("kind") if isinstance(source, dict) else None
    if kind == "tiny-imagenet":
        return f"its {TINY_VAL_LOOKED}: {TINY_VAL_LAYOUT}: {_tiny_again(source)}, and prepare it again"
    given = imagenet_labels(source) if kind == "imagenet" else ""
    if given:
        return (f"its val/ folder held no image that {given} labels, so nothing was skipped either: put ILSVRC2012's "
                f"validation images there (ILSVRC2012_img_val.tar unpacked into val/), each labelled by {given}, "
                f"and prepare it again")
    return None


def where_looked(source):
    """Where the importer of ``source`` (meta.json's) looked for validation images, that found none and skipped
    none, and what to do, for prepare's note; None for an importer not known here (the note then stays general)."""
    kind = source.get("kind") if isinstance(source, dict) else None
    if kind == "folder" and source.get("layout") == HELD_OUT:
        fraction = DEFAULT_VAL_FRACTION if source.get("val_fraction") is None else source["val_fraction"]
        besides = ("or lay the tree out as SOURCE/train/<class>/ with SOURCE/val/<class>/ beside it, holding "
                   "validation images of each class")
        if not fraction:
            return (f"--val-fraction 0 held none out (SOURCE has no val/ folder beside train/): prepare folder "
                    f"again without --val-fraction (it holds out {DEFAULT_VAL_FRACTION:g} of each class; {OVERWRITE}), "
                    f"{besides}")
        asked = "the default" if source.get("val_fraction") is None else "asked"
        return (f"held-out validation (--val-fraction {fraction:g}, {asked}) takes images only from classes of two or "
                f"more, and no class has two distinct images (SOURCE has no val/ folder beside train/): give each "
                f"class 2 or more images and rerun the same command, {besides}")
    if kind == "tiny-imagenet":
        return f"{TINY_VAL_LOOKED}: {TINY_VAL_LAYOUT}: {_tiny_again(source)}, and prepare it again"
    if kind == "imagenet":
        return empty_val_folder(source) or f"SOURCE has no val/ folder, so it was imported train-only: {TRAIN_ONLY}"
    if kind == "synthetic":
        return ("it was generated with 0 validation images per class: prepare synthetic again with --val-per-class "
                "1 or more")
    return None


def copied_throughout(built, classes):
    """The names of those of ``classes`` (of the dataset ``built``, held out) of two or more training images, each
    of which copies-across-classes.txt lists: :func:`.held_out.hold_out` passes such copies over, so they give no
    validation image (a class of one image gives none either)."""
    try:
        lines = (built.path / COPIES_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):  # none: no copies
        return set()
    listed = collections.Counter(fields[2] for fields in (line.split("\t") for line in lines)
                                 if len(fields) > 3 and fields[1] == "train")
    counts = dict(zip((entry["name"] for entry in built.classes),
                      np.bincount(built.labels("train"), minlength=built.num_classes)))
    return {entry["name"] for entry in classes if 2 <= counts[entry["name"]] <= listed[entry["name"]]}

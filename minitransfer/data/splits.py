"""Class splits (halves A / B), drawn as the original experiments drew them, and reduced training sets.

- ``random``, seed s (paper §2, convnet_transfer's code): NumPy's legacy generator seeded with
  the *list* ``[s]`` (``[s]`` and ``s`` give different streams), then
  ``A = sorted(choice(arange(C), C // 2, replace=False))``; B is the rest. Here through a
  ``numpy.random.RandomState([s])`` instance (the same stream, without touching global state).
- ``natural`` (the dissimilar split, paper §4.2, supplement C): A = the classes of one family,
  B = every other class, from each class's ``family``: recorded at import time (WordNet for
  ImageNet and Tiny ImageNet, superclass for CIFAR-100, the generator for the synthetic set, a
  families file for a class-folder tree), or computed from a WordNet ``is_a`` file given here.
  The family of half A is meta.json's ``family_a`` (the first family of a families file, or the
  one chosen at import), else ``natural``: for ImageNet A = natural, B = man-made, the original
  repository's naming.
- ``all``: every class (the random-weights control and full-data baselines).
- Reduced training sets (``train --per-class N``, :func:`select_per_class`): a seeded random N images
  of each class (the run's --seed), where the original kept the first N of each class in its file list.

Inside a half, labels are renumbered 0..C'−1 in ascending original-index order. A split is index
lists over the dataset's images, never a copy.
"""

import hashlib

import numpy as np

from . import same_origin, wordnet
from .held_out import DEFAULT_VAL_FRACTION, is_held_out
from .no_validation import TRAIN_ONLY, copied_throughout, empty_val_folder, imagenet_labels
from .shard_format import COPIES_FILE

KINDS = ("random", "natural", "all")
HALVES = ("A", "B")
MAX_SEED = 2**32 - 1  # NumPy's generators take seeds 0..2**32 - 1
MIN_CLASSES = 2  # a classifier needs at least 2 classes to tell apart: train refuses a half of fewer
# What to do where a half has no validation image (a dataset prepared without any), which train refuses, where what
# made the dataset is not known (:func:`without_validation_remedy`: a dataset imported with a validation set names its
# classes instead; one whose source is known is told its own prepare command's option)
REIMPORT_WITH_VALIDATION = ("re-import with a validation set (prepare folder --val-fraction 0.1, or prepare imagenet "
                            "--devkit DIR)")
# meta.json source.layout of a folder tree whose validation images came from its own val/ folder
TRAIN_AND_VAL_LAYOUT = "train/ and val/"
SEEDS_TRIED = 1000  # the split seeds tried for one that gives each half a validated class (a few ms)
SHORT_CLASSES_NAMED = 5  # in the note on the classes that have fewer images than per_class; the count says the rest


def random_halves(num_classes, seed):
    """(A, B): ascending class indices of the random split ``seed`` of ``num_classes`` classes."""
    generator = np.random.RandomState([int(seed)])
    half_a = np.array(sorted(generator.choice(np.arange(num_classes), num_classes // 2, replace=False)), dtype=np.int64)
    in_half_a = np.zeros(num_classes, dtype=bool)
    in_half_a[half_a] = True
    half_b = np.flatnonzero(~in_half_a)  # not np.setdiff1d: its np.unique imports numpy.ma (8-9 ms CPU)
    return half_a, half_b


def family_halves(families, family_a=wordnet.NATURAL):
    """(A, B): the indices of the classes whose family is ``family_a`` and of all the others.

    ``family_halves(["natural", "man-made", "natural"])`` gives ``([0, 2], [1])``."""
    families = np.array([str(family) for family in families], dtype=object)
    half_a, half_b = np.flatnonzero(families == family_a), np.flatnonzero(families != family_a)
    if not len(half_a) or not len(half_b):
        raise ValueError(f"the natural split needs classes in family {family_a!r} and outside it; "
                         f"the families are {sorted(set(families.tolist()))}")
    return half_a, half_b


def dataset_families(dataset, is_a=None):
    """Family of every class of ``dataset``: its class table's, or from a WordNet ``is_a`` file for a
    dataset imported without families (one with them is trained on their natural split, which an
    ``is_a`` file would replace: ``ValueError``)."""
    missing = [entry["wnid"] for entry in dataset.classes if "family" not in entry]
    if is_a is not None:
        if not missing:
            raise ValueError(f"the classes of {dataset.path} have their families, the natural split train "
                             f"uses (A = family {family_of_half_a(dataset)!r}); --is-a is for a dataset imported "
                             f"without them: leave it out")
        return wordnet.families_from_file([entry["wnid"] for entry in dataset.classes], is_a)
    if missing:
        raise ValueError(f"{len(missing)} classes of {dataset.path} have no family (the natural split needs every "
                         f"class's): {_families_remedy(dataset)}; 'minitransfer splits' also shows the split --is-a "
                         f"FILE would give")
    return [entry["family"] for entry in dataset.classes]


def _families_remedy(dataset):
    """How to give the classes of ``dataset``, imported without families, theirs: prepared again with them over it
    (--overwrite: a rerun with other options is refused without it), as the whole command where meta.json's source
    record says how a class-folder tree was imported, its other options as they were."""
    source = dataset.meta.get("source") or {}
    if source.get("kind") in ("imagenet", "tiny-imagenet"):
        return ("prepare the dataset again with --is-a FILE (WordNet's is-a list) and --overwrite, its other options "
                "as before")
    given = "prepare the dataset again with --families FILE (or --is-a FILE, for WordNet ids)"
    if source.get("kind") != "folder" or not isinstance(source.get("path"), str):
        return f"{given} and --overwrite, its other options as before"
    # the import's own command (same_origin's, as an unfinished import's is said: every option recorded, --seed
    # included at the default --val-fraction, the path as this locale lists it), with families over it
    return f"{given}, over it: {same_origin.finishing_command(dataset.path, dataset.meta)} --families FILE --overwrite"


def family_of_half_a(dataset, is_a=None):
    """The family whose classes are half A of the natural split: natural with an ``is_a`` file, else
    meta.json's ``family_a`` (recorded by ``prepare folder``), else natural."""
    return wordnet.NATURAL if is_a is not None else dataset.meta.get("family_a", wordnet.NATURAL)


def half_families(dataset, is_a=None):
    """(A, B): the names of the natural split's halves, the family of half A and the family of the
    classes of half B (several joined: "building + vehicle"). ImageNet's: ("natural", "man-made")."""
    family_a = family_of_half_a(dataset, is_a)
    return family_a, " + ".join(sorted(set(dataset_families(dataset, is_a)) - {family_a}))


def class_halves(dataset, kind, seed=0, is_a=None):
    """(A, B) ascending class indices of split ``kind`` of ``dataset`` ("all": (all, empty))."""
    if kind == "random":
        return random_halves(dataset.num_classes, seed)
    if kind == "natural":
        return family_halves(dataset_families(dataset, is_a), family_of_half_a(dataset, is_a))
    if kind == "all":
        return np.arange(dataset.num_classes), np.zeros(0, dtype=np.int64)
    raise ValueError(f"the split kind must be one of {KINDS}, got {kind!r}")


def select_per_class(labels, per_class, seed=None):
    """Indices (ascending) keeping ``per_class`` images of each label: the first ones or, with
    ``seed``, a seeded random choice (``train --per-class`` passes its --seed). A class with fewer
    images keeps them all."""
    order = np.argsort(labels, kind="stable")  # the images of each label together, in ascending order: its members
    classes, starts, counts = np.unique(np.asarray(labels)[order], return_index=True, return_counts=True)
    if seed is None:
        rank = np.arange(len(order)) - np.repeat(starts, counts)  # of each image among its label's
        return np.sort(order[rank < per_class])
    keep = [np.random.default_rng([int(seed), int(label)]).choice(order[start:start + count], min(per_class, count),
                                                                  replace=False)
            for label, start, count in zip(classes, starts, counts)]
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


class Half:
    """One side of a split of a dataset: its classes and the images of those classes.

    ``class_indices`` ascending original class indices; ``train_indices`` / ``val_indices`` image
    indices into the dataset's subsets; ``train_labels`` / ``val_labels`` int32, renumbered
    0..num_classes−1 in ascending original-index order; ``short_classes``: with ``per_class``, the
    (class table entry, training images) of each class that has fewer, and keeps them all. Of a dataset
    opened for some subsets (``eval``'s: :attr:`.dataset.Dataset.subsets`), the others' indices are empty."""

    def __init__(self, dataset, kind, seed, half, class_indices, per_class=None, per_class_seed=None):
        self.kind, self.seed, self.half = kind, seed, half
        self.per_class, self.per_class_seed = per_class, per_class_seed
        self.class_indices = np.asarray(class_indices, dtype=np.int64)
        self.classes = [dataset.classes[index] for index in self.class_indices]
        renumber = np.full(dataset.num_classes, -1, dtype=np.int64)
        renumber[self.class_indices] = np.arange(len(self.class_indices))
        self.short_classes = []
        for subset in ("train", "val"):
            # a dataset opened for the subset eval scores alone: the other's images are none to this half
            labels = dataset.labels(subset) if subset in dataset.subsets else np.zeros(0, np.int32)
            indices = np.flatnonzero(renumber[labels] >= 0)
            if subset == "train" and per_class is not None:
                counts = np.bincount(renumber[labels[indices]], minlength=len(self.class_indices))
                self.short_classes = [(self.classes[label], int(counts[label]))
                                      for label in np.flatnonzero(counts < per_class)]
                indices = indices[select_per_class(labels[indices], per_class, per_class_seed)]
            setattr(self, f"{subset}_indices", indices)
            setattr(self, f"{subset}_labels", renumber[labels[indices]].astype(np.int32))

    @property
    def num_classes(self):
        return len(self.class_indices)

    @property
    def too_few_classes(self):
        """Whether train refuses this half for its classes: fewer than :data:`MIN_CLASSES` (a dataset of
        1 or 3 classes); splits says so in a note."""
        return self.num_classes < MIN_CLASSES

    @property
    def without_validation(self):
        """Whether train refuses this half for want of validation images (nothing would measure it: a
        dataset prepared without any, see :data:`REIMPORT_WITH_VALIDATION`); splits says so in a note."""
        return len(self.val_indices) == 0

    def short_classes_note(self):
        """What ``per_class`` does not do to this half, or "" where every class has that many images:
        how many classes keep all their fewer training images, the first few named."""
        if not self.short_classes:
            return ""
        shown = ", ".join(f"{entry['name']!r} ({count})" for entry, count in self.short_classes[:SHORT_CLASSES_NAMED])
        more = len(self.short_classes) - SHORT_CLASSES_NAMED
        return (f"`per_class={self.per_class}`: {len(self.short_classes)} of the {self.num_classes} classes"
                f"{f' of half {self.half}' if self.half else ''} have fewer than {self.per_class} training images, "
                f"and keep all they have: {shown}" + (f" and {more} more" if more > 0 else ""))

    def describe(self):
        """JSON-serialisable provenance: kind, seed, half, class count, per_class."""
        return {
            "kind": self.kind,
            "seed": self.seed,
            "half": self.half,
            "num_classes": self.num_classes,
            "per_class": self.per_class,
            "per_class_seed": self.per_class_seed,
            "class_indices_sha256": hashlib.sha256(self.class_indices.astype("<i8").tobytes()).hexdigest(),
        }

    def __repr__(self):
        return (f"<Half {self.kind} seed={self.seed} half={self.half}: {self.num_classes} classes, "
                f"{len(self.train_indices)} train / {len(self.val_indices)} val images>")


def make_half(dataset, kind, seed=0, half=None, per_class=None, per_class_seed=None, is_a=None):
    """The half ``half`` ("A"/"B"; None for kind "all") of split ``kind`` of ``dataset``.

    Example: ``make_half(open_dataset("imagenet-256"), "random", seed=0, half="A")`` gives the
    paper's baseA classes (500 of 1000) with labels 0..499."""
    if kind not in KINDS:
        raise ValueError(f"the split kind must be one of {KINDS}, got {kind!r}")
    if kind == "all" and half is not None:
        raise ValueError(f"the all split has no halves: half must be None, got {half!r}")
    if kind != "all" and half not in HALVES:
        raise ValueError(f"the {kind} split has halves {HALVES}: half must be one of them, got {half!r}")
    for name, value, low, high in (("the split's seed", seed, 0, MAX_SEED), ("per_class", per_class, 1, None),
                                   ("per_class_seed", per_class_seed, 0, MAX_SEED)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low
                                  or high is not None and value > high):
            bounds = f"{low}..{high}" if high is not None else f">= {low}"
            raise ValueError(f"{name} must be an integer {bounds}, got {value!r}")
    if per_class_seed is not None and per_class is None:
        raise ValueError("per_class_seed chooses the images per_class keeps of each class, and per_class is None: "
                         "give per_class too")
    half_a, half_b = class_halves(dataset, kind, seed, is_a)
    classes = half_b if half == "B" else half_a
    return Half(dataset, kind, seed if kind == "random" else None, half, classes, per_class, per_class_seed)


def too_few_classes_remedy(dataset, half):
    """Why ``half`` (a :class:`Half` of fewer than :data:`MIN_CLASSES` classes of ``dataset``) holds so few and
    what gives it more; the caller adds its own way to train every class instead (train's `split='all'`). The
    natural split's families are the class table's, as train and experiment read them (an is-a file given to
    ``splits`` alone does not reach them), so the advice follows where meta.json's source says they came from."""
    if half.kind != "natural":  # a random half of a dataset of 2 or 3 classes
        return (f"{dataset.num_classes} in the dataset, and the random split needs {2 * MIN_CLASSES} or more, "
                f"{MIN_CLASSES} a half: give the dataset more classes")
    family_a = family_of_half_a(dataset)
    names = ", ".join(repr(entry["name"]) for entry in half.classes) or "no class"
    short = (f"family {family_a!r} holds only {names}" if half.half == "A" else
             f"outside family {family_a!r} there is only {names}")
    return f"{short}: {_more_classes_of(dataset, family_a, half.half == 'A')}"


def _more_classes_of(dataset, family_a, half_a):
    """How to give family ``family_a`` (``half_a``; else the other families) more classes, by where the families
    came from (meta.json's source): ``prepare folder``'s families file (or its ``--family-a``, where another family
    fits) or its is-a file (more class folders of that family), ``prepare synthetic``'s ``--classes`` (half of them
    each family's), or the importer itself (CIFAR's superclasses, ImageNet's WordNet families, from its is-a file),
    whose source needs more classes of that family."""
    source = dataset.meta.get("source")
    kind = source.get("kind") if isinstance(source, dict) else None
    of = "of" if half_a else "outside"
    if kind == "synthetic":
        return f"prepare synthetic again with --classes {2 * MIN_CLASSES} or more (half of them in each family)"
    # prepare folder gives families by a families file or by --is-a: without the file they are the is-a file's
    # (a dataset of 0.1.0 prepared before it recorded is_a has neither key set, and was told of a families file)
    if kind == "folder" and not source.get("families"):
        return (f"the is-a file gives each class its family: give the tree {MIN_CLASSES} or more class folders {of} "
                f"family {family_a!r} (as the is-a file places them) and prepare again, or give the families in a "
                f"file instead (prepare folder --families FILE)")
    if kind != "folder":
        giver = "the is-a file" if isinstance(source, dict) and source.get("is_a") else kind or "its importer"
        return (f"{giver} gives each class its family: prepare again from a source holding {MIN_CLASSES} or more "
                f"classes {of} family {family_a!r}")
    families = dataset_families(dataset)  # read only here: the folder's own families
    counts = {family: families.count(family) for family in sorted(set(families))}
    other_a = [family for family, count in counts.items() if family != family_a and count >= MIN_CLASSES
               and len(families) - count >= MIN_CLASSES]  # a half A that leaves both halves enough classes
    instead = f", or make {other_a[0]!r} half A (prepare folder --family-a {other_a[0]!r})" if other_a else ""
    return (f"give {'it' if half_a else 'the other families'} {MIN_CLASSES} or more classes in the families file and "
            f"prepare again (prepare folder --families FILE){instead}")


def without_validation_remedy(dataset, half):
    """What to do where ``half`` (a :class:`Half` of ``dataset``) has no validation image: for a dataset imported
    without a validation set, what its importer's val/ needs (:func:`_val_folder_remedy`: a train/ + val/ tree's,
    Tiny ImageNet's or ImageNet's val/ whose files were all left out), else the import again with the option that gives
    one (:func:`minitransfer.validation_advice.with_validation`: --val-per-class for a synthetic set, where
    "prepare folder --val-fraction 0.1, or prepare imagenet --devkit DIR" was said of every dataset); for one
    imported with one, the half's classes named (each lacks one: a class of one image held out none, a val/ folder
    gave it none) and images added to them, or a `split_seed` that gives each random half a class with validation
    images, where one does."""
    source = dataset.meta.get("source")
    held_out = is_held_out(source)
    fraction = source.get("val_fraction") if held_out else None
    has_val = "val" in dataset.subsets and dataset.num_images("val") > 0
    if not has_val and not (held_out and (DEFAULT_VAL_FRACTION if fraction is None else fraction) > 0):
        skipped = dataset.meta.get("skipped")  # None: a stand-in without the list, which says what it needs
        none_skipped = skipped is not None and not any(entry.get("subset") == "val" for entry in skipped)
        from minitransfer.validation_advice import with_validation  # here: validation_advice imports this module

        return (none_skipped and empty_val_folder(source)) or _val_folder_remedy(source) or with_validation(source)
    names = [repr(entry["name"]) for entry in half.classes]
    shown = ", ".join(names[:SHORT_CLASSES_NAMED]) + (f" and {len(names) - SHORT_CLASSES_NAMED} more"
                                                      if len(names) > SHORT_CLASSES_NAMED else "")
    add = ("give each of them 2 or more images, since held-out validation takes one only from a class of two or "
           "more" if held_out else "add validation images of each of them (a val/ folder needs an image of each)")
    if held_out and copied_throughout(dataset, half.classes):  # its classes' images lie in other classes too
        add = ("give each of them 2 or more images that lie in no other class, since held-out validation takes one "
               "only from a class of two or more and takes no copy of another class's image (listed in "
               f"{COPIES_FILE})")
    seed = _seed_validating_both_halves(dataset) if half.kind == "random" else None
    other_seed = f", or use another split seed, e.g. `split_seed={seed}`" if seed is not None else ""
    return (f"its classes {shown} have no validation image: {add}, and prepare it again{other_seed}")


def _val_folder_remedy(source):
    """What a dataset without validation images needs where its importer (``source``: meta.json's) takes them from
    a val/ folder, in that importer's layout of val/, or None (:data:`REIMPORT_WITH_VALIDATION` fits). --val-fraction
    is refused beside a train/ + val/ tree's val/ and Tiny ImageNet always reads its own, so their val/ files were
    all left out (skipped.txt); ImageNet's val/ is read with --devkit or --val-labels, its files then all left out,
    and without either the dataset is train-only (no val/): unpack the archive into val/ and give its labels."""
    kind = source.get("kind") if isinstance(source, dict) else None
    left_out = "gave no validation image (skipped.txt says why of each file left out: "
    if kind == "folder" and source.get("layout") == TRAIN_AND_VAL_LAYOUT:
        return (f"its val/ folder {left_out}a copy of a training image, or it does not decode): put images in val/ "
                f"that decode and are not in train/, and prepare it again")
    if kind == "tiny-imagenet":
        return (f"its val/ folder {left_out}it does not decode, or is a link): put images that decode in "
                f"val/images/, each labelled by val/val_annotations.txt (or sorted into val/<wnid>/), as "
                f"tiny-imagenet-200.zip holds them, and prepare it again")
    given = imagenet_labels(source) if kind == "imagenet" else ""
    if given:
        return (f"its val/ folder {left_out}it does not decode): put ILSVRC2012's validation images there "
                f"(ILSVRC2012_img_val.tar unpacked into val/) that decode, each labelled by {given}, and prepare it "
                f"again")
    if kind == "imagenet":
        return f"it was imported without a validation set (no val/ folder): {TRAIN_ONLY}"
    return None


def _seed_validating_both_halves(dataset):
    """The first random split seed (of :data:`SEEDS_TRIED`) each of whose halves holds a class with validation
    images, or None (fewer than two such classes: none does)."""
    validated = np.zeros(dataset.num_classes, dtype=bool)
    validated[dataset.labels("val")] = True  # repeats set it again: no np.unique (numpy.ma)
    if validated.sum() < 2:
        return None
    for seed in range(SEEDS_TRIED):
        if all(validated[side].any() for side in random_halves(dataset.num_classes, seed)):
            return seed
    return None


def natural_split_notes(dataset):
    """``prepare``'s notes on the natural split of ``dataset``: one for each half of fewer than
    :data:`MIN_CLASSES` classes (a family of one class), which train and experiment refuse; none for a dataset
    without families."""
    if any("family" not in entry for entry in dataset.classes):
        return
    try:
        halves = class_halves(dataset, "natural")
    except ValueError:  # one family only: the natural split's own error says so where it is asked for
        return
    for side, classes in zip(HALVES, halves):
        if len(classes) < MIN_CLASSES:
            half = Half(dataset, "natural", None, side, classes)
            yield (f"note: half {side} of the natural split holds {len(classes)} class, which 'train' and "
                   f"'experiment' refuse (a classifier needs {MIN_CLASSES} or more): "
                   f"{too_few_classes_remedy(dataset, half)}, or train every class (train --split all)")

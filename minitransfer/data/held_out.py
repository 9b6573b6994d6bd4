"""Held-out validation for :mod:`.folder`: which of each class's images are held out (:func:`hold_out`), and what
``prepare`` says when the share held out is not the one asked (:func:`share_note`).

A class of two or more images gives at least one (else a class of fewer than 1/(2·fraction) images, 5 at the
default 0.1, has no validation image) and keeps at least one; so a tree of small classes holds out more than
the fraction asked (1000 classes of 3-5 images: about a quarter), which :func:`share_note` says.
"""

import hashlib
import itertools

import numpy as np

DEFAULT_VAL_FRACTION = 0.1
HELD_OUT = "held-out validation"  # meta.json source.layout of a tree whose validation images were held out
# why a damaged photo takes a validation place (hold_out's pick is made from the listing, see .folder)
PICKED_BEFORE_DECODING = "validation files are picked before decoding; delete or replace the damaged ones and rerun"


def held_out_count(count, fraction):
    """How many of a class's ``count`` distinct images are held out: ``fraction`` of them, rounded
    (:func:`_share`), at least one and never all of a class of two or more."""
    return 0 if count < 2 or fraction == 0 else min(max(_share(count, fraction), 1), count - 1)


def _share(count, fraction):
    """``fraction`` of ``count`` images rounded to whole images, half up."""
    return int(count * fraction + 0.5)


def hold_out(train, fraction, seed, identity, images=None, copied=None):
    """(train, val): ``fraction`` of each class's files moved to val (:func:`held_out_count`), chosen with (seed,
    class name).

    The choice is over distinct files (``identity``: :func:`.copies.file_identities`), so two paths of one
    file (a link) stay on one side; without links it is a choice over the paths. Only files among
    ``images`` (None: every file) are chosen and counted: a LabelImg .xml beside each photo took
    validation places, and left classes without a validation image; the others train (and are skipped
    when they do not decode), so a tree of images alone is split as before. A file for which ``copied(class,
    path)`` is true (:func:`.copies.in_other_classes`: its bytes lie in another class's folder) is passed over
    for the next in the class's order: held out, it was left out of validation as a copy of a training image and
    not replaced (the class could end without a validation image), and no longer trained with its own label
    either; passed over, it trains with each label and is listed as such. A tree without such copies is split
    as before."""
    kept, held = {}, {}
    for name, files in train.items():
        first = {}  # {distinct file: its first path}
        for file in files:
            if images is None or file in images:
                first.setdefault(identity.get(file, file), file)
        distinct = list(first)
        count = len(distinct)
        name_seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
        order = np.random.default_rng([seed, name_seed]).permutation(count)
        candidates = (distinct[position] for position in order)
        if copied is not None:
            candidates = (key for key in candidates if not copied(name, first[key]))
        held_out = set(itertools.islice(candidates, held_out_count(count, fraction)))
        kept[name] = [file for file in files if identity.get(file, file) not in held_out]
        held[name] = [file for file in files if identity.get(file, file) in held_out]
    return kept, held


def is_held_out(source):
    """Whether ``source`` (meta.json's) is a class-folder tree whose validation images were held out."""
    return isinstance(source, dict) and source.get("kind") == "folder" and source.get("layout") == HELD_OUT


def share_note(source, train_labels, val_labels, num_classes, undecoded=0, listed_in="skipped.txt"):
    """The note (or None) that says how the share of images held out (``val_labels`` of the ``train_labels`` +
    ``val_labels`` imported, of ``num_classes`` classes) differs from the ``--val-fraction`` asked, where it
    differs by more than a fifth of it, and why (``source``: meta.json's, of a held-out tree; else None): 1000
    classes of 3-5 images held out 24%, at the default 10%, without a word. ``undecoded``: how many of the files
    held out did not decode (listed in ``listed_in``): they are picked before decoding (:func:`hold_out`), so a
    damaged photo took a validation place, which the note blamed on rounding."""
    if not is_held_out(source):
        return None
    asked = DEFAULT_VAL_FRACTION if source.get("val_fraction") is None else source["val_fraction"]
    held = np.bincount(val_labels, minlength=num_classes)
    total = held + np.bincount(train_labels, minlength=num_classes)
    share = held.sum() / max(total.sum(), 1)
    if not asked or abs(share - asked) <= asked / 5 and not undecoded:
        return None
    raised = sum(1 for given, count in zip(held, total) if given and _share(int(count), asked) == 0)
    single = int(np.sum(total == 1))
    why = []
    if raised:
        why.append(f"each class of two or more images gives at least one: {raised} class(es) gave one where their "
                   f"share rounded to none")
    if single and share < asked:
        why.append(f"{single} class(es) of one image gave none")
    if undecoded:
        why.append(f"{undecoded} of the files picked for validation could not be decoded ({PICKED_BEFORE_DECODING}; "
                   f"listed in {listed_in})")
    return (f"note: val {held.sum()} of {total.sum()} images ({share:.1%}, not the {asked * 100:g}% asked): "
            f"{'; '.join(why) or 'each class gives its share rounded to whole images'}")

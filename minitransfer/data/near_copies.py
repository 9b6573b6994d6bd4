"""Images one prepared dataset shares with another (``prepare overlap``): a transfer across datasets whose target
holds copies of its source's images, the same photo resized, re-encoded, mirrored, re-lit, re-cut or at another size,
measures layers that have seen those images, as a class named alike (:func:`minitransfer.class_tables.shared_classes`)
does for classes. Each image is told by its thumbnail (:func:`thumbnails`: :data:`SIDE` x :data:`SIDE` grey levels,
each the mean of its block of the stored image), which two prepare sizes of one photo barely change, compared less
its mean and over its spread (:func:`normalized`), which a photo made lighter, darker or of other contrast keeps
(but where the change saturates much of it); two images are near copies (:func:`near_copies`) where these differ by
at most :data:`MEAN_SPREAD` on average and :data:`MOST_SPREAD` at any block. A target's image is compared with its
source's whole images and with five parts of each (:data:`WINDOWS`: training's crop of 227 of 256 at the centre
and at each corner), mirrored or not: a photo re-cut so is found within about 1% of the image at each edge, a crop
elsewhere (a random one of training's at another place, 95% of the sides, a strip) mostly not: each window is one
more thumbnail per source image to compare with. A plain image (:func:`plain`: a blank, a black frame, a clear sky
of one gradient: a thumbnail near a plane) is a near copy of every other of its gradient by that measure (what is
left of it mostly noise), so such images are left out, and counted.

One dataset given as both is compared within itself (:func:`copies_within`, whole images, mirrored too): its
validation images that are one of its training photos so changed, and its training images that look like another
class's.

Measured (tests/overlap_photos.py's photo-like images, 256 px, prepared at 64 and at 32 px as JPEGs of quality
75): of 400 distinct images, none called a copy of another, whole or by any of the 12 windows, mirrored or not (the
closest 0.24 apart on average); found: 100% resized, 95% 30 levels lighter, 100% of 0.7 times the contrast, 83% of
1.3 times less 30 levels (saturated), 100% cut to a window, 91% 2% off one edge, 66% 2% off each, 35% 95% of the
sides, 4% training's crop at another place, 1% a strip of 80%; 300 skies of a gradient each: 290 left out as plain,
no pair of the others called copies (0.11.7, comparing grey levels: 50 pairs). 5000 random thumbnails against
60000, mirrored, on 2 busy cores: 9.6 to 13.3 s before windows (0.11.7), 4.9 s whole only (--no-crops), 41 s with
the windows. The whole command, synthetic datasets of 2000 and 20000 images of 64 px: 77 to 82 s (0.11.8, an einsum a
thumbnail window, the source normalized again for each batch), 14 to 19 s (each thumbnail two products of matrices,
the grey levels once for every window, the source normalized once).
"""

import collections

import numpy as np

from . import image_files
from .dataset import SUBSETS
from ..name_lists import some_names

SIDE = 8            # a thumbnail's side, in blocks
MEAN_LEVELS = 2.0   # near-uniform: a thumbnail's blocks within this of its mean on average (of 255)
PLANE_SHARE = 0.25  # near a plane: what a plane fitted to a thumbnail leaves, at most this share of its spread
MEAN_SPREAD = 0.1   # near copies: their normalized thumbnails' mean absolute difference at most this
MOST_SPREAD = 0.6   # and no block of them more than this
SIFT_MARGIN = 0.05  # added to the sifting's bound on squared distances (float32 sums of 64 terms near 128)
FULL = (0.0, 0.0, 1.0, 1.0)  # a thumbnail's window (top, left, height, width, of the image's sides): all of it
CROP = 227 / 256    # the side of the parts of a source's images compared too: training's crop of a 256 image
# the windows of a source's images whose thumbnails a target's are compared with, by name: the whole image, and
# training's crop (CROP) at its centre and at each corner, where Caffe's oversampled test crops lie
WINDOWS = {"whole": FULL, "centre": ((1 - CROP) / 2, (1 - CROP) / 2, CROP, CROP), "top left": (0.0, 0.0, CROP, CROP),
           "top right": (0.0, 1 - CROP, CROP, CROP), "bottom left": (1 - CROP, 0.0, CROP, CROP),
           "bottom right": (1 - CROP, 1 - CROP, CROP, CROP)}
BATCH = 512         # images read, and compared, at a time
COLUMNS = 16384     # a source's thumbnails a batch is compared with at a time
GREY = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601 luma, as Pillow's convert("L")


def thumbnails(images, window=FULL):
    """float32 (N, SIDE*SIDE) thumbnails of uint8 (N, H, W, 3) ``images``: grey, each block's mean over exactly
    its share of the image (pixels cut by a block's edge counted in part, :func:`_block_weights`), so that one photo
    stored at two sizes gives nearly one thumbnail. ``window`` (top, left, height, width, as fractions of the image's
    sides): the thumbnail of that part of each image alone (:data:`WINDOWS`: a crop's)."""
    return _window_thumbnails(_grey(images), window)


def _grey(images):
    """float32 (N, H, W) grey levels of uint8 (N, H, W, 3) ``images`` (:data:`GREY`): one product of matrices."""
    return np.dot(images.reshape(-1, 3).astype(np.float32), GREY).reshape(images.shape[:3])


def _window_thumbnails(grey, window=FULL):
    """:func:`thumbnails` of the grey levels ``grey`` (N, H, W) of images, of their part ``window``: the columns'
    block means of every row at once, then the rows', two products of matrices (an einsum of the three took ~9 s
    a window for 512 images of 256 px, 50 times longer: ImageNet's source, 6 windows, ~2 days)."""
    count, height, width = grey.shape
    top, left, tall, wide = window
    rows = _block_weights(height, top, top + tall)
    cols = _block_weights(width, left, left + wide)
    return (rows @ (grey.reshape(-1, width) @ cols.T).reshape(count, height, SIDE)).reshape(count, SIDE * SIDE)


def _block_weights(length, start=0.0, stop=1.0):
    """float32 (SIDE, length): how much of each of ``length`` pixels lies in each of SIDE equal blocks of the span
    ``start``..``stop`` (fractions of ``length``), each row summing to 1 (a block's mean)."""
    edges = np.arange(length + 1, dtype=np.float64)
    blocks = np.linspace(start * length, stop * length, SIDE + 1)
    overlap = np.clip(np.minimum(edges[None, 1:], blocks[1:, None]) - np.maximum(edges[None, :-1], blocks[:-1, None]),
                      0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def dataset_thumbnails(data, progress=None, windows=(FULL,)):
    """{subset: (its thumbnails (N, len(windows), SIDE*SIDE), one for each of ``windows``, its labels)} of the opened
    dataset ``data``, read :data:`BATCH` images at a time (``progress(done, total, stage)`` after each, as an
    import's: "reading the images of <folder>"); held read (:meth:`.dataset.Dataset.reading`) by the caller."""
    found, total, done = {}, sum(data.num_images(subset) for subset in SUBSETS), 0
    for subset in SUBSETS:
        count = data.num_images(subset)
        thumbs = np.empty((count, len(windows), SIDE * SIDE), np.float32)  # filled in place: no second copy
        for start in range(0, count, BATCH):
            images = data.images(subset, range(start, min(start + BATCH, count)))
            grey = _grey(images)  # once for every window
            for number, window in enumerate(windows):
                thumbs[start:start + len(images), number] = _window_thumbnails(grey, window)
            done += len(images)
            if progress is not None:
                progress(done, total, f"reading the images of {data.path.name}")
        found[subset] = (thumbs, data.labels(subset))
    return found


def plain(thumbs):
    """bool (N,): which of ``thumbs`` (N, SIDE*SIDE) are plain: near-uniform, their blocks within :data:`MEAN_LEVELS`
    of their own mean on average, or near a plane (one gradient, a sky's), what a plane fitted to them leaves within
    MEAN_LEVELS on average or :data:`PLANE_SHARE` of their own spread: any two such of one grey level, or of one
    gradient, are near copies once :func:`normalized`, whatever the photos."""
    thumbs = np.asarray(thumbs, dtype=np.float64)
    spread = np.abs(thumbs - thumbs.mean(axis=1, keepdims=True)).mean(axis=1)
    left = np.abs(thumbs - thumbs @ _PLANES).mean(axis=1)
    return (left <= MEAN_LEVELS) | (left <= PLANE_SHARE * spread)


def _plane_projection():
    """(SIDE*SIDE, SIDE*SIDE): a thumbnail times it is the plane (a + b row + c column) nearest it (least squares)."""
    rows, columns = np.mgrid[0:SIDE, 0:SIDE]
    basis = np.stack([np.ones(SIDE * SIDE), rows.ravel(), columns.ravel()], axis=1)
    return basis @ np.linalg.pinv(basis)


_PLANES = _plane_projection()


def normalized(thumbs):
    """float32 ``thumbs`` (N, SIDE*SIDE), each less its mean and over its standard deviation: a photo made brighter or
    darker, or of more or less contrast, gives the same (a near-uniform one, :func:`plain`, only its noise scaled:
    left out by the callers; one of no contrast at all, zeros)."""
    thumbs = np.asarray(thumbs, dtype=np.float64)
    centred = thumbs - thumbs.mean(axis=1, keepdims=True)
    spread = np.sqrt((centred * centred).mean(axis=1, keepdims=True))
    return (centred / np.where(spread > 0, spread, 1.0)).astype(np.float32)


def normalize(thumbs):
    """``thumbs`` (float32 (N, SIDE*SIDE), its own) made :func:`normalized` in place, :data:`COLUMNS` rows at a time:
    a source's thumbnails normalized once, not for each batch of a target's (a third of the comparison's time),
    with no second copy of them (ImageNet's, mirrored: 2.6 million a window)."""
    for first in range(0, len(thumbs), COLUMNS):
        thumbs[first:first + COLUMNS] = normalized(thumbs[first:first + COLUMNS])
    return thumbs


def near_copies(these, those, progress=None, normal=False):
    """[(index in ``these``, index in ``those``)] of each thumbnail of ``these`` (N, SIDE*SIDE) and the first of
    ``those`` it is a near copy of (see the module), in ``these``' order: their :func:`normalized` thumbnails differ by
    at most :data:`MEAN_SPREAD` on average and :data:`MOST_SPREAD` at any block. Pairs are first sifted by their
    squared distance, a product of matrices (BLAS): a near copy's is at most MOST_SPREAD x MEAN_SPREAD x SIDE*SIDE
    (each block's square at most MOST_SPREAD times its difference); those left are compared block by block, a row of
    ``these`` at a time. :data:`BATCH` of ``these`` against :data:`COLUMNS` of ``those`` at a time, so that the
    memory taken does not grow with the source (ImageNet's, mirrored: 2.6 million thumbnails, whose distances to a
    batch took 10 GB at once). ``normal``: ``those`` are normalized already (:func:`normalize`, as
    :func:`shared_images` does its source's once), else each part of them is normalized for each batch of ``these``
    (no copy of them all). ``progress(rows done)`` after each batch of ``these``."""
    # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, each norm SIDE*SIDE (or 0, of no contrast: then never near): a pair is
    # near where a.b is at least SIDE*SIDE less half the bound, less half SIFT_MARGIN for float32's rounding
    pairs, least = [], SIDE * SIDE - (MOST_SPREAD * MEAN_SPREAD * SIDE * SIDE + SIFT_MARGIN) / 2
    for start in range(0, len(these), BATCH):
        block, found = normalized(these[start:start + BATCH]), {}
        for first in range(0, len(those), COLUMNS):
            part = those[first:first + COLUMNS] if normal else normalized(those[first:first + COLUMNS])
            near = block @ part.T >= least
            near[list(found)] = False  # paired in an earlier part: the first near copy is named
            for row in np.flatnonzero(near.any(axis=1)):
                columns = np.flatnonzero(near[row])  # ascending
                difference = np.abs(block[row].astype(np.float64) - part[columns])
                copies = np.flatnonzero((difference.mean(axis=1) <= MEAN_SPREAD)
                                        & (difference.max(axis=1) <= MOST_SPREAD))
                if len(copies):
                    found[int(row)] = first + int(columns[copies[0]])
        pairs += [(start + row, column) for row, column in sorted(found.items())]
        if progress is not None:
            progress(start + len(block))
    return pairs


def mirrored(thumbs):
    """``thumbs`` (N, SIDE*SIDE) of images mirrored left to right: each thumbnail's columns reversed (the blocks of
    :func:`thumbnails` lie symmetrically), as training mirrors an image at random
    (:mod:`minitransfer.data.loader`): a source's layers have seen a photo both ways."""
    return thumbs.reshape(len(thumbs), SIDE, SIDE)[:, :, ::-1].reshape(len(thumbs), SIDE * SIDE)


def _copies_of(these, those, progress=None):
    """{row of ``these``: (row of ``those``, mirrored)} for each of the thumbnails ``these`` that is a near copy of
    one of ``those`` (:func:`near_copies`; ``those`` :func:`normalized`), as it is or mirrored (the first pair found,
    unmirrored first); ``progress(images done)`` as they are compared."""
    found = {}

    def compared(rows):  # rows of the unmirrored, then of the mirrored: each image twice
        if progress is not None:
            progress(rows // 2)

    for row, column in near_copies(np.concatenate([these, mirrored(these)]), those, compared, normal=True):
        found.setdefault(row % len(these), (column, row >= len(these)))
    return found


def shared_images(target, source, progress=None, windows=tuple(WINDOWS)):
    """([((subset, index, label) of ``target``, (subset, index, label) of ``source``, mirrored, window)] of each image
    of the opened dataset ``target`` that is a near copy of one of ``source``, of a part of it (``windows``' names,
    :data:`WINDOWS`) or of either mirrored (:func:`near_copies`; the first such of the source's, its training images
    before its validation images, whole before cut, all unmirrored before any mirrored), how many of ``target``'s
    images and of ``source``'s are near-uniform (:func:`plain`), left out); both held read by the caller. A target's
    image is compared mirrored with the source's unmirrored (the same pairs as the other way round): the source's
    thumbnails, the bulk of the memory (ImageNet's: 330 MB a window), are held once."""
    mine = dataset_thumbnails(target, progress)
    theirs = dataset_thumbnails(source, progress, [WINDOWS[name] for name in windows])
    where = [(subset, index, int(label)) for subset in SUBSETS for index, label in enumerate(theirs[subset][1])]
    pooled = np.concatenate([theirs.pop(subset)[0] for subset in SUBSETS])
    kept = np.flatnonzero(~plain(pooled[:, 0]))
    every = pooled[kept].transpose(1, 0, 2).reshape(len(windows) * len(kept), SIDE * SIDE)  # window by window
    normalize(every)  # a copy (pooled[kept]): normalized in place, once for every batch of every subset compared
    plain_there, pooled = len(pooled) - len(kept), None
    copies, plain_here, done = [], 0, 0
    total = sum(len(mine[subset][0]) for subset in SUBSETS)
    for subset in SUBSETS:
        thumbs = mine[subset][0][:, 0]
        compared = np.flatnonzero(~plain(thumbs))
        plain_here += len(thumbs) - len(compared)

        def compared_so_far(images, done=done):
            if progress is not None:
                progress(done + images, total, f"comparing the images of {target.path.name} with {source.path.name}'s")

        copies += [((subset, int(compared[row]), int(mine[subset][1][compared[row]])),
                    where[kept[column % len(kept)]], mirror, windows[column // len(kept)])
                   for row, (column, mirror) in sorted(_copies_of(thumbs[compared], every, compared_so_far).items())]
        done += len(thumbs)
    return copies, plain_here, plain_there


SHOWN = 5  # class pairs and example images an overlap's lines name at most


def overlap_lines(target, source, named_target, named_source, progress=None, crops=True):
    """What ``prepare overlap`` says of the opened datasets ``target`` and ``source`` (named as the user gave them),
    one line each: the classes of ``target`` named as ``source``'s (:func:`minitransfer.class_tables.shared_classes`,
    as train and experiment warn of them), and its images that are near copies of ``source``'s
    (:func:`shared_images`; of parts of them too, :data:`WINDOWS`, unless not ``crops``), counted by class pair, the
    first few named by their files (:func:`.image_files.recorded_files`), else by subset and index, and class."""
    from minitransfer import class_tables  # here: it imports config_checks, which a decode worker needs not

    def name(data, label):
        return class_tables.described_class(data.classes[label])

    shared = class_tables.shared_classes(target.classes, source.classes)
    named = some_names([class_tables.described_class(entry) for entry in shared], SHOWN)
    lines = [f"{named_target} and {named_source}: "
             + (f"{len(shared)} of the {target.num_classes} classes of {named_target} "
                f"{'is' if len(shared) == 1 else 'are'} among the {source.num_classes} of {named_source} "
                f"({class_tables.matched_by(shared)}: {named})" if shared
                else "no class of one named as a class of the other")]
    copies, plain_here, plain_there = shared_images(target, source, progress, tuple(WINDOWS) if crops else ("whole",))
    total = sum(target.num_images(subset) for subset in SUBSETS)
    left = (f"; {plain_here} of {named_target} and {plain_there} of {named_source} are near-uniform (blank, sky, black "
            f"frames), left out: such thumbnails all look alike" if plain_here or plain_there else "")
    if not copies:
        lines.append(f"{named_target} and {named_source}: none of the {total} images of {named_target} looks like an "
                     f"image of {named_source}{left}")
        return lines
    looks = "looks" if len(copies) == 1 else "look"
    lines.append(f"{named_target} and {named_source}: {len(copies)} of the {total} images of {named_target} {looks} "
                 f"like images of {named_source} (the same photo resized, re-encoded, re-lit, cut or mirrored): "
                 + _class_pairs([(here[2], there[2]) for here, there, _, _ in copies],
                                lambda label, other: f"{name(target, label)} like {name(source, other)}") + left)
    mine, theirs = image_files.recorded_files(target), image_files.recorded_files(source)
    lines += [f"  {_image(mine, subset, index)} of {name(target, label)} like "
              f"{_image(theirs, other_subset, other_index)} of {name(source, other)}"
              + (f" cut to its {window} {CROP:.0%}" if window != "whole" else "") + (" mirrored" if mirror else "")
              for (subset, index, label), (other_subset, other_index, other), mirror, window in copies[:SHOWN]]
    if len(copies) > SHOWN:
        lines.append(f"  ... {len(copies) - SHOWN} more")
    return lines


def _class_pairs(pairs, like):
    """How an overlap's line counts its copies by pair of classes: "N of A like B" (``like(label, other)`` naming the
    two) for the :data:`SHOWN` commonest of ``pairs`` ((label, other) of each copy; ties by label), then how many
    pairs more."""
    ranked = sorted(collections.Counter(pairs).items(), key=lambda item: (-item[1], item[0]))
    return "; ".join(f"{count} of {like(label, other)}" for (label, other), count in ranked[:SHOWN]) \
        + (f"; {len(ranked) - SHOWN} more pairs of classes" if len(ranked) > SHOWN else "")


def _image(files, subset, index):
    """How an overlap's line names image ``index`` of ``subset``: its file as ``files`` records it (those of a
    dataset, :func:`.image_files.recorded_files`, or None), with the subset and index, else these alone."""
    described = f"{subset} image {index}"
    return described if files is None else f"{image_files.shown(files[subset][index])} ({described})"


def copies_within(data, progress=None):
    """([((subset, index, label) of a validation image, (subset, index, label) of the training image it looks like,
    mirrored)], the same of each training image that looks like a training image of another class, {subset: how many
    of its images are near-uniform (:func:`plain`), left out}) of the opened dataset ``data`` (held read by the
    caller), compared whole (:func:`near_copies`, mirrored too); ``progress(done, total, stage)`` as
    :func:`dataset_thumbnails`'."""
    thumbs = dataset_thumbnails(data, progress)
    kept = {subset: np.flatnonzero(~plain(thumbs[subset][0][:, 0])) for subset in SUBSETS}
    rows = {subset: normalized(thumbs[subset][0][kept[subset], 0]) for subset in SUBSETS}  # once, not each batch
    labels = {subset: thumbs[subset][1][kept[subset]] for subset in SUBSETS}
    total, done = sum(len(rows[subset]) for subset in SUBSETS), 0

    def compared(images):
        if progress is not None:
            progress(done + images, total, f"comparing the images of {data.path.name} within it")

    def where(subset, row):
        return subset, int(kept[subset][row]), int(labels[subset][row])

    held_out = [(where("val", row), where("train", column), mirror)
                for row, (column, mirror) in sorted(_copies_of(rows["val"], rows["train"], compared).items())]
    across, done = [], len(rows["val"])
    for label in np.unique(labels["train"]):
        mine, others = np.flatnonzero(labels["train"] == label), np.flatnonzero(labels["train"] != label)
        found = _copies_of(rows["train"][mine], rows["train"][others], compared)
        across += [(where("train", mine[row]), where("train", others[column]), mirror)
                   for row, (column, mirror) in found.items()]
        done += len(mine)
    return held_out, sorted(across), {subset: data.num_images(subset) - len(kept[subset]) for subset in SUBSETS}


def within_lines(data, named, progress=None):
    """What ``prepare overlap`` says of the opened dataset ``data`` given as both TARGET and SOURCE (named as the user
    gave it), one line each (:func:`copies_within`): its validation images that look like its training images (the
    same photo re-encoded or resized, which prepare, telling copies by their bytes, held out: its accuracy on them
    measures memory), and its training images that look like another class's (a photo under two labels), counted by
    pair of classes, the first few named by their files."""
    from minitransfer import class_tables  # here: it imports config_checks, which a decode worker needs not

    def name(label):
        return class_tables.described_class(data.classes[label])

    held_out, across, left_out = copies_within(data, progress)
    files = image_files.recorded_files(data)
    lines = []
    for copies, these, those, compared in ((held_out, "validation", "its training images", ("val", "train")),
                                           (across, "training", "training images of another class", ("train",))):
        these = f"{these} images ({data.num_images(compared[0])})"
        plain_ones = [f"{left_out[subset]} of its {subset} images" for subset in compared if left_out[subset]]
        left = (f"; near-uniform images (blank, sky, black frames) left out, as such thumbnails all look alike: "
                f"{' and '.join(plain_ones)}" if plain_ones else "")
        if not copies:
            lines.append(f"{named}: none of its {these} looks like {those}{left}")
            continue
        lines.append(f"{named}: {len(copies)} of its {these} look{'s' if len(copies) == 1 else ''} like {those} (the "
                     f"same photo resized, re-encoded, re-lit or mirrored): "
                     + _class_pairs([(mine[2], theirs[2]) for mine, theirs, _ in copies],
                                    lambda label, other: f"{name(label)} like {name(other)}") + left)
        lines += [f"  {_image(files, *mine[:2])} like {_image(files, *theirs[:2])}" + (" mirrored" if mirror else "")
                  for mine, theirs, mirror in copies[:SHOWN]]
        if len(copies) > SHOWN:
            lines.append(f"  ... {len(copies) - SHOWN} more")
    return lines

"""Images one prepared dataset shares with another (``prepare overlap``): a transfer across datasets whose target
holds copies of its source's images, the same photo resized, re-encoded, mirrored or at another size, measures layers
that have seen those images, as a class named alike (:func:`minitransfer.class_tables.shared_classes`) does for
classes. Each image is told by its thumbnail (:func:`thumbnails`: :data:`SIDE` x :data:`SIDE` grey levels, each
the mean of its block of the stored image), which two prepare sizes of one photo barely change; two images are
near copies (:func:`near_copies`) where their thumbnails differ by at most :data:`MEAN_LEVELS` grey levels on
average and :data:`MOST_LEVELS` at any block. A near-uniform image (:func:`plain`: a blank, a clear sky, a black
frame) is a near copy of every other of its grey level by that measure, so such images are left out, and counted.
"""

import numpy as np

from .dataset import SUBSETS

SIDE = 8            # a thumbnail's side, in blocks
MEAN_LEVELS = 2.0   # near copies: their thumbnails' mean absolute difference at most this (of 255)
MOST_LEVELS = 24.0  # and no block of them more than this
BATCH = 512         # images read, and compared, at a time
COLUMNS = 16384     # a source's thumbnails a batch is compared with at a time
GREY = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601 luma, as Pillow's convert("L")


def thumbnails(images):
    """float32 (N, SIDE*SIDE) thumbnails of uint8 (N, H, W, 3) ``images``: grey, each block's mean over exactly
    its share of the image (pixels cut by a block's edge counted in part, :func:`_block_weights`), so that one photo
    stored at two sizes gives nearly one thumbnail."""
    grey = images.astype(np.float32) @ GREY
    rows, cols = _block_weights(grey.shape[1]), _block_weights(grey.shape[2])
    return np.einsum("iy,nyx,jx->nij", rows, grey, cols).reshape(len(images), SIDE * SIDE)


def _block_weights(length):
    """float32 (SIDE, length): how much of each of ``length`` pixels lies in each of SIDE equal blocks, each row
    summing to 1 (a block's mean)."""
    edges = np.arange(length + 1, dtype=np.float64)
    blocks = np.linspace(0, length, SIDE + 1)
    overlap = np.clip(np.minimum(edges[None, 1:], blocks[1:, None]) - np.maximum(edges[None, :-1], blocks[:-1, None]),
                      0, None)
    return (overlap / overlap.sum(axis=1, keepdims=True)).astype(np.float32)


def dataset_thumbnails(data, progress=None):
    """{subset: (its thumbnails, its labels)} of the opened dataset ``data``, read :data:`BATCH` images at a time
    (``progress(done, total, stage)`` after each, as an import's: "reading the images of <folder>"); held read
    (:meth:`.dataset.Dataset.reading`) by the caller."""
    found, total, done = {}, sum(data.num_images(subset) for subset in SUBSETS), 0
    for subset in SUBSETS:
        count, parts = data.num_images(subset), []
        for start in range(0, count, BATCH):
            parts.append(thumbnails(data.images(subset, range(start, min(start + BATCH, count)))))
            done += len(parts[-1])
            if progress is not None:
                progress(done, total, f"reading the images of {data.path.name}")
        found[subset] = (np.concatenate(parts) if parts else np.zeros((0, SIDE * SIDE), np.float32),
                         data.labels(subset))
    return found


def plain(thumbs):
    """bool (N,): which of ``thumbs`` (N, SIDE*SIDE) are near-uniform, their blocks within :data:`MEAN_LEVELS` of
    their own mean on average: any two such of one grey level are near copies, whatever the photos."""
    return np.abs(thumbs - thumbs.mean(axis=1, keepdims=True)).mean(axis=1) <= MEAN_LEVELS


def near_copies(these, those, progress=None):
    """[(index in ``these``, index in ``those``)] of each thumbnail of ``these`` (N, SIDE*SIDE) and the first of
    ``those`` it is a near copy of (see the module), in ``these``' order. Pairs are first sifted by their squared
    distance, a product of matrices (BLAS): a near copy's is at most MOST_LEVELS x MEAN_LEVELS x SIDE*SIDE (each
    block's square at most MOST_LEVELS times its difference); those left are compared block by block, a row of
    ``these`` at a time. :data:`BATCH` of ``these`` against :data:`COLUMNS` of ``those`` at a time, so that the
    memory taken does not grow with the source (ImageNet's, mirrored: 2.6 million thumbnails, whose distances to a
    batch took 10 GB at once). ``progress(rows done)`` after each batch of ``these``."""
    pairs, bound = [], MOST_LEVELS * MEAN_LEVELS * SIDE * SIDE
    for start in range(0, len(these), BATCH):
        block, found = these[start:start + BATCH].astype(np.float64), {}  # the sifting's sums exact enough
        for first in range(0, len(those), COLUMNS):
            part = those[first:first + COLUMNS].astype(np.float64)
            near = ((block * block).sum(axis=1)[:, None] + (part * part).sum(axis=1)[None, :] - 2 * block @ part.T
                    <= bound + 1e-6 * bound)
            near[list(found)] = False  # paired in an earlier part: the first near copy is named
            for row in np.flatnonzero(near.any(axis=1)):
                columns = np.flatnonzero(near[row])  # ascending
                difference = np.abs(block[row] - part[columns])
                copies = np.flatnonzero((difference.mean(axis=1) <= MEAN_LEVELS)
                                        & (difference.max(axis=1) <= MOST_LEVELS))
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


def shared_images(target, source, progress=None):
    """([((subset, index, label) of ``target``, (subset, index, label) of ``source``, mirrored)] of each image of the
    opened dataset ``target`` that is a near copy of one of ``source`` or of its mirror image (:func:`near_copies`;
    the first such of the source's, its training images before its validation images, all unmirrored before any
    mirrored), how many of ``target``'s images and of ``source``'s are near-uniform (:func:`plain`), left out);
    both held read by the caller."""
    mine, theirs = dataset_thumbnails(target, progress), dataset_thumbnails(source, progress)
    pooled = np.concatenate([theirs[subset][0] for subset in SUBSETS])
    where = [(subset, index, int(label)) for subset in SUBSETS for index, label in enumerate(theirs[subset][1])]
    kept = np.flatnonzero(~plain(pooled))
    both = np.concatenate([pooled[kept], mirrored(pooled[kept])])
    copies, plain_here, done = [], 0, 0
    total = sum(len(mine[subset][0]) for subset in SUBSETS)
    for subset in SUBSETS:
        thumbs = mine[subset][0]
        compared = np.flatnonzero(~plain(thumbs))
        plain_here += len(thumbs) - len(compared)

        def compared_so_far(rows, done=done):
            if progress is not None:
                progress(done + rows, total, f"comparing the images of {target.path.name} with {source.path.name}'s")

        copies += [((subset, int(compared[row]), int(mine[subset][1][compared[row]])),
                    where[kept[column % len(kept)]], bool(column >= len(kept)))
                   for row, column in near_copies(thumbs[compared], both, compared_so_far)]
        done += len(thumbs)
    return copies, plain_here, len(pooled) - len(kept)


SHOWN = 5  # class pairs and example images an overlap's lines name at most


def overlap_lines(target, source, named_target, named_source, progress=None):
    """What ``prepare overlap`` says of the opened datasets ``target`` and ``source`` (named as the user gave them),
    one line each: the classes of ``target`` named as ``source``'s (:func:`minitransfer.class_tables.shared_classes`,
    as train and experiment warn of them), and its images that are near copies of ``source``'s
    (:func:`shared_images`), counted by class pair, the first few named by subset, index and class."""
    from minitransfer import class_tables  # here: it imports config_checks, which a decode worker needs not

    def name(data, label):
        return class_tables.described_class(data.classes[label])

    shared = class_tables.shared_classes(target.classes, source.classes)
    named = ", ".join(map(class_tables.described_class, shared[:SHOWN])) + (" ..." if len(shared) > SHOWN else "")
    lines = [f"{named_target} and {named_source}: "
             + (f"{len(shared)} of the {target.num_classes} classes of {named_target} "
                f"{'is' if len(shared) == 1 else 'are'} among the {source.num_classes} of {named_source} "
                f"({class_tables.matched_by(shared)}: {named})" if shared
                else "no class of one named as a class of the other")]
    copies, plain_here, plain_there = shared_images(target, source, progress)
    total = sum(target.num_images(subset) for subset in SUBSETS)
    left = (f"; {plain_here} of {named_target} and {plain_there} of {named_source} are near-uniform (blank, sky, black "
            f"frames), left out: such thumbnails all look alike" if plain_here or plain_there else "")
    if not copies:
        lines.append(f"{named_target} and {named_source}: none of the {total} images of {named_target} looks like an "
                     f"image of {named_source}{left}")
        return lines
    pairs = {}
    for (_, _, label), (_, _, other), _ in copies:
        pairs[label, other] = pairs.get((label, other), 0) + 1
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
    looks = "looks" if len(copies) == 1 else "look"
    lines.append(f"{named_target} and {named_source}: {len(copies)} of the {total} images of {named_target} {looks} "
                 f"like images of {named_source} (the same photo resized, re-encoded or mirrored): "
                 + "; ".join(f"{count} of {name(target, label)} like {name(source, other)}"
                             for (label, other), count in ranked[:SHOWN])
                 + (f"; {len(ranked) - SHOWN} more pairs of classes" if len(ranked) > SHOWN else "") + left)
    lines += [f"  {subset} image {index} of {name(target, label)} like {other_subset} image {other_index} of "
              f"{name(source, other)}" + (" mirrored" if mirror else "")
              for (subset, index, label), (other_subset, other_index, other), mirror in copies[:SHOWN]]
    if len(copies) > SHOWN:
        lines.append(f"  ... {len(copies) - SHOWN} more")
    return lines

"""Importers: ImageNet (ILSVRC2012, :mod:`.imagenet`) and Tiny ImageNet (:mod:`.tiny_imagenet`) into the shard
format of :mod:`minitransfer.data.shard_format`, through :func:`~.build.build_dataset` (decoding, limits, resuming,
skipped files); what the two share is in :mod:`.imagenet_common`. CIFAR-10 and CIFAR-100 are in :mod:`.cifar`,
class-folder trees in :mod:`.folder`. The paths given to the importers of ImageNet, Tiny ImageNet and CIFAR may start
with ``~``, the home folder (:func:`minitransfer.home_paths.expanded`), as on the command line.

This module gathers their public names (``from minitransfer.data import importers``); the code lives in the
modules above, which are the ones to monkeypatch.
"""

from .imagenet import IMAGENET_LAYOUT, NOT_A_WNID, import_imagenet
from .imagenet_common import IMAGE_SUFFIXES, class_table, read_class_names
from .tiny_imagenet import TINY_IMAGENET_LAYOUT, ZIP_FROM_UNIX, ZIP_SIGNATURE, import_tiny_imagenet

__all__ = ["IMAGE_SUFFIXES", "IMAGENET_LAYOUT", "NOT_A_WNID", "TINY_IMAGENET_LAYOUT", "ZIP_FROM_UNIX", "ZIP_SIGNATURE",
           "class_table", "import_imagenet", "import_tiny_imagenet", "read_class_names"]

"""Datasets for minitransfer (DESIGN.md §1, §5): format, importers, splits, loader.

- :mod:`.dataset`: the HDF5 shard format, :func:`~.dataset.open_dataset`, :class:`~.dataset.DatasetError`.
- :mod:`.importers`: ImageNet (ILSVRC2012), Tiny ImageNet and CIFAR-100 into that format.
- :mod:`.synthetic`: a generated two-family set for demos and tests; :func:`~.synthetic.builtin_dataset`.
- :mod:`.wordnet`: the is-a graph and the paper's man-made / natural rule (supplement C).
- :mod:`.splits`: random and natural halves exactly as the original code, reduced training sets.
- :mod:`.loader`: :class:`~.loader.BatchLoader`, seeded batches with prefetch and exact resume.

Submodules are imported explicitly (``from minitransfer.data import splits``).
"""

"""Datasets for minitransfer (DESIGN.md §1, §5): format, importers, splits, loader.

- :mod:`.dataset`: the HDF5 shard format, :func:`~.dataset.open_dataset`, the checks made when
  reading, :class:`~.dataset.DatasetError` (bad data) and :class:`minitransfer.fileio.StorageError` (a
  write failed).
- :mod:`.build`: :func:`~.build.build_dataset`, what every importer shares: bounded decoding,
  sharding, resuming, housekeeping.
- :mod:`.importers`: ImageNet (ILSVRC2012, with :mod:`.devkit` for the official devkit) and Tiny
  ImageNet; :mod:`.cifar`: CIFAR-10 and CIFAR-100; :mod:`.folder`: class-folder trees (:mod:`.folder_tree`:
  their layout; :mod:`.copies`: files that are one image) and families files (:mod:`.families`).
- :mod:`.synthetic`: a generated two-family set for demos and tests; :func:`~.synthetic.builtin_dataset`.
- :mod:`.wordnet`: the is-a graph and the paper's man-made / natural rule (supplement C).
- :mod:`.splits`: random and family (natural) halves exactly as the original code, reduced training sets.
- :mod:`.loader`: :class:`~.loader.BatchLoader`, seeded batches with prefetch and exact resume.

Submodules are imported explicitly (``from minitransfer.data import splits``).
"""

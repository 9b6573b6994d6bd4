"""Datasets for minitransfer (DESIGN.md §1, §5): format, importers, splits, loader.

- :mod:`.dataset`: :func:`~.dataset.open_dataset`, :class:`~.dataset.Dataset` and the checks made when
  reading, :class:`~.dataset.DatasetError` (bad data) and :class:`minitransfer.fileio.StorageError` (a
  write failed); :mod:`.integrity`: files against the sha256 meta.json records (each hashed once until it
  changes); :mod:`.changed_since`: a dataset changed since it was prepared, opened or checked;
  :mod:`.shard_format`: the HDF5 shard format (its files, writing them, reading an array once
  its shape and dtype are checked); :mod:`.image_reader`: :class:`~.image_reader.ImageReader`.
- :mod:`.build`: :func:`~.build.build_dataset`, what every importer shares: bounded decoding,
  sharding, resuming, housekeeping (:mod:`.shard_builder`: each subset's shards, kept or rebuilt;
  :mod:`.same_origin`: the check of what OUT already holds; :mod:`.import_writes`: failed writes, a full
  disk, what an import wrote (:class:`~.import_writes.Writes`); :mod:`.prepared_notes`: what prepare says
  of a dataset; :mod:`.no_validation`: where each importer looked for validation images that gave none).
- :mod:`.importers`: ImageNet (:mod:`.imagenet`, ILSVRC2012, with :mod:`.devkit` for the official
  devkit) and Tiny ImageNet (:mod:`.tiny_imagenet`), what they share in :mod:`.imagenet_common`;
  :mod:`.cifar`: CIFAR-10 and CIFAR-100 (:mod:`.cifar_files`: their files, read from the archive or the
  folder); :mod:`.folder`: class-folder trees (:mod:`.folder_tree`: their layout; :mod:`.folder_hints`:
  what a wrong SOURCE is told; :mod:`.copies`: files that are one image) and families files
  (:mod:`.families`); :mod:`.decode`: one image decoded (:mod:`.image_formats`: the formats Pillow reads
  only with a plugin, files' signatures).
- :mod:`.synthetic`: a generated two-family set for demos and tests; :func:`~.synthetic.builtin_dataset`.
- :mod:`.text_files`: the text files importers read (UTF-8, named when not; unreadable ones an I/O error);
  :mod:`.inputs`: file names made safe to store and print, hidden and system files, source and output.
- :mod:`.wordnet`: the is-a graph and the paper's man-made / natural rule (supplement C).
- :mod:`.splits`: random and family (natural) halves exactly as the original code, and reduced training
  sets (a seeded random N per class, where the original kept the first N).
- :mod:`.loader`: :class:`~.loader.BatchLoader`, seeded batches with prefetch and exact resume
  (:mod:`.loader_workers`: the worker processes that prefetch them).

Submodules are imported explicitly (``from minitransfer.data import splits``).
"""

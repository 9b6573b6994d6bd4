"""Batches of augmented images from a prepared dataset, with background prefetch and exact resume.

Order. Training is an endless stream over ``indices``: the k-th image of the stream is
``indices[perm_e[k mod n]]`` with ``e = k div n`` and ``perm_e`` the permutation that sorts
``random_bits(seed, SHUFFLE_COUNTER + e, 0..n−1)`` (the counter-based generator of
:mod:`minitransfer.counter_rng`: a bijection, so no ties); batch b is images ``b·B .. b·B+B−1``
of the stream, augmented with ``ops.augment.forward(..., train=True, seed=seed, iteration=b)``
(random crop + mirror). Every batch is a pure function of ``(seed, b)``, so the cursor is just
``b`` and a resumed run sees exactly the batches an uninterrupted one would. Evaluation is one pass
over ``indices`` in order, centre crops, the last batch possibly smaller.

Prefetch (:mod:`.loader_workers`). With ``workers > 0``, worker processes (the "spawn" context; each
opens the HDF5 shards itself after it starts, as HDF5 is unsafe across fork) read uint8 batches from the shards'
contiguous ``/images`` into a ring of shared-memory slots, a few batches ahead. They read the
dataset as this process opened and checked it (its meta.json as parsed then, the files as
checked): never meta.json as edited since, nor a shard replaced since. The main
process augments each batch on the CPU (NumPy) or, with ``device="cuda"``, copies it through
pinned memory to the GPU and augments it there (the ``augment`` CUDA kernel). The slots are
allocated as the workers start: a /dev/shm too small for them is a ``MemoryError`` then. A
worker that dies is :class:`~minitransfer.data.decoder_pool.WorkerDied` at the next batch, and so is one
whose read of a batch raises other than a shard's error (a bug), naming it, the batch and the exception; one
alive that gives no batch for :data:`.loader_workers.STALL_NOTICE_SECONDS` (a stalled file system)
is said on stderr, again after twice as long, with the way out (Ctrl-C). A stop asked for meanwhile
(:attr:`BatchLoader.stop`) gives the batch up within :data:`.loader_workers.WORKER_POLL_SECONDS`:
:class:`.loader_workers.StopRequested`, the cursor still before that batch.

Integrity. Before the first batch, every shard of the subset is compared with meta.json's sha256
(once per process and file, see :meth:`~minitransfer.data.dataset.Dataset.check_checksums`), so
flipped bytes or an edited meta.json stop a run before it trains on them, with a ``DatasetError``
naming the file; a shard replaced or written to after that check is one too, when it is opened or
read (:class:`~minitransfer.data.image_reader.ImageReader`).

The mean subtracted is ``mean`` when given (transfer runs pass the one their base checkpoint holds, which
its layers were trained with), else the dataset's own: the training mean of the whole prepared dataset, the
same for every half and reduced subset of it; :attr:`BatchLoader.mean_source` records which. The paper's
original code computed a mean per dataset (each half, each reduced set); its stored files do not show which
one its transfers subtracted.
"""

import hashlib

import numpy as np

from minitransfer import counter_rng, cuda
from minitransfer.cuda import ceil_div
from minitransfer.ops import _check, augment

from . import dataset as ds
from . import image_reader, loader_workers
from .decoder_pool import MAX_WORKERS, refuse_in_script_rerun

SHUFFLE_COUNTER = 1 << 31  # shuffle streams use counters 2**31 + epoch; augmentation uses the batch number


def prefetch_slots(workers, prefetch=None):
    """Batches a loader with ``workers`` processes holds in shared memory (``prefetch``, by default
    two per worker, at least two); none without workers."""
    return max(2, prefetch or 2 * workers) if workers else 0


def epoch_permutation(seed, epoch, n):
    """The training order of epoch ``epoch`` over ``n`` items (int64 permutation of 0..n−1)."""
    bits = counter_rng.random_bits(seed, SHUFFLE_COUNTER + epoch, np.arange(n, dtype=np.int64))
    return np.argsort(bits, kind="stable")


class BatchLoader:
    """Iterate ``(x, y)`` batches: x float32 (B, 3, crop, crop) NCHW, y int32 (B,).

    ``dataset``: a :class:`~minitransfer.data.dataset.Dataset` (or its path); ``subset`` "train" or
    "val"; ``indices`` image indices into that subset and ``labels`` their (renumbered) labels, e.g.
    a :class:`~minitransfer.data.splits.Half`'s ``train_indices`` / ``train_labels``. ``train``:
    endless shuffled stream with random crops and mirrors, else one ordered pass with centre crops.
    ``cursor``: a :attr:`cursor` saved earlier, to continue exactly where it was taken.
    NumPy arrays for ``device="cpu"``, CuPy arrays for ``device="cuda"``. ``check_checksums``
    False skips the sha256 check of the shards (benchmarks only). ``stop`` (also settable later as
    :attr:`stop`): a list that a stop signal's handler appends to (``stop_requests.StopRequests``); once
    it is not empty, a wait for the workers' batch (a stalled file system) ends with
    :class:`.loader_workers.StopRequested` instead of lasting until the batch comes.

    Example::

        half = make_half(data, "random", seed=0, half="A")
        with BatchLoader(data, "train", half.train_indices, half.train_labels, 256, 227, train=True,
                         workers=2) as batches:
            for x, y in batches: ...
    """

    def __init__(self, dataset, subset, indices, labels, batch_size, crop, train, seed=0, mean=None,
                 device="cpu", workers=0, cursor=None, prefetch=None, check_checksums=True, stop=None):
        refuse_in_script_rerun("BatchLoader()")  # its example's loop at a script's top level, run by its workers
        self.dataset = dataset if isinstance(dataset, ds.Dataset) else ds.open_dataset(dataset)
        self.subset = subset
        self.indices = _check.integer_array("BatchLoader", "indices", indices, np.int64)
        self.labels = _check.integer_array("BatchLoader", "labels", labels, np.int32)
        self.batch_size = _check.positive_int("BatchLoader", "batch_size", batch_size)
        self.crop = _check.positive_int("BatchLoader", "crop", crop)
        self.seed = _check.positive_int("BatchLoader", "seed", seed, minimum=0)
        self.workers = _check.positive_int("BatchLoader", "workers", workers, minimum=0, maximum=MAX_WORKERS)
        if prefetch is not None:
            _check.positive_int("BatchLoader", "prefetch", prefetch)
        self.train, self.device = bool(train), device
        self.stop = stop if stop is not None else []
        total = self.dataset.num_images(subset)
        if self.indices.ndim != 1 or self.labels.shape != self.indices.shape:
            raise ValueError(f"BatchLoader: indices and labels must be 1-D of one length, got {self.indices.shape} "
                             f"and {self.labels.shape}")
        if self.indices.size == 0:
            raise ValueError("BatchLoader: no images to load (empty indices)")
        if self.indices.min() < 0 or self.indices.max() >= total:
            raise ValueError(f"BatchLoader: indices must lie in 0..{total - 1} for subset {subset!r}")
        if self.crop > min(self.dataset.image_size):
            raise ValueError(f"BatchLoader: crop {crop} does not fit images of {self.dataset.image_size}")
        if device not in ("cpu", "cuda"):
            raise ValueError(f"BatchLoader: device must be 'cpu' or 'cuda', got {device!r}")
        self.mean_source = "given" if mean is not None else f"dataset {self.dataset.fingerprint}"
        mean = self.dataset.mean() if mean is None else np.asarray(mean, dtype=np.float32)
        if mean.shape != (*self.dataset.image_size, 3):
            raise ValueError(f"BatchLoader: mean must be (H, W, 3) = {(*self.dataset.image_size, 3)}, got {mean.shape}")
        self.mean = mean
        if check_checksums:
            self.dataset.check_checksums(subset)
        self._identity = hashlib.sha256(self.indices.tobytes() + self.labels.tobytes()).hexdigest()[:16]
        self.batch = 0
        if cursor is not None:
            self.seek(cursor)
        self._permutations = {}
        self._depth = prefetch_slots(self.workers, prefetch)
        self._pool = None
        self._reader = None
        self._gpu = None
        if device == "cuda":
            cp = cuda.cupy()
            self._gpu = {"cp": cp, "mean": cp.asarray(self.mean)}

    # -- order -------------------------------------------------------------------------------

    @property
    def num_batches(self):
        """Batches in one pass (evaluation); training streams forever."""
        return ceil_div(len(self.indices), self.batch_size)

    def positions(self, batch):
        """Positions into ``indices`` of batch ``batch`` (a pure function of seed and batch)."""
        n = len(self.indices)
        if not self.train:
            return np.arange(batch * self.batch_size, min((batch + 1) * self.batch_size, n), dtype=np.int64)
        stream = np.arange(batch * self.batch_size, (batch + 1) * self.batch_size, dtype=np.int64)
        epochs, offsets = np.divmod(stream, n)
        positions = np.empty_like(stream)
        for epoch in image_reader.distinct(epochs):
            chosen = epochs == epoch
            positions[chosen] = self._permutation(int(epoch))[offsets[chosen]]
        return positions

    def _permutation(self, epoch):
        if epoch not in self._permutations:
            if len(self._permutations) >= 2:
                self._permutations.pop(min(self._permutations))
            self._permutations[epoch] = epoch_permutation(self.seed, epoch, len(self.indices))
        return self._permutations[epoch]

    @property
    def cursor(self):
        """JSON-serialisable position: ``BatchLoader(..., cursor=this)`` continues with the same batches."""
        return {"batch": self.batch, "seed": self.seed, "batch_size": self.batch_size, "train": self.train,
                "subset": self.subset, "count": len(self.indices), "indices_sha256": self._identity}

    def seek(self, cursor):
        """Continue where ``cursor`` (a :attr:`cursor` of this same stream) was taken, before the first batch is
        read or after (the workers, which read ahead of the stream as it was, are started again at the next
        batch); a ``ValueError`` when it belongs to another stream or is malformed (not a dict: an
        AttributeError before)."""
        if not isinstance(cursor, dict):
            raise ValueError(f"BatchLoader: a cursor is a dict (a loader's `cursor`), got {type(cursor).__name__}")
        mine = {"seed": self.seed, "batch_size": self.batch_size, "train": self.train, "subset": self.subset,
                "count": len(self.indices), "indices_sha256": self._identity}
        different = {key: (cursor.get(key), value) for key, value in mine.items() if cursor.get(key) != value}
        if different:
            raise ValueError(f"BatchLoader: the cursor belongs to another stream (cursor vs loader: {different})")
        self.batch = _check.positive_int("BatchLoader", "cursor batch", cursor.get("batch"), minimum=0)
        if getattr(self, "_pool", None) is not None:  # batches it was given, before the cursor, would never be read
            # again (a seek back waited for ever, said as a stalled file system), and those after it wrote into the
            # slots of the batches read now
            self._pool.close()
            self._pool = None

    # -- iteration ---------------------------------------------------------------------------

    def __iter__(self):
        return self

    def __next__(self):
        images, y = self.next_raw()
        batch = self.batch - 1
        if self._gpu is None:
            return augment.forward(images, self.mean, self.crop, self.train, self.seed, batch), y
        cp = self._gpu["cp"]
        pinned = self._pinned(images.nbytes)[: images.size].reshape(images.shape)
        pinned[...] = images
        images_gpu = cp.empty(images.shape, dtype=np.uint8)
        images_gpu.set(pinned)
        x = augment.forward(images_gpu, self._gpu["mean"], self.crop, self.train, self.seed, batch)
        return x, cp.asarray(y)

    def _pinned(self, nbytes):
        if self._gpu.get("pinned") is None or self._gpu["pinned"].nbytes < nbytes:
            cp = self._gpu["cp"]
            memory = cp.cuda.alloc_pinned_memory(nbytes)
            self._gpu["pinned"] = np.frombuffer(memory, dtype=np.uint8, count=nbytes)
        return self._gpu["pinned"]

    def next_raw(self):
        """The next batch before augmentation: (uint8 (B, H, W, 3) images, int32 labels).

        The images may live in a prefetch slot: they are valid until the next call."""
        if not self.train and self.batch >= self.num_batches:
            raise StopIteration
        batch = self.batch
        positions = self.positions(batch)
        if self.workers == 0:
            if self._reader is None:
                self._reader = image_reader.ImageReader(self.dataset, self.subset)
            images = self._reader.read(self.indices[positions])
        else:
            if self._pool is None:
                self._pool = loader_workers.WorkerPool(self.dataset, self.subset, self.workers, self._depth,
                                                       self.batch_size)
            limit = None if self.train else self.num_batches
            stop = batch + self._depth if limit is None else min(batch + self._depth, limit)
            for ahead in range(max(batch, self._pool.submitted), stop):
                self._pool.submit(ahead, self.indices[self.positions(ahead)])
            images = self._pool.take(batch, len(positions), self.stop)
        self.batch += 1
        return images, self.labels[positions]

    def close(self):
        """Stop the worker processes and free shared memory (idempotent)."""
        if getattr(self, "_pool", None) is not None:
            self._pool.close()
            self._pool = None
        if getattr(self, "_reader", None) is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

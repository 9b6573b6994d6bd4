"""Crash-safe files (DESIGN.md §5, §6): everything minitransfer writes — shards, the mean image,
meta.json, checkpoints, run files — goes to a temporary name ``.<name>.tmp-<pid>`` in the target's
folder, is fsynced, renamed over the target and the folder fsynced. A crash leaves either the old
file or the new one under the real name, never half of one; a leftover temporary is easy to spot.
"""

import contextlib
import hashlib
import os
import pathlib


def temporary_path(path):
    """The temporary name ``path`` is written under before it is renamed into place."""
    path = pathlib.Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path to write ``path``'s new content to; on success it is fsynced and
    renamed to ``path`` (then the folder fsynced), on any failure it is removed.

        with atomic_path("net.h5") as temporary:
            with h5py.File(temporary, "w") as f: ...
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    try:
        yield temporary
        _fsync(temporary, os.O_RDONLY)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(path.parent, os.O_RDONLY)


def write_bytes(path, data):
    """Write ``data`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def write_text(path, text):
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    write_bytes(path, text.encode("utf-8"))


def sha256_file(path, block=1 << 22):
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path, flags):
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)

"""Files against the sha256 that ``meta.json`` records for them, each hashed once per process until
it changes (the loader checks a dataset before its first batch; ``prepare verify`` re-hashes all).
"""

import concurrent.futures
import os

from minitransfer import fileio

from .schema import DatasetError, read_error

HASH_THREADS = 4  # sha256 releases the GIL: a few threads hash a large dataset a few times faster

# (device, inode, size, mtime_ns, sha256) of every file this process has hashed and found as
# meta.json says: checked once per process, again whenever a file changes
_intact_files = set()


def check_files(files, remember=True):
    """Compare files with their expected sha256: ``files`` a list of ``(path, sha256, what)``.

    Raises ``DatasetError`` naming the first missing, empty, unreadable or differing file (``what``
    says what it is: "shard", "mean image"). Files found intact are remembered for this process
    by device, inode, size and modification time, and not hashed again until they change; with
    ``remember=False`` every file is hashed. Several files are hashed in parallel threads.

    Returns ``{str(path): (device, inode, size, mtime_ns)}`` of the files as checked: a reader that
    opens one later compares it with what it opened (:class:`.dataset.ImageReader`), so a file
    replaced or rewritten after the check is refused, not read unchecked."""
    pending, identities = [], {}
    for path, expected, what in files:
        key = _file_key(path, expected, what)
        identities[str(path)] = key[:4]
        if not remember or key not in _intact_files:
            pending.append((path, expected, what, key))
    if not pending:
        return identities
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(HASH_THREADS, len(pending)))
    try:
        digests = pool.map(lambda item: _sha256(item[0], item[2]), pending)
        for (path, expected, what, key), actual in zip(pending, digests):
            if actual != expected:
                raise DatasetError(f"{path}: sha256 mismatch (file {actual[:16]}…, meta.json {expected[:16]}…): "
                                   f"corrupt {what}, or meta.json was edited (rerunning the prepare command "
                                   f"that built it rebuilds what is corrupt)")
            _intact_files.add(key)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return identities


def _file_key(path, expected, what):
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise DatasetError(f"{path}: missing {what}") from None
    except OSError as error:
        raise read_error(path, what, error) from error
    if status.st_size == 0:
        raise DatasetError(f"{path}: empty file (0 bytes) where meta.json expects the {what}")
    return (*identity(status), expected)


def identity(status):
    """(device, inode, size, mtime_ns) of an ``os.stat_result``: what changes when a file is
    replaced (device, inode) or written (size, mtime)."""
    return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)


def _sha256(path, what):
    try:
        return fileio.sha256_file(path)
    except OSError as error:
        raise read_error(path, what, error) from error

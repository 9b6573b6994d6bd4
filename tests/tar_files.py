"""Tar archives written for the import tests: downloads (CIFAR's pickles, class tars, a download given to
another command) made from their members' bytes."""

import io
import pickle
import tarfile


def write_tar(path, members, mode="w:gz"):
    """Write the tar ``path`` holding ``members`` ({name: bytes}, or (name, bytes) pairs: a name may come
    twice), in that order; returns ``path``."""
    with tarfile.open(path, mode) as archive:
        for name, data in members.items() if isinstance(members, dict) else members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def pickled(content):
    """A pickle (protocol 2, as CIFAR's) of ``content``, or ``content`` itself when it is bytes already."""
    return content if isinstance(content, bytes) else pickle.dumps(content, protocol=2)


def write_pickle_tar(path, folder, parts, mode="w:gz"):
    """A tar of ``parts`` ({name: content}, pickled as CIFAR's) as ``folder/<name>`` members; returns ``path``."""
    return write_tar(path, {f"{folder}/{name}": pickled(content) for name, content in parts.items()}, mode)

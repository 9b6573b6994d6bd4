"""Writes refused as a disk refuses them, for the tests of what a command tells when one is."""

import errno
import os

from minitransfer import fileio


def refuse_appending(monkeypatch, refused, code):
    """Make :func:`minitransfer.fileio.append_text` to the file ``refused`` (a run's train.log, begun as
    the run starts) fail with the system error ``code`` (ENOSPC, EROFS, EIO), as the disk would; other
    files are written."""
    append_text = fileio.append_text

    def refusing(path, text, named=None):
        if path == refused:
            raise fileio.storage_error(path, OSError(code, os.strerror(code)), named=named)
        append_text(path, text, named)

    monkeypatch.setattr(fileio, "append_text", refusing)


def refuse_below(monkeypatch, name, folder):
    """Make ``os.<name>`` (stat, lstat) refuse every path below ``folder`` as the kernel does below a folder without
    search permission for this user (EACCES; root passes any, so the tests, often root, cannot make it with chmod)."""
    looked = getattr(os, name)

    def refusing(path, *args, **kwargs):
        if str(path).startswith(f"{folder}{os.sep}"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return looked(path, *args, **kwargs)

    monkeypatch.setattr(os, name, refusing)

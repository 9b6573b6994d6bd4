"""The one place where a damaged or unsupported archive becomes bad data (exit 65), not a traceback.

zipfile, tarfile and every decompressor they use raise their own errors for the same damage:
``zipfile.BadZipFile`` (a member's CRC), ``tarfile.TarError``, ``zlib.error`` (deflate data),
``OSError`` (gzip's CRC, bz2's stream), ``lzma.LZMAError``, ``EOFError`` (a stream cut short);
a compression method zipfile lacks (deflate64, which Windows uses for large archives) is a
``NotImplementedError``. :func:`reading_archive` turns them into :class:`~.dataset.DatasetError`
naming the archive and the member.
"""

import contextlib
import lzma
import tarfile
import zipfile
import zlib

from . import dataset as ds

DAMAGED_ARCHIVE_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError, OSError)
ZIP_ENCRYPTED = 0x1  # general purpose flag bit 0 of a zip member


class UnreadableArchive(ds.DatasetError):
    """A member stored in a way this reader cannot read (encrypted, deflate64). Its archive's other
    members are most likely stored alike, so the import stops rather than skip them one by one."""


@contextlib.contextmanager
def reading_archive(origin):
    """Inside, the errors of a damaged archive become a ``DatasetError`` and those of an unsupported
    compression method an :class:`UnreadableArchive`, both naming ``origin`` ("images.zip:a.JPEG")."""
    try:
        yield
    except NotImplementedError as error:
        raise UnreadableArchive(f"{origin}: {error}: unpack the archive with another tool (7z, unzip) and import "
                                f"the folder it makes") from error
    except DAMAGED_ARCHIVE_ERRORS as error:
        reason = " ".join(str(error).split()) or type(error).__name__  # one line: tarfile lists each method tried
        raise ds.DatasetError(f"{origin}: damaged archive ({reason})") from error


def check_zip_member(info, origin):
    """Refuse an encrypted zip member from its header (zipfile would raise a RuntimeError)."""
    if info.flag_bits & ZIP_ENCRYPTED:
        raise UnreadableArchive(f"{origin}: encrypted (password-protected): decrypt the archive (or unpack it) "
                                f"and import that")

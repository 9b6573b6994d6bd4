"""Decoding one image to import: a file, a zip archive's member, or pixels in memory, as uint8
(size, size, 3) RGB, in a worker of :mod:`.decoder_pool` (:func:`load_item`). What it makes of the
pixels (colour modes, 16-bit samples, transparency, EXIF orientation, the warp to ``size × size``):
:mod:`.pixels`. Why a file is skipped, in words (what it is when no image, Pillow's error as its damage, an archive's
unpacking): :mod:`.skip_reasons`.

Limits, checked before anything is allocated: an image may decode to at most
:data:`.pixels.MAX_DECODED_PIXELS` pixels (after the JPEG scale; PIL's decompression-bomb warning and
error are replaced by this check), an archive member may hold at most :data:`MAX_MEMBER_BYTES` bytes
(according to its header, before it is read). Only regular files are opened: a FIFO or a device
is a reason to skip, not something to wait on. An empty file (0 bytes) is skipped as such.

HEIF (the iPhone's HEIC photos) and, with a Pillow built without libavif, AVIF need a plugin
(:data:`.image_formats.PLUGINS`): used where installed, and named by the skipped file's reason where
missing.
"""

import errno
import hashlib
import io
import os
import stat
import struct
import warnings
import zipfile

import numpy as np
from PIL import Image

from minitransfer import stopping

from . import archives
from . import image_formats
from .inputs import fs_text
from .pixels import decode_image_noted, opened_without_pillow_limit, warp
from .skip_reasons import archive_reason, no_image, not_found, unidentified, unreadable_reason

MAX_MEMBER_BYTES = 1 << 28     # 256 MiB: above any photograph and CIFAR-100's 155 MB training pickle
CHANGED = ("changed while the import ran (its size or modification time is not what it was when listed): rerun the "
           "same command to import it as it is now")
VANISHED = "removed or moved while the import ran (listed, then gone): rerun the same command"
NOT_READABLE = ("not readable by this user (permission denied): give read access to it (chmod a+r; a+x on its "
                "folders) and rerun")
EMPTY = "empty file (0 bytes)"  # a reason to skip: PIL says "not an image", which sends one to check the format
# What Pillow raises for a file it cannot read, beyond OSError and ValueError: a parser's errors on damaged bytes
# (SyntaxError, IndexError, struct.error, EOFError, KeyError: Image.open itself takes the first three for "not this
# format") and NotImplementedError for a variant of a format it does not implement (a DDS texture in a DXGI format
# such as R16G16B16A16_FLOAT, a BLP compression), raised from Image.open: a reason to skip the file, not to end
# the import with a traceback naming no file
UNREADABLE = (OSError, ValueError, SyntaxError, KeyError, IndexError, EOFError, NotImplementedError, struct.error,
              Image.DecompressionBombError)


class ImportItem:
    """One image to import: a file, a member of a zip archive, or pixels already in memory.

    ``listed``: (size, modification time in ns) of the file when the importer listed it, where it did: what
    it decided from that (held-out files, copies of training images) holds for that file only, so one
    that differs when it is read is skipped (:data:`CHANGED`), and a shard's plan records this state."""

    __slots__ = ("path", "member", "pixels", "listed")

    def __init__(self, path=None, member=None, pixels=None, listed=None):
        self.path, self.member, self.pixels, self.listed = path, member, pixels, listed

    def __getstate__(self):
        return (self.path, self.member, self.pixels, self.listed)

    def __setstate__(self, state):
        self.path, self.member, self.pixels, self.listed = state

    def describe(self):
        """What the item is, for the skipped report and the shard plan."""
        if self.pixels is not None:
            return hashlib.sha256(np.ascontiguousarray(self.pixels).tobytes()).hexdigest()
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    def text(self):
        """:meth:`describe` as UTF-8 text in every locale, as skipped.txt, meta.json and a shard's plan record it:
        the path's bytes read as UTF-8 (:func:`.inputs.fs_text`), a zip member's name as the archive stores it (text
        already). Read as one name with the path, under a Latin-1 locale a member "café.JPEG" became
        "caf\\xe9.JPEG", and beside a member "猫.JPEG" the path was left as that locale read it ("donnÃ©es")."""
        if self.pixels is None and self.member:
            return f"{fs_text(str(self.path))}:{self.member}"
        return fs_text(self.describe())

    def identity(self):
        """What a shard's plan records of the item: :meth:`describe`, and for a file or an archive's
        member what tells that its content changed (the file's size and modification time; the
        member's size and CRC-32, from the archive's directory). Named alone, an input repaired or
        replaced in place (a download done again, a truncated photo fixed) was left on a rerun as
        the finished shard had it: still skipped, or the old image. A file's state when listed
        (``listed``), where known, is the one recorded: a file that changed while the import ran is
        skipped as such, and the rerun, finding another state, decodes its shard again."""
        return self.describe() + self._state()

    def identity_text(self):
        """:meth:`identity` as the same text in every locale (a shard's plan digests it): its
        :meth:`describe` part as :meth:`text` writes it."""
        return self.text() + self._state()

    def _state(self):
        """What :meth:`identity` adds to :meth:`describe`: ``"\\tSIZE\\tMTIME_NS"`` of a file,
        ``"\\tSIZE\\tCRC"`` of an archive's member, nothing for pixels or an input gone or unreadable."""
        if self.pixels is not None:
            return ""
        if self.listed is not None:
            return f"\t{self.listed[0]}\t{self.listed[1]}"
        try:
            if self.member:
                info = _archive(self.path).getinfo(self.member)
                return f"\t{info.file_size}\t{info.CRC}"
            status = os.stat(self.path)
            return f"\t{status.st_size}\t{status.st_mtime_ns}"
        except (OSError, KeyError, zipfile.BadZipFile):  # gone or unreadable: the decoder says why
            return ""


def may_be_image(path, listed):
    """Whether the file ``path`` may be an image the import decodes, told from its first bytes without decoding it
    (``listed``: its (size, modification time) as listed, None when it is no regular file or could not be examined).

    It is not when it is no regular file (a link to nothing, a FIFO), is empty, is gone or cannot be
    opened since it was listed (the decoder says so), begins with the bytes of a file that is no image
    (:data:`.image_formats.NOT_IMAGES`: an HDF5 weights file, a zip archive, a PDF ...), or with bytes that
    are neither the signature of a format this Pillow reads (:data:`.image_formats.SIGNATURES`: a damaged
    photo is found when decoded, as before) nor a header in which Pillow identifies a format it reads (TGA,
    ICO, PPM ...: Pillow reads the header only; not one it only identifies, as HDF5) or one of
    :data:`.image_formats.PLUGINS`' (installed or not). Its name does not count: an HTML error page saved as
    cat.jpg is no image, a PNG named .jpg is one."""
    return image_by_first_bytes(path, listed) is True


def image_by_first_bytes(path, listed, told=None):
    """:func:`may_be_image`, told apart from a file this user may not read (permission denied): None for it, which
    is not known not to be an image (the decoder says to give read access to it). ``told``: a dict given to note
    the verdict in (``told[path]``) where the file's first bytes gave it, to be trusted while the file keeps its
    size and modification time (:func:`.copies.recorded_digests`): not where it could not be opened or read (gone
    since listed, and back in the same state; this user given read access, which changes neither)."""
    if listed is None or not listed[0]:
        return False
    try:
        file = open_regular_file(path)
    except PermissionError:
        return None
    except (OSError, ValueError):  # gone or replaced since listed: the decoder says why
        return False
    with file:
        try:
            head = file.read(256)
        except OSError:  # the decoder says why
            return True
        verdict = _image_by_head(file, head)
    if told is not None:
        told[path] = verdict
    return verdict


def _image_by_head(file, head):
    """:func:`may_be_image` of the open ``file``, whose first bytes are ``head``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if image_formats.not_image_kind(head):
                return False
            if image_formats.has_signature(head):
                return True
            file.seek(0)
            with opened_without_pillow_limit(file):
                return True
        except Image.UnidentifiedImageError:
            return image_formats.format_needing_plugin(head) is not None
        except UNREADABLE:  # Pillow took it for a format it reads, and found it damaged: the decoder says so
            return True


def readable_now(reason, file=None):
    """Whether the ``file`` skipped for ``reason`` may decode now, so that the shard that lists it is decoded again,
    not kept: skipped for a plugin (or Ghostscript, for EPS) missing that is installed now, as changed or gone while
    the import ran (:data:`CHANGED`, :data:`VANISHED`: the shard's plan records the file as listed, and a file
    moved away and back, or changed back, is listed so again), or as :data:`NOT_READABLE` while it is readable now
    (a chmod leaves the size and modification time the plan records as they were), or as a member of a damaged
    archive (:data:`.archives.DAMAGED_ARCHIVE`, skipped so by earlier versions, which stop now): the plan records
    a member's size and CRC-32 from the archive's directory, which a damaged copy and the download done again
    share, so only this tells that the shard must be decoded again."""
    if reason == NOT_READABLE:
        return file is None or not os.path.lexists(file) or os.access(file, os.R_OK)  # lexists: a name shown escaped
    if reason == image_formats.GHOSTSCRIPT_MISSING:
        return image_formats.ghostscript_found()
    if (reason or "").startswith("DatasetError: ") and f": {archives.DAMAGED_ARCHIVE} (" in reason:
        return True  # as earlier versions recorded it: not a path holding the words (a/damaged archive/1.jpg)
    return reason in (CHANGED, VANISHED) or any(reason == image_formats.plugin_reason(name)
                                                and image_formats.pillow_reads(name) for name in image_formats.PLUGINS)


def read_member(archive, name):
    """The bytes of member ``name`` of an open ``zipfile.ZipFile``, refused with ``ValueError`` from
    its header's size when above :data:`MAX_MEMBER_BYTES` (nothing is decompressed then), with
    :class:`~.archives.UnreadableArchive` when encrypted or compressed in a way zipfile cannot read,
    with :class:`~.archives.ArchiveDamaged` when damaged (each naming the archive and the member)."""
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name}: {info.file_size} bytes, more than the {MAX_MEMBER_BYTES} an archive member may hold")
    origin = f"{archive.filename}:{name}"
    archives.check_zip_member(info, origin)
    with archives.reading_archive(origin, download=archive.filename):
        return archive.read(info)


def open_regular_file(path):
    """``path`` opened for binary reading when it is a regular file (after following symlinks);
    ``ValueError`` saying what it is otherwise: opening a FIFO would wait for a writer forever, and
    a device could be read without end (or have side effects)."""
    _check_regular(path, os.stat(path).st_mode)  # before opening: opening is what a FIFO or a device must not see
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # replaced by a FIFO since the stat: no wait either
    try:
        _check_regular(path, os.fstat(descriptor).st_mode)
    except ValueError:
        os.close(descriptor)
        raise
    return os.fdopen(descriptor, "rb")


def _check_regular(path, mode):
    """``ValueError`` saying what ``path`` is (:func:`minitransfer.path_kinds.not_a_regular_file`) where ``mode`` is
    no regular file's."""
    if not stat.S_ISREG(mode):
        from minitransfer.path_kinds import not_a_regular_file  # here: each decode worker imports this module
        raise ValueError(not_a_regular_file(path))


_open_archives = {}  # (path, its device, inode, size and modification time) -> open zip archive


def _archive(path):
    """The zip archive at ``path``, opened once per process and version of the file: a notebook that
    imports an archive, downloads it again and imports it again (decoding in its own process,
    workers=0) reads the new one, not the copy it opened first."""
    status = os.stat(path)
    key = (path, status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
    if key not in _open_archives:
        close_archive(path)  # an earlier version of the file's
        try:
            _open_archives[key] = zipfile.ZipFile(path)
        except zipfile.BadZipFile:  # replaced by a damaged copy since it was listed: as a damaged member
            with archives.reading_archive(path, download=path):
                raise
    return _open_archives[key]


def close_archive(path):
    """Close this process's open copies of the zip archive at ``path`` (:func:`_archive`'s, made as an
    import decodes or describes its members here): the import that reads it calls this as it ends.
    Kept open, every archive a notebook had imported held a descriptor, and one deleted since (the
    download removed once imported) its disk space, until the process exited."""
    for opened in [key for key in _open_archives if key[0] == path]:
        _open_archives.pop(opened).close()


def load_item(item, size):
    """Decode one :class:`ImportItem` (in a worker): ``(pixels, note, sha256)`` or ``(None, reason, sha256)``; the
    note is None, or a caveat the import warns of (:data:`.pixels.DIM_16_BIT`). A file listed in another state than
    it is read in (``item.listed``), or gone since, is skipped: :data:`CHANGED`, :data:`VANISHED`.

    ``sha256`` is the digest of the bytes read and decoded (None for pixels in memory and for a file not held
    in memory whole: empty, unreadable, or above :data:`MAX_MEMBER_BYTES`, which is decoded from the file):
    importers find one image in two classes with it without reading the file a second time.

    What the file is when it is not decoded (no image, a format needing a plugin, EPS without Ghostscript) is told
    from its first bytes, ``head``, read alike whether the file is held in memory or decoded from disk."""
    digest, data, head = None, b"", b""
    try:
        if item.pixels is not None:
            pixels = np.asarray(item.pixels, dtype=np.uint8)
            if pixels.shape != (size, size, 3):
                pixels = warp(Image.fromarray(pixels), size)
            return pixels, None, None
        if item.member is not None:
            data = read_member(_archive(item.path), item.member)
        else:
            with open_regular_file(item.path) as file:
                if _changed_since_listed(item, os.fstat(file.fileno())):
                    return None, CHANGED, None
                if os.fstat(file.fileno()).st_size > MAX_MEMBER_BYTES:  # not held in memory
                    head = file.read(256)
                    file.seek(0)
                    return no_image(item, head, None) or decode_image_noted(file, size) + (None,)
                data = file.read()
                if _changed_since_listed(item, os.fstat(file.fileno())):  # written to as it was read
                    return None, CHANGED, None
        if not data:
            return None, EMPTY, None
        digest, head = hashlib.sha256(data).hexdigest(), data[:256]
        return no_image(item, head, digest) or decode_image_noted(io.BytesIO(data), size) + (digest,)
    except FileNotFoundError as error:
        return None, VANISHED if item.listed is not None else not_found(item.path, error), None
    except PermissionError:
        return None, NOT_READABLE, None
    except archives.ArchiveDamaged:
        raise  # the archive itself, not one image: stop, as CIFAR's importer does, saying to download it again
    except Image.UnidentifiedImageError:  # PIL's words name its file object (<_io.BufferedReader name=10>)
        name = image_formats.format_needing_plugin(head)
        reason = image_formats.plugin_reason(name) if name else \
            archive_reason(item) or image_formats.text_reason(head) or unidentified(item, head)
        return None, reason, digest
    except UNREADABLE as error:
        if getattr(error, "errno", None) == errno.ELOOP:
            return None, not_found(item.path, error), None
        if image_formats.ghostscript_missing(head):
            return None, image_formats.GHOSTSCRIPT_MISSING, digest
        return None, unreadable_reason(error, item), digest


def warn_of_notes(notes):
    """Warn on stderr of the images imported with a caveat (``notes``: {"file", "note"} of those
    :func:`load_item` decoded with a note, kept in their shards: a rerun that resumes an interrupted import
    counts those decoded before it too), once per kind of note: how many, and one of them."""
    files = {}
    for entry in notes:
        files.setdefault(entry["note"], []).append(entry["file"])
    for note, named in files.items():
        stopping.warn(f"warning: {len(named)} image(s) of this dataset, such as {named[0]}: {note}")


def _changed_since_listed(item, status):
    """Whether the file of ``item``, whose ``os.fstat`` is ``status``, is not in the state it was listed in."""
    return item.listed is not None and (status.st_size, status.st_mtime_ns) != tuple(item.listed)

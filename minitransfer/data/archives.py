"""The one place where a damaged or unsupported archive becomes bad data (exit 65), not a traceback.

zipfile, tarfile and every decompressor they use raise their own errors for the same damage:
``zipfile.BadZipFile`` (a member's CRC), ``tarfile.TarError``, ``zlib.error`` (deflate data),
``OSError`` (gzip's CRC, bz2's stream), ``lzma.LZMAError``, ``EOFError`` (a stream cut short);
a compression method zipfile lacks (deflate64, which Windows uses for large archives) is a
``NotImplementedError``. :func:`reading_archive` turns them into :class:`~.dataset.DatasetError`
naming the archive and the member and, for a download, saying to download it again
(:func:`download_again`, as a zip cut short is told); a read the system refused (permission, a disk's
I/O error) is no damage of the file's: it is said as such (exit 74).
"""

import bz2
import contextlib
import dataclasses
import gzip
import lzma
import os
import shlex
import tarfile
import zipfile
import zlib

from . import dataset as ds
from . import schema

DAMAGED_ARCHIVE_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError, OSError)
DAMAGED_ARCHIVE = "damaged archive"  # what the error of a damaged archive says (:func:`reading_archive`)
CUT_SHORT = "cut short: its data ends before the size its header gives"  # a damage said by no words of the reader's own
ZIP_ENCRYPTED = 0x1  # general purpose flag bit 0 of a zip member


@dataclasses.dataclass(frozen=True)
class ArchiveFormat:
    """One kind of archive images are downloaded and shared in, or one compression a tar is packed in.
    ``suffixes``: its file names' (lower case); ``unpack``: the command told to the user that unpacks one into a
    folder (``{archive}``, ``{into}``). A compression (gzip, bzip2, xz) also compresses one file alone
    (notes.txt.gz) and has ``magic``, the first bytes of such a file; ``module``, the module that reads it;
    ``decompress_beside``, the command that decompresses such a file beside itself, keeping it;
    ``decompress_to_stdout``, the one that decompresses it to its standard output; ``tar_suffixes``, those of its
    ``suffixes`` that name a tar by themselves (.tgz: the file decompressed is NAME.tar)."""

    name: str
    suffixes: tuple
    unpack: str
    magic: bytes = None
    module: object = None
    decompress_beside: str = None
    decompress_to_stdout: str = None
    tar_suffixes: tuple = ()


ARCHIVE_FORMATS = (
    ArchiveFormat("zip", (".zip",), "unzip {archive} -d {into}"),
    ArchiveFormat("tar", (".tar",), "tar xf {archive} -C {into}"),
    ArchiveFormat("gzip", (".tgz", ".gz"), "tar xzf {archive} -C {into}", b"\x1f\x8b", gzip, "gunzip -k",
                  "gzip -dc", (".tgz",)),
    ArchiveFormat("bzip2", (".bz2",), "tar xjf {archive} -C {into}", b"BZh", bz2, "bunzip2 -k", "bzip2 -dc"),
    ArchiveFormat("xz", (".xz",), "tar xJf {archive} -C {into}", b"\xfd7zXZ\x00", lzma, "unxz -k", "xz -dc"),
    ArchiveFormat("7z", (".7z",), "7z x {archive} -o{into}"),
    ArchiveFormat("rar", (".rar",), "unrar x {archive} {into}/"),
)
_BY_SUFFIX = {suffix: kind for kind in ARCHIVE_FORMATS for suffix in kind.suffixes}
COMPRESSIONS = tuple(kind for kind in ARCHIVE_FORMATS if kind.magic)  # those that compress one file alone too


def archive_format(name):
    """The :data:`ARCHIVE_FORMATS` entry the file name ``name`` has the suffix of; None for none."""
    return _BY_SUFFIX.get(os.path.splitext(name)[1].lower())


class ArchiveDamaged(ds.DatasetError):
    """An archive that cannot be read as it is (damaged, cut short, or a member stored in a way this reader cannot
    read): the whole download is at fault, not one image, so an import stops (exit 65) rather than skip a member."""


class UnreadableArchive(ArchiveDamaged):
    """A member stored in a way this reader cannot read (encrypted, deflate64). Its archive's other
    members are most likely stored alike, so the import stops rather than skip them one by one."""


@contextlib.contextmanager
def reading_archive(origin, download=None, name=None, whole=None):
    """Inside, the errors of a damaged archive become a ``DatasetError`` and those of an unsupported
    compression method an :class:`UnreadableArchive`, both naming ``origin`` ("images.zip:a.JPEG"); a
    read the system refused, :func:`.schema.read_error`'s. ``download``: the archive's path, when it is
    a download to get again if damaged, under ``name`` (by default its own) and of ``whole`` size as
    the page offering it gives it (``"161 MB"``; None where not known)."""
    try:
        yield
    except NotImplementedError as error:
        raise UnreadableArchive(f"{origin}: {error}: unpack the archive with another tool (7z, unzip) and import "
                                f"the folder it makes") from error
    except DAMAGED_ARCHIVE_ERRORS as error:
        if isinstance(error, OSError) and error.errno is not None:  # gzip's and bz2's damage carry no errno
            raise schema.read_error(origin, "archive", error, remedy="download it again") from error
        reason = " ".join(str(error).split())  # one line: tarfile lists each method tried
        if not reason and isinstance(error, EOFError):  # zipfile's, for a member whose data ends before its size
            reason = CUT_SHORT
        again, size = "", os.stat(download).st_size if download else None
        if size == 0:  # tarfile listed each method's error for it ("method gz: ReadError('empty file') - ...")
            raise ArchiveDamaged(f"{download} is empty (0 bytes): download {name or os.path.basename(download)} "
                                 f"again") from error
        if download:
            again = f": {download_again(name or os.path.basename(download), size, whole)}"
        said = f" ({reason})" if reason else ""  # not the error's class ("EOFError"), which says nothing to a user
        raise ArchiveDamaged(f"{origin}: {DAMAGED_ARCHIVE}{said}{again}") from error


def download_again(name, size, whole=None):
    """What to do about a download cut short or damaged, of ``size`` bytes: download it again, as ``name``;
    ``whole``: its full size, where known ("161 MB")."""
    whole = f"; the whole download is {whole}" if whole else ""
    return f"the download is incomplete or damaged ({size} bytes{whole}): download {name} again"


def give_the_download(name, folder):
    """What to do about a file given for the download ``name`` that is no such archive."""
    return f"give the {name} download, or the {folder} folder it unpacks into"


def check_zip_member(info, origin):
    """Refuse an encrypted zip member from its header (zipfile would raise a RuntimeError)."""
    if info.flag_bits & ZIP_ENCRYPTED:
        raise UnreadableArchive(f"{origin}: encrypted (password-protected): decrypt the archive (or unpack it) "
                                f"and import that")


def archive_stem(name):
    """``name`` less the suffixes of an archive (:data:`ARCHIVE_FORMATS`, ``.tar`` of ``.tar.gz`` too): "dogs" of
    "dogs.tar.gz"; None when ``name`` is no archive's."""
    stem = os.path.splitext(name)[0]
    if archive_format(name) is None or not stem:
        return None
    return stem[:-4] if stem.lower().endswith(".tar") and stem[:-4] else stem


UNREAD = object()  # a top folder not read yet: the functions that need it read it (top_folder)


def unpack_beside(archive, top=UNREAD):
    """The shell command that unpacks ``archive`` (by its suffix: :data:`ARCHIVE_FORMATS`) beside itself, from
    wherever it is run, into one folder: :func:`unpacked`'s command (``top``: as its). None when its suffix is no
    archive's."""
    return unpacked(archive, top=top)[0]


def single_compressed_file(path, by_content=False):
    """What the file ``path`` is when, named as a compressed tar (:data:`COMPRESSIONS`: notes.txt.gz,
    photos.tgz), it holds one file compressed alone, no tar: "a single gzip-compressed file (notes.txt; gunzip -k
    notes.txt.gz makes it)" (tar xzf, which a .tar.gz is unpacked with, refuses it). ``by_content``: a file of
    another name too, told by its first bytes (``magic``: a download renamed, data_batch_1.dat),
    with the command that decompresses it into a file named as it less its suffix (data_batch_1), as gunzip -k,
    which refuses a name without .gz, does not.
    None for a tar, a file of another name, or one that does not decompress (damaged, or no such compression:
    the tar command says so). Told from its first decompressed block (a tar's header, checksummed), read alone."""
    compression = _compression(path, by_content) if os.path.isfile(path) else None
    if compression is None:
        return None
    kind, module, name, command = compression
    if _holds(module, path) != "file":
        return None
    return f"a single {kind}-compressed file ({name}; {command} makes it)"


def _holds(module, path):
    """What the compressed file ``path`` (read with ``module``) holds, told from its first decompressed block: "tar"
    (a tar's first header, checksummed), "empty" (nothing, or a block of zeros: an empty tar's end, which tar
    unpacks as an empty archive), "file" (one file compressed alone), or None where it does not decompress."""
    try:
        with module.open(path) as stream:
            block = stream.read(tarfile.BLOCKSIZE)
        tarfile.TarInfo.frombuf(block, tarfile.ENCODING, "surrogateescape")
        return "tar"
    except (tarfile.EmptyHeaderError, tarfile.EOFHeaderError):
        return "empty"
    except tarfile.HeaderError:
        return "file"
    except (*DAMAGED_ARCHIVE_ERRORS, ValueError):
        return None


def _compression(path, by_content):
    """(what compression the file ``path`` is in, the module that reads it, the name of the file that decompressing
    it makes, the command that makes it) by its suffix, or with ``by_content`` by its first bytes; None when it is
    in none of :data:`COMPRESSIONS` (or cannot be read)."""
    quoted, (stem, suffix) = shlex.quote(os.fspath(path)), os.path.splitext(os.path.basename(path))
    named = archive_format(path)
    if named is not None and named.magic:
        name = stem + (".tar" if suffix.lower() in named.tar_suffixes else "")
        return named.name, named.module, name, f"{named.decompress_beside} {quoted}"
    found = _magic(path) if by_content else None
    if found is None:
        return None
    name = stem if suffix else f"{stem}.out"
    command = f"{found.decompress_to_stdout} {quoted} > {shlex.quote(os.path.join(os.path.dirname(path), name))}"
    return found.name, found.module, name, command


def _magic(path):
    """The entry of :data:`COMPRESSIONS` whose ``magic`` the file ``path`` starts with; None for none (or
    a file that cannot be read: the reader that follows says why)."""
    try:
        with open(path, "rb") as file:
            head = file.read(8)
    except OSError:
        return None
    return next((kind for kind in COMPRESSIONS if head.startswith(kind.magic)), None)


def compressed_tar(path):
    """(what compression the file ``path`` is in, the shell command that unpacks it beside itself, the folder
    that holds what it holds then: :func:`unpacked`'s, its :func:`top_folder`) where, named as no archive
    (:data:`ARCHIVE_FORMATS`; a download renamed: photos, photos.dat), it is a compressed tar by its first bytes
    (:data:`COMPRESSIONS`) and its first decompressed block (a tar's header); None for any other file. A new
    folder it needs is named as the file less its suffix, or "NAME-unpacked" where it has none (tar would
    otherwise meet the archive itself where it makes that folder)."""
    if archive_format(path) is not None or not os.path.isfile(path):
        return None
    found = _magic(path)
    if found is None or _holds(found.module, path) != "tar":
        return None
    name = os.path.basename(path)
    stem, top = os.path.splitext(name)[0], top_folder(path)
    return (found.name, *unpacked(path, found, stem if stem not in (name, "") else f"{name}-unpacked", top), top)


def single_file_refusal(path, instead, remedy, by_content=False):
    """The words refusing ``path``, given as ``instead`` ("an image", "the devkit", "a tar archive"), when it holds
    one file compressed alone (:func:`single_compressed_file`): "a single gzip-compressed file (notes.txt; gunzip
    -k notes.txt.gz makes it), not <instead>: <remedy>", which a caller says after the file's name; None for any
    other file (a tar, compressed or not, is told its tar command where it is one's). ``by_content``: as
    :func:`single_compressed_file`'s."""
    single = single_compressed_file(path, by_content)
    return f"{single}, not {instead}: {remedy}" if single else None


def unpacked(archive, kind=None, stem=None, top=UNREAD):
    """(the shell command that unpacks ``archive`` beside itself, the folder that holds what it holds
    then): the folder holding the archive where everything it holds lies in one folder of its own
    (:func:`top_folder`: ILSVRC2012_devkit_t12.tar.gz holds ILSVRC2012_devkit_t12/, which it makes),
    else a new folder named as the archive (photos/ of photos.zip), as class folders stored at an
    archive's top level spilled among the other files of the folder holding it; (None, None) when its
    suffix is no archive's. ``kind``, ``stem``: the archive's kind (:data:`ARCHIVE_FORMATS`) and the new
    folder's name, where its name does not say them (:func:`compressed_tar`); ``top``: its :func:`top_folder` where
    read already (decompressing a tar to list it takes seconds). A folder that exists is never offered (unpacking
    into it merged the archive into what it holds): a new one, "NAME-2", instead."""
    kind = kind or archive_format(archive)
    if kind is None:
        return None, None
    beside, top = os.path.dirname(archive), top_folder(archive) if top is UNREAD else top
    if top is not None and not os.path.lexists(os.path.join(beside, top)):
        return (kind.unpack.format(archive=shlex.quote(os.fspath(archive)), into=shlex.quote(beside or ".")),
                os.path.join(beside, top))
    into = _new_folder(beside, stem or archive_stem(os.path.basename(archive)))
    return unpack_command(archive, into, kind), os.path.join(into, top) if top is not None else into


def unpacked_already(archive, top=UNREAD):
    """The folder beside ``archive`` it would unpack into were that folder not there (its one top folder,
    :func:`top_folder`, else one named as the archive), where that folder is there: the archive may be
    unpacked already; else None. ``top``: as :func:`unpacked`'s."""
    beside, top = os.path.dirname(archive), top_folder(archive) if top is UNREAD else top
    folder = os.path.join(beside, top or archive_stem(os.path.basename(archive)) or "")
    return folder if folder != beside and os.path.isdir(folder) else None


def _new_folder(beside, name):
    """``beside``/``name``, or where that exists ``beside``/``name``-2 (-3, ...): a folder that does not."""
    into, number = os.path.join(beside, name), 2
    while os.path.lexists(into):
        into, number = os.path.join(beside, f"{name}-{number}"), number + 1
    return into


TOP_LOOK = 1000  # members of a tar top_folder reads at most
TOP_BYTES = 64 << 20  # bytes of a tar top_folder reads past at most (a .tar.gz is decompressed to list it)


def top_folder(archive):
    """The name of the one folder everything ``archive`` (a zip, or a tar: :data:`ARCHIVE_FORMATS`) holds lies
    in, as its members' names say (:func:`member_names`), else None: None too where that cannot be told: a
    larger tar, another kind (7z, rar), an archive that cannot be read (it is then unpacked into a folder of its
    own, which holds whatever it holds)."""
    names, whole = member_names(archive)
    return _one_folder(names) if whole else None


_listed = {}  # (path, inode, size, times in ns, the limits) -> member_names' answer, for this process


def member_names(archive):
    """(the names of the first members of ``archive``, whether they are all of them): every name of a zip (its
    central directory, read at once), of a tar up to :data:`TOP_LOOK` members within its first
    :data:`TOP_BYTES` (a message is not worth minutes of decompressing); ([], False) for another kind or an
    archive that cannot be read. Read once a process for a file unchanged: a refusal asks twice (which download
    it is, :func:`.downloads.which_download`; its top folder), and a .tar.gz is decompressed to be listed."""
    try:
        found = os.stat(archive)
        key = (os.fspath(archive), found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns, TOP_LOOK,
               TOP_BYTES)  # ctime: a file rewritten keeping its size and mtime (cp -p, wget -N) is read again
    except (OSError, TypeError, ValueError):
        key = None
    if key not in _listed:
        listed = _read_names(archive)
        if key is None:
            return listed
        _listed[key] = listed
    return _listed[key]


def _read_names(archive):
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as packed:
                return packed.namelist(), True
        with tarfile.open(archive) as packed:
            names = []
            for member in packed:
                names.append(member.name)
                if len(names) > TOP_LOOK or member.offset_data + member.size > TOP_BYTES:
                    return names, False
            return names, True
    except (*DAMAGED_ARCHIVE_ERRORS, ValueError):
        return [], False


def _one_folder(names):
    """The folder the member ``names`` of an archive all lie below ("photos" of "photos/cat/0.jpg",
    "photos/"), else None."""
    parts = [name.lstrip("/").removeprefix("./").split("/", 1) for name in names]
    parts = [part for part in parts if part[0] not in ("", ".")]  # "./": the folder unpacked into
    tops = {part[0] for part in parts}
    return tops.pop() if len(tops) == 1 and any(len(part) == 2 for part in parts) else None


def unpack_command(archive, into, kind=None):
    """The shell command that makes the folder ``into`` and unpacks ``archive`` (as its suffix says, or as ``kind``,
    an :data:`ARCHIVE_FORMATS` entry, where given) there."""
    template = (kind or archive_format(archive)).unpack
    into = shlex.quote(os.fspath(into))
    return f"mkdir -p {into} && " + template.format(archive=shlex.quote(os.fspath(archive)), into=into)

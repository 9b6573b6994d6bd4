"""Where CIFAR-10's and CIFAR-100's files lie and reading them: the python version's layout
(:class:`CifarLayout`), the other versions named when given (:data:`OTHER_VERSIONS`), and the pickles' bytes
read from the archive (gzip, bz2, xz or none) or the folder, each size-checked before it is read.
"""

import pathlib
import tarfile
from typing import NamedTuple

from . import archives
from . import dataset as ds
from . import downloads, inputs, schema
from .decode import MAX_MEMBER_BYTES

COMPRESSED_TAR_MAGIC = tuple(kind.magic for kind in archives.COMPRESSIONS)  # what gzip, bz2 and xz files begin with
TAR_MAGIC, TAR_MAGIC_AT = b"ustar", 257  # in a tar archive's first header (POSIX and GNU)


class CifarLayout(NamedTuple):
    """Where the python version of one CIFAR keeps its pickles, and what messages call it."""

    title: str  # "CIFAR-100"
    command: str  # the 'minitransfer prepare' command that imports it
    folder: str  # the folder its archive unpacks into
    meta: str  # the class names
    train: tuple  # the training batches, in the order their images are imported
    test: str  # the test batch: the dataset's val
    largest: str  # the size of its largest file, for the size limit's message
    download: str  # the name of its python version's archive
    download_size: str  # that archive's size, as https://www.cs.toronto.edu/~kriz/cifar.html gives it

    @property
    def files(self):
        return (self.meta, *self.train, self.test)


CIFAR10 = CifarLayout("CIFAR-10", "cifar10", "cifar-10-batches-py", "batches.meta",
                      tuple(f"data_batch_{number}" for number in range(1, 6)), "test_batch", "31 MB",
                      "cifar-10-python.tar.gz", "163 MB")
CIFAR100 = CifarLayout("CIFAR-100", "cifar100", "cifar-100-python", "meta", ("train",), "test", "155 MB",
                       "cifar-100-python.tar.gz", "161 MB")
LAYOUTS = (CIFAR10, CIFAR100)


class OtherVersion(NamedTuple):
    """A download of CIFAR in another format than the python version (which alone is read)."""

    layout: CifarLayout  # the CIFAR it holds
    name: str  # "binary"
    folder: str  # the folder its archive unpacks into
    files: tuple  # names of files only it has


OTHER_VERSIONS = (
    OtherVersion(CIFAR10, "binary", "cifar-10-batches-bin", ("batches.meta.txt", "data_batch_1.bin", "test_batch.bin")),
    OtherVersion(CIFAR10, "MATLAB", "cifar-10-batches-mat", ("batches.meta.mat", "data_batch_1.mat", "test_batch.mat")),
    OtherVersion(CIFAR100, "binary", "cifar-100-binary", ("fine_label_names.txt", "train.bin", "test.bin")),
    OtherVersion(CIFAR100, "MATLAB", "cifar-100-matlab", ("meta.mat", "train.mat", "test.mat")),
)


class CifarFiles(NamedTuple):
    """The files of one CIFAR as read (:func:`read_cifar_files`), and what messages say of them."""

    contents: dict  # {name: bytes}
    origins: dict  # {name: where messages name it: "archive:name", or the file's path}
    again: str  # what to do when one is damaged: get the download again, or unpack it again


def read_cifar_files(source, layout):
    """The :class:`CifarFiles` of ``layout``, from a tar archive (gzip, bz2, xz or none) or a folder,
    each refused from its declared size (the tar header, the file's size) before it is read when
    above MAX_MEMBER_BYTES. The other CIFAR's files, without any of ``layout``'s, are a
    ``ImportUsageError`` (a ValueError, exit code 2) naming the command that imports them; the files of another version
    (:data:`OTHER_VERSIONS`), one naming the python download and its command; some of ``layout``'s
    files missing, a ``DatasetError`` saying to download the archive (or unpack it) again."""
    source = pathlib.Path(source)
    if source.is_file():
        files, present = _read_archive(source, layout)
        origins = {name: f"{source}:{name}" for name in files}
        expected = f"member (expected the {layout.title} python archive)"
        again = archives.download_again(layout.download, source.stat().st_size, layout.download_size)
    else:
        files, present, origins = _read_folder(source, layout)
        expected = f"file (expected the {layout.folder} folder)"
        again = (f"unpack {layout.download} again (an unpacking interrupted?), or give the archive itself as "
                 f"SOURCE")
    missing = [name for name in layout.files if name not in files]
    if missing:
        for other in LAYOUTS:
            if other != layout and other.meta in present and not present & set(layout.files):
                raise schema.ImportUsageError(f"{source} holds {other.title} ({other.folder}), not {layout.title}: "
                                              f"import it with 'minitransfer prepare {other.command}'")
        for version in OTHER_VERSIONS:
            if present & set(version.files) and not present & set(layout.files):
                raise schema.ImportUsageError(f"{source} holds the {version.name} version of {version.layout.title} "
                                              f"({version.folder}), which minitransfer does not read: download its "
                                              f"python version, {version.layout.download}, and import that with "
                                              f"'minitransfer prepare {version.layout.command}'")
        found = present & set(layout.files)
        if not found:
            downloads.refuse_another(source, layout.command)
        what_to_do = f": {again}" if found else _archives_in(source) or _nested_in(source, layout) or \
            f": {archives.give_the_download(layout.download, layout.folder)}"
        raise ds.DatasetError(f"{source}: no {', '.join(missing)} {expected}{what_to_do}")
    return CifarFiles(files, origins, again)


def _archives_in(source):
    """", but it holds <archives>: ..." when the folder ``source`` holds tar archives (the download
    folder given for the archive in it); "" otherwise."""
    found = sorted(path.name for path in source.iterdir() if path.is_file() and not inputs.hidden(path.name)
                   and path.name.lower().endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz"))) \
        if source.is_dir() else []
    return f"; it holds {', '.join(found[:5])}: give the archive itself as SOURCE" if found else ""


def _nested_in(source, layout):
    """:func:`.inputs.nested_copy` of ``layout``'s folder in the folder ``source`` ("" for an archive)."""
    return inputs.nested_copy(source, layout.folder, layout.meta) if source.is_dir() else ""


def _read_archive(source, layout):
    """({name: bytes} of ``layout``'s files, the names of every file in the archive), in one pass
    through the archive to the end of its compressed stream: gzip and bz2 check their CRC only
    there, and damage in the data already read would pass unnoticed otherwise. A damaged archive
    is a download to get again; a file that is no tar archive (a web page saved in its place), one
    to give instead."""
    files, present, origin_of = {}, set(), {}
    download = {"download": source, "name": layout.download, "whole": layout.download_size}
    _check_tar(source, layout)
    with archives.reading_archive(source, **download), tarfile.open(source) as archive:
        for member in archive:
            if not member.isfile():
                continue
            name = pathlib.PurePosixPath(member.name).name
            present.add(name)
            if name in layout.files and name in files:
                raise ds.DatasetError(f"{source}: {name} stored twice ({origin_of[name]}, {member.name}): which "
                                      f"copy is meant is unknown (unpacking keeps the last; a download holds each "
                                      f"once): download {layout.download} again")
            if name in layout.files:
                origin_of[name] = member.name
                _check_size(f"{source}:{member.name}", member.size, layout)
                with archives.reading_archive(f"{source}:{member.name}", **download):
                    files[name] = archive.extractfile(member).read()
        while archive.fileobj.read(1 << 20):
            pass
    return files, present


def _check_tar(source, layout):
    """``DatasetError`` unless ``source`` is empty (a download cut short) or begins as a tar archive does,
    compressed (gzip, bz2, xz) or not; and for one file compressed alone (:func:`.archives.single_file_refusal`),
    which was called a damaged download to get again: told by its first bytes, whatever its name (a download
    renamed, data_batch_1.dat, was still called damaged where its name did not end in .gz, .bz2 or .xz)."""
    with archives.reading_archive(source):
        with open(source, "rb") as file:
            head = file.read(TAR_MAGIC_AT + len(TAR_MAGIC))
    if head and not head.startswith(COMPRESSED_TAR_MAGIC) and head[TAR_MAGIC_AT:] != TAR_MAGIC:
        downloads.refuse_another(source, layout.command)
        raise ds.DatasetError(f"{source}: not a tar archive: "
                              f"{archives.give_the_download(layout.download, layout.folder)}")
    single = archives.single_file_refusal(source, "a tar archive",  # no tar in it: no download cut short either
                                          archives.give_the_download(layout.download, layout.folder), by_content=True)
    if single:
        raise ds.DatasetError(f"{source}: {single}")


def _read_folder(source, layout):
    """({name: bytes} of ``layout``'s files in ``source`` or its ``layout.folder``, the names of the
    files there and in the folders of the other CIFARs and versions, {name: the path it was read from})."""
    files, origins = {}, {}
    for folder in (source, source / layout.folder):
        for name in layout.files:
            if name not in files and (folder / name).is_file():
                _check_size(folder / name, (folder / name).stat().st_size, layout)
                files[name], origins[name] = _read_file(folder / name, layout), str(folder / name)
    folders = [source, *(source / other.folder for other in (*LAYOUTS, *OTHER_VERSIONS))]
    present = {path.name for folder in folders if folder.is_dir() for path in folder.iterdir() if path.is_file()}
    return files, present, origins


def _read_file(path, layout):
    """The bytes of the file ``path`` of an unpacked ``layout``; a read the system refused (no read permission, a
    disk's I/O error) is said as :func:`.schema.read_error` says it (exit 74), naming the file."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise schema.read_error(path, f"{layout.title} file", error, remedy=f"unpack {layout.download} again") \
            from error


def _check_size(origin, size, layout):
    if size > MAX_MEMBER_BYTES:
        raise ds.DatasetError(f"{origin}: {size} bytes, more than the {MAX_MEMBER_BYTES} a {layout.title} file may "
                              f"have (its largest is {layout.largest})")

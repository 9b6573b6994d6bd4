"""What the importers read from users, made safe to store and report: text files, file names,
the source and output folders, and pixel formats that are not 8 bits.

- Text files (--families, --words, --val-labels, words.txt ...) are UTF-8; a leading byte-order
  mark (Windows editors write one) is accepted. One that is not UTF-8 is a :class:`DatasetError`
  (exit code 65) naming the file and saying to save it as UTF-8 (with the encoding it looks like:
  UTF-16 or UTF-32, as Windows Notepad's "Unicode" writes). One the system refuses to read (no
  read permission, a disk's I/O error, removed meanwhile) is a :class:`.schema.DatasetUnreadable`
  (exit code 74) naming it and what to do.
- File names are bytes on POSIX; Python hands names that are not UTF-8 over with "surrogate
  escapes". Such files are imported; where a name is written (``skipped.txt``, meta.json) it goes
  through :func:`display_name`, which writes every byte that is not UTF-8 as ``\\xNN`` and a tab,
  line break or backslash as ``\\t``, ``\\n``, ``\\r``, ``\\\\``, so one line of ``skipped.txt`` is
  always one file. A class name (a class folder's, a words.txt line's), which meta.json stores, must be UTF-8
  without control characters (a tab or line break would split the lines ``splits`` prints, and
  no families file line could name the class).
- Files and folders whose names start with "." and ``__MACOSX`` folders (:func:`hidden`) are
  not images nor classes: .DS_Store, ._AppleDouble files, .git, a macOS zip's resource forks; nor
  are other systems' files (:data:`SYSTEM_NAMES`: Thumbs.db, desktop.ini, Synology's @eaDir ...).
- 16-bit greyscale (Pillow modes ``I;16``, ``I;16B``, ...) keeps its 8 most significant bits
  (value >> 8); 32-bit integer greyscale (mode ``I``) is read the same way when every value lies
  in 0..65535 (Pillow opens some 16-bit files so) and is skipped otherwise; floating-point images
  (mode ``F``) are skipped: their range (0..1, 0..255, physical units) is not in the file.
"""

import codecs
import errno
import os
import pathlib

import numpy as np
from PIL import Image

from minitransfer import fileio

from .dataset import DatasetError
from .schema import DatasetUnreadable

MACOS_FORKS = "__MACOSX"
# Files and folders that operating systems, file managers and NAS boxes write beside photos, in any case (Windows
# and macOS names are case-blind): thumbnail caches (Thumbs.db, Synology's @eaDir of thumbnails, which decode),
# folder settings (desktop.ini, macOS's "Icon\r"), a drive's recycle bin and system folders.
SYSTEM_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r", "@eadir",
                          "$recycle.bin", "system volume information", "lost+found", MACOS_FORKS.casefold()})
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def read_text(path, what, original=""):
    """The text of the UTF-8 file ``path`` (a leading byte-order mark dropped); ``DatasetError``
    naming the file and ``what`` it is when it is not UTF-8 or holds a zero byte (saying to save
    it as UTF-8, or to unpack ``original``, the download it came from, again); :func:`unreadable`
    when it cannot be read."""
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError as error:
        raise unreadable(path, what, error) from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, what, f"byte {error.start}: {error.reason}", data, original) from error
    if "\x00" in text:  # valid UTF-8, but no text: UTF-16 without a byte-order mark, as ASCII widened
        raise _not_utf8(path, what, f"byte {data.index(0)}: a zero byte", data, original)
    return text


def unreadable(path, what, error):
    """The :class:`.schema.DatasetUnreadable` (exit code 74) to raise when the system refused to
    read the input file ``path`` (``error``, an ``OSError``), naming it, ``what`` it is and what to do."""
    number = getattr(error, "errno", None)
    if number in (errno.EACCES, errno.EPERM):
        reason = "is not readable by this user (permission denied): give read access to it (chmod a+r) and rerun"
    elif number in (errno.ENOENT, errno.ENOTDIR):
        reason = "is gone (removed or moved while the import ran?): put it back and rerun"
    elif number == errno.EISDIR:
        reason = "is a folder now, not a file: put the file back and rerun"
    else:
        reason = (f"could not be read ({error.strerror or error}): a fault of the disk or file system; rerun once it "
                  f"is repaired")
    return DatasetUnreadable(f"{display_name(path)}: the {what} {reason}")


def _not_utf8(path, what, where, data, original):
    """The ``DatasetError`` of a text file ``path`` (``data``, its bytes) that is not UTF-8 (``where``: the byte at
    fault), saying to save it as UTF-8, with the encoding it looks like when its byte-order mark or zero bytes
    say so (UTF-16 or UTF-32, as Windows Notepad's "Unicode" saves; an 8-bit code page cannot be told apart
    reliably), or to unpack ``original`` again."""
    encoding = _wide_encoding(data)
    looks = f"; it looks like {encoding}" if encoding else ""
    again = f", or unpack {original} again" if original else ""
    return DatasetError(f"{display_name(path)}: {what} is not UTF-8 text ({where}{looks}): save it as UTF-8 (an "
                        f"editor's 'Save as' offers the encoding; or iconv -f {encoding or 'ENCODING'} -t UTF-8 FILE "
                        f"> NEW, then use NEW){again}")


def _wide_encoding(data):
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "UTF-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16"
    head = data[:512]
    if len(head) >= 4 and head.count(0) >= len(head) // 3:  # ASCII text widened: a zero beside every letter
        return "UTF-16" if head.count(0) < 0.6 * len(head) else "UTF-32"  # half the bytes zero, or three in four
    return None


def display_name(name):
    """``name`` (a path or str, possibly with surrogate escapes) as printable, storable UTF-8 text:
    bytes that are not UTF-8 as ``\\xNN``, control characters and the backslash escaped."""
    out = []
    for char in os.fspath(name) if isinstance(name, os.PathLike) else str(name):
        if "\udc80" <= char <= "\udcff":
            out.append(f"\\x{ord(char) - 0xdc00:02x}")
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif control_character(char):  # a C1 one as \u0080..\u009f: \x80 is a byte that is not UTF-8
            out.append(f"\\x{ord(char):02x}" if char < "\x80" else f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def control_character(text):
    """The first control character in ``text`` (one :func:`display_name` escapes: an ESC, a tab, a
    line break, DEL, or a C1 one, U+0080-U+009F, such as U+009B, which some terminals read as an
    escape sequence's start), or None."""
    return next((char for char in text if char < " " or "\x7f" <= char <= "\x9f"), None)


def _display_errors(error):
    """The codecs error handler :data:`DISPLAY_ERRORS`: what an output cannot encode, written as
    :func:`display_name` writes it (a file name's byte that is not UTF-8 as ``\\xNN``; another
    character the output's encoding lacks as ``\\uNNNN``)."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(f"\\x{ord(char) - 0xdc00:02x}" if "\udc80" <= char <= "\udcff"
                   else char.encode("ascii", "backslashreplace").decode("ascii") for char in text), error.end


# Text holding names that are not UTF-8 (a folder, a weights file named so) written where it must
# be text: a UTF-8 terminal (which refused such names: a traceback), a report's tables.
DISPLAY_ERRORS = "minitransfer-display"
codecs.register_error(DISPLAY_ERRORS, _display_errors)


def hidden(name):
    """Whether a file or folder ``name`` is one the importers pass over: names starting with "."
    (.DS_Store, macOS's ._AppleDouble files, .git, .ipynb_checkpoints), ``__MACOSX`` (the
    folder of those files that macOS adds to a zip it makes) and the other :data:`SYSTEM_NAMES`
    (Thumbs.db, desktop.ini, @eaDir, $RECYCLE.BIN, lost+found ...), whatever their case: they
    filled ``skipped.txt`` as "not an image", and @eaDir's thumbnails were imported as images."""
    return name.startswith(".") or name.casefold() in SYSTEM_NAMES


def check_class_name(folder):
    """``DatasetError`` naming ``folder`` when its name (a class name) is not UTF-8 or holds a
    control character (a tab, a line break)."""
    name = pathlib.Path(folder).name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError as error:
        raise DatasetError(f"{display_name(folder)}: a class folder's name must be UTF-8 (it is the class name "
                           f"meta.json stores): rename it") from error
    if control_character(name):
        raise DatasetError(f"{display_name(folder)}: a class folder's name must not hold a control character (a tab "
                           f"or line break would split the lines of 'splits' and of a families file): rename it")


def absolute(path):
    """``path`` (a source, a labels or families file) as an absolute path, symbolic links kept so
    that names read as given: as importers record it in meta.json's source and, for the files
    imported, in the shards' plans. Recorded as typed, a rerun given it another way (absolute after
    relative, from another folder) was refused as another source, and with --overwrite found no
    finished shard and decoded every image again (hours for ImageNet)."""
    return pathlib.Path(os.path.abspath(path))


def file_record(path, what):
    """What meta.json's source records of an option naming a file (``--families``, ``--is-a``,
    ``--words``): {"path": absolute, "sha256": of its bytes}, None without one. A rerun compares the
    bytes (:func:`.build.build_dataset`): the file edited in place changes the class table as another
    file would, and the same bytes moved do not. :func:`unreadable` when it cannot be read."""
    if path is None:
        return None
    try:
        digest = fileio.sha256_file(path)
    except OSError as error:
        raise unreadable(path, what, error) from error
    return {"path": str(absolute(path)), "sha256": digest}


def stage_progress(progress, stage):
    """A ``report(done, total)`` calling ``progress(done, total, stage)`` (nothing without ``progress``): an
    importer's steps before decoding (listing a million files, reading them to find copies) take minutes at
    ImageNet's scale, and a command silent that long looks hung."""
    return (lambda done, total: progress(done, total, stage)) if progress else (lambda done, total: None)


def check_apart(source, out):
    """``ValueError`` (a usage error) when ``out`` lies inside ``source`` or ``source`` inside
    ``out``: a rerun would import the dataset's own files, or the import would write among its inputs."""
    source_path, out_path = pathlib.Path(source).resolve(), pathlib.Path(out).resolve()
    if out_path == source_path or source_path in out_path.parents:
        raise ValueError(f"OUT {out} lies inside SOURCE {source}: choose an output folder outside the source")
    if out_path in source_path.parents:
        raise ValueError(f"SOURCE {source} lies inside OUT {out}: choose an output folder outside the source")


def to_8_bits(image):
    """A Pillow image whose samples are 8 bits (see the module docstring for 16-bit, 32-bit and
    float greyscale); ``ValueError`` (the file is skipped) for one without a sound conversion."""
    if image.mode.startswith("F"):
        raise ValueError(f"floating-point pixels (mode {image.mode}) have no known range: convert the file to "
                         f"8 or 16 bits")
    if not image.mode.startswith("I"):
        return image
    values = np.asarray(image)
    if values.size and (values.min() < 0 or values.max() > 0xFFFF):
        raise ValueError(f"integer pixels outside 0..65535 (mode {image.mode}, {values.min()}..{values.max()}): "
                         f"convert the file to 8 or 16 bits")
    return Image.fromarray((values.astype(np.uint32) >> 8).astype(np.uint8), "L")

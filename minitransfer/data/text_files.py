"""The text files the importers read from users (--families, --words, --is-a, --val-labels,
words.txt, wnids.txt, a devkit's ground truth ...), and what meta.json records of them.

- They are UTF-8; a leading byte-order mark (Windows editors write one) is accepted. One that is
  not UTF-8 is a :class:`.dataset.DatasetError` (exit code 65) naming the file and saying to save
  it as UTF-8 (with the encoding it looks like: UTF-16 or UTF-32, as Windows Notepad's "Unicode"
  writes). So is one in an archive (:func:`decode_text`, naming the member).
- One that is no regular file (a named pipe, a shell's ``<(...)`` too, a socket, a device) is a
  :class:`.dataset.DatasetError` naming it (:func:`refuse_special`): an import reads the file twice (its
  digest, then its text), and a pipe with no writer waits for ever.
- One the system refuses to read (no read permission, a disk's I/O error, removed meanwhile) is a
  :class:`.schema.DatasetUnreadable` (exit code 74) naming it and what to do (:func:`unreadable`).

Pillow-free: :mod:`.wordnet` and :mod:`.families` read their files here, and load no image library.
"""

import codecs
import errno
import pathlib

from minitransfer import fileio, path_kinds

from .dataset import DatasetError
from .inputs import absolute, display_name, fs_text
from .schema import DatasetUnreadable


def read_text(path, what, original=""):
    """The text of the UTF-8 file ``path`` (a leading byte-order mark dropped); ``DatasetError``
    naming the file and ``what`` it is when it is not UTF-8 or holds a zero byte (:func:`decode_text`);
    :func:`unreadable` when it cannot be read; :func:`refuse_special`'s error where it is no regular file."""
    refuse_special(path, what)
    try:
        data = pathlib.Path(path).read_bytes()
    except OSError as error:
        raise unreadable(path, what, error) from error
    return decode_text(data, path, what, original)


def decode_text(data, path, what, original="", again="unpack"):
    """``data``, the bytes of the text file ``path`` (a file, or an archive's member named as
    ``ARCHIVE:MEMBER``), as UTF-8 text (a leading byte-order mark dropped); ``DatasetError`` naming
    it and ``what`` it is when it is not UTF-8 or holds a zero byte (saying to save it as UTF-8, or
    to ``again`` ("unpack"; "download" for a member of the download itself) ``original``, the
    download it came from, again)."""
    remedy = f"{again} {original}" if original else ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, what, f"byte {error.start}: {error.reason}", data, remedy) from error
    if "\x00" in text:  # valid UTF-8, but no text: UTF-16 without a byte-order mark, as ASCII widened
        raise _not_utf8(path, what, f"byte {data.index(0)}: a zero byte", data, remedy)
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


def _not_utf8(path, what, where, data, remedy):
    """The ``DatasetError`` of a text file ``path`` (``data``, its bytes) that is not UTF-8 (``where``: the byte at
    fault), saying to save it as UTF-8, with the encoding it looks like when its byte-order mark or zero bytes
    say so (UTF-16 or UTF-32, as Windows Notepad's "Unicode" saves; an 8-bit code page cannot be told apart
    reliably), or to do ``remedy`` ("unpack X") again."""
    encoding = _wide_encoding(data)
    looks = f"; it looks like {encoding}" if encoding else ""
    again = f", or {remedy} again" if remedy else ""
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


def file_record(path, what):
    """What meta.json's source records of an option naming a file (``--families``, ``--is-a``,
    ``--words``): {"path": absolute, "sha256": of its bytes}, None without one. A rerun compares the
    bytes (:func:`.build.build_dataset`): the file edited in place changes the class table as another
    file would, and the same bytes moved do not. :func:`unreadable` when it cannot be read;
    :func:`refuse_special`'s error where it is no regular file."""
    if path is None:
        return None
    refuse_special(path, what)
    try:
        digest = fileio.sha256_file(path)
    except OSError as error:
        raise unreadable(path, what, error) from error
    return {"path": fs_text(str(absolute(path))), "sha256": digest}


def not_a_file(kind):
    """What is said of a text file to read that is ``kind`` (:func:`minitransfer.path_kinds.path_kind`: "a named
    pipe", "a socket", a device), after its name: the words of the command line's (--families, --is-a ...) and of
    the library's (:func:`refuse_special`)."""
    return (f"is {kind}, not a file: it would be read more than once (a pipe with no writer waits for ever); save its "
            f"text to a file and give that")


def refuse_special(path, what):
    """A :class:`.dataset.DatasetError` (exit code 65) where the input file ``path`` (``what`` it is) is there and
    no regular file (:func:`not_a_file`): a named pipe given to the library (``import_folder(families=PIPE)``)
    waited for ever for a writer, or, written once, was read twice (its digest, then its text: none left). Nothing
    where it is a file, or not there (its reading says so: :func:`unreadable`)."""
    kind = path_kinds.path_kind(path)
    if kind not in ("a file", "nothing", "a folder"):  # a folder: its reading says "is a folder" (EISDIR)
        raise DatasetError(f"{display_name(path)}: the {what} {not_a_file(kind)}")

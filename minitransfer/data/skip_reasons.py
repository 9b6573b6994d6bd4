"""Why a file an import lists is skipped, in words (``skipped.txt`` lists each with its reason, as what it
is): what its first bytes say it is when no image (:func:`no_image`), a file Pillow does not identify
(:func:`unidentified`), an error of Pillow's or the system's as the file's damage or a read refused, with what to
do (:func:`unreadable_reason`), an archive named so (:func:`archive_reason`), a file or link that leads nowhere
(:func:`not_found`). Not the error's class ("OSError: [Errno 5] ...", "UnidentifiedImageError: ..."). Given by
:func:`.decode.load_item` for the files it does not decode; the states it finds a file in as it reads it (changed
or gone since listed, empty, not readable by this user) are :mod:`.decode`'s own.
"""
import os
import struct

from minitransfer import dead_ends

from . import archives
from . import image_formats
from .inputs import path_text

UNIDENTIFIED = "not an image, or in a format Pillow cannot read"
NOT_AN_IMAGE = "not an image but {}"  # told by its first bytes (.image_formats.NOT_IMAGES): what it is


def no_image(item, head, digest):
    """:func:`.decode.load_item`'s answer for the file of ``item``, beginning with the bytes ``head``, when they are
    those of a file that is no image (:func:`.image_formats.not_image_kind`), whatever Pillow makes of them: skipped
    saying what it is (an archive named so: how to unpack it; a gzip file of text, what text it is:
    :func:`.image_formats.text_reason`, an .svgz drawing), not as a damaged image; None for any other file."""
    kind = image_formats.not_image_kind(head)
    return None if kind is None else \
        (None, archive_reason(item) or image_formats.text_reason(head) or NOT_AN_IMAGE.format(kind), digest)


# What Pillow raises for an image file whose bytes are damaged or cut short (an OSError without errno: "image
# file is truncated", "Truncated File Read", "broken data stream"); a damaged archive member stops the import
# instead (:class:`.archives.ArchiveDamaged`): the download is at fault, not the image
DAMAGED = (SyntaxError, struct.error, EOFError, IndexError, KeyError)
DAMAGED_FILE = ": a damaged or incomplete image file: export or download it again, or delete it (the import skips it " \
               "either way)"
DAMAGED_MEMBER = ": a damaged or incomplete image, stored so in the archive (it passed the archive's CRC check): " \
                 "the import skips it"


# Pillow's refusals of a PNG whose text chunks (a comment, XMP metadata) or colour profile (iCCP) decompress to more
# than it allows (PngImagePlugin.MAX_TEXT_CHUNK, 1 MB a chunk; MAX_TEXT_MEMORY, 64 MB in all): its guard against
# decompression bombs, raised as the file is opened, before any pixel is read. Its words alone ("Decompressed data too
# large for PngImagePlugin.MAX_TEXT_CHUNK") named a setting of Pillow's, neither what is at fault nor what to do
_METADATA_REFUSALS = ("decompressed data too large", "too much memory used in text chunks")
METADATA_TOO_LARGE = ("its metadata (a text chunk such as XMP, or a colour profile) decompresses to more than Pillow "
                      "will read, a guard against decompression bombs, so its pixels are not read ({}): save it again "
                      "without its metadata (mogrify -strip FILE) and rerun")


def unreadable_reason(error, item):
    """Why the file of ``item`` that raised ``error`` (one of :data:`.decode.UNREADABLE`) is skipped, in words, not the
    error's class ("OSError: [Errno 5] ..."), with what to do of a damaged image (:func:`damaged_remedy`), or of one
    whose metadata is too large to read (:data:`METADATA_TOO_LARGE`)."""
    words = " ".join(str(error).split())
    if isinstance(error, OSError) and error.errno is not None:  # the system's error, not the image's
        return f"could not be read: {error.strerror or words}"
    if isinstance(error, ValueError) and words.lower().startswith(_METADATA_REFUSALS):
        return METADATA_TOO_LARGE.format(words)
    said = f" ({words})" if words else ""
    if isinstance(error, NotImplementedError):
        return f"a variant of its format that Pillow does not read{said}"
    if isinstance(error, DAMAGED):  # a parser's words (a KeyError's are a key alone): said as Pillow's
        return f"Pillow could not parse it{said}{damaged_remedy(error, item)}"
    return f"{words or 'Pillow could not decode it'}{damaged_remedy(error, item)}"


def damaged_remedy(error, item):
    """What to do of the image of ``item`` that Pillow's ``error`` says is damaged or cut short, said after
    Pillow's words ("OSError: image file is truncated" alone said neither); "" for another error (a
    system's I/O error, an image too large, a format variant Pillow does not read: their own words say)."""
    if not isinstance(error, DAMAGED) and not (type(error) is OSError and error.errno is None):
        return ""
    return DAMAGED_MEMBER if item.member is not None else DAMAGED_FILE


def unidentified(item, head):
    """Why the file of ``item``, beginning with the bytes ``head``, that Pillow does not identify is skipped: one that
    begins with the signature of a format Pillow reads (:func:`.image_formats.signed_format`) is an image of it cut
    short or damaged in its header (a GIF cut within its palette: Pillow 9.1 wrote a 768-byte one and called such a
    file half written "not an image", where newer Pillows, writing a smaller one, called it damaged); another,
    :data:`UNIDENTIFIED`."""
    name = image_formats.signed_format(head)
    if name is None:
        return UNIDENTIFIED
    return f"{name} file whose header Pillow cannot read{DAMAGED_MEMBER if item.member is not None else DAMAGED_FILE}"


def archive_reason(item):
    """Why the file of ``item``, named as an archive (photos.zip in a class folder), is skipped: the images it
    holds are not imported, and the command that unpacks them into a folder beside it, which the import reads
    (once there, it is said to be unpacked); None for another file, or an archive's member."""
    stem = archives.archive_stem(os.path.basename(item.path)) if item.member is None else None
    if stem is None:
        return None
    single = archives.single_file_refusal(item.path, "an image",
                                          "decompress it there and rerun to import what it holds")
    if single:
        return single
    into = os.path.join(os.path.dirname(item.path), stem)
    if os.path.isdir(into):
        return f"an archive, not an image (unpacked beside it, in {path_text(stem)}/, whose images are imported)"
    command = archives.unpack_command(path_text(item.path), path_text(into))
    return f"an archive, not an image: the images it holds are not imported; unpack it there ({command}) and rerun"


def not_found(path, error):
    """Why the file ``path``, which ``error`` (ENOENT, ELOOP) says is not there, is skipped: a symbolic link that
    leads nowhere says so (the name is listed; what it names is not there)."""
    return link_to_nothing(path) if os.path.islink(path) else f"could not be opened: {error.strerror or error}"


def link_to_nothing(link):
    """Why the symbolic ``link`` leads nowhere: what it names does not exist, or it leads back to itself."""
    if dead_ends.loops(link):
        return f"a link to {path_text(os.readlink(link))}, which leads back to it (a loop of links)"
    return f"a link to {path_text(os.readlink(link))}, which does not exist (moved? on a drive not mounted?)"

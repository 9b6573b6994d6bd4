"""Image formats as this Pillow reads them: the formats it reads only with a plugin (:data:`PLUGINS`: HEIF,
AVIF), used where installed and named where missing, the first bytes (:data:`SIGNATURES`) a file of a
common format begins with (:func:`.decode.may_be_image`), and those of files that are no image
(:data:`NOT_IMAGES`: a weights file, an archive, a document), named when skipped, as are kinds of text that Pillow
does not identify (:func:`text_reason`: a web page, an SVG drawing, JSON annotations).
"""

import contextlib
import hashlib
import importlib
import re
import zlib

import PIL
from PIL import EpsImagePlugin, Image, ImageFile, features

# Formats Pillow reads only with a plugin (AVIF: built in since Pillow 11.2, where built with libavif): {format:
# (the plugin's package, its module, the ISO base media file brands of the ftyp box that opens such a file)}
# (AVIF first: its files list HEIF's brand mif1 too)
PLUGINS = {"AVIF": ("pillow-avif-plugin", "pillow_avif", {b"avif", b"avis"}),
           "HEIF": ("pillow-heif", "pillow_heif", {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm",
                                                    b"hevs", b"mif1", b"msf1"})}
# The first bytes of the formats photographs come in, by Pillow's name: a file beginning so is taken for an image
# without Pillow reading its header (the formats without a signature this strong, BMP's "BM", PPM's "P6", TGA's
# none, are told by Pillow)
SIGNATURES = {"JPEG": rb"\xff\xd8\xff", "PNG": rb"\x89PNG\r\n\x1a\n", "GIF": rb"GIF8[79]a",
              "TIFF": rb"II\*\x00|MM\x00\*", "WEBP": rb"RIFF....WEBP"}
# The first bytes of files found beside photos that are no image, by what they are: not images, whatever Pillow
# makes of them (it identifies HDF5 by its signature, and reads none of its pixels), nor damaged ones
NOT_IMAGES = {"an HDF5 file (a weights file or a dataset's shard?)": rb"\x89HDF\r\n\x1a\n",
              "a zip archive": rb"PK\x03\x04|PK\x05\x06", "a gzip file": rb"\x1f\x8b", "a bzip2 file": rb"BZh[1-9]",
              "an xz file": rb"\xfd7zXZ\x00", "a 7-Zip archive": rb"7z\xbc\xaf'\x1c", "a PDF document": rb"%PDF-",
              "a NumPy array file (.npy)": rb"\x93NUMPY", "an SQLite database": rb"SQLite format 3\x00",
              "a Python pickle": rb"\x80[\x02-\x05]"}
# The patterns above compiled once: told for every file of a tree, they are matched millions of times on ImageNet
# (re's cache of compiled patterns, looked up on each call, cost 10 lookups a file). One pattern tells a file's
# kind of NOT_IMAGES: its alternatives are tried in order, as the kinds are listed, the group matched names it
_SIGNATURES = tuple((name, re.compile(signature, re.DOTALL)) for name, signature in SIGNATURES.items())
_NOT_IMAGE = re.compile(b"|".join(b"(" + signature + b")" for signature in NOT_IMAGES.values()), re.DOTALL)
_NOT_IMAGE_KINDS = (None, *NOT_IMAGES)  # by group number


# The first bytes of PostScript (EPS) files, which Pillow identifies by itself and decodes only by running Ghostscript
# (a program, not a Python package): a plain file ("%!PS-Adobe-3.0 EPSF-3.0") or DOS EPS's binary header
POSTSCRIPT = rb"%!PS|\xc5\xd0\xd3\xc6"
GHOSTSCRIPT_MISSING = ("EPS (PostScript) image, which Pillow decodes only with Ghostscript, not installed here: "
                       "install it (apt install ghostscript, brew install ghostscript, conda install ghostscript) "
                       "and rerun")


def ghostscript_missing(head):
    """Whether a file beginning with the bytes ``head`` is PostScript (:data:`POSTSCRIPT`) while no Ghostscript is
    found: Pillow then says "Unable to locate Ghostscript", which said after an image's name read as damage."""
    return re.match(POSTSCRIPT, head) is not None and not ghostscript_found()


def ghostscript_found():
    """Whether Pillow finds Ghostscript, which it runs to decode PostScript (EPS) images."""
    return EpsImagePlugin.has_ghostscript()


def use_installed_plugins():
    """Let Pillow read the formats of :data:`PLUGINS` whose plugin is installed (optional packages, not
    dependencies: :func:`plugin_reason` tells the researcher which to install)."""
    for name, (_, module, _) in PLUGINS.items():
        if not pillow_reads(name):
            # Exception: a plugin that fails to load (its native library missing or too old) is as good as none,
            # its files skipped naming it, not every import ended at its start
            with contextlib.suppress(Exception):
                plugin = importlib.import_module(module)  # pillow_avif registers itself as it is imported
                getattr(plugin, "register_heif_opener", lambda: None)()


def format_needing_plugin(head):
    """The name of the format of :data:`PLUGINS` that a file beginning with the bytes ``head`` is in (its ftyp box:
    ``size, "ftyp", major brand, version, compatible brands``) when this Pillow cannot read it, else None."""
    if head[4:8] != b"ftyp":
        return None
    box = head[8:int.from_bytes(head[:4], "big")]
    brands = {box[:4]} | {box[start:start + 4] for start in range(8, len(box) - 3, 4)}
    for name, (_, _, signatures) in PLUGINS.items():
        if brands & signatures:
            return None if pillow_reads(name) else name
    return None


def pillow_reads(name):
    Image.init()
    return name in Image.OPEN and (name != "AVIF" or features.check("avif"))  # AVIF registered without libavif


use_installed_plugins()


def has_signature(head):
    """Whether ``head``, a file's first bytes, begins as a file in a format of :data:`SIGNATURES` that this Pillow
    reads does."""
    return signed_format(head) is not None


def signed_format(head):
    """The name of the format of :data:`SIGNATURES`, one this Pillow reads, whose signature ``head`` (a file's first
    bytes) begins with; else None."""
    return next((name for name, signature in _SIGNATURES if signature.match(head) and pillow_reads(name)), None)


def not_image_kind(head):
    """What a file beginning with the bytes ``head`` is, when :data:`NOT_IMAGES` knows it for no image; else None."""
    found = _NOT_IMAGE.match(head)
    return found and _NOT_IMAGE_KINDS[found.lastindex]


def verdicts_told_by():
    """What tells a file's first bytes image or no image (:func:`.decode.may_be_image`) besides them, as a short
    digest: this Pillow's version, the formats it identifies (its plugins), those of :data:`SIGNATURES` and
    :data:`PLUGINS` it reads, and the first bytes above. Verdicts recorded with another (Pillow upgraded, a
    plugin installed, a kind of no image added) are told again."""
    Image.init()
    rules = (PIL.__version__, sorted(Image.OPEN), [pillow_reads(name) for name in (*SIGNATURES, *PLUGINS)],
             SIGNATURES, NOT_IMAGES)
    return hashlib.sha256(repr(rules).encode()).hexdigest()[:16]


def stub_without_loader(image):
    """Whether ``image`` (opened by Pillow) is of a format Pillow only identifies (a stub: HDF5, GRIB, BUFR, WMF
    off Windows) while no loader for it is installed: Pillow reads none of its pixels, so it is no image to
    import, not a damaged one ("cannot find loader for this HDF5 file")."""
    if not isinstance(image, ImageFile.StubImageFile):
        return False
    loader = image._load() if hasattr(image, "_load") else image._handler  # older Pillow: _load(); newer: _handler
    return loader is None


# What a file of text that Pillow does not identify is, told from its first characters (lower case, leading blanks and
# a byte order mark dropped): the first kind whose pattern they match (other text: skip_reasons.UNIDENTIFIED). An
# XML declaration, other processing instructions (<?xml-stylesheet ...?>) and comments may come first: an XHTML page
# begins <?xml ...?><!DOCTYPE html ...>. An XML file is told by its declaration, or without one (as Pascal VOC's and
# ImageNet's bounding-box annotations come, one beside each photo) by an <annotation> tag
_PROLOG = r"((<\?[^>]*>|<!--.*?-->)\s*)*"
TEXT_KINDS = ((re.compile(_PROLOG + r"(<!doctype svg|<svg)", re.DOTALL), "an SVG drawing (vector graphics)",
               ", which Pillow does not read: convert it to PNG (rsvg-convert, inkscape) and rerun"),
              (re.compile(_PROLOG + r"(<!doctype html|<html|<head|<body)", re.DOTALL),
               "not an image but a web page (HTML: an error page saved under an image's name?)", ""),
              (re.compile(r"<\?xml|" + _PROLOG + r"<annotation[\s>]", re.DOTALL), "not an image but an XML file", ""),
              (re.compile(r"[{\[]\s*[\"{\[\]}]"), "not an image but a JSON file (annotations?)", ""))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # characters no text file holds (tab, newlines, form feed do)
# UTF-16 as Windows tools save it (Notepad's "Unicode", PowerShell's > before version 6): told by its byte order mark
_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
GZIP = b"\x1f\x8b"
# Said after what the text is, before any advice: "an SVG drawing (vector graphics), compressed with gzip (...), which
# Pillow does not read: convert it ..." (after the advice, it read as though the rerun were compressed)
GZIPPED = ", compressed with gzip (an .svgz drawing, or a download saved without decompressing it)"


def text_reason(head):
    """Why a file that Pillow does not identify, beginning with the bytes ``head``, is skipped where they are text
    (UTF-8, or UTF-16 with its byte order mark; bytes of another encoding, Latin-1's "é", and a character cut at
    the end allowed; no control characters) of a kind of :data:`TEXT_KINDS`: "not an image but a web page (HTML
    ...)", an SVG drawing, an XML or a JSON file; the same, said gzip-compressed (:data:`GZIPPED`), of such text
    compressed with gzip (an .svgz drawing); None for any other file, and for one beginning with the signature of a
    format Pillow reads (:func:`signed_format`: an image cut short, "GIF89a" ...), which
    :func:`.skip_reasons.unidentified` names. Only for a file Pillow does not identify: XPM, XBM and ASCII
    PBM/PGM/PPM images are text too. Before, a web page saved as cat.jpg was "not an image, or in a format Pillow
    cannot read", which sent one to look for a format to convert it from."""
    if signed_format(head) is not None:
        return None
    if head.startswith(GZIP):
        return _text_kind(_gunzipped_start(head), GZIPPED)
    return _text_kind(head)


def _text_kind(head, how_stored=""):
    """:func:`text_reason` of ``head`` as it is (not compressed), ``how_stored`` (:data:`GZIPPED`) said after what
    it is."""
    encoding = _UTF16.get(head[:2])
    if encoding:
        head = head[2:len(head) - len(head) % 2]  # a character cut at the end: a byte alone
    text = head.decode(encoding or "utf-8", "replace")  # U+FFFD: a byte of Latin-1, a character cut at the end
    text = text.removeprefix("\ufeff").lstrip().lower()
    if _CONTROL.search(text):
        return None
    return next((what + how_stored + advice for pattern, what, advice in TEXT_KINDS if pattern.match(text)), None)


def _gunzipped_start(head):
    """What the start ``head`` of a gzip file decompresses to (the compressed stream cut anywhere: what it holds so
    far); b"" where it is no gzip stream zlib reads."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 4096)
    except zlib.error:
        return b""


def plugin_reason(name):
    """Why a file in format ``name`` (of :data:`PLUGINS`) is skipped: what to install to import it."""
    return f"{name} image (a phone's photo?), which Pillow reads only with a plugin: pip install {PLUGINS[name][0]}"


def needing_plugins(skipped):
    """{format: count} of the files among ``skipped`` (entries with a ``reason``) skipped for a plugin missing."""
    reasons = {plugin_reason(name): name for name in PLUGINS}
    counts = {}
    for entry in skipped:
        if entry.get("reason") in reasons:
            counts[reasons[entry["reason"]]] = counts.get(reasons[entry["reason"]], 0) + 1
    return counts

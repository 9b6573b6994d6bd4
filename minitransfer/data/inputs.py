"""What the importers read from users, made safe to store and report: file names, and the
source and output folders (text files: :mod:`.text_files`). Pillow-free: what reports and the
command line write of names comes from here.

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
"""

import codecs
import os
import pathlib
import re
import unicodedata

from .schema import DatasetError, ImportUsageError

MACOS_FORKS = "__MACOSX"
# Files and folders that operating systems, file managers and NAS boxes write beside photos, in any case (Windows
# and macOS names are case-blind): thumbnail caches (Thumbs.db, Synology's @eaDir of thumbnails, which decode),
# folder settings (desktop.ini, macOS's "Icon\r"), a drive's recycle bin and system folders.
SYSTEM_NAMES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "icon\r", "@eadir",
                          "$recycle.bin", "system volume information", "lost+found", MACOS_FORKS.casefold()})
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_ESCAPED_RUN = re.compile("[\udc80-\udcff]+")


def display_name(name):
    """``name`` (a path or str, possibly with surrogate escapes) as printable, storable UTF-8 text:
    bytes that are not UTF-8 as ``\\xNN``, control characters and the backslash escaped, and so are Unicode's
    format characters (category Cf: U+202E, a right-to-left override, showed "exe.txt" for "txt.exe" and
    reordered the rest of the line; a zero-width space hid in a name) as ``\\uNNNN``. Escaped bytes that spell
    UTF-8 together are read as the text they spell (:func:`utf8_escapes_read`)."""
    out = []
    for char in utf8_escapes_read(os.fspath(name) if isinstance(name, os.PathLike) else str(name)):
        if "\udc80" <= char <= "\udcff":
            out.append(f"\\x{ord(char) - 0xdc00:02x}")
        elif char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif control_character(char):  # a C1 one as \u0080..\u009f: \x80 is a byte that is not UTF-8
            out.append(f"\\x{ord(char):02x}" if char < "\x80" else f"\\u{ord(char):04x}")
        elif unicodedata.category(char) == "Cf":
            out.append(f"\\u{ord(char):04x}" if char <= "\uffff" else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return "".join(out)


def utf8_escapes_read(text):
    """``text`` with each run of surrogate escapes (bytes Python could not decode) that spells UTF-8 read as the
    text it spells: under LC_ALL=C with PYTHONUTF8=0 Python decodes file names as ASCII, so a folder "grille-猫"
    was named "grille-\\xe7\\x8c\\xab" (in a UTF-8 locale its name is "grille-猫" already: nothing changes)."""
    def spelt(run):
        return run.group().encode("utf-8", "surrogateescape").decode("utf-8", "surrogateescape")

    return _ESCAPED_RUN.sub(spelt, text)


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
    if codecs.lookup(error.encoding).name == "utf-8" and _ESCAPED_RUN.fullmatch(text):  # UTF-8 they spell, written
        return display_name(text).encode("utf-8"), error.end  # bytes: a str must be ASCII there
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


def name_text(name):
    """A file or folder ``name`` (a str as Python lists it) as the text its bytes spell in UTF-8, whatever the
    locale's encoding of file names, bytes that are not UTF-8 as surrogate escapes (as a UTF-8 locale hands them
    over): under a Latin-1 locale (LANG=en_US.ISO-8859-1) the class folder "Zürich" was stored as "ZÃ¼rich", and
    under LC_ALL=C with PYTHONUTF8=0 it was refused as not UTF-8."""
    return os.fsencode(name).decode("utf-8", "surrogateescape")


def fs_text(text):
    """``text`` that may hold names as Python read them with the locale's encoding of file names (a path as
    listed, or given on the command line) as :func:`name_text` reads it: the same text whatever the locale.
    Text that encoding cannot spell (read from a file: a zip's member names, JSON) is returned as it is."""
    try:
        return name_text(text)
    except UnicodeEncodeError:
        return text


def fs_name(text):
    """The name (a path) Python lists for ``text`` as :func:`fs_text` wrote it, in this locale's encoding of
    file names: what a file read back keyed by :func:`fs_text` is looked up with."""
    return os.fsdecode(text.encode("utf-8", "surrogateescape"))


def path_text(path):
    """A file's ``path`` (as listed, or as given) as :func:`display_name` writes it, its bytes read as UTF-8
    (:func:`fs_text`): ``skipped.txt`` and meta.json named "Zürich/x.png" as "Z\\xc3\\xbcrich/x.png" under
    LC_ALL=C (PYTHONUTF8=0) and as "ZÃ¼rich/x.png" under a Latin-1 locale."""
    return display_name(fs_text(os.fspath(path) if isinstance(path, os.PathLike) else str(path)))


CLASS_NAMES_SHOWN = 10  # bad class folder names named in one refusal, at most; a count says the rest
# What a class folder's name must be ("a class folder's name must ..."), by what :func:`_class_name_fault` finds
_CLASS_NAME_RULES = {"is not UTF-8": "be UTF-8 (it is the class name meta.json stores)",
                     "holds a control character": "not hold a control character (a tab or line break would split the "
                                            "lines of 'splits' and of a families file)"}


def check_class_names(folders):
    """``DatasetError`` naming each of ``folders`` (the first :data:`CLASS_NAMES_SHOWN`, a count the rest) whose
    name (a class name) is not UTF-8 or holds a control character (a tab, a line break): all in one refusal,
    so that a rerun does not find the next."""
    faults = [(folder, fault) for folder in folders if (fault := _class_name_fault(folder)) is not None]
    if len(faults) == 1:
        (folder, fault), = faults
        raise DatasetError(f"{display_name(folder)}: a class folder's name must {_CLASS_NAME_RULES[fault]}: rename it")
    if faults:
        shown = "; ".join(f"{display_name(folder)} ({fault})" for folder, fault in faults[:CLASS_NAMES_SHOWN])
        more = f"; and {len(faults) - CLASS_NAMES_SHOWN} more" if len(faults) > CLASS_NAMES_SHOWN else ""
        rules = " and ".join(rule for fault, rule in _CLASS_NAME_RULES.items() if fault in dict(faults).values())
        raise DatasetError(f"{len(faults)} class folders' names cannot be class names: {shown}{more}; a class "
                           f"folder's name must {rules}: rename each of them")


def _class_name_fault(folder):
    """What makes ``folder``'s name no class name (a key of :data:`_CLASS_NAME_RULES`), or None."""
    name = name_text(pathlib.Path(folder).name)
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return "is not UTF-8"
    return "holds a control character" if control_character(name) else None


def absolute(path):
    """``path`` (a source, a labels or families file) as an absolute path, symbolic links kept so
    that names read as given: as importers record it in meta.json's source and, for the files
    imported, in the shards' plans. Recorded as typed, a rerun given it another way (absolute after
    relative, from another folder) was refused as another source, and with --overwrite found no
    finished shard and decoded every image again (hours for ImageNet)."""
    return pathlib.Path(os.path.abspath(path))


def given_source(source):
    """The :func:`absolute` path of an import's ``source``, refused (:class:`ImportUsageError`) where nothing is
    there: a library call given a path not there met a bare FileNotFoundError from deep in the listing (the
    command line's own check says it first)."""
    path = absolute(source)
    if not os.path.lexists(path):
        raise ImportUsageError(f"source {path}: no such file or folder; give the images to import")
    return path


def stage_progress(progress, stage):
    """A ``report(done, total)`` calling ``progress(done, total, stage)`` (nothing without ``progress``): an
    importer's steps before decoding (listing a million files, reading them to find copies) take minutes at
    ImageNet's scale, and a command silent that long looks hung."""
    return (lambda done, total: progress(done, total, stage)) if progress else (lambda done, total: None)


def check_apart(source, out):
    """``ImportUsageError`` (a ValueError, a usage error) when ``out`` lies inside ``source`` or ``source`` inside
    ``out``: a rerun would import the dataset's own files, or the import would write among its inputs."""
    source_path, out_path = pathlib.Path(source).resolve(), pathlib.Path(out).resolve()
    if out_path == source_path or source_path in out_path.parents:
        raise ImportUsageError(f"OUT {out} lies inside SOURCE {source}: choose an output folder outside the source")
    if out_path in source_path.parents:
        raise ImportUsageError(f"SOURCE {source} lies inside OUT {out}: choose an output folder outside the source")


NESTED_LOOK_PER_FOLDER = 100  # entries of one folder :func:`nested_copy` looks at, at most
NESTED_LOOK_TOTAL = 2000  # and in all: a hint may give up, not take minutes


def nested_copy(source, folder, marker, depth=3):
    """"; it holds <path>: give that folder" when ``source`` holds, ``depth`` folders down at most (hidden ones
    passed over), a folder named ``folder`` with a file ``marker``, such as an archive unpacked into a folder of
    its own name (``folder/folder/``) given from above; "" otherwise.

    A hint before an error, so cheap whatever ``source`` is: folders are told from the listing, with no stat per
    file (given /data/imagenet/train by mistake, statting its 1.28M images took minutes on NFS), and past
    :data:`NESTED_LOOK_PER_FOLDER` entries of a folder or :data:`NESTED_LOOK_TOTAL` in all it gives up."""
    level, budget = [pathlib.Path(source)], [NESTED_LOOK_TOTAL]
    for down in range(depth):
        found = sorted(parent / folder for parent in level if (parent / folder / marker).is_file())
        if found:  # the name of "." or "a/..": the folder's own, not ""
            twice = " (the archive unpacked into a folder of its own name?)" \
                if pathlib.Path(os.path.abspath(found[0])).parent.name == folder else ""
            return f"; it holds {display_name(found[0])}{twice}: give that folder"
        if down + 1 < depth:
            level = [path for parent in level for path in _subfolders(parent, budget)]
    return ""


def a_few(names, shown=10):
    """The first ``shown`` of ``names``, space-separated, with " ..." when there are more."""
    return " ".join(display_name(name) for name in names[:shown]) + (" ..." if len(names) > shown else "")


def quoted(names, shown=10):
    """The first ``shown`` of ``names``, each quoted (repr: a trailing space shows), with " ..." when there are
    more."""
    return ", ".join(repr(name) for name in names[:shown]) + (" ..." if len(names) > shown else "")


def nested_holder(source, marker, depth=2):
    """"; it holds <path>, which holds <marker>/: give that folder" when a folder below ``source`` (``depth``
    folders down at most, hidden ones passed over) holds a folder ``marker``, such as ILSVRC2012's train/ given
    from above (``data/ILSVRC2012/train``, given ``data``); "" otherwise. Looked for as cheaply as
    :func:`nested_copy` looks: the same bounded listings, one stat per folder found."""
    level, budget = [pathlib.Path(source)], [NESTED_LOOK_TOTAL]
    for _ in range(depth):
        level = [path for parent in level for path in _subfolders(parent, budget)]
        found = [path for path in level if (path / marker).is_dir()]
        if found:
            return f"; it holds {display_name(found[0])}, which holds {marker}/: give that folder"
    return ""


def _subfolders(folder, budget):
    """The folders among the first entries listed in ``folder`` (hidden ones passed over), sorted; ``budget``
    (a one-item list) is the number of entries left to look at in all, lessened by those looked at here."""
    found = []
    try:
        with os.scandir(folder) as listing:
            for count, entry in enumerate(listing):
                if count >= NESTED_LOOK_PER_FOLDER or budget[0] <= 0:
                    break
                budget[0] -= 1
                if not hidden(entry.name) and entry.is_dir():  # a link may be statted: links are few
                    found.append(folder / entry.name)
    except OSError:  # a folder that cannot be listed holds nothing to name; the import says what it lacks
        pass
    return sorted(found)

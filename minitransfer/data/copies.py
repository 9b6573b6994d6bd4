"""Files that are one image, for :mod:`.folder` (and the ImageNet importers: :func:`examine`,
:class:`CopiesAcrossClasses`): one file reached by two paths (links), byte-identical copies within a class (held
out together), validation files that copy a training image, one image in two classes; the digests read to find
them kept in OUT (:data:`.build.DIGESTS_FILE`), so that a rerun reads only the files that changed."""

import json
import os
import pathlib
import stat

from minitransfer import fileio, stopping

from . import dataset as ds
from . import image_formats, inputs
from .build import COPIES_FILE, DIGESTS_FILE
from .decode import may_be_image
from .shard_builder import PROGRESS_EVERY

# The keys of DIGESTS_FILE's record: its files, and what told whether each may be an image (recorded_digests)
_FILES, _TOLD_BY = "files", "verdicts_told_by"
# How skipped.txt words a validation file left out as a copy of a training image (its original follows)
COPY_OF_TRAINING = "a copy of the training image"


def file_identities(train, val, examined):
    """({path: (device, inode)}, {path: size in bytes}, {path: modification time in ns}, {path: (size, time)})
    of every file of ``train`` and ``val`` ({class: paths}); the identity is the path itself, and the size and
    time missing, where a file cannot be examined (the decoder then says why); empty files and others than
    regular ones have no size or time in the second and third (those compared to find copies), every regular
    file its state as listed in the fourth (:class:`.decode.ImportItem`'s ``listed``).

    A file reached by two paths (a symbolic or hard link) must keep one label in one subset:
    ``DatasetError`` naming both paths when it lies in two classes (a class folder linked to
    another) or in both ``train`` and ``val`` (a val/ linked to train/). Two paths in one class
    and subset are kept (a link imported like the image): :func:`.held_out.hold_out` keeps them together,
    and :func:`warn_of_links_in_a_class` warns of them once this returns.
    ``examined(done, total)`` is called after each class folder."""
    identity, sizes, modified, states, first = {}, {}, {}, {}, {}
    repeats = []  # (path, the file's first path) of each path after a file's first in its class
    done, total = 0, len(train) + len(val)
    for subset, classes in (("train", train), ("val", val)):
        for name, files in sorted(classes.items()):
            done += 1
            examined(done, total)
            for path in files:
                try:
                    found = os.stat(path)
                except OSError:
                    identity[path] = path
                    continue
                key = identity[path] = (found.st_dev, found.st_ino)
                _note_state(path, found, sizes, modified, states)
                other_path, other_subset, other_name = first.setdefault(key, (path, subset, name))
                if other_name != name:
                    raise ds.DatasetError(
                        f"{inputs.path_text(path)} (class {name!r}) is the same file as "
                        f"{inputs.path_text(other_path)} (class {other_name!r}), through a link: an image has one "
                        f"class; remove the link")
                if other_subset != subset:
                    raise ds.DatasetError(
                        f"{inputs.path_text(path)} (validation) is the same file as "
                        f"{inputs.path_text(other_path)} (training), through a link: a validation image must not "
                        f"be a training image; remove the link")
                if other_path != path:
                    repeats.append((path, other_path))
    warn_of_links_in_a_class(repeats)
    return identity, sizes, modified, states


def warn_of_links_in_a_class(extra, shown=3):
    """Warn once of the files reached through two or more paths in one class (a link to a file of the class;
    ``extra``: (path, the file's first path) of each path after a file's first, :func:`file_identities`'): each
    path is imported, so such an image weighs twice (or more) in training or validation; it was said nowhere."""
    if extra:
        such = ", ".join(f"{inputs.path_text(path)} (the same file as {inputs.path_text(original)})"
                         for path, original in extra[:shown])
        stopping.warn(f"warning: {len(extra)} file(s) are reached through two or more paths in one class (links), "
                      f"such as {such}{' ...' if len(extra) > shown else ''}: each path is imported, so each such "
                      f"image counts once per path in training or validation; remove the links to count it once")


def examine(paths, progress=None):
    """({path: size in bytes}, {path: modification time in ns}) of the regular files among ``paths`` that are not
    empty (those :class:`CopiesAcrossClasses` compares), and {path: (size, modification time)} of every regular
    file (its state as listed: :class:`.decode.ImportItem`'s ``listed``); ``progress(done, total, "examining
    files")`` is called every :data:`.shard_builder.PROGRESS_EVERY` files (ILSVRC2012's 1.3 million take a while)."""
    sizes, modified, states, examined = {}, {}, {}, inputs.stage_progress(progress, "examining files")
    for number, path in enumerate(paths, start=1):
        if number % PROGRESS_EVERY == 0 or number == len(paths):
            examined(number, len(paths))
        try:
            found = os.stat(path)
        except OSError:  # the decoder says why
            continue
        _note_state(path, found, sizes, modified, states)
    return sizes, modified, states


def _note_state(path, found, sizes, modified, states):
    """Record the state of ``path`` (``found``: its ``os.stat``) where it is a regular file: (size, modification
    time in ns) in ``states``, and where it is not empty, the size and time in ``sizes`` and ``modified``: a FIFO
    or a device is never read to find copies, and an empty file is not "a copy"."""
    if stat.S_ISREG(found.st_mode):
        states[path] = (found.st_size, found.st_mtime_ns)
        if found.st_size:
            sizes[path], modified[path] = found.st_size, found.st_mtime_ns


def recorded_digests(out, sizes, modified, verdicts=None):
    """{path: sha256} that :data:`DIGESTS_FILE` in ``out`` records of files whose size and modification time
    (``sizes``, ``modified``: :func:`file_identities`) are still those recorded, as shard plans trust them:
    a rerun reads no file to find copies again but those that changed. Empty where ``out`` is None
    (--overwrite, which reads every file again: a file replaced keeping its size and time, copying another
    class's image now, was not found as a copy, and its old digest was kept). ``verdicts``: a dict given to
    fill with {path: whether it may be an image} recorded of such files (:func:`.decode.image_by_first_bytes`'
    ``told``), where told by the rules of now (:func:`.image_formats.verdicts_told_by`): a rerun opens none of
    them to tell it again.

    The record: ``{"files": {path: [size, time, sha256 or null, may be an image: true, false or null]},
    "verdicts_told_by": ...}``; earlier versions' ``{path: [size, time, sha256]}`` is read too."""
    if out is None:
        return {}
    try:
        recorded = fileio.parse_json((pathlib.Path(out) / DIGESTS_FILE).read_bytes())
        files = recorded[_FILES] if _FILES in recorded else recorded  # paths are absolute: never "files"
        files = {inputs.fs_name(path): state for path, state in files.items()}  # UTF-8 whatever the locale
        same = {path: (digest, told[0] if told else None) for path, (size, time, digest, *told) in files.items()
                if sizes.get(path) == size and modified.get(path) == time}
        if verdicts is not None and recorded.get(_TOLD_BY) == image_formats.verdicts_told_by():
            verdicts.update({path: told for path, (_, told) in same.items() if isinstance(told, bool)})
        return {path: digest for path, (digest, _) in same.items() if isinstance(digest, str)}
    except (OSError, ValueError, TypeError, AttributeError):  # none yet, or damaged: files are read again
        return {}


def _record(sizes, modified, digests, verdicts):
    """The text of :data:`DIGESTS_FILE` (:func:`recorded_digests`) recording ``digests`` ({path: sha256 or None})
    and ``verdicts`` ({path: whether it may be an image}) of the files in the state ``sizes``, ``modified``."""
    paths = {path for path, digest in digests.items() if digest is not None} | set(verdicts)
    return json.dumps({_FILES: {inputs.fs_text(path): [sizes[path], modified[path], digests.get(path),
                                                        verdicts.get(path)]
                                for path in paths},
                       _TOLD_BY: image_formats.verdicts_told_by()}, sort_keys=True, separators=(",", ":")) + "\n"


def _content_digest(path, digests, read=None):
    """The SHA-256 of the bytes of ``path`` (``read(path)``, by default the file's), remembered in ``digests``;
    None when it cannot be read (the decoder then says why)."""
    if path not in digests:
        try:
            digests[path] = (read or fileio.sha256_file)(path)
        except (OSError, ValueError):  # ValueError: a damaged archive member (DatasetError)
            digests[path] = None
    return digests[path]


class _SizeGroups:
    """The files of ``classes`` ({class: paths}) grouped by size (``sizes``: {path: bytes}; a file without one is
    in no group), each group's files read (their sha256, remembered in ``digests``; ``read``: as
    :func:`_content_digest` takes it) the first time the group is asked for: only files of a size asked about
    are read, each once."""

    def __init__(self, classes, sizes, digests, read=None):
        self._files, self._digests, self._read, self._by_digest = {}, digests, read, {}
        for name, paths in classes.items():
            for path in paths:
                if path in sizes:
                    self._files.setdefault(sizes[path], []).append((name, path))

    def sizes(self):
        """The sizes the files have."""
        return self._files.keys()

    def files(self, size):
        """[(class, path), ...] of the files of ``size`` bytes, in the order ``classes`` lists them."""
        return self._files.get(size, [])

    def by_digest(self, size):
        """{sha256: [(class, path), ...]} of the files of ``size`` bytes that could be read, read on first ask."""
        if size not in self._by_digest:
            self._by_digest[size] = {}
            for name, path in self.files(size):
                digest = _content_digest(path, self._digests, self._read)
                if digest is not None:
                    self._by_digest[size].setdefault(digest, []).append((name, path))
        return self._by_digest[size]


def _twins(paths, identity, sizes, digests):
    """{path: sha256} of each of ``paths`` whose bytes another distinct file among them (not a
    link to it) repeats; only files of a size another has are read."""
    by_size = {}
    for path in paths:
        if path in sizes:
            by_size.setdefault(sizes[path], {}).setdefault(identity[path], path)
    twins = {}
    for files in by_size.values():
        if len(files) < 2:
            continue
        by_digest = {}
        for path in files.values():
            digest = _content_digest(path, digests)
            if digest is not None:
                by_digest.setdefault(digest, []).append(path)
        twins.update({path: digest for digest, same in by_digest.items() if len(same) > 1 for path in same})
    return twins


def same_content_in_a_class(train, identity, sizes, digests, compared):
    """``identity`` with byte-identical copies within one class (``photo.jpg`` and ``photo (1).jpg``)
    made one file, as links are: :func:`.held_out.hold_out` keeps them on one side, so that validation never
    holds a copy of a training image of its class. ``compared(done, total)`` is called after each class."""
    identity = dict(identity)
    for number, files in enumerate(train.values(), start=1):
        twins = _twins(files, identity, sizes, digests)
        for path in files:
            if path in twins:
                identity[path] = ("content", twins[path])
        compared(number, len(train))
    return identity


def in_other_classes(train, sizes, digests):
    """A function ``copied(name, path)``: whether the bytes of ``path``, a file of class ``name`` of ``train``
    ({class: paths}), lie in a file of another class (``sizes``: :func:`file_identities`'; ``digests``: {path:
    sha256}, filled as files are read). Files are read only as asked, and only those of a size a file of another
    class has, each once: :func:`.held_out.hold_out` asks of the files it would hold out."""
    groups = _SizeGroups(train, sizes, digests)

    def copied(name, path):
        size = sizes.get(path)
        if all(other == name for other, _ in groups.files(size)):
            return False
        holders = groups.by_digest(size)
        digest = _content_digest(path, digests)
        return digest is not None and any(other != name for other, _ in holders.get(digest, ()))
    return copied


def without_copies_of_training(train, val, sizes, states, digests, compared):
    """(val less every file whose bytes a training file repeats, a skipped.txt entry for each):
    a validation image that is also a training image (a copy in val/, or in another class's
    folder) would measure memory, not generalisation. A file that is no image (:func:`.decode.may_be_image`,
    ``states`` as :func:`file_identities` gives them: the same notes.txt in train/ and val/) is left to the
    decoder, which says so, rather than called a copy of a training image. Only files of a size a training file has are
    read, each once; each validation file is looked up by its digest, not compared with every training
    file of its size (files of one format and dimensions, BMP or random-noise PNG, often share one size).
    ``compared(done, total)`` is called after each class."""
    training = _SizeGroups({name: train[name] for name in sorted(train)}, sizes, digests)
    kept, skipped = {}, []
    for number, (name, files) in enumerate(val.items(), start=1):
        kept[name] = []
        for path in files:
            size = sizes.get(path)
            originals = training.by_digest(size) if training.files(size) else {}
            digest = _content_digest(path, digests) if training.files(size) else None
            original = originals[digest][0][1] if digest in originals else None  # the first training file
            if original is None or not may_be_image(path, states.get(path)):
                kept[name].append(path)
            else:
                skipped.append({"file": inputs.path_text(path),
                                "reason": f"{COPY_OF_TRAINING} {inputs.path_text(original)}: left out of "
                                          f"validation", "subset": "val", "class": name})
        compared(number, len(val))
    return kept, skipped


class CopiesAcrossClasses:
    """One image in two classes: the files whose bytes a file of another class of the same subset repeats
    (``subsets``: {subset: {class: paths}}). Such an image is imported with two labels, which is most often a
    mistake (a scraped photo saved under two queries; ILSVRC2012 has some): :meth:`report` lists them in
    :data:`COPIES_FILE` and warns. Found once the images are decoded (:meth:`caches`, given to
    :func:`.build.build_dataset`), from the digests the decoder took of the bytes it read, so that no file is read
    twice; a file it did not read (in a shard kept from an interrupted import) is read, and only when its size
    (``sizes``: {path: bytes}, :func:`examine`) is one that a file of another class has. ``digests`` ({path:
    sha256}, filled as files are read: :func:`recorded_digests`) is kept in :data:`DIGESTS_FILE` in ``out`` with
    the sizes and ``modified`` times: a rerun reads none; so are ``verdicts`` ({path: whether it may be an image},
    of files told by their first bytes: :func:`recorded_digests`). ``progress(done, total, "finding copies across
    classes")`` is called after each class. ``read(path)`` gives a file's sha256 (zip members: another reader)."""

    def __init__(self, out, subsets, sizes, modified, digests, progress, read=None, verdicts=None):
        self.out, self.subsets, self.sizes, self.modified, self.digests = out, subsets, sizes, modified, digests
        self.compared, self.read = inputs.stage_progress(progress, "finding copies across classes"), read
        self.verdicts, self.groups = {} if verdicts is None else verdicts, []

    def caches(self, decoded):
        """{:data:`DIGESTS_FILE`: its text}, once the copies are found with ``decoded`` ({path: sha256} of the
        files the import decoded), recording those it compared, and the verdicts."""
        self.groups = self._find(decoded)
        return {DIGESTS_FILE: _record(self.sizes, self.modified, self.digests, self.verdicts)}

    def _find(self, decoded):
        """[[(subset, class, path), ...]: one list per content]."""
        same, done, total = [], 0, sum(len(classes) for classes in self.subsets.values())
        for subset, classes in self.subsets.items():
            groups = _SizeGroups(dict(sorted(classes.items())), self.sizes, self.digests, self.read)
            shared = {size for size in groups.sizes() if len({name for name, _ in groups.files(size)}) > 1}
            for _, path in (file for size in shared for file in groups.files(size)):
                if path in decoded:  # what an interrupted import's rerun did not decode is read
                    self.digests.setdefault(path, decoded[path])
            for name, files in sorted(classes.items()):
                for path in files:
                    if self.sizes.get(path) in shared:  # read class by class, as progress says
                        groups.by_digest(self.sizes[path])
                done += 1
                self.compared(done, total)
            same += [[(subset, name, path) for name, path in files] for size in shared
                     for files in groups.by_digest(size).values()]
        return sorted(files for files in same if len({name for _, name, _ in files}) > 1)

    def report(self, skipped=()):
        """List the copies in :data:`COPIES_FILE` in ``out`` (the file removed when there are none) and warn on
        stderr: the researcher decides which label each image keeps. A file that holds this list already is not
        written again (a rerun writes nothing). Bytes of which no file was imported (each one in ``skipped``,
        meta.json's entries) are no image: the same notes.txt or annotation stub in every class folder."""
        path = pathlib.Path(self.out) / COPIES_FILE
        left_out = {entry.get("file") for entry in skipped}
        self.groups = [files for files in self.groups
                       if any(inputs.path_text(file) not in left_out for _, _, file in files)]
        if not self.groups:
            if os.path.lexists(path):  # asked first: a read-only file system refuses even to unlink nothing
                try:
                    path.unlink()
                except OSError as error:
                    raise fileio.storage_error(path, error) from error
            return
        fileio.write_text(path, "".join(f"{number}\t{subset}\t{name}\t{inputs.path_text(file)}\n"
                                        for number, files in enumerate(self.groups, start=1)
                                        for subset, name, file in files), keep_same=True)
        stopping.warn(f"warning: {len(self.groups)} image(s) lie in two or more classes, as "
                      f"{sum(map(len, self.groups))} files with the same bytes, so each is imported with two or more "
                      f"labels (a scraping mistake?); listed in {path} (group, subset, class, file): delete each copy "
                      f"from the classes it does not belong to and rerun, or keep them where an image belongs to "
                      f"several")

"""The Tiny ImageNet importer: the ``tiny-imagenet-200`` zip or folder into the shard format of
:mod:`minitransfer.data.shard_format` through :func:`~.build.build_dataset` (decoding, limits, resuming,
skipped files). What it shares with :mod:`.imagenet` is in :mod:`.imagenet_common`.
"""

import collections
import hashlib
import os
import pathlib
import stat
import zipfile

from minitransfer import fileio

from . import dataset as ds
from . import archives, downloads, inputs, text_files
from .build import build_dataset
from .decode import ImportItem, close_archive, read_member
from .import_opening import open_import
from .copies import CopiesAcrossClasses, examine, recorded_digests
from .folder_tree import TWO_OR_MORE, check_two_classes, entries
from .imagenet_common import (IMAGE_SUFFIXES, check_labelled, check_labelled_once, note_listed_states,
                              paths_by_class, class_table, read_class_names)
from .inputs import a_few

TINY_IMAGENET_LAYOUT = (f"wnids.txt must list the classes, one wnid a line (images in train/<wnid>/images/), "
                        f"{TWO_OR_MORE}")
ZIP_SIGNATURE = b"PK\x03\x04"  # what a zip archive begins with (its first member's header)
ZIP_FROM_UNIX = 3  # a zip member's create_system when the high 16 bits of its external_attr are a Unix st_mode


class _TinyImageNetSource:
    """The tiny-imagenet-200 tree, in a folder or a zip: lists files, reads text, makes items."""

    def __init__(self, source):
        self.source = pathlib.Path(source)
        if self.source.is_file():
            try:
                self.archive = zipfile.ZipFile(self.source)
            except zipfile.BadZipFile as error:
                downloads.refuse_another(self.source, "tiny-imagenet")
                raise ds.DatasetError(f"{self.source}: not a readable zip archive ({error})"
                                      f"{_why_not_a_zip(self.source)}") from error
            except OSError as error:
                raise ds.DatasetError(f"{self.source}: not a readable zip archive ({error})") from error
            try:
                self._list_archive()
            except BaseException:  # not left to the garbage collector: a notebook keeps the traceback, and the zip
                self.archive.close()
                raise
        else:
            self.archive = None  # links on disk: the system follows them
            self._find_root()

    def _list_archive(self):
        """The members of the zip, by folder, below the folder holding wnids.txt."""
        # {name with "/" between its parts: the member's own name}: Windows tools that write "\\" there made
        # many a zip; a name stored twice (zipfile's append mode) is refused where read (check_stored_once)
        stored = self.archive.namelist()
        normalized = [name.replace("\\", "/") for name in stored]
        self.members = dict(zip(normalized, stored))
        self.twice = {name for name, count in collections.Counter(normalized).items() if count > 1}
        names = list(self.members)
        self.links = {name for name, member in self.members.items() if _is_link(self.archive.getinfo(member))}
        roots = [name[: -len("wnids.txt")] for name in names  # not __MACOSX/._wnids.txt, which macOS adds
                 if pathlib.PurePosixPath(name).name == "wnids.txt"
                 and not any(inputs.hidden(part) for part in pathlib.PurePosixPath(name).parts)]
        if not roots:
            downloads.refuse_another(self.source, "tiny-imagenet")
            raise ds.DatasetError(f"{self.source}: no wnids.txt in the archive (not tiny-imagenet-200)")
        self.root = min(roots, key=len)
        self.folders = collections.defaultdict(list)  # {folder: names of its files}, relative to the root
        for name in names:
            if name.startswith(self.root) and not name.endswith("/"):
                folder, _, file = name[len(self.root):].rpartition("/")
                self.folders[folder].append(file)

    def _find_root(self):
        """The folder holding wnids.txt: the tree given, or its tiny-imagenet-200/."""
        candidates = [self.source, self.source / "tiny-imagenet-200"]
        roots = [folder for folder in candidates if (folder / "wnids.txt").is_file()]
        if not roots:
            downloads.refuse_another(self.source, "tiny-imagenet")
            zips = sorted(path.name for path in self.source.iterdir()
                          if path.suffix.lower() == ".zip" and path.is_file() and not inputs.hidden(path.name))
            hint = f"; it holds {', '.join(zips[:5])}: give the zip itself as SOURCE" if zips else \
                inputs.nested_copy(self.source, "tiny-imagenet-200", "wnids.txt")
            raise ds.DatasetError(f"{self.source}: no wnids.txt (not a tiny-imagenet-200 folder){hint}")
        self.root = roots[0]

    def close(self):
        """Close the zip (where the tree is one) and the copies of it decoding opened in this process."""
        if self.archive is not None:
            self.archive.close()
            close_archive(str(self.source))

    def check_stored_once(self, names):
        """``DatasetError`` when one of the files ``names`` is stored twice in the zip: which copy is the file is
        anyone's guess (tar keeps the last, zipfile reads the last, a listing shows both); a download never has
        two."""
        twice = [name for name in names if self.archive and self.root + name in self.twice]
        if twice:
            raise ds.DatasetError(f"{self.source}: {len(twice)} name(s) stored twice (two members of one name): "
                                  f"{a_few([self.root + name for name in twice], 3)}: which copy is meant is unknown "
                                  f"(a download holds each once): download tiny-imagenet-200.zip again")

    def text(self, name, required=True, hint=""):
        """The text of file ``name`` ("" when missing and not ``required``; when ``required``, a ``DatasetError``
        naming it, followed by ``hint``: what to do)."""
        if self.archive:
            self.check_stored_once([name])
            if self.root + name in self.links:
                raise ds.DatasetError(f"{self.where(name)}: {self.link_reason(name)}")
            try:
                data = read_member(self.archive, self.members[self.root + name])
            except KeyError as error:
                if required:
                    raise ds.DatasetError(f"{self.source}: missing {name}{hint}") from error
                return ""
            except ds.DatasetError:
                raise  # damaged, encrypted, ...: named already
            except ValueError as error:  # too large
                raise ds.DatasetError(f"{self.source}: {name}: {error}") from error
            return text_files.decode_text(data, self.location(name), name, original="tiny-imagenet-200.zip",
                                          again="download")  # a member of the download itself
        path = self.root / name
        if path.is_file():
            return text_files.read_text(path, name, original="tiny-imagenet-200.zip")
        if required:
            raise ds.DatasetError(f"{path}: missing{hint}")
        return ""

    def unpack_again(self):
        """What to do about a file or folder of the distribution missing from this tree: get all of it back."""
        if self.archive:
            return f"download tiny-imagenet-200.zip again ({inputs.display_name(self.source)} lacks part of it)"
        return "unpack tiny-imagenet-200.zip again (an unpacking interrupted?), or give the zip itself as SOURCE"

    def files(self, folder):
        """Names of the files directly in ``folder`` (hidden ones left out; none when there is no such folder); as
        :func:`.imagenet._image_files`, everything but folders."""
        if self.archive:
            return [name for name in self.folders.get(folder, []) if not inputs.hidden(name)]
        path = self.root / folder
        return [file.name for file in entries(path) if not file.is_dir() and not inputs.hidden(file.name)] \
            if path.is_dir() else []

    def subfolders(self, folder):
        """Names of the folders directly in ``folder`` that hold something (hidden ones left out), sorted."""
        if self.archive:
            prefix = f"{folder}/"
            parts = {name[len(prefix):].split("/")[0] for name in self.folders if name.startswith(prefix)}
            return sorted(part for part in parts if not inputs.hidden(part))
        path = self.root / folder
        return sorted(sub.name for sub in entries(path) if sub.is_dir() and not inputs.hidden(sub.name)) \
            if path.is_dir() else []

    def images(self, folder):
        """Relative names of the image files directly in ``folder`` (sorted)."""
        return [f"{folder}/{name}" for name in sorted(self.files(folder))
                if pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES]

    def where(self, name):
        """File or folder ``name`` as messages and meta.json name it: :meth:`location` escaped as
        :func:`.inputs.display_name` says (a member's name may hold any character), the path's bytes read as UTF-8
        (:func:`.inputs.fs_text`): the same text in every locale (under a Latin-1 one, meta.json recorded
        "tiny-猫.zip:.../words.txt" as "tiny-ç\\u008c«.zip:...": another fingerprint)."""
        if self.archive:
            return inputs.display_name(f"{inputs.fs_text(str(self.source))}:{self.root}{name}")
        return inputs.path_text(self.root / name)

    def location(self, name):
        """File or folder ``name``'s path, or the archive and the member (``ARCHIVE:MEMBER``)."""
        return f"{self.source}:{self.root}{name}" if self.archive else self.root / name

    def link_reason(self, name):
        """Why the symbolic link ``name`` stored in the archive is not read: the bytes zipfile gives are the
        path it points to, which PIL called "not an image"."""
        target = read_member(self.archive, self.members[self.root + name]).decode("utf-8", "surrogateescape")
        return (f"a symbolic link inside the archive (to {inputs.display_name(target)}): not followed (unpack the "
                f"archive and import the folder to import what it points to)")

    def skipped_link(self, name):
        """The skipped.txt entry of ``name`` when it is a symbolic link stored in the archive, else None."""
        if not self.archive or self.root + name not in self.links:
            return None
        return {"file": self.where(name), "reason": self.link_reason(name)}

    def examine(self, described, progress):
        """As :func:`.folder.examine`, of the items ``described`` (:meth:`item`'s, described); of members of
        the zip, their sizes and CRC-32 (what tells that one changed) from the archive's directory, and no state."""
        if not self.archive:
            return examine(described, progress)
        infos = {ImportItem(path=str(self.source), member=member).describe(): self.archive.getinfo(member)
                 for member in self.members.values()}
        sizes = {key: infos[key].file_size for key in described if infos[key].file_size}
        return sizes, {key: infos[key].CRC for key in sizes}, {}  # a member's plan records its size and CRC-32

    def sha256(self, described):
        """The sha256 of the bytes of the item ``described`` (a file, or a member of the zip)."""
        if not self.archive:
            return fileio.sha256_file(described)
        member = described[len(str(self.source)) + 1:]
        return hashlib.sha256(read_member(self.archive, member)).hexdigest()

    def item(self, name):
        if self.archive:
            return ImportItem(path=str(self.source), member=self.members[self.root + name])
        return ImportItem(path=str(self.root / name))


def import_tiny_imagenet(source, out, *, is_a=None, size=256, workers=None, shard_length=None, progress=None,
                         overwrite=False):
    """Import Tiny ImageNet (the ``tiny-imagenet-200`` zip or folder) into ``out``.

    Classes are the sorted wnids of ``wnids.txt`` (two or more, else a ``DatasetError``:
    :func:`.folder.check_two_classes`) with names from ``words.txt``; training images
    from ``train/<wnid>/images/``, validation images labelled by ``val/val_annotations.txt``, which
    must name every file of ``val/images/`` once and nothing else (``DatasetError`` otherwise; the
    unlabelled test set is not imported), or a val/ already sorted into class folders
    (``val/<wnid>/``, ``val/<wnid>/images/`` or ``val/images/<wnid>/``) labelled by their folder.
    A symbolic link stored in the zip is not followed: it is listed in ``skipped.txt`` as such.
    Images are 64 × 64, grayscale ones converted to RGB;
    ``size`` 256 (default) warps them like ImageNet, ``size=64`` keeps them native. ``overwrite``,
    ``out`` beside ``source`` and one image in two classes: as :func:`.imagenet.import_imagenet`.

    Example: ``import_tiny_imagenet("tiny-imagenet-200.zip", "tiny-64", size=64)``
    """
    source, out, is_a = open_import("import_tiny_imagenet", source, out, is_a, size=size, workers=workers)
    tree = _TinyImageNetSource(source)
    try:
        return _import(tree, source, out, is_a, size, workers, shard_length, progress, overwrite)
    finally:
        tree.close()  # the zip, and this process's copies of it decoding read (a notebook imports again and again)


def _import(tree, source, out, is_a, size, workers, shard_length, progress, overwrite):
    """:func:`import_tiny_imagenet` of the tree ``tree`` (a :class:`_TinyImageNetSource` of ``source``)."""
    wnids = sorted(set(tree.text("wnids.txt").split()))
    check_two_classes(tree.where("wnids.txt"), wnids, TINY_IMAGENET_LAYOUT, kind="wnid")
    label_of = {wnid: label for label, wnid in enumerate(wnids)}
    words = tree.text("words.txt", required=False)
    names = read_class_names(words, tree.where("words.txt"), label_of)
    train_items, train_labels, without = [], [], []
    for wnid in wnids:
        found = tree.images(f"train/{wnid}/images")
        without += [] if found else [wnid]
        train_items += found
        train_labels += [label_of[wnid]] * len(found)
    _check_every_class_listed(tree, label_of, without)
    if without:
        raise ds.DatasetError(f"{source}: wnids.txt lists {len(without)} class(es) without an image in "
                              f"train/<wnid>/images/: {' '.join(without[:10])}{' ...' if len(without) > 10 else ''}"
                              f": {tree.unpack_again()}")
    val_files, val_wnids = _tiny_validation(tree, label_of)
    tree.check_stored_once(train_items + val_files)
    subsets, skipped = {}, []
    for subset, files, labels in (("train", train_items, train_labels),
                                  ("val", val_files, [label_of[wnid] for wnid in val_wnids])):
        links = [tree.skipped_link(name) for name in files]
        skipped += [{**link, "subset": subset, "class": wnids[label]} for link, label in zip(links, labels) if link]
        subsets[subset] = ([tree.item(name) for name, link in zip(files, links) if not link],
                           [label for label, link in zip(labels, links) if not link], {})
    classes = class_table(wnids, names, is_a)
    described = [item.describe() for items, _, _ in subsets.values() for item in items]
    sizes, modified, states = tree.examine(described, progress)
    note_listed_states(subsets, states)
    digests = recorded_digests(None if overwrite else out, sizes, modified)  # --overwrite trusts none of them
    across = CopiesAcrossClasses(out, paths_by_class(subsets, wnids), sizes, modified, digests, progress,
                                 read=tree.sha256)
    built = build_dataset(
        out,
        source={"kind": "tiny-imagenet", "path": inputs.fs_text(str(source)),
                "is_a": text_files.file_record(is_a, "is-a file"),
                # the class names: words.txt edited in an unpacked tree renames the classes, as --words would
                "words_txt": {"path": str(tree.where("words.txt")),
                              "sha256": hashlib.sha256(words.encode("utf-8")).hexdigest()}},
        classes=classes,
        subsets=subsets, size=size, shard_length=shard_length, workers=workers, progress=progress, skipped=skipped,
        overwrite=overwrite, caches=across.caches,
    )
    across.report(built.meta["skipped"])
    return built


def _check_every_class_listed(tree, label_of, without):
    """``DatasetError`` when train/ holds class folders with images (train/<wnid>/images/) that wnids.txt does not
    list (``label_of``: its classes; ``without``: those of them without an image): they would be left out without a
    word, or their validation images refused as labelled with no class of wnids.txt."""
    unlisted = [folder for folder in tree.subfolders("train")
                if folder not in label_of and tree.images(f"train/{folder}/images")]
    if unlisted:
        also = f"; it lists {len(without)} without one: {a_few(without)}" if without else ""
        restore = "download tiny-imagenet-200.zip again" if tree.archive else "restore it from tiny-imagenet-200.zip"
        raise ds.DatasetError(f"{tree.where('wnids.txt')} does not list {len(unlisted)} class folder(s) of train/ "
                              f"that hold images: {a_few(unlisted)}{also}: it is not this tree's wnids.txt (replaced "
                              f"or edited?): {restore} (to import some classes only, give their folders to "
                              f"'minitransfer prepare folder')")


def _why_not_a_zip(path):
    """What to do about ``path``, which zipfile refused: a download cut short (or damaged) begins as a zip does but
    lacks the directory at its end, which zipfile calls "File is not a zip file" (as of an empty one)."""
    try:
        with open(path, "rb") as file:
            head, size = file.read(4), os.fstat(file.fileno()).st_size
    except OSError:
        return ""
    if head == ZIP_SIGNATURE or not size:
        return (f": {archives.download_again('tiny-imagenet-200.zip', size)} (an unpacked tiny-imagenet-200 folder "
                f"may be given instead)")
    return f": {archives.give_the_download('tiny-imagenet-200.zip', 'tiny-imagenet-200')}"


def _is_link(info):
    """Whether the zip member ``info`` is a symbolic link (``zip -y``, macOS's Archive Utility store them so)."""
    return info.create_system == ZIP_FROM_UNIX and stat.S_ISLNK(info.external_attr >> 16)


def _tiny_validation(tree, label_of):
    """(relative names, wnids) of Tiny ImageNet's validation images: ``val/images/*`` labelled by
    ``val/val_annotations.txt``, as distributed, or val/ sorted into class folders (``val/<wnid>/``,
    ``val/<wnid>/images/`` or ``val/images/<wnid>/``, as the scripts that sort it make) labelled by their
    folder; a ``val_annotations.txt`` kept beside sorted images must agree with their folders."""
    annotations = tree.where("val/val_annotations.txt")
    by_folder = _sorted_validation(tree, label_of)
    loose = tree.images("val/images")
    if by_folder and loose:
        raise ds.DatasetError(f"{tree.where('val')}: {len(loose)} image(s) directly in val/images/ "
                              f"({a_few(loose, 3)}) beside {len(by_folder)} sorted into class folders: sort them "
                              f"all (a sorting interrupted?) or move them all back to val/images/")
    annotated = _tiny_annotations(tree, label_of, required=not by_folder)
    if not by_folder:
        check_labelled(list(annotated), tree.files("val/images"), annotations, tree.where("val/images"))
        return [f"val/images/{name}" for name in annotated], list(annotated.values())
    elsewhere = [name for name, wnid in by_folder.items()
                 if annotated.get(pathlib.PurePosixPath(name).name, wnid) != wnid]
    if elsewhere:
        raise ds.DatasetError(f"{annotations} labels {len(elsewhere)} image(s) of another class than the folder "
                              f"that holds them: {a_few(elsewhere)} (sorted by another list?): move them, or "
                              f"remove val_annotations.txt to label images by their folder")
    return list(by_folder), list(by_folder.values())


def _sorted_validation(tree, label_of):
    """{relative name: wnid of its folder} of the validation images sorted into class folders (see
    :func:`_tiny_validation`); ``DatasetError`` for a folder there not named as a class of wnids.txt."""
    folders = [(f"val/images/{name}", name) for name in tree.subfolders("val/images")]
    folders += [(f"val/{name}", name) for name in tree.subfolders("val") if name != "images"]
    unknown = [folder for folder, wnid in folders if wnid not in label_of]
    if unknown:
        raise ds.DatasetError(f"{tree.where('val')}: {len(unknown)} folder(s) not named after a class of wnids.txt: "
                              f"{a_few(unknown)} (validation images lie in val/images/, or sorted into "
                              f"val/<wnid>/)")
    return {name: wnid for folder, wnid in folders for name in tree.images(folder) + tree.images(f"{folder}/images")}


def _tiny_annotations(tree, label_of, required):
    """{file name: wnid} of ``val/val_annotations.txt``, in its order ({} when missing and not ``required``)."""
    annotated, line_of = {}, {}
    annotations = tree.where("val/val_annotations.txt")
    hint = (f" (it labels val/images/): {tree.unpack_again()}; a val/ already sorted into class folders "
            f"(val/<wnid>/) needs no labels, and 'minitransfer prepare folder' reads such a tree too")
    again = ("download tiny-imagenet-200.zip again" if tree.archive else
             "unpack both from one tiny-imagenet-200.zip, or give the zip itself as SOURCE")
    for number, line in enumerate(tree.text("val/val_annotations.txt", required, hint).splitlines(), start=1):
        fields = line.split("\t")
        if not fields[0].strip():
            continue
        if len(fields) < 2:
            raise ds.DatasetError(f"{annotations}:{number}: expected '<file><TAB><wnid of wnids.txt>...', "
                                  f"got {line!r}")
        if fields[1] not in label_of:
            raise ds.DatasetError(f"{annotations}:{number}: {fields[0]} is labelled {fields[1]}, a wnid that "
                                  f"{tree.where('wnids.txt')} does not list (line {line!r}): the labels and the "
                                  f"class list are of different copies, or one was edited; {again}")
        check_labelled_once(line_of, fields[0], annotations, number)
        annotated[fields[0]] = fields[1]
    return annotated

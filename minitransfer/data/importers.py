"""Importers: ImageNet (ILSVRC2012) and Tiny ImageNet into the shard format of
:mod:`minitransfer.data.dataset`, through :func:`~.build.build_dataset` (decoding, limits,
resuming, skipped files). CIFAR-10 and CIFAR-100 are in :mod:`.cifar`, class-folder trees in :mod:`.folder`.
"""

import collections
import hashlib
import os
import pathlib
import shlex
import stat
import zipfile

from minitransfer import fileio, stopping

from . import dataset as ds
from . import devkit as ilsvrc_devkit
from . import archives, inputs, wordnet
from .build import build_dataset, check_out
from .decode import ImportItem, read_member
from .copies import CopiesAcrossClasses, examine, recorded_digests
from .folder_tree import TWO_OR_MORE, check_two_classes, dangling_links

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")
IMAGENET_LAYOUT = f"ILSVRC2012's train/ must hold one folder per class (train/<wnid>/*.JPEG), {TWO_OR_MORE}"
TINY_IMAGENET_LAYOUT = (f"wnids.txt must list the classes, one wnid a line (images in train/<wnid>/images/), "
                        f"{TWO_OR_MORE}")
NOT_A_WNID = ("not named as a wnid (n + 8 digits): ILSVRC2012's train/ holds only its classes' folders (import "
              "folders of your own with 'prepare folder')")
ZIP_SIGNATURE = b"PK\x03\x04"  # what a zip archive begins with (its first member's header)
ZIP_FROM_UNIX = 3  # a zip member's create_system when the high 16 bits of its external_attr are a Unix st_mode


def _image_files(folder):
    """The image files directly in ``folder``, sorted; hidden ones (macOS's ._ files) are not images.
    A link to nowhere or a FIFO named like an image is one too: the decoder lists it in skipped.txt,
    saying what it is, rather than the dataset losing it without a word."""
    return sorted(path for path in folder.iterdir()
                  if not path.is_dir() and path.suffix.lower() in IMAGE_SUFFIXES and not inputs.hidden(path.name))


def read_class_names(text, where, wnids):
    """{wnid: name} of the lines of ``text``, a ``wnid<whitespace>names`` file (ImageNet's or Tiny ImageNet's
    words.txt, Caffe's synset_words.txt) named ``where`` in messages, that name one of ``wnids``.

    A name is stored in meta.json and printed by later commands: one holding a control character (an
    ESC would recolour the terminal, a tab split a line of 'splits') is a ``DatasetError`` naming the
    line, as a class folder named so is. Lines are split at line feeds only, so that no other control
    character moves the line numbers."""
    names = {}
    for number, line in enumerate(text.split("\n"), start=1):
        fields = line.strip().split(None, 1)
        if len(fields) == 2 and fields[0] in wnids:
            names[fields[0]] = _checked_name(fields[1].strip(), f"{where}:{number}", fields[0])
    return names


def _checked_name(name, where, wnid):
    """``name``, the class ``wnid``'s name read from ``where``; ``DatasetError`` when it holds a control character."""
    char = inputs.control_character(name)
    if char:
        raise ds.DatasetError(f"{where}: the name of class {wnid} holds a control character "
                              f"({inputs.display_name(char)}): remove it")
    return name


def class_table(wnids, names, is_a=None):
    """The meta.json class table of ``wnids`` (in label order): names from ``names`` ({wnid: name}),
    each class's man-made / natural family from the WordNet is-a file ``is_a`` when given."""
    families = wordnet.families_from_file(wnids, is_a) if is_a else [None] * len(wnids)
    table = []
    for index, (wnid, family) in enumerate(zip(wnids, families)):
        entry = {"index": index, "wnid": wnid, "name": names.get(wnid, wnid)}
        if family:
            entry["family"] = family
        table.append(entry)
    return table


def import_imagenet(source, out, *, val_labels=None, devkit=None, words=None, is_a=None, size=256, workers=None,
                    shard_length=None, progress=None, overwrite=False):
    """Import ILSVRC2012 from ``source`` (``train/<wnid>/*.JPEG``, ``val/*.JPEG``) into ``out``.

    Class order is the sorted wnids (Caffe's order); ``train/`` holding fewer than two class folders is a
    ``DatasetError`` (:func:`.folder.check_two_classes`); a class tar left packed in ``train/`` (without
    its folder) is a ``DatasetError``, not a class left out. A folder there not named as a wnid (``n`` + 8 digits: a
    stray ``backup``) is no class of ILSVRC2012: it is left out, warned of and listed in meta.json's
    ``excluded_classes`` (imported as a class, it shifted every label after it). A class folder that is a link to
    nothing (a drive not mounted), ILSVRC2012_img_train.tar left packed, images lying directly in ``train/``,
    a class folder or ``val/`` holding a tar but no image, and ILSVRC2012_img_val.tar lying in ``source``
    without ``val/`` are each a ``DatasetError`` too (each message says how to unpack). Validation
    labels come from the official devkit folder ``devkit`` (``data/meta.mat`` and
    ``data/ILSVRC2012_validation_ground_truth.txt``;
    reading meta.mat needs SciPy) or from ``val_labels``, a ``<file> <label>`` list with labels in
    sorted-wnid order (Caffe's ``val.txt``). A ``val/`` folder without either is refused
    (``ValueError``) rather than dropped; without ``val/`` the dataset is train-only. The labels must
    name every image file in ``val/``, each once, and nothing else (``DatasetError`` before anything
    is decoded: a val/ unpacked in part, or a shorter list). ``words``: a
    ``wnid names`` file for readable names (default: the devkit's, else the wnids; a name holding a
    control character is a ``DatasetError``, see :func:`read_class_names`); ``is_a``: a
    WordNet ``parent child`` file, to record each class's man-made / natural family (the natural
    split). ``overwrite``: see :func:`.build.build_dataset`; ``out`` must not lie inside ``source``
    nor ``source`` inside ``out`` (``ValueError``). ``progress(done, total)`` is called as images are decoded,
    and ``progress(done, total, stage)`` before and after ("listing training files", "examining files", "finding
    copies across classes"). One image in two classes (files of equal bytes; ILSVRC2012 has some) is imported
    with each label, listed in ``copies-across-classes.txt`` in ``out`` and warned of, as
    :class:`.folder.CopiesAcrossClasses` says.

    Example: ``import_imagenet("/data/ILSVRC2012", "imagenet-256", devkit="/data/ILSVRC2012_devkit_t12")``
    """
    source = inputs.absolute(source)
    inputs.check_apart(source, out)
    check_out(out)
    train = source / "train"
    if not train.is_dir():
        classes = sorted(path.name for path in source.iterdir() if wordnet.WNID.fullmatch(path.name) and path.is_dir())
        hint = (f"; {source} holds class folders ({_some(classes, 3)}) itself: give the folder that holds train/ "
                f"(and val/)" if classes else _packed_training_archive(source))
        raise ds.DatasetError(f"{train}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG){hint}")
    folders = sorted(path for path in train.iterdir() if path.is_dir() and not inputs.hidden(path.name))
    strays = [folder for folder in folders if not wordnet.WNID.fullmatch(folder.name)]  # 'backup', 'n01440764 copy'
    folders = [folder for folder in folders if wordnet.WNID.fullmatch(folder.name)]
    packed = sorted(path.name for path in train.iterdir() if path.suffix.lower() == ".tar" and path.is_file()
                    and wordnet.WNID.fullmatch(path.stem) and not (train / path.stem).is_dir())  # n01440764.tar;
    # not ILSVRC2012_img_train.tar, the archive of the class tars, which unpacking it in train/ leaves there
    if packed:  # ILSVRC2012_img_train.tar holds one tar per class: these would be classes missing without a word
        raise ds.DatasetError(f"{train}: {len(packed)} class archive(s) not unpacked: {_some(packed)}: unpack each "
                              f"into its class folder, train/<wnid>/ (an unpacking interrupted?)")
    for folder in folders:
        inputs.check_class_name(folder)
    lost = [(link, reason) for link, reason in dangling_links(train) if wordnet.WNID.fullmatch(link.name)]
    if lost:  # else a class missing without a word: 999 classes, and --val-labels' labels off by one after it
        more = f" (and {len(lost) - 1} more: {_some([link.name for link, _ in lost[1:]], 3)})" if len(lost) > 1 else ""
        raise ds.DatasetError(f"{inputs.display_name(lost[0][0])}: {lost[0][1]}{more}: its class would be "
                              f"missing from the dataset; mount or restore it, or remove the link")
    wnids, hint = [folder.name for folder in folders], ""
    if strays and len(wnids) < 2:
        hint = (f", but {len(strays)} folder(s) not named as wnids ({_some([path.name for path in strays], 3)}): "
                f"import a tree of your own class folders with 'minitransfer prepare folder'")
    elif not wnids:
        loose = _image_files(train)
        hint = (f"; it holds {len(loose)} image file(s) itself ({_some([path.name for path in loose], 3)}): each "
                f"class's belong in train/<wnid>/, where its tar unpacks" if loose else _packed_training_archive(train))
    check_two_classes(train, wnids, IMAGENET_LAYOUT, hint)
    left_out = [{"name": inputs.display_name(folder.name), "reason": NOT_A_WNID} for folder in strays]
    if left_out:  # before hours of decoding: the researcher may stop and move them
        stopping.warn(f"warning: {train}: {len(strays)} folder(s) not named as wnids (n + 8 digits) left out, not "
                      f"imported as classes: {_some([path.name for path in strays])}")
    train_items, train_labels, without = [], [], []
    listing = inputs.stage_progress(progress, "listing training files")
    for label, wnid in enumerate(wnids):
        found = _image_files(train / wnid)
        without += [] if found else [wnid]
        for path in found:
            train_items.append(ImportItem(path=str(path)))
            train_labels.append(label)
        listing(label + 1, len(wnids))
    if without:  # named before hours of decoding, not after as a class none of whose images decoded
        listed = " ".join(without[:10]) + (" ..." if len(without) > 10 else "")
        packed = [(train / wnid, _tars(train / wnid)) for wnid in without if _tars(train / wnid)]
        hint = (f"; {inputs.display_name(packed[0][0])} {_unpack_there(*packed[0])}"
                + (f" (and so in {len(packed) - 1} more)" if len(packed) > 1 else "")) if packed else ""
        raise ds.DatasetError(f"{train}: {len(without)} class folder(s) without an image file "
                              f"({', '.join(IMAGE_SUFFIXES)}): {listed}{hint}")
    names, labelled_by = {}, val_labels
    if devkit is not None:
        official = ilsvrc_devkit.read_devkit(devkit)
        labelled_by = official.ground_truth
        val_files, val_label_list = _devkit_validation(official, wnids, train)
    else:
        val_files, val_label_list = _listed_validation(val_labels, wnids)
    if words:
        names = read_class_names(inputs.read_text(words, "class names file"), inputs.display_name(words), set(wnids))
    elif devkit is not None:
        names = {wnid: _checked_name(official.words[wnid], official.meta, wnid) for wnid in wnids
                 if wnid in official.words}
    val_items = _validation_items(source / "val", val_files, labelled_by)
    classes = class_table(wnids, names, is_a)
    subsets = {"train": (train_items, train_labels, {}), "val": (val_items, val_label_list, {})}
    sizes, modified, states = examine([item.path for items, _, _ in subsets.values() for item in items], progress)
    _note_listed_states(subsets, states)
    across = CopiesAcrossClasses(out, _paths_by_class(subsets, wnids), sizes, modified,
                                 recorded_digests(out, sizes, modified), progress)
    built = build_dataset(
        out,
        source={"kind": "imagenet", "path": str(source),
                "val_labels": str(inputs.absolute(val_labels)) if val_labels else None,
                "devkit": str(inputs.absolute(devkit)) if devkit else None,
                "words": inputs.file_record(words, "class names file"), "is_a": inputs.file_record(is_a, "is-a file")},
        classes=classes, subsets=subsets, size=size, shard_length=shard_length, workers=workers, progress=progress,
        overwrite=overwrite, caches=across.caches, extra_meta={"excluded_classes": left_out} if left_out else None,
    )
    across.report(built.meta["skipped"])
    return built


def _note_listed_states(subsets, states):
    """Give each file item of ``subsets`` its state as listed (``states``: {path: (size, modification time)},
    :func:`.folder.examine`), as :mod:`.folder` does: a file changed or removed while the import runs is skipped
    as such (:data:`.decode.CHANGED`, :data:`.decode.VANISHED`) and decoded again by the rerun; one moved away
    during the import and back before the rerun was skipped for good ("FileNotFoundError"), its shard's plan
    taken from the file as it had been."""
    for items, _, _ in subsets.values():
        for item in items:
            if item.member is None:
                item.listed = states.get(item.path)


def _paths_by_class(subsets, wnids):
    """{subset: {wnid: descriptions of its items}} of ``subsets`` as :func:`.build.build_dataset` takes them."""
    by_class = {}
    for subset, (items, labels, _) in subsets.items():
        by_class[subset] = {}
        for item, label in zip(items, labels):
            by_class[subset].setdefault(wnids[label], []).append(item.describe())
    return by_class


def _packed_training_archive(folder):
    """"; it holds <tar>: unpack ..." when ``folder`` (SOURCE, or its train/ without class folders) holds tar
    archives: ILSVRC2012_img_train.tar not unpacked yet; "" otherwise."""
    tars = _tars(folder)
    return (f"; {inputs.display_name(folder)} holds {_some(tars, 3)}: unpack the training archive "
            f"(ILSVRC2012_img_train.tar) into train/, then each class tar it holds into its folder, train/<wnid>/"
            if tars else "")


def _tars(folder):
    """The names of the tar archives directly in ``folder``, sorted (hidden ones left out)."""
    return sorted(path.name for path in folder.iterdir() if path.name.lower().endswith(".tar") and path.is_file()
                  and not inputs.hidden(path.name))


def _unpack_there(folder, tars):
    """"holds <tar>: unpack it there (tar -xf ...)": what to do about ``folder`` holding the archives
    ``tars`` (names) where its images belong."""
    command = f"tar -xf {shlex.quote(inputs.display_name(folder / tars[0]))} -C " \
              f"{shlex.quote(inputs.display_name(folder))}"
    return f"holds {_some(tars, 3)}: unpack {'it' if len(tars) == 1 else 'each'} there " \
           f"({command})"


def _devkit_validation(official, wnids, train):
    """(file names, labels) of the validation images from the devkit's ground truth."""
    label_of = {wnid: label for label, wnid in enumerate(wnids)}
    unknown = sorted(set(official.validation_wnids) - set(label_of))
    if unknown:
        raise ds.DatasetError(f"{official.ground_truth}: validation classes with no folder in {train}: "
                              f"{' '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}")
    return official.validation_files, [label_of[wnid] for wnid in official.validation_wnids]


def _listed_validation(val_labels, wnids):
    """(file names, labels) from a ``<file> <label>`` list (empty without one)."""
    files, labels = [], []
    if val_labels is None:
        return files, labels
    line_of = {}
    for number, line in enumerate(inputs.read_text(val_labels, "validation label list").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[1].lstrip("-").isdigit() or not 0 <= int(fields[1]) < len(wnids):
            raise ds.DatasetError(f"{val_labels}:{number}: expected '<file> <label in 0..{len(wnids) - 1}>', "
                                  f"got {line!r}")
        _check_labelled_once(line_of, fields[0], val_labels, number)
        files.append(fields[0])
        labels.append(int(fields[1]))
    return files, labels


def _check_labelled_once(line_of, name, labels_file, number):
    """Record that line ``number`` of ``labels_file`` labels ``name``; ``DatasetError`` when an earlier line did
    (the image would be imported twice, perhaps under two classes)."""
    if name in line_of:
        raise ds.DatasetError(f"{labels_file}:{number}: {inputs.display_name(name)} is labelled on line "
                              f"{line_of[name]} already")
    line_of[name] = number


def _validation_items(val, files, labelled_by):
    """Items for ``val/<file>``; refuses a val/ folder that would be dropped in whole or in part, or cannot be
    labelled (``labelled_by``: the file of the labels, None without one)."""
    if not val.is_dir():
        packed = [name for name in _tars(val.parent) if "val" in name.lower()]  # ILSVRC2012_img_val.tar
        if packed:  # not imported as a train-only dataset, nor refused as "missing" without saying why
            into, tar = (shlex.quote(inputs.display_name(path)) for path in (val, val.parent / packed[0]))
            command = f"mkdir {into} && tar -xf {tar} -C {into}"
            labels = "" if labelled_by is not None else " and give its labels (--devkit DIR or --val-labels FILE)"
            raise ds.DatasetError(f"{val}: missing, but {inputs.display_name(val.parent)} holds {_some(packed, 3)}: "
                                  f"unpack the validation archive into val/ ({command}){labels}, or move it away "
                                  f"for a train-only dataset")
        if labelled_by is not None:
            raise ds.DatasetError(f"{val}: missing (the labelled validation images should be there)")
        return []
    shown = [path for path in val.iterdir() if not inputs.hidden(path.name)]
    if any(path.is_dir() for path in shown):
        _refuse_a_folder_around(val, [path for path in shown if path.is_dir()], files, labelled_by)
        raise ValueError(f"{val} holds class folders: import this tree with 'minitransfer prepare folder' "
                         f"(class order is the sorted folder names there too)")
    present = [path.name for path in shown if path.is_file()]
    if _tars(val) and not any(pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES for name in present):
        raise ds.DatasetError(f"{val}: no image file, but it {_unpack_there(val, _tars(val))}")
    if labelled_by is None:
        raise ValueError(f"{val} holds {len(present)} files but no labels were given: pass --devkit DIR (the official "
                         f"ILSVRC2012 devkit folder) or --val-labels FILE, or move val/ away for a train-only dataset")
    _check_labelled(files, present, labelled_by, val)
    return [ImportItem(path=str(val / name)) for name in files]


def _refuse_a_folder_around(val, folders, named, labelled_by):
    """``DatasetError`` when one of ``folders`` (in ``val``), not named like a class (a wnid), holds files
    that ``labelled_by`` labels: the validation archive unpacked into a folder of its own, not val/
    sorted into class folders (which 'prepare folder' imports)."""
    named = set(named)
    for folder in folders:
        if not wordnet.WNID.fullmatch(folder.name):
            inside = sorted(path.name for path in folder.iterdir() if path.name in named)
            if inside:
                raise ds.DatasetError(f"{inputs.display_name(folder)}: holds {len(inside)} of the files {labelled_by} "
                                      f"labels ({_some(inside, 3)}), which belong directly in {val}: move them there "
                                      f"(the archive unpacked into a folder of its own?)")


def _check_labelled(named, present, labelled_by, folder):
    """``DatasetError`` unless the validation files ``named`` by the labels file ``labelled_by`` are the image files
    among ``present`` (the names of the files in ``folder``), checked before anything is decoded: a labelled file
    missing there (an archive unpacked in part, names with a folder in front) would be skipped only after hours of
    decoding, an image without a label dropped without a word."""
    present_set = set(present)
    missing = [name for name in named if name not in present_set]
    if missing:
        raise ds.DatasetError(f"{labelled_by} labels {len(missing)} file(s) that {folder} lacks: {_some(missing)} "
                              f"(names are of files directly in that folder)")
    unlabelled = sorted({name for name in present if pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES}
                        - set(named))
    if unlabelled:
        raise ds.DatasetError(f"{folder}: {len(unlabelled)} image file(s) without a label in {labelled_by}: "
                              f"{_some(unlabelled)} (they would be left out of validation: label them, or move them "
                              f"out of {folder})")


def _some(names, shown=10):
    """The first ``shown`` of ``names``, space-separated, with " ..." when there are more."""
    return " ".join(inputs.display_name(name) for name in names[:shown]) + (" ..." if len(names) > shown else "")


class _TinyImageNetSource:
    """The tiny-imagenet-200 tree, in a folder or a zip: lists files, reads text, makes items."""

    def __init__(self, source):
        self.source = pathlib.Path(source)
        if self.source.is_file():
            try:
                self.archive = zipfile.ZipFile(self.source)
            except zipfile.BadZipFile as error:
                raise ds.DatasetError(f"{self.source}: not a readable zip archive ({error})"
                                      f"{_why_not_a_zip(self.source)}") from error
            except OSError as error:
                raise ds.DatasetError(f"{self.source}: not a readable zip archive ({error})") from error
            # {name with "/" between its parts: the member's own name}: Windows tools that write "\\" there made
            # many a zip; a name stored twice (a zip updated in place) is one file, read as zipfile reads it: the last
            self.members = {name.replace("\\", "/"): name for name in self.archive.namelist()}
            names = list(self.members)
            self.links = {name for name, member in self.members.items() if _is_link(self.archive.getinfo(member))}
            roots = [name[: -len("wnids.txt")] for name in names  # not __MACOSX/._wnids.txt, which macOS adds
                     if pathlib.PurePosixPath(name).name == "wnids.txt"
                     and not any(inputs.hidden(part) for part in pathlib.PurePosixPath(name).parts)]
            if not roots:
                raise ds.DatasetError(f"{self.source}: no wnids.txt in the archive (not tiny-imagenet-200)")
            self.root = min(roots, key=len)
            self.folders = collections.defaultdict(list)  # {folder: names of its files}, relative to the root
            for name in names:
                if name.startswith(self.root) and not name.endswith("/"):
                    folder, _, file = name[len(self.root):].rpartition("/")
                    self.folders[folder].append(file)
        else:
            self.archive = None  # links on disk: the system follows them
            candidates = [self.source, self.source / "tiny-imagenet-200"]
            roots = [folder for folder in candidates if (folder / "wnids.txt").is_file()]
            if not roots:
                zips = sorted(path.name for path in self.source.iterdir()
                              if path.suffix.lower() == ".zip" and path.is_file() and not inputs.hidden(path.name))
                hint = f"; it holds {', '.join(zips[:5])}: give the zip itself as SOURCE" if zips else ""
                raise ds.DatasetError(f"{self.source}: no wnids.txt (not a tiny-imagenet-200 folder){hint}")
            self.root = roots[0]

    def text(self, name, required=True, hint=""):
        """The text of file ``name`` ("" when missing and not ``required``; when ``required``, a ``DatasetError``
        naming it, followed by ``hint``: what to do)."""
        if self.archive:
            if self.root + name in self.links:
                raise ds.DatasetError(f"{self.where(name)}: {self.link_reason(name)}")
            try:
                return read_member(self.archive, self.members[self.root + name]).decode("utf-8-sig")
            except KeyError as error:
                if required:
                    raise ds.DatasetError(f"{self.source}: missing {name}{hint}") from error
                return ""
            except ds.DatasetError:
                raise  # damaged, encrypted, ...: named already
            except ValueError as error:  # too large, not UTF-8
                raise ds.DatasetError(f"{self.source}: {name}: {error}") from error
        path = self.root / name
        if path.is_file():
            return inputs.read_text(path, name)
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
        :func:`_image_files`, everything but folders."""
        if self.archive:
            return [name for name in self.folders.get(folder, []) if not inputs.hidden(name)]
        path = self.root / folder
        return [file.name for file in path.iterdir() if not file.is_dir() and not inputs.hidden(file.name)] \
            if path.is_dir() else []

    def subfolders(self, folder):
        """Names of the folders directly in ``folder`` that hold something (hidden ones left out), sorted."""
        if self.archive:
            prefix = f"{folder}/"
            parts = {name[len(prefix):].split("/")[0] for name in self.folders if name.startswith(prefix)}
            return sorted(part for part in parts if not inputs.hidden(part))
        path = self.root / folder
        return sorted(sub.name for sub in path.iterdir() if sub.is_dir() and not inputs.hidden(sub.name)) \
            if path.is_dir() else []

    def images(self, folder):
        """Relative names of the image files directly in ``folder`` (sorted)."""
        return [f"{folder}/{name}" for name in sorted(self.files(folder))
                if pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES]

    def where(self, name):
        """File or folder ``name`` as messages name it: its path, or the archive and the member (escaped as
        :func:`.inputs.display_name` says: a member's name may hold any character)."""
        return inputs.display_name(f"{self.source}:{self.root}{name}" if self.archive else self.root / name)

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
    ``out`` beside ``source`` and one image in two classes: as :func:`import_imagenet`.

    Example: ``import_tiny_imagenet("tiny-imagenet-200.zip", "tiny-64", size=64)``
    """
    source = inputs.absolute(source)
    inputs.check_apart(source, out)
    check_out(out)
    tree = _TinyImageNetSource(source)
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
    if without:
        raise ds.DatasetError(f"{source}: wnids.txt lists {len(without)} class(es) without an image in "
                              f"train/<wnid>/images/: {' '.join(without[:10])}{' ...' if len(without) > 10 else ''}"
                              f": {tree.unpack_again()}")
    val_files, val_wnids = _tiny_validation(tree, label_of)
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
    _note_listed_states(subsets, states)
    across = CopiesAcrossClasses(out, _paths_by_class(subsets, wnids), sizes, modified,
                                 recorded_digests(out, sizes, modified), progress, read=tree.sha256)
    built = build_dataset(
        out,
        source={"kind": "tiny-imagenet", "path": str(source), "is_a": inputs.file_record(is_a, "is-a file"),
                # the class names: words.txt edited in an unpacked tree renames the classes, as --words would
                "words_txt": {"path": str(tree.where("words.txt")),
                              "sha256": hashlib.sha256(words.encode("utf-8")).hexdigest()}},
        classes=classes,
        subsets=subsets, size=size, shard_length=shard_length, workers=workers, progress=progress, skipped=skipped,
        overwrite=overwrite, caches=across.caches,
    )
    across.report(built.meta["skipped"])
    return built


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
                              f"({_some(loose, 3)}) beside {len(by_folder)} sorted into class folders: sort them "
                              f"all (a sorting interrupted?) or move them all back to val/images/")
    annotated = _tiny_annotations(tree, label_of, required=not by_folder)
    if not by_folder:
        _check_labelled(list(annotated), tree.files("val/images"), annotations, tree.where("val/images"))
        return [f"val/images/{name}" for name in annotated], list(annotated.values())
    elsewhere = [name for name, wnid in by_folder.items()
                 if annotated.get(pathlib.PurePosixPath(name).name, wnid) != wnid]
    if elsewhere:
        raise ds.DatasetError(f"{annotations} labels {len(elsewhere)} image(s) of another class than the folder "
                              f"that holds them: {_some(elsewhere)} (sorted by another list?): move them, or "
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
                              f"{_some(unknown)} (validation images lie in val/images/, or sorted into "
                              f"val/<wnid>/)")
    return {name: wnid for folder, wnid in folders for name in tree.images(folder) + tree.images(f"{folder}/images")}


def _tiny_annotations(tree, label_of, required):
    """{file name: wnid} of ``val/val_annotations.txt``, in its order ({} when missing and not ``required``)."""
    annotated, line_of = {}, {}
    annotations = tree.where("val/val_annotations.txt")
    hint = (f" (it labels val/images/): {tree.unpack_again()}; a val/ already sorted into class folders "
            f"(val/<wnid>/) needs no labels, and 'minitransfer prepare folder' reads such a tree too")
    for number, line in enumerate(tree.text("val/val_annotations.txt", required, hint).splitlines(), start=1):
        fields = line.split("\t")
        if not fields[0].strip():
            continue
        if len(fields) < 2 or fields[1] not in label_of:
            raise ds.DatasetError(f"{annotations}:{number}: expected '<file><TAB><wnid of wnids.txt>...', "
                                  f"got {line!r}")
        _check_labelled_once(line_of, fields[0], annotations, number)
        annotated[fields[0]] = fields[1]
    return annotated

"""The ImageNet (ILSVRC2012) importer: ``train/<wnid>/*.JPEG`` and ``val/*.JPEG``, labelled by the
official devkit or a ``<file> <label>`` list, into the shard format of :mod:`minitransfer.data.shard_format`
through :func:`~.build.build_dataset` (decoding, limits, resuming, skipped files). What it shares with
:mod:`.tiny_imagenet` is in :mod:`.imagenet_common`.
"""

import pathlib
import shlex
import tarfile

from minitransfer import stopping

from . import archives
from . import dataset as ds
from . import devkit as ilsvrc_devkit
from . import downloads, inputs, schema, text_files, wordnet
from .build import build_dataset, check_origin
from .decode import ImportItem
from .import_opening import open_import
from .copies import CopiesAcrossClasses, examine, recorded_digests
from .folder_hints import first_loose_image
from .folder_tree import TWO_OR_MORE, check_two_classes, entries, links_to_nothing
from .imagenet_common import (IMAGE_SUFFIXES, check_labelled, check_labelled_once, checked_name, note_listed_states,
                              paths_by_class, class_table, read_class_names)
from .inputs import a_few

IMAGENET_LAYOUT = f"ILSVRC2012's train/ must hold one folder per class (train/<wnid>/*.JPEG), {TWO_OR_MORE}"
NOT_A_WNID = ("not named as a wnid (n + 8 digits): ILSVRC2012's train/ holds only its classes' folders (import "
              "folders of your own with 'prepare folder')")


def _image_files(folder):
    """The image files directly in ``folder``, sorted; hidden ones (macOS's ._ files) are not images.
    A link to nowhere or a FIFO named like an image is one too: the decoder lists it in skipped.txt,
    saying what it is, rather than the dataset losing it without a word."""
    return _images_among(entries(folder))


def _images_among(paths):
    """The image files among ``paths`` (sorted), as :func:`_image_files` tells them."""
    return [path for path in paths if not path.is_dir() and _an_image(path.name)]


def import_imagenet(source, out, *, val_labels=None, devkit=None, words=None, is_a=None, size=256, workers=None,
                    shard_length=None, progress=None, overwrite=False):
    """Import ILSVRC2012 from ``source`` (``train/<wnid>/*.JPEG``, ``val/*.JPEG``) into ``out``.

    Class order is the sorted wnids (Caffe's order); ``train/`` holding fewer than two class folders is a
    ``DatasetError`` (:func:`.folder.check_two_classes`); a class tar left packed in ``train/`` (without its folder)
    is a ``DatasetError``, not a class left out, and so is one beside a folder lacking some of its images (an
    unpacking interrupted), not a class imported in part (with more than 10 tars kept, only those of the folders
    modified last are read: :func:`_refuse_classes_unpacked_in_part`). A folder there not named as a wnid (``n`` + 8
    digits: a stray ``backup``) is no class of ILSVRC2012: it is left out, warned of and listed in meta.json's
    ``excluded_classes`` (imported as a class, it shifted every label after it). A class folder that is a link to
    nothing (a drive not mounted), ILSVRC2012_img_train.tar left packed, images lying directly in ``train/``, a
    class folder or ``val/`` holding a tar but no image, and ILSVRC2012_img_val.tar lying in ``source`` without
    ``val/`` are each a ``DatasetError`` too (each message says how to unpack). Validation labels come from the
    official devkit folder ``devkit`` (``data/meta.mat`` and ``data/ILSVRC2012_validation_ground_truth.txt``;
    reading meta.mat needs SciPy) or from ``val_labels``, a ``<file> <label>`` list with labels in sorted-wnid order
    (Caffe's ``val.txt``). A ``val/`` folder without either is refused (``ImportUsageError``, a ValueError) rather than
    dropped; without ``val/`` the dataset is train-only. The labels must name every image file in ``val/``, each
    once, and nothing else (``DatasetError`` before anything is decoded: a val/ unpacked in part, or a shorter list).
    ``words``: a ``wnid names`` file for readable names (default: the devkit's, else the wnids; a name holding a
    control character is a ``DatasetError``, see :func:`.imagenet_common.read_class_names`); ``is_a``: a WordNet
    ``parent child`` file, to record each class's man-made / natural family (the natural split). ``overwrite``: see
    :func:`.build.build_dataset`; ``out`` must not lie inside ``source`` nor ``source`` inside ``out``
    (``ImportUsageError``), nor ``size`` nor ``workers`` out of range (checked first, before anything is read).
    ``progress(done, total)`` is called as images are decoded, and ``progress(done, total, stage)`` before and after
    ("listing training files", "examining files", "finding copies across classes"). One image in two classes (files
    of equal bytes; ILSVRC2012 has some) is imported with each label, listed in ``copies-across-classes.txt`` in
    ``out`` and warned of, as :class:`.folder.CopiesAcrossClasses` says.

    Example: ``import_imagenet("/data/ILSVRC2012", "imagenet-256", devkit="/data/ILSVRC2012_devkit_t12")``
    """
    source, out, val_labels, devkit, words, is_a = open_import(
        "import_imagenet", source, out, val_labels, devkit, words, is_a, size=size, workers=workers)
    given = {"kind": "imagenet", "path": inputs.fs_text(str(source)),
             "val_labels": inputs.fs_text(str(inputs.absolute(val_labels))) if val_labels else None,
             "devkit": inputs.fs_text(str(inputs.absolute(devkit))) if devkit else None,
             "words": text_files.file_record(words, "class names file"),
             "is_a": text_files.file_record(is_a, "is-a file")}
    check_origin(out, given, size, shard_length, overwrite)  # before the listing: minutes for ImageNet
    words_text = _class_names_text(words) if words else None  # refused before the listing too
    train = source / "train"
    if not train.is_dir():
        downloads.refuse_another(source, "imagenet")
        folders = sorted(path.name for path in source.iterdir() if not inputs.hidden(path.name) and path.is_dir())
        classes = [name for name in folders if wordnet.WNID.fullmatch(name)]
        hint = (f"; {source} holds class folders ({a_few(classes, 3)}) itself: give the folder that holds train/ "
                f"(and val/)" if classes else _packed_training_archive(source) or inputs.nested_holder(source, "train")
                or _own_class_folders(source, folders, out))
        raise ds.DatasetError(f"{train}: missing (expected ILSVRC2012 train/<wnid>/*.JPEG){hint}")
    listed = [path for path in entries(train) if not inputs.hidden(path.name)]  # listed once: 1000 folders, on NFS
    folders = [path for path in listed if path.is_dir()]
    strays = [folder for folder in folders if not wordnet.WNID.fullmatch(folder.name)]  # 'backup', 'n01440764 copy'
    folders = [folder for folder in folders if wordnet.WNID.fullmatch(folder.name)]
    packed = sorted(path.name for path in listed if path.suffix.lower() == ".tar" and path.is_file()
                    and wordnet.WNID.fullmatch(path.stem) and not (train / path.stem).is_dir())  # n01440764.tar;
    # not ILSVRC2012_img_train.tar, the archive of the class tars, which unpacking it in train/ leaves there
    if packed:  # ILSVRC2012_img_train.tar holds one tar per class: these would be classes missing without a word
        raise ds.DatasetError(f"{train}: {len(packed)} class archive(s) not unpacked: {a_few(packed)}: unpack each "
                              f"into its class folder, train/<wnid>/ (an unpacking interrupted?)")
    inputs.check_class_names(folders)
    _refuse_classes_unpacked_in_part(train, [folder.name for folder in folders])
    lost = [(link, reason) for link, reason in links_to_nothing(listed) if wordnet.WNID.fullmatch(link.name)]
    if lost:  # else a class missing without a word: 999 classes, and --val-labels' labels off by one after it
        more = f" (and {len(lost) - 1} more: {a_few([link.name for link, _ in lost[1:]], 3)})" if len(lost) > 1 else ""
        raise ds.DatasetError(f"{inputs.display_name(lost[0][0])}: {lost[0][1]}{more}: its class would be "
                              f"missing from the dataset; mount or restore it, or remove the link")
    wnids, hint = [folder.name for folder in folders], ""
    if strays and len(wnids) < 2:
        hint = (f", but {len(strays)} folder(s) not named as wnids ({a_few([path.name for path in strays], 3)}): "
                f"import a tree of your own class folders with 'minitransfer prepare folder'")
    elif not wnids:
        loose = _images_among(listed)
        hint = (f"; it holds {len(loose)} image file(s) itself ({a_few([path.name for path in loose], 3)}): each "
                f"class's belong in train/<wnid>/, where its tar unpacks" if loose else _packed_training_archive(train))
    check_two_classes(train, wnids, IMAGENET_LAYOUT, hint)
    left_out = [{"name": inputs.display_name(folder.name), "reason": NOT_A_WNID} for folder in strays]
    if left_out:  # before hours of decoding: the researcher may stop and move them
        stopping.warn(f"warning: {train}: {len(strays)} folder(s) not named as wnids (n + 8 digits) left out, not "
                      f"imported as classes: {a_few([path.name for path in strays])}")
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
        downloads.refuse_another(source, "imagenet")  # Tiny ImageNet's train/<wnid>/images/
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
        names = read_class_names(words_text, inputs.display_name(words), set(wnids))
    elif devkit is not None:
        names = {wnid: checked_name(official.words[wnid], official.meta, wnid) for wnid in wnids
                 if wnid in official.words}
    val_items = _validation_items(source / "val", val_files, labelled_by)
    classes = class_table(wnids, names, is_a)
    subsets = {"train": (train_items, train_labels, {}), "val": (val_items, val_label_list, {})}
    sizes, modified, states = examine([item.path for items, _, _ in subsets.values() for item in items], progress)
    note_listed_states(subsets, states)
    across = CopiesAcrossClasses(out, paths_by_class(subsets, wnids), sizes, modified,
                                 recorded_digests(None if overwrite else out, sizes, modified), progress)
    built = build_dataset(
        out,
        source=given,
        classes=classes, subsets=subsets, size=size, shard_length=shard_length, workers=workers, progress=progress,
        overwrite=overwrite, caches=across.caches, extra_meta={"excluded_classes": left_out} if left_out else None,
    )
    across.report(built.meta["skipped"])
    return built


def _own_class_folders(source, folders, out):
    """"; it holds folders ...: import them with prepare folder" where two or more of ``source``'s ``folders``
    (none a wnid, no train/) hold images (:func:`.folder_hints.first_loose_image`) and none is named as
    ILSVRC2012's val/, test/ or devkit: a tree of one's own class folders (photos/cat, photos/dog) given to prepare
    imagenet, which said only "photos/train: missing"; "" otherwise (an ILSVRC2012 tree holding val/ and
    ILSVRC2012_devkit_t12/ but no train/ was told to import them as classes)."""
    if any(name.casefold() in ("val", "test") or "devkit" in name.casefold() for name in folders) \
            or sum(first_loose_image(source / name) is not None for name in folders) < 2:
        return ""
    return (f"; {source} holds folders not named as wnids ({inputs.quoted(folders, 3)}): a folder of your own class "
            f"folders is imported with: minitransfer prepare folder {shlex.quote(str(source))} {shlex.quote(str(out))}")


def _packed_training_archive(folder):
    """"; it holds <tar>: unpack ..." when ``folder`` (SOURCE, or its train/ without class folders) holds tar
    archives: ILSVRC2012_img_train.tar not unpacked yet; "" otherwise."""
    tars = _tars(folder)
    return (f"; {inputs.display_name(folder)} holds {a_few(tars, 3)}: unpack the training archive "
            f"(ILSVRC2012_img_train.tar) into train/, then each class tar it holds into its folder, train/<wnid>/"
            if tars else "")


TARS_READ = 10  # class tars beside their folders read at most (those of the folders modified last)


def _class_names_text(words):
    """The text of the ``wnid names`` file ``words`` (--words); ``DatasetError`` naming it where it holds no line but
    blank ones: every class would be named by its wnid, the devkit's names dropped, without a word (an empty file
    has no meaning of its own: without --words the classes are named so)."""
    text = text_files.read_text(words, "class names file")
    if not text.strip():
        raise ds.DatasetError(f"{inputs.display_name(words)}: the class names file (--words) is empty (no 'wnid "
                              f"names' line): give the one that names the classes (words.txt, synset_words.txt), "
                              f"or leave --words out (the devkit's names, else the wnids)")
    return text


def _refuse_classes_unpacked_in_part(train, wnids):
    """``DatasetError`` naming the first class whose tar (``train/<wnid>.tar``, left beside its folder) holds an
    image file that its folder lacks or holds with another size: an unpacking interrupted, whose class would be
    imported with part of its images without a word. Only the tars' headers are read, not their images, and only
    the members the import reads: image files directly in the class folder (a tar's members may carry the prefix
    ``<wnid>/``, as some mirrors' do: they unpack into ``train/``).

    Which tars are read: all, where :data:`TARS_READ` or fewer lie beside their folders (the usual loop removes
    each tar once unpacked, so only the one it was cut short in is left). Where more are kept (reading all 1000
    took 1.28M headers and as many stats on every prepare), only those of the :data:`TARS_READ` folders modified
    last: the classes an unpacking was at when stopped. A class unpacked in part before others were unpacked
    whole goes unseen."""
    beside = [wnid for wnid in wnids if (train / f"{wnid}.tar").is_file()]
    if len(beside) > TARS_READ:
        beside = sorted(beside, key=lambda wnid: _modified(train / wnid), reverse=True)[:TARS_READ]
    for wnid in sorted(beside):
        tar, folder = train / f"{wnid}.tar", train / wnid
        try:
            with archives.reading_archive(tar), tarfile.open(tar) as archive:
                members = [(pathlib.PurePosixPath(member.name).parts, member.size) for member in archive
                           if member.isfile()]
        except schema.DatasetUnreadable:
            raise  # exit 74, saying to give read access
        except ds.DatasetError as error:  # damaged: it tells nothing, and the folder may be whole
            raise ds.DatasetError(f"{error}: it lies beside its class folder, whose files it would tell complete or "
                                  f"not; remove it if {wnid}/ is as it should be") from error
        prefixed = bool(members) and all(len(parts) > 1 and parts[0] == wnid for parts, _ in members)
        into = train if prefixed else folder
        read = [("/".join(parts), size) for parts, size in members
                if len(parts) == 1 + prefixed and _an_image(parts[-1])]  # deeper ones the import does not read
        lacking = [name for name, size in read if not _same_size(into / name, size)]
        if lacking:
            command = f"tar -xf {shlex.quote(inputs.display_name(tar))} -C {shlex.quote(inputs.display_name(into))}"
            raise ds.DatasetError(f"{inputs.display_name(folder)}: lacks {len(lacking)} of the {len(read)} image "
                                  f"files of {tar.name} beside it, or holds them cut short ({a_few(lacking, 3)}): an "
                                  f"unpacking interrupted? unpack it again ({command}), or remove the tar if the "
                                  f"folder is as it should be")


def _an_image(name):
    """Whether a file named ``name`` in a class folder is an image the import reads (by suffix, not hidden)."""
    return pathlib.PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES and not inputs.hidden(name)


def _modified(path):
    try:
        return path.stat().st_mtime_ns
    except OSError:  # gone since listed: the import says so
        return 0


def _same_size(path, size):
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _tars(folder):
    """The names of the tar archives directly in ``folder``, sorted (hidden ones left out)."""
    return sorted(path.name for path in folder.iterdir() if path.name.lower().endswith(".tar") and path.is_file()
                  and not inputs.hidden(path.name))


def _unpack_there(folder, tars):
    """"holds <tar>: unpack it there (tar -xf ...)": what to do about ``folder`` holding the archives
    ``tars`` (names) where its images belong."""
    command = f"tar -xf {shlex.quote(inputs.display_name(folder / tars[0]))} -C " \
              f"{shlex.quote(inputs.display_name(folder))}"
    return f"holds {a_few(tars, 3)}: unpack {'it' if len(tars) == 1 else 'each'} there " \
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
    for number, line in enumerate(text_files.read_text(val_labels, "validation label list").splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[1].lstrip("-").isdigit() or not 0 <= int(fields[1]) < len(wnids):
            raise ds.DatasetError(f"{val_labels}:{number}: expected '<file> <label in 0..{len(wnids) - 1}>', "
                                  f"got {line!r}")
        check_labelled_once(line_of, fields[0], val_labels, number)
        files.append(fields[0])
        labels.append(int(fields[1]))
    return files, labels


def _validation_items(val, files, labelled_by):
    """Items for ``val/<file>``; refuses a val/ folder that would be dropped in whole or in part, or cannot be
    labelled (``labelled_by``: the file of the labels, None without one)."""
    if not val.is_dir():
        packed = [name for name in _tars(val.parent) if "val" in name.lower()]  # ILSVRC2012_img_val.tar
        if packed:  # not imported as a train-only dataset, nor refused as "missing" without saying why
            into, tar = (shlex.quote(inputs.display_name(path)) for path in (val, val.parent / packed[0]))
            command = f"mkdir {into} && tar -xf {tar} -C {into}"
            labels = "" if labelled_by is not None else " and give its labels (--devkit DIR or --val-labels FILE)"
            raise ds.DatasetError(f"{val}: missing, but {inputs.display_name(val.parent)} holds {a_few(packed, 3)}: "
                                  f"unpack the validation archive into val/ ({command}){labels}, or move it away "
                                  f"for a train-only dataset")
        if labelled_by is not None:
            raise ds.DatasetError(f"{val}: missing (the labelled validation images should be there)")
        return []
    shown = [path for path in val.iterdir() if not inputs.hidden(path.name)]
    if any(path.is_dir() for path in shown):
        _refuse_a_folder_around(val, [path for path in shown if path.is_dir()], files, labelled_by)
        raise schema.ImportUsageError(f"{val} holds class folders: import this tree with 'minitransfer prepare folder' "
                                      f"(class order is the sorted folder names there too)")
    present = [path.name for path in shown if path.is_file()]
    if _tars(val) and not any(pathlib.PurePath(name).suffix.lower() in IMAGE_SUFFIXES for name in present):
        raise ds.DatasetError(f"{val}: no image file, but it {_unpack_there(val, _tars(val))}")
    if labelled_by is None:
        raise schema.ImportUsageError(f"{val} holds {len(present)} files but no labels were given: pass --devkit DIR "
                                      f"(the official ILSVRC2012 devkit folder) or --val-labels FILE, or move val/ "
                                      f"away for a train-only dataset")
    check_labelled(files, present, labelled_by, val)
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
                                      f"labels ({a_few(inside, 3)}), which belong directly in {val}: move them there "
                                      f"(the archive unpacked into a folder of its own?)")

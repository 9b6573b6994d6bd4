"""prepare on the archives and trees real downloads and tools make: a zip whose member names use
Windows' backslashes, a member stored twice (refused), an empty wnids.txt, the whole
training tar left beside the class folders; and a rerun that names the source another way."""

import io
import os
import stat
import tarfile
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from tar_files import write_pickle_tar

from minitransfer.cli import main
from minitransfer.data import dataset

WNIDS = ("n01440764", "n02084071")


def _invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def _tiny_files(image_bytes, wnids_text="n02084071\nn01440764\n"):
    """{member: bytes} of a tiny-imagenet-200 with 2 images a class (the red channel 10, 20 / 30, 40)
    and 2 validation images (red 200 of n02084071, 210 of n01440764)."""
    files = {f"train/{wnid}/images/{wnid}_{number}.JPEG": image_bytes((10 * (2 * index + number + 1), 9, 9), (16, 16))
             for index, wnid in enumerate(WNIDS) for number in range(2)}
    files.update({"wnids.txt": wnids_text.encode(), "words.txt": b"n01440764\ttench\nn02084071\tdog\n",
                  "val/val_annotations.txt": b"val_0.JPEG\tn02084071\t0\t0\t9\t9\nval_1.JPEG\tn01440764\t0\t0\t9\t9\n",
                  "val/images/val_0.JPEG": image_bytes((200, 9, 9), (16, 16)),
                  "val/images/val_1.JPEG": image_bytes((210, 9, 9), (16, 16))})
    return files


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def _tiny_members(files):
    """(member, bytes) pairs of the tiny-imagenet-200.zip holding ``files`` ({path in its folder: bytes})."""
    return [(f"tiny-imagenet-200/{name}", data) for name, data in files.items()]


def _reds(data, subset):
    images = data.images(subset, np.arange(data.num_images(subset)))
    return [int(round(float(image[..., 0].mean()))) for image in images]


def _prepare_tiny(source, out, *options):
    return _invoke("prepare", "tiny-imagenet", source, out, "--size", "12", "--workers", "0", *options)


def _imported(result, out):
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(out)
    assert [entry["name"] for entry in data.classes] == ["tench", "dog"]
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.labels("val").tolist() == [1, 0]
    assert data.meta["skipped"] == []
    return data


def _near(got, want):
    return all(abs(a - b) <= 3 for a, b in zip(got, want, strict=True))


def test_a_zip_whose_member_names_use_backslashes_imports_as_one_with_slashes(tmp_path, image_bytes):
    """Windows tools (PowerShell's Compress-Archive before .NET 4.6.1, among others) store
    "tiny-imagenet-200\\wnids.txt": it was refused as holding no wnids.txt."""
    files = _tiny_files(image_bytes)
    source = _zip(tmp_path / "tiny.zip", [(f"tiny-imagenet-200\\{name.replace('/', chr(92))}", data)
                                          for name, data in files.items()])
    data = _imported(_prepare_tiny(source, tmp_path / "out"), tmp_path / "out")
    assert _near(_reds(data, "train"), [10, 20, 30, 40]) and _near(_reds(data, "val"), [200, 210])


@pytest.mark.parametrize("twice", ["train/n01440764/images/n01440764_0.JPEG", "val/images/val_1.JPEG",
                                   "val/val_annotations.txt", "wnids.txt"])
def test_a_member_stored_twice_is_refused_naming_it(tmp_path, image_bytes, twice):
    """zipfile's append mode adds a second member of one name: it was imported as zipfile reads it (the last)
    without a word, a val_annotations.txt stored twice labelling the validation images by the second one; which
    copy is the download's is unknown (a download holds each member once)."""
    files = _tiny_files(image_bytes)
    members = _tiny_members(files)
    members.append((f"tiny-imagenet-200/{twice}", files[twice][::-1]))
    with pytest.warns(UserWarning, match="Duplicate name"):
        source = _zip(tmp_path / "tiny.zip", members)
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [
        f"error: bad data: {source}: 1 name(s) stored twice (two members of one name): tiny-imagenet-200/{twice}: "
        f"which copy is meant is unknown (a download holds each once): download tiny-imagenet-200.zip again"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("wnids_text", ["", "\r\n\n"], ids=["empty", "blank-lines"])
def test_a_wnids_txt_that_lists_no_class_is_bad_data_naming_it(tmp_path, image_bytes, wnids_text):
    """It was "no training image could be imported (see OUT/skipped.txt)", with an empty skipped.txt."""
    files = _tiny_files(image_bytes, wnids_text=wnids_text)
    files["val/val_annotations.txt"] = b""
    source = _zip(tmp_path / "tiny.zip", _tiny_members({name: data for name, data in files.items()
                                                        if not name.startswith("val/images/")}))
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"{source}:tiny-imagenet-200/wnids.txt: no wnids; wnids.txt must list the classes, one wnid a line " \
           f"(images in train/<wnid>/images/), two or more: a classifier tells classes apart" \
           in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("wnids_text", ["n01440764\n", "n01440764\nn01440764\n"], ids=["once", "twice"])
def test_a_wnids_txt_that_lists_one_class_is_bad_data_naming_it(tmp_path, image_bytes, wnids_text):
    """A Tiny ImageNet cut down to one class was imported (exit 0), a dataset no training can use: 'prepare
    folder' refuses a tree of one class, and this importer now says the same."""
    files = {name: data for name, data in _tiny_files(image_bytes, wnids_text=wnids_text).items()
             if not name.startswith(f"train/{WNIDS[1]}/") and name != "val/images/val_0.JPEG"}
    files["val/val_annotations.txt"] = b"val_1.JPEG\tn01440764\t0\t0\t9\t9\n"
    source = _zip(tmp_path / "tiny.zip", _tiny_members(files))
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"{source}:tiny-imagenet-200/wnids.txt: one wnid, 'n01440764'; wnids.txt must list the classes" \
           in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("source", ["zip", "folder"])
@pytest.mark.parametrize("fault", ["class-left-out", "class-replaced"])
def test_a_wnids_txt_that_is_not_the_trees_names_the_class_folders_it_lacks(tmp_path, image_bytes, write_files,
                                                                            source, fault):
    """A wnids.txt not listing a class folder of train/ left the class out (exit 0, a dataset of other classes than
    the download's), or blamed the download for a class without images."""
    files = _tiny_files(image_bytes, wnids_text="n02084071\n" + ("n09999999\n" if fault == "class-replaced" else ""))
    files.update({f"train/n03000000/images/n03000000_{number}.JPEG": image_bytes((99, 9, 9), (16, 16))
                  for number in range(2)})
    files["wnids.txt"] += b"n03000000\n"
    del files["val/images/val_1.JPEG"]  # n01440764's: the validation set holds the classes wnids.txt lists
    files["val/val_annotations.txt"] = b"val_0.JPEG\tn02084071\t0\t0\t9\t9\n"
    if source == "zip":
        given = _zip(tmp_path / "tiny.zip", _tiny_members(files))
        where, restore = f"{given}:tiny-imagenet-200/wnids.txt", "download tiny-imagenet-200.zip again"
    else:
        given = write_files(tmp_path / "tiny-imagenet-200", files)
        where, restore = given / "wnids.txt", "restore it from tiny-imagenet-200.zip"
    result = _prepare_tiny(given, tmp_path / "out")
    assert result.exit_code == 65, result.output
    also = "; it lists 1 without one: n09999999" if fault == "class-replaced" else ""
    assert result.output == (f"error: bad data: {where} does not list 1 class folder(s) of train/ that hold images: "
                             f"n01440764{also}: it is not this tree's wnids.txt (replaced or edited?): {restore} (to "
                             f"import some classes only, give their folders to 'minitransfer prepare folder')\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("encoding,where", [("utf-16", "byte 0: invalid start byte"),
                                             ("utf-16-le", "byte 1: a zero byte")], ids=["bom", "without-bom"])
def test_a_wnids_txt_in_the_zip_that_is_not_utf8_is_named_by_its_member(tmp_path, image_bytes, encoding, where):
    """It was "tiny.zip: wnids.txt: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"; then,
    without a byte-order mark (UTF-16 holding only ASCII is valid UTF-8, a zero byte after each letter), it was read
    as text and its classes refused as wnids full of NULs, not said to be UTF-16."""
    files = _tiny_files(image_bytes)
    files["wnids.txt"] = "n02084071\nn01440764\n".encode(encoding)
    source = _zip(tmp_path / "tiny.zip", _tiny_members(files))
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: {source}:tiny-imagenet-200/wnids.txt: wnids.txt is not UTF-8 text "
                             f"({where}; it looks like UTF-16): save it as UTF-8 (an editor's 'Save as' offers the "
                             f"encoding; or iconv -f UTF-16 -t UTF-8 FILE > NEW, then use NEW), or download "
                             f"tiny-imagenet-200.zip again\n")
    assert not (tmp_path / "out").exists()


def _imagenet_tree(root, image_bytes, write_files):
    """ILSVRC2012 unpacked: 2 classes x 2 training images, 2 validation images and their val.txt."""
    files = {f"train/{wnid}/{wnid}_{number}.JPEG": image_bytes((10 * (2 * index + number + 1), 9, 9), (16, 16))
             for index, wnid in enumerate(WNIDS) for number in range(2)}
    files.update({f"val/ILSVRC2012_val_0000000{number}.JPEG": image_bytes((200 + number, 9, 9), (16, 16))
                  for number in (1, 2)})
    write_files(root, files)
    labels = root.parent / "val.txt"
    labels.write_text("ILSVRC2012_val_00000001.JPEG 1\nILSVRC2012_val_00000002.JPEG 0\n")
    return root, labels


def test_the_training_archive_left_in_train_beside_its_unpacked_classes_is_not_a_class(tmp_path, image_bytes,
                                                                                       write_files):
    """The common recipe moves ILSVRC2012_img_train.tar into train/ and unpacks it there: left
    beside the class folders, it was refused as a class archive not unpacked."""
    root, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    (root / "train" / "ILSVRC2012_img_train.tar").write_bytes(b"\0" * 1024)
    result = _invoke("prepare", "imagenet", root, tmp_path / "out", "--val-labels", labels, "--size", "12",
                     "--workers", "0")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["wnid"] for entry in data.classes] == list(WNIDS)
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.labels("val").tolist() == [1, 0]


def _cifar100_archive(path):
    """cifar-100-python.tar.gz of 2 classes (one superclass each), 2 training and 2 test images."""
    rng = np.random.default_rng(0)
    parts = {"meta": {b"fine_label_names": [b"apple", b"bus"], b"coarse_label_names": [b"fruit", b"vehicles_1"]}}
    for name in ("train", "test"):
        parts[name] = {b"data": rng.integers(0, 256, (2, 3072), dtype=np.uint8), b"fine_labels": [0, 1],
                       b"coarse_labels": [0, 1]}
    return write_pickle_tar(path, "cifar-100-python", parts)


def _source(command, work, image_bytes, write_files):
    """(SOURCE, the files its options name: {option: path}) of ``command``, below ``work``."""
    if command == "folder":
        write_files(work / "photos", {f"{name}/{number}.png": image_bytes((40 * number, 9 * index, 9), kind="PNG")
                                      for index, name in enumerate(("cat", "bus")) for number in range(3)})
        (work / "families.txt").write_text("cat animal\nbus vehicle\n")
        return work / "photos", {"--families": work / "families.txt"}
    if command == "imagenet":
        root, labels = _imagenet_tree(work / "ILSVRC2012", image_bytes, write_files)
        return root, {"--val-labels": labels}
    if command == "tiny-imagenet":
        files = _tiny_files(image_bytes)
        return _zip(work / "tiny.zip", _tiny_members(files)), {}
    return _cifar100_archive(work / "cifar-100-python.tar.gz"), {}


@pytest.mark.parametrize("command", ["folder", "imagenet", "tiny-imagenet", "cifar100"])
def test_a_rerun_naming_the_source_another_way_finds_the_finished_import(tmp_path, monkeypatch, image_bytes,
                                                                          write_files, tree_state, command):
    """Imported from the data's folder with relative paths, then rerun (after a Ctrl-C, say) from
    elsewhere with absolute ones: it was refused as another source (exit 2), and with --overwrite
    decoded every image again (the shards' plans held the paths as typed)."""
    work = tmp_path / "work"
    work.mkdir()
    source, files = _source(command, work, image_bytes, write_files)
    monkeypatch.chdir(work)
    relative = [str(part) for option, path in files.items() for part in (option, path.relative_to(work))]
    first = _invoke("prepare", command, source.relative_to(work), "out", "--size", "12", "--workers", "0", *relative)
    assert first.exit_code == 0, first.output
    before = tree_state(work / "out")
    monkeypatch.chdir(tmp_path)
    absolute = [str(part) for option, path in files.items() for part in (option, path)]
    for overwrite in ([], ["--overwrite"]):
        again = _invoke("prepare", command, source, work / "out", "--size", "12", "--workers", "0", *absolute,
                        *overwrite)
        assert again.exit_code == 0, again.output
        assert tree_state(work / "out") == before  # nothing decoded or written again


def test_validation_images_unpacked_into_a_folder_inside_val_are_named_there(tmp_path, image_bytes, write_files):
    """val/ILSVRC2012_img_val/*.JPEG (an archive tool that makes a folder per archive): it was a
    usage error saying val/ holds class folders, to import with 'prepare folder'."""
    root, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    (root / "val" / "ILSVRC2012_img_val").mkdir()
    for path in sorted((root / "val").glob("*.JPEG")):
        path.rename(root / "val" / "ILSVRC2012_img_val" / path.name)
    result = _invoke("prepare", "imagenet", root, tmp_path / "out", "--val-labels", labels, "--size", "12",
                     "--workers", "0")
    assert result.exit_code == 65, result.output
    assert (f"{root}/val/ILSVRC2012_img_val: holds 2 of the files {labels} labels (ILSVRC2012_val_00000001.JPEG "
            f"ILSVRC2012_val_00000002.JPEG), which belong directly in {root}/val: move them there"
            in " ".join(result.output.split())), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["imagenet", "tiny-imagenet"])
def test_a_link_to_nowhere_or_a_fifo_named_like_an_image_is_listed_not_dropped(tmp_path, image_bytes, write_files,
                                                                               command):
    """A tree of links (a subset linked from a shared copy) whose target moved: the link was left out
    of the dataset without a word, where 'prepare folder' lists it in skipped.txt."""
    if command == "imagenet":
        root, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
        options, images = ["--val-labels", labels], ""
    else:
        root = write_files(tmp_path / "tiny-imagenet-200", _tiny_files(image_bytes))
        options, images = [], "images/"
    link, fifo = root / f"train/{WNIDS[0]}/{images}gone.JPEG", root / f"train/{WNIDS[1]}/{images}pipe.JPEG"
    link.symlink_to(tmp_path / "moved" / "gone.JPEG")
    os.mkfifo(fifo)
    result = _invoke("prepare", command, root, tmp_path / "out", "--size", "12", "--workers", "0", *options)
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("train").tolist() == [0, 0, 1, 1]
    assert [(entry["file"], entry["reason"].split(":")[0]) for entry in data.meta["skipped"]] == [
        (str(link), f"a link to {tmp_path}/moved/gone.JPEG, which does not exist (moved? on a drive not mounted?)"),
        (str(fifo), "not a regular file but a named pipe")]


@pytest.mark.parametrize("command", ["tiny-imagenet", "cifar100"])
def test_the_download_folder_given_for_the_archive_in_it_names_the_archive(tmp_path, image_bytes, command):
    """It said only that the folder was not the unpacked dataset."""
    downloads = tmp_path / "Downloads"
    downloads.mkdir()
    if command == "tiny-imagenet":
        archive = _zip(downloads / "tiny-imagenet-200.zip", _tiny_members(_tiny_files(image_bytes)))
    else:
        archive = _cifar100_archive(downloads / "cifar-100-python.tar.gz")
    result = _invoke("prepare", command, downloads, tmp_path / "out", "--size", "12", "--workers", "0")
    assert result.exit_code == 65, result.output
    assert f"; it holds {archive.name}: give the" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_the_train_folder_given_as_imagenets_source_is_named_as_such(tmp_path, image_bytes, write_files):
    """It said only that SOURCE/train was missing."""
    root, _ = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    result = _invoke("prepare", "imagenet", root / "train", tmp_path / "out", "--size", "12", "--workers", "0")
    assert result.exit_code == 65, result.output
    assert (f"{root}/train/train: missing (expected ILSVRC2012 train/<wnid>/*.JPEG); {root}/train holds class "
            f"folders ({' '.join(WNIDS)}) itself: give the folder that holds train/" in " ".join(result.output.split()))
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


@pytest.mark.parametrize("where", ["folder", "zip"])
def test_an_input_repaired_in_place_is_decoded_again_on_the_rerun(tmp_path, image_bytes, write_files, where):
    """A truncated photo fixed, or an archive downloaded again, under the same name: the rerun (the
    same command) reused the finished shard, the image still skipped, for shards' plans named the
    inputs only."""
    good = image_bytes((120, 9, 9), (16, 16))  # red 120: no other image's
    broken = good[: len(good) // 3]
    if where == "folder":
        files = {f"photos/train/{name}/{number}.png": image_bytes((10 * number + 10, 9, 9), (16, 16), kind="PNG")
                 for name in ("cat", "dog") for number in range(2)}
        write_files(tmp_path, {**files, "photos/train/dog/late.jpg": broken})
        command = ("prepare", "folder", tmp_path / "photos", tmp_path / "out", "--size", "12", "--workers", "0",
                   "--val-fraction", "0.25")
        repair = lambda: (tmp_path / "photos/train/dog/late.jpg").write_bytes(good)  # noqa: E731
    else:
        members = _tiny_files(image_bytes)
        damaged = f"train/{WNIDS[1]}/images/{WNIDS[1]}_1.JPEG"
        members[damaged] = good
        _zip(tmp_path / "tiny.zip", [(f"tiny-imagenet-200/{name}", broken if name == damaged else data)
                                     for name, data in members.items()])
        command = ("prepare", "tiny-imagenet", tmp_path / "tiny.zip", tmp_path / "out", "--size", "12",
                   "--workers", "0")
        repair = lambda: _zip(tmp_path / "tiny.zip", _tiny_members(members))  # noqa: E731
    first = _invoke(*command)
    assert first.exit_code == 0, first.output
    assert len(dataset.open_dataset(tmp_path / "out").meta["skipped"]) == 1
    repair()
    rerun = _invoke(*command)
    assert rerun.exit_code == 0, rerun.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.meta["skipped"] == [] and any(abs(red - 120) <= 2 for red in _reds(data, "train") + _reds(data, "val"))


def _zip_link(name, target):
    """A zip member that is a symbolic link to ``target``, as ``zip -y`` stores one."""
    info = zipfile.ZipInfo(name)
    info.create_system, info.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    return info, target


def test_a_symbolic_link_stored_in_a_zip_is_listed_as_a_link(tmp_path, image_bytes):
    """``zip -y`` (and macOS's Archive Utility) store a link as its target's path: it was listed as
    "UnidentifiedImageError: not an image"."""
    members = _tiny_members(_tiny_files(image_bytes))
    members.append(_zip_link(f"tiny-imagenet-200/train/{WNIDS[0]}/images/copy.JPEG", f"{WNIDS[0]}_0.JPEG"))
    source = _zip(tmp_path / "tiny.zip", members)
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.labels("val").tolist() == [1, 0]
    assert data.meta["skipped"] == [{"file": f"{source}:tiny-imagenet-200/train/{WNIDS[0]}/images/copy.JPEG",
                                     "reason": f"a symbolic link inside the archive (to {WNIDS[0]}_0.JPEG): not "
                                               f"followed (unpack the archive and import the folder to import what "
                                               f"it points to)", "subset": "train", "class": WNIDS[0]}]


def test_a_text_file_stored_in_a_zip_as_a_link_is_named_as_one(tmp_path, image_bytes):
    """Its target's path was read as the file's text (here: a class list of one wnid, the path)."""
    members = [(f"tiny-imagenet-200/{name}", data) for name, data in _tiny_files(image_bytes).items()
               if name != "wnids.txt"]
    members.append(_zip_link("tiny-imagenet-200/wnids.txt", "../lists/wnids.txt"))
    result = _prepare_tiny(_zip(tmp_path / "tiny.zip", members), tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert ("tiny.zip:tiny-imagenet-200/wnids.txt: a symbolic link inside the archive (to ../lists/wnids.txt)"
            in " ".join(result.output.split())), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


SORTED_VAL = {"val-wnid": "val/{wnid}/{name}", "val-wnid-images": "val/{wnid}/images/{name}",
              "val-images-wnid": "val/images/{wnid}/{name}"}


def _sorted_tiny(image_bytes, layout, annotations=True):
    """{member: bytes} of :func:`_tiny_files` with val/ sorted into class folders as ``layout`` says."""
    wnid_of = {"val_0.JPEG": WNIDS[1], "val_1.JPEG": WNIDS[0]}
    files = {}
    for name, data in _tiny_files(image_bytes).items():
        if name.startswith("val/images/"):
            file = name.rsplit("/", 1)[1]
            name = SORTED_VAL[layout].format(wnid=wnid_of[file], name=file)
        if annotations or not name.endswith("val_annotations.txt"):
            files[name] = data
    return files


@pytest.mark.parametrize("annotations", [True, False], ids=["annotated", "no-annotations"])
@pytest.mark.parametrize("packed", [True, False], ids=["zip", "folder"])
@pytest.mark.parametrize("layout", sorted(SORTED_VAL))
def test_a_validation_set_sorted_into_class_folders_is_labelled_by_its_folders(tmp_path, image_bytes, write_files,
                                                                               layout, packed, annotations):
    """Sorting val/ into class folders is a common first step: it was refused as val/images/
    lacking the annotated files (or val_annotations.txt missing)."""
    files = _sorted_tiny(image_bytes, layout, annotations)
    source = (_zip(tmp_path / "tiny.zip", _tiny_members(files))
              if packed else write_files(tmp_path / "tiny-imagenet-200", files))
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("val").tolist() == [0, 1] and _near(_reds(data, "val"), [210, 200])
    assert data.meta["skipped"] == []


@pytest.mark.parametrize("fault", ["mislabelled", "half-sorted", "unknown-folder"])
def test_a_validation_set_sorted_wrongly_is_bad_data_saying_what_to_do(tmp_path, image_bytes, write_files, fault):
    files = _sorted_tiny(image_bytes, "val-wnid")
    if fault == "mislabelled":
        files[f"val/{WNIDS[0]}/val_0.JPEG"] = files.pop(f"val/{WNIDS[1]}/val_0.JPEG")
        expected = (f"val_annotations.txt labels 1 image(s) of another class than the folder that holds them: "
                    f"val/{WNIDS[0]}/val_0.JPEG")
    elif fault == "half-sorted":
        files["val/images/val_0.JPEG"] = files.pop(f"val/{WNIDS[1]}/val_0.JPEG")
        expected = "val: 1 image(s) directly in val/images/ (val/images/val_0.JPEG) beside 1 sorted into class folders"
    else:
        files["val/n09999999/val_0.JPEG"] = files.pop(f"val/{WNIDS[1]}/val_0.JPEG")
        expected = "val: 1 folder(s) not named after a class of wnids.txt: val/n09999999"
    result = _prepare_tiny(write_files(tmp_path / "tiny-imagenet-200", files), tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert expected in " ".join(result.output.split()), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_member_name_with_a_line_break_is_named_on_one_line(tmp_path, image_bytes):
    """A zip member's name may hold any character: a message naming its folder spanned two lines."""
    files = _tiny_files(image_bytes, wnids_text="")
    source = _zip(tmp_path / "tiny.zip", [(f"tiny\nimagenet/{name}", data) for name, data in files.items()])
    result = _prepare_tiny(source, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.strip().splitlines() == [
        f"error: bad data: {source}:tiny\\nimagenet/wnids.txt: no wnids; wnids.txt must list the classes, one wnid a "
        f"line (images in train/<wnid>/images/), two or more: a classifier tells classes apart"]


@pytest.mark.parametrize("kept", [0.5, 0.99, 0], ids=["half", "all-but-its-end", "empty"])
def test_a_tiny_imagenet_zip_cut_short_says_to_download_it_again(tmp_path, image_bytes, kept):
    """A download interrupted leaves a zip without its directory (at its end): the error said only "File is not a
    zip file" of what the researcher knows is one."""
    whole = _zip(tmp_path / "whole.zip", _tiny_members(_tiny_files(image_bytes))).read_bytes()
    cut = tmp_path / "tiny-imagenet-200.zip"
    cut.write_bytes(whole[:int(len(whole) * kept)])
    result = _prepare_tiny(cut, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [
        f"error: bad data: {cut}: not a readable zip archive (File is not a zip file): the download is incomplete or "
        f"damaged ({cut.stat().st_size} bytes): download tiny-imagenet-200.zip again (an unpacked tiny-imagenet-200 "
        f"folder may be given instead)"]


def test_another_kind_of_file_given_as_the_tiny_imagenet_zip_names_what_to_give(tmp_path):
    archive = tmp_path / "tiny-imagenet-200.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(tarfile.TarInfo("tiny-imagenet-200/wnids.txt"), io.BytesIO(b""))
    result = _prepare_tiny(archive, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.endswith("(File is not a zip file): give the tiny-imagenet-200.zip download, or the "
                                  "tiny-imagenet-200 folder it unpacks into\n")


def test_a_zip_member_failing_its_crc_says_to_download_the_zip_again(tmp_path, image_bytes):
    """A damaged member said "damaged archive (Bad CRC-32 ...)" and nothing of what to do."""
    path = _zip(tmp_path / "tiny-imagenet-200.zip", _tiny_members(_tiny_files(image_bytes)))
    raw = path.read_bytes()
    at = raw.index(b"n02084071\nn01440764\n")  # wnids.txt's data, stored as it is
    path.write_bytes(raw[:at] + b"n02084071\nn01440765\n" + raw[at + 20:])
    result = _prepare_tiny(path, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [
        f"error: bad data: {path}:tiny-imagenet-200/wnids.txt: damaged archive (Bad CRC-32 for file "
        f"'tiny-imagenet-200/wnids.txt'): the download is incomplete or damaged ({len(raw)} bytes): download "
        f"tiny-imagenet-200.zip again"]


def test_a_class_tar_unpacked_in_part_beside_its_folder_is_refused_naming_both(tmp_path, image_bytes, write_files,
                                                                               tree_state):
    """The usual loop unpacks each class tar into train/<wnid>/ and then removes it: stopped in the middle of a
    class, it left the tar beside a folder holding part of its images, and that class was imported with them only,
    without a word. Unpacked whole (the tar kept), the class imports with every image."""
    root, labels = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    folder = root / "train" / WNIDS[0]
    with tarfile.open(root / "train" / f"{WNIDS[0]}.tar", "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.add(path, arcname=path.name)
    independent = sorted(tarfile.open(root / "train" / f"{WNIDS[0]}.tar").getnames())
    (folder / independent[1]).unlink()
    arguments = ["prepare", "imagenet", root, tmp_path / "out", "--val-labels", labels, "--size", "12",
                 "--workers", "0"]
    before = tree_state(tmp_path)
    result = _invoke(*arguments)
    assert result.exit_code == 65, result.output
    assert (f"{folder}: lacks 1 of the 2 image files of {WNIDS[0]}.tar beside it, or holds them cut short "
            f"({independent[1]}): an unpacking interrupted?") in " ".join(result.output.split())
    assert "Traceback" not in result.output and tree_state(tmp_path) == before
    tarfile.open(root / "train" / f"{WNIDS[0]}.tar").extractall(folder)
    result = _invoke(*arguments)
    assert result.exit_code == 0, result.output
    assert dataset.open_dataset(tmp_path / "out").labels("train").tolist() == [0, 0, 1, 1]

"""prepare (folder, imagenet, tiny-imagenet) and splits on the trees researchers bring: links that
give one image two labels or put it in train and val, names macOS writes decomposed, names with
spaces or control characters, macOS's hidden files and __MACOSX folders, classes without
validation images, and the splits options that do not apply."""

import os
import re
import unicodedata
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset, folder, held_out, shard_format

CAFE_COMPOSED = "caf\u00e9"
CAFE_DECOMPOSED = unicodedata.normalize("NFD", CAFE_COMPOSED)


def _invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def _prepare_folder(source, out, *options):
    return _invoke("prepare", "folder", source, out, "--size", "12", "--workers", "0", *options)


def _classes(root, image_bytes, write_files, counts, first_colour=0):
    """``root/<class>/NN.png`` for {class: count}, every image its own colour (red = its number)."""
    return write_files(root, {f"{name}/{number:02d}.png":
                              image_bytes((first_colour + number, 9 * index, 100), kind="PNG")
                              for index, (name, count) in enumerate(counts.items()) for number in range(count)})


def _reds(data, subset):
    images = data.images(subset, np.arange(data.num_images(subset)))
    return [int(round(float(image[..., 0].mean()))) for image in images]


def _refused(result, message, tmp_path):
    assert result.exit_code == 65, result.output
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_a_class_folder_linked_to_another_class_is_bad_data_naming_both(tmp_path, image_bytes, write_files):
    root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 2, "dog": 2})
    (root / "kitty").symlink_to("cat")  # the same images under a second label
    _refused(_prepare_folder(root, tmp_path / "out"),
             r"kitty/00.png \(class 'kitty'\) is the same file as .*/cat/00.png \(class 'cat'\), through a link: an "
             r"image has one class", tmp_path)


@pytest.mark.parametrize("link", ["folder-symlink", "file-hardlink"])
def test_a_validation_image_that_is_a_training_image_through_a_link_is_bad_data(tmp_path, image_bytes, write_files,
                                                                                 link):
    root = _classes(tmp_path / "src" / "train", image_bytes, write_files, {"cat": 2, "dog": 2}).parent
    write_files(root, {"val/dog/v.png": image_bytes((7, 7, 7), kind="PNG")})
    if link == "folder-symlink":
        (root / "val" / "cat").symlink_to(root / "train" / "cat")
    else:
        (root / "val" / "cat").mkdir()
        os.link(root / "train" / "cat" / "00.png", root / "val" / "cat" / "00.png")
    _refused(_prepare_folder(root, tmp_path / "out"),
             r"val/cat/00.png \(validation\) is the same file as .*train/cat/00.png \(training\), through a link: a "
             r"validation image must not be a training image", tmp_path)


def test_links_to_one_file_stay_on_one_side_of_the_held_out_split(tmp_path, image_bytes, write_files):
    root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 6, "dog": 6})
    for number in range(6):  # every file reached twice: a held-out choice over paths would leak about half
        (root / "cat" / f"link-{number}.png").symlink_to(f"{number:02d}.png")
        os.link(root / "dog" / f"{number:02d}.png", root / "dog" / f"hard-{number}.png")
    result = _prepare_folder(root, tmp_path / "out", "--val-fraction", "0.5")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    for label in (0, 1):
        train = [red for red, own in zip(_reds(data, "train"), data.labels("train")) if own == label]
        val = [red for red, own in zip(_reds(data, "val"), data.labels("val")) if own == label]
        assert len(train) == len(val) == 6 and not set(train) & set(val), (label, train, val)
        assert sorted(set(train) | set(val)) == list(range(6))


def test_a_val_folder_named_in_the_other_unicode_form_is_its_train_class(tmp_path, image_bytes, write_files):
    """A val/ copied from a Mac spells "café" decomposed; the train/ folder and the families file
    spell it composed (or the other way round): one class, named as train/ names it."""
    root = tmp_path / "src"
    _classes(root / "train", image_bytes, write_files, {CAFE_COMPOSED: 2, "dog": 2})
    write_files(root, {f"val/{CAFE_DECOMPOSED}/v.png": image_bytes((50, 0, 0), kind="PNG"),
                       "val/dog/v.png": image_bytes((60, 0, 0), kind="PNG")})
    (tmp_path / "families.txt").write_text(f"{CAFE_DECOMPOSED} drink\ndog animal\n")
    result = _prepare_folder(root, tmp_path / "out", "--families", tmp_path / "families.txt", "--family-a",
                             unicodedata.normalize("NFD", "drink"))
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [(entry["name"], entry["family"]) for entry in data.classes] == [(CAFE_COMPOSED, "drink"), ("dog", "animal")]
    assert data.labels("val").tolist() == [0, 1] and data.meta["family_a"] == "drink"


def test_a_family_a_typed_decomposed_reruns_writing_nothing(tmp_path, image_bytes, write_files, tree_state):
    """--family-a pasted from a macOS name ("café", e + U+0301) is recorded composed; the rerun's check
    of its source before the listing compared it as typed and refused the same command as "other
    options (--family-a 'café', now 'café')"."""
    root = _classes(tmp_path / "src", image_bytes, write_files, {"espresso": 2, "dog": 2})
    (tmp_path / "families.txt").write_text(f"espresso {CAFE_COMPOSED}\ndog animal\n")
    options = ("--families", tmp_path / "families.txt", "--family-a", CAFE_DECOMPOSED, "--val-fraction", "0.5")
    assert _prepare_folder(root, tmp_path / "out", *options).exit_code == 0
    before = tree_state(tmp_path / "out")
    again = _prepare_folder(root, tmp_path / "out", *options)
    assert again.exit_code == 0, again.output
    assert tree_state(tmp_path / "out") == before


def test_a_tree_named_decomposed_and_the_same_tree_named_composed_are_one_dataset(tmp_path, image_bytes,
                                                                                   write_files):
    """macOS writes "élan" decomposed (e + U+0301), which sorts before "fox"; typed on Linux it is
    composed (U+00E9), which sorts after "zebra". The two trees gave other labels, other held-out
    images and other class names, so a base trained on one was, on the other, another dataset."""
    prepared = []
    for form in ("NFD", "NFC"):
        names = {unicodedata.normalize(form, "\u00e9lan"): 5, "fox": 5, "zebra": 5}
        root = _classes(tmp_path / f"src-{form}", image_bytes, write_files, names)
        assert _prepare_folder(root, tmp_path / form, "--val-fraction", "0.4").exit_code == 0
        prepared.append(dataset.open_dataset(tmp_path / form))
    decomposed, composed = prepared
    assert [entry["name"] for entry in decomposed.classes] == ["fox", "zebra", "\u00e9lan"]
    assert decomposed.meta["classes"] == composed.meta["classes"]
    for subset in shard_format.SUBSETS:
        assert decomposed.labels(subset).tolist() == composed.labels(subset).tolist()
        assert _reds(decomposed, subset) == _reds(composed, subset)


def test_a_dataset_that_recorded_decomposed_class_names_reruns_writing_nothing(tmp_path, image_bytes, write_files,
                                                                                tree_state, monkeypatch):
    """One prepared before class names were composed keeps its names, labels and fingerprint (until
    --overwrite replaces it)."""
    root = _classes(tmp_path / "src", image_bytes, write_files, {unicodedata.normalize("NFD", "\u00e9lan"): 3,
                                                                  "fox": 3})
    with monkeypatch.context() as older:  # as names were stored before: as the folders spell them
        older.setattr(folder, "class_names", lambda folders, out: {path.name: path for path in folders})
        assert _prepare_folder(root, tmp_path / "out").exit_code == 0
    before = tree_state(tmp_path / "out")
    assert _prepare_folder(root, tmp_path / "out").exit_code == 0
    assert tree_state(tmp_path / "out") == before
    assert [entry["name"] for entry in dataset.open_dataset(tmp_path / "out").classes] == [
        unicodedata.normalize("NFD", "\u00e9lan"), "fox"]
    assert _prepare_folder(root, tmp_path / "out", "--overwrite").exit_code == 0  # replaced: as a new one names them
    assert [entry["name"] for entry in dataset.open_dataset(tmp_path / "out").classes] == ["fox", "\u00e9lan"]


@pytest.mark.parametrize("unreadable", ["dog", "dog/more"])
def test_a_folder_that_cannot_be_listed_is_an_io_error_naming_it(tmp_path, image_bytes, write_files, monkeypatch,
                                                                 unreadable):
    """A folder without read permission (or on a failing drive): its images were left out without a
    word (a class folder: "left out class 'dog': no files", as if it were empty), exit 0."""
    root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 2, "dog": 2})
    write_files(root, {"dog/more/02.png": image_bytes((2, 9, 100), kind="PNG")})
    listing, refused = os.scandir, str(root / unreadable)

    def scandir(path="."):
        if os.fspath(path) == refused:  # chmod 000 does not stop root, who runs these tests in containers
            raise PermissionError(13, "Permission denied", refused)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 74 and result.output.endswith(
        f"error: I/O: {refused}: a folder of SOURCE that this user may not list (permission denied), so its images "
        f"cannot be imported: give read access to it (chmod -R a+rX) or move it out of SOURCE, and rerun\n"), \
        result.output
    assert not (tmp_path / "out" / shard_format.META_FILE).exists()


def test_class_folders_that_are_one_name_in_two_unicode_forms_are_bad_data(tmp_path, image_bytes, write_files):
    root = _classes(tmp_path / "src", image_bytes, write_files, {CAFE_COMPOSED: 2, CAFE_DECOMPOSED: 2, "dog": 2})
    _refused(_prepare_folder(root, tmp_path / "out"),
             "the class folders .* have one name, written in two Unicode forms", tmp_path)


def test_a_families_file_names_folders_whose_names_end_in_spaces(tmp_path, image_bytes, write_files):
    root = _classes(tmp_path / "src", image_bytes, write_files, {" cat ": 2, "dog": 2})
    (tmp_path / "two.txt").write_bytes(b"\xef\xbb\xbfcat\tanimal\r\n  dog   vehicle \r\n")  # BOM, CRLF, tabs
    result = _prepare_folder(root, tmp_path / "out", "--families", tmp_path / "two.txt")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [(entry["name"], entry["family"]) for entry in data.classes] == [(" cat ", "animal"), ("dog", "vehicle")]
    write_files(root, {"cat/00.png": image_bytes((1, 2, 3), kind="PNG")})  # now "cat" could be either folder
    _refused(_prepare_folder(root, tmp_path / "out-2", "--families", tmp_path / "two.txt"),
             r"two.txt:1: 'cat' names the class folders ' cat ', 'cat', which differ only in spaces",
             tmp_path / "out-2")


def test_a_families_file_that_misspells_a_class_by_case_points_to_the_folder(tmp_path, image_bytes, write_files):
    root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 2, "dog": 2})
    (tmp_path / "families.txt").write_text("Cat animal\ndog vehicle\nhorse animal\n")
    _refused(_prepare_folder(root, tmp_path / "out", "--families", tmp_path / "families.txt"),
             r"families.txt: 2 class\(es\) that are not class folders of .*: 'Cat' \(the folder 'cat'\?\), 'horse'",
             tmp_path)


@pytest.mark.parametrize("name", ["bad\nname", "tab\there", "bell\x07", "csi\x9b"],
                         ids=["newline", "tab", "bell", "c1"])
def test_a_class_folder_name_with_a_control_character_is_bad_data(tmp_path, image_bytes, write_files, name):
    """A C1 control (U+009B: an escape sequence's start to some terminals) is escaped as \\u009b, not
    as \\x9b, which names a byte that is not UTF-8."""
    root = _classes(tmp_path / "src", image_bytes, write_files, {name: 2, "dog": 2})
    _refused(_prepare_folder(root, tmp_path / "out"),
             r"src/(bad\\nname|tab\\there|bell\\x07|csi\\u009b): a class folder's name must not hold a control "
             r"character", tmp_path)


APPLE_DOUBLE = b"\x00\x05\x16\x07" + bytes(78)  # the header of a ._ resource-fork file


@pytest.mark.parametrize("layout", ["train-val", "flat"])
def test_a_macos_zips_forks_folder_is_neither_a_class_nor_an_ambiguous_layout(tmp_path, image_bytes, write_files,
                                                                               layout):
    root = tmp_path / "src"
    base = root / "train" if layout == "train-val" else root
    _classes(base, image_bytes, write_files, {"cat": 2, "dog": 2})
    if layout == "train-val":
        _classes(root / "val", image_bytes, write_files, {"cat": 1, "dog": 1}, first_colour=50)
    write_files(root, {"__MACOSX/train/cat/._00.png": APPLE_DOUBLE, "__MACOSX/._train": APPLE_DOUBLE,
                       "cat/__MACOSX/._x.png" if layout == "flat" else "train/cat/__MACOSX/._x.png": APPLE_DOUBLE})
    result = _prepare_folder(root, tmp_path / "out", *(["--val-fraction", "0"] if layout == "flat" else []))
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["name"] for entry in data.classes] == ["cat", "dog"]
    assert data.meta["excluded_classes"] == [] and data.meta["skipped"] == []


def _imagenet_tree(root, image_bytes, write_files):
    """ILSVRC2012's layout with what macOS and Jupyter leave in it: ._ files, .DS_Store, hidden folders."""
    files = {f"train/{wnid}/{wnid}_{number}.JPEG": image_bytes((40 * number, 9, 9))
             for wnid in ("n01440764", "n03000134") for number in range(2)}
    files.update({"val/ILSVRC2012_val_00000001.JPEG": image_bytes((99, 9, 9)), "train/n01440764/._n01440764_0.JPEG":
                  APPLE_DOUBLE, "train/.ipynb_checkpoints/notes.txt": b"x", "val/._ILSVRC2012_val_00000001.JPEG":
                  APPLE_DOUBLE, "val/.DS_Store": b"x", "val/.ipynb_checkpoints/notes.txt": b"x"})
    write_files(root, files)
    (root.parent / "val.txt").write_text("ILSVRC2012_val_00000001.JPEG 1\n")
    return root


def test_imagenet_passes_over_hidden_folders_and_macos_files(tmp_path, image_bytes, write_files):
    root = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    options = ["--size", "12", "--workers", "0"]
    result = _invoke("prepare", "imagenet", root, tmp_path / "out", "--val-labels", tmp_path / "val.txt", *options)
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert [entry["wnid"] for entry in data.classes] == ["n01440764", "n03000134"]
    assert data.meta["skipped"] == [] and data.labels("val").tolist() == [1]
    unlabelled = _invoke("prepare", "imagenet", root, tmp_path / "out-2", *options)
    assert unlabelled.exit_code == 2 and "val holds 1 files but no labels were given" in unlabelled.output


def _tiny_tree(root, image_bytes, write_files, wnids=("n01440764", "n02084071")):
    files = {f"tiny-imagenet-200/train/{wnid}/images/{wnid}_{number}.JPEG": image_bytes((40 * number, 9, 9), (64, 64))
             for wnid in ("n01440764", "n02084071") for number in range(2)}
    files.update({"tiny-imagenet-200/wnids.txt": "".join(f"{wnid}\r\n" for wnid in wnids).encode(),
                  "tiny-imagenet-200/val/images/val_0.JPEG": image_bytes((99, 9, 9), (64, 64)),
                  "tiny-imagenet-200/val/val_annotations.txt": b"val_0.JPEG\tn02084071\t0\t0\t63\t63\n",
                  "tiny-imagenet-200/train/n01440764/images/._n01440764_0.JPEG": APPLE_DOUBLE})
    return write_files(root, files)


def _zip(folder, path, extra=()):
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
        for name, data in extra:
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_tiny_imagenet_made_on_a_mac_imports_without_its_forks(tmp_path, image_bytes, write_files, form):
    """A Mac's zip of the folder's contents holds __MACOSX/._wnids.txt, a shorter path than the
    real wnids.txt; a copy through a FAT disk leaves ._ files beside the images."""
    root = _tiny_tree(tmp_path / "unpacked", image_bytes, write_files)
    if form == "zip":
        source = _zip(root, tmp_path / "tiny.zip", [("__MACOSX/._wnids.txt", APPLE_DOUBLE)])
    else:
        source = root / "tiny-imagenet-200"
    result = _invoke("prepare", "tiny-imagenet", source, tmp_path / "out", "--size", "12", "--workers", "0")
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.labels("train").tolist() == [0, 0, 1, 1] and data.meta["skipped"] == []


def test_a_tiny_imagenet_class_without_training_images_is_named_before_decoding(tmp_path, image_bytes, write_files,
                                                                                monkeypatch):
    from minitransfer.data import build
    root = _tiny_tree(tmp_path / "unpacked", image_bytes, write_files, wnids=("n01440764", "n02084071", "n09999999"))
    monkeypatch.setattr(build, "build_dataset", lambda *args, **kwargs: pytest.fail("decoding started"))
    result = _invoke("prepare", "tiny-imagenet", root, tmp_path / "out", "--size", "12", "--workers", "0")
    _refused(result, r"wnids.txt lists 1 class\(es\) without an image in train/<wnid>/images/: n09999999", tmp_path)


@pytest.mark.parametrize("args,message", [
    (["random", "--per-class-seed", "3"], "Invalid value for --per-class-seed: it chooses the images --per-class N "
                                          "keeps: give --per-class too"),
    (["random", "--is-a", "IS_A"], "Invalid value for --is-a: it gives the families of the natural split, and the "
                                   "random split has none"),
    (["all", "--is-a", "IS_A"], "the all split has none: leave --is-a out"),
], ids=["per-class-seed-alone", "is-a-random", "is-a-all"])
def test_splits_refuses_options_that_would_be_ignored(tiny_synthetic, tmp_path, args, message):
    (tmp_path / "is_a.txt").write_text("n00004475 n01440764\n")
    result = _invoke("splits", tiny_synthetic, *[str(tmp_path / "is_a.txt") if arg == "IS_A" else arg for arg in args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output


def test_make_half_refuses_a_per_class_seed_without_per_class(tiny_synthetic):
    from minitransfer.data import splits
    with pytest.raises(ValueError, match="per_class_seed chooses the images per_class keeps of each class, and "
                                         "per_class is None: give per_class too"):
        splits.make_half(dataset.open_dataset(tiny_synthetic), "all", per_class_seed=3)


def test_splits_help_says_how_train_chooses_the_per_class_images():
    result = _invoke("splits", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "as 'train --per-class N' chooses them with its --seed (default: 0, train's --seed default" in text
    assert "as the original" not in text


@pytest.mark.parametrize("layout", ["held-out", "val-folder"])
def test_classes_without_a_validation_image_are_named_in_a_note(tmp_path, image_bytes, write_files, layout):
    if layout == "held-out":  # a class of one image keeps it for training
        root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 4, "dog": 1, "owl": 4})
    else:  # val/dog is empty, val/owl missing
        root = _classes(tmp_path / "src" / "train", image_bytes, write_files, {"cat": 2, "dog": 2, "owl": 2}).parent
        _classes(root / "val", image_bytes, write_files, {"cat": 1}, first_colour=50)
        (root / "val" / "dog").mkdir()
    result = _prepare_folder(root, tmp_path / "out")
    assert result.exit_code == 0, result.output
    expected = "'dog'" if layout == "held-out" else "'dog', 'owl'"
    count = expected.count("'") // 2
    assert (f"note: {count} class(es) have no validation image, so validation accuracy says nothing about them: "
            f"{expected} (") in result.output
    write_files(root, {"dog/01.png" if layout == "held-out" else "val/dog/v.png": image_bytes((5, 5, 5), kind="PNG"),
                       **({} if layout == "held-out" else {"val/owl/v.png": image_bytes((6, 6, 6), kind="PNG")})})
    every = _prepare_folder(root, tmp_path / "every")
    assert every.exit_code == 0 and "no validation image" not in every.output, every.output


@pytest.mark.parametrize("fault", ["held-out-undecodable", "val-undecodable", "val-copy-of-training"])
def test_a_class_whose_validation_images_were_skipped_is_noted_so(tmp_path, image_bytes, write_files, fault):
    """The note said 'held-out validation takes images only from classes of two or more' of a class of
    two whose held-out image failed to decode: the class had one; it lies in skipped.txt."""
    src, options = tmp_path / "src", []
    if fault == "held-out-undecodable":
        _classes(src, image_bytes, write_files, {"cat": 2, "dog": 4})
        (src / "cat" / "01.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")  # a PNG cut short
        paths = [str(src / "cat" / name) for name in ("00.png", "01.png")]
        seed = next(seed for seed in range(50)
                    if held_out.hold_out({"cat": paths}, 0.1, seed, {})[1]["cat"] == paths[1:])
        options = ["--seed", seed]
    else:
        _classes(src / "train", image_bytes, write_files, {"cat": 2, "dog": 2})
        _classes(src / "val", image_bytes, write_files, {"dog": 1}, first_colour=50)
        damaged = b"\x89PNG truncated" if fault == "val-undecodable" else \
            (src / "train" / "dog" / "00.png").read_bytes()
        write_files(src, {"val/cat/v.png": damaged})
    result = _prepare_folder(src, tmp_path / "out", *options)
    assert result.exit_code == 0, result.output
    why = ("the files picked for validation could not be decoded (validation files are picked before decoding; "
           "delete or replace the damaged ones and rerun; listed in" if fault == "held-out-undecodable" else
           "their validation images could not be imported: they are listed in")
    assert (f"note: 1 class(es) have no validation image, so validation accuracy says nothing about them: 'cat' "
            f"({why} {tmp_path / 'out' / 'skipped.txt'}" in " ".join(result.output.split()))
    assert "classes of two or more" not in result.output


@pytest.mark.parametrize("command", ["folder", "synthetic", "synthetic --overwrite"])
def test_an_out_holding_other_files_than_a_datasets_is_refused_before_anything_is_written(tmp_path, image_bytes,
                                                                                       write_files, command):
    """`prepare folder photos ~` wrote the dataset among the home folder's files and removed those
    named like shards: an OUT without meta.json may hold only what an import writes."""
    root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 2, "dog": 2})
    home = write_files(tmp_path / "home", {"notes.txt": b"mine", "train-00007.h5": b"mine too", ".bashrc": b"",
                                          "photos/a.png": image_bytes((1, 2, 3), kind="PNG")})
    before = sorted(os.listdir(home))
    kind, *options = command.split()
    args = [kind, root, home, "--size", "12", "--workers", "0"] if kind == "folder" else [kind, home, *options]
    result = _invoke("prepare", *args)
    assert result.exit_code == 2, result.output
    assert result.output.endswith(f"OUT {home} holds files that are not a dataset's ('notes.txt', 'photos'): "
                                  f"an import writes its shards, meta.json and mean.h5 into OUT; "
                                  f"choose a new or empty folder\n"), result.output
    assert sorted(os.listdir(home)) == before and (home / "train-00007.h5").read_bytes() == b"mine too"


def test_an_interrupted_imports_out_and_hidden_files_are_not_other_files(tmp_path, image_bytes, write_files):
    """What an interrupted import leaves (a shard, its lock, a temporary, skipped.txt) and a .DS_Store do
    not make OUT a folder of other files: the rerun finishes the dataset."""
    root = _classes(tmp_path / "src", image_bytes, write_files, {"cat": 2, "dog": 2})
    out = tmp_path / "out"
    assert _prepare_folder(root, out).exit_code == 0
    (out / shard_format.META_FILE).unlink()  # as an import killed before its last step leaves it
    write_files(out, {".DS_Store": b"", "lock": b"", ".mean.h5.tmp-99999999": b"", "train-00009.h5": b"x"})
    result = _prepare_folder(root, out)
    assert result.exit_code == 0, result.output
    assert (out / shard_format.META_FILE).is_file() and not (out / "train-00009.h5").exists()

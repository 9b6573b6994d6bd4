"""Each importer's refusal of its arguments is a MinitransferError (an ImportUsageError, still a ValueError: exit
code 2 on the command line, said as before), in one line and before anything is written in OUT. They were plain
ValueErrors, which ``except MinitransferError`` let through, and ``size=0`` a ZeroDivisionError (the shard length
reckoned before the size was checked). The sources are tiny but real, so that each refusal is the argument's, not
the source's; the messages are written out here, as a researcher reads them."""

import json
import zipfile

import numpy as np
import pytest
from tar_files import write_pickle_tar

from minitransfer.config_checks import ConfigError
from minitransfer.data import build, cifar, folder, importers, same_origin, synthetic
from minitransfer.data.schema import ImportUsageError
from minitransfer.errors import MinitransferError

CAT, DOG = "n02123045", "n02084071"


def _tree(tmp_path, write_files, image_bytes):
    """A class-folder tree with train/ and val/."""
    return write_files(tmp_path / "photos", {f"{part}/{name}/{number}.png": image_bytes((number, blue, 9), kind="PNG")
                                             for part in ("train", "val") for name, blue in (("cat", 9), ("dog", 200))
                                             for number in range(2)})


def _imagenet(tmp_path, write_files, image_bytes, val_files=()):
    """An ILSVRC2012 tree: two classes of two images, and ``val_files`` in val/."""
    return write_files(tmp_path / "ilsvrc", {**{f"train/{wnid}/{wnid}_{number}.JPEG": image_bytes((number, 9, 9))
                                                for wnid in (CAT, DOG) for number in range(2)},
                                             **{f"val/{name}": image_bytes((9, 9, 9)) for name in val_files}})


def _batch(count, key):
    return {b"data": np.full((count, 3072), 7, dtype=np.uint8), key: (np.arange(count) % 10).tolist()}


def _cifar10(tmp_path, *_):
    parts = {"batches.meta": {b"label_names": [name.encode() for name in cifar.CIFAR10_CLASSES]},
             **{f"data_batch_{number}": _batch(10, b"labels") for number in range(1, 6)},
             "test_batch": _batch(10, b"labels")}
    return write_pickle_tar(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", parts)


def _cifar100(tmp_path, *_):
    def batch(count):
        fine = (np.arange(count) % 4).tolist()
        return {b"data": np.full((count, 3072), 7, dtype=np.uint8), b"fine_labels": fine,
                b"coarse_labels": [label // 2 for label in fine]}

    parts = {"meta": {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                      b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]},
             "train": batch(8), "test": batch(4)}
    return write_pickle_tar(tmp_path / "cifar-100-python.tar.gz", "cifar-100-python", parts)


def _tiny(tmp_path, write_files, image_bytes):
    path = tmp_path / "tiny-imagenet-200.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tiny-imagenet-200/wnids.txt", f"{CAT}\n{DOG}\n")
        archive.writestr("tiny-imagenet-200/words.txt", f"{CAT}\tcat\n{DOG}\tdog\n")
        for wnid in (CAT, DOG):
            for number in range(2):
                archive.writestr(f"tiny-imagenet-200/train/{wnid}/images/{wnid}_{number}.JPEG", image_bytes(number))
        archive.writestr("tiny-imagenet-200/val/val_annotations.txt", f"val_0.JPEG\t{CAT}\t0\t0\t15\t15\n")
        archive.writestr("tiny-imagenet-200/val/images/val_0.JPEG", image_bytes(9))
    return path


IMPORTERS = {"folder": (folder.import_folder, _tree),
             "imagenet": (importers.import_imagenet, _imagenet),
             "tiny-imagenet": (importers.import_tiny_imagenet, _tiny),
             "cifar10": (cifar.import_cifar10, _cifar10),
             "cifar100": (cifar.import_cifar100, _cifar100)}

# (arguments, the one line said); {out} and {source} stand for the paths given
EVERY_IMPORTERS = {
    "size 0": ({"size": 0}, "--size must lie in 1..4096, got 0"),
    "size too large": ({"size": 4097}, "--size must lie in 1..4096, got 4097"),
    "size a fraction": ({"size": 2.5}, "--size must lie in 1..4096, got 2.5"),
    "workers -1": ({"workers": -1}, "--workers must lie in 0..256, got -1"),
    "workers too many": ({"workers": 257}, "--workers must lie in 0..256, got 257"),
}


def _refused(work, said):
    with pytest.raises(MinitransferError) as caught:
        work()
    assert isinstance(caught.value, ImportUsageError) and isinstance(caught.value, ValueError)  # exit code 2
    assert str(caught.value) == said


@pytest.fixture
def made(tmp_path, write_files, image_bytes):
    """``made(maker)``: the source ``maker`` writes in ``tmp_path``."""
    return lambda maker, *more: maker(tmp_path, write_files, image_bytes, *more)


@pytest.mark.parametrize("case", EVERY_IMPORTERS)
@pytest.mark.parametrize("importer", IMPORTERS)
def test_an_argument_out_of_range_is_refused_before_anything_is_written(importer, case, tmp_path, made):
    function, maker = IMPORTERS[importer]
    given, said = EVERY_IMPORTERS[case]
    source, out = made(maker), tmp_path / "out"
    _refused(lambda: function(source, out, **given), said)
    assert not out.exists()


@pytest.mark.parametrize("importer", IMPORTERS)
def test_an_argument_out_of_range_is_refused_before_the_source_is_read(importer, tmp_path):
    """Tiny ImageNet's and CIFAR's checked their arguments only once the source was read: an empty source folder
    was refused as no Tiny ImageNet or CIFAR, not for --size 0 (found by rdC)."""
    function, _ = IMPORTERS[importer]
    given, said = EVERY_IMPORTERS["size 0"]
    (tmp_path / "empty").mkdir()
    _refused(lambda: function(tmp_path / "empty", tmp_path / "out", **given), said)


@pytest.mark.parametrize("importer", IMPORTERS)
def test_out_inside_source_is_refused(importer, made):
    function, maker = IMPORTERS[importer]
    source = made(maker)
    out = source / "out"
    _refused(lambda: function(source, out),
             f"OUT {out} lies inside SOURCE {source}: choose an output folder outside the source")
    assert not out.exists()


@pytest.mark.parametrize("importer", IMPORTERS)
def test_an_out_of_other_files_is_refused_and_left_as_it_is(importer, tmp_path, made):
    function, maker = IMPORTERS[importer]
    source, out = made(maker), tmp_path / "home"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    _refused(lambda: function(source, out),
             f"OUT {out} holds files that are not a dataset's ('notes.txt'): an import writes its shards, "
             f"meta.json and mean.h5 into OUT; choose a new or empty folder")
    assert sorted(path.name for path in out.iterdir()) == ["notes.txt"] and (out / "notes.txt").read_text() == "mine"


FOLDER_OPTIONS = {
    "val fraction 2": ({"val_fraction": 2}, "--val-fraction must lie in [0, 1), got 2"),
    "seed -1": ({"seed": -1}, "--seed must be >= 0, got -1"),
    "val fraction beside val/": ({"val_fraction": 0.2},
                                 "{source}/val exists, so validation images come from it: leave out --val-fraction"),
    "families and is-a": ({"families": "families.txt", "is_a": "is-a.txt"},
                          "give either --families or --is-a, not both"),
    "family-a alone": ({"family_a": "animal"}, "--family-a needs --families (or --is-a)"),
    "family-a of no class": ({"families": "families.txt", "family_a": "plant"},
                             "--family-a 'plant' is not a family of these classes (animal, pet)"),
}


@pytest.mark.parametrize("case", FOLDER_OPTIONS)
def test_a_folder_option_that_does_not_fit_is_refused(case, tmp_path, made):
    given, said = FOLDER_OPTIONS[case]
    source, out = made(_tree), tmp_path / "out"
    (tmp_path / "families.txt").write_text("cat pet\ndog animal\n")
    (tmp_path / "is-a.txt").write_text("")
    given = {name: tmp_path / value if name in ("families", "is_a") else value for name, value in given.items()}
    _refused(lambda: folder.import_folder(source, out, **given), said.format(source=source))
    assert not out.exists()


def test_a_dataset_given_as_the_source_of_a_folder_import_is_refused(tmp_path):
    source, out = tmp_path / "prepared", tmp_path / "out"
    source.mkdir()
    (source / "meta.json").write_text(json.dumps({"source": {"kind": "folder", "path": "/data/photos"}}))
    _refused(lambda: folder.import_folder(source, out),
             f"SOURCE {source} is a dataset minitransfer prepared already (its meta.json, imported from /data/photos), "
             f"not a folder of class folders of images: train on it as it is (--data {source}), or give the image "
             f"folder it was imported from")
    assert not out.exists()


@pytest.mark.parametrize("val_files, labelled, said", [
    (["a.JPEG", "b.JPEG"], False, "{val} holds 2 files but no labels were given: pass --devkit DIR (the official "
                                  "ILSVRC2012 devkit folder) or --val-labels FILE, or move val/ away for a train-only "
                                  "dataset"),
    ([f"{CAT}/a.JPEG"], True, "{val} holds class folders: import this tree with 'minitransfer prepare folder' (class "
                              "order is the sorted folder names there too)"),
], ids=["no labels", "class folders"])
def test_an_imagenet_val_folder_it_cannot_label_is_refused(val_files, labelled, said, tmp_path, made):
    source, out = made(_imagenet, val_files), tmp_path / "out"
    labels = tmp_path / "val.txt"
    labels.write_text("a.JPEG 0\n")
    _refused(lambda: importers.import_imagenet(source, out, val_labels=labels if labelled else None, workers=0),
             said.format(val=source / "val"))
    assert not out.exists()


@pytest.mark.parametrize("function, other, said", [
    (cifar.import_cifar10, _cifar100, "{source} holds CIFAR-100 (cifar-100-python), not CIFAR-10: import it with "
                                      "'minitransfer prepare cifar100'"),
    (cifar.import_cifar100, _cifar10, "{source} holds CIFAR-10 (cifar-10-batches-py), not CIFAR-100: import it with "
                                      "'minitransfer prepare cifar10'"),
], ids=["cifar100 to cifar10", "cifar10 to cifar100"])
def test_the_other_cifar_is_refused_naming_its_command(function, other, said, tmp_path):
    source, out = other(tmp_path), tmp_path / "out"
    _refused(lambda: function(source, out), said.format(source=source))
    assert not out.exists()


def test_another_version_of_cifar_is_refused_naming_the_python_download(tmp_path):
    source, out = write_pickle_tar(tmp_path / "cifar-10-binary.tar.gz", "cifar-10-batches-bin",
                                   {"batches.meta.txt": b"airplane\n", "data_batch_1.bin": b"\0",
                                    "test_batch.bin": b"\0"}), tmp_path / "out"
    _refused(lambda: cifar.import_cifar10(source, out),
             f"{source} holds the binary version of CIFAR-10 (cifar-10-batches-bin), which minitransfer does not "
             f"read: download its python version, cifar-10-python.tar.gz, and import that with "
             f"'minitransfer prepare cifar10'")
    assert not out.exists()


SMALL = {"classes": 4, "train_per_class": 2, "val_per_class": 1, "size": 12}


def test_an_out_prepared_with_other_options_is_refused_as_a_usage_error(tmp_path):
    """A rerun into a dataset prepared with other options (--classes 4, now 6) was a plain ValueError, which a
    script's ``except MinitransferError`` let through; the command line said it as a usage error (exit code 2)."""
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **SMALL)
    _refused(lambda: synthetic.build_synthetic(out, **{**SMALL, "classes": 6}),
             f"{out} holds a dataset prepared from another source or with other options (--classes 4, now 6): pass "
             f"--overwrite to replace it, or choose another output folder")


def test_the_shards_of_an_unfinished_import_with_other_options_are_refused_as_a_usage_error(tmp_path):
    out = tmp_path / "synthetic"
    synthetic.build_synthetic(out, **SMALL)
    source, length = json.loads((out / "meta.json").read_text())["source"], build.images_per_shard(SMALL["size"])
    (out / "meta.json").unlink()  # as an import stopped before its end leaves it: shards, and importing.json
    same_origin.record_import(out, source, SMALL["size"], source, length)
    assert (out / "train-00000.h5").is_file()
    _refused(lambda: synthetic.build_synthetic(out, **{**SMALL, "classes": 6}),
             f"{out} holds the shards of an unfinished import (interrupted) from another source or with other "
             f"options (--classes 4, now 6): rerun the command that began it to finish it (minitransfer prepare "
             f"synthetic {out} --classes 4 --seed 0 --train-per-class 2 --val-per-class 1 --size 12 --shard-size "
             f"{length}), pass --overwrite to replace it, or choose another output folder")


def test_an_import_argument_refused_is_a_config_error_as_every_argument_the_library_refuses(tmp_path, made):
    """README: the library raises ``ConfigError`` for a bad option. The importers' refusals were not ConfigErrors
    (``except ConfigError`` let ``size=0`` through) and build_synthetic's not ImportUsageErrors: one class now."""
    source = made(_tree)
    for work in (lambda: folder.import_folder(source, tmp_path / "out", size=0),
                 lambda: synthetic.build_synthetic(tmp_path / "synthetic", classes=3)):
        with pytest.raises(ConfigError) as caught:
            work()
        assert isinstance(caught.value, ImportUsageError)
    assert not (tmp_path / "out").exists() and not (tmp_path / "synthetic").exists()

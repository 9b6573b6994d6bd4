"""A dataset prepared from a source whose name is not ASCII ("photos-猫") is the same dataset in every locale.
Rerun under LC_ALL=C (PYTHONUTF8=0) on a dataset prepared in a UTF-8 locale, prepare died comparing meta.json's
source path with the one given: "Error: 'ascii' codec can't encode character '\\u732b'". And meta.json recorded
the source as the locale read it ("photos-\\udce7\\udc8c\\udcab" under C): the same source prepared in two locales
gave two fingerprints. Each importer's paths (SOURCE, --val-labels, --devkit, a text file's record) are checked."""

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image
from tar_files import write_pickle_tar

from locales import ASCII_LOCALE, UTF8_LOCALE, environment_in, latin1_locale
WNIDS = ("n01440764", "n02084071")
IMPORTERS = ("folder", "cifar100", "imagenet", "tiny_imagenet")
# Each importer into OUT/<its name>, given sources named in UTF-8 (argv as ASCII JSON: read alike in any locale).
PREPARE_ALL = """
import json, os, sys
from minitransfer.data import cifar, folder, imagenet, tiny_imagenet
root, out = (os.fsdecode(name.encode()) for name in json.loads(sys.argv[1]))
source = lambda name: os.path.join(root, os.fsdecode(name.encode()))
folder.import_folder(source("photos-猫"), os.path.join(out, "folder"), size=8, workers=0)
cifar.import_cifar100(source("cifar-猫.tar.gz"), os.path.join(out, "cifar100"), size=8)
imagenet.import_imagenet(source("imagenet-猫"), os.path.join(out, "imagenet"), size=8, workers=0,
                         val_labels=source("imagenet-猫/val-猫.txt"), is_a=source("is-a-猫.txt"))
tiny_imagenet.import_tiny_imagenet(source("tiny-猫.zip"), os.path.join(out, "tiny_imagenet"), size=8, workers=0)
""".replace("猫", "\\u732b")  # ASCII: Python reads -c's code in the locale's encoding


def _image(colour, size=(12, 12)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def _write(root, files):
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


def _sources(root):
    """A class-folder tree, a CIFAR-100 archive, an ImageNet tree (with its validation labels and an is-a
    file) and a Tiny ImageNet zip, each named with "猫", two classes of two images each."""
    _write(root / "photos-猫", {f"{subset}/{name}/{number}.png": _image((number * 90, len(subset) * 20, ord(name)))
                                for subset in ("train", "val") for name in "ab" for number in range(2)})
    rng = np.random.default_rng(0)
    batches = {subset: {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
                        b"fine_labels": [0, 1, 2, 3] * (count // 4), b"coarse_labels": [0, 0, 1, 1] * (count // 4),
                        b"filenames": [b"x.png"] * count} for subset, count in (("train", 8), ("test", 4))}
    batches["meta"] = {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                       b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]}
    write_pickle_tar(root / "cifar-猫.tar.gz", "cifar-100-python", batches)
    _write(root / "imagenet-猫", {f"train/{wnid}/{wnid}_{number}.JPEG": _image((number * 90, index * 120, 7))
                                  for index, wnid in enumerate(WNIDS) for number in range(2)})
    _write(root / "imagenet-猫", {f"val/ILSVRC2012_val_0000000{number}.JPEG": _image((number * 60, 0, 9))
                                  for number in (1, 2)})
    (root / "imagenet-猫" / "val-猫.txt").write_text("ILSVRC2012_val_00000001.JPEG 0\nILSVRC2012_val_00000002.JPEG 1\n")
    (root / "is-a-猫.txt").write_text(f"n00004475 {WNIDS[0]}\nn00021939 {WNIDS[1]}\n")
    with zipfile.ZipFile(root / "tiny-猫.zip", "w") as archive:
        top = "tiny-imagenet-200/"
        archive.writestr(top + "wnids.txt", "\n".join(WNIDS) + "\n")
        archive.writestr(top + "words.txt", "".join(f"{wnid}\tclass {wnid}\n" for wnid in WNIDS))
        for index, wnid in enumerate(WNIDS):
            for number in range(2):
                archive.writestr(f"{top}train/{wnid}/images/{wnid}_{number}.JPEG", _image((number * 90, index, 5)))
        archive.writestr(top + "val/val_annotations.txt",
                         "".join(f"val_{index}.JPEG\t{wnid}\t0\t0\t11\t11\n" for index, wnid in enumerate(WNIDS)))
        for index in range(2):
            archive.writestr(f"{top}val/images/val_{index}.JPEG", _image((5, index * 200, 5)))


def _prepare_all(root, out, locale):
    result = subprocess.run([sys.executable, "-c", PREPARE_ALL, json.dumps([str(root), str(out)])],
                            capture_output=True, env=environment_in(locale), timeout=120)
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]


def _metas(out):
    """{importer: (meta.json's bytes, its modification time)}."""
    return {name: ((out / name / "meta.json").read_bytes(), (out / name / "meta.json").stat().st_mtime_ns)
            for name in IMPORTERS}


@pytest.mark.parametrize("first, then", [(ASCII_LOCALE, UTF8_LOCALE), (UTF8_LOCALE, ASCII_LOCALE),
                                         (UTF8_LOCALE, "latin1")],
                         ids=["C-ascii-then-C.UTF-8", "C.UTF-8-then-C-ascii", "C.UTF-8-then-latin1"])
def test_a_source_not_ascii_is_prepared_alike_and_rerun_in_another_locale(tmp_path, first, then):
    then = latin1_locale(tmp_path) if then == "latin1" else then
    _sources(tmp_path)
    _prepare_all(tmp_path, tmp_path / "first", first)
    written = _metas(tmp_path / "first")
    _prepare_all(tmp_path, tmp_path / "first", then)  # the same source: nothing written
    assert _metas(tmp_path / "first") == written
    _prepare_all(tmp_path, tmp_path / "then", then)  # prepared anew there: the same meta.json, the same fingerprint
    assert {name: meta for name, (meta, _) in _metas(tmp_path / "then").items() if meta != written[name][0]} == {}
    source = json.loads(written["folder"][0])["source"]["path"]
    assert json.dumps(source) == json.dumps(str(tmp_path / "photos-猫"))  # UTF-8 text, as JSON writes it: ASCII


def test_runs_recorded_in_either_locale_are_of_one_dataset(tmp_path):
    """Runs without a dataset fingerprint are grouped by the dataset path their config.json records: one an earlier
    version recorded under LC_ALL=C (PYTHONUTF8=0, surrogate escapes) and one recorded as UTF-8 text were taken
    for runs on two datasets."""
    from fake_results import finished_result

    from minitransfer import results

    escaped = "données-猫".encode().decode("ascii", "surrogateescape")
    read = []
    for grid, data in (("old", escaped), ("new", "données-猫")):
        folder = tmp_path / grid / "baseA.run"
        folder.mkdir(parents=True)
        (folder / "config.json").write_text(json.dumps({"split": "random", "split_seed": 0, "half": "A", "data": data,
                                                        "max_iter": 20, "out": "baseA.h5"}))
        (folder / "result.json").write_text(json.dumps(finished_result(iterations=20)))
        read.append(results.read_run(folder))
    assert json.dumps([result.dataset for result in read]) == json.dumps(["données-猫"] * 2)


def test_a_weights_file_recorded_as_utf8_is_read_under_c(tmp_path):
    """train records its weights file (config.json's out) as UTF-8 text: under LC_ALL=C (PYTHONUTF8=0) report
    looked for "poids-猫.h5" by a name that locale cannot spell, and missed what train recorded in it."""
    import h5py

    (tmp_path / "poids-猫.run").mkdir()
    with h5py.File(tmp_path / "poids-猫.h5", "w") as f:
        f.attrs["dataset_fingerprint"] = "f" * 64
    code = ("import json, pathlib, sys; from minitransfer import train_records; "
            "folder = pathlib.Path(sys.argv[1]) / 'poids-\\u732b.run'.encode().decode('ascii', 'surrogateescape'); "
            "print(train_records.recorded(folder, {'out': 'poids-\\u732b.h5'}, 'dataset_fingerprint'))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                            env=environment_in(ASCII_LOCALE), timeout=60)
    assert result.stdout == b"f" * 64 + b"\n", result.stderr.decode("utf-8", "replace")


def test_a_base_recorded_as_utf8_is_judged_under_c(tmp_path):
    """A copy whose weights hold no record of its base is judged on the base checkpoint itself, which its
    config.json names (--copy-from, --data) as UTF-8 text: under LC_ALL=C (PYTHONUTF8=0) report opened it by a name
    that locale cannot spell, and left the run out ("cannot tell its treatment")."""
    from fake_results import finished_result

    def run(arguments, locale):
        result = subprocess.run([sys.executable, *arguments], capture_output=True, env=environment_in(locale),
                                timeout=120, cwd=tmp_path)
        assert result.returncode == 0, result.stderr.decode("utf-8", "replace")[-2000:]
        return result.stdout

    run(["-m", "minitransfer", "prepare", "synthetic", "données-猫", "--classes", "4", "--train-per-class", "8",
         "--val-per-class", "4", "--size", "14"], UTF8_LOCALE)
    run(["-m", "minitransfer", "train", "--data", "données-猫", "-o", "réseaux-猫/baseA.h5", "--preset", "micro",
         "--max-iter", "2", "--eval-every", "2", "--workers", "0", "--device", "cpu"], UTF8_LOCALE)
    copy = tmp_path / "copies" / "A1B.run"
    copy.mkdir(parents=True)
    (copy / "config.json").write_text(json.dumps({
        "split": "random", "split_seed": 0, "half": "B", "data": str(tmp_path / "données-猫"), "max_iter": 20,
        "out": "copies/A1B.h5", "copy_from": str(tmp_path / "réseaux-猫" / "baseA.h5"), "n": 1, "frozen": True}))
    (copy / "result.json").write_text(json.dumps(finished_result(iterations=20)))
    code = "import sys; from minitransfer import results; print(results.read_run(sys.argv[1]).run.kind)"
    assert run(["-c", code, str(copy)], ASCII_LOCALE) == b"transfer\n"

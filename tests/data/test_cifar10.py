"""CIFAR-10: layout, labels and families from a fake archive in the real on-disk format, the
faults the CIFAR-100 importer refuses, an archive of the one CIFAR given to the other's command,
the way from the archive to a trained network through the command line, and kill -9 of an import."""

import json
import pickle
import tarfile

import numpy as np
import pytest
from click.testing import CliRunner
from tar_files import pickled as _file_bytes, write_pickle_tar

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main
from minitransfer.data import cifar
from test_kill_anywhere import _import_survives_a_kill

ANIMALS = ["bird", "cat", "deer", "dog", "frog", "horse"]
VEHICLES = ["airplane", "automobile", "ship", "truck"]
PER_BATCH = 20  # two images of each class in every batch
TRAIN_BATCHES = [f"data_batch_{number}" for number in range(1, 6)]


def _cifar10_parts(seed=0):
    """{file name: content} of cifar-10-batches-py: five training batches and a test batch of
    PER_BATCH images (every class in each, in a shuffled order), batches.meta, readme.html."""
    rng = np.random.default_rng(seed)
    parts = {"batches.meta": {b"label_names": [name.encode() for name in cifar.CIFAR10_CLASSES],
                              b"num_cases_per_batch": PER_BATCH, b"num_vis": 3072}}
    for number, name in enumerate([*TRAIN_BATCHES, "test_batch"], start=1):
        parts[name] = {b"batch_label": f"batch {number} of 6".encode(),
                       b"data": rng.integers(0, 256, (PER_BATCH, 3072), dtype=np.uint8),
                       b"labels": rng.permutation(np.arange(PER_BATCH) % 10).tolist(),
                       b"filenames": [f"image_{number}_{n}.png".encode() for n in range(PER_BATCH)]}
    parts["readme.html"] = b"<html>not a pickle</html>"
    return parts


def _cifar100_parts():
    """{file name: content} of cifar-100-python with four fine classes in two superclasses."""
    rng = np.random.default_rng(1)

    def batch(count):
        fine = (np.arange(count) % 4).tolist()
        return {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8), b"fine_labels": fine,
                b"coarse_labels": [label // 2 for label in fine]}

    return {"meta": {b"fine_label_names": [b"apple", b"pear", b"bus", b"train"],
                     b"coarse_label_names": [b"fruit_and_vegetables", b"vehicles_1"]},
            "train": batch(8), "test": batch(4)}


def _write_archive(path, folder, parts, compression="gz"):
    """A tar of ``parts`` ({name: content}) as ``folder/<name>`` members; returns ``path``."""
    return write_pickle_tar(path, folder, parts, f"w:{compression}")


def _write_folder(root, folder, parts):
    """``parts`` as files of ``root/folder``; returns ``root``."""
    (root / folder).mkdir(parents=True)
    for name, content in parts.items():
        (root / folder / name).write_bytes(_file_bytes(content))
    return root


def _prepare(*args):
    return CliRunner().invoke(main, ["prepare", *map(str, args)])


def test_cifar10_import_keeps_layout_labels_and_families(tmp_path):
    parts = _cifar10_parts()
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", parts)
    data = cifar.import_cifar10(archive, tmp_path / "out")
    assert data.image_size == (32, 32) and data.meta["source"]["kind"] == "cifar10"
    assert [(c["index"], c["name"], c["wnid"], c["family"]) for c in data.classes] == [
        (0, "airplane", "airplane", "man-made"), (1, "automobile", "automobile", "man-made"),
        (2, "bird", "bird", "natural"), (3, "cat", "cat", "natural"), (4, "deer", "deer", "natural"),
        (5, "dog", "dog", "natural"), (6, "frog", "frog", "natural"), (7, "horse", "horse", "natural"),
        (8, "ship", "ship", "man-made"), (9, "truck", "truck", "man-made")]
    raw = np.concatenate([parts[name][b"data"] for name in TRAIN_BATCHES])  # batch 1 first, batch 5 last
    images = data.images("train", np.arange(len(raw)))
    for n in (0, 19, 20, 57, 99):  # R plane, G plane, B plane, each row-major 32 x 32
        for channel in range(3):
            for row, column in ((0, 0), (5, 17), (31, 30)):
                assert images[n, row, column, channel] == raw[n, channel * 1024 + row * 32 + column]
    assert data.labels("train").tolist() == sum((parts[name][b"labels"] for name in TRAIN_BATCHES), [])
    assert data.labels("val").tolist() == parts["test_batch"][b"labels"]
    assert np.array_equal(data.images("val", np.arange(PER_BATCH)),
                          parts["test_batch"][b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def test_label_names_in_another_order_keep_their_labels_and_families(tmp_path):
    """A label indexes batches.meta's names, whatever their order; each family goes with its name."""
    parts = _cifar10_parts()
    parts["batches.meta"][b"label_names"] = [name.encode() for name in reversed(cifar.CIFAR10_CLASSES)]
    data = cifar.import_cifar10(_write_archive(tmp_path / "reversed.tar.gz", "cifar-10-batches-py", parts),
                                tmp_path / "out")
    assert [(c["name"], c["family"]) for c in data.classes][:3] == [
        ("truck", "man-made"), ("ship", "man-made"), ("horse", "natural")]
    assert data.labels("val").tolist() == parts["test_batch"][b"labels"]


@pytest.mark.parametrize("given", ["parent", "batches-folder"])
def test_the_unpacked_folder_imports_as_the_archive_does(tmp_path, given):
    parts = _cifar10_parts(seed=3)
    from_archive = cifar.import_cifar10(_write_archive(tmp_path / "c.tar.gz", "cifar-10-batches-py", parts),
                                        tmp_path / "from-archive")
    root = _write_folder(tmp_path / "unpacked", "cifar-10-batches-py", parts)
    source = root if given == "parent" else root / "cifar-10-batches-py"
    from_folder = cifar.import_cifar10(source, tmp_path / "from-folder")
    for subset in ("train", "val"):
        count = from_archive.num_images(subset)
        assert from_folder.num_images(subset) == count == (100 if subset == "train" else 20)
        everything = np.arange(count)
        assert np.array_equal(from_folder.images(subset, everything), from_archive.images(subset, everything))
        assert np.array_equal(from_folder.labels(subset), from_archive.labels(subset))
    assert from_folder.classes == from_archive.classes


def test_from_the_archive_to_a_network_trained_on_the_animals(tmp_path):
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", _cifar10_parts())
    data = tmp_path / "cifar10"
    prepared = _prepare("cifar10", archive, data, "--verify")
    assert prepared.exit_code == 0, prepared.output
    assert f"{data}: 10 classes, train 100, val 20 images of 32x32 (verified)" in prepared.output
    listed = CliRunner().invoke(main, ["splits", str(data), "natural", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert [[c["name"] for c in half["classes"]] for half in json.loads(listed.output)] == [ANIMALS, VEHICLES]
    weights = tmp_path / "animals.h5"
    trained = CliRunner().invoke(main, ["train", "--data", str(data), "--split", "natural", "--half", "A", "-o",
                                        str(weights), "--batch-size", "8", "--max-iter", "2", "--eval-every", "2",
                                        "--quiet", "--device", "cpu"])
    assert trained.exit_code == 0, trained.output
    shown = CliRunner().invoke(main, ["info", str(weights), "--json"])
    assert shown.exit_code == 0, shown.output
    summary = json.loads(shown.output)
    assert (summary["split"], summary["classes"]) == ({"kind": "natural", "seed": None, "half": "A"}, 6)
    assert [entry["name"] for entry in checkpoints.load(weights).classes] == ANIMALS


def _without(name):
    parts = _cifar10_parts()
    del parts[name]
    return parts


def _replaced(name, key, value):
    parts = _cifar10_parts()
    parts[name] = {**parts[name], key: value}
    return parts


def _raw(name, raw):
    parts = _cifar10_parts()
    parts[name] = raw
    return parts


def _without_trucks():
    """Parts in which no image is a truck (class 9): each one made an airplane."""
    parts = _cifar10_parts()
    for name in [*TRAIN_BATCHES, "test_batch"]:
        parts[name][b"labels"] = [0 if label == 9 else label for label in parts[name][b"labels"]]
    return parts


BATCH_4 = pickle.dumps(_cifar10_parts()["data_batch_4"], protocol=2)


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


FAULTS = {  # id: (the archive's parts, what the message says after the archive's path)
    "missing-batch": (_without("data_batch_3"), ": no data_batch_3 member (expected the CIFAR-10 python archive)"),
    "missing-meta": (_without("batches.meta"), ": no batches.meta member (expected the CIFAR-10 python archive)"),
    "narrow-rows": (_replaced("data_batch_2", b"data", np.zeros((PER_BATCH, 1024), np.uint8)),
                    ":data_batch_2: 'data' must be a uint8 array (N, 3072), got a uint8 array (20, 1024)"),
    "float-pixels": (_replaced("test_batch", b"data", np.zeros((PER_BATCH, 3072), np.float32)),
                     ":test_batch: 'data' must be a uint8 array (N, 3072), got a float32 array (20, 3072)"),
    "label-10": (_replaced("data_batch_5", b"labels", [10] * PER_BATCH),
                 ":data_batch_5: 'labels' holds labels outside the class table (0..9)"),
    "negative-label": (_replaced("test_batch", b"labels", [-1] * PER_BATCH),
                       ":test_batch: 'labels' holds labels outside the class table (0..9)"),
    "too-few-labels": (_replaced("data_batch_1", b"labels", [0] * 7),
                       ":data_batch_1: 'labels' must be 20 integers, got a list of 7"),
    "rows-cut-short": (_replaced("data_batch_3", b"data", _cifar10_parts()["data_batch_3"][b"data"][:15]),
                       ":data_batch_3: 'labels' must be 15 integers, got a list of 20: one label per image, and "
                       "'data' holds 15 images (a batch cut short or edited?)"),
    "no-labels": (_replaced("data_batch_1", b"labels", None),
                  ":data_batch_1: 'labels' must be 20 integers, got a NoneType"),
    "labels-key-missing": (_raw("data_batch_1", pickle.dumps({b"data": _cifar10_parts()["data_batch_1"][b"data"]},
                                                             protocol=2)),
                           ":data_batch_1: the key(s) 'labels' missing from this CIFAR-10 batch (it holds 'data'): "
                           "an edited or another dataset's file"),
    "batch-not-a-dict": (_raw("data_batch_2", pickle.dumps([1, 2], protocol=2)),
                         ":data_batch_2: not a CIFAR-10 batch (a list, not a dict)"),
    "truncated-pickle": (_raw("data_batch_4", BATCH_4[:5000]),
                         ":data_batch_4: damaged pickle (UnpicklingError: pickle data was truncated)"),
    "pickle-without-its-end": (_raw("data_batch_4", BATCH_4[:-1]),
                               ":data_batch_4: damaged pickle (EOFError: Ran out of input)"),
    "empty-batch": (_raw("test_batch", b""), ":test_batch: damaged pickle (EOFError: Ran out of input)"),
    "meta-not-a-dict": (_raw("batches.meta", pickle.dumps(list(cifar.CIFAR10_CLASSES), protocol=2)),
                        ":batches.meta: not CIFAR-10 metadata (a list, not a dict)"),
    "meta-without-names": (_raw("batches.meta", pickle.dumps({b"num_vis": 3072}, protocol=2)),
                           ":batches.meta: not CIFAR-10 metadata ('label_names')"),
    "meta-unknown-class": (_replaced("batches.meta", b"label_names", [*cifar.CIFAR10_CLASSES[:9], "lorry"]),
                           ":batches.meta: 'label_names' must be CIFAR-10's ten classes (airplane, automobile, bird, "
                           "cat, deer, dog, frog, horse, ship, truck), each of which is an animal or a vehicle for the "
                           "natural split: unknown 'lorry'; missing truck"),
    "meta-nine-classes": (_replaced("batches.meta", b"label_names", list(cifar.CIFAR10_CLASSES[:9])),
                          ":batches.meta: 'label_names' must be CIFAR-10's ten classes"),
    "meta-class-twice": (_replaced("batches.meta", b"label_names", [*cifar.CIFAR10_CLASSES[:9], "airplane"]),
                         ":batches.meta: the class name 'airplane' is given twice (classes 0 and 9)"),
    "meta-num-vis": (_replaced("batches.meta", b"num_vis", 1024),
                     ":batches.meta: 'num_vis' is 1024, not the 3072 values of a 32 x 32 colour image"),
    "meta-batch-size": (_replaced("batches.meta", b"num_cases_per_batch", "20"),
                        ":batches.meta: 'num_cases_per_batch' must be a positive integer, got '20'"),
    "batch-cut-short": (_replaced("batches.meta", b"num_cases_per_batch", 10000),
                        ":data_batch_1: 20 images, but batches.meta says a batch holds 10000"),
    "class-without-image": (_without_trucks(), ": 1 of its 10 classes have no image: truck"),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_damaged_archive_is_bad_data_naming_the_file(tmp_path, fault, tree_state):
    parts, message = FAULTS[fault]
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", parts)
    before = tree_state(tmp_path)
    result = _prepare("cifar10", archive, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert f"error: bad data: {archive}{message}" in result.output
    assert "Traceback" not in result.output and tree_state(tmp_path) == before


UNPACK_AGAIN = "unpack cifar-10-python.tar.gz again (an unpacking interrupted?), or give the archive itself as SOURCE"


def test_a_batch_missing_from_the_folder_is_bad_data_naming_the_folder(tmp_path):
    """It named the folder and the file, but not what to do: an unpacking cut short is unpacked again."""
    root = _write_folder(tmp_path / "unpacked", "cifar-10-batches-py", _without("data_batch_5"))
    result = _prepare("cifar10", root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: {root}: no data_batch_5 file (expected the cifar-10-batches-py "
                             f"folder): {UNPACK_AGAIN}\n")
    assert not (tmp_path / "out").exists()


def test_a_batch_cut_short_in_the_unpacked_folder_is_named_by_its_path(tmp_path, tree_state):
    """It was named "unpacked:data_batch_4", a path that does not exist (the file lies in
    unpacked/cifar-10-batches-py/), and nothing said what to do."""
    root = _write_folder(tmp_path / "unpacked", "cifar-10-batches-py", _raw("data_batch_4", BATCH_4[:5000]))
    before = tree_state(tmp_path)
    result = _prepare("cifar10", root, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: {root / 'cifar-10-batches-py' / 'data_batch_4'}: damaged pickle "
                             f"(UnpicklingError: pickle data was truncated): {UNPACK_AGAIN}\n")
    assert tree_state(tmp_path) == before


@pytest.mark.parametrize("parts, named", [(_raw("data_batch_4", BATCH_4[:5000]),
                                           ":data_batch_4: damaged pickle (UnpicklingError: pickle data was "
                                           "truncated)"),
                                          (_without("test_batch"),
                                           ": no test_batch member (expected the CIFAR-10 python archive)")],
                         ids=["pickle-cut-short", "member-missing"])
def test_an_archive_of_damaged_batches_says_to_download_it_again(tmp_path, parts, named):
    """An archive whose compressed stream is intact but whose pickle is cut short (or member missing) was
    named with the fault alone, not what to do about it."""
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", parts)
    result = _prepare("cifar10", archive, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: {archive}{named}: the download is incomplete or damaged "
                             f"({archive.stat().st_size} bytes; the whole download is 163 MB): download "
                             f"cifar-10-python.tar.gz again\n")


@pytest.mark.parametrize("source", ["empty-folder", "other-archive"])
def test_a_source_without_any_cifar_file_says_what_to_give(tmp_path, source):
    """A folder or a tar archive holding none of CIFAR-10's files said only which it lacked."""
    if source == "empty-folder":
        given, kind = tmp_path / "empty", "file (expected the cifar-10-batches-py folder)"
        given.mkdir()
    else:
        given = _write_archive(tmp_path / "photos.tar.gz", "photos", {"notes.txt": b"not CIFAR"})
        kind = "member (expected the CIFAR-10 python archive)"
    result = _prepare("cifar10", given, tmp_path / "out")
    assert result.exit_code == 65, result.output
    files = ", ".join(["batches.meta", *TRAIN_BATCHES, "test_batch"])
    assert result.output == (f"error: bad data: {given}: no {files} {kind}: give the cifar-10-python.tar.gz "
                             f"download, or the cifar-10-batches-py folder it unpacks into\n")


def test_a_malicious_batch_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    archive = _write_archive(tmp_path / "evil.tar.gz", "cifar-10-batches-py",
                             _raw("data_batch_2", pickle.dumps({b"data": _Exploit(marker)}, protocol=2)))
    result = _prepare("cifar10", archive, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert "evil.tar.gz:data_batch_2: unsafe pickle (refused to load" in result.output
    assert not marker.exists()


def test_a_member_declaring_a_gibibyte_is_refused_from_its_header(tmp_path):
    archive = tmp_path / "big.tar"
    with tarfile.open(archive, "w") as writing:
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = 1 << 30
        writing.addfile(info)  # the header alone: a reader trusting it would try to read a gibibyte
    result = _prepare("cifar10", archive, tmp_path / "out")
    assert result.exit_code == 65, result.output
    assert (f"{archive}:cifar-10-batches-py/data_batch_1: 1073741824 bytes, more than the 268435456 a CIFAR-10 file "
            f"may have (its largest is 31 MB)") in result.output


def _written(form, tmp_path, folder, parts):
    """``parts`` in ``folder`` of a .tar.gz archive (``form`` "archive") or of a folder unpacked, in
    ``tmp_path``: the source to import."""
    if form == "archive":
        return _write_archive(tmp_path / f"{folder}.tar.gz", folder, parts)
    return _write_folder(tmp_path / "unpacked", folder, parts)


@pytest.mark.parametrize("form", ["archive", "folder"])
@pytest.mark.parametrize("given,command,folder,message", [
    ("cifar100", "cifar10", "cifar-100-python",
     "holds CIFAR-100 (cifar-100-python), not CIFAR-10: import it with 'minitransfer prepare cifar100'"),
    ("cifar10", "cifar100", "cifar-10-batches-py",
     "holds CIFAR-10 (cifar-10-batches-py), not CIFAR-100: import it with 'minitransfer prepare cifar10'"),
], ids=["100-to-10", "10-to-100"])
def test_the_other_cifar_is_a_usage_error_naming_its_command(tmp_path, tree_state, form, given, command, folder,
                                                             message):
    source = _written(form, tmp_path, folder, _cifar100_parts() if given == "cifar100" else _cifar10_parts())
    before = tree_state(tmp_path)
    result = _prepare(command, source, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert f"Error: {source} {message}" in " ".join(result.output.split())
    assert "Traceback" not in result.output and tree_state(tmp_path) == before
    assert _prepare(given, source, tmp_path / "out").exit_code == 0  # the command named imports it


def test_prepare_help_shows_the_cifar10_example_and_the_exit_code_of_the_other_cifar():
    group = " ".join(CliRunner().invoke(main, ["prepare", "--help"]).output.split())
    assert "minitransfer prepare cifar10 cifar-10-python.tar.gz cifar10 # your data" in group
    assert "2 usage (also:" in group and "CIFAR-100 given to cifar10: the command to use is named" in group
    command = " ".join(CliRunner().invoke(main, ["prepare", "cifar10", "--help"]).output.split())
    assert "Half A of the natural split is the six animals" in command and "refused (exit 2)" in command


# CIFAR's other downloads, as their archives hold them (https://www.cs.toronto.edu/~kriz/cifar.html)
_OTHER_VERSIONS = {
    "cifar-10-binary": ("cifar-10-batches-bin", [*(f"data_batch_{n}.bin" for n in range(1, 6)), "test_batch.bin",
                                                 "batches.meta.txt", "readme.html"]),
    "cifar-10-matlab": ("cifar-10-batches-mat", [*(f"data_batch_{n}.mat" for n in range(1, 6)), "test_batch.mat",
                                                 "batches.meta.mat", "readme.html"]),
    "cifar-100-binary": ("cifar-100-binary", ["train.bin", "test.bin", "fine_label_names.txt",
                                              "coarse_label_names.txt"]),
    "cifar-100-matlab": ("cifar-100-matlab", ["train.mat", "test.mat", "meta.mat"]),
}


@pytest.mark.parametrize("form", ["archive", "folder"])
@pytest.mark.parametrize("command", ["cifar10", "cifar100"])
@pytest.mark.parametrize("download", list(_OTHER_VERSIONS))
def test_cifars_binary_or_matlab_version_is_a_usage_error_naming_the_python_download(tmp_path, tree_state, form,
                                                                                      command, download):
    folder, names = _OTHER_VERSIONS[download]
    source = _written(form, tmp_path, folder, {name: b"\0" * 3073 for name in names})
    before = tree_state(tmp_path)
    result = _prepare(command, source, tmp_path / "out")
    assert result.exit_code == 2, result.output
    number = download.split("-")[1]
    version = "binary" if download.endswith("binary") else "MATLAB"
    assert (f"Error: {source} holds the {version} version of CIFAR-{number} ({folder}), which minitransfer does not "
            f"read: download its python version, cifar-{number}-python.tar.gz, and import that with 'minitransfer "
            f"prepare cifar{number}'") in " ".join(result.output.split())
    assert "Traceback" not in result.output and tree_state(tmp_path) == before


@pytest.fixture(scope="module")
def cifar10_archive(tmp_path_factory):
    """One archive for the module's kill tests, so that their uninterrupted import runs once."""
    archive = _write_archive(tmp_path_factory.mktemp("cifar10") / "cifar-10-python.tar.gz", "cifar-10-batches-py",
                             _cifar10_parts())
    return archive, {}  # {}: the uninterrupted import's files, once it has run


@pytest.mark.parametrize("path", ["train-00001.h5", "meta.json"])
def test_prepare_cifar10_killed_then_rerun_writes_the_same_files(tmp_path, path, cifar10_archive):
    """kill -9 as a shard or meta.json is renamed into place (the importer extracts nothing to disk): the
    rerun leaves the same bytes as an uninterrupted import, and no temporary (see tests/test_kill_anywhere.py)."""
    archive, uninterrupted_imports = cifar10_archive
    arguments = ["prepare", "cifar10", str(archive), "data", "--shard-size", "40"]
    _import_survives_a_kill(arguments, path, tmp_path, uninterrupted_imports)

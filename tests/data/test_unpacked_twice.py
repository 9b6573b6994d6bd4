"""A download unpacked into a folder of its own name (``tar -xf cifar-10-python.tar.gz -C cifar-10-batches-py``,
``unzip tiny-imagenet-200.zip -d tiny-imagenet-200``), then given from the folder above: the import said only
that no CIFAR (or tiny-imagenet-200) folder was there. It now names the folder that holds the data, and that
folder imports with the labels the files hold."""

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import dataset
from data.test_cifar10 import _cifar10_parts, _cifar100_parts, _write_folder
from data.test_import_archives import WNIDS, _imagenet_tree, _tiny_files


def _cifar10(root, image_bytes, write_files):
    parts = _cifar10_parts()
    _write_folder(root / "cifar-10-batches-py", "cifar-10-batches-py", parts)
    batches = [f"data_batch_{number}" for number in range(1, 6)]
    return "cifar10", root / "cifar-10-batches-py" / "cifar-10-batches-py", \
        [label for name in batches for label in parts[name][b"labels"]], 10


def _cifar100(root, image_bytes, write_files):
    parts = _cifar100_parts()
    _write_folder(root / "cifar-100-python", "cifar-100-python", parts)
    return "cifar100", root / "cifar-100-python" / "cifar-100-python", parts["train"][b"fine_labels"], 4


def _tiny(root, image_bytes, write_files):
    inner = root / "tiny-imagenet-200" / "tiny-imagenet-200"
    write_files(inner, _tiny_files(image_bytes))
    return "tiny-imagenet", inner, [0, 0, 1, 1], 2  # n01440764 (sorted first) holds train/n01440764/*: label 0


@pytest.mark.parametrize("layout", [_cifar10, _cifar100, _tiny], ids=["cifar10", "cifar100", "tiny-imagenet"])
def test_a_download_unpacked_twice_and_given_from_above_names_the_folder_to_give(tmp_path, image_bytes, write_files,
                                                                                 tree_state, layout):
    root = tmp_path / "downloads"
    command, inner, train_labels, classes = layout(root, image_bytes, write_files)
    before = tree_state(tmp_path)
    result = CliRunner().invoke(main, ["prepare", command, str(root), str(tmp_path / "out"), "--size", "12"])
    assert result.exit_code == 65, result.output
    assert f"; it holds {inner} (the archive unpacked into a folder of its own name?): give that folder" in \
        " ".join(result.output.split())
    assert "Traceback" not in result.output and tree_state(tmp_path) == before
    result = CliRunner().invoke(main, ["prepare", command, str(inner), str(tmp_path / "out"), "--size", "12"])
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    assert data.num_classes == classes
    assert data.labels("train").tolist() == list(train_labels)


def test_a_devkit_unpacked_twice_and_given_from_above_names_the_folder_to_give(tmp_path, image_bytes, write_files,
                                                                               make_devkit):
    tree, _ = _imagenet_tree(tmp_path / "ILSVRC2012", image_bytes, write_files)
    inner = make_devkit(tmp_path / "devkit" / "ILSVRC2012_devkit_t12" / "ILSVRC2012_devkit_t12",
                        [(WNIDS[1], "dog"), (WNIDS[0], "tench")], [1, 2])
    arguments = ["prepare", "imagenet", str(tree), str(tmp_path / "out"), "--size", "12", "--devkit"]
    result = CliRunner().invoke(main, [*arguments, str(tmp_path / "devkit")])
    assert result.exit_code == 65, result.output
    assert f"; it holds {inner} (the archive unpacked into a folder of its own name?): give that folder" in \
        " ".join(result.output.split())
    result = CliRunner().invoke(main, [*arguments, str(inner)])
    assert result.exit_code == 0, result.output
    data = dataset.open_dataset(tmp_path / "out")
    # ground truth: ILSVRC2012_ID 1 (dog, label 1 of the sorted wnids) for val_00000001, 2 (tench, label 0) next
    assert [entry["name"] for entry in data.classes] == ["tench", "dog"] and data.labels("val").tolist() == [1, 0]

"""The classes a transfer across datasets shares with its base, told by name for a folder's classes: two datasets
of one's own name a class alike but for how its words are joined (golden_retriever/ and Golden Retriever/), and
Stanford Dogs' folders (n02085620-Chihuahua/) are ImageNet classes named by their WordNet id and a word. Both were
taken for new classes, so neither train, the grid nor the report warned that the copied layers had seen them."""

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer import class_tables, grid_caveats
from minitransfer.cli import main


def entry(index, wnid, name=None):
    return {"index": index, "wnid": wnid, "name": wnid if name is None else name}


def test_folder_names_joined_otherwise_and_wnid_led_folders_are_shared():
    imagenet = [entry(0, "n02085620", "Chihuahua"), entry(1, "n02099601", "golden retriever")]
    own = [entry(0, "Golden Retriever"), entry(1, "sea-lion"), entry(2, "bus")]
    dogs = [entry(0, "n02085620-Chihuahua"), entry(1, "n02086240_Shih-Tzu"), entry(2, "n0208562-short")]
    assert class_tables.shared_classes(dogs, imagenet) == dogs[:1]  # n0208562: seven digits, no wnid
    assert class_tables.shared_classes(imagenet, dogs) == imagenet[:1]
    other = [entry(0, "golden_retriever"), entry(1, "sea  lion"), entry(2, "buses")]
    assert class_tables.shared_classes(own, other) == own[:2]
    assert class_tables.shared_classes(own, imagenet) == []  # a folder's name is no ImageNet class's words
    assert class_tables.matched_by(dogs[:1]) == "by wnid"
    assert class_tables.matched_by(own) == "by class name"


def _folder_dataset(root, classes):
    """A dataset prepared from ``root``/photos/<class>/ of 16 x 16 PNGs, three a class."""
    rng = np.random.default_rng(len(classes))
    for name in classes:
        (root / "photos" / name).mkdir(parents=True)
        for index in range(3):
            pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / "photos" / name / f"{index}.png")
    done = CliRunner().invoke(main, ["prepare", "folder", str(root / "photos"), str(root / "prepared"), "--size", "12",
                                     "--workers", "0"])
    assert done.exit_code == 0, done.output
    return str(root / "prepared")


def test_the_grid_names_the_classes_a_source_of_other_spellings_holds(tmp_path):
    source = _folder_dataset(tmp_path / "S", ["golden_retriever", "n02085620", "oak"])
    target = _folder_dataset(tmp_path / "T", ["Golden Retriever", "bus", "n02085620-Chihuahua"])
    warning = grid_caveats.check_source_data(source, target)
    assert warning.startswith(f"2 of the 3 classes of --data {target} are among the 3 of --source-data {source} (by "
                              f"wnid or class name: 'Golden Retriever', 'n02085620-Chihuahua'): "), warning


def test_the_grid_counts_the_shared_classes_it_does_not_name(tmp_path):
    """Five shared classes: the first three named and "and 2 more" (before: the three and " ...", uncounted)."""
    names = ["ant", "bee", "cow", "dog", "eel"]
    source = _folder_dataset(tmp_path / "S", names + ["fox"])
    target = _folder_dataset(tmp_path / "T", names + ["gnu"])
    warning = grid_caveats.check_source_data(source, target)
    assert "(by class name: 'ant', 'bee', 'cow' and 2 more): " in warning, warning

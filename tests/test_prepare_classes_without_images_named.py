"""The classes an import could not give a training image are named as every list of names is (name_lists.some_names:
"a, b, c and 3 more"): build.py wrote its own rule, the first 20 then " ...", the count of the rest unsaid."""

import numpy as np
import pytest

from minitransfer.data import build
from minitransfer.data.decode import ImportItem


def test_classes_without_a_training_image_past_twenty_are_counted(tmp_path):
    classes = [{"index": index, "wnid": f"c{index:02d}", "name": f"class {index:02d}"} for index in range(24)]
    items = [ImportItem(pixels=np.full((4, 4, 3), 9, np.uint8))]  # class 00's only: 23 classes have none
    with pytest.raises(build.ClassesWithoutImages) as raised:
        build.build_dataset(tmp_path / "out", source={}, classes=classes, size=4, workers=0,
                            subsets={"train": (items, [0], {})})
    shown = ", ".join(f"class {index:02d}" for index in range(1, 21))
    assert f"no training image of 23 class(es) could be imported: {shown} and 3 more (" in str(raised.value)
    assert raised.value.indices == list(range(1, 24))


def test_a_few_classes_without_a_training_image_are_all_named(tmp_path):
    classes = [{"index": index, "wnid": f"c{index}", "name": name} for index, name in enumerate(["ant", "bee", "cat"])]
    items = [ImportItem(pixels=np.full((4, 4, 3), 9, np.uint8))]
    with pytest.raises(build.ClassesWithoutImages) as raised:
        build.build_dataset(tmp_path / "out", source={}, classes=classes, size=4, workers=0,
                            subsets={"train": (items, [1], {})})
    assert "no training image of 2 class(es) could be imported: ant, cat (" in str(raised.value)

""":func:`minitransfer.data.mistaken_paths.images_to_prepare` (whether a folder is a SOURCE of `prepare folder`,
said in the usage hint of `prepare folder OUT SOURCE`) takes :func:`not_a_dataset`'s one look at the folder:
before, it asked not_a_dataset, then looked for the folder's results, datasets and images a second time."""

import pytest

from minitransfer import path_kinds
from minitransfer.data import mistaken_paths


def _image(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 not decoded here")


@pytest.mark.parametrize("layout, holds", [
    (("cat/1.jpg", "dog/2.jpg"), True),   # class folders of images
    (("1.jpg", "2.jpg"), True),           # images to sort into class folders
    (("cat/1.jpg", ".cache/meta.json"), False),  # a hidden prepared dataset beside them: offered as no SOURCE
    (("empty/",), False),                 # a folder of empty folders holds no images
    (("meta.json", "cat/1.jpg"), False),  # a prepared dataset
], ids=["class-folders", "loose-images", "hidden-dataset", "empty-folders", "dataset"])
def test_each_folder_is_looked_at_once(layout, holds, tmp_path, monkeypatch):
    for name in layout:
        if name.endswith("/"):
            (tmp_path / name).mkdir()
        elif name.endswith("meta.json"):
            (tmp_path / name).parent.mkdir(exist_ok=True)
            (tmp_path / name).write_text("{}")
        else:
            _image(tmp_path / name)
    calls = []
    for module, name in ((mistaken_paths, "unprepared_images"), (path_kinds, "datasets_in"),
                         (path_kinds, "results_folder")):
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, _f=original, _n=name: calls.append(_n) or _f(*args))
    mistaken_paths.not_a_dataset(tmp_path)
    looks, calls[:] = list(calls), []
    assert mistaken_paths.images_to_prepare(str(tmp_path)) is holds
    assert calls == looks  # not_a_dataset's looks at the folder, none taken again

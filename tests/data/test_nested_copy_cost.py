""":func:`.inputs.nested_copy`, the hint "it holds <folder>: give that folder" built before an import's error is
shown, statted every entry three levels down: ``prepare cifar10 /data/imagenet/train`` (a wrong SOURCE) statted
all 1.28M images just to build it, minutes on NFS. Given ``.``, it lost "(the archive unpacked into a folder of
its own name?)", ``Path('.').name`` being empty."""

import os

from minitransfer.data import inputs


def test_the_hint_for_a_wrong_source_stats_no_file_and_looks_at_a_bounded_number_of_entries(tmp_path, monkeypatch):
    train = tmp_path / "train"  # ImageNet's train/ given to 'prepare cifar10': class folders of images
    for number in range(30):
        folder = train / f"n{number:08d}"
        folder.mkdir(parents=True)
        for image in range(150):
            (folder / f"{image}.JPEG").touch()
    (train / "n00000000" / "deeper").mkdir()
    statted, listed = [], []
    real_stat, real_scandir = os.stat, os.scandir

    def counting_stat(path, *args, **kwargs):
        statted.append(os.fspath(path))
        return real_stat(path, *args, **kwargs)

    def counting_scandir(path):
        entries = list(real_scandir(path))
        listed.append(len(entries))
        return _Listing(entries)

    monkeypatch.setattr(os, "stat", counting_stat)
    monkeypatch.setattr(os, "scandir", counting_scandir)
    assert inputs.nested_copy(train, "cifar-10-batches-py", "batches.meta") == ""
    assert not [path for path in statted if path.endswith(".JPEG")]  # 4500 images, before: every one statted
    assert len(statted) <= 1 + 30 + 1  # batches.meta asked for in each folder reached
    assert 1 + 30 <= len(listed)  # train/, its class folders (and deeper/, if the budget reaches it)


def test_the_hint_gives_up_past_the_entries_it_may_look_at(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "NESTED_LOOK_PER_FOLDER", 3)
    monkeypatch.setattr(inputs, "NESTED_LOOK_TOTAL", 5)
    for name in "abcdefgh":
        (tmp_path / name / "inner").mkdir(parents=True)
    looked = []
    real = inputs._subfolders
    monkeypatch.setattr(inputs, "_subfolders", lambda folder, budget: looked.append(folder) or real(folder, budget))
    inputs.nested_copy(tmp_path, "cifar-10-batches-py", "batches.meta")
    assert len(looked) == 1 + 3  # tmp_path, then 3 of its 8 folders: the rest not listed, the total spent
    assert sum(len(real(folder, [100])) for folder in looked[1:]) == 3  # each holds inner/, all found


def test_a_copy_unpacked_twice_given_as_dot_still_says_it_unpacked_into_a_folder_of_its_own_name(tmp_path,
                                                                                              monkeypatch):
    outer = tmp_path / "tiny-imagenet-200"
    (outer / "tiny-imagenet-200").mkdir(parents=True)
    (outer / "tiny-imagenet-200" / "wnids.txt").write_text("n01440764\n")
    monkeypatch.chdir(outer)
    hint = inputs.nested_copy(inputs.pathlib.Path("."), "tiny-imagenet-200", "wnids.txt")
    assert hint == "; it holds tiny-imagenet-200 (the archive unpacked into a folder of its own name?): give that " \
                   "folder"
    monkeypatch.chdir(outer / "tiny-imagenet-200")
    assert inputs.nested_copy(inputs.pathlib.Path(".."), "tiny-imagenet-200", "wnids.txt").endswith(
        "(the archive unpacked into a folder of its own name?): give that folder")


class _Listing(list):
    """A listing of ``os.scandir``'s entries, usable as ``with os.scandir(...) as listing``."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

"""A library import given a source not there met a bare FileNotFoundError from deep in its listing (the command
line's click check says it first), and import_folder took a "~" literally: the library's error, nothing written,
and the home folder. CIFAR's importers, which skipped that check, called a source not there bad data (exit code
65, "gone: no batches.meta ... file"): every importer's opening steps are now one, in
:mod:`minitransfer.data.import_opening`."""

import pytest
from PIL import Image

from minitransfer.data import cifar, folder, importers
from minitransfer.data.schema import ImportUsageError


@pytest.mark.parametrize("importer", [folder.import_folder, importers.import_imagenet, importers.import_tiny_imagenet,
                                      cifar.import_cifar10, cifar.import_cifar100],
                         ids=["folder", "imagenet", "tiny-imagenet", "cifar10", "cifar100"])
def test_an_import_of_a_source_not_there_says_so(tmp_path, importer):
    out = tmp_path / "out"
    with pytest.raises(ImportUsageError, match=f"^source {tmp_path / 'gone'}: no such file or folder; give the "
                                               f"images to import$"):  # a usage error, exit code 2
        importer(tmp_path / "gone", out, size=8, workers=0)
    assert not out.exists()


def test_import_folder_reads_and_writes_under_the_home_folder(tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    for name in ("cat", "dog"):
        (home / "photos" / name).mkdir(parents=True)
        for index in range(4):
            Image.new("RGB", (10, 10), (40 * index, 200 if name == "cat" else 20, 90)).save(
                home / "photos" / name / f"{index}.png")
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    built = folder.import_folder("~/photos", "~/prepared", size=8, workers=0)
    assert built.path.resolve() == (home / "prepared").resolve() and (home / "prepared" / "meta.json").is_file()
    assert not list(tmp_path.rglob("~")), "a folder named ~ was written"

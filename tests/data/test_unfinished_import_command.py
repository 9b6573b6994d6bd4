"""The command that finishes an unfinished import works from any folder and builds the shards it began; a
rerun into it from another source is refused before the source is listed (minutes for ImageNet)."""

import json
import shutil

import pytest
from click.testing import CliRunner

from minitransfer.cli import main
from minitransfer.data import build, dataset, folder, imagenet
from data.test_importers import imagenet_tree  # noqa: F401 (a fixture)
from data.test_unfinished_import import _finishing_command, _options, _stamp, _stop_after_first_shard

CLASSES = ("cat", "dog")


@pytest.fixture
def photos(tmp_path, image_bytes, write_files):
    """A class-folder tree "my photos" of 2 classes x 3 images."""
    return write_files(tmp_path / "my photos", {f"{name}/{number}.png": image_bytes((40 * number, 90, 30 + 100 * label),
                                                                                   kind="PNG")
                                                for label, name in enumerate(CLASSES) for number in range(3)})


def _interrupted_folder_import(source, out, shard_length=2):
    with pytest.raises(KeyboardInterrupt):
        folder.import_folder(source, out, size=12, workers=0, shard_length=shard_length,
                             progress=_stop_after_first_shard(out))


def test_the_finishing_command_of_a_source_recorded_relative_works_from_another_folder(photos, tmp_path,
                                                                                     monkeypatch):
    """A dataset an older version prepared records SOURCE as typed ("my photos", relative to the folder prepare
    ran in), and a rerun keeps it; interrupted, the command named from another folder named that relative
    folder: run there, SOURCE did not exist (exit 2)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    folder.import_folder("my photos", "out", size=12, workers=0, shard_length=2)
    meta = json.loads((out / "meta.json").read_text())
    meta["source"]["path"] = "my photos"  # as versions before absolute paths recorded it
    (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    (out / "train-00000.h5").unlink()  # rebuilt by the rerun, which is interrupted
    with pytest.raises(KeyboardInterrupt):
        folder.import_folder("my photos", "out", size=12, workers=0, shard_length=2,
                             progress=_stop_after_first_shard(out))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(dataset.DatasetError) as refused:
        dataset.open_dataset(out)
    command = _finishing_command(str(refused.value))
    assert command[3:5] == [str(photos), str(out)], command
    kept = _stamp(out / "train-00001.h5")
    finished = CliRunner().invoke(main, [*command[1:], "--workers", "0"])
    assert finished.exit_code == 0, finished.output
    assert _stamp(out / "train-00001.h5") == kept  # finished, not begun again
    assert dataset.open_dataset(out).meta["source"]["path"] == "my photos"  # the fingerprint runs check: kept


def test_an_unfinished_import_is_finished_with_its_shard_size_and_refused_with_another(photos, tmp_path, tree_state):
    """--shard-size was not recorded: the command named left it out, and a rerun with another (or the default)
    rebuilt every shard the interrupted import had written."""
    out = tmp_path / "out"
    _interrupted_folder_import(photos, out, shard_length=2)
    before = tree_state(out)
    for other in (["--shard-size", "3"], []):
        refused = CliRunner().invoke(main, ["prepare", "folder", str(photos), str(out), "--size", "12", "--workers",
                                            "0", *other])
        assert refused.exit_code == 2, refused.output
        said = " ".join(refused.output.split())
        now = other[1] if other else build.images_per_shard(12)
        assert f"(--shard-size 2, now {now}): rerun the command that began it" in said, said
        assert "Traceback" not in refused.output
        assert tree_state(out) == before
    with pytest.raises(dataset.DatasetError) as unfinished:
        dataset.open_dataset(out)
    command = _finishing_command(str(unfinished.value))
    assert _options(command)["--shard-size"] == "2" and "--workers" not in command  # workers change no byte
    kept = _stamp(out / "train-00000.h5")
    finished = CliRunner().invoke(main, command[1:])
    assert finished.exit_code == 0, finished.output
    assert _stamp(out / "train-00000.h5") == kept
    built = dataset.open_dataset(out)
    assert [shard["count"] for shard in built.meta["subsets"]["train"]["shards"]] == [2, 2]


def _listing_fails(*args, **kwargs):
    raise AssertionError("the source was listed before OUT's source was checked")


def test_another_folder_into_an_unfinished_import_is_refused_before_it_is_listed(photos, tmp_path, monkeypatch):
    out, others = tmp_path / "out", tmp_path / "others"
    _interrupted_folder_import(photos, out)
    shutil.copytree(photos, others)
    monkeypatch.setattr(folder, "files_below", _listing_fails)
    refused = CliRunner().invoke(main, ["prepare", "folder", str(others), str(out), "--size", "12",
                                        "--shard-size", "2"])
    assert refused.exit_code == 2, refused.output
    assert f"(SOURCE {str(photos)!r}, now {str(others)!r})" in " ".join(refused.output.split())


def test_another_imagenet_into_an_unfinished_import_is_refused_before_it_is_listed(imagenet_tree, tmp_path,
                                                                                  monkeypatch):
    root, labels, _, _ = imagenet_tree
    out, other = tmp_path / "out", tmp_path / "other"
    with pytest.raises(KeyboardInterrupt):
        imagenet.import_imagenet(root, out, val_labels=labels, size=12, workers=0, shard_length=1,
                                 progress=_stop_after_first_shard(out))
    shutil.copytree(root, other)
    monkeypatch.setattr(imagenet, "entries", _listing_fails)
    refused = CliRunner().invoke(main, ["prepare", "imagenet", str(other), str(out), "--val-labels", str(labels),
                                        "--size", "12", "--shard-size", "1"])
    assert refused.exit_code == 2, refused.output
    said = " ".join(refused.output.split())
    assert f"(SOURCE {str(root)!r}, now {str(other)!r})" in said, said

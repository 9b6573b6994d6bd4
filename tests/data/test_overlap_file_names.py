"""`prepare folder` records the file each image came from (image-files.json beside the shards), and `prepare
overlap` names the files of each near copy: its "train image 2" could be traced to no file, meta.json naming none.
A dataset without the list (an earlier version's, a stale list) loads, verifies and trains as before, its images
named by number."""

import json

from click.testing import CliRunner
from overlap_photos import photo, prepared

from minitransfer.cli import main
from minitransfer.data import dataset, image_files


def _two(tmp_path):
    source = prepared(tmp_path / "X", {"bus": [photo(1), photo(2)], "oak": [photo(3), photo(4)]}, 24)
    target = prepared(tmp_path / "Y", {"elm": [photo(5)], "tram": [photo(6), photo(2)]}, 16)
    return target, source


def test_each_image_is_recorded_with_its_file_in_the_dataset_order(tmp_path):
    _, source = _two(tmp_path)
    data = dataset.open_dataset(source)
    files = image_files.recorded_files(data)
    # Oracle: the folder's files, each under the folder of its class; every one imported once
    assert sorted(files["train"]) == ["bus/0.png", "bus/1.png", "oak/0.png", "oak/1.png"]
    assert [name.split("/")[0] for name in files["train"]] == [data.classes[label]["name"]
                                                               for label in data.labels("train")]
    assert files["val"] == []


def test_overlap_names_files_and_falls_back_to_numbers_without_a_list_of_this_dataset(tmp_path):
    target, source = _two(tmp_path)
    said = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert said.exit_code == 0, said.output
    assert said.stdout.splitlines()[2:] == ["  tram/1.png (train image 2) of 'tram' like bus/1.png (train image 1) "
                                            "of 'bus'"]
    listed = tmp_path / "X-24" / image_files.FILE
    recorded = json.loads(listed.read_text())
    recorded["shards"]["train"][0][1] = "0" * 64  # a list of other shards (a stopped rerun's): not believed
    listed.write_text(json.dumps(recorded))
    (tmp_path / "Y-16" / image_files.FILE).unlink()  # an earlier version's dataset: none
    said = CliRunner().invoke(main, ["prepare", "overlap", target, source])
    assert said.exit_code == 0, said.output
    assert said.stdout.splitlines()[2:] == ["  train image 2 of 'tram' like train image 1 of 'bus'"]


def test_a_dataset_without_the_list_verifies_trains_and_gains_it_on_a_rerun(tmp_path):
    source = prepared(tmp_path / "X", {"bus": [photo(seed) for seed in range(3)],
                                       "oak": [photo(seed) for seed in range(3, 6)]}, 24, val_fraction=0.34)
    listed = tmp_path / "X-24" / image_files.FILE
    shards = sorted(path.stat().st_mtime_ns for path in (tmp_path / "X-24").glob("*.h5"))
    listed.unlink()
    checked = CliRunner().invoke(main, ["prepare", "verify", source])
    assert checked.exit_code == 0, checked.output
    trained = CliRunner().invoke(main, ["train", "--data", source, "--split", "all", "--preset", "micro", "--max-iter",
                                        "2", "--eval-every", "1", "--device", "cpu", "-o", str(tmp_path / "net.h5")])
    assert trained.exit_code == 0, trained.output
    again = CliRunner().invoke(main, ["prepare", "folder", str(tmp_path / "X"), source, "--size", "24", "--workers",
                                      "0", "--val-fraction", "0.34"])
    assert again.exit_code == 0, again.output
    assert sorted(path.stat().st_mtime_ns for path in (tmp_path / "X-24").glob("*.h5")) == shards  # none rebuilt
    files = image_files.recorded_files(dataset.open_dataset(source))
    assert sorted(files["train"] + files["val"]) == [f"{name}/{number}.png" for name in ("bus", "oak")
                                                     for number in range(3)]  # Oracle: the folder's files

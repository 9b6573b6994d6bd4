"""What makes a folder a prepared dataset, asked two ways: :func:`minitransfer.path_kinds.dataset_folder_above`
(names looked up, from a path inside it) and :func:`minitransfer.run_search.is_dataset_folder` (names listed, as
report's search reads a folder). Both read the same files: meta.json and the first training shard (DESIGN §5)."""

import os

import pytest

from minitransfer import path_kinds, run_search

MARKS = ("meta.json", "train-00000.h5")  # the oracle: DESIGN.md §5's layout, written out


@pytest.mark.parametrize("held", [(), MARKS[:1], MARKS[1:], MARKS, MARKS + ("val-00000.h5",), ("train-00001.h5",)])
def test_both_take_a_folder_for_a_dataset_by_the_same_files(tmp_path, held):
    dataset = tmp_path / "imagenet"
    (dataset / "runs" / "A.run").mkdir(parents=True)
    for name in held:
        (dataset / name).write_bytes(b"")
    is_dataset = set(MARKS) <= set(held)
    assert path_kinds.dataset_folder_above(dataset / "runs" / "A.run") == (dataset if is_dataset else None)
    assert run_search.is_dataset_folder(os.listdir(dataset)) is is_dataset
    # report's search does not look into a dataset's folder for runs
    assert [path for _, path in run_search.find_runs(tmp_path).runs] == \
        ([] if is_dataset else [dataset / "runs" / "A.run"])

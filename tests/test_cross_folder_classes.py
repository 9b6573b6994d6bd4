"""Transfers across datasets of class folders (prepare folder) whose target holds some of the source's
classes. A folder's class has no wnid: its table records the folder's name, so the warnings that said
"(by wnid)" now say "by class name", and match names with their case ignored (folders `Dog` and `dog`
of two datasets are likely one class: the warning is there to name such a class). ImageNet-like
tables (WordNet ids) are matched and named by wnid, as before."""

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import class_tables, config, grid_caveats, preflight
from minitransfer import report as reports
from minitransfer.cli import main

FAST = ["--max-iter", "2", "--eval-every", "2", "--batch-size", "8", "--device", "cpu", "--preset", "micro"]
SOURCE_CLASSES = ("cat", "Dog", "oak")
TARGET_CLASSES = ("bus", "car", "cat", "dog")
SHARED = ("cat", "dog")  # the target's classes among the source's, case ignored (folders sort bus, car, cat, dog)


def folder_dataset(root, classes, seed):
    """``root``/prepared: a dataset prepared from train/<class>/ and val/<class>/ folders of 16 x 16 PNGs."""
    rng = np.random.default_rng(seed)
    for number, name in enumerate(classes):
        for subset, count in (("train", 8), ("val", 2)):
            folder = root / "photos" / subset / name
            folder.mkdir(parents=True)
            for index in range(count):
                pixels = np.clip(rng.normal(40 * number + 40, 20, (16, 16, 3)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels).save(folder / f"{index}.png")
    done = CliRunner().invoke(main, ["prepare", "folder", str(root / "photos"), str(root / "prepared"), "--size", "14"])
    assert done.exit_code == 0, done.output
    return str(root / "prepared")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """(source, target) folder datasets: cat, Dog, oak; bus, car, cat, dog."""
    root = tmp_path_factory.mktemp("folders")
    return folder_dataset(root / "S", SOURCE_CLASSES, 1), folder_dataset(root / "T", TARGET_CLASSES, 2)


@pytest.fixture(scope="module")
def study(folders, tmp_path_factory):
    """runs/: baseS on every class of the source (outside the folder), baseT and S1T on the target's."""
    source, target = folders
    root = tmp_path_factory.mktemp("study")
    for args in (["--data", source, "--split", "all", "-o", str(root / "baseS.h5")],
                 ["--data", target, "--split", "all", "-o", str(root / "runs" / "baseT.h5")],
                 ["--data", target, "--copy-from", str(root / "baseS.h5"), "--n", "1", "--frozen",
                  "-o", str(root / "runs" / "S1T.h5")]):
        done = CliRunner().invoke(main, ["train", *args, *FAST, "--quiet"])
        assert done.exit_code == 0, done.output
    return root / "runs"


def entry(index, wnid, name=None):
    return {"index": index, "wnid": wnid, "name": wnid if name is None else name}


def test_class_names_are_matched_case_ignored_and_wnids_exactly():
    """Independent of any dataset: folder classes (wnid == name) by name whatever their case;
    WordNet ids as they are; synthetic classes (an id beside a name) by that id."""
    folder = [entry(0, "Cat"), entry(1, "dog"), entry(2, "oak")]
    shared = class_tables.shared_classes(folder, [entry(0, "cat"), entry(1, "DOG")])
    assert [e["wnid"] for e in shared] == ["Cat", "dog"]
    imagenet = [entry(0, "n02123045", "tabby cat"), entry(1, "n02085620", "Chihuahua")]
    assert class_tables.shared_classes(imagenet, [entry(7, "n02123045", "tabby")]) == imagenet[:1]
    assert class_tables.shared_classes(imagenet, [entry(0, "tabby cat")]) == []  # a folder's name is no wnid
    assert class_tables.matched_by(folder) == "by class name"
    assert class_tables.matched_by(imagenet) == "by wnid"
    assert class_tables.matched_by([entry(0, "n02123045")]) == "by wnid"  # an ImageNet class without its name
    assert class_tables.matched_by([entry(0, "synthetic-000", "red circle")]) == "by wnid"
    assert class_tables.matched_by(folder + imagenet) == class_tables.matched_by([]) == "by wnid or class name"


def test_train_and_the_grid_warn_of_shared_folder_classes_by_name(folders, study):
    """train's warning said "1 of the 4 classes ... (by wnid)": `Dog` not matched with `dog`, and no wnid."""
    source, target = folders
    plan = config.resolve(config.TrainConfig(data=target, copy_from=str(study.parent / "baseS.h5"), n=1,
                                             frozen=True, preset="micro", device="cpu"))
    assert plan.cross_dataset
    [warning] = [w for w in preflight.warnings_for(plan) if "have seen those classes" in w]
    assert warning.startswith(f"{len(SHARED)} of the {len(TARGET_CLASSES)} classes this run trains on (by class "
                              f"name: {', '.join(map(repr, SHARED))}) are among the {len(SOURCE_CLASSES)} that "), \
        warning
    grid = grid_caveats.check_source_data(source, target)
    assert f"({len(SHARED)} of the {len(TARGET_CLASSES)} classes" not in grid  # the count leads, without a bracket
    assert grid.startswith(f"{len(SHARED)} of the {len(TARGET_CLASSES)} classes of --data {target} are among the "
                           f"{len(SOURCE_CLASSES)} of --source-data {source} "
                           f"(by class name: {', '.join(map(repr, SHARED))}): ")


@pytest.mark.usefixtures("placeholder_figures")
def test_the_report_names_shared_folder_classes_by_name(study, tmp_path):
    written = reports.write_report(study, tmp_path / "report", figures=False)
    seen = {r.run.name: r.seen_classes for r in written.results}
    assert seen["S1T"] == (len(SHARED), len(TARGET_CLASSES))
    [warning] = [w for w in written.warnings if "have seen those classes" in w]
    assert warning.startswith(f"transfers across datasets whose base had been trained on some of their classes, by "
                              f"class name (1): S1T ({len(SHARED)} of its {len(TARGET_CLASSES)})"), warning
    findings = written.files["findings.md"].read_text()
    assert f"(up to {len(SHARED)} of {len(TARGET_CLASSES)}, by class name; see the runs" in findings
    assert "by wnid" not in findings and "by wnid" not in written.files["results.md"].read_text()

"""Transfer across datasets: a base trained on one dataset gives its first n layers to a network of
another dataset (other classes, another image size); the provenance says so, fc8 is the target's,
the base's mean image goes with its layers (resampled to the target's size); a grid and its report
hold such transfers."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import config, evaluate, preflight, results, run_labels, transfer, treatments
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import synthetic
from minitransfer.experiment import Run
from minitransfer.results import Result

FAST = {"batch_size": 16, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    """Six classes of 48 x 48 images: another class table and another size than synthetic_8's."""
    path = tmp_path_factory.mktemp("target") / "synthetic-6-48"
    synthetic.build_synthetic(path, classes=6, train_per_class=16, val_per_class=4, size=48, seed=3)
    return str(path)


@pytest.fixture(scope="module")
def source_base(synthetic_8, tmp_path_factory):
    out = tmp_path_factory.mktemp("source") / "base.h5"
    training.train(config.TrainConfig(out=str(out), data=synthetic_8, split="all", seed=2, **FAST))
    return out


def test_layers_come_from_the_other_dataset_and_the_provenance_says_so(source_base, target, synthetic_8, tmp_path):
    out = tmp_path / "S3T.h5"
    training.train(config.TrainConfig(out=str(out), data=target, copy_from=str(source_base), n=3, frozen=True,
                                      seed=5, **FAST))
    base, moved = checkpoints.load(source_base), checkpoints.load(out)
    for name in ("conv1", "conv2", "conv3"):
        assert all(np.array_equal(a, b) for a, b in zip(base.weights[name], moved.weights[name])), name
        assert moved.frozen[name]
    assert moved.weights["fc8"][0].shape[0] == 6 and not moved.frozen["conv4"]
    assert len(moved.classes) == 6 and moved.meta["split_kind"] == "all"  # the target's own classes
    source = moved.meta["source"]
    assert source["cross_dataset"] and source["dataset"] == synthetic_8 and source["classes"] == 8
    assert source["dataset_classes_sha256"] == base.meta["dataset_classes_sha256"] != \
        moved.meta["dataset_classes_sha256"]
    assert moved.meta["mean_source"]["kind"] == "checkpoint" and moved.meta["mean_source"]["resized_from"] == [36, 36]
    assert moved.mean.shape == (48, 48, 3)
    # the resampled mean keeps the base's average colour
    assert np.allclose(moved.mean.mean(axis=(0, 1)), base.mean.mean(axis=(0, 1)), atol=0.5)
    info = CliRunner().invoke(main, ["info", str(out)])
    assert info.exit_code == 0 and f"trained on another dataset: {synthetic_8}" in info.output
    # strictly more than the line was (info67): whose mean the base's is, the base's dataset
    assert f"mean image from checkpoint {source_base} (resized from 36x36), the mean of dataset {synthetic_8}\n" \
        in info.output


def test_a_resized_mean_image_is_announced(source_base, target):
    found = preflight.warnings_for(config.resolve(config.TrainConfig(data=target, copy_from=str(source_base), n=3,
                                                                  **FAST)))
    assert (f"the mean image of {source_base} is 36x36; it is resized to the 48x48 images of {target}, whose 32x32 "
            f"crops span {32 / 48:.0%} of a side where those of the 36x36 images the copied layers were trained on "
            f"spanned {32 / 36:.0%}; prepare {target} at 36 px (prepare's --size) to give them images of the size "
            f"they were trained on: `minitransfer prepare synthetic {target}-36px --classes 6 --train-per-class 16 "
            f"--val-per-class 4 --seed 3 --size 36`") in found, found


def test_a_small_crop_of_the_target_says_to_prepare_the_target_as_the_preset_is_the_bases(source_base, target):
    """The target's 48 px images and the base's mini preset: the advice named neither the images to
    prepare again (the target's, not the base's) nor why the preset could not change."""
    found = preflight.warnings_for(config.resolve(config.TrainConfig(data=target, copy_from=str(source_base), n=3,
                                                                  **FAST)))
    crop = [warning for warning in found if warning.startswith("preset ")]  # the mean's warning says crops too
    assert crop == [f"preset mini (the preset of {source_base}, whose layers are copied) takes 32x32 crops of the "
                    f"48x48 images of {target}: a crop spans 67% of an image's side (CaffeNet's 227 of 256: 89%); "
                    f"prepare {target} at 36 px (prepare's --size) to keep the paper's proportion"], found


def test_copying_into_another_preset_names_both(source_base, target):
    """The base is a mini network; --preset micro cannot take its conv1: say so, not only the shapes (the
    option given is at fault: a ConfigError, exit code 2)."""
    with pytest.raises(config.ConfigError, match=r"layer conv1 has W .* the network needs W .* \(it holds a "
                                                 r"'mini' network, this run builds 'micro': leave `preset` unset"):
        config.resolve(config.TrainConfig(data=target, copy_from=str(source_base), n=2, preset="micro", **FAST))


def test_a_transfer_within_one_dataset_is_not_marked_cross(synthetic_8, source_base, tmp_path):
    out = tmp_path / "n.h5"
    training.train(config.TrainConfig(out=str(out), data=synthetic_8, copy_from=str(source_base), n=2, seed=1,
                                      **FAST))
    assert checkpoints.load(out).meta["source"]["cross_dataset"] is False


def test_a_transfer_given_no_data_stays_on_the_dataset_of_its_base(synthetic_8, source_base):
    """`copy_from` and `n` alone mean the base's dataset (the paper's other half), not the built-in
    set: before, this was a transfer across datasets that only a mean-image warning hinted at."""
    plan = config.resolve(config.TrainConfig(copy_from=str(source_base), n=3, **FAST))
    assert plan.config.data == synthetic_8 and not plan.cross_dataset
    assert preflight.warnings_for(plan) == []


def test_the_first_line_of_a_run_names_the_dataset_it_trains_on(synthetic_8, source_base, tmp_path):
    """A transfer given no --data takes its base's: the header says which, so no one has to guess."""
    done = CliRunner().invoke(main, ["train", "--copy-from", str(source_base), "--n", "2", "--max-iter", "2",
                                     "--batch-size", "16", "-o", str(tmp_path / "n.h5")])
    assert done.exit_code == 0, done.output
    assert f"; split all of {synthetic_8} (8 classes); 2 iterations" in done.output.splitlines()[0]


def test_a_transfer_given_no_data_whose_base_dataset_is_gone_is_refused_naming_it(synthetic_8, tmp_path):
    moved = tmp_path / "moved-away"
    shutil.copytree(synthetic_8, moved)
    training.train(config.TrainConfig(out=str(tmp_path / "base.h5"), data=str(moved), split="all", **FAST))
    shutil.rmtree(moved)
    done = CliRunner().invoke(main, ["train", "--copy-from", str(tmp_path / "base.h5"), "--n", "2", "--max-iter", "2",
                                     "-o", str(tmp_path / "n.h5")])
    assert done.exit_code == 2 and not (tmp_path / "n.h5").exists()
    assert f"--copy-from {tmp_path / 'base.h5'} was trained on {moved}, not a prepared dataset now; give --data" \
        in done.output


def test_a_base_of_the_built_in_set_trained_elsewhere_finds_the_built_in_set_here(synthetic_8, source_base,
                                                                                   monkeypatch):
    """The built-in set's recorded folder is a cache of another machine (or another
    $MINITRANSFER_CACHE): the built-in set here, which holds the same classes, is the base's."""
    parent = checkpoints.load(source_base)
    parent.meta["config"]["data"] = "/nowhere/.cache/minitransfer/synthetic-0123"
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda: synthetic_8)
    assert config._data_of(parent, config.TrainConfig(copy_from=source_base)) == synthetic_8


@pytest.mark.usefixtures("placeholder_figures")
def test_a_cross_dataset_grid_runs_and_is_reported(synthetic_8, target, tmp_path):
    grid = tmp_path / "cross"
    result = CliRunner().invoke(main, ["experiment", "--source-data", synthetic_8, "--data", target, "-o", str(grid),
                                       "--layers", "2", "--no-fine-tuned", "--max-iter", "4", "--eval-every", "2",
                                       "--batch-size", "16", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    names = sorted(p.relative_to(grid).as_posix() for p in grid.glob("*/*.h5"))
    assert names == ["cross/S2T.h5", "cross/T2T.h5", "cross/baseS.h5", "cross/baseT.h5"]
    assert json.loads((grid / "cross/baseS.run/config.json").read_text())["data"] == synthetic_8
    assert json.loads((grid / "cross/S2T.run/config.json").read_text())["data"] == target
    assert checkpoints.load(grid / "cross/S2T.h5").meta["source"]["cross_dataset"]
    reported = CliRunner().invoke(main, ["report", str(grid)])
    assert reported.exit_code == 0, reported.output
    rows = (grid / "report" / "results.csv").read_text()
    assert "cross/S2T,S2T,AnB,cross" in rows and "cross/baseS,baseS,source,cross" in rows
    assert "  not shown: At n=2, transferred layers across datasets (SnT) score " in reported.output
    assert "  not shown: At n=2, SnT is " in reported.output and " TnT (seed spread unknown; 1 + 1 networks)" in \
        reported.output
    replicated = CliRunner().invoke(main, ["experiment", "--source-data", synthetic_8, "--data", target, "-o",
                                           str(tmp_path / "cross2"), "--layers", "2", "--replicates", "2",
                                           "--dry-run"])
    assert replicated.exit_code == 0 and "cross-1/S2T" in replicated.output, replicated.output
    beside = CliRunner().invoke(main, ["experiment", "--data", target, "-o", str(grid), "--layers", "2",
                                       "--no-fine-tuned", "--max-iter", "4", "--eval-every", "2", "--batch-size", "16",
                                       "--device", "cpu", "--dry-run"])  # a plain grid, the same options
    assert beside.exit_code == 0 and "a run of another grid" not in beside.output, beside.output


def test_eval_on_images_of_another_size_resamples_the_mean_as_train_does(tmp_path):
    """A micro network trained on 14 x 14 images evaluated on the same classes stored at 36 x 36: its
    (constant-colour, so resampling keeps it) mean image subtracted from the 36-pixel centre crops."""
    small, large = tmp_path / "s14", tmp_path / "s36"
    synthetic.build_synthetic(small, classes=4, train_per_class=8, val_per_class=3, size=14, seed=1)
    synthetic.build_synthetic(large, classes=4, train_per_class=8, val_per_class=3, size=36, seed=2)
    trained = tmp_path / "trained.h5"
    training.train(config.TrainConfig(out=str(trained), data=str(small), preset="micro", split="all", seed=3,
                                      **FAST))
    colour = np.array([190.0, 40.0, 120.0], dtype=np.float32)
    net_path = tmp_path / "net.h5"
    checkpoints.save(net_path,
                     dataclasses.replace(checkpoints.load(trained), mean=np.broadcast_to(colour, (14, 14, 3))))

    result = CliRunner().invoke(main, ["eval", str(net_path), "--data", str(large), "--device", "cpu", "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout)  # its notes on stderr
    assert scores["mean_resized_from"] == [14, 14] and scores["images"] == 12
    assert (scores["crop"], scores["image_size"]) == (12, [36, 36])

    target = datasets.open_dataset(large)
    labels = target.labels("val")
    crops = target.images("val", np.arange(labels.size))[:, 12:24, 12:24].astype(np.float32) - colour  # N,12,12,3
    loss, logits = transfer.load_net(checkpoints.load(net_path), "cpu").forward(
        np.ascontiguousarray(crops.transpose(0, 3, 1, 2)), labels, train=False)
    assert scores["loss"] == pytest.approx(float(loss), rel=1e-5)
    assert scores["top1"] == pytest.approx(float(np.mean(logits.argmax(axis=1) == labels)))

    text = CliRunner().invoke(main, ["eval", str(net_path), "--data", str(large), "--device", "cpu"])
    assert text.exit_code == 0 and f"the mean image of {net_path} is 14x14; it was resized to the images of " \
                                   f"{large}\n" in text.output
    assert "its 12x12 centre crops span 33% of the side of these 36x36 images (86% of the 14x14 images it was " \
        "trained on): it is scored on a small part of each; prepare them at 14 px" in text.output  # as train warns
    assert evaluate.evaluate_checkpoint(net_path, data=str(small), device="cpu")["mean_resized_from"] is None


@pytest.mark.parametrize("given", ["itself", "a-copy", "same-classes"])
def test_a_cross_dataset_grid_onto_the_classes_of_its_source_is_refused(synthetic_8, given, tmp_path):
    """train takes a base of the target's own classes as a transfer within one dataset: before, such a
    grid trained every SnT as one, and the report left them all out as copied from the wrong base."""
    target = {"itself": synthetic_8, "a-copy": str(tmp_path / "copy"), "same-classes": str(tmp_path / "other")}[given]
    if given == "a-copy":
        shutil.copytree(synthetic_8, target)
    elif given == "same-classes":  # other images of the same eight classes
        synthetic.build_synthetic(target, classes=8, train_per_class=2, val_per_class=1, size=36, seed=2)
    done = CliRunner().invoke(main, ["experiment", "--source-data", synthetic_8, "--data", target, "-o",
                                     str(tmp_path / "grid"), "--layers", "2", "--dry-run"])
    what = {"itself": "are the same dataset", "a-copy": "are the same prepared dataset (one a copy of the other)",
            "same-classes": "hold the same classes (index and wnid), which train takes for one dataset"}[given]
    assert done.exit_code == 2, done.output
    assert f"error: --source-data {synthetic_8} and --data {target} {what}: their transfers would not be across " \
           f"datasets; for transfers within one dataset plan its halves without --source-data" in done.output
    assert not (tmp_path / "grid").exists()


@pytest.mark.parametrize("given, split", [({}, ("all", None, 0)), ({"half": "B"}, ("random", "B", 0)),
                                          ({"split_seed": 4}, ("random", "A", 4))], ids=["none", "half", "seed"])
def test_a_transfer_across_datasets_given_a_half_trains_on_that_half_of_the_random_split(source_base, target,
                                                                                        given, split):
    """Before, `half` (or `split_seed`) alone was refused as if the user had asked for split 'all'."""
    plan = config.resolve(config.TrainConfig(data=target, copy_from=str(source_base), n=2, **given, **FAST))
    assert plan.cross_dataset and (plan.config.split, plan.config.half, plan.config.split_seed) == split
    assert plan.task.num_classes == (6 if split[0] == "all" else 3)


def test_a_hand_trained_copy_from_every_class_onto_every_class_is_labelled_all_to_all(tmp_path):
    """The selffer of a transfer across datasets trained by hand (train --copy-from its own base of every
    class): its label in the report's tables was None2None."""
    record = {"split_kind": "all", "split_seed": 0, "split_half": "", "cross_dataset": False}
    config_json = {"split": "all", "half": None, "copy_from": str(tmp_path / "baseT.h5"), "n": 2, "frozen": True,
                   "out": "T2T.h5"}
    run = treatments.treatment(tmp_path / "T2T.run", "T2T", config_json, {}, records=[{"source": json.dumps(record)}])
    assert (run.kind, run.label, run.treatment) == ("selffer", "all2all", "BnB")
    assert dataclasses.replace(run, fine_tuned=True).label == "all2all+"


@pytest.fixture
def two_datasets(tmp_path):
    """Two small datasets of other class tables (4 and 6 classes of 14 x 14 images), for micro networks."""
    paths = (str(tmp_path / "X"), str(tmp_path / "Y"))
    for path, classes, seed in zip(paths, (4, 6), (1, 2)):
        synthetic.build_synthetic(path, classes=classes, train_per_class=8, val_per_class=2, size=14, seed=seed)
    return paths


def train_here(folder, monkeypatch, **fields):
    """Train as a researcher does by hand, in ``folder``, a micro network (copy_from relative to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(folder)
    training.train(config.TrainConfig(preset="micro", seed=len(fields["out"]), **fields, **FAST))


@pytest.mark.usefixtures("placeholder_figures")
def test_a_transfer_across_datasets_trained_by_hand_is_reported_as_the_grid_is(two_datasets, tmp_path, monkeypatch):
    """baseS (every class of X), baseT (every class of Y), S2T and T2T trained by hand in one folder:
    the report refused them as runs of two datasets (baseS was a plain base of X), and without baseS
    said S2T's baseT was not among the runs; the grid's cross/ runs are paired and measured. The
    random-weights control trained by hand on every class of Y in a folder of its own stays as it is."""
    source, target = two_datasets
    study = tmp_path / "study"
    train_here(study / "cross", monkeypatch, data=source, split="all", out="baseS.h5")
    train_here(study / "cross", monkeypatch, data=target, split="all", out="baseT.h5")
    train_here(study / "cross", monkeypatch, data=target, copy_from="baseS.h5", n=2, frozen=True, out="S2T.h5")
    train_here(study / "cross", monkeypatch, copy_from="baseT.h5", n=2, frozen=True, out="T2T.h5")
    train_here(study / "all", monkeypatch, data=target, split="all", out="base.h5")
    train_here(study / "all", monkeypatch, data=target, split="all", random_frozen=2, out="random2.h5")
    reported = CliRunner().invoke(main, ["report", str(study)])
    assert reported.exit_code == 0, reported.output
    rows = {line.split(",")[0]: line.split(",")[1:4] for line in (study / "report" / "results.csv").read_text().split()}
    assert rows["cross/baseS"] == ["baseS", "source", "cross"] and rows["cross/baseT"] == ["baseT", "baseB", "cross"]
    assert rows["cross/S2T"] == ["S2T", "AnB", "cross"] and rows["cross/T2T"] == ["T2T", "BnB", "cross"]
    assert rows["all/base"] == ["base", "base", "all"] and rows["all/random2"] == ["random2", "random", "all"]
    assert "left out" not in reported.output
    assert "  not shown: At n=2, transferred layers across datasets (SnT) score " in reported.output
    assert "  not shown: At n=2, SnT is " in reported.output and " TnT (seed spread unknown; 1 + 1 networks)" in \
        reported.output
    # X's 4 classes are among Y's 6 (synthetic wnids): baseS, found by the base train recorded, has seen them
    assert "whose base had been trained on some of their classes, by wnid (1): cross/S2T (4 of its 6)" in \
        reported.output
    assert "the paper's five claims within one dataset" in reported.output  # random weights: against a random split
    assert "a study across datasets and runs on every class of one dataset, with no split" in reported.output


def hand_runs(folder, *runs):
    """(run, dataset, base) of hand-trained runs in ``folder``: ``runs`` as (name, kind, split, dataset), a
    transfer across datasets (split cross) copied from every class of dataset X."""
    found = []
    for name, kind, split, dataset in runs:
        run = Run(f"{folder}{name}", kind, split, 0, target="T" if split == "cross" else None,
                  source="S" if split == "cross" else None, n=0 if kind in ("base", "reduced") else 2,
                  per_class=10 if kind == "reduced" else None)
        found.append((run, dataset, ("X", "all", None, "") if split == "cross" else None))
    return found


def test_only_the_runs_on_every_class_beside_a_transfer_across_datasets_read_as_its_study():
    """The study's folder: baseT, TnT, baseS; the random-weights control's folder (all/), its reduced-data
    runs, and every class of Y beside no transfer across datasets stay as they are."""
    runs = (hand_runs("cross/", ("baseS", "base", "all", "X"), ("baseT", "base", "all", "Y"),
                      ("S2T", "transfer", "cross", "Y"), ("T2T", "selffer", "all", "Y"))
            + hand_runs("all/", ("base", "base", "all", "Y"), ("random2", "random-frozen", "all", "Y"),
                        ("reduced", "reduced", "all", "Y"), ("all2all", "selffer", "all", "Y")))
    labels = [(run.name, run.label, run.treatment, run.split) for run in run_labels.cross_studies(runs)]
    assert labels == [("cross/baseS", "baseS", "source", "cross"), ("cross/baseT", "baseT", "baseB", "cross"),
                      ("cross/S2T", "S2T", "AnB", "cross"), ("cross/T2T", "T2T", "BnB", "cross"),
                      ("all/base", "base", "baseB", "all"), ("all/random2", "random2", "random", "all"),
                      ("all/reduced", "reduced-0010", "reduced", "all"), ("all/all2all", "all2all", "BnB", "all")]


def test_a_base_on_every_class_beside_the_random_weights_control_stays_its_and_the_report_says_so():
    """A base and a copy on every class of Y beside random-frozen runs of Y and a transfer across datasets
    onto Y: the base is the control's, and the transfer, without its base, is named with the reason."""
    runs = hand_runs("", ("baseS", "base", "all", "X"), ("base", "base", "all", "Y"),
                     ("all2all", "selffer", "all", "Y"), ("random2", "random-frozen", "all", "Y"),
                     ("S2T", "transfer", "cross", "Y"))
    relabelled = run_labels.cross_studies(runs)
    assert [(run.name, run.label, run.split) for run in relabelled] == [
        ("baseS", "baseS", "cross"), ("base", "base", "all"), ("all2all", "all2all", "all"),
        ("random2", "random2", "all"), ("S2T", "S2T", "cross")]
    read = [Result(run, 0.5, 0.5, 0.5, 10, fingerprint=dataset) for run, (_, dataset, _) in zip(relabelled, runs)]
    assert results.without_base(read) == [
        "S2T: its base baseT (the target dataset) is not among the runs: base, on every class of its dataset, is the "
        "base of the random-frozen or reduced-data runs beside it; train those in a folder of their own"]

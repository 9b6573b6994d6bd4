"""``minitransfer eval`` on datasets and checkpoints that do not fit each other: one line and exit
65 naming the checkpoint and the dataset, never a traceback nor a score of the wrong images."""

import json
import os
import pathlib
import re
import shutil

import h5py
import pytest
from in_folder import invoke
from interrupting import interrupted_after

from minitransfer import config, evaluate, fileio, hdf5_files, run_lock, run_remedies
from minitransfer import train as training
from minitransfer.data import synthetic

TINY = {"classes": 4, "train_per_class": 8, "val_per_class": 2, "size": 14, "seed": 1}
FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "synthetic-4"
    synthetic.build_synthetic(path, **TINY)
    return path


def train(out, data, **options):
    training.train(config.TrainConfig(out=str(out), data=str(data), **{**FAST, **options}))
    return out


@pytest.fixture(scope="module")
def _trained_here(tmp_path_factory):
    """The folder every test taking ``here`` works in, one for the module; a folder keeping what was trained there
    so far; and, by how each was trained, the folder in it holding that network's weights file and run folder."""
    return tmp_path_factory.mktemp("here"), tmp_path_factory.mktemp("kept"), {}


@pytest.fixture
def here(_trained_here):
    """The module's one working folder, emptied: a network trained in it before (``trained``) is put back at
    the very path it was trained at, so it reads as a network where its training left it (a copy in another
    folder reads as moved: info and eval then name its run as made again there)."""
    folder = _trained_here[0]
    for entry in folder.iterdir():
        shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    return folder


@pytest.fixture
def trained(here, _trained_here):
    """``train(here / name, data, **options)``, trained once for the module: a later test training it alike
    (the same name, options and dataset, and base where it copies one) gets a copy of what that training wrote."""
    _, kept, made = _trained_here

    def trained(name, data, **options):
        base = options.get("copy_from")
        key = (name, str(data), fileio.sha256_file(pathlib.Path(data) / "meta.json"),
               base and fileio.sha256_file(base), json.dumps(options, sort_keys=True))
        out, run = here / name, (here / name).with_suffix(".run")
        if key in made:
            shutil.copy2(made[key] / out.name, out)
            shutil.copytree(made[key] / run.name, run, symlinks=True)
            return out
        train(out, data, **options)
        made[key] = kept / str(len(made))
        made[key].mkdir()
        shutil.copy2(out, made[key])
        shutil.copytree(run, made[key] / run.name, symlinks=True)
        return out

    return trained


def test_eval_refuses_a_dataset_prepared_again_in_its_folder_unless_given_as_data(tiny, tmp_path):
    """The dataset a checkpoint records, prepared again with other images, is another dataset: its
    score would be that of images the network was not validated on (before, it was printed as if)."""
    data = tmp_path / "data"
    shutil.copytree(tiny, data)
    train(tmp_path / "net.h5", data, split="all")
    synthetic.build_synthetic(data, **{**TINY, "seed": 2, "val_per_class": 3}, overwrite=True)
    result = invoke(["eval", "net.h5", "--device", "cpu"], tmp_path)
    assert result.exit_code == 65, result.output
    assert result.output.startswith(f"error: bad data: checkpoint net.h5 was trained on {data} before it was prepared "
                                    f"again (sha256 of its meta.json ") and f"give --data {data}\n" in result.output
    scores = invoke(["eval", "net.h5", "--data", str(data), "--json", "--device", "cpu"], tmp_path)
    assert scores.exit_code == 0 and json.loads(scores.output)["images"] == 4 * 3, scores.output


def test_eval_of_a_natural_split_network_on_a_dataset_without_families(tiny, tmp_path):
    """Its classes are there but not their families (a folder imported without --families)."""
    train(tmp_path / "natural-A.h5", tiny, split="natural", half="A")
    bare = tmp_path / "bare"
    shutil.copytree(tiny, bare)
    meta = json.loads((bare / "meta.json").read_text())
    for entry in meta["classes"]:
        del entry["family"]
    (bare / "meta.json").write_text(json.dumps(meta))
    result = invoke(["eval", "natural-A.h5", "--data", "bare", "--device", "cpu"], tmp_path)
    assert result.exit_code == 65, result.output
    assert result.output.startswith("error: bad data: checkpoint natural-A.h5 was trained on split natural half A, "
                                    "which bare cannot give: 4 classes of bare have no family "), result.output


@pytest.mark.parametrize("attribute, value, fault", [
    ("split_kind", "bogus", "attribute split_kind must be one of random, natural, all, got 'bogus'"),
    ("split_half", "C", "attribute split_half must be 'A' or 'B' for split_kind 'random', got 'C'"),
    ("split_half", "", "attribute split_half must be 'A' or 'B' for split_kind 'random', got ''"),
    ("split_seed", -1, "attribute split_seed must be 0..4294967295, got -1"),
], ids=["kind-bogus", "half-C", "half-none", "seed-negative"])
def test_eval_of_a_checkpoint_that_misrecords_its_split(tiny, here, trained, attribute, value, fault):
    """Refused as the checkpoint is read (checkpoint_meta), as every reader of it refuses it."""
    trained("net.h5", tiny, split="random", half="A")
    with h5py.File(here / "net.h5", "r+") as f:
        f.attrs[attribute] = hdf5_files.text_attribute(value) if isinstance(value, str) else value
    result = invoke(["eval", "net.h5", "--device", "cpu"], here)
    assert result.exit_code == 65, result.output
    assert result.output == f"error: bad data: checkpoint net.h5: {fault}\n", result.output
    assert "Traceback" not in result.output and "make_half" not in result.output


def test_eval_on_a_dataset_without_validation_images(tiny, here, trained):
    """A dataset imported without a validation set (its classes, their training images only) was
    said to "hold none of the 4 classes it was trained on", the very classes it holds."""
    trained("net.h5", tiny, split="all")
    synthetic.build_synthetic(here / "train-only", **{**TINY, "val_per_class": 0})
    result = invoke(["eval", "net.h5", "--data", "train-only", "--device", "cpu"], here)
    assert result.exit_code == 65, result.output
    assert result.output.startswith("error: bad data: checkpoint net.h5: train-only has no validation images "
                                    "(imported without a validation set), so nothing to score it on; score it on "
                                    "its half's training images instead (eval --subset train; "), result.output
    assert "re-import with a validation set (prepare synthetic again with --val-per-class 1" in result.output
    scores = invoke(["eval", "net.h5", "--data", "train-only", "--subset", "train", "--json", "--device", "cpu"],
                    here)
    assert scores.exit_code == 0 and json.loads(scores.output)["images"] == 4 * 8, scores.output


def test_eval_of_a_checkpoint_whose_classifier_is_narrower_than_its_classes(tiny, here, trained):
    """A file that records all 4 classes but holds the fc8 of a 2-class half: one line naming the
    layer and its shape, not softmax_cross_entropy's traceback; info and resume refuse it too."""
    trained("half.h5", tiny, split="random", half="A")
    trained("all.h5", tiny, split="all")
    with h5py.File(here / "all.h5", "r") as whole, h5py.File(here / "half.h5", "r+") as f:
        for attribute in ("classes", "split_kind", "split_half"):
            f.attrs[attribute] = whole.attrs[attribute]
    result = invoke(["eval", "half.h5", "--device", "cpu"], here)
    assert result.exit_code == 65, result.output
    assert re.fullmatch(r"error: bad data: checkpoint half.h5: layer fc8 has W \(2, \d+\): 2 outputs for the 4 "
                        r"classes the file records \(a class would have no output\)\n", result.output), result.output
    assert invoke(["info", "half.h5"], here).exit_code == 65


def test_eval_and_copy_of_a_checkpoint_that_declares_no_layers(tiny, here, trained):
    """An architecture attribute emptied (the file's layers left undeclared): eval ended in an
    IndexError traceback (exit 1) reading fc8's width off a last layer there is none of."""
    trained("net.h5", tiny, split="all")
    with h5py.File(here / "net.h5", "r+") as f:
        f.attrs["architecture"] = hdf5_files.text_attribute("[]")
    result = invoke(["eval", "net.h5", "--device", "cpu"], here)
    assert (result.exit_code, result.output) == (
        65, "error: bad data: checkpoint net.h5: holds no weight layers (the file is incomplete)\n"), result.output
    result = invoke(["train", "--copy-from", "net.h5", "--n", "2", "--data", str(tiny), "-o", "copy.h5"], here)
    assert result.exit_code == 65 and result.output.endswith("net.h5 has no layer conv1 (it has none)\n"), result.output


@pytest.mark.parametrize("command", ["info", "eval"])
def test_a_link_that_leads_nowhere_and_a_run_without_a_network_yet_are_named_as_such(tmp_path, command):
    """A loop of links was "Path 'loop1' does not exist", a started run's folder "a folder without
    a network": each is now said as what it is (exit 2)."""
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    (tmp_path / "moved").symlink_to("gone.h5")
    (tmp_path / "started.run").mkdir()
    (tmp_path / "started.run" / "config.json").write_text("{}")
    (tmp_path / "empty").mkdir()
    expected = {"loop1": "loop1 is a symbolic link that leads nowhere (a loop of links)",
                "moved": "moved is a symbolic link that leads nowhere (gone.h5 does not exist)",
                "started.run": "started.run is the run folder of started.h5, which has no network: its training "
                               "stopped before writing its first checkpoint (no process is training it",
                "empty": "empty is a folder without a network"}
    for name, message in expected.items():
        result = invoke([command, name], tmp_path)
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, result.output


def test_the_folder_of_a_run_that_stopped_before_its_first_checkpoint_is_not_said_to_be_waited_for(tiny, tmp_path):
    """A run diverged before its first checkpoint: eval, info and train --copy-from of its folder said
    to wait for its training, which had ended, then that it had "diverged, failed or interrupted",
    although its metrics.jsonl records the divergence: they now say it diverged, where and how, and
    what to do; a run whose log ends otherwise (failed, killed) keeps the generic words; while a
    process trains into it, they still say to wait."""
    with pytest.raises(training.Diverged, match="no checkpoint was written"):
        train(tmp_path / "diverged.h5", tiny, base_lr=1e4, max_iter=30, checkpoint_every=100)
    metrics = tmp_path / "diverged.run" / "metrics.jsonl"
    *trained, last = metrics.read_text().splitlines(keepends=True)
    logged = json.loads(last)
    assert logged["event"] == "diverged", last
    commands = (["eval", "diverged.run"], ["info", "diverged.run"],
                ["train", "--data", str(tiny), "--copy-from", "diverged.run", "--n", "2", "-o", "t.h5"])
    for args in commands:
        result = invoke(args, tmp_path)
        assert result.exit_code == 2, result.output
        assert "diverged.run is the run folder of diverged.h5, which has no network: its training diverged: " \
               in result.output, result.output
        assert f"at iteration {logged['iteration']} (lr {logged['lr']:.4g}), before writing its first checkpoint " \
               f"(see its metrics.jsonl); train it again with a lower --base-lr" in result.output, result.output
        assert "failed or interrupted" not in result.output, result.output
    (tmp_path / "diverged.run" / "treatment.json").write_text("{}")  # a grid's run: the grid is trained again
    grid_run = invoke(["info", "diverged.run"], tmp_path).output
    assert f"(see its metrics.jsonl); {run_remedies.TRAIN_GRID_AGAIN}, or check the data" in grid_run, grid_run
    (tmp_path / "diverged.run" / "treatment.json").unlink()
    metrics.write_text("".join(trained))  # a run that ended otherwise: its log records no divergence
    for args in commands:
        result = invoke(args, tmp_path)
        assert result.exit_code == 2, result.output
        assert "diverged.run is the run folder of diverged.h5, which has no network: its training stopped before " \
               "writing its first checkpoint (diverged, failed or interrupted" in result.output, result.output
    with run_lock.RunLock(tmp_path / "diverged.run"):  # trained again now
        result = invoke(["info", "diverged.run"], tmp_path)
    assert result.exit_code == 2 and "which has no network yet: its training runs now (PID " in result.output \
        and "and has not written its first checkpoint; wait for it" in result.output, result.output


def test_info_of_the_checkpoint_of_a_diverged_run_says_resuming_it_diverges_again(tiny, tmp_path):
    """Its checkpoint, the last before the divergence, was shown as "(resumable)" without a word of
    the divergence after it, which a resume replays bit for bit."""
    with pytest.raises(training.Diverged, match="it would diverge again"):
        train(tmp_path / "diverged.h5", tiny, base_lr=1e4, max_iter=30, checkpoint_every=1)
    for given in ("diverged.run", "diverged.run/checkpoint.h5"):
        result = invoke(["info", given], tmp_path)
        assert result.exit_code == 0, result.output
        assert re.search(r"iteration \d+ \(resumable, but its training diverged: .* at iteration \d+ \(lr 1e\+04\): "
                         r"resumed, it diverges again; start it over with --overwrite \(without --resume\) and a "
                         r"lower --base-lr",
                         result.output), result.output
    summary = json.loads(invoke(["info", "diverged.run", "--json"], tmp_path).output)
    assert summary["resumable"] and summary["diverged"].startswith("training diverged: "), summary["diverged"]
    (tmp_path / "diverged.run" / "treatment.json").write_text("{}")  # a grid's run: the grid is trained again
    grid_run = invoke(["info", "diverged.run"], tmp_path).output
    assert f"{run_remedies.TRAIN_GRID_AGAIN}, or check the data" in grid_run and "--overwrite" not in grid_run, grid_run
    (tmp_path / "diverged.run" / "treatment.json").unlink()
    shutil.copy(tmp_path / "diverged.run" / "checkpoint.h5", tmp_path / "copy.h5")  # no run's log beside it
    assert "(resumable)\n" in invoke(["info", "copy.h5"], tmp_path).output


def test_eval_of_the_checkpoint_of_a_diverged_run_says_the_run_diverged_after_it(tiny, tmp_path):
    """The scores of a diverged run's last checkpoint were printed without a word of the divergence
    its metrics.jsonl records after it (info said it)."""
    with pytest.raises(training.Diverged, match="it would diverge again"):
        train(tmp_path / "diverged.h5", tiny, base_lr=1e4, max_iter=30, checkpoint_every=1)
    logged = json.loads((tmp_path / "diverged.run" / "metrics.jsonl").read_text().splitlines()[-1])
    result = invoke(["eval", "diverged.run", "--device", "cpu"], tmp_path)
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "diverges again" in line]
    assert len(said) == 1 and said[0].startswith("its run diverged after this checkpoint ("), result.output
    assert f" at iteration {logged['iteration']} (lr {logged['lr']:.4g})); resumed, it diverges again; start it " \
           f"over with --overwrite (without --resume) and a lower --base-lr" in said[0], said[0]
    (tmp_path / "diverged.run" / "treatment.json").write_text("{}")  # a grid's run: the grid is trained again
    grid_run = invoke(["eval", "diverged.run", "--device", "cpu"], tmp_path).output
    assert f"{run_remedies.TRAIN_GRID_AGAIN}, or check the data" in grid_run and "--overwrite" not in grid_run, grid_run
    (tmp_path / "diverged.run" / "treatment.json").unlink()
    shutil.copy(tmp_path / "diverged.run" / "checkpoint.h5", tmp_path / "copy.h5")  # no run's log beside it
    copied = invoke(["eval", "copy.h5", "--device", "cpu"], tmp_path)
    assert copied.exit_code == 0 and "diverges again" not in copied.output, copied.output


@pytest.mark.parametrize("field, value", [("eval_batch_size", "abc"), ("eval_batch_size", -3), ("data", 5),
                                          ("precision", "fp16")],
                         ids=["eval-batch-text", "eval-batch-negative", "data-number", "precision-unknown"])
def test_eval_of_a_checkpoint_whose_configuration_is_damaged(tiny, here, trained, field, value):
    """eval reads its batch size, dataset and precision from the recorded configuration: each of
    these ended in a traceback (BatchLoader's ValueError, TypeError, Net.to's ValueError)."""
    trained("net.h5", tiny, split="all")
    with h5py.File(here / "net.h5", "r+") as f:
        recorded = json.loads(f.attrs["config"])
        f.attrs["config"] = hdf5_files.text_attribute(json.dumps({**recorded, field: value}))
    for command in ("eval", "info"):
        result = invoke([command, "net.h5", "--device", "cpu"] if command == "eval" else [command, "net.h5"], here)
        assert result.exit_code == 65, result.output
        expected = f"error: bad data: checkpoint net.h5: attribute config field {field} must be "
        assert result.output.startswith(expected), result.output


def _copy_with_class_2_changed(data, copy, **changes):
    """A copy of the dataset ``data`` whose meta.json gives class 2 ``changes`` (its wnid, its name):
    class 2's (wnid, name) before."""
    shutil.copytree(data, copy)
    meta = json.loads((copy / "meta.json").read_text())
    before = meta["classes"][2]["wnid"], meta["classes"][2]["name"]
    meta["classes"][2].update(changes)
    (copy / "meta.json").write_text(json.dumps(meta))
    return before


def test_eval_on_a_dataset_whose_class_is_named_otherwise_names_that_class(tiny, here, trained):
    """As many classes, one renamed: was "trained on 4 classes; every class of renamed is 4 classes,
    not those 4", which says nothing of what differs."""
    trained("net.h5", tiny, split="all")
    wnid, name = _copy_with_class_2_changed(tiny, here / "renamed", name="another name")
    result = invoke(["eval", "net.h5", "--data", "renamed", "--device", "cpu"], here)
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: checkpoint net.h5 was trained on other classes than every class of "
                             f"renamed: its output 2 is class 2 {wnid!r} ({name}), there class 2 {wnid!r} "
                             f"(another name): give the dataset it was trained on ({tiny}) as --data; to score its "
                             f"layers on these classes, train a transfer of them (minitransfer train --copy-from "
                             f"net.h5 --n N --data renamed)\n")


def test_info_of_a_transfer_whose_source_does_not_record_its_dataset(tiny, here, trained):
    """A source record saying "another dataset" without naming it: info ended in a KeyError traceback."""
    trained("net.h5", tiny, split="all")
    with h5py.File(here / "net.h5", "r+") as f:
        f.attrs["n_copied"] = 2
        f.attrs["source"] = hdf5_files.text_attribute(json.dumps({"cross_dataset": True}))
    result = invoke(["info", "net.h5"], here)
    assert result.exit_code == 0, result.output
    assert re.search(r"\ncopied layers 1\.\.2 from sha256 \.\.\. \(trained on another dataset: not recorded\)\n",
                     result.output), result.output


def test_info_of_a_transfer_across_datasets_whose_source_records_an_empty_dataset(tiny, here, trained):
    """A base whose configuration named no dataset gives its transfers a source dataset "": info said such
    a transfer across datasets was "trained on other images of these classes: , meta.json ..."."""
    other = here / "other"
    synthetic.build_synthetic(other, **{**TINY, "classes": 6})
    base = trained("base.h5", tiny, split="all")
    trained("net.h5", other, copy_from=str(base), n=2)
    with h5py.File(here / "net.h5", "r+") as f:
        source = json.loads(f.attrs["source"])
        assert source["cross_dataset"]
        f.attrs["source"] = hdf5_files.text_attribute(json.dumps({**source, "dataset": ""}))
    result = invoke(["info", "net.h5"], here)
    assert result.exit_code == 0, result.output
    assert re.search(r"\ncopied layers 1\.\.2 from sha256 \w+\.\.\. \(trained on another dataset: not recorded\)\n",
                     result.output), result.output


def test_a_link_to_a_finished_run_folder_names_its_weights_file(tiny, here, trained):
    """`latest -> net.run`: the link's own name lacks .run, and the network read was the run's last
    checkpoint, not the weights file that finished it."""
    from minitransfer.cli._paths import NetworkPath

    trained("net.h5", tiny)
    (here / "latest").symlink_to("net.run")
    assert NetworkPath().convert(str(here / "latest"), None, None) == str(here / "net.h5")
    assert NetworkPath(finished=True).convert(str(here / "latest"), None, None) == str(here / "net.h5")


@pytest.mark.parametrize("command", [["info"], ["eval", "--device", "cpu"], ["train", "--n", "2", "--copy-from"]],
                         ids=["info", "eval", "train-copy-from"])
def test_a_network_named_dot_from_inside_its_run_folder_and_the_root_folder(tiny, here, trained, command):
    """`.` (in net.run) and `/` have no last part to name a weights file by: each ended in a ValueError
    traceback. `.` in a finished run's folder now reads its weights file, as `net.run` does (train
    then refuses to write its own run inside that folder); other folders are named as without a network."""
    trained("net.h5", tiny)
    (here / "empty").mkdir()
    for folder, name in ((here / "empty", "."), (here, "/")):
        result = invoke([*command, name], folder)
        assert result.exit_code == 2 and f"{name} is a folder without a network" in result.output, result.output
    result = invoke([*command, ".."], here / "empty")  # the folder of net.run
    assert result.exit_code == 2 and ".. is no network but holds 1 run (net.run): give one of them (e.g. ../net.run)" \
        in result.output, result.output
    result = invoke([*command, "."], here / "net.run")
    if command[0] == "train":
        assert result.exit_code == 2 and "lies inside" in result.output, result.output
    else:
        assert result.exit_code == 0 and result.output.startswith(str(here / "net.h5")), result.output


def test_info_names_the_dataset_a_network_and_its_base_were_trained_on(tiny, here, trained):
    """A transfer trained on other images of its base's classes: info named neither dataset nor its
    meta.json's sha256 (only --json did), so which images a network had seen was not to be read."""
    other = here / "other"
    synthetic.build_synthetic(other, **{**TINY, "seed": 2})
    base = trained("base.h5", tiny, split="all")
    trained("net.h5", other, split="all", copy_from=str(base), n=2)
    result = invoke(["info", "net.h5"], here)
    assert result.exit_code == 0, result.output
    mine, theirs = (fileio.sha256_file(folder / "meta.json")[:16] for folder in (other, tiny))
    assert f"\ndata {other} (meta.json sha256 {mine}...)\n" in result.output
    assert (f" (trained on other images of these classes: {tiny}, meta.json sha256 {theirs}...)\n"
            in result.output), result.output
    assert f"\ndata {tiny} (meta.json sha256 {theirs}...)\nprecision" in invoke(["info", "base.h5"], here).output


def test_info_json_gives_the_class_of_each_output_as_splits_json_does(tiny, tmp_path):
    """info --json gave the class count alone: which class each of fc8's outputs scores was not there."""
    train(tmp_path / "net.h5", tiny, split="random", half="B")
    described = json.loads(invoke(["info", "net.h5", "--json"], tmp_path).output)
    [half] = json.loads(invoke(["splits", str(tiny), "random", "--half", "B", "--format", "json"], tmp_path).output)
    assert described["class_table"] == half["classes"] and [c["index"] for c in half["classes"]] == [1, 2]


def test_info_of_a_finished_run_says_finished_and_names_its_weights_file_renamed_or_not(tiny, here, trained):
    """A run's last checkpoint (at max_iter) and its weights file were shown as "(resumable)": a
    folder renamed by hand, without its weights beside it under the new name, looked like a run to
    resume; it is finished, and info says where its weights file is, or would be."""
    trained("net.h5", tiny, split="all")
    assert re.search(r" iteration 2 \(finished\)\n", invoke(["info", "net.h5"], here).output)
    given = invoke(["info", "net.run/checkpoint.h5"], here).output
    assert f"iteration 2 (finished: the last checkpoint of its run; its weights file is {here / 'net.h5'})\n" \
           in given, given
    (here / "net.run").rename(here / "old.run")
    for folder, given in ((here, "old.run"), (here / "old.run", "checkpoint.h5")):
        result = invoke(["info", given], folder)
        assert result.exit_code == 0, result.output
        assert (f"iteration 2 (finished: the last checkpoint of its run, whose weights file {here / 'old.h5'} is "
                f"not there; its training wrote {here / 'net.h5'})\n") in result.output, result.output
    summary = json.loads(invoke(["info", "old.run", "--json"], here).output)
    assert summary["finished"] and not summary["resumable"], summary
    assert summary["run"] == {"folder": str(here / "old.run"), "weights_file": str(here / "old.h5"),
                              "weights_file_exists": False, "is_weights_file": False, "training": None,
                              "training_host": None, "training_job": None, "training_node": None}


def test_eval_of_a_demo_network_whose_benchmark_cache_was_emptied_builds_the_benchmark_again(tiny, tmp_path,
                                                                                             monkeypatch):
    """A demo's networks record the built-in benchmark's folder in the cache: once the cache was
    cleaned (or $MINITRANSFER_CACHE moved), eval said to give "the folder where that dataset is now",
    which no folder of the user's is; it is a cache, built again. Another dataset gone is still named."""
    cached = tmp_path / "old-cache" / f"synthetic-{synthetic.builtin_tag()}"
    shutil.copytree(tiny, cached)
    train(tmp_path / "net.h5", cached, split="all")
    train(tmp_path / "other.h5", cached, split="all")
    with h5py.File(tmp_path / "other.h5", "r+") as f:  # trained on a dataset of the user's, deleted since
        recorded = json.loads(f.attrs["config"])
        f.attrs["config"] = hdf5_files.text_attribute(json.dumps({**recorded, "data": str(tmp_path / "mine")}))
    shutil.rmtree(cached)
    rebuilt = tmp_path / "new-cache" / cached.name
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: shutil.copytree(tiny, rebuilt))
    result = invoke(["eval", "net.h5", "--device", "cpu", "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["data"] == str(rebuilt) and json.loads(result.output)["images"] == 4 * 2
    result = invoke(["eval", "other.h5", "--device", "cpu"], tmp_path)
    assert result.exit_code == 2 and f"was trained on {tmp_path / 'mine'}, which is not there any more; give the " \
                                      f"folder where that dataset is now as --data" in result.output, result.output


def test_info_of_the_checkpoint_of_a_run_training_now_names_the_process_not_a_resume(tiny, here, trained):
    """The checkpoint of a run still training was shown as "(resumable)", which the run's lock refuses
    while that process runs; it is its latest checkpoint, and info names the PID training it."""
    trained("net.h5", tiny, split="all", max_iter=4, checkpoint_every=2)
    with h5py.File(here / "net.run" / "checkpoint.h5", "r+") as f:  # as it was at iteration 2 of 4
        f.attrs["iteration"] = 2
        f["solver"].attrs["iteration"] = 2
        del f.attrs["eval_csv_sums"]  # its record of the rows up to iteration 4, which iteration 2's would not hold
    (here / "net.h5").unlink()
    with run_lock.RunLock(here / "net.run"):  # a training in this process
        result = invoke(["info", "net.run"], here)
        summary = json.loads(invoke(["info", "net.run", "--json"], here).output)
    assert result.exit_code == 0 and (f" iteration 2 (its latest checkpoint: its training runs now (PID {os.getpid()}))"
                                      f"\n") in result.output, result.output
    assert summary["resumable"] and summary["run"]["training"] == os.getpid()
    assert (" iteration 2 (resumable: `minitransfer train --resume net.run` (or its train command again with --resume "
            "auto) goes on from it)\n") in invoke(["info", "net.run"], here).output


def test_eval_of_a_run_still_training_names_the_iteration_it_scored(tiny, here, trained):
    """A run's folder before its end is its checkpoint, rewritten as it trains: two evals in a row
    printed two scores and nothing to tell which iteration each was of."""
    interrupted_after(config.TrainConfig(out=str(here / "net.h5"), data=str(tiny), split="all",
                                         **{**FAST, "max_iter": 4}), 2)
    result = invoke(["eval", "net.run", "--device", "cpu"], here)
    scores = json.loads(invoke(["eval", "net.run", "--device", "cpu", "--json"], here).output)
    assert result.exit_code == 0 and result.output.startswith(
        "net.run/checkpoint.h5 (iteration 2 of 4) on val of "), result.output
    assert (scores["iteration"], scores["max_iter"]) == (2, 4)
    logged = (here / "net.run" / "eval.csv").read_text().splitlines()
    header, row = logged[0].split(","), logged[-1].split(",")  # the training's own evaluation at iteration 2
    assert row[0] == "2" and float(row[header.index("top1")]) == pytest.approx(scores["top1"])
    assert float(row[header.index("loss")]) == pytest.approx(scores["loss"], rel=1e-5)
    trained("done.h5", tiny, split="all")
    assert invoke(["eval", "done.run", "--device", "cpu"], here).output.startswith("done.h5 on val of ")


def test_eval_on_a_dataset_with_more_classes_says_what_to_do(tiny, here, trained):
    """A network of 4 classes on a dataset of those and 2 more: the message said that they differ,
    not what to do (a network scores only its own classes: a transfer scores its layers on others)."""
    trained("net.h5", tiny, split="all")
    synthetic.build_synthetic(here / "six", **{**TINY, "classes": 6})
    result = invoke(["eval", "net.h5", "--data", "six", "--device", "cpu"], here)
    assert (result.exit_code, result.output) == (65, (
        "error: bad data: checkpoint net.h5 was trained on 4 classes; every class of six is 6 classes, not those 4: "
        "a network is scored on the classes it was trained on; to score its layers on these, train a transfer of "
        "them (minitransfer train --copy-from net.h5 --n N --data six)\n")), result.output


def test_eval_on_a_dataset_without_one_of_its_classes_says_what_to_give(tiny, here, trained):
    """As many classes, one another class (another wnid at its index): the message named the class,
    not what to do."""
    trained("net.h5", tiny, split="all")
    wnid, name = _copy_with_class_2_changed(tiny, here / "other", wnid="n99999999")
    result = invoke(["eval", "net.h5", "--data", "other", "--device", "cpu"], here)
    assert (result.exit_code, result.output) == (65, (
        f"error: bad data: checkpoint net.h5 was trained on classes this dataset (other) does not have: class 2 is "
        f"{wnid!r} ({name}) in the checkpoint, 'n99999999' ({name}) in the dataset (4 classes in the checkpoint, 4 in "
        f"the dataset): give the dataset it was trained "
        f"on ({tiny}) as --data; to score its layers on these classes, train a transfer of them (minitransfer train "
        f"--copy-from net.h5 --n N --data other)\n")), result.output


def test_a_folder_class_missing_from_the_dataset_is_named_once_and_quoted(tiny, here, trained):
    """A class of a folder's dataset (its wnid is its name) in the checkpoint, another one in the dataset:
    was "class 2 is 'cat dog' (cat dog) in the checkpoint, a in the dataset", the name twice on one side and
    unquoted on the other."""
    trained("net.h5", tiny, split="all")
    path = here / "net.run" / "checkpoint.h5"
    with h5py.File(path, "a") as f:
        classes = json.loads(f.attrs["classes"])
        classes[2].update(wnid="cat dog", name="cat dog")
        f.attrs["classes"] = json.dumps(classes)
    _copy_with_class_2_changed(tiny, here / "other", wnid="a", name="a")
    result = invoke(["eval", str(path), "--data", "other", "--device", "cpu"], here)
    assert result.exit_code == 65 and "class 2 is 'cat dog' in the checkpoint, 'a' in the dataset (" in result.output, \
        result.output


def test_eval_given_a_run_folder_as_data_says_it_is_no_dataset(tiny, here, trained):
    """``eval A.h5 --data B.run`` (a network's folder for a dataset's): it said "B.run/meta.json:
    missing (not a prepared dataset, or an unfinished import: rerun prepare)", exit 65."""
    trained("net.h5", tiny, split="all")
    result = invoke(["eval", "net.h5", "--data", "net.run", "--device", "cpu"], here)
    assert result.exit_code == 2, result.output
    assert ("Invalid value for '--data': net.run: a run folder (a network's, which train wrote), not a dataset "
            "folder: give the folder `minitransfer prepare` wrote (it holds meta.json); or leave --data out") in \
        " ".join(result.output.split()) and "rerun prepare" not in result.output, result.output


def test_eval_stopped_says_that_it_wrote_nothing_and_how_to_score_again(tiny, here, trained, monkeypatch):
    """Ctrl-C during an eval said train's words: "... with every file written so far intact; rerun the
    same command to continue", where eval writes no file and has nothing to continue."""
    trained("net.h5", tiny, split="all")

    def stopped(batches, stop=(), progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluate, "evaluate", stopped)
    result = invoke(["eval", "net.h5", "--device", "cpu"], here)
    assert (result.exit_code, result.output) == (75, "interrupted: stopped by a signal before the scores were printed "
                                                     "(eval writes no file); rerun the same command to score the "
                                                     "network\n"), result.output


@pytest.mark.parametrize("command", ["eval", "info"])
def test_a_folder_of_grids_names_the_runs_in_it(tiny, tmp_path, command):
    """A researcher's folder of grids (grids/first/random0/*.run): it was "a folder without a network"."""
    train(tmp_path / "grids" / "first" / "random0" / "baseA.h5", tiny, split="random", half="A")
    result = invoke([command, "grids"], tmp_path)
    assert result.exit_code == 2, result.output
    assert ("grids is no network but holds 1 run (first/random0/baseA.run): give one of them (e.g. "
            "grids/first/random0/baseA.run)") in " ".join(result.output.split()), result.output

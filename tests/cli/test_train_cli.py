"""``minitransfer train``, ``eval`` and ``info`` through click (CliRunner) and, for signals, a subprocess."""

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys

import hangup
from in_folder import invoke
from arguments import overriding
import numpy as np
import pytest
import waiting
from oracles import WEIGHT_LAYERS
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import fileio, memory_limit, preflight_memory
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.cli._errors import option_text
from minitransfer.data import loader as loaders
from minitransfer.data import synthetic
from minitransfer.memory_limit import Available

FAST = ["--batch-size", "16", "--max-iter", "4", "--eval-every", "2", "--quiet", "--device", "cpu"]
LOUD = [arg for arg in FAST if arg != "--quiet"]


@pytest.fixture(scope="module")
def data(synthetic_8):
    return synthetic_8


@pytest.fixture(scope="module")
def work(data, tmp_path_factory):
    """A folder holding baseA.h5, trained through the command line."""
    folder = tmp_path_factory.mktemp("work")
    result = CliRunner().invoke(main, ["train", "--data", data, "--split", "random", "--half", "A",
                                       "-o", str(folder / "baseA.h5"), *FAST])
    assert result.exit_code == 0, result.output
    return folder


def test_the_issue_command_line_trains_a4b(work, data):
    result = invoke(["train", "--split", "random", "--copy-from", "baseA.h5", "--n", "4", "--frozen",
                     "--data", data, *FAST], work)
    assert result.exit_code == 0, result.output
    base, a4b = checkpoints.load(work / "baseA.h5"), checkpoints.load(work / "A4B.h5")
    for name in WEIGHT_LAYERS:
        same = all(np.array_equal(x, y) for x, y in zip(base.weights[name], a4b.weights[name]))
        assert same == (name in WEIGHT_LAYERS[:4]), name
    assert (work / "A4B.run" / "result.json").is_file()
    assert a4b.meta["split_half"] == "B"


def test_json_result(work, data):
    result = invoke(["train", "--data", data, "--half", "B", "-o", "baseB.h5", "--json", *FAST], work)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["iterations"] == 4 and summary["out"] == "baseB.h5" and 0 <= summary["mean10_top1"] <= 1


def test_json_result_is_strict_json_where_a_loss_is_not_finite(work, monkeypatch):
    """A last evaluation whose loss overflowed was printed as Infinity (json.dumps' default), which jq and
    strict parsers refuse; result.json already wrote it as null."""
    def overflowed(config, **_):
        return training.TrainResult(out="net.h5", run_dir="net.run", iterations=4, final={"top1": 0.5, "top5": 1.0,
                                    "loss": float("inf")}, best_top1=0.5, mean10_top1=0.5, evaluations=2,
                                    seconds=1.0, ms_per_iteration=250.0)

    monkeypatch.setattr(training, "train", overflowed)
    result = invoke(["train", "-o", "net.h5", "--json", "--quiet"], work)
    assert result.exit_code == 0, result.output

    def refused(constant):
        raise AssertionError(f"{constant} is no JSON")

    assert json.loads(result.stdout, parse_constant=refused)["final"]["loss"] is None


def test_json_of_a_finished_run_names_its_files_as_this_command_does(work, data, tmp_path):
    """`train --resume auto --json` on a run already finished prints its result with the paths this
    command gave, as a run trained now would: result.json holds the paths of the command that
    trained it, relative to that command's working directory, or the folder the run was moved from."""
    options = ["--data", data, "--half", "B", "--split-seed", "1", *FAST, "--json"]
    trained = invoke(["train", "-o", "finished.h5", *options], work)
    assert trained.exit_code == 0, trained.output
    again = invoke(["train", "-o", str(work / "finished.h5"), "--resume", "auto", *options], tmp_path)
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["out"], summary["run_dir"]) == (str(work / "finished.h5"), str(work / "finished.run"))
    assert summary["mean10_top1"] == json.loads(trained.stdout)["mean10_top1"]
    shutil.copytree(work / "finished.run", tmp_path / "moved" / "finished.run")
    shutil.copy(work / "finished.h5", tmp_path / "moved")
    moved = tmp_path / "moved" / "finished.h5"
    summary = json.loads(invoke(["train", "-o", str(moved), "--resume", "auto", *options], work).stdout)
    assert (summary["out"], summary["run_dir"]) == (str(moved), str(moved.with_suffix(".run")))


def test_info_shows_layers_frozen_flags_and_provenance(work, data):
    assert invoke(["train", "--copy-from", "baseA.h5", "--n", "2", "--frozen", "--data", data, "-o", "A2B.h5",
                   *FAST], work).exit_code == 0
    result = invoke(["info", "A2B.h5"], work)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rows = {line.split()[0]: line.split() for line in lines if line.split() and line.split()[0] in WEIGHT_LAYERS}
    assert rows["conv1"][1:] == ["16x3x5x5", "16", "yes"] and rows["conv3"][-1] == "no"
    assert "copied layers 1..2 from sha256 " + fileio.sha256_file(work / "baseA.h5")[:16] in result.output
    assert "split random seed 0 half B" in result.output
    summary = json.loads(invoke(["info", "A2B.h5", "--json"], work).output)
    assert [layer["frozen"] for layer in summary["layers"]] == [True, True] + [False] * 6
    assert summary["n_copied"] == 2 and summary["mean_source"]["kind"] == "checkpoint"


def test_info_says_a_reduced_data_run_is_one(work, data):
    assert invoke(["train", "--data", data, "--split", "all", "--per-class", "5", "-o", "reduced.h5", *FAST],
                  work).exit_code == 0
    result = invoke(["info", "reduced.h5"], work)
    assert result.exit_code == 0 and "split all, 5 training images per class (reduced data)\n" in result.output
    assert "per class" not in invoke(["info", "baseA.h5"], work).output


@pytest.mark.parametrize("weights, train_options, split_options", [
    ("baseA.h5", None, ["random", "--split-seed", "0", "--half", "A"]),
    ("natural-B.h5", ["--split", "natural", "--half", "B"], ["natural", "--half", "B"]),
    ("every-class.h5", ["--split", "all"], ["all"]),
], ids=["random", "natural", "all"])
def test_info_json_names_the_split_as_splits_json_does(work, data, weights, train_options, split_options):
    """The split of a network (info --json) is the one `splits` describes for the same options: no seed
    but the random split's (it alone is drawn), no half for the all split."""
    if train_options:
        assert invoke(["train", "--data", data, *train_options, "-o", weights, *FAST], work).exit_code == 0
    described = json.loads(invoke(["info", weights, "--json"], work).output)
    [half] = json.loads(invoke(["splits", data, *split_options, "--format", "json"], work).output)
    assert described["split"] == {key: half[key] for key in ("kind", "seed", "half")}
    assert described["classes"] == half["num_classes"]


def test_info_gives_a_seed_only_to_the_random_split_which_is_drawn(work, data):
    assert invoke(["train", "--data", data, "--split", "natural", "--half", "A", "-o", "natural-baseA.h5", *FAST],
                  work).exit_code == 0
    assert "split natural half A\n" in invoke(["info", "natural-baseA.h5"], work).output
    assert "split random seed 0 half A\n" in invoke(["info", "baseA.h5"], work).output


def test_train_gives_a_seed_only_to_the_random_split_which_is_drawn(work, data):
    for split, half, expected in (("natural", ["--half", "B"], f"; split natural half B of {data} (4 classes);"),
                                  ("all", [], f"; split all of {data} (8 classes);"),
                                  ("random", ["--half", "B"], f"; split random seed 3 half B of {data} (4 classes);")):
        seed = ["--split-seed", "3"] if split == "random" else []
        result = invoke(["train", "--data", data, "--split", split, *half, *seed, "-o", f"seed-shown-{split}.h5",
                         *LOUD], work)
        assert result.exit_code == 0 and expected in result.output, result.output


@pytest.mark.parametrize("split", ["natural", "all"])
def test_a_split_seed_for_a_split_without_one_is_a_usage_error(work, data, split):
    """The natural split and all classes are the same for every seed: a seed given to them changed
    nothing, yet it was recorded (and shown nowhere); it is refused as experiment refuses it. A
    transfer may repeat its base's own seed, which it inherits anyway."""
    result = invoke(["train", "--data", data, "--split", split, "--split-seed", "3", "-o", f"seeded-{split}.h5",
                     *FAST], work)
    assert result.exit_code == 2, result.output
    assert result.output == (f"error: --split-seed applies to the random split; the {split} split takes the same "
                             f"classes for every seed: leave --split-seed unset (got 3)\n")
    assert not (work / f"seeded-{split}.h5").exists() and not (work / f"seeded-{split}.run").exists()
    zero = invoke(["train", "--data", data, "--split", split, "--split-seed", "0", "-o", f"seeded-{split}.h5",
                   *FAST], work)
    assert zero.exit_code == 0, zero.output


def test_a_transfer_may_repeat_its_bases_split_seed_but_not_give_another(work, data, tmp_path):
    base = ["train", "--data", data, "--split", "random", "--split-seed", "4", "--half", "A", "-o", "seed4.h5"]
    assert invoke([*base, *FAST], tmp_path).exit_code == 0
    copy = ["train", "--copy-from", "seed4.h5", "--n", "2", "--split", "natural", "-o", "natural-copy.h5", *FAST]
    assert invoke([*copy, "--split-seed", "4"], tmp_path).exit_code == 0
    refused = invoke([*copy, "--split-seed", "5", "--overwrite"], tmp_path)
    assert refused.exit_code == 2 and "leave --split-seed unset (got 5)" in refused.output, refused.output


def test_info_and_eval_take_a_run_folder_and_say_what_to_give_for_other_folders(work, data, tmp_path):
    """A run folder stands for its network: the weights file beside it once finished, else its
    checkpoint (an interrupted run); a dataset folder or another folder is a usage error that says
    what to give instead, not click's bare "is a directory"."""
    finished = invoke(["info", "baseA.run"], work)
    assert finished.exit_code == 0 and finished.output.startswith("baseA.h5  sha256 "), finished.output
    scores = json.loads(invoke(["eval", "baseA.run", "--json", "--device", "cpu"], work).output)
    assert scores["checkpoint"] == "baseA.h5"
    interrupted = tmp_path / "net.run"
    interrupted.mkdir()
    (interrupted / "checkpoint.h5").write_bytes((work / "baseA.run" / "checkpoint.h5").read_bytes())
    assert invoke(["info", "net.run"], tmp_path).output.startswith("net.run/checkpoint.h5  sha256 ")
    (tmp_path / "empty").mkdir()
    for folder, says in ((data, "is a dataset folder, not a network (`minitransfer splits "),
                         (tmp_path, "is no network but holds 1 run (net.run): give one of them (e.g. "),
                         (tmp_path / "empty", "is a folder without a network: give a weights file (e.g. baseA.h5) "
                                              "or a run folder")):
        for command in ("info", "eval"):
            result = invoke([command, str(folder)], work)
            assert result.exit_code == 2 and says in result.output, result.output


def test_copy_from_takes_a_finished_run_folder_and_refuses_an_unfinished_one(work, data, tmp_path):
    """--copy-from baseA.run copies baseA.h5 (was: click's bare "is a directory"); a run folder without
    its weights beside it has not finished, and its checkpoint is copied only when named."""
    copied = invoke(["train", "--data", data, "--copy-from", "baseA.run", "--n", "2", "--frozen", "-o",
                     "A2B-from-run.h5", *FAST], work)
    assert copied.exit_code == 0, copied.output
    assert json.loads((work / "A2B-from-run.run" / "config.json").read_text())["copy_from"] == str(work / "baseA.h5")
    unfinished = tmp_path / "base.run"
    unfinished.mkdir()
    (unfinished / "checkpoint.h5").write_bytes((work / "baseA.run" / "checkpoint.h5").read_bytes())
    refused = invoke(["train", "--data", data, "--copy-from", str(unfinished), "--n", "2", "-o", str(tmp_path / "t.h5"),
                      *FAST], work)
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2 and f"{unfinished} has not finished (no base.h5 beside it); a transfer copies a " \
        f"finished base: train it to its end first (train with --resume {unfinished}), then rerun; or, to copy from " \
        f"its latest checkpoint as it is, give {unfinished / 'checkpoint.h5'}: report leaves" in said, refused.output
    assert not (tmp_path / "t.h5").exists() and not (tmp_path / "t.run").exists()


def test_a_run_folder_stands_for_its_weights_not_for_other_files_named_as_them(work, data, tmp_path):
    """Beside net.run: net.h5, a job log net.err and a table net.csv (both sorted before net.h5), and a
    copy net.bak of an earlier net.h5: info, eval and --copy-from net.run read net.h5 (the file its
    config.json names, else the .h5); without it the run has not finished."""
    (tmp_path / "net.run").mkdir()
    (tmp_path / "net.err").write_text("slurmstepd: error\n")
    (tmp_path / "net.csv").write_text("iteration,top1\n")
    shutil.copy(work / "baseA.h5", tmp_path / "net.bak")
    (tmp_path / "net.run" / "checkpoint.h5").write_bytes((work / "baseA.run" / "checkpoint.h5").read_bytes())
    refused = invoke(["train", "--data", data, "--copy-from", "net.run", "--n", "2", "-o", "t.h5", *FAST], tmp_path)
    assert refused.exit_code == 2 and "net.run has not finished (no net.h5 beside it)" in refused.output, refused.output
    shutil.copy(work / "baseA.h5", tmp_path / "net.h5")
    assert invoke(["info", "net.run"], tmp_path).output.startswith("net.h5  sha256 ")
    scores = json.loads(invoke(["eval", "net.run", "--json", "--device", "cpu"], tmp_path).output)
    assert scores["checkpoint"] == "net.h5"
    copied = invoke(["train", "--data", data, "--copy-from", "net.run", "--n", "2", "-o", "t.weights", *FAST], tmp_path)
    assert copied.exit_code == 0, copied.output
    assert json.loads((tmp_path / "t.run" / "config.json").read_text())["copy_from"] == str(tmp_path / "net.h5")
    assert invoke(["info", "t.run"], tmp_path).output.startswith("t.weights  sha256 ")  # as train -o named it


def _interrupted_after_2(out, data):
    """Train ``out`` as FAST does until a stop after iteration 2 (its checkpoint written)."""
    def stop(done):
        if done == 2:
            raise KeyboardInterrupt

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(out=str(out), data=str(data), batch_size=16, max_iter=4, eval_every=2,
                                            quiet=True, device="cpu"), on_iteration=stop)


def test_resume_takes_the_run_folder_that_ls_shows(data, tmp_path):
    """--resume runs/net.run, the folder train wrote (was: "--resume must be 'auto' or an existing
    checkpoint"): the run continues, from another working folder too, its weights file the default --out."""
    (tmp_path / "elsewhere").mkdir()
    _interrupted_after_2(tmp_path / "runs" / "net.h5", data)
    result = invoke(["train", "--data", data, "--resume", str(tmp_path / "runs" / "net.run"), "--json", *LOUD],
                    tmp_path / "elsewhere")
    assert result.exit_code == 0, result.output
    assert f"resuming {tmp_path / 'runs' / 'net.run' / 'checkpoint.h5'} at iteration 2" in result.stderr
    assert json.loads(result.stdout)["out"] == str(tmp_path / "runs" / "net.h5")
    assert checkpoints.load(tmp_path / "runs" / "net.h5").iteration == 4 and not os.listdir(tmp_path / "elsewhere")
    again = invoke(["train", "--data", data, "--resume", "net.run", *LOUD], tmp_path / "runs")
    assert again.exit_code == 0 and "net.h5 is already finished" in again.stderr, again.output


@pytest.mark.parametrize("case", ["no-run-folder", "another-out", "no-checkpoint"])
def test_resume_of_a_run_folder_that_cannot_continue_says_why(data, tmp_path, case):
    _interrupted_after_2(tmp_path / "net.h5", data)
    (tmp_path / "started.run").mkdir()
    (tmp_path / "started.run" / "config.json").write_text("{}")
    args, message = {
        "no-run-folder": (["--resume", "."], "--resume . is a folder but no run folder (e.g. baseA.run, beside its "
                                             "weights file baseA.h5); give a run folder, a checkpoint file or 'auto'"),
        "another-out": (["--resume", "net.run", "-o", "other.h5"], "--resume net.run is the run folder of net.h5, "
                                                                   "which writes net.h5, not --out other.h5: to "
                                                                   "continue that run, leave --out unset (or give "
                                                                   "--out net.h5)"),
        "no-checkpoint": (["--resume", "started.run"], "--resume started.run holds no checkpoint to continue from: its "
                                                       "training stopped before writing its first one, or has not "
                                                       "written it yet; to train it from the start, leave --resume "
                                                       "unset"),
    }[case]
    before = sorted(tmp_path.rglob("*"))
    result = invoke(["train", "--data", data, *args, *FAST], tmp_path)
    assert result.exit_code == 2 and f"error: {message}\n" in result.output, result.output
    assert sorted(tmp_path.rglob("*")) == before


def test_a_preset_taken_from_the_base_is_named_so_when_the_data_cannot_take_it(work, tmp_path):
    """baseA is a mini network (32x32 crops) and this transfer names no --data: the built-in 14x14
    images cannot take its preset, which the researcher never chose; the error says where it came from
    (bad data, 65: the base and the images do not fit; no option typed is at fault)."""
    small = tmp_path / "small"
    synthetic.build_synthetic(small, classes=8, train_per_class=4, val_per_class=2, size=14, seed=1)
    refused = invoke(["train", "--data", str(small), "--copy-from", "baseA.h5", "--n", "2", "-o",
                      str(tmp_path / "t.h5"), *FAST], work)
    assert refused.exit_code == 65 and "preset mini (the preset of baseA.h5, whose layers are copied) " \
        f"takes 32x32 crops but the images of {small} are 14x14: prepare them at 36 px" in refused.output, \
        refused.output
    assert "or choose" not in refused.output  # the layers copied are the base's preset's


def test_eval_reports_the_final_accuracy(work):
    result = invoke(["eval", "baseA.h5", "--json", "--device", "cpu"], work)
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    final = json.loads((work / "baseA.run" / "result.json").read_text())["final"]
    assert scores["top1"] == pytest.approx(final["top1"]) and scores["images"] == 40
    text = invoke(["eval", "baseA.h5"], work).output
    assert "top-1" in text and "top-5" in text


def test_an_n_below_and_above_its_range_are_refused_stating_the_same_range(work, data, built_in_presets):
    """--n 0, refused before the base is read, said "must be an integer >= 1", --n 8, refused once the
    base's preset is known, "1..7": one range, the presets' copyable layers (oracle: every weight layer
    but the classifier), and both say what n counts."""
    copyable = len(WEIGHT_LAYERS) - 1
    stated = set()
    for n in ("0", "-1", str(copyable + 1)):
        refused = invoke(["train", "--data", data, "--copy-from", "baseA.h5", "--n", n, *FAST], work)
        assert refused.exit_code == 2, refused.output
        found = re.search(rf"--n must be an integer (\S+), got {n} \(n counts the first weight layers, copied or left "
                          rf"random; layer {copyable + 1}, the classifier, is always trained\)", refused.output)
        assert found, refused.output
        stated.add(found[1])
    assert stated == {f"1..{copyable}"}
    help_text = " ".join(CliRunner().invoke(main, ["train", "--help"], terminal_width=200).output.split())
    assert "--n N Number of weight layers to copy, 1.." in help_text, help_text  # the range of the presets then


@pytest.mark.parametrize("args, code, message", [
    (["--copy-from", "baseA.h5", "--n", "8"], 2, "--n must be an integer 1..7, got 8"),
    (["--copy-from", "baseA.h5", "--n", "0"], 2, "--n must be an integer 1..7, got 0 (n counts the first weight "
                                                 "layers, copied or left random; layer 8, the classifier, is always "
                                                 "trained) in every preset"),  # not click's bare "x>=1"
    (["--copy-from", "baseA.h5", "--n", "-2", "--preset", "mini"], 2, "--n must be an integer 1..7, got -2 (n counts "
                                                                      "the first weight layers"),
    # said before the base is read: a missing one hid it, a dataset's checksums took minutes on ImageNet
    (["--copy-from", "missing.h5", "--n", "0"], 2, "--n must be an integer 1..7, got 0 (n counts"),
    (["--copy-from", "missing.h5", "--n", "3"], 2, "missing.h5' does not exist"),
    (["--copy-from", "corrupt.h5", "--n", "3"], 65, "corrupt.h5"),
    (["--copy-from", "caffenet.h5", "--n", "2", "--preset", "mini"], 2, "layer conv1 has W (96, 3, 11, 11)"),
    (["--copy-from", "baseA.h5", "--n", "3", "--data", "OTHER", "--preset", "caffenet"], 2,  # not "227x227 crops":
     "(it holds a 'mini' network, this run builds 'caffenet': leave --preset unset"),  # images prepared for it won't do
    (["--n", "3"], 2, "--n (layers to copy) needs --copy-from"),
    (["--random-frozen", "2", "--copy-from", "baseA.h5", "--n", "2"], 2,
     "--random-frozen and --copy-from exclude each other"),
], ids=["n8", "n0", "n-negative", "n0-missing-base", "missing", "corrupt", "architecture", "other-dataset-preset",
        "n-without-copy", "random-and-copy"])
def test_bad_input_gives_a_clear_error_and_writes_nothing(work, data, tmp_path, args, code, message, built_in_presets):
    (tmp_path / "corrupt.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + os.urandom(200))
    (tmp_path / "baseA.h5").write_bytes((work / "baseA.h5").read_bytes())
    (tmp_path / "net.h5").write_bytes(b"previous weights")
    if "caffenet.h5" in args:
        conv1 = np.zeros((96, 3, 11, 11), np.float32), np.zeros(96, np.float32)
        checkpoints.save(tmp_path / "caffenet.h5", checkpoints.Checkpoint(
            preset="caffenet", weights={"conv1": conv1, "conv2": (np.zeros((256, 48, 5, 5), np.float32),
                                                                  np.zeros(256, np.float32))},
            frozen={}, meta={"classes": [{"index": 0, "wnid": "n00000000", "name": "class 0"}]},
            mean=np.zeros((36, 36, 3), np.float32)))
    if "OTHER" in args:
        other = tmp_path / "other"
        synthetic.build_synthetic(other, classes=10, train_per_class=4, val_per_class=2, size=36, seed=2)
        args = [str(other) if a == "OTHER" else a for a in args]
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path) if name.endswith(".h5")}
    extra = [] if "--data" in args else ["--data", data]
    result = invoke(["train", *args, *extra, "-o", "net.h5", "--overwrite", *FAST], tmp_path)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert {name: (tmp_path / name).read_bytes() for name in before} == before
    assert not (tmp_path / "net.run").exists()


def test_existing_weights_are_not_overwritten_without_resume(work, data):
    before = (work / "baseA.h5").read_bytes()
    result = invoke(["train", "--data", data, "--half", "A", "-o", "baseA.h5", *FAST], work)
    assert result.exit_code == 2 and "--resume auto" in result.output
    assert (work / "baseA.h5").read_bytes() == before


def test_library_messages_name_the_options_the_user_typed():
    assert option_text("`random_frozen` and `copy_from` exclude each other; `resume='auto'` or `overwrite=True`; "
                       "`max_iter=300`; `n` layers; `not_a_field` and `x=1` stay") == \
        ("--random-frozen and --copy-from exclude each other; --resume auto or --overwrite; --max-iter 300; "
         "--n layers; `not_a_field` and `x=1` stay")


@pytest.mark.parametrize("case", ["text-file", "empty-out", "weights-without-run"])
def test_refusals_say_what_is_the_case_and_what_works(work, data, tmp_path, case):
    """A file that is not a weights file is never replaced, not even with --overwrite; weights whose
    run directory is gone have nothing to resume; an empty --out is no name."""
    (tmp_path / "notes.txt").write_text("notes")
    (tmp_path / "net.h5").write_bytes((work / "baseA.h5").read_bytes())
    args, message = {
        "text-file": (["-o", "notes.txt", "--overwrite"], "error: --out notes.txt exists and is not a minitransfer "
                                                          "weights file; training would replace it: choose another "
                                                          "--out or move the file away\n"),
        "empty-out": (["-o", ""], "error: --out is empty: name a weights file (or give none for the paper's name, "
                                  "e.g. baseA.h5)\n"),
        "weights-without-run": (["-o", "net.h5", "--resume", "auto"], "error: net.h5 exists but there is nothing to "
                                "resume from (net.run/checkpoint.h5 is missing); to train it again, delete or move "
                                "away net.h5, or start over with --overwrite\n"),
    }[case]
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    result = invoke(["train", "--data", data, *args, *FAST], tmp_path)
    assert result.exit_code == 2 and result.output.endswith(message), result.output
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before


SEED_LIMIT = 2**32 - 1  # NumPy's RandomState, which draws the random split, takes seeds up to this


@pytest.mark.parametrize("args", [
    ["train", "--seed", SEED_LIMIT + 1],
    ["train", "--split-seed", 99999999999999999999],
    ["splits", "DATA", "random", "--split-seed", SEED_LIMIT + 1],
    ["splits", "DATA", "random", "--per-class", "2", "--per-class-seed", SEED_LIMIT + 1],
    ["experiment", "-o", "grid", "--dry-run", "--split-seed", SEED_LIMIT + 1],
    ["experiment", "-o", "grid", "--dry-run", "--seed", SEED_LIMIT + 1],
    ["demo", "--seed", (SEED_LIMIT + 1) // 5],  # its five random splits per seed: S·5 .. S·5 + 4
], ids=["train-seed", "train-split-seed", "splits-split-seed", "splits-per-class-seed", "experiment-split-seed",
        "experiment-seed", "demo-seed"])
def test_every_seed_option_is_checked_against_the_generators_range(data, tmp_path, args):
    option = next(str(arg) for arg in args if str(arg).endswith("seed"))
    extra = ["--data", data] if args[0] in ("train", "experiment") else []
    result = invoke([str(data) if arg == "DATA" else str(arg) for arg in args] + extra, tmp_path)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output and "is not in the range 0<=x<=" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("workers", [257, 10**20], ids=["max+1", "10**20"])
def test_more_loader_workers_than_the_bound_is_a_usage_error(data, tmp_path, workers):
    """--workers 100000 would start that many processes, 10**20 overflowed in multiprocessing."""
    result = invoke(["train", "--data", data, "--workers", str(workers), *FAST], tmp_path)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '--workers': {workers} is not in the range 0<=x<=256" in result.output
    assert "at most 256" in invoke(["train", "--help"], tmp_path).output
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("args, refusal", [
    (["--batch-size", "64"], r"a training step of mini at --batch-size 64 needs about \d\d MiB of memory"),
    (["--batch-size", "1", "--eval-batch-size", "40"],
     r"an evaluation batch of mini at --eval-batch-size 40 needs about \d MiB of memory"),
], ids=["training", "evaluation"])
def test_a_batch_too_large_for_the_memory_is_refused_before_anything_is_written(data, tmp_path, monkeypatch, args,
                                                                               refusal):
    """Not a kill by the kernel's out-of-memory killer (exit 137, no message): one line, exit 1. The
    memory available is made small, so that without the refusal the run would train, not swap."""
    monkeypatch.setattr(preflight_memory, "available_memory",
                        lambda: Available(4 * 2**20, "MemAvailable in /proc/meminfo"))
    result = invoke(["train", "--data", data, "-o", "net.h5", *overriding(FAST, *args)], tmp_path)
    assert result.exit_code == 1, result.output
    option = args[-2]
    assert re.fullmatch(f"error: out of memory: {refusal}; 4 MiB is available \\(MemAvailable in /proc/meminfo\\); "
                        f"lower {option}: {option} \\d+ fits\n", result.output), result.output
    assert os.listdir(tmp_path) == []


def test_a_finished_run_rerun_on_a_machine_short_of_memory_says_it_is_finished(data, tmp_path, monkeypatch):
    """A SLURM task requeued after its run finished reruns `train --resume auto`: reporting the run
    trains nothing, so a node whose memory is short for a training step does not refuse it as out of
    memory (exit 1); an unfinished run there still is, nothing written."""
    args = ["train", "--data", data, "-o", "net.h5", *overriding(FAST, "--batch-size", "64"), "--resume", "auto"]
    assert invoke(args, tmp_path).exit_code == 0
    finished = json.loads((tmp_path / "net.run/result.json").read_text())
    before = sorted(os.listdir(tmp_path / "net.run"))
    monkeypatch.setattr(preflight_memory, "available_memory",
                        lambda: Available(4 * 2**20, "MemAvailable in /proc/meminfo"))
    result = invoke([*args, "--json"], tmp_path)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["mean10_top1"] == finished["mean10_top1"]
    assert sorted(os.listdir(tmp_path / "net.run")) == before
    unfinished = invoke([*args[:4], "other.h5", *args[5:]], tmp_path)
    assert unfinished.exit_code == 1 and "error: out of memory" in unfinished.output, unfinished.output
    assert not (tmp_path / "other.run").exists()


def test_a_batch_within_memavailable_over_the_cgroups_memory_limit_is_refused_naming_it(data, tmp_path, monkeypatch):
    """A SLURM job (--mem) or a container: the node has gigabytes free, the job's cgroup 6 MiB less
    than its usage; past its limit the out-of-memory killer would end the run (exit 137, no message)."""
    job = tmp_path / "root/sys/fs/cgroup/slurm/job_7"
    job.mkdir(parents=True)
    (job / "memory.max").write_text(f"{2 * 2**30}\n")
    (job / "memory.current").write_text(f"{2 * 2**30 - 6 * 2**20}\n")
    (tmp_path / "root/proc/self").mkdir(parents=True)
    (tmp_path / "root/proc/self/cgroup").write_text("0::/slurm/job_7\n")
    (tmp_path / "root/proc/meminfo").write_text(f"MemAvailable:   {64 * 2**20} kB\n")  # 64 GiB
    fake_machine = functools.partial(memory_limit.available_memory, tmp_path / "root")
    monkeypatch.setattr(preflight_memory, "available_memory", fake_machine)
    result = invoke(["train", "--data", data, "-o", "net.h5", *overriding(FAST, "--batch-size", "64")],
                    tmp_path / "root")
    assert result.exit_code == 1, result.output
    assert re.fullmatch(f"error: out of memory: a training step of mini at --batch-size 64 needs about \\d\\d MiB of "
                        f"memory; 6 MiB is available \\(the cgroup limit of {job}/memory.max less its usage\\); "
                        f"lower --batch-size: --batch-size \\d+ fits\n", result.output), result.output
    assert sorted(os.listdir(tmp_path / "root")) == ["proc", "sys"]


@pytest.mark.parametrize("subset, batch, mib", [("val", 1000, r"\d"), ("train", 100, r"1\d")],
                         ids=["val-1000", "train-100"])
def test_eval_refuses_a_batch_too_large_for_the_memory_before_its_loader_starts(work, monkeypatch, subset, batch, mib):
    """As train does (its evaluation batch is checked, eval's was not): one line naming --batch-size,
    exit 1. A batch counts the images there are: half A's 40 validation images, 160 training images."""
    monkeypatch.setattr(preflight_memory, "available_memory",
                        lambda: Available(4 * 2**20, "MemAvailable in /proc/meminfo"))
    monkeypatch.setattr(loaders.BatchLoader, "__init__", lambda *args, **kwargs: pytest.fail("the loader started"))
    result = invoke(["eval", "baseA.h5", "--subset", subset, "--batch-size", str(batch), "--device", "cpu"], work)
    assert result.exit_code == 1, result.output
    assert re.fullmatch(f"error: out of memory: an evaluation batch of mini at --batch-size {batch} needs about "
                        f"{mib} MiB of memory; 4 MiB is available \\(MemAvailable in /proc/meminfo\\); lower "
                        f"--batch-size: --batch-size \\d+ fits\n", result.output), result.output


def test_splits_all_has_no_half_to_choose(data, tmp_path):
    result = invoke(["splits", str(data), "all", "--half", "A"], tmp_path)
    assert result.exit_code == 2, result.output
    assert "Invalid value for --half: the all split has no halves" in result.output and "make_half" not in result.output


def test_the_largest_seeds_train(data, tmp_path):
    result = invoke(["train", "--data", data, "--seed", str(SEED_LIMIT), "--split-seed", str(SEED_LIMIT),
                     "-o", "net.h5", *FAST], tmp_path)
    assert result.exit_code == 0, result.output
    saved = checkpoints.load(tmp_path / "net.run" / "checkpoint.h5")  # the solver state: not in the weights file
    assert saved.solver.seed == SEED_LIMIT and saved.meta["split_seed"] == SEED_LIMIT
    assert checkpoints.load(tmp_path / "net.h5").meta["split_seed"] == SEED_LIMIT


def test_eval_and_info_on_bad_checkpoints(tmp_path):
    (tmp_path / "junk.h5").write_bytes(b"not a checkpoint")
    for command in ("eval", "info"):
        result = invoke([command, "junk.h5"], tmp_path)
        assert result.exit_code == 65 and "not an HDF5 file" in result.output
        missing = invoke([command, "absent.h5"], tmp_path)
        assert missing.exit_code == 2 and "does not exist" in missing.output


def test_help_has_examples():
    for command in ("train", "eval", "info"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0 and "Examples:" in result.output
    assert "--copy-from baseA.h5 --n 4 --frozen" in CliRunner().invoke(main, ["train", "--help"]).output


def test_help_says_a_base_of_another_dataset_trains_on_every_class_by_default():
    """--split's help said "the base's when copying", which a base of another dataset has not."""
    text = " ".join(CliRunner().invoke(main, ["train", "--help"]).output.split())
    assert "from a base of another dataset, all, or random where --half or --split-seed is given" in text


def test_default_data_is_the_builtin_synthetic_set(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    result = invoke(["train", "--max-iter", "2", "--batch-size", "8", "--quiet"], tmp_path)
    assert result.exit_code == 0, result.output
    saved = checkpoints.load(tmp_path / "baseA.h5")
    assert saved.preset == "micro" and len(saved.classes) == 10
    assert saved.meta["config"]["data"].startswith(str(tmp_path / "cache"))


MINITRANSFER = [sys.executable, "-c", "from minitransfer.cli import main; main(prog_name='minitransfer')"]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP], ids=["sigterm", "sighup"])
def test_a_stop_signal_to_the_job_writes_a_checkpoint_and_exits_75(data, tmp_path, stop):
    """SIGTERM (``kill -- -PGID``, ``timeout``) or SIGHUP (the shell of a closed terminal passes it
    on to its jobs) to the whole process group, the loader's workers and multiprocessing's resource
    tracker included: the training stops with a checkpoint, and says so without a warning."""
    command = [*MINITRANSFER, "train", "--data", data, "-o", "net.h5", "--batch-size", "8", "--max-iter", "100000",
               "--log-every", "1", "--eval-every", "100000", "--no-progress", "--workers", "2"]
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    metrics = tmp_path / "net.run" / "metrics.jsonl"
    # iteration 2's loss row, the blas-threads event line before it left out: two lines were iteration 1's row, and
    # a stop that came before the check after it (the training descheduled there under load) saved iteration 1
    waiting.until_while_running(lambda: len(waiting.losses_logged(metrics)) >= 2, process, "iteration 2")
    os.killpg(process.pid, stop)
    _, stderr = process.communicate(timeout=waiting.DEADLINE_SECONDS)
    assert process.returncode == 75, stderr
    assert f"interrupted: {stop.name}" in stderr and "--resume auto" in stderr and "Warning" not in stderr, stderr
    saved = checkpoints.load(tmp_path / "net.run" / "checkpoint.h5")
    assert 2 <= saved.solver.iteration < 100000
    assert not (tmp_path / "net.h5").exists()


# `minitransfer train` that holds still in its 2nd iteration, before showing it, until the test has
# taken its output away (the file "gone"), having said when (the file "ready").
_HELD_TRAIN = """
import pathlib, time
from minitransfer.progress import Progress
show = Progress.iteration
def iteration(progress, done, loss, lr):
    if done == 2:
        pathlib.Path("ready").touch()
        while not pathlib.Path("gone").exists():
            time.sleep(0.01)
    show(progress, done, loss, lr)
Progress.iteration = iteration
from minitransfer.cli import main
main(prog_name="minitransfer")
"""


def _train_through_a_hangup(data, folder, output, max_iter, options=(), preexec_fn=None):
    """``train OPTIONS`` whose output goes away in its 2nd iteration (:mod:`hangup`: to a terminal,
    or a pipe, ``output``), as when the ssh connection of its terminal drops; ``preexec_fn`` runs
    in the child before it starts. Returns the process, ended."""
    command = [sys.executable, "-c", _HELD_TRAIN, "train", "--data", data, "-o", "net.h5", "--batch-size", "8",
               "--max-iter", str(max_iter), "--log-every", "1", "--device", "cpu", *options]
    process, ours = hangup.start(command, folder, output, preexec_fn=preexec_fn)
    try:
        hangup.wait_for(folder / "ready", process, ours)
        hangup.hang_up(process, ours, output)
        (folder / "gone").touch()
        process.wait(timeout=waiting.DEADLINE_SECONDS)
    finally:
        process.kill()
    return process


@pytest.mark.parametrize("output, options", [("terminal", ()), ("terminal", ("--quiet",)), ("pipe", ())],
                         ids=["terminal", "terminal-quiet", "pipe"])
def test_a_closed_terminal_stops_training_with_a_checkpoint_and_exit_75(micro_data, tmp_path, output, options):
    """The researcher's ssh connection drops: SIGHUP, and the terminal (or the ``| tee``) takes no
    more output. The iteration under way, whose progress cannot be shown, still ends with a
    checkpoint, and the exit code is 75: the messages nobody can read are dropped, not a traceback
    or an I/O error (74) instead. With --quiet the first of them is the closing "interrupted" line."""
    process = _train_through_a_hangup(micro_data, tmp_path, output, max_iter=100000, options=options)
    assert process.returncode == 75
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == 2
    assert not (tmp_path / "net.h5").exists()


def test_a_training_started_with_sighup_ignored_trains_on_when_its_terminal_closes(micro_data, tmp_path):
    """``nohup``, ``setsid`` or ``trap '' HUP`` start a training with SIGHUP ignored so that it
    outlives its terminal: it must, and finish (exit 0) though its progress can no longer be shown."""
    process = _train_through_a_hangup(micro_data, tmp_path, "terminal", max_iter=6,
                                      preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    assert process.returncode == 0
    assert checkpoints.load(tmp_path / "net.run" / "checkpoint.h5").solver.iteration == 6
    assert checkpoints.load(tmp_path / "net.h5").meta["iteration"] == 6
    assert (tmp_path / "net.run" / "result.json").is_file()

"""A reviewer given a run folder alone makes the network again from what ``info`` prints of it: the
dataset's prepare command (from result.json: the lab's dataset is gone), the train command with every
recorded option, a default too, and compares the digest of the network alone (the file's own sha256 covers
its absolute paths, so a rerun with another --out or --data never matched it) and the accuracies.
Before, info printed no command, result.json recorded neither the versions nor the dataset's recipe,
and nothing told identical weights written at another path."""

import hashlib
import json
import platform
import shutil

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from interrupting import interrupted_after
from minitransfer import __version__
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.cpus import blas_kernels, blas_threads, thread_variable

PREPARE = ["prepare", "synthetic", "--classes", "4", "--train-per-class", "8", "--val-per-class", "4",
           "--size", "14", "--seed", "1"]
TRAIN = ["--preset", "micro", "--batch-size", "8", "--max-iter", "6", "--eval-every", "2", "--checkpoint-every",
         "2", "--device", "cpu", "--quiet"]


def _invoke(*args):
    done = CliRunner().invoke(main, [str(arg) for arg in args])
    assert done.exit_code == 0, done.output
    return done.output


def _info(path):
    return json.loads(_invoke("info", path, "--json"))


def _variables(made):
    """The variables info's "made again by" command begins with (info --json's command_variables): its BLAS's
    threads, which a CPU network's bits depend on."""
    return "".join(f"{name}={value} " for name, value in made["command_variables"].items())


def _with(command, **values):
    """``command`` (info's, "minitransfer" first) as main's arguments, each option in ``values`` (copy_from=...)
    given that value instead of the recorded one: the reviewer's own folders."""
    arguments = list(command[1:])
    for name, value in values.items():
        at = arguments.index("--" + name.replace("_", "-"))
        arguments[at + 1] = str(value)
    return arguments


def _accuracies(run):
    result = json.loads((run / "result.json").read_text())
    return [result[key] for key in ("final", "best_top1", "mean10_top1", "evaluations")], (run / "eval.csv").read_text()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(the lab's folder of runs, its base and transfer A3B); the dataset they were trained on deleted."""
    folder = tmp_path_factory.mktemp("lab")
    data = folder / "data"
    _invoke(*PREPARE[:2], data, *PREPARE[2:])
    _invoke("train", "--data", data, "--half", "A", "-o", folder / "baseA.h5", *TRAIN)
    _invoke("train", "--copy-from", folder / "baseA.h5", "--n", "3", "--frozen", "-o", folder / "A3B.h5", *TRAIN)
    shutil.rmtree(data)
    return folder


def test_a_network_made_again_elsewhere_from_what_info_prints_has_the_same_arrays_and_accuracies(lab, tmp_path):
    base, transfer = _info(lab / "baseA.run"), _info(lab / "A3B.run")
    assert base["dataset_command"] == transfer["dataset_command"] is not None
    data = tmp_path / "data"
    _invoke(*base["dataset_command"][1:3], data, *base["dataset_command"][4:])
    assert hashlib.sha256((data / "meta.json").read_bytes()).hexdigest() == base["dataset_fingerprint"]
    _invoke(*_with(base["command"], out=tmp_path / "baseA.h5", data=data))
    _invoke(*_with(transfer["command"], out=tmp_path / "A3B.h5", data=data, copy_from=tmp_path / "baseA.h5"))
    for name, made in (("baseA", base), ("A3B", transfer)):
        again = _info(tmp_path / f"{name}.run")
        assert again["network_sha256"] == made["network_sha256"], name
        assert again["sha256"] != made["sha256"]  # the file records its paths: the network's digest tells them alike
        assert _accuracies(tmp_path / f"{name}.run") == _accuracies(lab / f"{name}.run"), name


def test_the_command_gives_every_recorded_option_defaults_included(lab):
    for name in ("baseA", "A3B"):
        made = _info(lab / f"{name}.run")
        words = made["command"]
        for field, value in made["config"].items():
            if isinstance(value, bool):
                assert {"frozen": "--frozen", "cuda_graph": "--cuda-graph"}[field] in words or \
                    {"frozen": "--fine-tune", "cuda_graph": "--no-cuda-graph"}[field] in words or \
                    (field == "frozen" and not made["config"]["copy_from"]), (name, field)
            elif value is not None:
                option = "--" + field.replace("_", "-")
                assert words[words.index(option) + 1] == str(value), (name, field)
        assert made["unknown_fields"] == []
    shown = _invoke("info", lab / "A3B.run")
    assert "made again by: " + _variables(made) + " ".join(made["command"]) in shown  # its paths need no quoting
    assert "data made by: minitransfer prepare synthetic " in shown


def test_result_json_records_the_versions_and_the_datasets_recipe(lab):
    result = json.loads((lab / "baseA.run" / "result.json").read_text())
    assert result["environment"] == {"minitransfer": __version__, "python": platform.python_version(),
                                     "numpy": np.__version__, "h5py": h5py.__version__, "cupy": None,
                                     "platform": platform.platform(), "device": "cpu", "blas": blas_kernels(),
                                     "blas_threads": blas_threads(), "blas_threads_variable": thread_variable()}
    made = _info(lab / "baseA.run")
    assert result["dataset"]["fingerprint"] == made["dataset_fingerprint"]
    assert result["dataset"]["source"] == {"kind": "synthetic", "classes": 4, "train_per_class": 8, "val_per_class": 4,
                                           "size": 14, "seed": 1, "generator_version": result["dataset"]["source"]
                                           ["generator_version"]}
    assert result["dataset"]["shard_size"] is None  # each subset in one shard: prepare's default
    assert made["environment"] == result["environment"]
    assert f"trained with minitransfer {__version__}, Python {platform.python_version()}" in _invoke("info", lab /
                                                                                                     "baseA.run")


def test_a_dataset_of_several_shards_is_made_again_with_its_shard_size(tmp_path):
    data = tmp_path / "data"
    _invoke(*PREPARE[:2], data, *PREPARE[2:], "--shard-size", "5")
    _invoke("train", "--data", data, "-o", tmp_path / "net.h5", *TRAIN)
    shutil.rmtree(data)
    made = _info(tmp_path / "net.run")
    assert made["dataset_command"][-2:] == ["--shard-size", "5"]
    _invoke(*made["dataset_command"][1:])
    assert hashlib.sha256((data / "meta.json").read_bytes()).hexdigest() == made["dataset_fingerprint"]


def test_the_report_names_each_runs_result_and_weights_by_sha256(lab, tmp_path, placeholder_figures):
    """results.md says which minitransfer made it from which folder, and which result.json (and weights) of
    each run it shows: one trained again since (another result.json) is told from the one reported."""
    runs = tmp_path / "runs"
    shutil.copytree(lab, runs)
    _invoke("report", runs, "-o", tmp_path / "report")
    text = (tmp_path / "report" / "results.md").read_text()
    assert f"written by minitransfer {__version__} from the runs under {runs}" in text
    for name in ("baseA", "A3B"):
        result = runs / f"{name}.run" / "result.json"
        weights = json.loads(result.read_text())["weights"]["sha256"]
        digest = hashlib.sha256(result.read_bytes()).hexdigest()
        assert f"- {name}: result.json sha256 {digest}, weights sha256 {weights}" in text.splitlines(), name


def test_the_command_of_a_run_resumed_in_another_precision_says_it_trains_in_one(micro_data, tmp_path):
    """One command trains in one precision: for a run continued in another (--allow-precision-change) the line
    says the command does not make it again as it was trained."""
    fast = {"preset": "micro", "batch_size": 8, "max_iter": 4, "eval_every": 2, "checkpoint_every": 2,
            "device": "cpu", "quiet": True}
    out = tmp_path / "net.h5"
    interrupted_after(training.TrainConfig(out=str(out), data=micro_data, **fast), 2)
    training.train(training.TrainConfig(out=str(out), data=micro_data, precision="tf32", resume="auto",
                                        allow_precision_change=True, **fast))
    made = [line for line in _invoke("info", out).splitlines() if line.startswith("made again by: ")]
    assert made == ["made again by: " + _variables(_info(out)) + " ".join(_info(out)["command"]) + " (it trains in "
                    "tf32 throughout: this run was trained in ieee until iteration 2 (see precision above))"]

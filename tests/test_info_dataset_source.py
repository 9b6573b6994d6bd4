"""``minitransfer info`` of a network trained on an imported dataset says where it came from in words and the
prepare command that imports it again: it printed meta.json's source record as raw JSON ("data source:
{"families": null, "family_a": null, ...}"). The oracle: the command it prints, run into another folder, makes a
meta.json of the sha256 the network recorded (its dataset fingerprint), for every importer."""

import hashlib
import json
import shlex
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import cifar, folder, imagenet, tiny_imagenet
from minitransfer.dataset_recipe import import_command, source_words
from test_environment_locale_sources import _sources

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu", "preset": "micro"}


def _sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _prepared_again(command, out):
    """Run prepare ``command`` (info's words) into ``out`` instead of its OUT (the argument after SOURCE)."""
    words = command[1:]  # without "minitransfer"
    words[3] = str(out)
    done = CliRunner().invoke(main, [*words, "--workers", "0"])
    assert done.exit_code == 0, done.output
    return _sha256(out / "meta.json")


@pytest.fixture(scope="module")
def imports(tmp_path_factory):
    """{importer: its dataset folder}: each importer's (a class-folder tree, CIFAR-100, ImageNet with its
    validation labels and an is-a file, Tiny ImageNet), of sources named in UTF-8, at 12 x 12."""
    root = tmp_path_factory.mktemp("sources")
    _sources(root)
    out = {name: root / "prepared" / name for name in ("folder", "cifar100", "imagenet", "tiny-imagenet")}
    folder.import_folder(root / "photos-猫", out["folder"], size=12, workers=0)
    cifar.import_cifar100(root / "cifar-猫.tar.gz", out["cifar100"], size=12)
    imagenet.import_imagenet(root / "imagenet-猫", out["imagenet"], size=12, workers=0,
                             val_labels=root / "imagenet-猫" / "val-猫.txt", is_a=root / "is-a-猫.txt")
    tiny_imagenet.import_tiny_imagenet(root / "tiny-猫.zip", out["tiny-imagenet"], size=12, workers=0)
    return out


@pytest.mark.parametrize("kind", ["folder", "cifar100", "imagenet", "tiny-imagenet"])
def test_the_import_command_of_each_importer_makes_the_same_dataset_again(imports, kind, tmp_path):
    data = imports[kind]
    source = json.loads((data / "meta.json").read_text())["source"]
    command = import_command(source, str(data), (12, 12), None, _sha256(data / "meta.json"))
    assert command[:3] == ["minitransfer", "prepare", kind] and command[3] == source["path"], command
    assert _prepared_again(command, tmp_path / "again") == _sha256(data / "meta.json")
    assert source_words(source).endswith(source["path"] + (" (train/ and val/)" if kind == "folder" else ""))


def test_info_of_a_network_on_a_folder_import_says_its_source_and_the_command_that_imports_it(imports, tmp_path):
    data = imports["folder"]
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=str(data), split="all", **FAST))
    shown = CliRunner().invoke(main, ["info", str(out)])
    assert shown.exit_code == 0, shown.output
    line = next(line for line in shown.output.splitlines() if line.startswith("data source: "))
    assert "null" not in line and "{" not in line, line
    words, command = line.split("; imported again from its images, as they were, by: ")
    assert words == f"data source: the class folders of {data.parent.parent / 'photos-猫'} (train/ and val/)"
    assert _prepared_again(shlex.split(command), tmp_path / "again") == _sha256(data / "meta.json")
    summary = json.loads(CliRunner().invoke(main, ["info", str(out), "--json"]).output)
    assert summary["dataset_command"] == shlex.split(command)


def test_a_synthetic_set_of_another_generator_is_said_in_words_without_a_command():
    source = {"kind": "synthetic", "classes": 4, "train_per_class": 8, "val_per_class": 4, "seed": 1, "size": 14,
              "generator_version": -1}
    words = source_words(source)
    assert words.startswith("synthetic images of generator version -1 (classes 4, train per class 8, val per "
                            "class 4, seed 1, size 14); this version's generator is version "), words
    assert import_command(source, "data", (14, 14), None, "0" * 64) is None


def test_eval_of_a_network_whose_dataset_is_gone_points_to_infos_command_which_makes_it_again(imports, tmp_path):
    """eval said "give the folder where that dataset is now": info names the prepare command, which, run, gives
    the dataset back (the same meta.json), and eval then scores the network."""
    data = tmp_path / "copy"
    shutil.copytree(imports["cifar100"], data)
    out = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(out), data=str(data), split="all", **FAST))
    shutil.rmtree(data)
    refused = CliRunner().invoke(main, ["eval", str(out), "--device", "cpu"])
    assert refused.exit_code == 2, refused.output  # a usage error: give --data (train --copy-from of it: 2 too)
    assert f"or prepare it again (`minitransfer info {out}` names the command" in refused.output.replace("\n", " ")
    shown = CliRunner().invoke(main, ["info", str(out)]).output
    command = shlex.split(next(line for line in shown.splitlines() if line.startswith("data source: "))
                          .split(" by: ")[1])
    assert command[4] == str(data), command
    assert CliRunner().invoke(main, [*command[1:], "--workers", "0"]).exit_code == 0
    assert CliRunner().invoke(main, ["eval", str(out), "--device", "cpu"]).exit_code == 0

"""An unfinished import (shards written, no meta.json: interrupted) is another import's to finish only
when it is the same one: another source or other options into its OUT were silently mixed in, its
shards rebuilt (hours of ImageNet decoding lost), where a finished dataset was refused (exit 2)."""

import shlex

import pytest
from click.testing import CliRunner
from PIL import Image

from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset, folder, synthetic

SYNTHETIC = {"classes": 4, "train_per_class": 5, "val_per_class": 2, "size": 12, "shard_length": 8}


def _command(out, seed=0):
    options = [f"--{name.replace('_', '-')}" for name in SYNTHETIC]
    options = ["--shard-size" if option == "--shard-length" else option for option in options]
    values = [str(value) for value in SYNTHETIC.values()]
    return ["prepare", "synthetic", str(out), *[part for pair in zip(options, values) for part in pair],
            "--seed", str(seed)]


def _stop_after_first_shard(out):
    """A progress callback that stops the import as Ctrl-C does once ``out``'s first shard is written."""
    def progress(done, total, stage=None):  # stage: an importer's (listing, decoding)
        if (out / "train-00000.h5").is_file():
            raise KeyboardInterrupt
    return progress


def _interrupted(out, seed=0):
    with pytest.raises(KeyboardInterrupt):
        synthetic.build_synthetic(out, seed=seed, progress=_stop_after_first_shard(out), **SYNTHETIC)
    assert (out / "train-00000.h5").is_file() and not (out / "meta.json").exists()


def _stamp(path):
    return path.stat().st_mtime_ns, path.stat().st_ino


def test_another_import_into_an_unfinished_one_is_refused_and_the_same_one_resumes(tmp_path, tree_state):
    out = tmp_path / "out"
    _interrupted(out)
    before = tree_state(out)
    refused = CliRunner().invoke(main, _command(out, seed=7))
    assert refused.exit_code == 2, refused.output
    assert (f"{out} holds the shards of an unfinished import (interrupted) from another source or with other "
            f"options (--seed 0, now 7): rerun the command that began it to finish it (minitransfer prepare synthetic "
            f"{out} --classes 4 --seed 0 --train-per-class 5 --val-per-class 2 --size 12 --shard-size 8), pass "
            f"--overwrite to replace it") in " ".join(refused.output.split())
    assert tree_state(out) == before
    kept = _stamp(out / "train-00000.h5")
    resumed = CliRunner().invoke(main, _command(out))
    assert resumed.exit_code == 0, resumed.output
    assert _stamp(out / "train-00000.h5") == kept  # resumed, not rebuilt
    assert not (out / "importing.json").exists()  # meta.json records the source once finished
    assert dataset.open_dataset(out).meta["source"]["seed"] == 0
    dataset.open_dataset(out).verify()


def test_overwrite_replaces_an_unfinished_import(tmp_path):
    out = tmp_path / "out"
    _interrupted(out)
    replaced = CliRunner().invoke(main, [*_command(out, seed=7), "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert dataset.open_dataset(out).meta["source"]["seed"] == 7
    again = synthetic.build_synthetic(tmp_path / "fresh", seed=7, **SYNTHETIC)
    assert dataset.open_dataset(out).meta["subsets"] == again.meta["subsets"]  # every shard rebuilt


def test_another_source_folder_into_an_unfinished_import_is_refused_naming_both(tmp_path, tree_state):
    photos, others, out = tmp_path / "photos", tmp_path / "others", tmp_path / "out"
    for root, shade in ((photos, 0), (others, 90)):
        for name, colour in (("cat", (200, 10, 10)), ("dog", (10, 10, 200))):
            (root / name).mkdir(parents=True)
            for number in range(3):
                Image.new("RGB", (8, 8), (colour[0], colour[1] + number + shade, colour[2])).save(
                    root / name / f"{number}.png")
    with pytest.raises(KeyboardInterrupt):
        folder.import_folder(photos, out, size=12, workers=0, shard_length=2, progress=_stop_after_first_shard(out))
    before = tree_state(out)
    refused = CliRunner().invoke(main, ["prepare", "folder", str(others), str(out), "--size", "12", "--workers", "0",
                                        "--shard-size", "2"])
    assert refused.exit_code == 2, refused.output
    assert f"unfinished import (interrupted) from another source or with other options (SOURCE {str(photos)!r}, now " \
           f"{str(others)!r})" in " ".join(refused.output.split())
    assert tree_state(out) == before


def test_a_finished_dataset_interrupted_while_a_shard_is_rebuilt_is_still_told_apart(tmp_path, tree_state):
    out = tmp_path / "out"
    synthetic.build_synthetic(out, **SYNTHETIC)
    (out / "train-00000.h5").unlink()  # the rerun rebuilds it, meta.json removed first
    with pytest.raises(KeyboardInterrupt):
        synthetic.build_synthetic(out, progress=_stop_after_first_shard(out), **SYNTHETIC)
    assert not (out / "meta.json").exists()
    before = tree_state(out)
    refused = CliRunner().invoke(main, _command(out, seed=7))
    assert refused.exit_code == 2, refused.output
    assert tree_state(out) == before


def test_an_import_an_older_version_left_unfinished_resumes_as_it_did(tmp_path):
    """Without importing.json (an older version began it) the source cannot be told: the rerun resumes,
    keeping the shards built from its inputs and rebuilding the others, as it always did."""
    out = tmp_path / "out"
    _interrupted(out)
    (out / "importing.json").unlink()
    kept = _stamp(out / "train-00000.h5")
    assert CliRunner().invoke(main, _command(out)).exit_code == 0
    assert _stamp(out / "train-00000.h5") == kept
    assert dataset.open_dataset(out).meta["source"]["seed"] == 0


def test_an_import_stopped_before_its_first_shard_holds_nothing_to_lose(tmp_path):
    out = tmp_path / "out"
    _interrupted(out)
    for shard in out.glob("*.h5"):
        shard.unlink()
    replaced = CliRunner().invoke(main, _command(out, seed=7))
    assert replaced.exit_code == 0, replaced.output
    assert dataset.open_dataset(out).meta["source"]["seed"] == 7


def _finishing_command(output):
    """The prepare command an error names (between "began it, " and ", which keeps"), as words."""
    said = " ".join(output.split())
    return shlex.split(said.split("the command that began it, ", 1)[1].split(", which keeps", 1)[0])


def _options(words):
    """{option: value} of a prepare command's words."""
    return {word: value for word, value in zip(words, words[1:]) if word.startswith("--")}


def test_an_unfinished_import_given_as_data_or_a_network_names_the_command_that_finishes_it(tmp_path, micro_data):
    """train --data, eval --data and info of an interrupted import said "meta.json: missing (not a prepared
    dataset, or an unfinished import: rerun prepare)" and "a folder without a network", naming no command."""
    out = tmp_path / "out"
    _interrupted(out)
    network = tmp_path / "net.h5"
    training.train(training.TrainConfig(out=str(network), data=micro_data, preset="micro", batch_size=8, max_iter=2,
                                        eval_every=2, quiet=True, device="cpu"))
    refusals = {"train": (["train", "--data", str(out), "-o", str(tmp_path / "other.h5"), "--preset", "micro"], 65),
                "eval": (["eval", str(network), "--data", str(out)], 65), "info": (["info", str(out)], 2)}
    for name, (arguments, code) in refusals.items():
        refused = CliRunner().invoke(main, arguments)
        assert refused.exit_code == code, (name, refused.output)
        assert f"{out}{':' if code == 65 else ' is'} an unfinished import" in " ".join(refused.output.split()), name
        assert "Traceback" not in refused.output
        command = _finishing_command(refused.output)
        expected = _command(out)
        assert command[:4] == ["minitransfer", *expected[:3]], name
        assert _options(command) == _options(expected), name
    kept = _stamp(out / "train-00000.h5")
    finished = CliRunner().invoke(main, command[1:])
    assert finished.exit_code == 0, finished.output
    assert _stamp(out / "train-00000.h5") == kept  # finished, not begun again
    fresh = synthetic.build_synthetic(tmp_path / "fresh", **SYNTHETIC)
    assert dataset.open_dataset(out).meta["subsets"] == fresh.meta["subsets"]


def test_an_unfinished_import_of_a_folder_names_its_source_folder_and_options(tmp_path, image_bytes, write_files):
    photos, out = tmp_path / "my photos", tmp_path / "out"
    write_files(photos, {f"{name}/{number}.png": image_bytes((40 * number, 90, 30), kind="PNG")
                         for name in ("cat", "dog") for number in range(3)})
    with pytest.raises(KeyboardInterrupt):
        folder.import_folder(photos, out, size=12, workers=0, shard_length=2, seed=3,
                             progress=_stop_after_first_shard(out))
    with pytest.raises(dataset.DatasetError) as refused:
        dataset.open_dataset(out)
    command = _finishing_command(str(refused.value))
    assert command[:5] == ["minitransfer", "prepare", "folder", str(photos), str(out)]
    assert _options(command) == {"--seed": "3", "--size": "12", "--shard-size": "2"}
    finished = CliRunner().invoke(main, [*command[1:], "--workers", "0"])
    assert finished.exit_code == 0, finished.output
    assert dataset.open_dataset(out).num_images("train") + dataset.open_dataset(out).num_images("val") == 6


def test_the_command_named_for_an_unfinished_tiny_imagenet_import_finishes_it(tmp_path):
    """Tiny ImageNet records its words.txt among its source's options: the command named said
    `--words-txt PATH`, an option `prepare tiny-imagenet` does not have (exit 2 when run)."""
    from data.test_importers import _write_tiny_zip
    from minitransfer.data import tiny_imagenet

    archive, out = tmp_path / "tiny-imagenet-200.zip", tmp_path / "out"
    _write_tiny_zip(archive)
    with pytest.raises(KeyboardInterrupt):
        tiny_imagenet.import_tiny_imagenet(archive, out, size=16, shard_length=1, workers=0,
                                           progress=_stop_after_first_shard(out))
    refused = CliRunner().invoke(main, ["info", str(out)])
    assert refused.exit_code == 2 and "an unfinished import" in refused.output, refused.output
    command = _finishing_command(refused.output)
    assert command[:4] == ["minitransfer", "prepare", "tiny-imagenet", str(archive)], command
    finished = CliRunner().invoke(main, [*command[1:], "--workers", "0"])
    assert finished.exit_code == 0, finished.output
    assert dataset.open_dataset(out).meta["source"]["kind"] == "tiny-imagenet"

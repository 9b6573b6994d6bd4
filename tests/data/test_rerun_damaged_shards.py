"""A rerun of prepare over a dataset whose shard was damaged where the shard's own checks did not look
(its /sum, an array or attribute the format does not write, bytes outside its arrays): it kept the shard
as finished, built mean.h5 from the damaged sum, recorded the damaged file's sha256 in meta.json and
exited 0, so verify then passed and training subtracted a wrong mean image. Now the shard is rebuilt from
its inputs: byte for byte the file first written, so meta.json, and with it the dataset's fingerprint,
is the one a network trained before the damage records."""

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import config, fileio, hdf5_files
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import dataset, shard_builder, shard_format, synthetic

# the parameters of the tiny_synthetic fixture (conftest.py): a rerun must give the same ones
PARAMETERS = dict(classes=6, train_per_class=12, val_per_class=4, size=16, seed=5, shard_length=30)
SHARD = "train-00001.h5"
FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "checkpoint_every": 2, "quiet": True,
        "device": "cpu"}


def _write_at(path, name, offset, data):
    """Write ``data`` into the file ``path`` at byte ``offset`` of its contiguous array ``name`` (as a bad
    disk, or another program writing into it, would)."""
    with h5py.File(path, "r") as handle:
        start = handle[name].id.get_offset()
    with open(path, "r+b") as stream:
        stream.seek(start + offset)
        stream.write(data)


def _zero_sum(path):
    _write_at(path, "sum", 0, bytes(16 * 16 * 3 * 8))


def _huge_sum_value(path):
    _write_at(path, "sum", 8 * 5, np.float64(1e12).tobytes())


def _extra_array(path):
    with h5py.File(path, "r+") as handle:
        handle.create_dataset("junk", data=np.arange(3))


def _other_schema(path):
    with h5py.File(path, "r+") as handle:
        handle.attrs["schema"] = shard_format.SCHEMA_VERSION + 1


def _wrong_subset(path):
    with h5py.File(path, "r+") as handle:
        handle.attrs["subset"] = hdf5_files.text_attribute("val")


def _bytes_appended(path):
    with open(path, "ab") as stream:
        stream.write(b"\0" * 64)


def _rehash(folder):
    """meta.json's sha256 of every file recomputed (as a hand-made dataset's, or the rerun before this
    fix, wrote them): only the shard's own contents can then tell the damage."""
    meta = fileio.parse_json((folder / "meta.json").read_bytes())
    for subset in meta["subsets"].values():
        for shard in subset["shards"]:
            shard["sha256"] = fileio.sha256_file(folder / shard["file"])
    shard_format.write_meta(folder, meta)


def _train_mean(folder):
    """The mean of the training images of ``folder``, from the images themselves (float64)."""
    meta = fileio.parse_json((folder / "meta.json").read_bytes())
    images = [h5py.File(folder / shard["file"], "r")["images"][()] for shard in meta["subsets"]["train"]["shards"]]
    return np.concatenate(images).mean(axis=0)


def _assert_as_first_built(copy, original):
    for name in ("meta.json", "mean.h5", SHARD):
        assert (copy / name).read_bytes() == (original / name).read_bytes(), name
    with h5py.File(copy / "mean.h5", "r") as handle:
        np.testing.assert_allclose(handle["mean"][()], _train_mean(original), rtol=1e-6)


@pytest.mark.parametrize("damage", [_zero_sum, _huge_sum_value, _extra_array, _other_schema, _wrong_subset],
                         ids=["sum-zeroed", "sum-1e12", "extra-array", "other-schema", "wrong-subset"])
def test_a_shard_whose_arrays_disagree_with_the_format_is_rebuilt_by_a_rerun(copy, tiny_synthetic, damage):
    """Damaged with meta.json's digests recomputed, so that nothing but the shard's contents tells it:
    the rerun kept it, and built mean.h5 from its /sum."""
    damage(copy / SHARD)
    _rehash(copy)
    synthetic.build_synthetic(copy, **PARAMETERS)
    _assert_as_first_built(copy, tiny_synthetic)


def test_a_shard_that_no_longer_hashes_to_the_recorded_sha256_is_rebuilt_not_recorded_again(copy, tiny_synthetic):
    """Bytes appended to a shard change no array: the rerun kept it and wrote its new sha256 into
    meta.json (a dataset prepared again, to every network trained on it before)."""
    _bytes_appended(copy / SHARD)
    synthetic.build_synthetic(copy, **PARAMETERS)
    _assert_as_first_built(copy, tiny_synthetic)


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]], ids=["rerun", "overwrite"])
def test_the_walkthrough_a_damaged_sum_is_repaired_and_a_network_trained_before_still_evaluates(
        copy, tiny_synthetic, tmp_path, overwrite):
    """verify says the shard is corrupt and that rerunning prepare rebuilds it; the rerun (also with
    --overwrite) exited 0 leaving the damage, verify then said "(verified)", and eval refused a network
    trained before the damage as trained "before it was prepared again" (meta.json's sha256 changed)."""
    network = tmp_path / "net.h5"
    training.train(config.TrainConfig(out=str(network), data=str(copy), **FAST))
    _zero_sum(copy / SHARD)
    runner = CliRunner()
    assert runner.invoke(main, ["prepare", "verify", str(copy)]).exit_code == 65
    rerun = runner.invoke(main, ["prepare", "synthetic", str(copy), "--classes", "6", "--train-per-class", "12",
                                 "--val-per-class", "4", "--size", "16", "--seed", "5", "--shard-size", "30",
                                 *overwrite])
    assert rerun.exit_code == 0, rerun.output
    verified = runner.invoke(main, ["prepare", "verify", str(copy)])
    assert verified.exit_code == 0, verified.output
    _assert_as_first_built(copy, tiny_synthetic)
    assert dataset.open_dataset(copy).fingerprint == dataset.open_dataset(tiny_synthetic).fingerprint
    evaluated = runner.invoke(main, ["eval", str(network), "--device", "cpu"])
    assert evaluated.exit_code == 0, evaluated.output


def _other_images_consistent_in_themselves(path):
    """The shard written again with its images inverted, its /sum, content_sha256 and every attribute as
    write_shard makes them for such images: nothing in the file tells it from one its inputs gave."""
    with h5py.File(path, "r") as handle:
        images, labels = handle["images"][()], handle["labels"][()]
        attributes = {name: hdf5_files.plain_attribute(handle.attrs[name])
                      for name in ("subset", "first_index", "plan")}
    shard_format.write_shard(path, 255 - images, labels, attributes["subset"], attributes["first_index"],
                             attributes["plan"])


@pytest.mark.parametrize("damage", [_other_images_consistent_in_themselves, _zero_sum],
                         ids=["other-images", "sum-zeroed"])
def test_overwrite_builds_every_shard_again_from_its_images(copy, tiny_synthetic, damage):
    """--overwrite ("replace the dataset") kept every shard whose inputs were listed as before, so a shard
    that passes every check of a rerun but holds other images stayed (mean.h5 too): only deleting the
    folder rebuilt it. The plain rerun still keeps such a shard (it cannot tell it without decoding)."""
    damage(copy / SHARD)
    _rehash(copy)
    synthetic.build_synthetic(copy, overwrite=True, **PARAMETERS)
    _assert_as_first_built(copy, tiny_synthetic)


def test_a_plain_rerun_keeps_a_shard_consistent_in_itself(copy, tiny_synthetic):
    """What --overwrite is for: the rerun decodes no image of a shard whose inputs are listed as before
    and whose contents agree with each other."""
    _other_images_consistent_in_themselves(copy / SHARD)
    _rehash(copy)
    written = (copy / SHARD).read_bytes()
    synthetic.build_synthetic(copy, **PARAMETERS)
    assert (copy / SHARD).read_bytes() == written != (tiny_synthetic / SHARD).read_bytes()


def test_a_shard_of_another_plan_is_rebuilt_without_being_read_in_full(copy, monkeypatch):
    """Every shard was hashed whole before its attributes were read, so a rerun that changes every shard's
    plan (--size 16 then 12, with --overwrite) read each shard in full only to rebuild it (ImageNet: over
    100 GB). Its own plan is still checked against meta.json's sha256 (one read of the file)."""
    path = copy / SHARD
    meta = fileio.parse_json((copy / "meta.json").read_bytes())
    recorded = {shard["file"]: shard for shard in meta["subsets"]["train"]["shards"]}[SHARD]
    with h5py.File(path, "r") as handle:
        plan, first_index = hdf5_files.plain_attribute(handle.attrs["plan"]), int(handle.attrs["first_index"])
    hashed, sha256_file = [], fileio.sha256_file
    monkeypatch.setattr(fileio, "sha256_file", lambda name: hashed.append(name) or sha256_file(name))
    kept = shard_builder._judged_shard(path, plan, first_index, 16, 30, [], recorded["sha256"])[0]
    assert kept is not None and kept["sha256"] == recorded["sha256"] and hashed == [path]
    hashed.clear()
    assert shard_builder._judged_shard(path, "other plan", first_index, 16, 30, [], recorded["sha256"])[0] is None
    assert hashed == []

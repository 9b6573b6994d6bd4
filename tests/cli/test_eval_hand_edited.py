"""``minitransfer eval`` of checkpoints edited by hand in h5py or written by another program: a
missing attribute is named, and a file that records no dataset is not said to be of one "prepared
again"; each exits 65 with one line, never h5py's words for a missing key."""

import json
import re
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data import synthetic


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A micro network on every class of 4 classes of 14 px images, and that dataset."""
    folder = tmp_path_factory.mktemp("hand-edited")
    data = folder / "synthetic-4"
    synthetic.build_synthetic(data, classes=4, train_per_class=6, val_per_class=2, size=14, seed=1)
    net = folder / "all.h5"
    training.train(config.TrainConfig(out=str(net), data=str(data), preset="micro", split="all", batch_size=8,
                                      max_iter=2, eval_every=2, quiet=True, device="cpu"))
    return net, data


def edited(trained, tmp_path, attribute):
    """A copy of the trained network without the root attribute ``attribute``."""
    copy = tmp_path / f"no-{attribute}.h5"
    shutil.copy(trained[0], copy)
    with h5py.File(copy, "r+") as f:
        del f.attrs[attribute]
    return copy


def test_a_checkpoint_without_its_architecture_attribute_names_it(trained, tmp_path):
    """Before: "corrupt or incomplete (KeyError: "Unable to synchronously open attribute (can't locate
    attribute in name index)")", which named no attribute."""
    copy = edited(trained, tmp_path, "architecture")
    result = CliRunner().invoke(main, ["eval", str(copy), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert result.output == (f"error: bad data: checkpoint {copy}: attribute architecture is missing (the file is "
                             f"incomplete, or was written by another program)\n")


def test_a_checkpoint_recording_no_dataset_is_not_said_to_be_of_one_prepared_again(trained, tmp_path):
    """Without its config attribute a file records no dataset, and eval tries the built-in set. Before,
    it said the network "was trained on <the built-in set> before it was prepared again", a dataset it
    never saw; given --data, the network is scored."""
    copy = edited(trained, tmp_path, "config")
    result = CliRunner().invoke(main, ["eval", str(copy), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert result.output.startswith(f"error: bad data: checkpoint {copy} records no dataset it was trained on "
                                    f"(attribute config is missing: "), result.output
    assert result.output.endswith(": give the dataset it was trained on as --data\n"), result.output
    assert "prepared again" not in result.output
    scored = CliRunner().invoke(main, ["eval", str(copy), "--device", "cpu", "--data", str(trained[1])])
    assert scored.exit_code == 0 and "(8 images): top-1 " in scored.output, scored.output


def test_a_checkpoint_whose_config_has_no_data_field_is_told_from_one_without_a_config(trained, tmp_path):
    """Before, both said "attribute config has no field data"; of a file without the attribute, that
    sent a reader to look for a field in an attribute that is not there."""
    copy = tmp_path / "no-data.h5"
    shutil.copy(trained[0], copy)
    with h5py.File(copy, "r+") as f:
        recorded = json.loads(f.attrs["config"])
        del recorded["data"]
        f.attrs["config"] = json.dumps(recorded)
    result = CliRunner().invoke(main, ["eval", str(copy), "--device", "cpu"])
    assert result.exit_code == 65, result.output
    assert result.output.startswith(f"error: bad data: checkpoint {copy} records no dataset it was trained on "
                                    f"(attribute config has no field data: "), result.output


def test_top5_is_not_said_to_be_1_whatever_the_network_where_fc8_has_more_outputs_than_5(trained, tmp_path):
    """4 classes on a classifier of 9 outputs (train --fc8-outputs, wider than the classes trained on):
    the 5 outputs of no class can outrank every class. Before, eval printed "top-5 0.0000" and, on the
    same line, "so top-5 is 1 whatever the network"."""
    net = tmp_path / "wide.h5"
    training.train(config.TrainConfig(out=str(net), data=str(trained[1]), preset="micro", split="all", batch_size=8,
                                      max_iter=2, eval_every=2, fc8_outputs=9, quiet=True, device="cpu"))
    with h5py.File(net, "r+") as f:
        f["weights/fc8/b"][4:] = 50.0  # far above the classes' logits: each ranks 6th at best
    result = CliRunner().invoke(main, ["eval", str(net), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert re.search(r"\): top-1 0\.0000  top-5 0\.0000  loss 5\d\.\d{4}  \(every class: 4 classes\)\n$",
                     result.output), result.output
    narrow = CliRunner().invoke(main, ["eval", str(trained[0]), "--device", "cpu"])
    assert narrow.output.endswith("(every class: 4 classes, so top-5 is 1 whatever the network)\n"), narrow.output


def test_weights_stored_big_endian_are_float32_and_score_as_the_original(trained, tmp_path):
    """Another program's float32 of the other byte order is float32. Before: refused as "must be
    float32 (24, 3, 3, 3), the file declares >f4 (24, 3, 3, 3)"."""
    copy = tmp_path / "big-endian.h5"
    shutil.copy(trained[0], copy)
    with h5py.File(copy, "r+") as f:
        for layer in f["weights"].values():
            for key in ("W", "b"):
                values = layer[key][...]
                del layer[key]
                layer.create_dataset(key, data=values.astype(">f4"))
        assert f["weights/conv1/W"].dtype.byteorder == ">"
    scores = [json.loads(CliRunner().invoke(main, ["eval", str(path), "--device", "cpu", "--json"]).output)
              for path in (trained[0], copy)]
    assert {key: scores[1][key] for key in ("top1", "top5", "loss", "images")} == \
        {key: scores[0][key] for key in ("top1", "top5", "loss", "images")}

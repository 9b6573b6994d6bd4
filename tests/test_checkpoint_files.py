"""Files a researcher gives where a network is expected, on every command that reads one (info, eval,
train --copy-from, train --resume): another program's HDF5 file, a dataset's shard or mean image
copied out of its folder, a checkpoint cut short by a copy, one whose record was emptied by hand.
Each is refused with exit code 65, saying what the file is and what to give instead."""

import json
import shutil

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network, its run folder beside it)

from minitransfer.cli import main
from minitransfer.data import synthetic

FAST = ["--max-iter", "1", "--eval-every", "1", "--batch-size", "8", "--device", "cpu"]
GIVE = "give a weights file train wrote (e.g. baseA.h5) or a run's checkpoint.h5"
DATASET_FILE = "; a dataset is given as its folder, to --data"


def _commands(path, data, tmp_path):
    """Every command that reads the network ``path``, as a researcher types it."""
    out = str(tmp_path / "T.h5")
    return {"info": ["info", str(path)], "eval": ["eval", str(path), "--device", "cpu"],
            "copy-from": ["train", "--data", data, "--copy-from", str(path), "--n", "2", "-o", out, *FAST],
            "resume": ["train", "--data", data, "--resume", str(path), "-o", out, *FAST]}


def _keras(path):
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.create_group("model_weights").create_dataset("dense/kernel", data=np.ones((3, 2)))
        f.create_group("optimizer_weights")


def _by_hand(path):
    with h5py.File(path, "w") as f:
        f.create_dataset("features", data=np.arange(6.0))
        f.create_group("labels")


FOREIGN = {
    "keras": (_keras, "a Keras model, not a minitransfer network (minitransfer reads only its own)", ""),
    "by-hand": (_by_hand, "an HDF5 file of other software (top level: features, labels/), not a minitransfer network",
                ""),
    "shard": (lambda path: None, "a shard of a minitransfer dataset (its val images), not a network", DATASET_FILE),
    "mean": (lambda path: None, "the mean image of a minitransfer dataset (mean.h5), not a network", DATASET_FILE),
}


@pytest.mark.parametrize("command", ["info", "eval", "copy-from", "resume"])
@pytest.mark.parametrize("kind", list(FOREIGN))
def test_an_hdf5_file_that_is_no_network_is_said_to_be_what_it_is(base, micro_data, kind, command, tmp_path):
    """It was "checkpoint X: not a minitransfer checkpoint (format attribute None, expected
    'minitransfer-checkpoint')": a checkpoint said not to be one, in the format's jargon."""
    make, what, hint = FOREIGN[kind]
    path = tmp_path / {"shard": "val-00000.h5", "mean": "mean.h5"}.get(kind, f"{kind}.h5")
    if kind in ("shard", "mean"):  # copied out of its dataset's folder
        shutil.copy(f"{micro_data}/{path.name}", path)
    make(path)
    done = CliRunner().invoke(main, _commands(path, micro_data, tmp_path)[command])
    assert done.exit_code == 65, done.output
    assert done.output.startswith("error: bad data: ") and "Traceback" not in done.output
    assert done.output.endswith(f"{path.name} is {what}: {GIVE}{hint}\n"), done.output
    assert not (tmp_path / "T.run").exists()


@pytest.mark.parametrize("command", ["info", "eval", "copy-from"])
@pytest.mark.parametrize("size", [60_000, 30, 20, 5, 0])
def test_a_checkpoint_cut_short_says_so_and_to_copy_it_again(base, micro_data, command, size, tmp_path):
    """h5py's words were passed on: "corrupt or incomplete (OSError: Unable to synchronously open file
    (truncated file: eof = 60000, sblock->base_addr = 0, stored_eof = ...))"; cut inside its header,
    "(bad byte number in an address)"; empty, or cut inside the 8-byte HDF5 signature, "not an HDF5
    file"."""
    whole = base.read_bytes()
    cut = tmp_path / "copied.h5"
    cut.write_bytes(whole[:size])
    done = CliRunner().invoke(main, _commands(cut, micro_data, tmp_path)[command])
    assert done.exit_code == 65, done.output
    there = {60_000: [f"cut short, 60,000 of its {len(whole):,} bytes are there"],
             # HDF5 reads the stored size of a file it has open already (a handle another test left open,
             # whose deleted file's inode the cut copy was given): said as for a longer cut, as true
             0: ["empty, 0 bytes"]}.get(size, [f"cut short, {size} bytes are there, fewer than an HDF5 file's header",
                                             f"cut short, {size} of its {len(whole):,} bytes are there"])
    assert any(done.output.endswith(f"copied.h5: corrupt or incomplete: {words} (a copy or a write that did not "
                                    f"finish): copy it again from where it came from\n") for words in there), \
        done.output


@pytest.mark.parametrize("command", ["info", "eval", "copy-from"])
@pytest.mark.parametrize("start", [b"hello", b"\x89HDF!"], ids=["text", "signature-then-other"])
def test_a_short_file_that_does_not_begin_as_hdf5_is_no_hdf5_file_not_one_cut_short(micro_data, command, start,
                                                                                      tmp_path):
    path = tmp_path / "copied.h5"
    path.write_bytes(start)
    done = CliRunner().invoke(main, _commands(path, micro_data, tmp_path)[command])
    assert done.exit_code == 65, done.output
    assert done.output == f"error: bad data: checkpoint {path}: not an HDF5 file (corrupt or not a checkpoint)\n"


def test_a_weights_file_cut_short_names_its_runs_last_checkpoint(base, tmp_path):
    (tmp_path / "baseS.run").mkdir()
    shutil.copy(base, tmp_path / "baseS.run" / "checkpoint.h5")
    (tmp_path / "baseS.h5").write_bytes(base.read_bytes()[:4000])
    done = CliRunner().invoke(main, ["info", str(tmp_path / "baseS.h5")])
    assert done.exit_code == 65, done.output
    assert done.output.endswith(f"copy it again from where it came from, or give its run's last checkpoint, "
                                f"{tmp_path / 'baseS.run' / 'checkpoint.h5'}\n"), done.output


def _emptied(base, tmp_path, damage):
    path = tmp_path / "damaged.h5"
    shutil.copy(base, path)
    with h5py.File(path, "a") as f:
        damage(f)
    return path


def _no_data(f):
    recorded = json.loads(f.attrs["config"])
    f.attrs["config"] = json.dumps({**recorded, "data": ""})


def test_a_checkpoint_recording_no_dataset_is_damaged_not_scored_on_the_builtin_benchmark(base, micro_data,
                                                                                         tmp_path):
    """eval built the built-in benchmark in the cache, then said the network "was trained on
    ~/.cache/... before it was prepared again"."""
    path = _emptied(base, tmp_path, _no_data)
    for command in ("info", "eval", "copy-from"):
        done = CliRunner().invoke(main, _commands(path, micro_data, tmp_path)[command])
        assert done.exit_code == 65, (command, done.output)
        assert done.output.endswith("damaged.h5: attribute config field data is empty: the file records no dataset "
                                    "the network was trained on (train records the folder it read: the file was "
                                    "changed by hand or is damaged)\n"), (command, done.output)
    assert not synthetic.builtin_path().exists()


@pytest.mark.parametrize("command", ["info", "eval", "copy-from"])
def test_a_checkpoint_recording_no_class_is_damaged(base, micro_data, command, tmp_path):
    """info showed "0 classes" and exited 0; eval said it "was trained on 0 classes"; train --copy-from
    trained from it and recorded 0 classes of its base."""
    path = _emptied(base, tmp_path, lambda f: f.attrs.__setitem__("classes", "[]"))
    done = CliRunner().invoke(main, _commands(path, micro_data, tmp_path)[command])
    assert done.exit_code == 65, done.output
    assert done.output == (f"error: bad data: checkpoint {path}: attribute classes is empty: the file records no "
                           f"class for the network's outputs (train records each class it trained on: the file was "
                           f"changed by hand or is damaged)\n")

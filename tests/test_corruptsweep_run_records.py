"""A run's checkpoint whose root group fails its metadata checksum (a byte flipped in its object header):
h5py opens the file, then raises KeyError (not OSError) at ``f.attrs``. The report's reading of the run's
records (:func:`minitransfer.train_records.run_records`) names the file as unreadable, as it does a file cut
short, and ``info`` of the finished run answers from its weights file: no traceback (exit 1 before)."""

import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import config, train_records
from minitransfer import train as training
from minitransfer.cli import main

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


def _root_unopenable(path):
    try:
        with h5py.File(path, "r") as f:
            f.attrs.keys()
    except KeyError:
        return True
    except (OSError, RuntimeError):
        return False
    return False


def _flip_root_header(path):
    """Flip the first byte past the superblock whose flip makes the root group's header fail its checksum
    (h5py's KeyError), the damage the sweep found; the file otherwise as written."""
    pristine = path.read_bytes()
    for offset in range(48, 512):
        damaged = bytearray(pristine)
        damaged[offset] ^= 0x5A
        path.write_bytes(bytes(damaged))
        if _root_unopenable(path):
            return offset
    pytest.fail("no byte of the root group's header found to damage")


@pytest.fixture
def run(micro_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(micro_data, data)
    training.train(config.TrainConfig(out=str(tmp_path / "w.h5"), data=str(data), split="all", **FAST))
    return tmp_path / "w.run"


def test_a_checkpoint_whose_root_header_fails_its_checksum_is_named_unreadable(run):
    _flip_root_header(run / "checkpoint.h5")
    records = train_records.run_records(run, {"out": str(run.parent / "w.h5")})
    assert len(records) == 1 and len(records.unreadable) == 1, records.unreadable
    assert records.unreadable[0].startswith(f"checkpoint {run / 'checkpoint.h5'} cannot be read ("), records.unreadable


def test_info_of_a_finished_run_whose_checkpoint_header_is_damaged_answers(run):
    _flip_root_header(run / "checkpoint.h5")
    done = CliRunner().invoke(main, ["info", str(run)])
    assert done.exit_code == 0 and done.exception is None, done.output
    assert "iteration 2 (finished)" in done.output

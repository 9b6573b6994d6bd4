"""A weights file or checkpoint whose root group fails its metadata checksum (a byte flipped in its object
header): h5py opens the file, then raises KeyError (not OSError, nor RuntimeError) at ``f.attrs``. Every reader
takes it as it takes a file cut short, where each crashed with a traceback (exit 1) before: the report's reading
of a run's records (:func:`minitransfer.train_records.run_records`) names the file unreadable, ``info`` of the
finished run answers from its weights file, ``train --resume`` refuses the checkpoint (exit 65, naming it and
what to do), and ``train --overwrite`` onto such a weights file refuses it as no weights file (exit 2)."""

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


def test_a_resume_from_a_checkpoint_whose_root_header_is_damaged_is_bad_data(run):
    _flip_root_header(run / "checkpoint.h5")
    done = CliRunner().invoke(main, ["train", "--resume", str(run), "--no-progress"])
    assert done.exit_code == 65 and not isinstance(done.exception, KeyError), done.output
    assert f"checkpoint {run / 'checkpoint.h5'}: corrupt or incomplete" in done.output


def test_a_train_over_weights_whose_root_header_is_damaged_refuses_them(run, tmp_path):
    weights = tmp_path / "w.h5"
    _flip_root_header(weights)
    done = CliRunner().invoke(main, ["train", "--data", str(tmp_path / "data"), "--split", "all", "--preset", "micro",
                                     "--max-iter", "2", "--batch-size", "8", "--eval-every", "2", "--device", "cpu",
                                     "-o", str(weights), "--overwrite"])
    assert done.exit_code == 2 and not isinstance(done.exception, KeyError), done.output
    assert f"--out {weights} exists and is not a minitransfer weights file" in done.output

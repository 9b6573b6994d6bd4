"""A checkpoint whose /mean is not of the size of the images its record says it was computed on (a
/mean replaced by hand or by another program): eval, and train copying from it, refuse it by name (exit 65),
rather than resampling it as they resample a mean for another dataset's images (tests/test_cross_dataset.py)."""

import shutil

import h5py
import numpy as np
import pytest
from click.testing import CliRunner
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network trained on micro_data)

from minitransfer import checkpoint as checkpoints
from minitransfer.cli import main


@pytest.fixture
def replaced(base, tmp_path):
    """A copy of ``base`` (its record: the 14x14 mean of micro_data) whose /mean is a 20x20 one."""
    out = tmp_path / base.name
    shutil.copy(base, out)
    with h5py.File(out, "r+") as f:
        del f["mean"]
        mean = np.random.default_rng(7).uniform(0, 255, (20, 20, 3)).astype(np.float32)
        f.create_dataset("mean", data=mean, chunks=mean.shape, fletcher32=True)
    return out


@pytest.mark.parametrize("data", ["given", "recorded"])
def test_a_mean_of_another_size_than_its_recorded_dataset_s_is_refused_by_name(replaced, micro_data, data):
    """Before: scored (exit 0), the 20x20 mean silently resampled to 14x14."""
    assert checkpoints.load(replaced).meta["mean_source"]["kind"] == "dataset"
    args = ["eval", str(replaced), "--device", "cpu"] + (["--data", micro_data] if data == "given" else [])
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 65, result.output
    assert f"checkpoint {replaced}: its /mean image is 20x20, but it records the mean of {micro_data}" in result.output
    assert f"subtracted from the 14x14 images of {micro_data} it was trained on" in result.output
    assert "Traceback" not in result.output


def test_a_transfer_from_a_base_whose_mean_was_replaced_is_refused_by_name(replaced, micro_data, tmp_path):
    """Before: trained (exit 0) with only "the mean image of ... is 20x20; it is resized to the 14x14
    images" said, the transfer's crops less a mean its copied layers never saw."""
    out = tmp_path / "transfer.h5"
    result = CliRunner().invoke(main, ["train", "--copy-from", str(replaced), "--n", "2", "--data", micro_data,
                                       "--max-iter", "1", "--batch-size", "8", "--device", "cpu", "-o", str(out)])
    assert result.exit_code == 65, result.output
    assert f"checkpoint {replaced}: its /mean image is 20x20, but it records the mean of {micro_data}" in result.output
    assert f"subtracted from the 14x14 images of {micro_data} it was trained on" in result.output
    assert "resized" not in result.output and "Traceback" not in result.output
    assert not out.exists()

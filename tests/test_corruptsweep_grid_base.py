"""A base's weights file with a byte flipped inside one of its arrays (bits rotted, a bad copy): the file opens
and its attributes read, so the grid's check of a transfer that copied it (:func:`minitransfer.grid_check.
_refuse_damaged`) found nothing wrong, took its new sha256 for "another network" and refused the sound transfer
as "trained with other options" (exit 2), telling the user to delete it (what it trained lost). The array's
Fletcher-32 checksum tells the damage: it is now named, bad data (65), with how to restore the file; deleted as
it says, the grid writes the file back from its run's checkpoint.h5 and goes on."""

import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer.cli import main

GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A grid of random split 0 (baseA, baseB, B1B, A1B) trained on ``micro_data``: its folder."""
    out = tmp_path_factory.mktemp("grid-base") / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert result.exit_code == 0, result.output
    return out


def _flip_inside(path, array):
    """Flip one byte in the middle of ``array``'s stored chunk of the HDF5 file at ``path``."""
    with h5py.File(path, "r") as f:
        chunk = f[array].id.get_chunk_info(0)
    offset = chunk.byte_offset + chunk.size // 2
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x5A
    path.write_bytes(bytes(data))


def test_a_base_weights_file_with_a_flipped_array_byte_is_named_not_its_transfer(micro_data, trained, tmp_path):
    out = tmp_path / "grid"
    shutil.copytree(trained, out, symlinks=True)
    base = out / "random0" / "baseA.h5"
    _flip_inside(base, "weights/conv5/W")
    refused = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert refused.exit_code == 65, refused.output
    assert "Traceback" not in refused.output
    assert f"{base}: /weights/conv5/W cannot be read: the file is damaged" in refused.output
    assert "trained with other options" not in refused.output and "delete the runs" not in refused.output
    assert f"or delete {base}: the grid writes it back from {out / 'random0' / 'baseA.run' / 'checkpoint.h5'}" \
        in refused.output
    base.unlink()  # as the message says
    resumed = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert resumed.exit_code == 0, resumed.output
    assert base.read_bytes() == (trained / "random0" / "baseA.h5").read_bytes()

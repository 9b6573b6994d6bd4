"""A grid folder copied from another machine (or in place) while a weights file was still being copied: a
base's weights file cut short (or a byte flipped inside one of its arrays), or a finished copy's own weights
file cut short where the folder was moved. The
grid refused the sound transfer as "trained with other options" (the base "another network", or the moved
paths the damaged file no longer vouched for), exit code 2, telling the user to delete that transfer (what it
trained lost). It now names the damaged file, bad data (65), and says how to restore it; deleted as it says,
the grid writes the file back from its run's checkpoint.h5 and goes on."""

import os
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer.cli import main

GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]
MORE = ["--layers", "1,2", *GRID[2:]]  # the grid grown by n = 2: its new transfers copy the bases


@pytest.fixture(scope="module")
def trained(micro_data, tmp_path_factory):
    """A grid of random split 0 (baseA, baseB, B1B, A1B) trained on ``micro_data``: its folder."""
    out = tmp_path_factory.mktemp("machine-a") / "grid"
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert result.exit_code == 0, result.output
    return out


def _cut_short(path, size=3000):
    os.truncate(path, size)


def _flipped_in_conv5(path, array="weights/conv5/W"):
    """One byte flipped in the middle of ``array``'s stored chunk (bits rotted, a bad copy): the file opens and
    its attributes read; the array's Fletcher-32 checksum tells the damage."""
    with h5py.File(path, "r") as f:
        chunk = f[array].id.get_chunk_info(0)
    data = bytearray(path.read_bytes())
    data[chunk.byte_offset + chunk.size // 2] ^= 0x5A
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage, said", [(_cut_short, "corrupt or incomplete: cut short, 3,000 of its"),
                                          (_flipped_in_conv5, "/weights/conv5/W cannot be read: the file is damaged")],
                         ids=["cut-short", "array-byte-flipped"])
def test_a_damaged_base_weights_file_is_named_not_its_transfer(micro_data, trained, tmp_path, damage, said):
    out = tmp_path / "grid"
    shutil.copytree(trained, out, symlinks=True)
    base = out / "random0" / "baseA.h5"
    damage(base)
    refused = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *MORE])
    assert refused.exit_code == 65, refused.output
    assert "Traceback" not in refused.output
    assert f"{base}: {said}" in refused.output
    assert "trained with other options" not in refused.output and "delete the runs" not in refused.output
    assert "or delete random0/baseA.h5 in the grid's folder (a rerun writes it again from its run's checkpoint.h5" \
        in " ".join(refused.output.split())
    base.unlink()  # as the message says
    resumed = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *MORE])
    assert resumed.exit_code == 0, resumed.output
    assert base.read_bytes() == (trained / "random0" / "baseA.h5").read_bytes()


def test_a_moved_copys_own_weights_file_cut_short_is_named_not_its_paths(micro_data, trained, tmp_path):
    out = tmp_path / "elsewhere" / "grid"
    shutil.copytree(trained, out, symlinks=True)
    weights = out / "random0" / "B1B.h5"
    _cut_short(weights)
    refused = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert refused.exit_code == 65, refused.output
    assert f"{out / 'random0' / 'B1B.run'} cannot be checked against this grid's options" in refused.output
    assert f"{weights}: corrupt or incomplete" in refused.output
    assert "trained with other options" not in refused.output and str(trained) not in refused.output
    weights.unlink()
    resumed = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *GRID])
    assert resumed.exit_code == 0, resumed.output
    assert weights.read_bytes() == (trained / "random0" / "B1B.h5").read_bytes()


def test_a_sound_moved_grid_still_goes_on(micro_data, trained, tmp_path):
    """The check reads files only where the runs differ: a moved grid whose files are whole is taken as it was."""
    out = tmp_path / "elsewhere" / "grid"
    shutil.copytree(trained, out, symlinks=True)
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(out), *MORE])
    assert result.exit_code == 0, result.output
    assert "2 trained, 4 already done, 0 failed" in result.output, result.output

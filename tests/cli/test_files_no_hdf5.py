"""A file that is recognisably no HDF5 file at all (a run folder's config.json, an image, a note) given
where a network is asked for: train --copy-from, eval and info said "bad data: not an HDF5 file
(corrupt or not a checkpoint)" (exit 65), as of a damaged checkpoint, while a dataset folder given so
is a wrong argument (exit 2) that says what to give. Now such a file is one too, told by its first
bytes; an HDF5 file damaged (or text saved under an HDF5 name) stays bad data, 65."""

import numpy as np
import pytest
from in_folder import invoke
from PIL import Image

from minitransfer import config
from minitransfer import train as training

FAST = dict(preset="micro", max_iter=1, batch_size=8, device="cpu", quiet=True)


@pytest.fixture(scope="module")
def network(micro_data, tmp_path_factory):
    """A finished run: base.h5 and base.run, in a folder of their own."""
    out = tmp_path_factory.mktemp("runs") / "base.h5"
    training.train(config.TrainConfig(out=str(out), data=str(micro_data), split="all", **FAST))
    return out


def _invoke(command, path, micro_data, folder):
    arguments = {"eval": ["eval", str(path)], "info": ["info", str(path)],
                 "copy-from": ["train", "--data", str(micro_data), "--copy-from", str(path), "--n", "1",
                               "-o", str(folder / "copied.h5"), "--max-iter", "1", "--device", "cpu"]}[command]
    return invoke(arguments, folder)


COMMANDS = ["eval", "info", "copy-from"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["config.json", "result.json", "eval.csv"])
def test_a_run_folders_own_file_names_the_run_folder_and_its_weights(network, micro_data, command, name):
    run = network.with_suffix(".run")
    assert (run / name).is_file()
    done = _invoke(command, f"base.run/{name}", micro_data, network.parent)  # as its user types it
    assert done.exit_code == 2, done.output
    what = "a JSON file" if name.endswith(".json") else "a text file"
    assert (f"base.run/{name} is {what} of the run folder base.run, not a network: give the run folder (base.run) "
            f"or its weights file (base.h5)") in " ".join(done.output.split())
    assert not (network.parent / "copied.h5").exists()


def _png(path):
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(path, format="PNG")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name, write, what", [
    ("photo.png", _png, "a PNG image"),
    ("photo.h5", _png, "a PNG image"),  # its bytes say what it is, whatever its name
    ("notes.txt", lambda path: path.write_text("baseA trained on the photos\n"), "a text file"),
    ("meta.h5", lambda path: path.write_text('{"classes": []}\n'), "a JSON file"),
    ("exported.h5", lambda path: path.write_text('\ufeff{"classes": []}\n', encoding="utf-8"), "a JSON file"),
], ids=["png", "png-named-h5", "text", "json-named-h5", "json-after-a-byte-order-mark"])
def test_a_file_of_another_kind_is_a_wrong_argument(micro_data, command, name, write, what, tmp_path):
    write(tmp_path / name)
    done = _invoke(command, name, micro_data, tmp_path)
    assert done.exit_code == 2, done.output
    assert f"{name} is {what}, not a network; " in " ".join(done.output.split())
    assert "a weights file (e.g. baseA.h5) or a run folder (baseA.run)" in " ".join(done.output.split())


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("damage", ["garbled", "text-named-h5"])
def test_a_damaged_hdf5_file_stays_bad_data(network, micro_data, command, damage, tmp_path):
    """An HDF5 file whose bytes past its signature were overwritten, and text under an HDF5 name (a
    checkpoint damaged or saved wrong): exit 65, as before."""
    path = tmp_path / "damaged.h5"
    whole = bytearray(network.read_bytes())
    if damage == "garbled":
        whole[8:4096] = np.random.default_rng(1).integers(0, 256, 4088, dtype=np.uint8).tobytes()
        path.write_bytes(bytes(whole))
    else:
        path.write_text("version https://git-lfs.github.com/spec/v1\n")
    done = _invoke(command, "damaged.h5", micro_data, tmp_path)
    assert done.exit_code == 65, done.output
    assert "not a network" not in done.output

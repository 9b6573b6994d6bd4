"""A CIFAR archive holding one of its pickles twice (appended with ``tar -r``, or two archives concatenated):
the importer read the first copy without a word, while ``tar xzf`` keeps the last, so the dataset differed from
the unpacked folder's. Which copy is meant is unknown: refused, naming the member (a download holds each once)."""

import numpy as np
import pytest
from click.testing import CliRunner
from tar_files import pickled, write_tar

from minitransfer.cli import main
from minitransfer.data import cifar

NAMES = ("batches.meta", *(f"data_batch_{number}" for number in range(1, 6)), "test_batch")


def _pickles(seed):
    """{name: pickle bytes (protocol 2, as CIFAR's)} of a cifar-10-batches-py of 10 images a batch."""
    rng = np.random.default_rng(seed)
    parts = {"batches.meta": {b"label_names": [name.encode() for name in cifar.CIFAR10_CLASSES]}}
    parts.update({name: {b"data": rng.integers(0, 256, (10, 3072), dtype=np.uint8),
                         b"labels": rng.permutation(10).tolist()} for name in NAMES[1:]})
    return {name: pickled(content) for name, content in parts.items()}


@pytest.mark.parametrize("twice", ["data_batch_1", "test_batch", "batches.meta"])
def test_a_pickle_stored_twice_is_refused_naming_both_members(tmp_path, twice):
    members = [(f"cifar-10-batches-py/{name}", data) for name, data in _pickles(0).items()]
    members.append((f"cifar-10-batches-py/{twice}", _pickles(1)[twice]))
    source = tmp_path / "cifar-10-python.tar.gz"
    write_tar(source, members)
    result = CliRunner().invoke(main, ["prepare", "cifar10", str(source), str(tmp_path / "out"), "--workers", "0"])
    assert result.exit_code == 65, result.output
    assert result.output.splitlines() == [
        f"error: bad data: {source}: {twice} stored twice (cifar-10-batches-py/{twice}, cifar-10-batches-py/{twice}): "
        f"which copy is meant is unknown (unpacking keeps the last; a download holds each once): download "
        f"cifar-10-python.tar.gz again"]
    assert not (tmp_path / "out").exists()

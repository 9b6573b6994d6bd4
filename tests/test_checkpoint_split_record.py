"""A checkpoint's record of its split (root attributes split_kind, split_half, split_seed) is checked as it is read:
a split train never makes is the file's fault (exit 65, naming the file and the attribute), not the configuration
of a run that copies from it (exit 2, the file unnamed), nor copied on as if it were one (a base of half 'C' was
copied onto half A)."""

import h5py
import pytest
from in_folder import invoke

from minitransfer import checkpoint as checkpoints
from minitransfer import config, hdf5_files
from minitransfer import train as training
from minitransfer.data import dataset as datasets
from minitransfer.data import splits

FAST = {"preset": "micro", "batch_size": 8, "max_iter": 1, "eval_every": 1, "quiet": True, "device": "cpu"}
KINDS, HALVES, SEEDS = ("random", "natural", "all", "bogus"), ("A", "B", "", "C"), (0, 7, -1, 2**32)


@pytest.fixture(scope="module")
def base(micro_data, tmp_path_factory):
    """A base trained on half A of micro_data's random split (seed 0), as train writes it."""
    out = tmp_path_factory.mktemp("base") / "baseA.h5"
    training.train(config.TrainConfig(out=str(out), data=micro_data, **FAST))
    return out


def _recording(base, folder, kind, half, seed):
    """A copy of ``base`` whose root attributes record the split ``kind``, ``half`` and ``seed``."""
    path = folder / f"base-{kind}-{half or 'none'}-{seed}.h5"
    path.write_bytes(base.read_bytes())
    with h5py.File(path, "r+") as f:
        f.attrs["split_kind"] = hdf5_files.text_attribute(kind)
        f.attrs["split_half"] = hdf5_files.text_attribute(half)
        f.attrs["split_seed"] = seed
    return path


def _split_made(data, kind, half, seed):
    """Whether the split module makes a half of ``kind``, ``half`` (None: none) and ``seed`` of ``data``: the
    oracle of the records train can write."""
    try:
        splits.make_half(data, kind, seed=seed, half=half or None)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("kind", KINDS)
def test_a_checkpoint_is_read_only_with_a_split_train_makes(base, micro_data, tmp_path, kind):
    data = datasets.open_dataset(micro_data)
    for half in HALVES:
        for seed in SEEDS:
            path = _recording(base, tmp_path, kind, half, seed)
            if _split_made(data, kind, half, seed):
                loaded = checkpoints.load(path)
                assert (loaded.meta["split_kind"], loaded.meta["split_half"], loaded.meta["split_seed"]) == (
                    kind, half, seed)
                assert checkpoints.read_meta(path)["split_half"] == half
                continue
            for read in (checkpoints.load, checkpoints.read_meta):
                with pytest.raises(checkpoints.CheckpointError) as refused:
                    read(path)
                assert str(refused.value).startswith(f"checkpoint {path}: attribute split_"), refused.value


def test_a_transfer_from_a_base_of_another_split_is_refused_naming_the_base(base, micro_data, tmp_path):
    """`train --copy-from` of a base recording split 'bogus' was "error: the split kind must be one of ..." (exit 2),
    one of half 'C' trained a copy onto half A, as the transfer of a base of half 'C'."""
    for kind, half in (("bogus", "A"), ("random", "C")):
        path = _recording(base, tmp_path, kind, half, 0)
        result = invoke(["train", "--copy-from", path.name, "--n", "2", "--data", micro_data, "-o", "copy.h5",
                         "--max-iter", "1", "--device", "cpu"], tmp_path)
        assert result.exit_code == 65, result.output
        assert result.output.startswith(f"error: bad data: checkpoint {path.name}: attribute split_"), result.output
        assert not (tmp_path / "copy.h5").exists()

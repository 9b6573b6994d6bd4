"""train and eval did not check meta.json against the digest of its content that mean.h5 records (only `prepare
verify` did): a meta.json edited since prepare (its source's seed, a descriptive key no other check reads) trained
and scored without a word. They now refuse it (exit 65, naming meta.json, `minitransfer prepare verify` and
preparing again as the remedy), hashing meta.json's few kB, no shard; a dataset prepared before mean.h5 recorded
the digest trains as before."""

import json
import shutil

import h5py
import pytest
from click.testing import CliRunner

from minitransfer import fileio
from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.data.schema import DatasetError
from minitransfer.data.shard_format import META_SHA256, meta_text

OPTIONS = dict(half="A", seed=0, max_iter=1, eval_every=1, batch_size=4, preset="micro", quiet=True, device="cpu")


@pytest.fixture
def data(micro_data, tmp_path):
    return shutil.copytree(micro_data, tmp_path / "data")


def _edit_source(folder):
    """meta.json with its source's seed changed, in prepare's layout (its bytes otherwise as prepare writes)."""
    meta = json.loads((folder / "meta.json").read_text())
    meta["source"]["seed"] += 1
    (folder / "meta.json").write_text(meta_text(meta))
    return meta


def _refusal(folder):
    return (rf"^{folder / 'meta.json'}: not the meta.json the dataset was prepared with \({folder / 'mean.h5'} "
            rf"records the sha256 [0-9a-f]{{16}}\.\.\. of its content, it is now [0-9a-f]{{16}}\.\.\.\): edited or "
            rf"damaged since; `minitransfer prepare verify {folder}` checks the rest of it; rerun the prepare "
            rf"command that built it$")


def test_train_refuses_a_meta_json_edited_since_prepare(data, tmp_path):
    _edit_source(data)
    with pytest.raises(DatasetError, match=_refusal(data)):
        training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=str(data), **OPTIONS))
    assert not (tmp_path / "baseA.h5").exists()


def test_eval_refuses_it_exit_65(data, micro_data, tmp_path):
    training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, **OPTIONS))
    _edit_source(data)
    done = CliRunner().invoke(main, ["eval", str(tmp_path / "baseA.h5"), "--data", str(data)])
    assert done.exit_code == 65, done.output
    assert "`minitransfer prepare verify " in done.output.splitlines()[-1], done.output


def test_a_dataset_prepared_before_the_digest_trains_as_before(data, tmp_path):
    with h5py.File(data / "mean.h5", "a") as f:  # as prepared before mean.h5 recorded it
        del f.attrs[META_SHA256]
    meta = _edit_source(data)  # nothing to tell the edit by
    meta["mean"]["sha256"] = fileio.sha256_file(data / "mean.h5")
    (data / "meta.json").write_text(meta_text(meta))
    result = training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=str(data), **OPTIONS))
    assert result.iterations == 1


def test_eval_with_its_checkpoints_mean_still_scores_where_mean_h5_is_damaged(data, micro_data, tmp_path):
    """eval subtracts the mean its checkpoint holds and reads no mean.h5: the digest's check passes one it cannot
    read (it failed such an eval, which scored before), as a damaged training shard fails no evaluation."""
    training.train(training.TrainConfig(out=str(tmp_path / "baseA.h5"), data=micro_data, **OPTIONS))
    (data / "mean.h5").write_bytes(b"not HDF5")
    done = CliRunner().invoke(main, ["eval", str(tmp_path / "baseA.h5"), "--data", str(data)])
    assert done.exit_code == 0 and "top-1 " in done.output, done.output

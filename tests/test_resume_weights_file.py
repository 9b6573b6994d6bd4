"""`resume` naming a run's weights file (``b.h5``, beside ``b.run``), or a copy of it: the run of b.h5
writes b.h5, so it continues there, and another `out` is told what continues the run and what
trains a new network from those weights."""

import json
import pathlib
import shutil

import h5py
import pytest

from minitransfer import resume as resumes
from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 4, "eval_every": 2, "quiet": True, "device": "cpu"}
SEED = 5  # not the default: a typed default must not be taken for the run's


@pytest.fixture(scope="module")
def finished(micro_data, tmp_path_factory):
    """The weights b.h5 of a finished run (its run folder b.run beside them)."""
    out = tmp_path_factory.mktemp("finished") / "b.h5"
    training.train(training.TrainConfig(out=out, data=micro_data, seed=SEED, **FAST))
    return out


def test_resuming_a_runs_weights_into_another_out_says_what_continues_it_and_what_copies_it(finished, micro_data):
    """Refused as "`out` 'b.h5' -> 'y.h5'", as if an option differed: now it says the run writes b.h5,
    to leave `out` unset to continue it, and `copy_from` to train a new network from its weights."""
    other = finished.with_name("y.h5")
    with pytest.raises(training.ConfigError) as refused:
        training.train(training.TrainConfig(out=other, resume=finished, data=micro_data, **FAST))
    message = str(refused.value)
    assert f"writes {finished}, not `out` {other}" in message and "leave `out` unset" in message, message
    assert f"give {finished} as `copy_from`" in message and "->" not in message
    assert not other.with_suffix(".run").exists()


def test_resuming_a_runs_weights_continues_that_run(finished, micro_data):
    """Without `out`, the paper's default name was compared with the run's ("`out` 'b.h5' ->
    'baseA.h5'"): the weights name their run, as its run folder does, whose options are the defaults."""
    result = training.train(training.TrainConfig(resume=pathlib.Path(finished), data=pathlib.Path(micro_data),
                                                 **FAST))
    assert pathlib.Path(result.out) == finished and result.iterations == FAST["max_iter"]
    again = training.train(training.TrainConfig(out=finished, resume=finished, data=micro_data, seed=SEED, **FAST))
    assert again.mean10_top1 == result.mean10_top1  # out and resume both the weights: not "replaces what it reads"


def test_a_default_typed_against_the_run_of_the_weights_resumed_is_refused(finished):
    """`train --resume b.h5 --seed 0` of a run of seed 5: the 0 typed is refused, as for `--resume b.run`,
    not silently replaced by the run's 5 (the weights file now names the run)."""
    c = training.TrainConfig(resume=str(finished), seed=0)
    with pytest.raises(training.ConfigError, match=f"`seed` {SEED} -> 0"):
        resumes.refuse_typed_otherwise(c, {"seed", "resume"})


def test_a_copy_of_a_runs_weights_resumed_into_another_out_names_the_run_and_copy_from(finished, micro_data, tmp_path):
    """Weights copied away from their run folder hold the run of b.h5: resumed into y.h5, the refusal
    says a run continues into its own weights only, and how to train from them instead."""
    copied = tmp_path / "b.h5"
    shutil.copy(finished, copied)
    with pytest.raises(training.ConfigError) as refused:
        training.train(training.TrainConfig(out=tmp_path / "y.h5", resume=copied, data=micro_data, seed=SEED,
                                            **FAST))
    message = str(refused.value)
    assert f"holds the run of b.h5 (the weights file it writes), not of `out` {tmp_path / 'y.h5'}" in message
    assert f"give {copied} as `copy_from`" in message and "->" not in message


def test_weights_recording_no_out_resumed_into_another_out_are_refused_not_a_traceback(finished, micro_data, tmp_path):
    """A record without its `out` (by hand, damaged) made the refusal's wording fail on it (KeyError,
    a traceback): the differing configuration is refused as any other."""
    copied = tmp_path / "b.h5"
    shutil.copy(finished, copied)
    with h5py.File(copied, "r+") as f:
        recorded = json.loads(f.attrs["config"])
        del recorded["out"]
        f.attrs["config"] = json.dumps(recorded)
    with pytest.raises(training.ConfigError, match="with a different configuration: `out`"):
        training.train(training.TrainConfig(out=tmp_path / "y.h5", resume=copied, data=micro_data, seed=SEED,
                                            **FAST))

"""A field given beside a `resume` naming a run folder that excludes one the run recorded (taken
from its checkpoint as a default): the refusal says where that one came from, not as if the user
had given both."""

import re

import pytest
from click.testing import CliRunner

from minitransfer import train as training
from minitransfer.cli import main
from minitransfer.config import ConfigError

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


@pytest.fixture(scope="module")
def transfer(micro_data, tmp_path_factory):
    """A finished A1B run (copy_from its base, n 1): its weights file."""
    folder = tmp_path_factory.mktemp("transfer")
    training.train(training.TrainConfig(out=str(folder / "baseA.h5"), data=micro_data, **FAST))
    out = folder / "A1B.h5"
    training.train(training.TrainConfig(out=str(out), data=micro_data, copy_from=str(folder / "baseA.h5"), n=1,
                                        **FAST))
    return out


def test_random_frozen_beside_a_run_folder_of_a_transfer_names_the_recorded_copy_from(transfer):
    """`random_frozen` and `copy_from` exclude each other, it said, of a `copy_from` the user never
    gave: the run folder's record held it."""
    run_dir = transfer.with_suffix(".run")
    base = transfer.with_name("baseA.h5").resolve()
    with pytest.raises(ConfigError, match=rf"^`random_frozen` and `copy_from` exclude each other: `copy_from` "
                                          rf"'{re.escape(str(base))}' is the run's own, recorded in "
                                          rf".*A1B\.run/checkpoint\.h5, which `resume` {re.escape(str(run_dir))} "
                                          rf"continues; to continue that run, leave `random_frozen` "
                                          rf"unset; to train the new configuration from the start, give another "
                                          rf"`out`, or replace this run \(`overwrite=True`, without `resume`\)$"):
        training.train(training.TrainConfig(resume=str(run_dir), random_frozen=2))
    result = CliRunner().invoke(main, ["train", "--resume", str(run_dir), "--random-frozen", "2"])
    assert result.exit_code == 2, result.output
    assert "the run's own, recorded in" in result.output and "leave --random-frozen unset" in result.output


def test_both_given_beside_a_run_folder_is_refused_as_before(transfer):
    """The user's own combination: no record is blamed for it."""
    with pytest.raises(ConfigError, match=r"^`random_frozen` and `copy_from` exclude each other$"):
        training.train(training.TrainConfig(resume=str(transfer.with_suffix(".run")), random_frozen=2,
                                            copy_from=str(transfer.with_name("baseA.h5")), n=1))

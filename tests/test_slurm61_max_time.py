"""A partition whose MaxTime is too short for the scripts emitted without ``--time`` (their SIGTERM 300 s
before the limit): ``submit.sh`` suggested only another partition; a ``--time`` up to that MaxTime (5 minutes
or more) fits too, the scripts' SIGTERM then coming a fifth of it before the limit, so it is named, with its
value. Where the MaxTime is under 5 minutes (no ``--time`` is that short), another partition alone."""

import pytest

import test_slurm
import test_slurm_partition_time
from test_slurm import submit_grid, submit_refused
from test_slurm_partition_time import emit, refusal

fake_slurm, fake_partitions = test_slurm.fake_slurm, test_slurm_partition_time.fake_partitions  # the fixtures

SHORTEST = "another --partition, one whose MaxTime is at least 6 minutes"


def with_time(minutes, maximum):
    return (f"emit the scripts again with --time {minutes} (no longer than partition test's MaxTime, {maximum}: "
            f"with a --time of their own, the scripts have SLURM signal the training a fifth of it before the limit, "
            f"at most 5 minutes), or with {SHORTEST}")


@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
@pytest.mark.parametrize("default, maximum, field, limit, remedy", [
    ("NONE", "00:05:00", "MaxTime", "00:05:00", with_time(5, "00:05:00")),
    ("00:04:00", "00:05:00", "DefaultTime", "00:04:00", with_time(5, "00:05:00")),
    ("NONE", "00:04:00", "MaxTime", "00:04:00", f"emit the scripts again with {SHORTEST}"),
], ids=["max-time", "both-short", "max-time-under-5-minutes"])
def test_a_max_time_too_short_without_time_suggests_a_time_that_fits(tmp_path, fake_partitions, dry_run, default,
                                                                    maximum, field, limit, remedy):
    submit = emit(tmp_path)
    said = submit_refused(submit, fake_partitions, *["--dry-run"] * dry_run, FAKE_DEFAULT_TIME=default,
                          FAKE_MAX_TIME=maximum)
    assert said == refusal("test", " (the cluster's default partition)", field, limit, remedy, submit)


def test_the_time_suggested_is_taken(tmp_path, fake_partitions):
    """The scripts emitted again with the --time suggested: submitted (MaxTime 5 minutes, --time 5)."""
    submit = emit(tmp_path, time_limit="5")
    done = submit_grid(submit, FAKE_MAX_TIME="00:05:00")
    assert done.returncode == 0, done.stderr

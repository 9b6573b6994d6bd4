"""preflight's memory check of a run with loader workers: the option it names is the one whose
lowering makes the run fit."""

import pytest

from minitransfer import config, preflight_memory
from minitransfer.memory_limit import Available

LIMIT = "the cgroup limit of /sys/fs/cgroup/job_7/memory.max less its usage"


def _plan(data, batch_size, workers):
    return config.resolve(config.TrainConfig(data=data, preset="micro", batch_size=batch_size, workers=workers,
                                             device="cpu", quiet=True), checksums=False)


def test_a_run_whose_workers_take_the_memory_is_told_to_lower_workers(synthetic_8, monkeypatch):
    """64 workers of a micro run at batch 32 (about 4 GiB, nearly all of it the processes) on a 1 GiB
    limit were told to lower `batch_size`: batch 1 needed as much."""
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(2**30, LIMIT))
    with pytest.raises(MemoryError, match=r"^a training step of micro at `batch_size=32` with `workers=64` needs about "
                                          r"4\.\d GiB of memory; 1\.0 GiB is available \(the cgroup limit of "
                                          r"/sys/fs/cgroup/job_7/memory\.max less its usage\); lower `workers`: "
                                          r"`workers=\d+` fits$"):
        preflight_memory.check_memory(_plan(synthetic_8, 32, 64))
    preflight_memory.check_memory(_plan(synthetic_8, 32, 4))  # what lowering workers does


def test_a_batch_too_large_with_a_few_workers_is_told_to_lower_batch_size(synthetic_8, monkeypatch):
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(2**30, LIMIT))
    with pytest.raises(MemoryError, match=r"^a training step of micro at `batch_size=100000` with `workers=2` needs "
                                          r"about [\d,]+\.\d GiB of memory; .*; lower `batch_size`: `batch_size=\d+` "
                                          r"fits$"):
        preflight_memory.check_memory(_plan(synthetic_8, 100_000, 2))


@pytest.mark.parametrize("need, available, expected", [
    (2**30 + 40 * 2**20, 2**30 + 10 * 2**20, "needs about 1.1 GiB of memory; 1.0 GiB is available"),
    (500 * 2**20 + 2**19, 500 * 2**20 + 2**18, "needs about 501 MiB of memory; 500 MiB is available"),
])
def test_a_refusal_by_a_little_does_not_read_as_needing_what_is_available(need, available, expected):
    """A batch tuned up to the limit was refused as needing "about 1.0 GiB" with "1.0 GiB available":
    the need is rounded up, what is available down."""
    with pytest.raises(MemoryError, match=f"^a step {expected} "):
        preflight_memory.check_needs([preflight_memory.Need("a step", "batch_size", need)], Available(available, LIMIT))

"""A grid's runs trained at once are checked together as their processes grow, 15% beyond their arrays
(preflight_memory.resident), as each run checks itself as it starts: two runs whose arrays fit together with their
processes, but not as those grow, were let through, to be killed by the kernel."""

import collections

import pytest

from minitransfer import grid_preflight, preflight_memory
from minitransfer.memory_limit import Available

MIB = 2**20
Run = collections.namedtuple("Run", "name")


@pytest.mark.parametrize("available_mib, refused", [(2 * 100 + 2 * 64 + 10, True), (2 * 115 + 2 * 64 + 1, False)])
def test_runs_at_once_are_checked_as_their_processes_grow(monkeypatch, available_mib, refused):
    assert preflight_memory.PROCESS_BYTES == 64 * MIB  # the oracle's arithmetic above
    need = preflight_memory.Need("a training step of micro at `batch_size=32`", "batch_size", 100 * MIB)
    monkeypatch.setattr(grid_preflight, "_sizing", lambda run, out, options: (run, ("fields",)))
    monkeypatch.setattr(grid_preflight, "peak_needs", lambda sizings, out, options, device: {("fields",): need})
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(available_mib * MIB, "a test's"))
    runs = [Run(name) for name in ("random0/baseA", "random0/baseB")]
    if refused:
        with pytest.raises(preflight_memory.OutOfMemory, match=r"need about 358 MiB of memory together"):
            grid_preflight.check_memory(runs, "out", {}, [None, None])
    else:
        grid_preflight.check_memory(runs, "out", {}, [None, None])

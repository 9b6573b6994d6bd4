"""A refusal for memory where lowering its field alone cannot make the step fit: a batch so large that even
`workers=0` does not fit, or workers whose processes `batch_size=1` does not make fit. It said "it does not fit
here" of a run that fits with both fields lowered; it now names what fits without workers, and what it names does
fit (the check passes at it, and refuses one more)."""

import re

import pytest

from minitransfer import config, preflight_memory
from minitransfer.memory_limit import Available

MIB = 2**20


def _plan(data, batch_size, workers):
    return config.resolve(config.TrainConfig(data=data, preset="micro", batch_size=batch_size, workers=workers,
                                             eval_batch_size=8, device="cpu", quiet=True), checksums=False)


def _refusal(data, batch_size, workers):
    try:
        preflight_memory.check_memory(_plan(data, batch_size, workers))
    except preflight_memory.OutOfMemory as error:
        return str(error)
    return None


@pytest.mark.parametrize("batch_size, workers, available, even", [
    (100_000, 64, 2**30, "even `workers=0` needs about"),  # the workers' processes most of it, the batch too large
    (2000, 1, 40 * MIB, "even `batch_size=1` needs about"),  # the batch most of it, one worker's process too large
])
def test_the_refusal_names_what_fits_without_workers_and_it_fits(synthetic_8, monkeypatch, batch_size, workers,
                                                                  available, even):
    monkeypatch.setattr(preflight_memory, "available_memory", lambda: Available(available, "the test's limit"))
    said = _refusal(synthetic_8, batch_size, workers)
    assert said and even in said and "it does not fit here" not in said, said
    found = re.search(r"; with `workers=0`, lower `batch_size`: `batch_size=(\d+)` fits$", said)
    assert found, said
    fits = int(found.group(1))
    assert 1 < fits < batch_size
    assert _refusal(synthetic_8, fits, 0) is None
    assert _refusal(synthetic_8, fits + 1, 0) is not None


def test_a_smallest_value_whose_arrays_fit_but_not_its_process_says_both():
    """Batch 1 needing 100 KiB of arrays, 110 KiB available: its process grows to 115 KiB (15% more), which does
    not fit; "even `batch_size=1` needs about 100 KiB: it does not fit here" read as 100 KiB not fitting in 110."""
    need = preflight_memory.Need("a step at `batch_size=5`", "batch_size", 500 * 2**10, 5,
                                 lambda batch: batch * 100 * 2**10)
    with pytest.raises(preflight_memory.OutOfMemory) as refused:
        preflight_memory.check_needs([need], Available(110 * 2**10, "the test's limit"))
    assert str(refused.value) == ("a step at `batch_size=5` needs about 500 KiB of memory; 110 KiB is available (the "
                                  "test's limit); even `batch_size=1` needs about 100 KiB, its process about 115 KiB: "
                                  "it does not fit here")

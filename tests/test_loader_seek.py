"""BatchLoader.seek once batches were read: with worker processes, which read ahead of the stream, a seek back
waited for ever for a batch they had given already (said every minute as a stalled file system), where the loader
without workers went on from the cursor; a cursor that is no dict was an AttributeError, not the ValueError of a
malformed one."""

import time

import numpy as np
import pytest

from minitransfer.data.loader import BatchLoader


class _Deadline(list):
    """A loader's ``stop`` that asks to stop ``seconds`` from now: a batch never coming ends the wait
    (:class:`~minitransfer.data.loader_workers.StopRequested`) instead of the test."""

    def __init__(self, seconds):
        super().__init__(["the test's deadline"])
        self.deadline = time.monotonic() + seconds

    def __bool__(self):
        return time.monotonic() > self.deadline


def _batches(loader, count):
    return [(x.copy(), y.copy()) for x, y in (next(loader) for _ in range(count))]


@pytest.mark.parametrize("workers", [0, 1])
def test_a_seek_back_after_batches_were_read_gives_the_batches_again(micro_data, workers):
    indices = np.arange(12)
    with BatchLoader(micro_data, "train", indices, indices % 4, 5, 10, train=True, workers=workers,
                     stop=_Deadline(30)) as loader:
        first = _batches(loader, 4)  # across an epoch's end: 12 images, batches of 5
        start, later = {**loader.cursor, "batch": 0}, {**loader.cursor, "batch": 2}
        loader.seek(later)
        again_later = _batches(loader, 2)
        loader.seek(start)
        again = _batches(loader, 4)
    for (x, y), (x_again, y_again) in zip(first[2:] + first, again_later + again):
        assert np.array_equal(y, y_again) and np.array_equal(x, x_again)


@pytest.mark.parametrize("cursor", [[0], None, "batch 0", 3])
def test_a_cursor_that_is_no_dict_is_a_value_error(micro_data, cursor):
    loader = BatchLoader(micro_data, "train", np.arange(4), np.arange(4), 2, 10, train=True)
    with pytest.raises(ValueError, match=f"a cursor is a dict .*, got {type(cursor).__name__}"):
        loader.seek(cursor)

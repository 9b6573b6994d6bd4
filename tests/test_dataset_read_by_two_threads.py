"""Two threads of one process (a notebook's two trainings, or evaluations, at once) reading one dataset
both hold its lock shared (:func:`minitransfer.data.lock.shared`), one lock of the process's, as readers of
one thread do. Found in session 73: where both threads look for the process's lock before either records
it, both take one, and the second to record it gets ``RuntimeError: the lock of the file open at descriptor N is held by this process already``, a
traceback from deep inside ``train`` (no MinitransferError), its training lost. The look-up and the
taking are now one step among the process's threads (data/lock.py's ``_SHARING``)."""

import contextlib
import threading

from minitransfer import run_lock
from minitransfer.data import lock


def test_two_threads_reading_one_dataset_at_once_both_read_it(tmp_path, monkeypatch):
    together, inside, real = threading.Barrier(2), threading.Barrier(2), run_lock.try_lock

    def taken_together(*args, **kwargs):  # both threads past their look-up before either takes the lock
        try:
            together.wait(2)
        except threading.BrokenBarrierError:  # a lock whose look-up and taking are one step: one at a time
            pass
        return real(*args, **kwargs)

    monkeypatch.setattr(run_lock, "try_lock", taken_together)
    failures, read = [], []

    def reader():
        try:
            with lock.shared(tmp_path):
                read.append(True)
                with contextlib.suppress(threading.BrokenBarrierError):  # held till the other has its lock too
                    inside.wait(2)
        except Exception as error:  # noqa: BLE001 - what a reader met is the test's finding
            failures.append(error)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert failures == [] and read == [True, True]

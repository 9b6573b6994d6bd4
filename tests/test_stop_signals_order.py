"""Two stop signals that come together (while the main thread is inside C: a BLAS product, an HDF5 write) are named
in the order they came, the first, which stopped the work, first. Python runs the handlers of signals pending
together in the order of their numbers (SIGHUP 1, SIGINT 2, SIGTERM 15): a run stopped by SIGTERM (kill, SLURM's
time limit), then Ctrl-C, said "SIGINT: stopped after iteration ..."; SIGINT then a closed terminal, "SIGHUP"."""

import os
import signal
import threading
import time

import pytest

from minitransfer import train as training
from minitransfer.stop_requests import StopRequests

STOPS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


def _sent_together(*stops):
    """Send ``stops`` to this process one after another (50 ms apart) while the main thread runs no Python: it blocks
    them, and waits in a read (C: no handler runs) until the sender is done; another thread's C handler (the taker's,
    which does not block them) takes each as it comes, as OpenBLAS's threads do while the main one multiplies. Their
    Python handlers run once it is back, all pending together. The sender begins 50 ms after the main thread's go,
    written just before that read."""
    go_reading, go = os.pipe()
    done_reading, done = os.pipe()
    over_reading, over = os.pipe()
    taker = threading.Thread(target=os.read, args=(over_reading, 1))  # started before the mask: it hears them
    taker.start()

    def send():
        os.read(go_reading, 1)
        for stop in stops:
            time.sleep(0.05)  # the main thread in its read; the stop before taken (by OpenBLAS's threads, say)
            os.kill(os.getpid(), stop)
        time.sleep(0.05)
        os.write(done, b"x")

    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)  # the sender, started after, blocks them too
    try:
        sender = threading.Thread(target=send)
        sender.start()
        os.write(go, b"x")
        os.read(done_reading, 1)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    sender.join()
    os.write(over, b"x")
    taker.join()
    for end in (go_reading, go, done_reading, done, over_reading, over):
        os.close(end)


@pytest.mark.parametrize("first, then", [(signal.SIGTERM, signal.SIGINT), (signal.SIGINT, signal.SIGHUP),
                                         (signal.SIGTERM, signal.SIGHUP), (signal.SIGHUP, signal.SIGINT)])
def test_stops_that_come_together_are_named_in_the_order_they_came(first, then):
    with StopRequests() as stop:
        _sent_together(first, then)  # their handlers run in it, once the signals are unblocked
    assert list(stop) == [first.name, then.name]


def test_a_signal_sent_twice_with_another_is_named_once_each_in_order():
    with StopRequests() as stop:
        _sent_together(signal.SIGTERM, signal.SIGTERM, signal.SIGINT)
    assert list(stop) == ["SIGTERM", "SIGINT"]


def test_one_stop_alone_and_the_descriptor_given_back():
    with StopRequests() as stop:
        os.kill(os.getpid(), signal.SIGINT)
    assert list(stop) == ["SIGINT"]
    assert signal.set_wakeup_fd(-1) == -1  # none left set


def test_a_descriptor_someone_holds_is_left_theirs():
    read, write = os.pipe()
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write)
    try:
        with StopRequests() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
        assert list(stop) == ["SIGTERM"]  # named as its handler says it
        assert signal.set_wakeup_fd(write) == write  # still theirs
        assert os.read(read, 16) == bytes([signal.SIGTERM])  # told to them too
    finally:
        signal.set_wakeup_fd(-1)
        os.close(read)
        os.close(write)


def test_a_run_stopped_by_sigterm_then_sigint_names_sigterm(micro_data, tmp_path):
    config = training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, preset="micro", max_iter=4,
                                  eval_every=2, checkpoint_every=2, device="cpu", quiet=True)

    def stopped(done):
        if done == 1:
            _sent_together(signal.SIGTERM, signal.SIGINT)

    with pytest.raises(training.Interrupted) as interrupted:
        training.train(config, on_iteration=stopped)
    assert str(interrupted.value).startswith("SIGTERM: stopped after iteration 1;"), interrupted.value


def test_stops_heard_inside_a_nested_block_keep_their_order_and_the_outer_block_hears_its_own():
    with StopRequests() as outer:
        with StopRequests() as inner:  # stops_held inside a training's block
            _sent_together(signal.SIGTERM, signal.SIGINT)
        assert list(inner) == ["SIGTERM", "SIGINT"]
        _sent_together(signal.SIGTERM, signal.SIGHUP)
    assert list(outer) == ["SIGTERM", "SIGHUP"]  # not the inner block's, read again
    assert signal.set_wakeup_fd(-1) == -1  # given back as the outer block ended


def test_a_forked_child_lets_the_descriptor_go():
    with StopRequests():
        read, write = os.pipe()
        child = os.fork()
        if child == 0:
            os.write(write, str(signal.set_wakeup_fd(-1)).encode())
            os._exit(0)
        os.waitpid(child, 0)
        assert os.read(read, 16) == b"-1"
        os.close(read)
        os.close(write)

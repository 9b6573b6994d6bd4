"""A stop that comes while a worker pool starts or closes its processes is held until that is done, then
raised: a section that blocked the stop signals with ``pthread_sigmask`` held nothing, the mask being the
main thread's alone. The process has other threads (OpenBLAS's, started as NumPy loads; here the test's
sender): the kernel handed the signal to one of those, and Python ran its handler in the main thread at its
next instruction, inside the section; a swallowed stop delivered again (``_thread.interrupt_main``) ignored
the mask too. Each test waits for the signal's C handler to have run (``signal.set_wakeup_fd``), not for a
time, then checks that the section ran whole and that the stop is raised right after it."""

import contextlib
import os
import select
import signal
import threading
import _thread

import pytest

import waiting
from minitransfer import stopping
from minitransfer.data import decoder_pool, loader_workers


@contextlib.contextmanager
def _stop_handlers(handler=stopping.interrupt):
    """The stop signals answered by ``handler`` (a command's: KeyboardInterrupt) in the block."""
    previous = {stop: signal.signal(stop, handler) for stop in stopping.STOP_SIGNALS}
    try:
        yield
    finally:
        for stop, earlier in previous.items():
            signal.signal(stop, earlier)


@contextlib.contextmanager
def _sender(stop=signal.SIGINT):
    """A thread started before the section (with the stop signals unblocked, as OpenBLAS's are) that sends
    ``stop`` to this process when the function the block gets is called, which returns once the signal's
    C handler has run (whichever thread the kernel chose): Python's handler is then due in the main thread."""
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    go = threading.Event()
    thread = threading.Thread(target=lambda: go.wait() and os.kill(os.getpid(), stop), daemon=True)
    thread.start()
    wakeup = signal.set_wakeup_fd(writer)

    def send():
        go.set()
        assert select.select([reader], [], [], waiting.DEADLINE_SECONDS)[0], "the signal never came"
        os.read(reader, 64)
        thread.join()

    try:
        yield send
    finally:
        signal.set_wakeup_fd(wakeup)
        os.close(reader)
        os.close(writer)


def _instructions():
    """Python instructions, at which a handler due runs (the section going on after the stop came)."""
    return sum(range(100))


def test_a_stop_sent_from_another_thread_waits_for_the_end_of_the_blocked_section():
    done = []
    with _stop_handlers(), _sender() as send:
        with pytest.raises(KeyboardInterrupt):
            with decoder_pool.stop_signals_blocked():
                send()
                _instructions()
                done.append("whole")
    assert done == ["whole"]


def test_a_swallowed_stop_delivered_again_waits_for_the_end_of_the_blocked_section():
    """As :func:`minitransfer.stopping.swallowed_stops_owed` delivers a stop Python swallowed again."""
    done = []
    with _stop_handlers():
        with pytest.raises(KeyboardInterrupt):
            with decoder_pool.stop_signals_blocked():
                _thread.interrupt_main(signal.SIGINT)
                _instructions()
                done.append("whole")
    assert done == ["whole"]


class _Closing:
    """What a pool's close does, recorded: the stop sent (``send``) as the workers are killed."""

    def __init__(self, monkeypatch, module, send):
        self.done, self.send = [], send
        monkeypatch.setattr(module, "kill_processes", self.kill)
        monkeypatch.setattr(module, "close_queue", self.done.append)

    def kill(self, processes, what):
        self.send()
        _instructions()
        self.done.append(what)


def test_a_stop_as_a_decoder_pool_closes_is_raised_once_its_workers_are_killed(monkeypatch):
    pool = decoder_pool.DecoderPool(abs, workers=1)
    pool.processes, pool.tasks, pool.results = ["a worker"], "tasks", "results"
    with _stop_handlers(), _sender() as send:
        closing = _Closing(monkeypatch, decoder_pool, send)
        with pytest.raises(KeyboardInterrupt):
            pool.close()
    assert closing.done == ["decoding process", "tasks", "results"] and pool.processes == []


def test_a_stop_owed_as_a_decoder_pool_closes_is_raised_once_its_workers_are_killed(monkeypatch):
    """A stop Python swallowed, owed (:func:`minitransfer.stopping.swallowed_stops_owed`), as close begins: raised
    before it, the workers were left running, and the process's exit waited for them forever (multiprocessing
    joins its daemon processes after a SIGTERM, which they block)."""
    pool = decoder_pool.DecoderPool(abs, workers=1)
    pool.processes, pool.tasks, pool.results = ["a worker"], "tasks", "results"
    monkeypatch.setattr(stopping, "_owed", [signal.SIGINT])
    closing = _Closing(monkeypatch, decoder_pool, lambda: None)
    with _stop_handlers(), pytest.raises(KeyboardInterrupt):
        pool.close()
    assert closing.done == ["decoding process", "tasks", "results"] and stopping._owed == []


class _Memory:
    """A shared memory segment's stand-in: unlinked, then closed."""

    def __init__(self, done):
        self.unlink, self.close = (lambda: done.append("unlinked")), (lambda: done.append("closed"))


def test_a_stop_as_a_data_loader_closes_is_raised_once_its_memory_is_freed(monkeypatch):
    pool = loader_workers.WorkerPool.__new__(loader_workers.WorkerPool)  # its processes never started
    with _stop_handlers(), _sender() as send:
        closing = _Closing(monkeypatch, decoder_pool, send)  # end_workers, which the loader calls
        pool.processes, pool.tasks, pool.results, pool.memory = ["a worker"], "tasks", "results", _Memory(closing.done)
        with pytest.raises(KeyboardInterrupt):
            pool.close()
    assert closing.done == ["data loader process", "tasks", "results", "unlinked", "closed"]
    assert pool.processes == [] and pool.slots is None


def test_an_import_stopped_as_its_workers_start_starts_them_kills_them_and_exits_75(monkeypatch, tmp_path, image_bytes,
                                                                                   write_files):
    """The command's own handlers (the command line's); the stop comes as the workers are about to start."""
    from click.testing import CliRunner

    from minitransfer.cli import main

    source = write_files(tmp_path / "photos", {f"{name}/{number}.png": image_bytes((number, 40, 90), kind="PNG")
                                               for name in ("cat", "dog") for number in range(4)})
    started, start_processes = [], decoder_pool.start_processes

    def starting(processes, what):
        send()
        _instructions()
        start_processes(processes, what)
        started.extend(processes)

    monkeypatch.setattr(decoder_pool, "start_processes", starting)
    with _sender() as send:
        result = CliRunner().invoke(main, ["prepare", "folder", str(source), str(tmp_path / "out"), "--size", "12",
                                           "--workers", "1"])
    assert result.exit_code == 75, result.output
    assert len(started) == 1 and started[0].exitcode is not None  # started whole, then killed as the import stopped

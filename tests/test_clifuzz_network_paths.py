"""A named pipe given where a network is read (eval's and info's CHECKPOINT, train's --copy-from) is a
usage error that says what it is and what to give (exit 2), as every other path option says of one; the
network's path type once opened it to sniff its first bytes, and that open waited for a writer for ever."""

import os
import threading

import pytest
from click.testing import CliRunner

from minitransfer.cli import main

# How long the command may sit in the pipe's open before the test lets it go (the fixed code never opens
# it: this only ends the old code's endless wait, so that the test fails instead of hanging)
RELEASE_AFTER_S = 30


def _release_a_waiting_reader(pipe, released):
    """Open ``pipe``'s write end, which succeeds only where a reader waits in its open, and close it:
    that reader reads an empty pipe and goes on. ``released`` is set where one was waiting."""
    try:
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:  # ENXIO: no reader waits
        return
    released.set()


@pytest.mark.parametrize("words", [["info", "{pipe}"], ["eval", "{pipe}", "--device", "cpu"],
                                   ["train", "--copy-from", "{pipe}", "--n", "2", "--device", "cpu"]],
                         ids=["info", "eval", "train-copy-from"])
def test_a_named_pipe_as_a_network_is_refused_unopened(words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkfifo("baseA.h5")
    released = threading.Event()
    timer = threading.Timer(RELEASE_AFTER_S, _release_a_waiting_reader, ("baseA.h5", released))
    timer.start()
    try:
        result = CliRunner().invoke(main, [word.format(pipe="baseA.h5") for word in words])
    finally:
        timer.cancel()
        _release_a_waiting_reader("baseA.h5", released)
    assert not released.is_set(), "the command waited in the named pipe's open"
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert "baseA.h5 is a named pipe, not a network" in said and "a weights file (e.g. baseA.h5)" in said, said
    assert "Traceback" not in said

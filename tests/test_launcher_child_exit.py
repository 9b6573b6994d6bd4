"""A run forked by the launcher (:func:`minitransfer.launcher._child`) ends as a fresh ``minitransfer`` process
would: it runs the exit work its command registered, and none of its parent's. It ran every atexit handler the
process it was forked from had registered: forked from a pytest worker, pytest's own printed their warning into the
run's log; a parent's temporary folder (``tempfile.TemporaryDirectory``, removed at exit by ``weakref.finalize``)
was removed as the child ended, under the parent still using it; and what the parent had written to its stdout, not
flushed yet, was written again by the child (into the run's log, the child's stdout)."""

import atexit
import io
import os
import sys
import tempfile

import pytest

import minitransfer.cli
from minitransfer import launcher

pytestmark = pytest.mark.skipif(not launcher.usable(), reason="no os.fork on this platform")
_KEPT = []  # what a forked run keeps alive to its exit


def _forked_run(log, command):
    """``launcher._child`` forked from this process (the test's: the parent), its command line ``command`` (called
    in the child in place of the command line's ``main``); the child's exit status once it has ended."""
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        try:
            minitransfer.cli.main = lambda **_: command()  # the child's alone: the parent's module is left as it was
            launcher._child(["train"], str(log), parent)  # never returns: os._exit
        finally:
            os._exit(99)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_a_forked_run_runs_its_own_exit_handlers_and_not_its_parents(tmp_path):
    parents, childs = tmp_path / "parent's handler ran", tmp_path / "child's handler ran"
    atexit.register(parents.touch)
    try:
        status = _forked_run(tmp_path / "log", lambda: atexit.register(childs.touch))
    finally:
        atexit.unregister(parents.touch)
    assert status == 0
    assert childs.exists()  # the command's own exit work done
    assert not parents.exists()  # the parent's left to the parent


def test_a_parents_temporary_folder_outlives_a_forked_run(tmp_path):
    with tempfile.TemporaryDirectory() as folder:
        assert _forked_run(tmp_path / "log", lambda: None) == 0
        assert os.path.isdir(folder)  # removed by the child's exit (weakref.finalize's atexit), the parent's in use


def test_a_temporary_folder_the_run_made_is_removed_at_its_exit(tmp_path):
    """A folder the command made, to be removed at its exit (as weakref.finalize removes a TemporaryDirectory left
    open), still is: the exit work the child registers after its parent's is its own."""
    made = tmp_path / "made"

    def command():
        folder = tempfile.TemporaryDirectory()
        made.write_text(folder.name)
        _KEPT.append(folder)  # alive until the exit (the child's copy of the list)

    with tempfile.TemporaryDirectory():  # the parent's: weakref.finalize registered its exit work in the parent
        assert _forked_run(tmp_path / "log", command) == 0
    assert made.exists() and not os.path.exists(made.read_text())


@pytest.mark.parametrize("descriptor", [1, "file"], ids=["fd1", "own-file"])
def test_what_the_parent_buffered_on_stdout_is_not_written_by_the_child(tmp_path, monkeypatch, descriptor):
    """The parent's stdout holds a line not flushed yet as it forks: the child wrote it again as it ended, into the
    run's log where the parent's stdout was descriptor 1 (the launcher's), into the parent's file otherwise."""
    out = tmp_path / "parent.out"
    fd = 1 if descriptor == 1 else os.open(out, os.O_WRONLY | os.O_CREAT)
    parents = io.TextIOWrapper(io.BufferedWriter(io.FileIO(fd, "w", closefd=fd != 1), 1 << 16), write_through=False)
    monkeypatch.setattr(sys, "stdout", parents)
    print("the parent's line, buffered")
    log = tmp_path / "log"
    assert _forked_run(log, lambda: print("the run's line")) == 0
    parents.flush()
    assert log.read_text() == "the run's line\n"
    if descriptor != 1:
        parents.close()
        assert out.read_text() == "the parent's line, buffered\n"  # once: the parent's flush


def test_a_parents_worker_process_outlives_a_forked_run(tmp_path):
    """multiprocessing's exit work (an atexit handler of the parent's) ends the daemon processes it started: run by
    the forked run, it sent the parent's worker SIGTERM."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    stay, go = context.Pipe(duplex=False)
    worker = context.Process(target=stay.recv, daemon=True)
    worker.start()
    try:
        assert _forked_run(tmp_path / "log", lambda: None) == 0
        assert worker.is_alive() and worker.exitcode is None
    finally:
        go.send("go")
        worker.join()
    assert worker.exitcode == 0

"""A command whose terminal closes while it runs (a researcher's ssh connection drops): what the
SIGHUP tests of train, experiment and demo share.

    process, ours = hangup.start(command, folder, "terminal")
    hangup.wait_for(folder / "ready", process, ours)
    hangup.hang_up(process, ours, "terminal")   # SIGHUP, and the output goes nowhere

and a command whose reader of stdout goes away (``| head``) as it runs (:func:`piped`, :func:`reader_gone`).
"""

import fcntl
import os
import pty
import select
import signal
import subprocess
import sys
import termios
import time

import waiting

OUTPUTS = ("terminal", "pipe")


def buffered_environment():
    """This environment less ``PYTHONUNBUFFERED`` (which this sandbox sets): a command's output then
    buffered as a user's is, so that a write that fails leaves its bytes for Python's last flush."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}


def piped(script):
    """``python -c script`` with pipes for its stdin, stdout and stderr (text), its output buffered as a user's
    is (:func:`buffered_environment`)."""
    return subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=buffered_environment())


def reader_gone(process, timeout=60):
    """Close the stdout of ``process`` (:func:`piped`): its reader has gone; then a line on its stdin tells it to go
    on. Its stderr and exit code, once it ends."""
    process.stdout.close()
    process.stdin.write("go\n")
    process.stdin.close()
    error = process.stderr.read()
    return error, process.wait(timeout=timeout)


def start(command, cwd, output, preexec_fn=None):
    """``command`` in a session of its own, as a login shell's job, its stdout and stderr going to
    ``output``: "terminal", a pseudo-terminal it controls, or "pipe" (``| tee``), buffered as a
    user's are (a write that fails leaves its bytes for Python's last flush, which fails again).
    ``preexec_fn`` runs in the child before it starts. Returns the process and our end of its output."""
    ours, theirs = pty.openpty() if output == "terminal" else os.pipe()

    def in_the_child():
        if preexec_fn is not None:
            preexec_fn()
        if output == "terminal":  # the controlling terminal of the session start_new_session began
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    stdin = theirs if output == "terminal" else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=cwd, env=buffered_environment(), stdin=stdin,
                               stdout=theirs, stderr=theirs, start_new_session=True, preexec_fn=in_the_child)
    os.close(theirs)
    return process, ours


def wait_for(path, process, ours):
    """Until ``path`` exists, reading what the process says meanwhile (so that its writes never wait
    for a reader), which a failure shows (:data:`waiting.DEADLINE_SECONDS` at most, against a hang)."""
    said, deadline = b"", time.monotonic() + waiting.DEADLINE_SECONDS
    while not path.exists():
        assert process.poll() is None and time.monotonic() < deadline, said.decode(errors="replace")
        if select.select([ours], [], [], 0.05)[0]:
            try:
                said += os.read(ours, 65536)
            except OSError:  # EIO: a terminal nobody holds any more (the process has ended: asserted next)
                pass


def hang_up(process, ours, output):
    """Take the output away as a dropped connection does: the terminal's other end closes (the
    kernel sends the process SIGHUP, and writing to the terminal fails with EIO), or the pipe's
    reader ends (EPIPE) and the shell sends SIGHUP to the process group of its job."""
    os.close(ours)
    if output == "pipe":
        os.killpg(process.pid, signal.SIGHUP)

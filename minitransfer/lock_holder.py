"""Who holds a lock, as its lock file records it: "PID HOST" (:func:`this_process_record`), read back as
a :class:`Holder` (:func:`read_holder`), and the minitransfer command such a process runs
(:func:`command_of`), for the messages of :mod:`minitransfer.run_lock` and :mod:`minitransfer.data.lock`.
"""

import os
import pathlib
import socket

RECORD_BYTES = 320  # a lock file's "PID HOST": a host name has at most 255 bytes


def this_process_record():
    """What a lock file this process takes records of it: "PID HOST" (the host: the folder may be on a file
    system that the nodes of a cluster share), as :func:`read_holder` reads it."""
    return f"{os.getpid()} {socket.gethostname()}\n".encode()


class Holder(int):
    """The PID of a lock's holder as its lock file records it, with ``host``: the machine it runs on
    where that is another one (a SLURM task on another node of a shared file system), else None (this
    machine, or not recorded: the lock of an older minitransfer). A PID of another host means nothing
    here: never look it up, signal or wait for it on this machine."""

    def __new__(cls, pid, host=None):
        self = super().__new__(cls, pid)
        self.host = host
        return self

    def __reduce__(self):  # with its host: a RunBusy crosses a process pool pickled
        return type(self), (int(self), self.host)


def read_holder(descriptor):
    """The :class:`Holder` an open lock file names: "PID HOST", or "PID" as older versions wrote it;
    None where it names none (not written yet)."""
    pid, _, host = os.pread(descriptor, RECORD_BYTES, 0).decode(errors="replace").strip().partition(" ")
    if not (pid.isascii() and pid.isdigit()):
        return None
    host = host.strip()
    return Holder(int(pid), host if host and host != socket.gethostname() else None)


def is_this_process(written, pid=None):
    """Whether the :class:`Holder` a lock file names is this process (its PID, on this machine), or the
    process ``pid`` of this machine where given (a grid's train)."""
    return isinstance(written, Holder) and written == (os.getpid() if pid is None else pid) and written.host is None


def command_of(pid):
    """The minitransfer command a process of this machine runs, as typed: "minitransfer train",
    "minitransfer prepare folder" (a subcommand of prepare too), from its ``/proc/PID/cmdline`` (the
    ``minitransfer`` script or ``python -m minitransfer``); None for a holder on another host (its
    PID means nothing here), a process that calls the library (a notebook, a script), or where it
    cannot be read. Only for a message saying what holds a lock."""
    if pid is None or pid < 0 or getattr(pid, "host", None):
        return None
    try:
        words = pathlib.Path(f"/proc/{int(pid)}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None
    for index, word in enumerate(words[:3]):  # [python] minitransfer ..., python -m minitransfer ...
        if word == "minitransfer" and index and words[index - 1] == "-m" or \
                index < 2 and pathlib.PurePath(word).name == "minitransfer":
            typed = [word for word in words[index + 1:] if word and not word.startswith("-")]
            return " ".join(["minitransfer", *typed[:2 if typed[:1] == ["prepare"] else 1]])
    return None

"""How a local grid starts each run's ``minitransfer train`` process on its slot (:class:`TrainProcesses`).

A slot is a GPU (its id goes into the process's ``CUDA_VISIBLE_DEVICES``) or a share of the CPU
(``None``: several CPU slots split the cores, each process single- or few-threaded). On a CPU slot
with the default train command the runs are forked from a preloaded launcher
(:mod:`minitransfer.launcher`), which spares each one Python's start-up; each run is still the same
``minitransfer train`` process, in a session of its own. If a launcher dies, the grid stops with an
``OSError`` naming it, and its run stops with a checkpoint; rerunning the grid continues. A grid
killed with SIGKILL (``kill -9``, a crash, a notebook's kernel restarted) does not leave its runs
training on unwatched (on the cores or GPUs its rerun hands out again): the kernel sends each run it
started SIGTERM (Linux; :func:`minitransfer.launcher.ends_with`), which stops it as Ctrl-C does, with
a checkpoint its rerun resumes. A train command that starts the training in a process of its own (a
wrapper script) passes that on only if it stops its child on SIGTERM.
:mod:`minitransfer.scheduler` runs the grid.
"""

import os
import signal
import subprocess
import sys

from minitransfer import cuda, launcher, stopping, train_log
from minitransfer.cpus import THREAD_VARIABLES, threads_chosen, usable_cpus


# Run first in a run's new process (Python, isolated, without ``site``: some 20-40 ms), given the grid's PID, the
# signal and a pipe: SIGTERM when the grid ends (PR_SET_PDEATHSIG; :func:`minitransfer.launcher.ends_with`, which
# cannot be imported here), ended at once where the grid has ended already, then the train command in its place (same
# PID), or its exec's error number on the pipe for the grid to raise, as Popen raises it. Not a ``preexec_fn``: that
# makes Popen fork() in place of vfork, and a fork hung in OpenBLAS's atfork handler while another thread of the grid's
# process multiplied matrices (a notebook's grid beside a training thread), that thread stuck with it.
_WATCHED_EXEC = """
import ctypes, os, signal, sys
parent, signum, errors = map(int, sys.argv[1:4])
if sys.platform.startswith("linux"):
    ctypes.CDLL(None).prctl(1, signum)
if os.getppid() != parent:
    os.kill(os.getpid(), signal.SIGKILL)
os.set_inheritable(errors, False)
for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ"):  # Python's start ignored them: Popen's restore_signals, again
    if hasattr(signal, name):
        signal.signal(getattr(signal, name), signal.SIG_DFL)
try:
    os.execvp(sys.argv[4], sys.argv[4:])
except OSError as error:
    os.write(errors, str(error.errno).encode())
    os._exit(127)
"""


def _watched_popen(command, own_train, **options):
    """``subprocess.Popen(command, **options)``, the process sent SIGTERM when this one (the grid) ends
    (:data:`_WATCHED_EXEC`); for minitransfer's own train (``own_train``), started with the stop signals it
    answers blocked, as the launcher forks its runs: a stop that comes while Python itself starts (importing
    ``site``, before the command can answer it) waits until the command does
    (:func:`minitransfer.stopping.stop_as_it_starts`: exit 75, nothing written). Let in, the grid's SIGINT was a
    KeyboardInterrupt traceback there and exit 1, a run counted FAILED. Another train command is left as it
    is: it may never unblock them. The mask is this thread's for the Popen alone (a process inherits it through
    vfork and exec): a stop meanwhile goes to another thread, or waits, and is handled as ever."""
    errors, told = os.pipe()
    blocked = stopping.stop_signals_heard() if own_train else ()
    unblocked = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        process = subprocess.Popen([sys.executable, "-I", "-S", "-c", _WATCHED_EXEC, str(os.getpid()),
                                    str(signal.SIGTERM.value), str(told), *command], pass_fds=(told,), **options)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, unblocked)
        os.close(told)
    with open(errors, "rb") as reading:
        failed = reading.read()  # nothing once the train command runs (the pipe closed on exec)
    if failed:
        process.wait()
        number = int(failed)
        raise OSError(number, os.strerror(number), command[0])
    return process


class TrainProcesses:
    """The train processes of a grid's ``slots`` (a GPU id, or None for a CPU slot each), started with
    ``train_command`` followed by a run's arguments; ``preload``: whether CPU slots fork their runs from
    preloaded launchers (the default train command, where :func:`minitransfer.launcher.usable`);
    ``log``: where a launcher that could not start is told; ``shares``: into how many shares the cores
    are split for the runs' threads: the slots the grid's runs fill, whatever is left to train (default:
    those of ``slots``), so that a run's thread count, on which some runs' last bits depend, is the same
    on every rerun of the grid."""

    def __init__(self, train_command, slots, preload, log, shares=None):
        self.train_command, self.slots, self.preload, self.log = train_command, slots, preload, log
        self.shares = len(slots) if shares is None else shares
        self.launchers = {}  # CPU slot index -> its preloaded launcher

    def start(self, slot, device, arguments, log_path, apart=None):
        """The train process of a run (its ``arguments``) on ``slot`` (its ``device``), its output
        appended to ``log_path``, the run's log, or where ``apart`` is given (minitransfer's own train) to
        that file until the train holds the run's lock (:mod:`minitransfer.train_log`); in a session of
        its own: Ctrl-C reaches the grid only, which forwards one SIGINT."""
        added = {} if apart is None else train_log.environment(apart, log_path)
        output = log_path if apart is None else apart
        process = self._forked(slot, device, arguments, output, added)
        if process is None:
            with open(output, "a") as log_file:
                process = _watched_popen(self.train_command + arguments, apart is not None, stdout=log_file,
                                         stderr=subprocess.STDOUT, env={**self._environment(device), **added},
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        return process

    def _forked(self, slot, device, arguments, log_path, added):
        """The run forked from the slot's preloaded launcher (one per CPU slot, all started on
        first use), its output appended to ``log_path``, ``added`` added to its environment; None where
        none is used: a GPU slot, another train command, or a launcher that could not start."""
        if not self.preload or device is not None:
            return None
        try:
            if not self.launchers:  # one per CPU slot, all at once: their imports overlap
                self.launchers = self._started_launchers()
            return self.launchers[slot].start(["train", *arguments], log_path, added)
        except OSError as error:
            self.log(f"note: starting runs as new processes from now on ({error})")
            self.preload = False
            return None

    def _started_launchers(self):
        """A preloaded launcher per CPU slot, by slot index. Where one cannot start (the system out of processes
        or memory: an ``OSError``), those started are ended before the error is raised: left to the garbage
        collector, each imported on, then waited idle, its pipes open, as a process not waited for."""
        started = {}
        try:
            for index, each in enumerate(self.slots):
                if each is None:
                    started[index] = launcher.Launcher(self._environment(None))
        except BaseException:
            for each in started.values():
                each.close()
            raise
        return started

    def _environment(self, device):
        """A run's environment: its GPU, and where the grid runs several processes at once, its share
        (:attr:`shares`) of the cores this process may use for NumPy's threads (a CPU run's training, a GPU
        run's host work; eight GPU processes on 16 cores took 16 threads each), unless the user chose a count (by any
        of :data:`minitransfer.cpus.THREAD_VARIABLES`)."""
        env = dict(os.environ)
        if device is not None:
            env["CUDA_VISIBLE_DEVICES"] = env[cuda.GRID_DEVICE] = str(device)
        if self.shares > 1 and not threads_chosen(env):  # one the user set: set none beside it (cpus.threads_chosen)
            env.update(dict.fromkeys(THREAD_VARIABLES, str(max(1, usable_cpus() // self.shares))))
        return env

    def close(self):
        """End the preloaded launchers."""
        for each in self.launchers.values():
            each.close()
        self.launchers.clear()

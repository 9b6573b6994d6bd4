"""Starting ``minitransfer train`` processes without paying Python's start-up for each one.

Why: a training run of the CPU demo lasts 5-10 s, and a fresh ``minitransfer train`` process
spends about half a second of it importing NumPy, h5py, click and minitransfer before the first
iteration (0.50-0.63 s per run measured on the 2-core reference machine, 88 runs a demo). A
:class:`Launcher` is one Python process per scheduler slot that imports all of that once and then
forks one child per run: the child is ``minitransfer train ARGS`` as a fresh process would run it
(its own session, stdin from /dev/null, stdout and stderr appended to the run's log, a stop answered
from its first instant as the command answers it, the command's exit status), started in
milliseconds. As a run the
scheduler starts itself, it is stopped (SIGTERM: a checkpoint, exit 75) when the scheduler dies: the
launcher dies with the scheduler (:func:`ends_with`), and the run with the launcher.

Protocol, one JSON line each way per run: the scheduler writes ``{"argv": [...], "log": path, "env": {...}}``;
the launcher forks, answers ``{"pid": pid}``, waits for that child and answers ``{"exit": code}``
(a signal's death as a negative code, as :class:`subprocess.Popen` reports it). One child at a
time per launcher. Closing the launcher's stdin ends it once its child has finished.

Where it is not exact it is not used (:func:`usable`): without ``os.fork``, or where the
scheduler runs a train command other than this package's own.
"""

import atexit
import io
import json
import os
import select
import signal
import subprocess
import sys
import time
import traceback
import weakref

from minitransfer import file_owners, fileio, stopping
from minitransfer.config_wording import SAME_CALL, worded
from minitransfer.data.decoder_pool import die_with_parent

# Imported by the launcher before it forks: everything `minitransfer train` imports.
PRELOAD = "minitransfer.cli"


def usable():
    """Whether runs can be forked from a launcher here (POSIX ``fork``)."""
    return hasattr(os, "fork")


class Launcher:
    """One preloaded launcher process, started with environment ``env`` (the slot's: thread counts
    are fixed when NumPy loads, so every run forked from it shares them)."""

    def __init__(self, env):
        # It watches this process itself (its first step, :func:`_serve`), given its PID: no ``preexec_fn``, which
        # makes Popen fork() in place of vfork, and a fork hung in OpenBLAS's atfork handler while another thread of
        # this process multiplied matrices (a notebook's grid beside a training thread), that thread stuck with it.
        self.process = subprocess.Popen([sys.executable, "-m", "minitransfer.launcher", str(os.getpid())],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True)
        self.replies = self.process.stdout.fileno()
        self.unread = b""  # read from the pipe, not yet taken: the start of the next lines

    def start(self, argv, log_path, env=None):
        """Fork ``minitransfer ARGV`` with its output appended to ``log_path`` and ``env`` added to its
        environment (the launcher's, the slot's); returns its :class:`Forked` handle. Raises ``OSError``
        when the launcher is gone."""
        request = {"argv": list(argv), "log": str(log_path), "env": dict(env or {})}
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        self.process.stdin.flush()
        return Forked(self, self.message("pid", block=True))

    def message(self, key, block):
        """The value of the next reply line (``key`` in it); None when ``block`` is false and no
        whole line has arrived. Raises ``OSError`` when the launcher is gone."""
        while not self.has_line:
            if not block and not self.ready(0):
                return None
            chunk = os.read(self.replies, 4096)
            if not chunk:
                raise OSError(f"the minitransfer launcher process (PID {self.process.pid}) ended unexpectedly")
            self.unread += chunk
        line, self.unread = self.unread.split(b"\n", 1)
        return int(json.loads(line)[key])

    def ready(self, timeout):
        """Whether a reply has (partly) arrived, waiting at most ``timeout`` seconds (None: forever)."""
        return self.has_line or bool(select.select([self.replies], [], [], timeout)[0])

    @property
    def has_line(self):
        """Whether a whole reply has been read and not yet taken."""
        return b"\n" in self.unread

    def close(self):
        """End the launcher (after its running child, if any, has finished) and close its pipes:
        a notebook runs grid after grid in one process."""
        try:
            self.process.stdin.close()  # the end of its requests
        except OSError:  # a request it never read: it is gone
            pass
        self.process.wait()
        self.process.stdout.close()


class Forked:
    """A run forked by a launcher, with the part of :class:`subprocess.Popen`'s interface the
    scheduler uses: ``pid``, ``poll()``, ``wait()``, ``send_signal()``."""

    def __init__(self, launcher, pid):
        self.launcher, self.pid, self.returncode = launcher, pid, None

    def poll(self):
        return self._exit(block=False)

    def wait(self):
        return self._exit(block=True)

    def _exit(self, block):
        if self.returncode is None:
            try:
                self.returncode = self.launcher.message("exit", block=block)
            except OSError as error:  # the run may still be training, unwatched
                raise OSError(worded(f"{error} while running PID {self.pid}; {SAME_CALL} to continue "
                                     f"the grid (it waits for that run if it is still training)")) from error
        return self.returncode

    def send_signal(self, signum):
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:  # it has just ended; its exit message is on its way
                pass


# -- the launcher process -------------------------------------------------------------------------

def _serve():
    """The launcher's loop: first, where started with its parent's PID (:class:`Launcher`), end with that parent
    (:func:`ends_with`, SIGKILL: nothing of its own to finish); then import once, and fork a child per request line
    on stdin."""
    if len(sys.argv) > 1:
        ends_with(int(sys.argv[1]), signal.SIGKILL)
    requests = os.fdopen(os.dup(0), "rb")
    replies = os.dup(1)
    quiet = os.open(os.devnull, os.O_RDWR)
    os.dup2(quiet, 0)  # nothing but the protocol reaches the scheduler's pipes
    os.dup2(quiet, 1)
    os.close(quiet)
    __import__(PRELOAD)
    with requests:  # closed at the end: left to the garbage collector, -X dev printed a ResourceWarning per grid
        try:
            _answer(requests, replies)
        except BrokenPipeError:  # the scheduler is gone (where this process does not end with it: not Linux)
            pass


# Held from the fork until the child has its log as output and its handlers: a stop met before then was
# told on the grid's output (its log left with the command line alone), unwound the child through the
# launcher's own loop, or (SIGTERM, SIGHUP) ended it by the signal, read as a crash.
_STOPS = set(stopping.STOP_SIGNALS)


def _answer(requests, replies):
    launcher = os.getpid()
    for line in requests:
        request = json.loads(line)
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        pid = os.fork()
        if pid == 0:
            requests.close()
            os.close(replies)
            os.environ.update(request.get("env", {}))
            _child(request["argv"], request["log"], launcher, held)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        _reply(replies, {"pid": pid})
        _reply(replies, {"exit": _exit_code(os.waitpid(pid, 0)[1])})


def _reply(fd, message):
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _exit_code(status):
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _owned(log_path, error):
    """What :func:`_child` adds where its log is another user's alone (in a folder shared by a group): its
    owner and mode, and what to do ("" for any other failure)."""
    if error.errno not in fileio.UNWRITABLE or not file_owners.lock_file_alone(log_path):
        return ""
    owner, mode = file_owners.owner_and_mode(log_path)
    return f" (it is {owner}'s, {mode}); {file_owners.ask_to_share(owner, log_path)}"


def _child(argv, log_path, launcher, held=()):
    """Become ``minitransfer ARGV`` as a fresh process would run it, stopped as Ctrl-C stops it when
    its ``launcher`` (PID) ends; never returns. Started with the stop signals blocked (:data:`_STOPS`),
    it lets them in (the signal mask ``held``) once its output is its log and it answers them as the
    command does from its start (:func:`minitransfer.stopping.stop_as_it_starts`): a stop that came
    meanwhile, or comes before the command line takes the stops over, is exit 75, told in the log. A
    log it cannot open (its run folder moved or deleted since the grid wrote the command line there)
    is exit 74, said in a line on the launcher's stderr, the grid's, not as a traceback."""
    code = 1
    try:
        _own_exit_work()
        os.setsid()
        try:
            log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, file_owners.LOCK_FILE_MODE)  # a group's too
        except OSError as error:
            print(f"error: cannot write {log_path}: {error.strerror}{_owned(log_path, error)}; its run did not start",
                  file=sys.stderr)
            code = os.EX_IOERR  # 74, an I/O error's exit code, as the command's
            return  # to os._exit(code), below
        quiet = os.open(os.devnull, os.O_RDONLY)
        os.dup2(quiet, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(quiet)
        os.close(log)
        _own_streams()
        signal.signal(signal.SIGINT, signal.default_int_handler)  # Python's, given back once the command is over
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        ends_with(launcher, signal.SIGTERM)
        signal.pthread_sigmask(signal.SIG_SETMASK, set(held) | set(stopping.stop_signals_heard()))
        stopping.stop_as_it_starts()  # lets the stops in: one that came meanwhile is answered here
        from minitransfer.cli import main

        main(args=argv, prog_name="minitransfer")
        code = 0
    except SystemExit as stop:
        code = _status_of(stop.code)
    except KeyboardInterrupt:  # one escaping the command line (before it: stop_as_it_starts; after: stops ignored)
        from minitransfer.cli._errors import EXIT_INTERRUPTED
        from minitransfer.cli._output import say

        say("interrupted: stopped as the command ended; rerun the same command to finish what is left")
        code = EXIT_INTERRUPTED
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # the command's own (_own_exit_work): what it would run as a fresh process
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _own_exit_work():
    """In a forked run, first: the exit work of a fresh process, none of its parent's. The run ran every atexit
    handler of the process it was forked from as it ended: forked from a pytest worker (the tests), pytest's own
    printed their warnings into its log; a parent's temporary folder (a ``TemporaryDirectory``, removed at exit by
    ``weakref.finalize``) was removed under the parent still using it; multiprocessing's ended the parent's worker
    processes. Those are forgotten here, and so are the parent's finalizers run at exit (``weakref.finalize``'s,
    multiprocessing's: its own children forget them so); what the command registers from here on runs as it ends
    (:func:`_child`), multiprocessing's exit work for its own workers too. Python's logging is not shut down as
    the run ends: its handlers are the parent's, or write at once (its last resort's, the warnings')."""
    atexit._clear()
    for finalizer in list(weakref.finalize._registry):
        finalizer.atexit = False
    weakref.finalize._registered_with_atexit = False  # a finalizer of the run's registers its exit work again
    multiprocessing_util = sys.modules.get("multiprocessing.util")
    if multiprocessing_util is not None:
        multiprocessing_util._finalizer_registry.clear()
        sys.modules["multiprocessing.process"]._children.clear()
        atexit.register(multiprocessing_util._exit_function)


_PARENTS_STREAMS = []  # in a forked run: its parent's sys.stdout and sys.stderr, kept (never flushed there) to its end


def _own_streams():
    """In a forked run whose descriptors 1 and 2 are its log: ``sys.stdout`` and ``sys.stderr`` of its own on them,
    set as its parent's were (encoding, errors, buffering). What the parent had written to its own and not flushed
    yet is the parent's to write: the run flushed it again as it ended, into its log (the parent's stdout on
    descriptor 1, the launcher's) or where the parent's went."""
    found = (sys.stdout, sys.stderr)
    _PARENTS_STREAMS.extend(found)
    sys.stdout, sys.stderr = [io.TextIOWrapper(open(descriptor, "wb", closefd=False),
                                               encoding=getattr(parents, "encoding", None),
                                               errors=getattr(parents, "errors", None),
                                               line_buffering=getattr(parents, "line_buffering", False),
                                               write_through=getattr(parents, "write_through", False))
                              for descriptor, parents in zip((1, 2), found)]


def _status_of(code):
    """The exit status Python gives ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def ends_with(parent, signum):
    """In a child of process ``parent`` (its PID), as its first step: have the kernel send it
    ``signum`` when ``parent`` ends (Linux; the parent being, to the kernel, the thread that forked
    this process); where ``parent`` has ended already, end now (nothing has started). Why: a grid
    killed with SIGKILL (``kill -9``, a crash) or a notebook's kernel restarted left its trainings
    training on unwatched, on the cores or GPU its rerun's runs were given, which that rerun waited
    for; told SIGTERM, each writes its checkpoint and exits 75, and the rerun resumes it."""
    die_with_parent(signum)
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def wait_any(processes, timeout):
    """Sleep until one of ``processes`` (:class:`Forked` or ``Popen``) may have ended, at most
    ``timeout`` seconds: on the launchers' pipes and, for a ``Popen``, on a pidfd of its process
    (Linux), so that the next run starts as soon as one ends, not at the end of the grid's poll
    (0.2 s a run lost, a whole grid of short runs slept through); a plain sleep where a process
    has no pidfd (another system)."""
    launchers = [p.launcher for p in processes if isinstance(p, Forked)]
    if any(launcher.has_line for launcher in launchers):
        return
    handles = []
    try:
        for process in processes:
            if not isinstance(process, Forked):
                try:
                    handles.append(os.pidfd_open(process.pid))
                except ProcessLookupError:  # it has ended (and been waited for): poll() tells
                    return
                except (AttributeError, OSError):  # no pidfd here (not Linux 5.3+): sleep the poll through
                    time.sleep(timeout)
                    return
        select.select([launcher.replies for launcher in launchers] + handles, [], [], timeout)
    finally:
        for handle in handles:
            os.close(handle)


if __name__ == "__main__":
    _serve()

"""Stop signals (SIGINT, SIGTERM, SIGHUP) turned into a flag that the work checks where it can stop:
:class:`StopRequests`, which a training checks between its iterations, an evaluation between its
batches, and a grid while it waits for its runs. Which signals stop a command, and output whose
reader has gone: :mod:`minitransfer.stopping`.
"""

import contextlib
import os
import signal
import threading

from minitransfer import stopping


class StopRequests(list):
    """SIGINT / SIGTERM / SIGHUP (a closed terminal; not where ignored:
    :func:`minitransfer.stopping.stop_signals_heard`) turned into a flag that the work checks where
    it can stop (a training between its iterations; main thread only): the list holds the signal's
    name once one arrived.

        with StopRequests() as stop:    # heard from here to the end of the block
            ...

    ``listening=False`` hears them from :meth:`listen` on, to the end of the block, which can reach
    past the part of the work that checks the flag: a stop is then under way, and a second one must
    not break into what the work does on its way out (release its locks, report its stop).
    ``keep_ignored``: a signal this process ignores stays ignored (not heard): a process started in
    the block inherits it so, where a signal heard would be reset to its default (ending the process).
    ``interrupt``: the first stop heard also raises ``KeyboardInterrupt`` (to break out of a wait), and
    those after it are only recorded: a second Ctrl-C that comes as the first unwinds must not break
    into what the stop does (a grid stopping its runs), as a handler installed only once the first
    has been caught lets it, for an instant. The attribute ``interrupt`` turns False as it raises; the
    work calls :meth:`caught` where it stops (for that stop, or another cause: an error), to record the
    stops from there on. Raised inside a finalizer (``__del__``, a weak reference's callback), Python
    swallows that KeyboardInterrupt and the work would go on as though none had come: the stop is owed
    until it is caught: delivered again within moments in a command
    (:func:`minitransfer.stopping.swallowed_stops_owed`), raised again by :meth:`raise_owed` where the work checks
    (a grid's wait), whichever comes first.

    The list names the stops in the order they came, the first that stopped the work first. Python runs the
    handlers of signals that came together (while the main thread was inside a BLAS product or an HDF5 write) in
    the order of their numbers, not of their coming: a SIGTERM then a SIGINT was named SIGINT, a SIGINT then a
    SIGHUP, SIGHUP. The order they came in is read from the signal module's wakeup descriptor (:class:`_Arrivals`),
    where no one else (an event loop) holds it; else the handlers' order stands."""

    def __init__(self, listening=True, keep_ignored=False, interrupt=False):
        super().__init__()
        self._listening, self._keep_ignored, self.interrupt, self._previous = listening, keep_ignored, interrupt, {}
        self._owed = False  # a stop raised KeyboardInterrupt that the work has not caught (yet, or ever: swallowed)
        self._arrivals = None  # the signals' order of coming, read while listening (_Arrivals)

    def __enter__(self):
        if self._listening:
            self.listen()
        return self

    def listen(self):
        """Hear the stop signals from now on (in the main thread; elsewhere none reaches the work). A
        stop the command line heard before, whose KeyboardInterrupt Python swallowed, is raised here
        (:func:`minitransfer.stopping.raise_owed_stop`): the flag would not have it."""
        if threading.current_thread() is threading.main_thread() and not self._previous:
            stopping.raise_owed_stop()
            # stop_signals_heard leaves out a signal whose handler Python cannot give back (None: the
            # program embedding Python set it): given back as None, a TypeError at the end of the block.
            self._previous = {stop: signal.signal(stop, self._heard) for stop in stopping.stop_signals_heard()
                              if not (self._keep_ignored and signal.getsignal(stop) is signal.SIG_IGN)}
            self._arrivals = _Arrivals.taken()

    def _heard(self, signum, frame):
        came = self._arrivals.came(signum, set(self._previous)) if self._arrivals is not None else [signum]
        if stopping.delivered_again() and self._owed:  # the stop it raised, swallowed, delivered again: raised again
            stopping.interrupt(signum, frame)
            return
        self.extend(signal.Signals(stop).name for stop in came)
        if self.interrupt:
            self.interrupt, self._owed = False, True
            stopping.interrupt(signum, frame)  # swallowed, owed to the command too: no "Exception ignored" told

    def caught(self):
        """The work stops (the stop's KeyboardInterrupt caught, or another error): the stops heard from here
        on are recorded only, none is owed. Returns how many of those heard stopped it (the first, if any),
        not to be answered again."""
        self.interrupt, self._owed = False, False
        return min(len(self), 1)

    def raise_owed(self):
        """KeyboardInterrupt where a stop raised one that the work has not caught (:meth:`caught`): Python
        swallowed it in a finalizer, and the work went on (:func:`minitransfer.stopping.swallowed_stops_owed`
        owes the command the same stop: raised once, here); nothing otherwise."""
        if self._owed:
            self._owed = False
            stopping.raise_owed_stop()
            raise KeyboardInterrupt

    def __exit__(self, *exc):
        for stop, previous in self._previous.items():
            signal.signal(stop, previous)
        self._previous = {}
        if self._arrivals is not None:
            self._arrivals.given_back()
            self._arrivals = None


class _Arrivals:
    """The order in which signals came, from the signal module's wakeup descriptor (``signal.set_wakeup_fd``: its
    C handler writes each signal's number there as the signal comes, before Python runs any handler), taken
    for :class:`StopRequests` (main thread) where no one holds it: :meth:`taken` is None where someone does."""

    held = None  # the one taken, while one is: a child forked meanwhile (a launcher's run) lets it go

    def __init__(self, read, write):
        self._read, self._write, self._unanswered = read, write, set()  # numbers read whose handler has not run yet
        self._late = set()  # signals named by their handler before their number was read (:meth:`came`)
        self._users = 1  # the StopRequests listening with it: one inside another's block shares it

    @classmethod
    def taken(cls):
        if cls.held is not None:  # a StopRequests inside another's block (stops_held inside a training): shared
            cls.held._users += 1
            return cls.held
        try:
            read, write = os.pipe()
        except OSError:  # no descriptor left (ulimit -n): stops heard all the same, named in Python's order
            return None
        for end in (read, write):
            os.set_blocking(end, False)
        try:
            before = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
        except (ValueError, OSError):
            before = None
        if before == -1:
            cls.held = cls(read, write)
            return cls.held
        if before is not None:  # someone's (an event loop's)
            _handed_back(before, read)
        os.close(read)
        os.close(write)
        return None

    def came(self, signum, heard):
        """The signals of ``heard`` that came since the handlers last ran, in the order they came, for the handler
        of ``signum`` now running: [] where its coming was told by an earlier handler (they came together: that
        one named both), [signum] alone where the descriptor did not record it (the pipe full). A stop delivered
        again (:func:`minitransfer.stopping.swallowed_stops_owed`, by ``_thread.interrupt_main``) is recorded as a
        signal sent is. A signal another thread took (OpenBLAS's: the kernel gives it to any thread not blocking
        it) is marked due for the main thread before its number is written there: the main thread, taking Python's
        lock just then, ran its handler first, which named it alone, and the next stop read the number and named
        it again (a SIGTERM then a SIGINT: SIGTERM, SIGTERM, SIGINT). A signal named without its number has its
        number, read later, taken for that one (once), not for a signal come again. Where the number never comes
        (the pipe full), the next coming of that signal is named by its own handler: in Python's order, none lost
        nor named twice."""
        numbers = _drained(self._read) if self._read is not None else b""
        arrived = []
        for number in numbers:
            if number in self._late:
                self._late.discard(number)  # the number of a signal named already, read after its handler ran
            elif number in heard and number not in arrived:
                arrived.append(number)
        told = signum in self._unanswered  # by the handler that ran first
        if not told and signum not in arrived:
            self._late.add(signum)
            return [signum]
        self._unanswered = (self._unanswered | set(arrived)) - {signum}  # those read earlier stay owed a name
        return [number for number in arrived if number != signum] if told else arrived

    def given_back(self, users=1):
        """The descriptor given back (none set) by ``users`` of it, once none is left; nothing where it was already,
        as in a forked child."""
        self._users -= users
        if self._read is None or self._users > 0:
            return
        with contextlib.suppress(ValueError):  # not the main thread: a child forked from another thread
            _drained(self._read)  # what came before: not the holder's, if another holds it now (its own came to it)
            current = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)  # looked at: none lost meanwhile
            if current in (self._write, -1):
                signal.set_wakeup_fd(-1)
            else:  # set since by another (an event loop made in the block): left to it
                _handed_back(current, self._read)
        for end in (self._read, self._write):
            os.close(end)
        self._read = self._write = None
        _Arrivals.held = None

    @classmethod
    def _let_go_in_child(cls):
        """In a child forked while one is held: its signals must not write into the parent's pipe (they would be
        named there as the parent's)."""
        if cls.held is not None:
            cls.held.given_back(users=cls.held._users)


os.register_at_fork(after_in_child=_Arrivals._let_go_in_child)


def _handed_back(theirs, read):
    """The wakeup descriptor ``theirs`` (an event loop's, looked at by setting ours, whose reading end is ``read``)
    set again, with the numbers of the signals that came meanwhile (in ours): an event loop (asyncio) runs a
    signal's handler where it reads its number there, and one lost went unanswered (given back from the block,
    unset as it was looked at, it was lost). Its ``warn_on_full_buffer`` cannot be kept: Python has no way to read
    it (3.11 to 3.14), and the signal module gives none back. It is given back as Python's default (True, as asyncio
    sets it): a holder that had turned it off (Trio's; a SIGCHLD loop's) is told "Exception ignored when trying to
    write to the signal wakeup fd" where its buffer fills. Only where it held the descriptor as the stops were
    listened for, or took it in the block; nothing where it took it before or after."""
    signal.set_wakeup_fd(theirs)
    came = _drained(read)
    if came:
        with contextlib.suppress(OSError):
            os.write(theirs, came)


def _drained(read):
    """All the descriptor ``read`` holds (non-blocking): the numbers of every signal with a Python handler that came
    since it was last drained, those of other signals too (a profiler's timer: SIGPROF, SIGALRM). Read in part
    (4096 bytes), a handler that found thousands of those before the stops did not find its own, and named it
    alone; the next one found both: a SIGTERM then a SIGINT was named SIGINT, SIGTERM, SIGINT. Where they filled
    the pipe (64 kB of them between two stops) the stops' own numbers were not written: each is then named by its
    handler, in Python's order (:meth:`_Arrivals.came`'s [signum]), none lost."""
    chunks = []
    while True:
        try:
            chunk = os.read(read, 1 << 16)
        except (BlockingIOError, InterruptedError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def held_until_done(work, done=None):
    """Call ``work`` with the stop signals held, and raise a stop heard meanwhile again once it
    returns: :func:`stops_held`, whose words say the rest."""
    with stops_held(done):
        work()


@contextlib.contextmanager
def stops_held(done=None, owed_too=False):
    """For the block: the stop signals held (a signal this process ignores stays so), and a stop heard
    meanwhile raised again once the block is over, where the command's own handler hears it: what the
    block does is done whole or not begun (a run started and recorded, a report's files replaced, a pool's
    workers started or killed). Held here, at Python's level, not by a signal mask: a mask is the blocking
    thread's alone, and a process has other threads (OpenBLAS's, started as NumPy loads; a queue's feeder),
    so the kernel hands the signal to one of those, and Python runs its handler in the main thread all the
    same, inside the block; nor does a mask hold a swallowed stop delivered again (``_thread.interrupt_main``:
    :func:`minitransfer.stopping.swallowed_stops_owed`). A failure in the block ends it with its own error,
    the stop dropped. ``done``: where the block is the last of the command's work, what to raise in place of
    the KeyboardInterrupt that handler raises (the command line's, Python's for SIGINT), ``done(the signal's
    name)``, from it: a stop that came as a report's files were replaced said "rerun the same command to
    continue", with nothing left to continue. A KeyboardInterrupt raised before the block began (a stop
    just before the signals were held, or one owed: :meth:`StopRequests.listen`) is raised as it is: nothing
    was done; ``owed_too``: an owed one is held too, raised once the block is over, for a block that must run
    though a stop came before it (a pool's close: workers left running hung the process's exit). Outside the
    main thread nothing is held, nor needs to be: no handler runs there."""
    owed = False
    if owed_too and threading.current_thread() is threading.main_thread():
        try:
            stopping.raise_owed_stop()
        except KeyboardInterrupt:
            owed = True
    with StopRequests(keep_ignored=True) as stop:
        yield
    if owed:
        raise KeyboardInterrupt  # as raise_owed_stop raises it: one for it and any stop heard since
    if not stop:
        return
    try:
        signal.raise_signal(getattr(signal, stop[0]))
    except KeyboardInterrupt as interrupted:
        if done is None:
            raise
        raise done(stop[0]) from interrupted

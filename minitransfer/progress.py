"""What a run shows while it trains: :class:`Progress`, a progress bar on a terminal or else a plain
line every so many iterations, with the pace and the time left; what ``prepare`` shows while it imports:
:class:`StageProgress`, one bar redrawn in place or else a line every tenth of a slow stage; what an
evaluation shows: :class:`EvaluationProgress`; :func:`duration` says a time in words, :func:`dated` a clock time
with its offset from UTC. A bar is drawn within one row of the terminal (:func:`bar_row`).
"""

import collections
import os
import shutil
import sys
import time

from minitransfer import stopping


class _Display:
    """A display on ``stream`` that is dropped, never an error, once its reader has gone (the
    terminal closed, the ``| tee`` ended) or it cannot be written (``2> log`` on a full disk or
    over quota, where the dataset's or the run's own folder may have room)."""

    def __init__(self, bar, quiet, stream):
        self.bar, self.quiet, self.stream = bar, quiet, stream or sys.stderr

    def _show(self, text):
        try:
            self.stream.write(text)
            self.stream.flush()
        except OSError:  # its reader gone, or its file full (a job's log on a home over quota)
            stopping.drop_stream(self.stream)
            self.quiet = True

    def _redraw(self, label, fraction, tail, width):
        """The bar redrawn in place, within one row (:func:`bar_row`): a row wider than the terminal wraps, and
        ``\\r`` goes back to its last row only, adding a row at each redraw; the rest of the row is cleared, or a
        shorter text left the end of the one before."""
        self._show("\r\033[K" + bar_row(label, fraction, tail, self._columns(), width))

    def _columns(self):
        """The width of the terminal the bar is drawn on (80 where it cannot be told)."""
        try:
            columns = os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            columns = 0
        return columns or shutil.get_terminal_size().columns  # 0: a terminal that does not say (COLUMNS, else 80)


def draws_bar(stream):
    """Whether a bar redrawn in place (``\\r``, the escape that clears a row) is shown on ``stream``: a terminal,
    unless it says it cannot move the cursor (TERM=dumb: Emacs's M-x shell, some CI consoles), where every
    redraw's escape showed as text ("^[[K") and the bar as a row of them; there, plain lines as in a file."""
    return stream.isatty() and os.environ.get("TERM") != "dumb"


MIN_BAR = 5  # a narrower bar says little: the numbers say it


def bar_row(label, fraction, tail, columns, width):
    """``label [###.......] tail`` within ``columns - 1`` characters (a row the cursor ends on without wrapping),
    the bar ``fraction`` full: at most ``width`` wide, narrowed, then left out (below :data:`MIN_BAR`), before the
    label is cut at its end ("..."), and the tail last: it holds the numbers ("123/1000 (12%)", the time left),
    which cutting the end of the row took first."""
    room, head = columns - 1, f"{label} " if label else ""
    bar = min(width, room - len(head) - len(tail) - len("[] "))
    if bar >= MIN_BAR:
        filled = int(bar * min(max(fraction, 0), 1))
        return f"{head}[{'#' * filled}{'.' * (bar - filled)}] {tail}"
    if len(head) + len(tail) > room:
        kept = room - len(tail) - len("... ")
        head = head[:kept] + "... " if kept > 0 else ""
    return (head + tail)[:max(room, 0)]


class Progress(_Display):
    """A progress bar on a terminal; otherwise one plain line every ``every`` iterations, and at
    least every :attr:`LINE_SECONDS` (a slow run shows life within seconds). The pace (:func:`pace`) and the
    time left are the recent pace: the iterations of the later half of the time since the end of the first
    iteration this process trains, at most the last :attr:`WINDOW_SECONDS`, yet at least
    :attr:`WINDOW_SAMPLES` samples (after a long pause, Ctrl-Z then fg or a suspend, not the one iteration
    across it). Starting up (the first iteration, the data loader's workers, kernels compiled on first use,
    an evaluation a resume redoes) soon drops out of it, where timing from the first iteration kept it for
    the whole run (a resumed CPU run said "0.527 s per iteration ... 24 minutes" and finished in 30 s); a
    window of minutes keeps the pauses that recur (evaluations, checkpoints) counted. Once
    :attr:`ESTIMATE_SECONDS` of iterations are timed, one line says when the run ends, said again should
    the pace turn out more than :attr:`REVISE_FACTOR` times faster or slower than estimated for a whole
    window; each later line says how long is left. A display whose reader has gone (the terminal closed,
    the ``| tee`` ended) or cannot be written (``2> log`` on a full disk or over quota, where the run's own
    folder may have room) is dropped, never an error: the run goes on to its
    checkpoint (metrics.jsonl keeps what it would have shown)."""

    LINE_SECONDS = 30
    ESTIMATE_SECONDS = 10
    WINDOW_SECONDS = 300
    REVISE_FACTOR = 2
    SAMPLE_SECONDS = 0.01  # iterations closer together share a sample (a run of 5 ms each kept 60,000)
    WINDOW_SAMPLES = 10

    def __init__(self, total, start, bar, quiet, every, stream=None):
        super().__init__(bar, quiet, stream)
        self.total, self.every = total, every
        self.started, self.start = time.perf_counter(), start
        self.last_line, self.first = self.started, None  # first: the end of the first iteration trained here
        self.estimated = None  # (pace, seconds timed) when the time left was last estimated
        self.off_since = None  # since when the pace is more than REVISE_FACTOR times off the estimate's
        self.samples = collections.deque()  # (time, iteration) from `first` on, those before the window dropped

    def iteration(self, done, loss, lr):
        if self.quiet:
            return
        now = time.perf_counter()
        rate, timed = self._rate(now, done)
        if self._estimate_due(rate, timed, done, now):
            self.estimated = rate, timed
            self._estimate(done, rate)
        left = f", {duration((self.total - done) / rate)} left" \
            if self.estimated is not None and done < self.total and rate else ""
        if self.bar:
            self._redraw("", done / self.total, f"{done}/{self.total} loss {loss:.4f} lr {lr:.3g} {pace(rate)}{left}",
                         width=30)
        elif done % self.every == 0 or done == self.total or now - self.last_line >= self.LINE_SECONDS:
            self.line(f"iteration {done}/{self.total} loss {loss:.4f} lr {lr:.3g} {pace(rate)}{left}")

    def _estimate_due(self, rate, timed, done, now):
        """Whether to say when the run ends: after :attr:`ESTIMATE_SECONDS` timed (or at the end); again
        where the pace is more than :attr:`REVISE_FACTOR` times off the last estimate's, once the window
        holds none of what that estimate saw (twice the time timed), and has been so off since the window
        began: a pause, an evaluation, says nothing (before, one of 600 s on a run of 10 ms an iteration said
        "600 s per iteration: the remaining 60000 iterations take about 417 days", which stood), and a run
        says its end again a few times at most."""
        if self.estimated is None:
            return timed >= self.ESTIMATE_SECONDS or done == self.total
        estimated, then = self.estimated
        if not rate or 1 / self.REVISE_FACTOR <= rate / estimated <= self.REVISE_FACTOR:
            self.off_since = None
            return False
        self.off_since = now if self.off_since is None else self.off_since
        return timed >= 2 * then and self.off_since <= self.samples[0][0]

    def _rate(self, now, done):
        """Iterations a second over the window (see the class), and the seconds timed since the first
        iteration; before a second iteration, the pace since this display began."""
        samples = self.samples
        if self.first is None:
            self.first = now
        if not samples or now - samples[-1][0] >= self.SAMPLE_SECONDS:
            samples.append((now, done))
        timed = now - self.first
        if not timed > 0 or len(samples) < 2 and done == samples[0][1]:
            return (done - self.start) / max(now - self.started, 1e-9), timed
        # begins only moves forward (a monotonic clock): samples dropped are never needed again
        begins = now - min(timed / 2, self.WINDOW_SECONDS)
        while len(samples) > self.WINDOW_SAMPLES + 1 and samples[1][0] <= begins:
            samples.popleft()
        since, counted = samples[0]
        return (done - counted) / (now - since), timed

    def _estimate(self, done, rate):
        left = (self.total - done) / rate if rate > 0 else 0
        if left > 0:
            self.line(f"{1 / rate:.3g} s per iteration: the remaining {self.total - done} iterations take about "
                      f"{duration(left)}{until(left)}")

    def line(self, text):
        """``text`` on a line of its own; a warning among it kept for the run's result, said or not (quiet):
        :func:`minitransfer.stopping.heard`."""
        stopping.heard(text)
        if self.quiet:
            return
        self._show(("\r\033[K" if self.bar else "") + text + "\n")
        self.last_line = time.perf_counter()

    def close(self):
        if self.bar and not self.quiet:
            self._show("\n")


def pace(rate):
    """``rate`` iterations a second in words: "22.2 it/s", or below one a second the seconds an
    iteration takes, "26 s/it" (a CPU run of the paper's network showed "0.0 it/s")."""
    if rate >= 1 or rate <= 0:
        return f"{rate:.1f} it/s"
    seconds = 1 / rate
    return f"{seconds:.1f} s/it" if seconds < 10 else f"{seconds:.0f} s/it"


class StageProgress(_Display):
    """What an import shows, called as ``progress(done, total, stage=None)`` (the importers'
    ``progress``: ``stage`` names a step other than decoding, such as "listing training files").
    On a terminal (``bar``) one bar within a row, redrawn in place at most every :attr:`BAR_SECONDS`
    and from one stage to the next, "folder: finding copies across classes [#####.....] 2/4 (50%)",
    erased by :meth:`close` (the summary follows). Otherwise (a pipe, a log) a plain line each
    time a stage has gone a tenth further, but none within :attr:`LINE_GAP_SECONDS` of the
    previous one (or of the start): an import of seconds shows only its summary, where it printed
    a line per tenth of each of its eight stages; and, like :class:`Progress`, a line at least
    every :attr:`Progress.LINE_SECONDS` while a slow stage goes on; a stage that showed a line ends with its
    100% line (:attr:`CLOSING_LINE`), however soon after the last: a log whose last line of decoding was
    "folder: 540/600 (90%)", the next 4 s later not shown, read as an import stalled there while it wrote its
    mean image and meta.json. ``label`` begins each line ("folder")."""

    BAR_SECONDS = 0.1
    LINE_GAP_SECONDS = 5
    CLOSING_LINE = True

    def __init__(self, label, bar, quiet=False, stream=None):
        super().__init__(bar, quiet, stream)
        self.label, self.stage, self.tenth, self.drawn = label, None, 0, False
        self.last_line = self.last_drawn = time.perf_counter()
        self.unfinished = False  # a line of this stage was shown, not its 100% one

    def __call__(self, done, total, stage=None):
        if self.quiet:
            return
        now, tenth = time.perf_counter(), 10 * done // max(total, 1)
        changed = stage != self.stage
        if changed:
            self.stage, self.tenth, self.unfinished = stage, 0, False
        label = f"{self.label}: {stage}" if stage else self.label
        counted = f"{done}/{total} ({100 * done // max(total, 1)}%)"
        if self.bar:
            if changed or done >= total or now - self.last_drawn >= self.BAR_SECONDS:
                self._redraw(label, done / max(total, 1), counted, width=20)
                self.last_drawn, self.drawn = now, True
            return
        waited = now - self.last_line
        if (tenth > self.tenth and waited >= self.LINE_GAP_SECONDS) or waited >= Progress.LINE_SECONDS or \
                done >= total and self.unfinished:
            self.tenth, self.last_line, self.unfinished = tenth, now, self.CLOSING_LINE and done < total
            self._show(f"{label}: {counted}\n")

    def close(self):
        """Erase the bar (the import's summary or its error follows on a clean line)."""
        if self.drawn and not self.quiet:
            self._show("\r\033[K")
        self.drawn = False


class EvaluationProgress(StageProgress):
    """What an evaluation shows (``eval``'s, and each of ``train``'s: minutes of ImageNet's validation
    images on a CPU, silent before), called as ``progress(images scored, images in all)``: on a terminal
    :class:`StageProgress`'s bar, "eval at 300 [####................] 12000/60000 (20%)"; otherwise a line
    each :attr:`Progress.LINE_SECONDS` while it goes on and no more, so that an evaluation of seconds (each
    of the CPU demo's) adds none to a log; nor a 100% line at its end: its scores follow at once."""

    LINE_GAP_SECONDS = Progress.LINE_SECONDS
    CLOSING_LINE = False


DATED_SECONDS = 100 * 365 * 86400  # an end further away is said in days, not dated


def local_time_in(seconds):
    """The local time ``seconds`` from now by the wall clock (a ``time.struct_time``); None beyond
    :data:`DATED_SECONDS` (or not a time at all, NaN): a date so far is no help, and past the year 2**31
    ``time.localtime`` fails (EOVERFLOW, OverflowError)."""
    return time.localtime(time.time() + seconds) if 0 <= seconds < DATED_SECONDS else None


def until(seconds):
    """" (until 2026-11-01 01:30 -04:00)": when ``seconds`` from now is (:func:`dated`); "" beyond
    :data:`DATED_SECONDS` (:func:`local_time_in`)."""
    local = local_time_in(seconds)
    return f" (until {dated(local)})" if local is not None else ""


def dated(local):
    """``local`` (a ``time.struct_time`` of the local zone) with its offset from UTC, "2026-11-01 01:30 -04:00":
    without it, the hour a clock goes back (DST) reads twice ("01:30" of EDT, then of EST), and a log written on a
    machine in another zone (a cluster's nodes in UTC, TZ=Pacific/Kiritimati at UTC+14) reads as the reader's
    time. ``%Z`` would not do: TZ=UTC-14 names UTC+14 "UTC"."""
    minutes = local.tm_gmtoff // 60
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return time.strftime("%Y-%m-%d %H:%M ", local) + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


YEAR_SECONDS = 365.25 * 86400  # a Julian year: the calendar's average


def duration(seconds):
    """``seconds`` in words, in the largest unit it holds twice or more, thousands separated: '45 s',
    '12 minutes', '3 hours', '130 days', '22 years'. Past two years in years, not days: "7881 days" is a number
    its reader divides by 365 to weigh (a CPU run of the paper's, a grid's estimate), where the question is
    only whether it can be waited for; an estimate of a --max-iter with a slip of the keyboard reads
    '31,688,087,814 years', not a wall of digits."""
    for unit, size in (("years", YEAR_SECONDS), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * size:
            return f"{seconds / size:,.0f} {unit}"
    return f"{seconds:.0f} s"

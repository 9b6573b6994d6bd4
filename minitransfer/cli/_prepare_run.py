"""How ``minitransfer prepare``'s commands run their work: the progress they show on stderr (:func:`shown_progress`),
an import run with its stop and its usage errors said (:func:`run_import`), and the lines that report a dataset
built or verified (:func:`finish`)."""

import contextlib
import sys

import click

from minitransfer.data import prepared_notes, same_origin
from minitransfer.data.schema import ImportUsageError
from minitransfer.progress import StageProgress, draws_bar

from ._errors import run
from ._output import echo, say


def shown_progress(label):
    """What an import or a verify shows on stderr (:class:`minitransfer.progress.StageProgress`), as
    ``train`` does: a bar on a terminal, else a line every tenth of a stage that takes seconds, and one at least
    every :attr:`minitransfer.progress.Progress.LINE_SECONDS` while a stage goes on (decoding calls it at least
    every :data:`minitransfer.data.shard_builder.PROGRESS_SECONDS`, not only every 1000 images)."""
    return StageProgress(label, bar=draws_bar(sys.stderr))


def run_import(label, out, work):
    """``run(work(progress))``, ``progress`` shown as :func:`shown_progress` says, where options that do not
    fit the data (a ValueError of the importers) are a usage error (exit 2), and a stop says what of the import
    into ``out`` is kept for the rerun (:func:`_import_interrupted`). The bar is erased before an error is said."""
    def shown():
        try:
            with contextlib.closing(shown_progress(label)) as progress:
                return work(progress)
        except KeyboardInterrupt as stop:
            if str(stop):
                raise
            raise KeyboardInterrupt(_import_interrupted(out)) from None
        except ImportUsageError as error:  # a ConfigError too, which run() says on an "error:" line
            raise click.UsageError(str(error)) from error
    try:
        return run(shown)
    except ValueError as error:  # DatasetError and ConfigError, ValueErrors too, have been handled by run()
        raise click.UsageError(str(error)) from error


def _import_interrupted(out):
    """What a stop says of the import into ``out``: the shards finished are kept, where one is (:mod:`minitransfer.
    data.build` skips each one built from the same inputs on the rerun); that none was, where none is (a stop
    while the source is listed, or the first shard decoded, said the shards finished were kept)."""
    if same_origin.holds_shards(out):
        return "stopped by a signal; the shards finished so far are kept: rerun the same command to finish the import"
    return "stopped by a signal before any shard was finished: rerun the same command to import"


def finish(built, verify, source=None):
    """Report a built dataset (and verify it); bad data exits with code 65. An import's line says first what it
    reused (``built.writes``, :meth:`minitransfer.data.import_writes.Writes.said`; ``source`` as given)."""
    if verify:
        with contextlib.closing(shown_progress("verifying")) as progress:
            built.verify(progress=progress)
    writes = built.writes  # None: prepare verify imports nothing
    echo(prepared_notes.summary(built, verify, writes.said(source) if writes is not None else ""))
    counted = writes.counts_said(built.path, built.meta) if writes is not None else None
    if counted:
        say(counted)
    for note in prepared_notes.notes(built):
        say(note)  # as every message on stderr: a path with a control character shown escaped, a hangup survived

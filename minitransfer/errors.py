"""The one base of the errors minitransfer raises to its callers: ``except MinitransferError`` catches
each of them, and none of the caller's own bugs. Each keeps its built-in base as well
(``ConfigError`` is a ValueError, ``fileio.StorageError`` an OSError, ``preflight_memory.OutOfMemory`` a
MemoryError), so code that catches those goes on catching them.

A stop is not an error: :class:`minitransfer.run_outcome.Interrupted` (Ctrl-C, SIGTERM, a
KeyboardInterrupt of ``train``'s ``on_iteration``; its checkpoint written) is a KeyboardInterrupt, as
Python's Ctrl-C is, so that neither ``except MinitransferError`` nor ``except Exception`` swallows it.
"""


class MinitransferError(Exception):
    """Base of every error minitransfer raises to its callers (not of :class:`~.run_outcome.Interrupted`).

    ``warnings``: the warnings ``train`` heard before it raised this (a tuple of str, without ``warning: ``,
    as ``TrainResult.warnings`` holds them: a control on a half that report leaves out, a crop that sees
    little of the images), said or not (``quiet``); () where no train raised it. ``train`` sets it as the
    error leaves it, and so on an ``Interrupted`` it raises; before, a caller lost them where the run failed."""

    warnings = ()

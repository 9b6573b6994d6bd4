"""The one base of the errors minitransfer raises to its callers: ``except MinitransferError`` catches
each of them, and none of the caller's own bugs. Each keeps its built-in base as well
(``ConfigError`` is a ValueError, ``fileio.StorageError`` an OSError, ``preflight_memory.OutOfMemory`` a
MemoryError), so code that catches those goes on catching them.

A stop is not an error: :class:`minitransfer.run_outcome.Interrupted` (Ctrl-C, SIGTERM, a
KeyboardInterrupt of ``train``'s ``on_iteration``; its checkpoint written) and ``run_grid``'s
:class:`minitransfer.grid_outcome.GridInterrupted` are KeyboardInterrupts, as Python's Ctrl-C is, so that
neither ``except MinitransferError`` nor ``except Exception`` swallows them.
"""


class MinitransferError(Exception):
    """Base of every error minitransfer raises to its callers (not of :class:`~.run_outcome.Interrupted`).

    ``warnings``: the warnings ``train`` heard before it raised this (a tuple of str, without ``warning: ``,
    as ``TrainResult.warnings`` holds them: a control on a half that report leaves out, a crop that sees
    little of the images), said or not (``quiet``); () where no train raised it. ``train`` sets it as the
    error leaves it, and so on an ``Interrupted`` it raises; before, a caller lost them where the run failed."""

    warnings = ()

    def __reduce__(self):
        """Pickled (a process pool sends a worker's error back so) with its args, fields and warnings, and
        rebuilt without its ``__init__``: one of its own, with more required arguments than ``args`` holds
        or that words its message from them, would fail or reword it (an error that cannot be unpickled
        breaks the whole pool). ``args`` as the built-in base pickles them: an OSError's with its filename."""
        return _rebuilt, (type(self), super().__reduce__()[1], self.__dict__)


class ConfigError(MinitransferError, ValueError):
    """The configuration is invalid or contradicts itself (command line: exit code 2). Messages quote
    the fields they name (`copy_from`, `overwrite=True`) so the command line can show its options
    instead (:func:`minitransfer.cli._errors.option_text`). Here, not in :mod:`minitransfer.config_checks`, so that
    the data package, which config_checks imports, can raise it and derive its own from it
    (:class:`minitransfer.data.schema.ImportUsageError`)."""


def error_words(error):
    """The words saying ``error`` inside a message of ours: an error of our own (:class:`MinitransferError`) its
    words alone, as they are written to be read; another "Class: words" (its words alone, "255", say nothing)."""
    return f"{error}" if isinstance(error, MinitransferError) else f"{type(error).__name__}: {error}"


def reworded(error, message):
    """An error of ``error``'s own class (its exit code) and fields saying ``message`` instead: built as
    :func:`_rebuilt` builds one, not by its ``__init__``, which may ask for more than a message
    (``CorruptFile(message, path, fault)``: ``type(error)(message)`` raised a TypeError, a traceback and exit 1
    where a shard damaged mid-run was to say so, exit 65). An OSError's errno is kept where it has one, ``message``
    its strerror (``fileio.StorageError`` says its strerror alone); its filename is not: the message says it."""
    number = error.errno if isinstance(error, OSError) else None
    return _rebuilt(type(error), (message,) if number is None else (number, message), error.__dict__)


def _rebuilt(cls, args, state):
    """The error of class ``cls`` :meth:`MinitransferError.__reduce__` pickled, made again from its parts: its
    ``args``, its ``__dict__`` and, of an OSError, errno, strerror and filename (the fields of the built-in bases
    the package's errors have: ValueError, RuntimeError, MemoryError, OSError; another's C-level fields, a
    UnicodeError's or an ImportError's, would be lost)."""
    # cls.__new__, as the MRO finds it, may be another base's, which refuses (MemoryError's for an OutOfMemory):
    # the base its instances are laid out as makes them, as cls() does, setting args
    base = cls
    while "__new__" not in vars(base):
        base = base.__base__
    error = base.__new__(cls, *args)
    if isinstance(error, OSError):  # where a subclass has an __init__ of its own, OSError's sets errno and the rest
        OSError.__init__(error, *args)
    error.__dict__.update(state)
    return error

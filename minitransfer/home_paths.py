"""``~`` in a path given to the library. On the command line the shell expands ``~/grid`` before
minitransfer sees it; a notebook's ``train(TrainConfig(out="~/baseA.h5"))`` or ``run_grid(runs, "~/grid", ...)``
has no shell, and a path taken as it is trained into a folder named ``~`` in the working folder, or split a
grid in two (its plan in ``./~/grid``, its runs, whose command lines a shell never sees either, in
``$HOME/grid``). Every public entry point (``train``, ``run_grid``, ``evaluate_checkpoint``, ``write_report``,
``run_demo``, ``build_synthetic``, the importers) expands its paths with :func:`expanded` as it is called, so that
everything after it (the runs' command lines, the paths recorded in JSON) names the one folder meant.
"""

import collections.abc
import dataclasses
import os
import pathlib

__all__ = ["expanded", "expanded_fields"]


def expanded(path):
    """``path`` with a leading ``~`` (or ``~user``) replaced by that home folder, as the shell does
    (:func:`os.path.expanduser`: ``~`` is ``$HOME``); a ``pathlib`` path stays one. Anything else is
    returned as it is, for the caller's own checks: None, a path without ``~`` at its start, a ``~user``
    of no such user, a value that is no path. Only the tilde: environment variables are not expanded, so
    ``"$HOME/grid"`` stays a folder named ``$HOME`` (give ``os.path.expandvars(...)`` for that).

    Example: ``expanded("~/micro")`` is ``"/home/me/micro"``."""
    text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
    if not isinstance(text, str) or not text.startswith("~"):
        return path
    home = os.path.expanduser(text)
    return type(path)(home) if isinstance(path, pathlib.PurePath) else home


def expanded_fields(record, names):
    """``record`` with the paths under ``names`` :func:`expanded`: a dataclass (a ``TrainConfig``, its
    fields: a copy where one changes) or a mapping (a grid's options: a dict); anything else as it is,
    for the caller's own checks to refuse."""
    if isinstance(record, collections.abc.Mapping):
        return {key: expanded(value) if key in names else value for key, value in record.items()}
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        return record
    changed = {name: expanded(getattr(record, name)) for name in names if hasattr(record, name)}
    changed = {name: path for name, path in changed.items() if path is not getattr(record, name)}
    return dataclasses.replace(record, **changed) if changed else record

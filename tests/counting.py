"""Counting stand-ins: a function of a module wrapped so that a test can say how often it ran."""

import builtins
import io
import os


def calls_of(monkeypatch, module, name, *also):
    """Replace ``module.name`` (and the same name in each module of ``also``, which imported it by name)
    with a wrapper that records each call's positional arguments and calls the original; return the list
    of those records, one per call."""
    calls = []
    real = getattr(module, name)

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    for owner in (module, *also):
        monkeypatch.setattr(owner, name, counting, raising=owner is module)
    return calls


def opens_of(monkeypatch, path):
    """Count each open of the file ``path`` from now on (builtins.open, and io.open, which pathlib's reads and
    writes call), by whatever name it is opened (a relative one, one through a linked folder): return the list of
    the names it was opened by, one per open. Called again for another file, each counts its own."""
    opened, real, target = [], builtins.open, os.path.realpath(path)

    def counting(file, *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and os.path.realpath(os.fsdecode(file)) == target:
            opened.append(file)
        return real(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting)
    monkeypatch.setattr(io, "open", counting)
    return opened

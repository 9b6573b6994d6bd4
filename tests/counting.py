"""Counting stand-ins: a function of a module wrapped so that a test can say how often it ran."""


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

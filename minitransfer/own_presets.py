"""Presets of one's own (docs/presets.md) in the processes a command starts: where the code that registered
a preset outside this package is, noted in the environment (:data:`PRESET_SOURCES`, by
:func:`minitransfer.models.register`: :func:`note_registered`), so that a grid's runs, SLURM's tasks or a
command pasted into a new shell run that code and know the preset too (:func:`known`, :func:`sources_words`);
and the words for a preset not known here (:func:`unknown_preset`).

The presets themselves, the registry (:data:`minitransfer.models.PRESETS`) and the package's own, stay in
:mod:`minitransfer.models`, which imports this module and whose names these are too.
"""

import importlib
import json
import os
import pathlib
import runpy
import shlex
import sys

PRESET_SOURCES = "MINITRANSFER_PRESET_SOURCES"  # {name: [module, file]} of the presets registered outside the package
_PACKAGES = set()  # the names of the presets this package registers (one of its names registered again: another's)


def _registered():
    """:data:`minitransfer.models.PRESETS` as it is now (a test may put another dict in its place)."""
    from minitransfer import models  # it imports this module

    return models.PRESETS


def note_registered(name, caller, own):
    """Note in :data:`PRESET_SOURCES` where the code that registered the preset ``name`` is: the module
    whose globals are ``caller``, or a script; ``own``: :mod:`minitransfer.models` registered it, one of the
    package's presets, which no process needs told. Nothing is noted for code with no file to run again (an
    interactive session, ``python -c``: :func:`unsourced`)."""
    sources = _sources()
    noted = dict(sources)
    _PACKAGES.discard(name)
    if own:
        _PACKAGES.add(name)
    if own or not caller.get("__file__"):
        sources.pop(name, None)  # this package's own, or none to run again (an interactive session)
    else:
        spec = caller.get("__spec__")
        caller_name = caller["__name__"]  # run as __mp_main__ (by known, or multiprocessing): a script still
        module = spec.name if caller_name in ("__main__", "__mp_main__") and spec is not None else \
            "__main__" if caller_name == "__mp_main__" else caller_name
        sources[name] = [module, str(pathlib.Path(caller["__file__"]).resolve())]
    if sources != noted:
        os.environ[PRESET_SOURCES] = json.dumps(sources)


def _sources():
    """:data:`PRESET_SOURCES` read ({} where unset or not such a mapping)."""
    try:
        sources = json.loads(os.environ.get(PRESET_SOURCES) or "{}")
    except ValueError:
        return {}
    return {name: source for name, source in sources.items() if isinstance(source, list) and len(source) == 2
            and all(isinstance(part, str) for part in source)} if isinstance(sources, dict) else {}


def preset_sources(preset=None):
    """The value of :data:`PRESET_SOURCES` that a command of ``preset`` needs in a new shell to know it, where
    one's own script or module registered it here (docs/presets.md): ``{preset: [module, file]}`` as JSON;
    ``preset`` None: the environment's value, every such preset's (what the SLURM scripts export). None where
    none is noted (a preset of the package's own, or one registered with no file to run again)."""
    if preset is None:
        return os.environ.get(PRESET_SOURCES) if _sources() else None
    sources = _sources()
    return json.dumps({preset: sources[preset]}) if preset in sources else None


def sources_words(preset):
    """What a ``minitransfer`` command of ``preset`` pasted into a new shell needs before it to know that preset
    (:func:`preset_sources`): ``MINITRANSFER_PRESET_SOURCES='...' `` (a shell's words, with a space after), or
    "" where it needs none. Without it a printed ``minitransfer train ... --preset small5`` was refused by a new
    shell ("'small5' is not a preset", exit 2). ``preset`` None (none chosen): ""."""
    return _words(None if preset is None else preset_sources(preset))


def _words(value):
    """``MINITRANSFER_PRESET_SOURCES=VALUE `` as a shell's words, "" for ``value`` None."""
    return "" if value is None else f"{PRESET_SOURCES}={shlex.quote(value)} "


def pasted(words, preset):
    """The command ``minitransfer WORDS`` of a network of ``preset`` (None: none known) as it runs pasted into a new
    shell: after the :func:`sources_words` that shell needs to know a preset of the user's own. One wording for every
    command a message gives the user to run; before, many were printed bare, and a new shell refused them (exit 65,
    preset not known)."""
    return f"{sources_words(preset)}minitransfer {words}"


def preset_of(config):
    """The preset a network's recorded ``config`` (its checkpoint's, a dict) names, for :func:`pasted`: None where it
    names none, or ``config`` is no dict (a damaged record)."""
    preset = config.get("preset") if isinstance(config, dict) else None
    return preset if isinstance(preset, str) else None


def unsourced(preset):
    """Whether ``preset`` is registered here by code outside this package that left no file to run again (an
    interactive session, ``python -c``): a new shell cannot be told where it is (:func:`sources_words` is "")."""
    return preset in _registered() and preset not in _PACKAGES and preset not in _sources()


def known(name):
    """Whether ``name`` is a registered preset, once the code that registered it in the process that
    started this one (a grid's, noted in :data:`PRESET_SOURCES`) has run here too: its module imported
    (its folder put on sys.path), or a script (``python myscript.py``) run as ``__mp_main__``, as
    multiprocessing does (its ``if __name__ == "__main__":`` part skipped). ValueError naming the file
    where that code fails here. False for a ``name`` not text (a record's damage: a list is no dict key)."""
    if not isinstance(name, str):
        return False
    sources = _sources()
    if name in _registered() or name not in sources:
        return name in _registered()
    module, file = sources[name]
    root = pathlib.Path(file).parent
    if module != "__main__":
        for _ in range(module.count(".") + (pathlib.Path(file).name == "__init__.py")):
            root = root.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        if module == "__main__":
            runpy.run_path(file, run_name="__mp_main__")
        else:
            importlib.import_module(module)
    except Exception as error:  # the user's code: whatever it raises, said in a line
        raise ValueError(f"preset {name!r} is registered by {file}, which failed here: "
                         f"{type(error).__name__}: {error}") from None
    return name in _registered()


def unknown_preset(preset, remedy, joined=" is"):
    """Why the preset ``preset`` (a checkpoint's or a run's record's) is not known here, in one line; None where
    :func:`known` knows it. One of one's own whose registering code this process has not run: "preset 'x' is not a
    known network (a preset of your own? ``remedy``; docs/presets.md) (known: ...); a new shell knows it with the
    MINITRANSFER_PRESET_SOURCES=... that info, run so, prints before its command"; one whose code, noted in
    :data:`PRESET_SOURCES`, fails here: "preset 'x' is not known here: " that code's file and error; one not a
    name (damage): without the advice. ``joined``: what follows the preset's name (" is"; "," after "names").
    The words of :func:`minitransfer.checkpoint.load` and of a resumption
    (:func:`minitransfer.resume_options.refuse_damaged_record`)."""
    try:  # one's own preset (docs/presets.md): its registering code, noted in the environment, runs here first
        if known(preset):
            return None
    except ValueError as error:  # that code fails here: the file at fault, in a line
        return f"preset {preset!r:.80}{joined} not known here: {error} (docs/presets.md)"
    own = f" (a preset of your own? {remedy}; docs/presets.md)" if isinstance(preset, str) else ""
    again = f"; a new shell knows it with the {PRESET_SOURCES}=... that info, run so, prints before its command" \
        if own else ""
    return f"preset {preset!r:.80}{joined} not a known network{own} (known: {', '.join(_registered())}){again}"


def known_preset(name):
    """The preset ``name`` (a run's record's) where :func:`known` knows it, one of one's own too (its registering
    code, noted in :data:`PRESET_SOURCES`, run here first); None where it does not, or where that code fails here:
    a report then speaks of the runs' network as of one not registered here (Table 1's rows and the figures' n
    the paper's; docs/presets.md)."""
    try:
        return _registered()[name] if known(name) else None
    except ValueError:
        return None


def top_copyable(names):
    """The largest ``copyable`` of the presets ``names`` (the runs' records') that :func:`known_preset` knows, one of
    one's own too; CaffeNet's 7, the paper's network, where it knows none."""
    known_ones = (known_preset(name) for name in set(names))
    paper = _registered()["caffenet"].copyable
    return max((preset.copyable for preset in known_ones if preset is not None), default=paper)

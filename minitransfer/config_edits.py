"""A run's config.json edited by hand (`max_iter` raised) before the run resumes, or after it finished:
the fields edited (:func:`hand_edits`) and the warning that says what the run goes on with instead, and
how to have the edit (:func:`hand_edit_warning`); the edited file kept as a resumed run rewrites it
(:func:`kept_hand_edits`)."""

import json

from minitransfer import fileio
from minitransfer.recorded_config import INVOCATION_FIELDS
from minitransfer.resume_options import GIVEN_FREE_FIELDS, RESUME_FREE_FIELDS, START_OVER


def kept_hand_edits(files, recorded, going_on):
    """config.json (of the run files ``files``, :class:`minitransfer.run_files.RunFiles`) edited by hand
    (`max_iter` raised) before the run resumes, which rewrites it with the options the run goes on
    with, those its checkpoint recorded (``recorded``; ``going_on``: their record, as in
    :func:`hand_edits`): the edited file is kept beside it (:attr:`~minitransfer.run_files.RunFiles.edited_config`:
    the edit is the user's work, and a batch job's warning is easily missed); returns the warning that
    says what was edited and how to have it (:func:`hand_edit_warning`), None where nothing was."""
    text = files.read_config()
    edits = hand_edits(text, recorded, going_on) if text is not None else {}
    if edits == {}:  # not `not edits`: None, a file that is no JSON object any more, is kept and said
        return None  # as the run wrote it, or deleted: nothing to keep
    files.write_text(files.edited_config, text)
    return hand_edit_warning(files.config, edits, kept=files.edited_config)


def hand_edits(text, recorded, going_on):
    """The fields of a run's config.json, as a hand may have edited it (``text``), that differ from
    the configuration its checkpoint records (``recorded``, which config.json copies) and from
    ``going_on``, the record of the one the run goes on with
    (:func:`minitransfer.recorded_config.recorded_options`): {name: (edited value, value gone on
    with)}, ``...`` for a key that names no option; None where ``text`` is no JSON object any more.
    The fields that say how a run was started, not what it trains, are left out
    (:data:`minitransfer.recorded_config.INVOCATION_FIELDS`: records of earlier versions hold them)."""
    try:
        edited = fileio.parse_json(text)
    except ValueError:
        return None
    if not isinstance(edited, dict):
        return None
    going_on = json.loads(json.dumps(going_on))  # JSON's types: lists, not tuples
    return {name: (value, going_on.get(name, ...)) for name, value in edited.items()
            if name not in INVOCATION_FIELDS and (name in recorded or name not in going_on)
            and value != recorded.get(name, ...) and value != going_on.get(name, ...)}


def hand_edit_warning(config, edits, kept=None):
    """What a run resumed says of its config.json (``config``, as the run names it) edited by hand
    (``edits``: :func:`hand_edits`): each field edited, with the value the run goes on with, that
    its checkpoint recorded, and how to have it: an option a resumption may change
    (:func:`minitransfer.resume_options.free_fields`) given as it resumes, the others by starting
    over. ``kept``: where the edited file is kept as the run rewrites config.json; None for a finished
    run, which trains nothing and leaves it as it is: only the options of what it trained are said
    (None where no other was edited)."""
    if kept is None and edits is not None:
        edits = {name: edit for name, edit in edits.items() if name not in _GIVEN}
        if not edits:
            return None
    if kept is None:
        ignored = "but the run is finished, with the options its checkpoint recorded, and nothing is trained"
    else:
        ignored = (f"but a resumed run goes on with the options its checkpoint recorded, and writes them to "
                   f"config.json (the edited file is kept as {kept})")
    if edits is None:
        return f"{config} is no JSON object any more (edited by hand?): {ignored}"
    went = "the run goes on with" if kept is not None else "the run trained with"
    said = "; ".join(f"{name} {value!r} there, which is no option of a run" if going_on is ... else
                     f"{name} {value!r} there, {went} {going_on!r}"
                     for name, (value, going_on) in edits.items())
    given = [name for name in edits if name in _GIVEN]
    own = [name for name, (_, going_on) in edits.items() if name not in given and going_on is not ...]
    advice = []
    if given:
        precision = " with `allow_precision_change=True`" if "precision" in given else ""
        advice.append(f"to go on with {_settings(edits, given)}, give {'it' if len(given) == 1 else 'them'}"
                      f"{precision} as the run resumes")
    if own:
        advice.append(f"{_them(own)} {'is' if len(own) == 1 else 'are'} the run's own: to train with "
                      f"{_settings(edits, own)}, start over with the run's other options: {START_OVER}")
    return f"{config} was edited by hand: {said}; {ignored}{': ' if advice else ''}{'; '.join(advice)}"


_GIVEN = (*GIVEN_FREE_FIELDS, *RESUME_FREE_FIELDS, "data", "precision")  # given as a run resumes (`data`: moved)


def _settings(edits, names):
    return " ".join(f"`{name}={edits[name][0]!r}`" for name in names)


def _them(names):
    return " and ".join(", ".join(names).rsplit(", ", 1))

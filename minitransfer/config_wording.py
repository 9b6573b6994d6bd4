"""The fields of a training configuration in its user's words: messages quoting them as the library
names them (`per_class=40`) or as the command line does (--per-class 40), and the ``train``
arguments that set them (:func:`command_line`); advice to do again what stopped or failed, as a
call (:data:`SAME_CALL`) or a command (:func:`as_commands`)."""

import contextlib
import dataclasses

from minitransfer.train_config import TrainConfig  # config's own, without what config imports


def worded(message):
    """``message`` in the words of this process's user: the fields it quotes (`per_class=40`) as
    the library names them, or as the rule of :func:`fields_worded_by` says them while it holds
    (the command line's: --per-class 40)."""
    return _FIELD_WORDING[-1](message)


@contextlib.contextmanager
def fields_worded_by(rule):
    """While this holds, :func:`worded` passes messages through ``rule`` (the command line's
    :func:`minitransfer.cli._errors.option_text`)."""
    _FIELD_WORDING.append(rule)
    try:
        yield
    finally:
        _FIELD_WORDING.pop()


_FIELD_WORDING = [str]

# How a message advises doing again what stopped or failed: the library's words (a notebook repeats
# its call) and, through :func:`as_commands`, the command line's
SAME_CALL = "repeat the same call"
SAME_COMMAND = "rerun the same command"


def finish_by_rerun(whole="the grid", runs="runs", rerun=SAME_CALL):
    """The one advice to go on with a grid that stopped midway (``whole``: "the grid", the demo's "the demo"),
    by ``rerun`` (:data:`SAME_CALL`, which the command line words as :data:`SAME_COMMAND`; "rerun with --out
    NEW_PLACE"): what it keeps of its ``runs`` ("networks" for the demo). Before, a stop said it in the library's
    words, a full disk and a lost lock in the command line's ("... finished there and resumes ..."), and the
    library's GridInterrupted a third way ("run it again with the same arguments to finish it")."""
    return f"{rerun} to finish {whole}: it keeps the {runs} finished and resumes those stopped from their checkpoints"


def as_commands(message):
    """``message``'s advice to repeat a call (:data:`SAME_CALL`) as the command line gives it
    (:data:`SAME_COMMAND`): part of the command line's wording rule."""
    return message.replace(SAME_CALL, SAME_COMMAND)


def option_name(field):
    """The command-line option of configuration field ``field``: ``max_iter`` → ``--max-iter``."""
    return "--" + field.replace("_", "-")


def command_line(fields):
    """The ``minitransfer train`` arguments that set the configuration ``fields`` (field name →
    value), by one rule: the field's name with dashes (``max_iter`` → ``--max-iter 300``); True is a
    bare flag (``--frozen``); None and False are left out (the defaults)."""
    names = {field.name for field in dataclasses.fields(TrainConfig)}
    arguments = []
    for name, value in fields.items():
        if name not in names:
            raise ValueError(f"command_line: {name!r} is not a TrainConfig field")
        if value is None or value is False:
            continue
        flag = option_name(name)
        arguments += [flag] if value is True else [flag, str(value)]
    return arguments

"""What to type instead, added to click's own usage errors where the arguments were given in the wrong order or
form: `splits random DATASET` ("Path 'random' does not exist"), `prepare folder OUT SOURCE` ("Directory 'OUT'
does not exist"), `experiment --layers 1 3` ("Got unexpected extra argument (3)"). :class:`._errors.CommandGroup`
passes each usage error through :func:`add_hint`, with the arguments as typed (:data:`._repeats.RESOLVED_ARGS`).
"""

import os
import shlex

import click

from minitransfer.data.mistaken_paths import images_to_prepare

from ._repeats import RESOLVED_ARGS, resolved_command, typed_options


def add_hint(error):
    """Add to ``error``'s message what to type instead (the first of :data:`HINTS` that has one), where the
    command it is of is the one resolved last with the arguments recorded. A hint is
    ``hint(refused, ctx, tokens)``: the parameter refused (None: the command's arguments as a whole), the
    command's context and the arguments as :func:`._repeats.typed_options` reads them."""
    ctx = error.ctx
    if ctx is None or resolved_command(ctx) is not ctx.command or RESOLVED_ARGS not in ctx.meta:
        return
    tokens = list(typed_options(ctx.command, ctx.meta[RESOLVED_ARGS]))
    for hint in HINTS:
        said = hint(getattr(error, "param", None), ctx, tokens)  # a BadParameter's: the parameter refused
        if said:
            error.message = f"{error.message.rstrip('.')}; {said}"
            return


def _arguments(ctx, tokens):
    """The command's arguments (click.Argument) and the values typed for them, in order (the extra ones too)."""
    params = [param for param in ctx.command.params if isinstance(param, click.Argument)]
    return params, [token for token, option, _ in tokens if option is None]


def _in_order(ctx, params, values):
    """What to type: the arguments named in their order, then the command with ``values`` in that order."""
    order = " ".join(param.human_readable_name for param in params)
    return f"give the arguments in the order {order}: {ctx.command_path} {' '.join(map(shlex.quote, values))}"


def _choice_first(refused, ctx, tokens):
    """A path argument given a choice of the next argument (`splits random DATASET`), the path after it."""
    params, values = _arguments(ctx, tokens)
    if len(params) != 2 or len(values) != 2 or refused is not params[0]:
        return None
    choices = getattr(params[1].type, "choices", ())
    if values[0] in choices and os.path.exists(values[1]):
        return _in_order(ctx, params, values[::-1])
    return None


def _images_second(refused, ctx, tokens):
    """A SOURCE not there, and OUT a folder of images to prepare (`prepare folder OUT SOURCE`)."""
    params, values = _arguments(ctx, tokens)
    if [param.name for param in params] != ["source", "out"] or len(values) != 2 or refused is not params[0]:
        return None
    if not os.path.exists(values[0]) and images_to_prepare(values[1]):
        return f"{values[1]} holds the images: {_in_order(ctx, params, values[::-1])}"
    return None


def _list_not_joined(refused, ctx, tokens):
    """Extra arguments after the value of an option that takes a comma-separated list (`--layers 1 3`)."""
    params = _arguments(ctx, tokens)[0]
    extra = [(token, previous) for token, option, previous in tokens if option is None][len(params):]
    if not extra or refused is not None or extra[0][1] is None or "," not in (extra[0][1].metavar or ""):
        return None
    option = extra[0][1]
    listed = [value for name, param, value in tokens if param is option][-1:]
    listed += [token for token, previous in extra if previous is option]
    return f"give several values as {option.opts[-1]} {','.join(listed)}"


HINTS = (_choice_first, _images_second, _list_not_joined)

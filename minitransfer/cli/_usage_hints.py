"""What to type instead, added to click's own usage errors where the arguments were given in the wrong order or
form: `splits random DATASET` ("Path 'random' does not exist"), `prepare folder OUT SOURCE` ("Directory 'OUT'
does not exist"), `experiment --layers 1 3`, `--split-seed 0 1` or `--sbatch-option --partition gpu` ("Got
unexpected extra argument"), `demo my-demo` (its folder is -o), or an option of the other command (`experiment --n
3`: "No such option").
:class:`._errors.CommandGroup` passes each usage error through :func:`add_hint`, with the arguments as typed
(:data:`._repeats.RESOLVED_ARGS`).
"""

import os
import re
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
            # a MissingParameter's message is empty, its "Missing option '-o' / '--out'." made as it is shown
            error.message = f"{error.message.rstrip('.')}; {said}" if error.message else said
            if isinstance(error, click.NoSuchOption):  # click's "Did you mean '--help'?" for --half: the hint says it
                error.possibilities = None
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


def _takes_a_list(option):
    """Whether ``option`` takes its values joined by commas in one (--layers 1,3, --gpus 0,1)."""
    from ._devices import GpuIds  # here: its modules (config, cuda) are a grid's, not every command's

    return "," in (option.metavar or "") or isinstance(option.type, GpuIds)


def _values_apart(option, values, ctx):
    """How to give ``values`` to ``option``: each after an --option of its own where it is repeated (--split-seed,
    --split) and each is one it takes (not `--split-seed 0 grid`, -o forgotten), else joined by commas; None for an
    option of one value."""
    if option.multiple:
        try:
            for value in values:
                option.type.convert(value, option, ctx)
        except click.BadParameter:
            return None
        return f"repeat the option for each value: {' '.join(f'{option.opts[-1]} {value}' for value in values)}"
    if _takes_a_list(option):
        return f"give several values as {option.opts[-1]} {','.join(values)}"
    return None


def _list_not_joined(refused, ctx, tokens):
    """Extra arguments after the value of an option that takes a comma-separated list (`--layers 1 3`, `--gpus 0
    1`) or is repeated for each value (`experiment --split-seed 0 1`, `--split random natural`)."""
    params = _arguments(ctx, tokens)[0]
    extra = [(token, previous) for token, option, previous in tokens if option is None][len(params):]
    if not extra or refused is not None or extra[0][1] is None:
        return None
    option = extra[0][1]
    lines = _option_lines(option, tokens)
    if lines is not None:
        return lines and f"give each {option.opts[-1]} its line as one value: {lines}"
    listed = [value for name, param, value in tokens if param is option][slice(None if option.multiple else -1, None)]
    listed += [token for token, previous in extra if previous is option]
    return _values_apart(option, listed, ctx)


def _option_lines(option, tokens):
    """``option`` (repeated) given lines of options of another program as its values, each split at its blanks:
    `--sbatch-option --partition gpu` (its values "--partition", then "gpu" an extra argument), the values
    joined again, each quoted after ``option``; None where no value is an option's name (`--split-seed 0 1`), ""
    where words follow a value not an option's name alone (`--mem=8G grid`: -o forgotten, maybe).
    Repeating the option for each word, as for a list, gave "#SBATCH --partition" and "#SBATCH gpu"."""
    if not option.multiple:
        return None
    lines = []
    for token, param, previous in tokens:
        if param is option:
            lines.append([token])  # the option's name, its value after it
        elif param is None and previous is option and lines:
            lines[-1].append(token)
    values = [value for _, param, value in tokens if param is option]
    if not any(value.startswith("-") for value in values):
        return None
    if any(len(line) > 1 and not re.fullmatch(r"-[^=]+", value) for value, line in zip(values, lines)):
        return ""
    return " ".join(f"{option.opts[-1]} {shlex.quote(' '.join([value, *line[1:]]))}"
                    for value, line in zip(values, lines))


def _choices_joined(refused, ctx, tokens):
    """A repeatable choice given its choices joined by commas (`experiment --split random,natural`)."""
    if not isinstance(refused, click.Option) or not refused.multiple or not isinstance(refused.type, click.Choice):
        return None
    given = [value for _, param, value in tokens if param is refused]
    values = [part for value in given for part in value.split(",")]
    if len(values) > len(given) and all(value in refused.type.choices for value in values):
        return _values_apart(refused, values, ctx)
    return None


def _out_as_argument(refused, ctx, tokens):
    """A command without arguments given what -o names as one (`demo my-demo`, `train baseA.h5`, `experiment grid`:
    "Got unexpected extra argument", or for experiment "Missing option '-o'"), also after options (`demo --seed 1
    my-demo`), -o not given."""
    out = next((param for param in ctx.command.params if "-o" in getattr(param, "opts", ())), None)
    # a token after an option's value is one too where that option takes no list of it (`demo --seed 1 my-demo`,
    # `experiment --split-seed 0 grid`), not where it does (`--split-seed 0 1`: :func:`_list_not_joined`'s)
    extra = [token for token, option, previous in tokens
             if option is None and (previous is None or not _values_apart(previous, [token], ctx))]
    if _arguments(ctx, tokens)[0] or out is None or len(extra) != 1 or refused not in (None, out):
        return None
    if extra[0].startswith("-") or any(param is out for _, param, _ in tokens):  # `--hlaf`: click says it
        return None
    return f"{ctx.command_path} takes no arguments; to write to {extra[0]}, give -o {shlex.quote(extra[0])}"


_TRAIN_COPIES = "train copies one n (--copy-from CKPT --n N)"
_PLANS_BOTH = "experiment plans the frozen transfers and, unless --no-fine-tuned, the fine-tuned ones"
OTHER_COMMANDS_OPTIONS = {  # an option of train given to experiment, or of experiment to train: what to type
    ("experiment", "--n"): f"experiment copies each n of --layers (e.g. --layers 3); {_TRAIN_COPIES}",
    ("experiment", "--copy-from"): "experiment trains its own bases (baseA, baseB) and copies from them; to copy "
                                   "from a network of yours, run train --copy-from CKPT --n N",
    ("experiment", "--half"): "experiment trains both halves (baseA and baseB, AnB and BnB); train trains one "
                              "(--half A)",
    ("experiment", "--frozen"): _PLANS_BOTH,
    ("experiment", "--fine-tune"): _PLANS_BOTH,
    ("experiment", "--resume"): "experiment resumes by itself: rerun the same command (the same -o), its finished "
                                "runs are skipped and interrupted ones resumed from their checkpoints",
    ("train", "--layers"): f"{_TRAIN_COPIES}; experiment runs several (--layers 1,3)",
    ("train", "--no-fine-tuned"): "train fine-tunes the copied layers unless --frozen; experiment's --no-fine-tuned "
                                  "plans the frozen transfers alone",
}


def _another_commands_option(refused, ctx, tokens):
    """An option of train given to experiment (`experiment --n 3`, `--half A`) or of experiment to train
    (`train --layers 3`): click's "No such option" (for --half, "Did you mean '--help'?") said nothing of the
    command's own way to ask for it."""
    unknown = [token.split("=")[0] for token, option, _ in tokens if option is None and token.startswith("--")]
    return OTHER_COMMANDS_OPTIONS.get((ctx.command.name, unknown[0])) if unknown and refused is None else None


HINTS = (_choice_first, _images_second, _list_not_joined, _choices_joined, _another_commands_option,
         _out_as_argument)

"""Options given more than once: click takes the last value of an option that takes one (`train
--seed 1 --seed 2` trains seed 2; `experiment --per-class 10 --per-class 100` plans only 100), and of
a flag pair the last side (`--frozen --fine-tune`), without a word. A script may mean it (options of
its own, then the one it overrides), a researcher most often does not: :class:`OptionsOnceGroup`
warns, naming the values given and the one taken. Options that repeat by design (`--split`,
experiment's `--split-seed`, `--sbatch-option`: ``multiple``) and eager ones (`--help`) are passed
over."""

import click

from ._output import say


# ctx.meta's key of the command resolved last (click shares one meta among a context and all its children)
RESOLVED_COMMAND = "minitransfer.command"


def resolved_command(ctx):
    """The innermost command resolved on ``ctx``'s path (`prepare folder`, not `prepare`), also read from a
    group's context after the subcommands' were left (an error reaching the group's run); ``ctx.command``
    where no group resolved one."""
    return ctx.meta.get(RESOLVED_COMMAND, ctx.command)


class OptionsOnceGroup(click.Group):
    """A command group whose commands warn of an option given twice (:func:`repeated_options`), and
    which records the command it resolves (:func:`resolved_command`)."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            ctx.meta[RESOLVED_COMMAND] = command  # one meta for the whole path: the innermost resolves last
            if not isinstance(command, click.Group):
                for warning in repeated_options(command, rest):
                    say(f"warning: {warning}")
        return name, command, rest


def repeated_options(command, args):
    """A warning for each option of ``command`` that ``args`` (as typed) give twice or more with other
    values, or both sides of a flag pair of: what was given and what is taken (the last). The value of
    an option is not read as an option (`-o --seed` names a file)."""
    options = {}
    for param in command.params:
        if isinstance(param, click.Option):
            options.update(dict.fromkeys((*param.opts, *param.secondary_opts), param))
    given, values = {}, iter(args)
    for token in values:
        if token == "--":  # what follows is arguments only
            break
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        param = options.get(name)
        if param is None:
            continue
        if not param.is_flag and not param.count and not equals:
            value = next(values, "")
        if not (param.multiple or param.count or param.is_eager):
            taken = value if not param.is_flag else name in param.secondary_opts  # the side of a flag pair
            given.setdefault(param.name, []).append((f"{name} {value}" if value else name, taken))
    for typed in given.values():
        if len({taken for _, taken in typed}) > 1:  # the same value twice (`--dry-run ... --dry-run`) changes nothing
            shown = [each for each, _ in typed]
            yield f"{', '.join(shown)} given: the last, {shown[-1]}, is taken"

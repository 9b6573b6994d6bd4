"""Options given more than once: click takes the last value of an option that takes one (`train
--seed 1 --seed 2` trains seed 2; `experiment --per-class 10 --per-class 100` plans only 100), and of
a flag pair the last side (`--frozen --fine-tune`), without a word. A script may mean it (options of
its own, then the one it overrides), a researcher most often does not: :class:`OptionsOnceGroup`
warns, naming the values given and the one taken. Options that repeat by design (`--split`,
experiment's `--split-seed`, `--sbatch-option`: ``multiple``) and eager ones (`--help`) are passed
over."""

import click

from ._output import say


# ctx.meta's keys of the command resolved last and of the arguments given it, as typed (click shares one meta
# among a context and all its children)
RESOLVED_COMMAND = "minitransfer.command"
RESOLVED_ARGS = "minitransfer.args"


def resolved_command(ctx):
    """The innermost command resolved on ``ctx``'s path (`prepare folder`, not `prepare`), also read from a
    group's context after the subcommands' were left (an error reaching the group's run); ``ctx.command``
    where no group resolved one."""
    return ctx.meta.get(RESOLVED_COMMAND, ctx.command)


class OptionsOnceGroup(click.Group):
    """A command group whose commands warn of an option given twice (:func:`repeated_options`), and
    which records the command it resolves (:func:`resolved_command`) and the arguments given it (a usage
    error's hint reads them: :mod:`._usage_hints`)."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            ctx.meta[RESOLVED_COMMAND] = command  # one meta for the whole path: the innermost resolves last
            ctx.meta[RESOLVED_ARGS] = tuple(rest)
            if not isinstance(command, click.Group):
                for warning in repeated_options(command, rest):
                    say(f"warning: {warning}")
        return name, command, rest


def repeated_options(command, args):
    """A warning for each option of ``command`` that ``args`` (as typed) give twice or more with other
    values, or both sides of a flag pair of: what was given and what is taken (the last). The value of
    an option is not read as an option (`-o --seed` names a file)."""
    given = {}
    for name, param, value in typed_options(command, args):
        if param is not None and not (param.multiple or param.count or param.is_eager):
            taken = value if not param.is_flag else name in param.secondary_opts  # the side of a flag pair
            given.setdefault(param.name, []).append((f"{name} {value}" if value else name, taken))
    for typed in given.values():
        if len({taken for _, taken in typed}) > 1:  # the same value twice (`--dry-run ... --dry-run`) changes nothing
            shown = [each for each, _ in typed]
            yield f"{', '.join(shown)} given: the last, {shown[-1]}, is taken"


def typed_options(command, args):
    """(name, option, value) for each option of ``command`` that ``args`` (as typed) give, its value ("" for a
    flag's) read as click reads it (`-o --seed` names a file; `-o/x/grid` has its value attached); (token, None,
    previous) for each other token (an argument, or an unknown option), ``previous`` the option whose value the
    run of such tokens follows (None elsewhere, and after an unknown option: `--layers 1 3 5` gives 3 and 5 after
    --layers)."""
    options = {}
    for param in command.params:
        if isinstance(param, click.Option):
            options.update(dict.fromkeys((*param.opts, *param.secondary_opts), param))
    values, previous = iter(args), None
    for token in values:
        if token == "--":  # what follows is arguments only
            yield from ((rest, None, None) for rest in values)
            return
        name, equals, value = token.partition("=") if token.startswith("--") else (token, "", "")
        short = options.get(token[:2]) if not token.startswith("--") and len(token) > 2 else None
        if short is not None and not short.is_flag and not short.count:  # `-o/x/grid`: its value attached
            name, equals, value = token[:2], "", token[2:]
        param = options.get(name)
        if param is None:
            if token.startswith("-") and token != "-":  # an unknown option: what follows is not the list's
                previous = None
            yield token, None, previous
            continue
        if not param.is_flag and not param.count and not equals and name == token:
            value = next(values, "")
        previous = param if value and not param.is_flag else None
        yield name, param, value

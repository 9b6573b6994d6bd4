"""Options given more than once: click keeps the last value of an option that takes one without a
word (`train --seed 1 --seed 2` trains seed 2; `experiment --per-class 10 --per-class 100` plans only
100), and of a flag pair the last side (`--frozen --fine-tune`). :class:`OptionsOnceGroup` refuses
them as a usage error (exit 2) naming what was given; options that repeat by design (`--split`,
experiment's `--split-seed`, `--sbatch-option`: ``multiple``) and eager ones (`--help`) are passed
over."""

import click


class OptionsOnceGroup(click.Group):
    """A command group whose commands refuse an option given twice (:func:`refuse_repeated_options`)."""

    def resolve_command(self, ctx, args):
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None and not isinstance(command, click.Group):
            refuse_repeated_options(command, rest, click.Context(command, info_name=name, parent=ctx))
        return name, command, rest


def refuse_repeated_options(command, args, ctx):
    """Raise ``click.UsageError`` (shown with ``command``'s usage, its context ``ctx``) where ``args``
    (``command``'s, as typed) give one of its options twice, or both sides of a flag pair; the value
    of an option is not read as an option (`--out --seed` names a file)."""
    options = {}
    for param in command.params:
        if isinstance(param, click.Option):
            options.update(dict.fromkeys((*param.opts, *param.secondary_opts), param))
    given, values = {}, iter(args)
    for token in values:
        if token == "--":  # what follows is arguments only
            break
        name = token.partition("=")[0] if token.startswith("--") else token
        param = options.get(name)
        if param is None:
            continue
        if not param.is_flag and not param.count and "=" not in token:
            next(values, None)  # its value
        if not (param.multiple or param.count or param.is_eager):
            given.setdefault(param.name, []).append(name)
    for names in given.values():
        if len(names) > 1:
            if len(set(names)) == 1:
                raise click.UsageError(f"{names[0]} given {len(names)} times: give it once (click would keep the "
                                       f"last value without a word)", ctx)
            raise click.UsageError(f"{' and '.join(dict.fromkeys(names))} given together: they are one choice, "
                                   f"give one", ctx)

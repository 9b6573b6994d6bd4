"""The paths a command writes, checked as its options are read: a folder (:class:`OutputFolder`; prepare's
OUT, :class:`DatasetOutput`) or a file (:class:`OutputFile`: train's weights), refused where no write could
land where it is meant (:func:`refuse_unwritable_path`: a link leading nowhere, a file on the way, a ``~``
the shell left); what is wrong with one is a usage error that names it and says what to give instead.

The paths a command reads stay in :mod:`minitransfer.cli._paths`, which imports these names too.
"""

import os
import pathlib

import click

from minitransfer import config_checks, dead_ends, path_kinds, run_destination


class OutputFolder(click.Path):
    """A folder a command writes into, created if missing. Usage errors: an empty one (``-o "$OUT"``
    with OUT unset), where the system would read it as the current folder and fill that with the
    command's files; ``-`` (standard output, to a Unix tool: a folder named - was made), as train's
    ``-o -`` is (:func:`minitransfer.config_checks.dash_given`); one :func:`refuse_unwritable_path` refuses; a
    path that is there and no folder (a file: click said only "Directory ... is a file."; a FIFO)."""

    def __init__(self, **attributes):
        super().__init__(file_okay=False, **attributes)

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail("is empty: name the folder to write into (an unset shell variable?); for this folder give .",
                      param, ctx)
        if isinstance(value, str) and value == "-":
            self.fail(f"{config_checks.dash_given(command_named(ctx))}: it writes its files into a folder; name the "
                      f"folder to write into (./- for a folder named -)", param, ctx)
        refuse_option_taken(self, value, param, ctx, "folder")
        refuse_unwritable_path(self, value, param, ctx)
        if os.path.exists(value) and not os.path.isdir(value):  # before click, which names no folder to give
            self.fail(f"{value} is {path_kinds.path_kind(value)}, not a folder: give a folder to write into (a new "
                      f"one is made)", param, ctx)
        return super().convert(value, param, ctx)


def command_named(ctx):
    """The command of ``ctx`` as it is typed after the program's name ("prepare synthetic", "report"), to say what
    does a thing; "minitransfer" where there is none (a library's caller, a test)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.insert(0, ctx.info_name)
        ctx = ctx.parent
    return " ".join(names) or "minitransfer"


class DatasetOutput(OutputFolder):
    """prepare's OUT: a folder :class:`OutputFolder` takes. One that holds what train, experiment or report wrote
    (a run folder, a grid's, a report's: :func:`minitransfer.path_kinds.results_folder`), which an import refuses
    (:func:`minitransfer.data.build.check_out`), is said to be that: it was "files that are not a dataset's"."""

    def convert(self, value, param, ctx):
        converted = super().convert(value, param, ctx)
        from minitransfer.data import build  # here, not at the top: it brings in Pillow, which prepare alone needs
        try:
            build.check_out(value)
        except ValueError:  # other files than a dataset's: said here where they are a run's, a grid's or a report's
            results = path_kinds.results_folder(value)
            if results is not None:
                self.fail(f"{value} is {results}, not a dataset's folder: choose a new or empty folder for the "
                          f"dataset", param, ctx)
        return converted


class OutputFile(click.Path):
    """A file a command writes (train's weights): one :func:`refuse_unwritable_path` refuses is a usage
    error, and so is a folder, said with a weights file to name instead, in it or, where it is another
    kind's folder (:func:`minitransfer.run_destination.other_kinds_folder`: a dataset's), beside that
    one (click said only "File 'dsA' is a directory.")."""

    def __init__(self, **attributes):
        super().__init__(dir_okay=False, **attributes)

    def convert(self, value, param, ctx):
        refuse_option_taken(self, value, param, ctx, "file")
        refuse_unwritable_path(self, value, param, ctx)
        if os.path.isdir(value):
            self.fail(f"{value} is a folder; {_option_named(param)} names the weights file to write, e.g. "
                      f"{' or '.join(dict.fromkeys(map(str, _weights_in(value))))}", param, ctx)
        return super().convert(value, param, ctx)


def _weights_in(folder):
    """Weights files to name in place of ``folder``: baseA.h5 in it, or beside the folder of another kind
    it is or lies in (:func:`minitransfer.run_destination.other_kinds_folder`: a dataset's), and
    baseA.h5 here."""
    example = pathlib.Path(folder, "baseA.h5")
    taken = run_destination.other_kinds_folder(example)
    if taken is not None:
        beside = pathlib.Path(folder).parent if taken[0] == pathlib.Path(folder).resolve() else taken[0].parent
        example = beside / example.name
    return example, pathlib.Path(example.name)


def _option_named(param):
    """"-o (--out)": the option ``param`` as its names say it; "it" for none."""
    if param is None or not param.opts:
        return "it"
    return param.opts[0] + (f" ({param.opts[1]})" if len(param.opts) > 1 else "")


def refuse_option_taken(path_type, value, param, ctx, kind):
    """Fail ``path_type``'s conversion of ``value`` where it is one of the command's own options, which click gave
    ``param`` as its value when the path was left out (``experiment --emit-slurm --dry-run`` wrote the scripts into
    ./--dry-run, where a preview was asked for). A ``kind`` (folder, file) named so is given as ./--dry-run."""
    if not isinstance(param, click.Option) or ctx is None:  # an argument's "names" are its own name (OUT): no option
        return
    names = {name for other in ctx.command.params if isinstance(other, click.Option)
             for name in other.opts + other.secondary_opts}
    if isinstance(value, str) and value.split("=")[0] in names:
        option = param.opts[-1]
        path_type.fail(f"got {value}, an option of {command_named(ctx)}, where the {kind} to write was due: give "
                       f"the {kind} after {option} (e.g. {option} NAME {value}); a {kind} named so: ./{value}",
                       param, ctx)


def refuse_unwritable_path(path_type, value, param, ctx):
    """Fail ``path_type``'s conversion of ``value``, a path to write, where it or a folder on its way
    is a symbolic link that leads nowhere (to a drive not mounted, a folder deleted): a folder was
    refused with a bare "File exists" after the command's work, or created in place of what the link
    names, on the disk beneath the drive's mount point, as was a weights file in place of the link.
    A file's link to a file not written yet, in a folder that is there, is followed, as the library
    follows it (:func:`minitransfer.dead_ends.link_leading_nowhere`).
    So does a folder on its way that is a file (``-o afile/sub``: :func:`minitransfer.dead_ends.file_on_the_way`),
    which failed with a bare "Not a directory" (exit 74) after the work, naming neither the option nor the file.
    So does a path that starts with a ``~`` the shell left as it is (``--out=~/grid``, or quoted):
    a folder named ``~`` was made here, where the home folder was meant."""
    home = value.split(os.sep)[0]
    if home.startswith("~") and os.path.expanduser(home) != home and not os.path.lexists(home):
        path_type.fail(f"{value} starts with {home}, which the shell expands only at the start of a word and "
                       f"unquoted (not in --out=~/...), so it would name a folder {home} here: give "
                       f"{os.path.expanduser(value)}", param, ctx)
    dead = dead_ends.link_leading_nowhere(value, file=isinstance(path_type, OutputFile))
    if dead is not None:
        path_type.fail(f"{dead[0]} is a symbolic link that leads nowhere ({dead[1]}): give another path, or make "
                       f"the link lead somewhere (mount its drive, create what it names)", param, ctx)
    blocking = dead_ends.file_on_the_way(value)
    if blocking is not None:
        what = "a file, not a folder" if os.path.isfile(blocking) else "not a folder"
        path_type.fail(f"{value}: {blocking} is {what}, so nothing can be written under it: give another path",
                       param, ctx)

"""The paths a command is given, checked as its options are read: a network to read (:class:`NetworkPath`),
a prepared dataset (:class:`DatasetFolder`), a folder of images to import (:class:`SourceFolder`), a text file
an option reads (:class:`TextFile`); what is wrong with one is a usage error that names it and says what to
give instead. The paths a command writes, a folder or a file (:class:`OutputFolder`, :class:`OutputFile`), are
checked in :mod:`minitransfer.cli._output_paths`, whose names are importable from here too.
"""

import errno
import os
import pathlib
import shlex

import click

from minitransfer import (checkpoint, config_checks, config_wording, dead_ends, fileio, grid_status, path_kinds,
                          run_networks, run_remedies, rundir)
from minitransfer.data import (archives, dataset, downloads, folder_tree, inputs, mistaken_paths, shard_format,
                               text_files)

from ._output_paths import DatasetOutput, OutputFile, OutputFolder, command_named, refuse_unwritable_path

__all__ = ["NetworkPath", "DatasetFolder", "SourceFolder", "TextFile", "IS_A_LINES", "refuse_unnamed",
           "refuse_dead_link", "refuse_unreadable", "refuse_unreachable", "OutputFolder", "DatasetOutput", "OutputFile",
           "refuse_unwritable_path"]


class SourceFolder(click.Path):
    """A folder of images to import (prepare folder's, prepare imagenet's SOURCE). A file given instead
    is a usage error that says what to do: an archive of the folder (photos.zip, as downloaded) is to be
    unpacked first, naming the command that does it beside the archive (:func:`.data.archives.unpack_beside`);
    a file that holds one file compressed alone (notes.txt.gz, or a download renamed, told by its first bytes:
    :func:`.data.archives.single_file_refusal`) is said to be that, with the command that decompresses it, not
    an archive to unpack with tar (whose command then failed: "This does not look like a tar archive"); a
    compressed tar renamed without its suffix (:func:`.data.archives.compressed_tar`) is said to be one, with the
    tar command that unpacks it into a new folder beside it (it was "a file" only); a download another command
    imports (:func:`.data.downloads.refusal`: cifar-10-python.tar.gz) is told that command."""

    def __init__(self, **attributes):
        super().__init__(exists=True, file_okay=False, readable=False, **attributes)  # read as folder_tree reads it

    def convert(self, value, param, ctx):
        refuse_unnamed(self, value, param, ctx, _GIVE_IMAGES)
        refuse_unreachable(value, "the images")
        refuse_dead_link(self, value, param, ctx, "the folder of images")
        if os.path.isfile(value):
            single = archives.single_file_refusal(value, "an archive of images",  # a download renamed too: by_content
                                                  _GIVE_IMAGES, by_content=True)
            if single:
                self.fail(f"{value} is {single}", param, ctx)
            other = downloads.refusal(value, ctx.command.name if ctx else None, " (not an archive of images)")
            if other:  # CIFAR's holds pickles: unpacking it made no folder of images
                self.fail(f"{value} {other}", param, ctx)
            if archives.archive_format(value):  # its top folder read once: it names the command and a folder
                top = archives.top_folder(value)
                self.fail(f"{value} is an archive, not a folder: {_unpack_it(value, top)} and give the folder of "
                          f"images it holds", param, ctx)
            renamed = archives.compressed_tar(value)  # a .tgz renamed: told by its first bytes, as `single` is
            if renamed:
                kind, unpack, into, top = renamed
                self.fail(f"{value} is a {kind}-compressed tar archive, not a folder: {_unpack_it(value, top, unpack)}"
                          f" and give the folder of images it holds (in {into})", param, ctx)
            self.fail(f"{value} is a file: {_GIVE_IMAGES}", param, ctx)
        converted = super().convert(value, param, ctx)
        if not os.path.isdir(value):  # a named pipe: it was "a folder that this user may not list" (74)
            self.fail(f"{value} is {path_kinds.path_kind(value)}: {_GIVE_IMAGES}", param, ctx)
        if not os.access(value, os.R_OK | os.X_OK):  # click said "Directory ... is not readable", a usage error (2)
            raise folder_tree.unlistable(value, source=True)
        results = _results_not_images(value)
        if results is not None:  # it was bad data (65), "no class folders, only 3 file(s)"
            self.fail(f"{value} is {results}, not a folder of images: {_GIVE_IMAGES}", param, ctx)
        return converted


_GIVE_IMAGES = "give the folder that holds the images"


def _results_not_images(folder):
    """What the folder ``folder`` is (:func:`minitransfer.path_kinds.results_folder`: a run folder, a folder of runs,
    an experiment's or a report's folder) where it holds what train, experiment or report wrote and no images to
    import: its folders all :func:`_results_only`, and no image lying in it but a report's figures; None for
    another folder. Told from its folders first, whose files are not read: a class folder ends the look at once."""
    if not _results_only(folder, _RESULTS_DEPTH, top=True):
        return None
    results = path_kinds.results_folder(folder)
    if results is None:
        return None
    from minitransfer.data import folder_hints  # here, not at the top: it brings in Pillow, which only prepare needs
    image = folder_hints.first_loose_image(pathlib.Path(folder))
    return results if image is None or image.name in path_kinds.report_files(folder) else None


_RESULTS_DEPTH = 3  # folders below SOURCE looked through, as path_kinds.folder_kind looks for runs (*/*/*.run)


def _results_only(folder, depth, top=False):
    """Whether the folder ``folder`` holds nothing but what train, experiment or report wrote, as far as its folders
    tell (hidden ones passed over): it is a run folder or a report's, or it holds folders (none at the ``top``: told
    by its files), each of which does, down to ``depth`` levels. A class folder (files alone) does not."""
    if not top and (rundir.is_run_dir(folder) or path_kinds.report_files(folder)):
        return True
    if depth == 0:
        return False
    try:
        with os.scandir(folder) as listed:  # the entries' types as listed: a folder of 100,000 photos, no stat each
            inner = [entry.path for entry in listed if entry.is_dir() and not inputs.hidden(entry.name)]
    except OSError:  # the import lists it and says why
        return False
    return (top or bool(inner)) and all(_results_only(each, depth - 1) for each in inner)


def _unpack_it(archive, top, unpack=None):
    """What to do with ``archive`` (its top folder ``top``: :func:`.data.archives.top_folder`), given as a folder of
    images: "unpack it first (COMMAND: ``unpack``, else :func:`.data.archives.unpack_beside`'s)", said first
    where the folder it unpacks into is there already (:func:`.data.archives.unpacked_already`): the
    folder may hold it unpacked, and is given instead (the command unpacks it anew beside that one)."""
    unpack = unpack or archives.unpack_beside(archive, top)
    there = archives.unpacked_already(archive, top)
    if there is None:
        return f"unpack it first ({unpack})"
    return f"{there} beside it may hold it unpacked already: give that folder; else unpack it anew ({unpack})"


class DatasetFolder(click.Path):
    """A prepared dataset to read (--data). Anything else there, a run folder, a network's file, a
    file of a dataset, an experiment's or a report's folder, images not prepared yet, is a usage
    error in the library's words (:func:`minitransfer.data.dataset.not_a_dataset`): what it is and
    what to give instead (click said only "Directory 'baseA.h5' is a file", and a run folder was
    "an unfinished import: rerun prepare"). ``otherwise``: what else to do, said after it (eval's
    "leave --data out"). A folder this user may not read is refused as info refuses a network's
    (:func:`refuse_unreadable`: exit code 74, the chmod that gives access): click said "Directory
    '...' is not readable" (exit code 2). Its meta.json is read as :func:`minitransfer.data.dataset.open_dataset`
    reads it (:func:`~minitransfer.data.dataset.read_meta`), refused in its words: one this user may not
    read (74; it was a bare "[Errno 13] Permission denied"), or truncated or garbled (65)."""

    def __init__(self, otherwise=""):
        super().__init__(exists=True, readable=False)  # refused by refuse_unreadable, as info refuses a network
        self.otherwise = otherwise

    def convert(self, value, param, ctx):
        refuse_unnamed(self, value, param, ctx, f"{mistaken_paths.GIVE_A_DATASET}{'; ' if self.otherwise else ''}"
                                                f"{self.otherwise}")
        if os.path.isdir(value):  # before click, which says "Directory ... is not readable" (2)
            refuse_unreadable(value, "the dataset")
        else:  # a file: what it is, said below; one in a folder this user may not enter said so here
            refuse_unreachable(value, "the dataset")
        refuse_dead_link(self, value, param, ctx, "the dataset folder")
        converted = super().convert(value, param, ctx)
        kind = path_kinds.path_kind(value)
        if kind not in ("a folder", "a file"):  # a named pipe was "a file, not a dataset folder"
            self.fail(f"{value} is {kind}, not a dataset folder: give the folder `minitransfer prepare` wrote (it "
                      f"holds meta.json){'; ' if self.otherwise else ''}{self.otherwise}", param, ctx)
        something_else = dataset.not_a_dataset(value)
        if something_else is not None:
            self.fail(f"{something_else}{'; ' if self.otherwise else ''}{self.otherwise}", param, ctx)
        meta = pathlib.Path(value, shard_format.META_FILE)
        if meta.is_file():  # refused in the library's words: 74 unreadable, 65 not a meta file, naming it
            dataset.read_meta(meta)
        return converted


IS_A_LINES = "WordNet 'parent child' lines"  # what an --is-a file holds, in TextFile's words


class TextFile(click.Path):
    """A text file an option reads (--families, --is-a, --words, --val-labels), ``holds`` what (its lines). A
    folder (click said "File 'x' is a directory", not what to give), or a named pipe (a shell's ``<(...)``
    too), a socket or a device, is a usage error naming it and what to give: an import reads the file twice
    (its text, and the sha256 its meta.json records), so a pipe's text was gone at one read (a false "no family
    for 4 classes", 65) or its next opening waited for ever for a writer, as one with no writer did at once.
    One this user may not read is exit code 74, as the importers say of it (click said "is not readable", 2)."""

    def __init__(self, holds):
        super().__init__(exists=True, dir_okay=False, readable=False)  # refused by refuse_unreadable
        self.holds = holds

    def convert(self, value, param, ctx):
        if isinstance(value, str) and not value:
            self.fail(f"is empty: name the file of {self.holds} (an unset shell variable?)", param, ctx)
        refuse_unnamed(self, value, param, ctx, f"give the file of {self.holds}")
        refuse_dead_link(self, value, param, ctx, f"the file of {self.holds}")
        kind = path_kinds.path_kind(value)
        if kind == "a folder":
            self.fail(f"{value} is a folder: give the file of {self.holds} itself", param, ctx)
        if kind not in ("a file", "nothing"):  # "nothing": click says it does not exist
            self.fail(f"{value} {text_files.not_a_file(kind)}", param, ctx)  # the library's words (refuse_special)
        refuse_unreadable(value, "the file")
        return super().convert(value, param, ctx)


class NetworkPath(click.Path):
    """A network to read: a weights file or checkpoint, or a run folder (``baseA.run``: its weights
    file beside it once finished (``baseA.h5``: :func:`minitransfer.rundir.weights_for`), else its
    ``checkpoint.h5``; with ``finished``, only
    the weights of a finished run: the base a transfer copies). A dataset folder or file, or any other
    folder (a grid's: its runs named), is a usage error that says what to give instead."""

    def __init__(self, finished=False):
        super().__init__(exists=True)
        self.finished = finished

    def convert(self, value, param, ctx):
        return self._network(value, param, ctx)

    def _network(self, value, param, ctx):
        refuse_unnamed(self, value, param, ctx, "give a weights file (e.g. baseA.h5) or a run folder (baseA.run)")
        refuse_unreadable(value)
        refuse_dead_link(self, value, param, ctx, "the network's file or folder")
        self._refuse_unwritten(value, param, ctx)
        planned = None if not value or os.path.lexists(value) else \
            grid_status.planned_not_started(rundir.run_dir_for(value), value)  # "": no name, no run folder
        if planned:  # the weights file of a run not started: "does not exist", naming neither the grid nor the run
            self.fail(planned, param, ctx)
        self._refuse_without_network(value, param, ctx)
        path = pathlib.Path(super().convert(value, param, ctx))
        kind = path_kinds.path_kind(path)
        if kind not in ("a folder", "a file"):  # a named pipe: reading it to tell what it is would wait for ever
            self.fail(_not_a_network(path, kind, param, ctx), param, ctx)
        if not path.is_dir():
            if (path.parent / shard_format.META_FILE).is_file() and not checkpoint.is_checkpoint(path):  # a shard
                self.fail(f"{path} is a file of the dataset {path.parent}, not a network "
                          f"({path_kinds.lists_dataset(path.parent)}); give a weights file (e.g. baseA.h5) or a "
                          f"run folder (baseA.run)", param, ctx)
            other = path_kinds.not_hdf5(path)
            if other is not None:
                self.fail(_not_a_network(path, other, param, ctx), param, ctx)
            return str(path)
        if (path / shard_format.META_FILE).is_file():
            self.fail(f"{path} is {path_kinds.what_folder(path).what}; give a weights file (e.g. baseA.h5) "
                      f"or a run folder (baseA.run){_score_on(path, ctx)}", param, ctx)
        without_network = (f"{path} is a folder without a network: give a weights file (e.g. baseA.h5) or a run folder "
                           f"(baseA.run) that holds its checkpoint.h5")
        folder = run_networks.named_folder(path)
        if not folder.name:  # the root folder: no run's, and no weights file beside it
            self.fail(without_network, param, ctx)
        weights = rundir.weights_for(folder)
        if folder.suffix == ".run" and weights.is_file():
            return str(weights)
        moved = run_networks.weights_not_beside(path, weights) if self.finished and folder.suffix == ".run" else ""
        if moved:
            self.fail(moved, param, ctx)
        if self.finished and (path / "checkpoint.h5").is_file():  # the library's words (its run diverged: said)
            self.fail(config_wording.worded(f"{path} {run_networks.not_finished(weights, path / 'checkpoint.h5')}"),
                      param, ctx)
        if (path / "checkpoint.h5").is_file():
            return str(path / "checkpoint.h5")
        planned = grid_status.planned_not_started(path, weights) if folder.suffix == ".run" else None
        if planned:
            self.fail(planned, param, ctx)
        if folder.suffix == ".run" and run_remedies.run_started(path):
            self.fail(run_remedies.run_without_network(path, weights), param, ctx)
        what = path_kinds.what_folder(path)
        if what is None:
            unfinished = mistaken_paths.unfinished_import(path)
            if unfinished is not None:  # a dataset's folder, unfinished: said as a finished one is, with its command
                self.fail(f"{path} is {unfinished}; {_what_it_takes(param, ctx)}", param, ctx)
            self.fail(without_network, param, ctx)
        if what.run is not None:  # a grid's folder, one of its splits', or a folder of grids
            self.fail(f"{path} is {what.what}: give one of them (e.g. {what.run}), or {what.summary}", param, ctx)
        self.fail(f"{path} is {what.what}: {_what_it_takes(param, ctx)}{_score_on(what.dataset, ctx)}", param, ctx)

    def _refuse_unwritten(self, value, param, ctx):
        """A weights file not written yet, its run folder beside it with a checkpoint (``eval
        baseA.h5`` while baseA trains, after it was stopped, or once it was moved away:
        :func:`minitransfer.run_networks.unwritten_weights`): click said it "does not exist", naming
        neither the run nor its checkpoint, which is to be given instead. (train's --copy-from leaves
        a base not there to train, which says what a transfer is to do:
        :func:`minitransfer.resume.read_base`.)"""
        unwritten = run_networks.unwritten_weights(value)
        if unwritten is None:
            return
        run, stopped = unwritten.run, not unwritten.finished and unwritten.training is None
        goes_on = f" (`{unwritten.resume_command()}` goes on)" if stopped else ""
        give = "its last checkpoint, the network as it finished" if unwritten.finished else "its latest checkpoint"
        self.fail(f"{unwritten.situation()}{goes_on}; give {run} for {give}", param, ctx)

    def _refuse_without_network(self, value, param, ctx):
        """A weights file not there whose run folder beside it started (:func:`run_remedies.run_started`) and
        holds no checkpoint (``info baseA.h5``, its run trained to its end and its files gone since, or stopped before
        its first checkpoint): said as that run folder given is (:func:`run_remedies.run_without_network`). click said
        "Path 'baseA.h5' does not exist"; :meth:`_refuse_unwritten` answers only a run folder with its checkpoint."""
        if not value or os.path.lexists(value):
            return
        run = rundir.run_dir_for(value)
        if run.is_dir() and not os.path.lexists(run / "checkpoint.h5") and run_remedies.run_started(run):
            weights = rundir.weights_for(run)
            if weights.name == pathlib.PurePath(value).name:
                self.fail(run_remedies.run_without_network(run, weights), param, ctx)


def _not_a_network(path, what, param, ctx):
    """What the file ``path``, ``what`` (:func:`minitransfer.path_kinds.not_hdf5`: recognisably no HDF5
    file), is and what to give: for a file of a run folder (its config.json, a figure), that run folder or
    its weights file; else what the parameter takes. Said as a dataset folder given as a network is: a
    wrong argument (exit 2), not a damaged checkpoint (65)."""
    found = rundir.enclosing_run_dir(path)
    if found is None:
        return f"{path} is {what}, not a network; {_what_it_takes(param, ctx)}"
    run = next((parent for parent in path.parents if parent.resolve() == found), found)  # named as given
    return (f"{path} is {what} of the run folder {run}, not a network: give the run folder ({run}) or its weights "
            f"file ({rundir.weights_for(run)})")


def _score_on(dataset_folder, ctx):
    """eval's words for a dataset (``dataset_folder``) given as its network: how to score one on it; ""
    for another command, or None."""
    if dataset_folder is None or ctx is None or ctx.info_name != "eval":
        return ""
    return (f"; to score a network on a dataset, give it as --data (minitransfer eval NETWORK --data "
            f"{shlex.quote(str(dataset_folder))})")


def _what_it_takes(param, ctx):
    """What a :class:`NetworkPath` parameter takes, in the words of its command or option: "info takes one
    network: ...", "--copy-from takes ..."."""
    who = param.opts[0] if isinstance(param, click.Option) else ctx.info_name if ctx is not None else None
    takes = f"{who} takes" if who else "give"
    return f"{takes} a network: a weights file (e.g. baseA.h5) or a run folder (baseA.run)"


def refuse_unnamed(path_type, value, param, ctx, give):
    """Fail ``path_type``'s conversion of ``value``, a path to read, where it names nothing: "" (``"$RUNS"`` with RUNS
    unset), or - (standard input, to a Unix tool) where no file or folder is named so: click said "Path '' does not
    exist", which says neither. ``give``: what to give instead ("give the folder that holds the images")."""
    if value == "":
        path_type.fail(f"is empty (an unset shell variable?): {give}", param, ctx)
    if value == "-" and not os.path.lexists(value):
        path_type.fail(f"{config_checks.dash_given(command_named(ctx), 'input')}: {give}", param, ctx)


def refuse_dead_link(path_type, value, param, ctx, what):
    """Fail ``path_type``'s conversion of ``value``, a path to read, where it is a symbolic link that
    leads nowhere (a loop of links, or to a path not there: a drive not mounted): click said it "does
    not exist", which names neither the link nor why. ``what``: what to give instead, itself."""
    if os.path.islink(value) and not os.path.exists(value):
        path_type.fail(f"{value} is a symbolic link that leads nowhere ({dead_ends.dead_end(value)}): give {what} "
                       f"itself", param, ctx)


def refuse_unreadable(value, what="the network"):
    """:class:`minitransfer.fileio.StorageError` (74) where ``value`` may not be read by this user (a
    folder: listed and entered), or lies in a folder it may not enter (another user's run in a shared
    grid): click said a file in such a folder "does not exist" and the file itself "is not readable",
    usage errors (2) that named neither the folder nor what to do, where train --resume says such a
    checkpoint cannot be read (74). ``what``: what a copy of is to be given instead, where ``value``
    cannot be reached."""
    if not refuse_unreachable(value, what):
        return
    folder = os.path.isdir(value)
    if not os.access(value, os.R_OK | os.X_OK if folder else os.R_OK):
        raise fileio.StorageError(errno.EACCES, f"{value} is not readable by this user (permission denied): give read "
                                                f"access to it (chmod {'a+rx' if folder else 'a+r'} "
                                                f"{shlex.quote(value)}), or give a copy of it")


def refuse_unreachable(value, what):
    """:class:`minitransfer.fileio.StorageError` (74) where ``value`` lies in a folder this user may not
    enter, naming that folder and what to do (or to give a copy of ``what``); else whether it is there."""
    try:
        os.stat(value)
    except PermissionError:
        parents = reversed(pathlib.Path(value).parents)
        folder = next((parent for parent in parents if not os.access(parent, os.X_OK)), pathlib.Path(value).parent)
        raise fileio.StorageError(errno.EACCES, f"{value} cannot be reached: the folder {folder} may not be entered "
                                                f"by this user (permission denied): give access to it (chmod a+x "
                                                f"{shlex.quote(str(folder))}), or give a copy of {what}") from None
    except OSError:  # not there: click says so
        return False
    return True


"""Where ``report`` finds a grid's runs: every ``*.run`` folder under a folder, through linked
folders too, each folder read once whatever the routes to it (:func:`find_runs`); a prepared
dataset's folder and the kernel's are not looked into; a long search shows life on stderr
(:class:`WalkNotice`). :mod:`minitransfer.results` reads the runs found.
"""

import collections
import dataclasses
import heapq
import os
import pathlib
import shlex
import time

from minitransfer import file_owners, stopping
from minitransfer.progress import duration
from minitransfer.data import inputs, shard_format
from minitransfer.left_out import WithoutRunFolder
from minitransfer.own_presets import pasted, preset_of
from minitransfer.rundir import recorded_name, run_dir_for

WALK_NOTICE_SECONDS = 10  # looking for runs this long is said on stderr, and again every as long


class WalkNotice:
    """Life shown while runs are looked for and read (``report ~`` reads every folder of a home,
    ``report /`` every one of the machine): a line on stderr each time :data:`WALK_NOTICE_SECONDS`
    have passed since the last ("looking for runs under grid: 12,000 folders read, ..."), and a last
    one at the end where one was said; nothing from a search that takes less."""

    def __init__(self, runs_dir):
        self.runs_dir, self.started = runs_dir, time.monotonic()
        self.due, self.said = self.started + WALK_NOTICE_SECONDS, False

    def tick(self, text):
        """Say ``text()`` (built only then) where a line is due."""
        now = time.monotonic()
        if now >= self.due:
            self.due, self.said = now + WALK_NOTICE_SECONDS, True
            self._say(f"{text()} ...")

    def done(self, text):
        if self.said:
            self._say(f"{text()} in {duration(time.monotonic() - self.started)}")

    def _say(self, text):
        stopping.warn(inputs.display_name(f"looking for runs under {self.runs_dir}: {text}"))


@dataclasses.dataclass(frozen=True)
class FoundRuns:
    """What :func:`find_runs` found: ``runs``, (links on the way, path) of each ``*.run`` folder as
    reached (one reached by two names is there twice); ``again``, (path, the path it was read as) of
    each folder reached a second time, and not read again; ``folders``, how many folders were read;
    ``unreadable``, (path, why) of each folder that could not be read, of each link named ``*.run``
    that leads to no folder and of each other link that leads nowhere (its disk not mounted); ``weights``, each
    ``*.h5`` file without the run folder of its name beside it (:func:`lone_weights` tells the networks' weights
    files among them, copied alone)."""

    runs: list
    again: list
    folders: int
    unreadable: list
    weights: list = dataclasses.field(default_factory=list)


def find_runs(runs_dir, notice=None):
    """The ``*.run`` folders under ``runs_dir``, through linked folders too, each folder read once:
    one reached again (through a link to a split's folder, a link back up, one of many links to a
    folder) is noted in ``again`` and not read again, so that the walk ends and costs the folders
    there are, not the routes to them (``report /proc``: a link to / in every process). Of a
    folder's names, the one through the fewest links is read (the folder itself before a link to
    it), of those the first by name. A prepared dataset's folder (:func:`is_dataset_folder`: a link
    to ImageNet's in a grid) and the kernel's (:data:`KERNEL_FOLDERS`) hold no runs and are not
    looked into; a folder that cannot be read is noted in ``unreadable``, as is a run folder's link
    that does not lead to a folder and any other link that leads nowhere (a split's folder on a disk
    not mounted, whose runs would be missing without a word), one gone while read passed by.
    ``notice``: a :class:`WalkNotice`, told of each folder read."""
    runs_dir = pathlib.Path(runs_dir)
    runs, again, unreadable, weights, read = [], [], [], [], {}  # read: {identity: the path a folder was read as}
    kernel = _kernel_devices()
    waiting = [(0, (), runs_dir)]  # a heap of (links on the way, path parts below runs_dir, path)
    while waiting:
        links, parts, folder = heapq.heappop(waiting)
        if notice is not None:
            notice.tick(lambda: f"{len(read):,} folders read, {len(runs):,} run folders found, now in {folder}")
        try:
            identity = file_owners.identity(folder)
            if identity in read:
                again.append((folder, read[identity]))
                continue
            read[identity] = folder
            if identity[0] in kernel:
                continue
            with os.scandir(folder) as listing:
                entries = list(listing)
        except (FileNotFoundError, NotADirectoryError):  # gone while read
            continue
        except OSError as error:
            unreadable.append((folder, error.strerror or str(error)))
            continue
        if is_dataset_folder(entry.name for entry in entries):
            continue
        unreadable += [(pathlib.Path(entry.path), _not_followed(entry)) for entry in entries
                       if not _is_folder(entry) and _is_link(entry)
                       and (entry.name.endswith(".run") or _leads_nowhere(entry))]
        names = {entry.name for entry in entries}
        weights += [pathlib.Path(entry.path) for entry in entries if entry.name.endswith(".h5")
                    and run_dir_for(entry.name).name not in names and not _is_folder(entry)]
        for entry in (entry for entry in entries if _is_folder(entry)):
            linked = links + entry.is_symlink()
            if entry.name.endswith(".run"):
                runs.append((linked, pathlib.Path(entry.path)))
            else:
                heapq.heappush(waiting, (linked, parts + (entry.name,), pathlib.Path(entry.path)))
    return FoundRuns(runs, again, len(read), unreadable, weights)


def lone_weights(found, runs_dir):
    """"name: why" of each network's weights file among ``found.weights`` (:class:`FoundRuns`; a checkpoint's file,
    not another HDF5 file) whose run folder is not beside it (copied alone): report reads a run from its run
    folder (result.json, the curves), so it reads none of them, and says so, as of the other runs it leaves out.
    A run's checkpoint copied alone (a checkpoint.h5, its solver state in it) is named as one, with what fits it
    (:func:`_checkpoint_copy`); before, as a network's weights file whose run folder is "checkpoint.run"."""
    from minitransfer.checkpoint import is_checkpoint  # here: checkpoint's imports (path_kinds) import this module

    texts = []
    for path in sorted(found.weights):
        if is_checkpoint(path):
            state = _training_state(path)
            said = (_checkpoint_copy(path, *state) if state is not None else
                    f"{path} is a network's weights file without its run folder ({run_dir_for(path).name}) beside "
                    f"it, which report reads a run from: copy that folder beside it to report the run")
            texts.append(WithoutRunFolder(f"{path.relative_to(runs_dir).as_posix()}: {said}"))
    return texts


def _training_state(path):
    """(iteration, max_iter, out, config) of the checkpoint file ``path`` where it holds a run's training state (its
    solver group: a run folder's checkpoint.h5, or a copy of one, which `train --resume` continues), each None where
    it records none (or cannot be read); None for a network's weights file (a finished run's, which holds no solver
    state: :mod:`minitransfer.checkpoint`)."""
    from minitransfer import hdf5_files
    from minitransfer.checkpoint import CheckpointError, read_meta
    from minitransfer.checkpoint_check import HDF5_DAMAGE, holds

    try:
        with hdf5_files.open_hdf5(path, locked=False) as f:
            if not holds(f, "solver"):
                return None
        meta = read_meta(path)
    except (CheckpointError, *HDF5_DAMAGE):  # its format marker read, the rest not: said without them
        return None, None, None, None
    config = meta.get("config") if isinstance(meta.get("config"), dict) else {}
    out = config.get("out")  # its file's name as this locale lists it (rundir's one rule: recorded_name), which its
    # run folder is named from; before, as UTF-8 text: under LC_ALL=C, a finished run's checkpoint beside its
    # run folder données.run was said to be "copied without its run folder (données.run)"
    return (meta.get("iteration"), config.get("max_iter"), recorded_name(out) or None if isinstance(out, str) else None,
            config)


def _checkpoint_copy(path, iteration, max_iter, out, config=None):
    """Why the checkpoint ``path`` copied alone into a folder of runs, at ``iteration`` of ``max_iter`` of the run
    whose network is ``out`` (its file's name; each None where not recorded), is no run report reads: a run's
    training state, not a finished network, while report reads finished runs from their run folders. A run not
    finished is continued by `train --resume` of it (:func:`_resume_command`); of a finished one, its run folder is
    to be copied beside it (or is there, and read)."""
    what = f"{path} is a checkpoint{f' of {out}' if out else ''}"
    reads = "report reads finished runs from their run folders (result.json, the curves), not from a checkpoint"
    if isinstance(iteration, int) and isinstance(max_iter, int) and iteration < max_iter:
        return (f"{what} (its training state at iteration {iteration} of {max_iter}), copied without its run "
                f"folder: not a finished network; {reads}: to finish it, "
                f"`{_resume_command(path, config or {})}` continues it (with the options it was trained with)")
    if iteration is not None and iteration == max_iter:
        what += f" (at its last iteration, {iteration})"
    folder = run_dir_for(out).name if out else None
    if folder is not None and (path.parent / folder).is_dir():
        return f"{what}, beside its run folder {folder}, which report reads the run from: {reads}"
    return (f"{what}, copied without its run folder{f' ({folder})' if folder else ''}: {reads}: copy "
            f"{'that folder' if folder else 'its run folder'} beside it to report the run")


def _resume_command(path, config):
    """`train --resume` of the checkpoint ``path`` with every option its recorded ``config`` holds (as ``info``'s
    "made again by" line gives them: :func:`minitransfer.checkpoint_remake.train_command`), after the words a new
    shell needs to know its preset where it is one's own (:func:`minitransfer.own_presets.pasted`). A resume from a
    checkpoint copied out of its run folder takes no option from it: given bare, or with only its --out, it was
    refused (its --out not the one it records, then "a different configuration")."""
    from minitransfer.checkpoint_remake import train_command  # here: its imports import checkpoint's, which this

    options = train_command(config)[2:]
    return pasted(inputs.display_name(shlex.join(["train", "--resume", str(path), *options])), preset_of(config))


KERNEL_FOLDERS = ("/proc", "/sys")  # the kernel's views: no runs; a link to / in every process, to each device


def _kernel_devices():
    """The devices of the :data:`KERNEL_FOLDERS` mounted here (a folder of that name not mounted is
    one of the root's)."""
    return {os.stat(folder).st_dev for folder in KERNEL_FOLDERS if os.path.ismount(folder)}


# The files that make a folder a prepared dataset (or one being prepared again): its meta.json and first
# training shard (:mod:`minitransfer.data.dataset`); :func:`minitransfer.path_kinds.dataset_folder_above` too
DATASET_MARKS = (shard_format.META_FILE, shard_format.shard_name("train", 0))


def is_dataset_folder(names):
    """Whether the folder whose entries are ``names`` is a prepared dataset (or one being prepared
    again): it holds the :data:`DATASET_MARKS`."""
    return set(DATASET_MARKS) <= set(names)


def _is_folder(entry):
    try:
        return entry.is_dir()
    except OSError:  # a link that cannot be followed
        return False


def _is_link(entry):
    try:
        return entry.is_symlink()
    except OSError:  # gone meanwhile
        return False


# The suffixes of files a folder of runs holds besides them (weights, notes, tables, figures, logs, archives)
FILE_SUFFIXES = {".h5", ".hdf5", ".json", ".jsonl", ".csv", ".tsv", ".txt", ".log", ".md", ".png", ".pdf", ".svg",
                 ".sh", ".out", ".err", ".py", ".tar", ".gz", ".tgz", ".zip"}


def _leads_nowhere(link):
    """Whether the link ``link`` (an :class:`os.DirEntry`), not named as a file is (latest.h5, an editor's
    lock .#notes.txt: :data:`FILE_SUFFIXES`, hidden), cannot be followed: a split's or a grid's folder
    (random1, lr0.01) kept on another disk, not mounted now, or moved or deleted there. What it led to
    is not known: one named as a file is taken for one, not for a folder of missing runs."""
    named_as_file = link.name.startswith(".") or pathlib.PurePath(link.name).suffix.lower() in FILE_SUFFIXES
    return not named_as_file and not os.path.exists(link.path)


def _not_followed(link):
    """Why the link ``link`` (an :class:`os.DirEntry` named ``*.run``, or any link that leads nowhere)
    leads to no folder: a run's, split's or grid's folder kept on another disk, not mounted now, or
    moved or deleted there."""
    try:
        target = os.readlink(link.path)
    except OSError as error:  # gone, or replaced by a folder, meanwhile
        return f"a link that cannot be read: {error.strerror or error}"
    try:
        os.stat(link.path)
    except FileNotFoundError:
        return f"a link to {target}, which is not there: its disk not mounted, or the folder moved or deleted"
    except OSError as error:
        return f"a link that cannot be followed: {error.strerror or error}"
    return f"a link to {target}, which is not a folder"


def first_names(runs):
    """{run folder: the name it is read under}: of the names of one run folder (``runs``: (links on
    the way, path) of each), the one through the fewest links (the folder itself before a link to
    it), of those the first by name."""
    first_of, named = {}, {}
    for _, folder in sorted(runs):
        try:
            identity = file_owners.identity(folder)
        except OSError:  # gone meanwhile: collect finds it missing
            identity = folder
        first_of[folder] = named.setdefault(identity, folder)
    return first_of


def other_names_of_folders(again, reported, runs_dir):
    """"name: why" of each folder that is a second name (a link) of a folder whose runs are
    reported (``reported``: their run folders), once for all of them: a link back up to a folder
    it is in (a loop) and one to a folder without runs are no second names of runs."""
    held = collections.Counter(parent for folder in reported for parent in folder.parents)
    texts = []
    for folder, first in sorted(again):
        if held[first] and first not in folder.parents:
            name, first_name = (path.relative_to(runs_dir).as_posix() for path in (folder, first))
            texts.append(f"{name}: {folder} is a link to the folder {first_name}, whose {held[first]} run folders "
                         f"are read once, as {first_name}/...")
    return texts

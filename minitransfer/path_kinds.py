"""What a file or folder given in a network's place is instead, told by what it holds and said in
words the library and the command line share: one of a dataset's files, a Keras model or another
program's file (:func:`what_file`, by its root alone); a dataset's folder, a grid's, an experiment's
whose runs have not started, a report's or a folder of datasets (:func:`folder_kind`,
:func:`what_folder`), and what to give instead (:func:`folder_hint`). :mod:`minitransfer.checkpoint`
says it where a file is no checkpoint; :func:`minitransfer.data.dataset.not_a_dataset` asks the
same question of a path given as a dataset.
"""

import collections
import os
import pathlib
import shlex
import stat

import h5py

from minitransfer import hdf5_files, rundir
from minitransfer.hdf5_files import HDF5_SIGNATURE
from minitransfer.run_search import DATASET_MARKS
from minitransfer.data import shard_format

# What to give where a file is no network
GIVE_A_NETWORK = "give a weights file train wrote (e.g. baseA.h5) or a run's checkpoint.h5"


def what_file(f, format_found):
    """What the HDF5 file ``f``, which is no minitransfer network (``format_found``: its format
    attribute, :func:`minitransfer.checkpoint_check.file_format`), is, in words, told by its root
    alone (no array is read): one of a minitransfer dataset's shards or its mean image (and that
    `data` takes its dataset's folder), a Keras model, a file of another format, or another
    program's file named by its top-level objects (groups end in /)."""
    names = sorted(f)
    subset = hdf5_files.plain_attribute(f.attrs.get("subset"))
    dataset_file = "; a dataset is given as its folder, to `data`"
    if subset in shard_format.SUBSETS and {"images", "labels"} <= set(names):
        return f"a shard of a minitransfer dataset (its {subset} images), not a network", dataset_file
    if names == ["mean"] and "classes_sha256" in f.attrs:
        return f"the mean image of a minitransfer dataset ({shard_format.MEAN_FILE}), not a network", dataset_file
    if "keras_version" in f.attrs or "model_weights" in names:
        return "a Keras model, not a minitransfer network (minitransfer reads only its own)", ""
    if format_found is not None:
        return f"an HDF5 file of format {format_found!r:.80}, not a minitransfer network", ""
    if not names:
        return "an empty HDF5 file (no groups, no arrays), not a network", ""
    shown = [name[:40] + ("/" if isinstance(f.get(name, getlink=True), h5py.HardLink)
                          and f.get(name, getclass=True) is h5py.Group else "") for name in names[:4]]
    more = f" and {len(names) - 4} more" if len(names) > 4 else ""
    return f"an HDF5 file of other software (top level: {', '.join(shown)}{more}), not a minitransfer network", ""


# The first bytes of files that are recognisably no HDF5 file, and what each is
_SIGNATURES = ((b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
               (b"GIF89a", "a GIF image"), (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
               (b"\x93NUMPY", "a NumPy array file (.npy)"),
               (b"PK\x03\x04", "a zip archive (a PyTorch checkpoint is one)"))
# Names an HDF5 file goes by: one holding text is a checkpoint damaged, or another file saved under its name
HDF5_SUFFIXES = (".h5", ".hdf5", ".hdf", ".he5")
_SNIFFED = 4096


def not_hdf5(path):
    """What the file ``path`` is, in words ("a JSON file", "a PNG image", "a text file"), where its first
    bytes say it is recognisably no HDF5 file at all: an image, a NumPy array, a zip archive, JSON or
    other text; None for a file that may be an HDF5 one, damaged too (binary bytes; HDF5's signature
    at 0, or after a user block, at 512, 1024, 2048 ...), and for text under an HDF5 name (a damaged or
    mis-saved checkpoint, which its reader says is no HDF5 file), or one that cannot be read."""
    try:
        with open(path, "rb") as f:
            start = f.read(_SNIFFED)
            size = os.fstat(f.fileno()).st_size
            offset = 512
            while offset + len(HDF5_SIGNATURE) <= size:
                f.seek(offset)
                if f.read(len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
                    return None
                offset *= 2
    except OSError:
        return None
    if not start or start.startswith(HDF5_SIGNATURE):
        return None
    if start[:4] == b"RIFF" and start[8:12] == b"WEBP":
        return "a WebP image"
    known = next((what for signature, what in _SIGNATURES if start.startswith(signature)), None)
    if known is not None:
        return known
    try:
        text = start.decode("utf-8")
    except UnicodeDecodeError as error:
        text = start[:error.start].decode("utf-8") if error.start > len(start) - 4 else None  # a character cut
    if text is None or any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return None
    if text.lstrip("\ufeff \t\n\r\f").startswith(("{", "[")):  # a byte-order mark before JSON: still JSON
        return "a JSON file"
    return None if pathlib.Path(path).suffix.lower() in HDF5_SUFFIXES else "a text file"


# What a path that is no file nor folder is, told by its mode
_SPECIAL_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                  (stat.S_ISBLK, "a block device"))


def path_kind(path):
    """What ``path`` is (links followed), in words: "a folder", "a file", "a named pipe", "a socket", "a
    character device", "a block device", "a special file" (another kind); "nothing" where there is none
    (or it cannot be looked at). A named pipe given where a folder is asked for is no "file" to its user."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "nothing"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return next((kind for test, kind in _SPECIAL_KINDS if test(mode)), "a special file")


def not_a_regular_file(path):
    """What ``path``, where a regular file is wanted, is instead, in words: "not a regular file but a named pipe" (a
    socket, a character or block device, a folder: :func:`path_kind`); "not a regular file"
    where it is one again, or gone, by the time it is looked at. The one wording of a file the import skips
    (:func:`minitransfer.data.decode.open_regular_file`), of a shard or mean image that meta.json lists
    (:func:`minitransfer.data.integrity.check_files`) and of a shard a reader finds so
    (:func:`minitransfer.data.image_reader.not_a_shard_file`). Those modules import it where they say it, as they
    call it: a decode or loader worker imports them, not needing this module (nor what it imports) at its start."""
    kind = path_kind(path)
    return "not a regular file" if kind in ("a file", "nothing") else f"not a regular file but {kind}"


FolderWithoutNetwork = collections.namedtuple("FolderWithoutNetwork", "what run dataset summary",
                                              defaults=(None, None, ""))
FolderWithoutNetwork.__doc__ = """What a folder is (``what``: "a report's folder (...), not a network"), with
the first run folder it holds (``run``: a network to give in its place) and the first dataset (``dataset``: for
eval's "give it as --data"), each None where it holds none; ``summary``: how to sum up its runs, given with
``run`` ("" without)."""


FolderKind = collections.namedtuple("FolderKind", "kind runs experiment datasets", defaults=((), False, ()))
FolderKind.__doc__ = """What kind of folder a folder is, told by what it holds (:func:`folder_kind`): ``kind``
"dataset" (it holds meta.json), "runs" (``runs``: the run folders in it, else in its folders, else theirs: a folder
of runs, a grid's folder, a folder of grids), "experiment" (an experiment.json, no run yet), "report" (a report's
tables), "datasets" (``datasets``: the prepared datasets in it), or None; ``experiment``: it holds an
experiment.json. The one answer to "what is this folder" that a path given as a network
(:func:`what_folder`) and as a dataset (:func:`minitransfer.data.dataset.not_a_dataset`) are both told by."""


def folder_kind(path):
    """The :class:`FolderKind` of the folder ``path``, the first kind in the order of :class:`FolderKind`'s
    that it is; kind None for another folder, or the root folder (no grid's, and too large to look through)."""
    from minitransfer import experiment  # which imports checkpoint.py, which imports this module
    path = pathlib.Path(path)
    if (path / shard_format.META_FILE).is_file():
        return FolderKind("dataset")
    if not path.resolve().name:
        return FolderKind(None)
    planned = (path / experiment.PLAN_FILE).is_file()
    runs = sorted(path.glob("*.run")) or sorted(path.glob("*/*.run")) or sorted(path.glob("*/*/*.run"))
    if runs:
        return FolderKind("runs", runs, planned)
    if planned:
        return FolderKind("experiment", experiment=True)
    if report_files(path):
        return FolderKind("report")
    held = datasets_in(path)
    return FolderKind("datasets", datasets=held) if held else FolderKind(None)


RUN_FOLDER = "a run folder (a network's, which train wrote)"


def results_folder(path):
    """What the folder ``path`` is, in words, where it holds what train, experiment or report wrote: a run folder
    (:data:`RUN_FOLDER`), an experiment's folder, a folder of runs (up to three of them named), a report's folder;
    None for another (:func:`folder_kind`). Said where such a folder is given as a dataset, to read
    (:func:`minitransfer.data.dataset.not_a_dataset`) or to write (prepare's OUT)."""
    if rundir.is_run_dir(path):
        return RUN_FOLDER
    path = pathlib.Path(path)
    found = folder_kind(path)
    if found.experiment:  # kind "runs" or "experiment": its runs lie in its split folders, as always
        return "an experiment's folder"
    if found.kind == "runs":
        runs = ", ".join(str(run.relative_to(path)) for run in found.runs[:3]) + (" ..." if len(found.runs) > 3 else "")
        return f"a folder of runs ({runs})"
    if found.kind == "report":
        return "a report's folder (the tables minitransfer report wrote)"
    return None


def report_files(path):
    """The files of a report (the tables and figures `minitransfer report` writes,
    :data:`minitransfer.report_folder.REPORT_FILES`) that the folder ``path`` holds, in that order: ()
    where it holds none (no report's folder)."""
    from minitransfer import report_folder  # which imports checkpoint.py, which imports this module
    return tuple(name for name in report_folder.REPORT_FILES if os.path.isfile(os.path.join(path, name)))


def report_folder_above(path):
    """The nearest folder above ``path`` (resolved: where it lands) that is a report's folder, holding
    every table `minitransfer report` writes (:data:`minitransfer.report_folder.REPORT_TABLES`); None
    where there is none. All of them, not one, as :func:`report_files` counts for a folder itself: a
    stray results.csv in a home folder made no report's folder of every folder below it."""
    from minitransfer import report_folder  # which imports checkpoint.py, which imports this module
    return rundir.nearest_above(path, lambda folder: all(os.path.isfile(folder / name)
                                                         for name in report_folder.REPORT_TABLES), itself=False)


def dataset_folder_above(path):
    """The nearest prepared dataset's folder (holding the
    :data:`~minitransfer.run_search.DATASET_MARKS`: one being prepared again too) that ``path``
    (resolved: where it lands) is or lies inside; None where there is none. Their names looked up, not
    listed: / or a scratch space is large."""
    return rundir.nearest_above(path, lambda folder: all((folder / name).exists() for name in DATASET_MARKS))


def datasets_in(path):
    """The prepared datasets in the folder ``path`` (its folders holding meta.json, links to them too), sorted:
    its entries' types as listed, so a folder of 100,000 images costs no look at each."""
    with os.scandir(path) as entries:
        return sorted(pathlib.Path(entry.path) for entry in entries
                      if entry.is_dir() and os.path.isfile(os.path.join(entry.path, shard_format.META_FILE)))


def lists_dataset(path):
    """The command that says what the dataset in the folder ``path`` holds, its classes and images counted (read
    from meta.json: a second, where ``prepare verify`` re-hashes every file, minutes on ImageNet), said so."""
    return f"`minitransfer splits {shlex.quote(str(path))} all` lists its classes and images"


def what_folder(path):
    """A :class:`FolderWithoutNetwork` for the folder ``path`` given as a network, which is no run folder
    nor holds a checkpoint.h5 (:func:`folder_kind`): a dataset folder; a grid's folder, one of its split
    folders or a folder of grids (its run folders named); an experiment's folder whose runs have not started;
    a report's folder (where the runs it sums up lie, as report writes it by default); a folder of prepared
    datasets. None for another folder."""
    path = pathlib.Path(path)
    found = folder_kind(path)
    if found.kind == "dataset":
        return FolderWithoutNetwork(f"a dataset folder, not a network ({lists_dataset(path)})", dataset=path)
    if found.kind == "runs":
        runs = found.runs
        names = ", ".join(str(run.relative_to(path)) for run in runs[:3]) + (", ..." if len(runs) > 3 else "")
        # report sums up the runs under any folder (a grid's, one of its split folders, train's runs): the hint for a
        # grid's folder alone left `eval GRID/random0` without it
        summary = f"summarize them with `minitransfer report {shlex.quote(str(path))}`"
        held = f"no network but holds {len(runs)} run{'s' if len(runs) > 1 else ''} ({names})"
        # the run to give in its place is one that holds a network, else one that may (its run started): never a
        # grid's run planned, not started yet (its treatment.json alone), which is refused where given
        run = next((run for run in runs if holds_network(run)), None) or \
            next((run for run in runs if not _planned_only(run)), None)
        if run is None:
            trains = " (rerun the experiment command that planned them to train them)" if found.experiment else ""
            return FolderWithoutNetwork(f"{held}, none of which holds a network yet{trains}")
        return FolderWithoutNetwork(held, run=run, summary=summary)
    if found.kind == "experiment":
        return FolderWithoutNetwork("an experiment's folder whose networks have not started training (no run folder "
                                    "in it yet: `minitransfer experiment` trains them into SPLIT/NAME.run), not a "
                                    "network")
    if found.kind == "report":
        runs = sorted(path.parent.glob("*/*.run"))
        summed = f"; the runs it sums up are in {path.parent} (e.g. {runs[0]})" if runs else ""
        return FolderWithoutNetwork(f"a report's folder (the tables and figures `minitransfer report` wrote), not a "
                                    f"network{summed}")
    if found.kind == "datasets":
        held = ", ".join(str(folder) for folder in found.datasets[:3]) + (", ..." if len(found.datasets) > 3 else "")
        return FolderWithoutNetwork(f"a folder of datasets ({held}), not a network", dataset=found.datasets[0])
    return None


def run_folder_around(path):
    """The run folder that the file ``path`` lies in (:func:`minitransfer.rundir.enclosing_run_dir`), named as
    ``path`` names it (``own.run`` for ``own.run/config.json``, not its resolved path) where it can be; None
    where it lies in none."""
    found = rundir.enclosing_run_dir(path)
    if found is None:
        return None
    return next((parent for parent in pathlib.Path(path).parents if parent.resolve() == found), found)


def holds_network(run_folder):
    """Whether the run folder ``run_folder`` holds a network to give in its place: its weights file beside it
    (:func:`minitransfer.rundir.weights_for`) or its checkpoint.h5 (files looked up, not read)."""
    return (run_folder / "checkpoint.h5").is_file() or rundir.weights_for(run_folder).is_file()


def _planned_only(run_folder):
    """Whether ``run_folder`` holds a grid's treatment.json and nothing else: a run the grid planned, not started
    yet (:func:`minitransfer.grid_status.planned_not_started` says so of it); False where it cannot be listed."""
    from minitransfer.experiment import TREATMENT_FILE  # which imports checkpoint.py, which imports this module
    try:
        return {entry.name for entry in os.scandir(run_folder)} == {TREATMENT_FILE}
    except OSError:
        return False


def folder_hint(path):
    """What to give instead of the folder ``path`` (a run folder, as the command line takes it, given
    to the library, which takes files; another folder named as the command line names it:
    :func:`what_folder`), else ""."""
    if not path.is_dir():
        return ""
    if path.suffix == ".run":
        return f": {path} is a run folder; give {_network_of(path)}"
    give = "give a weights file (e.g. baseA.h5) or a checkpoint.h5"
    try:
        what = what_folder(path)
    except OSError:  # a folder this user may not list: said as any folder is
        what = None
    if what is None:
        return f": a folder; {give}"
    if what.run is not None:
        return f": {path} is {what.what}; give one of them, as {_network_of(what.run)}; or {what.summary}"
    return f": {path} is {what.what}; {give}"


def _network_of(run_folder):
    """The files of ``run_folder`` the library takes for its network, in words."""
    return (f"its weights file, {rundir.weights_for(run_folder)} (once its run finished), or its latest checkpoint, "
            f"{run_folder / 'checkpoint.h5'}")


def folder_words(folder):
    """``folder`` as a message names it at the end of a sentence: "the current folder (.)" for ``.``
    (the parent of a bare ``baseA.run``), where a lone "." read as the sentence's full stop."""
    return "the current folder (.)" if pathlib.Path(folder) == pathlib.Path(".") else str(folder)

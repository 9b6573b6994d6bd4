"""Where a run may write its weights, decided before anything is written: not a folder, not a
name that would be its own run directory, not inside the dataset, another run's directory, a
prepared dataset's or a report's folder or the folder of images the dataset (or another dataset in
sight: beside it, or the base's) was imported from, not
the checkpoint it copies from or resumes, and not a file that is no minitransfer checkpoint
(:func:`check_destination`, whatever ``overwrite`` says). Whether the run then continues from a
checkpoint or may replace one is :mod:`minitransfer.resume`.
"""

import itertools
import os
import pathlib

from minitransfer import checkpoint as checkpoints
from minitransfer import path_kinds
from minitransfer.config import folder_as_out
from minitransfer.config_checks import ConfigError
from minitransfer.config_wording import worded
from minitransfer.data import same_origin, shard_format
from minitransfer.experiment import PLAN_FILE
from minitransfer.recorded_config import network_differences
from minitransfer.rundir import enclosing_run_dir, is_run_dir, nearest_above, recorded_path
from minitransfer.stopping import warn


def check_destination(plan):
    """Refuse (:class:`ConfigError`) a weights file ``out`` or run directory that training would
    destroy or could not write, whatever ``overwrite`` says: a directory, a name whose run directory
    would be itself, a run directory that is a file, a path inside the dataset or inside another
    run's directory, another kind's folder (:func:`other_kinds_folder`; only warned of where a run
    directory is there already, holding a run's files, and not overwritten: a resume or a rerun of a
    run trained there before), the checkpoint the run copies from or resumes (or copies from its own
    run directory, which a fresh run empties), or an existing file that is not a minitransfer checkpoint.
    Its messages name the paths as the user gave them (:attr:`minitransfer.config.Plan.named`)."""
    c, named, out, run_dir = plan.config, plan.named, pathlib.Path(plan.config.out), plan.run_dir
    given = f"`out` {linked_out(plan) or c.out}"
    if out.is_dir():
        raise folder_as_out(given, out)
    if str(c.out).endswith((os.sep, f"{os.sep}.")):  # pathlib drops the slash: the weights would be the file `out`
        raise ConfigError(f"{given} names a folder (it ends in {os.sep}); name the weights file in it, "
                          f"e.g. {out / 'net.h5'}")
    if run_dir == out:
        raise ConfigError(f"{given} ends in .run, the suffix of run directories, so it would be its own "
                          f"run directory; name the weights file e.g. {out.with_suffix('.h5')}")
    if run_dir.exists() and not run_dir.is_dir():
        raise ConfigError(f"{run_dir}, the run directory of {out}, is a file; move it away or choose another `out`")
    for what, path in ((given, out), (f"{run_dir}, the run directory of {out},", run_dir)):
        if path.resolve().is_relative_to(pathlib.Path(c.data).resolve()):
            raise ConfigError(f"{what} lies inside the dataset {named.data}; write the weights elsewhere")
    taken = other_kinds_folder(out, plan.dataset.meta, named.data, lambda: visible_datasets(plan))
    if taken is not None:
        folder, what = taken
        folder = next((parent for parent in out.parents if parent.resolve() == folder), folder)  # as given
        instead = f"write the weights beside it instead, e.g. {folder.parent / out.name}"
        if c.overwrite or not is_run_dir(run_dir):  # a fresh run, in a folder merely there (empty) or over its run
            raise ConfigError(f"{given} lies inside {folder}, {what}: {instead}")
        # a resume or a rerun: its run was trained there before this check (refused, it began anew elsewhere)
        warn(worded(f"warning: {given} lies inside {folder}, {what}; its run {run_dir} was trained there before: "
                    f"once it is done, move both out of it ({out.name} and {run_dir.name}), and for the next runs "
                    f"{instead}"))
    host = enclosing_run_dir(out)  # resolved: a folder linked to a run's is that run's, x.run/../y.h5 is beside it
    if host is not None:  # its checkpoint, lock or logs would be replaced, or deleted with it
        instead = (f"write the weights beside it instead, e.g. {host.parent / out.name}" if linked_out(plan) is None
                   else "give another `out`, a file of this run's own")
        raise ConfigError(f"{given} lies inside {host}, the run directory of another run; {instead}")
    for field, read in (("copy_from", c.copy_from), ("resume", None if c.resume == "auto" else c.resume)):
        if read is not None and out.exists() and os.path.exists(read) and os.path.samefile(out, read):
            raise ConfigError(f"{given} is the `{field}` checkpoint {getattr(named, field)}: training would "
                              f"replace what it reads; choose another `out`")
    checkpoint = run_dir / "checkpoint.h5"
    if c.copy_from is not None and (pathlib.Path(c.copy_from).resolve().is_relative_to(run_dir.resolve()) or
                                    checkpoint.exists() and os.path.exists(c.copy_from) and
                                    os.path.samefile(checkpoint, c.copy_from)):
        raise ConfigError(f"`copy_from` {named.copy_from} is a file of {run_dir}, the run directory of {given}: "
                          f"training would delete what it copies; choose another `out`")
    if out.exists() and not checkpoints.is_checkpoint(out):
        copy = c.resume not in (None, "auto")  # a checkpoint file, not a run folder (resumed as 'auto')
        raise ConfigError(f"{given} exists and is not a minitransfer weights file; "
                          f"{_what_replaces_unreadable_out(out, run_dir, named.resume, copy)}")
    _refuse_default_name_taken(plan)


# What a network under a run's default name may differ in alone for the name to be what they share
_NAMED_ALIKE = {"copy_from", "data"}
# What a run's default name is, said after it where two networks take it (:class:`DefaultNameTaken`)
DEFAULT_NAME_TELLS = "the paper's name of the network, which tells neither the base it copies from nor the dataset"


class DefaultNameTaken(ConfigError):
    """A fresh run left to its default name, the paper's name of its network, which a network copied
    from another base or trained on another dataset holds already (:func:`check_destination`): the
    paper's names tell neither, so two transfers across datasets of one study trained by hand in one
    folder (``data`` T, ``copy_from`` baseS.h5, and ``copy_from`` baseT.h5, both on every class of T)
    are both all-X3all.h5. ``out``: that file; ``differ``: how the two differ, in words; ``suggested``:
    a name of this run's own. Its fields are quoted (`out='NAME'`): the command line says them as its
    options (--out NAME, :func:`minitransfer.cli._errors.option_text`), one template for both; the CLI
    re-worded it whole before, and both said "a base trained on every class is X in it", which told
    nobody why two networks shared a name."""

    def __init__(self, out, differ, suggested):
        self.out, self.differ, self.suggested = out, differ, suggested
        super().__init__(f"{out} holds another network than this run trains ({differ}): without `out` both take "
                         f"the default name {pathlib.Path(out).name}, {DEFAULT_NAME_TELLS} it trains on; give this "
                         f"one a name of its own, e.g. `out='{suggested}'`, or replace that one (`overwrite=True`)")


def _refuse_default_name_taken(plan):
    """Refuse (:class:`DefaultNameTaken`) a fresh run whose default name ``out`` holds a network that
    differs from this run's only in the base it copied from or the dataset it trained on (another
    precision aside, which the run would not continue anyway); a network that differs otherwise, or
    none recorded, is left to :func:`minitransfer.resume.refuse_to_overwrite`."""
    c, out = plan.config, pathlib.Path(plan.config.out)
    if "out" not in plan.unset or c.resume is not None or c.overwrite or not out.is_file():
        return
    differ, recorded = network_differences(out, plan)
    if not differ or not set(differ) <= _NAMED_ALIKE:
        return
    own = _told_apart(c.copy_from, recorded.get("copy_from"), "stem") if "copy_from" in differ \
        else _told_apart(c.data, recorded.get("data"), "name")
    raise DefaultNameTaken(out, ", ".join(differ.values()), f"{out.stem}-{own}{out.suffix}")


def _told_apart(path, theirs, part):
    """What tells the base or dataset ``path`` apart from ``theirs``, the one the network holding the
    default name was trained from: its ``part`` ("stem" of a base's file: "baseA"; "name" of a
    dataset's folder), with its folder's name before it where both are the same ("hand-baseA": two
    bases baseA.h5, or two datasets T, in two folders; before, the name suggested was the same for both)."""
    mine = pathlib.Path(path)
    own = getattr(mine, part)
    if not theirs or getattr(pathlib.Path(theirs), part) != own:
        return own
    folder = mine.resolve().parent.name
    return f"{folder}-{own}" if folder else own


def other_kinds_folder(out, data_meta=None, data_named=None, datasets=tuple):
    """(folder, what it is in words) where the weights file ``out`` would lie in another kind's folder,
    the nearest along ``out`` resolved (where it lands), else None. Another kind's: a prepared
    dataset's (:func:`minitransfer.path_kinds.dataset_folder_above`: a report passes datasets by, so
    the run was in no report, and ``report DATASET`` said no run folder was in it); a report's
    (:func:`minitransfer.path_kinds.report_folder_above`: remade or deleted as a whole, and the next
    report of the folder above read the run as one it sums up), unless a grid's folder lies between
    (a report written above a grid: the grid's own runs train on) or it directly holds run folders (a
    folder of runs, which ``report RUNS -o RUNS`` wrote its tables into: its runs train on); or the
    folder of images the dataset trained on was imported from by ``prepare folder`` (``data_meta``:
    its meta.json, ``data_named``: its folder as given), whose next import took the run's folder as
    a class, where meta.json records it absolute (an older version recorded it relative to the folder
    prepare ran in, unknown here), or the folder of images of another dataset the run can see
    (``datasets``: a function giving their folders, :func:`visible_datasets`, asked only where the
    checks before it find nothing: it lists folders and reads meta.json files). A grid's folder (its
    experiment.json) is no other kind's: its runs train in it, under SPLIT/NAME.h5, and a run trained
    by hand there is pooled with them as designed. The image folders of datasets out of sight are not
    known here (nothing in them says they were imported)."""
    dataset = path_kinds.dataset_folder_above(pathlib.Path(out).parent)
    if dataset is not None:
        return dataset, ("a prepared dataset's folder (prepare wrote it; a report passes datasets by, so it would "
                         "read no run there)")
    others = ((same_origin.read_record(folder / shard_format.META_FILE), folder) for folder in datasets())
    for meta, named in itertools.chain([(data_meta, data_named)], others):
        images = _image_source(meta)
        if images is not None and pathlib.Path(out).resolve().is_relative_to(images):
            return images, (f"the folder of images the dataset {named} was imported from (prepare folder), "
                            f"whose next import would read the run's files as images of a class")
    report = path_kinds.report_folder_above(out)
    grid = nearest_above(out, lambda folder: (folder / PLAN_FILE).is_file(), itself=False)
    if report is not None and (grid is None or not grid.is_relative_to(report)) and not _holds_runs(report):
        return report, ("a report's folder (the tables and figures `minitransfer report` wrote), the output of a "
                        "report, which is remade or deleted as a whole")
    return None


def visible_datasets(plan):
    """The prepared datasets a run can see besides its own (:func:`other_kinds_folder` refuses the folders
    of images they were imported from): those beside its dataset (a folder of datasets) and, for a
    transfer, its base's dataset and those beside it, as the base's checkpoint records its folder."""
    own = pathlib.Path(plan.config.data).resolve()
    places = [own]
    base = plan.parent.meta.get("config", {}).get("data") if plan.parent is not None else None
    if isinstance(base, str) and os.path.isabs(base):
        places.append(pathlib.Path(recorded_path(base)))
    seen = [place for place in places[1:] if (place / shard_format.META_FILE).is_file()]
    for place in places:
        try:
            seen += path_kinds.datasets_in(place.parent)
        except OSError:  # a folder that cannot be listed: its datasets are out of sight
            continue
    return list(dict.fromkeys(folder for folder in seen if folder.resolve() != own))


def _image_source(meta):
    """The folder of images (resolved) that a dataset of meta.json ``meta`` was imported from by
    ``prepare folder``, where recorded absolute; else None."""
    source = meta.get("source") if isinstance(meta, dict) else None
    if isinstance(source, dict) and source.get("kind") == "folder" and isinstance(source.get("path"), str) and \
            os.path.isabs(source["path"]):
        return pathlib.Path(recorded_path(source["path"])).resolve()  # as its locale read it, or as UTF-8
    return None


def _holds_runs(folder):
    """Whether ``folder`` directly holds a run folder (:func:`minitransfer.rundir.is_run_dir`): a folder of
    runs, which ``report RUNS -o RUNS`` may write its tables into (report takes it), not a report's own."""
    return any(is_run_dir(entry) for entry in folder.glob("*.run"))


def linked_out(plan):
    """"L.h5 (a link to /runs/baseA.run/checkpoint.h5)": `out` as its user gave it where it is a
    symbolic link, which the run follows (:func:`minitransfer.train.train`), with the file it leads
    to, for the messages that name it; None where it is no link (named as it is)."""
    given, out = plan.named.out, plan.config.out
    return None if given is None or given == out else f"{given} (a link to {out})"


def _what_replaces_unreadable_out(out, run_dir, resume, copy):
    """What to do with ``out``, which is no weights file (:func:`check_destination`), as its run in
    ``run_dir`` stands: finished (its checkpoint at its max_iter), the weights it wrote there were cut
    short (a full disk, a copy stopped) and are written again from that checkpoint; finished with its
    checkpoint deleted, the run trains again; unfinished, it continues; without a run, the file is
    another's, which training would replace. ``resume``: the run's `resume` as the user gave it
    (:attr:`minitransfer.config.Plan.named`), which the rerun advised keeps: a run folder (`resume='auto'`
    alone continued the run of the default `out`), or, ``copy``, a checkpoint file the run continues from,
    whatever its checkpoint.h5 holds (`resume='auto'` continued that, the copy never trained on)."""
    again = f"`resume={resume or 'auto'!r}`"
    checkpoint, rerun = run_dir / "checkpoint.h5", f"delete {out} and rerun with {again}"
    if copy and is_run_dir(run_dir):
        return (f"its run continues from the checkpoint {resume}, which writes its weights anew: move it away and "
                f"rerun with {again}, or choose another `out`")
    try:
        meta = checkpoints.read_meta(checkpoint) if checkpoint.is_file() else None
    except (checkpoints.CheckpointError, OSError):
        meta = None
    if meta is not None and meta["iteration"] == meta["config"].get("max_iter"):
        return (f"its run is finished (its checkpoint at iteration {meta['iteration']}, its last); {rerun}: "
                f"it is written again from {checkpoint}")
    if meta is not None:
        return (f"its run is not finished (its checkpoint {checkpoint} is at iteration {meta['iteration']} of "
                f"{meta['config'].get('max_iter')}), so the file is not its weights: move it away and rerun with "
                f"{again} to continue the run, or choose another `out`")
    if (run_dir / "result.json").is_file() and not checkpoint.exists():
        return (f"its run is finished, but its checkpoint was deleted, so its weights cannot be written again: "
                f"{rerun} to train the run again from the start (what it trained is lost), or move the file away "
                f"if it is not those weights")
    return "training would replace it: choose another `out` or move the file away"

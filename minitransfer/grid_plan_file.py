"""Writing a grid's plan: ``OUT/experiment.json`` and each run's ``treatment.json``
(:func:`write_plan`), the run records the plan holds (:func:`planned_records`) and its options as a
digest (:func:`options_fingerprint`). How a grid checks the plan a folder already holds is
:mod:`minitransfer.grid_plan`.
"""

import errno
import hashlib
import json
import os
import pathlib

import numpy as np

from minitransfer import fileio
from minitransfer.data import inputs
from minitransfer.experiment import PLAN_FILE, PLAN_ID, SLURM_SCRIPTS, TREATMENT_FILE, counted, run_dir
from minitransfer.rundir import recorded_path

def write_plan(out, runs, options, train_command, progress=None):
    """``OUT/experiment.json`` and each run's ``treatment.json`` (the report reads them). The runs an
    earlier grid listed in ``OUT/experiment.json`` stay listed after this grid's (more seeds or layers
    added to the folder: trained with the same options, :func:`minitransfer.grid_check.check_others`).
    Called holding :class:`minitransfer.grid_folder.GridLock`: no other grid reads and writes the plan
    meanwhile, so neither's runs are lost from it, and a temporary of it a killed grid left is removed.
    A file that already says what it would is left alone: a rerun writes (and syncs) nothing.
    ``progress``: told how far the writing has got (:func:`minitransfer.experiment.counted`). The folder
    of SLURM scripts the plan there records stays recorded where this plan has its id (the same grid
    again: its scripts still submit this plan's runs); a new one is recorded by
    :func:`record_slurm_scripts`, once they are written. Returns the plan's id
    (:data:`minitransfer.experiment.PLAN_ID`, :func:`minitransfer.grid_plan.plan_id`), which it records too."""
    from minitransfer.grid_plan import plan_id, text_of  # which imports this module

    out = pathlib.Path(out)
    check_run_folders(out, runs)  # before the plan is written: a plan whose runs cannot start
    out.mkdir(parents=True, exist_ok=True)
    fileio.remove_stale_temporaries(out, names=(PLAN_FILE,))
    recorded = read_plan(out)  # the plan there, read once: its id, its runs and its scripts are taken from it
    listed = [run.to_json() for run in runs]
    names = {run.name for run in runs}
    identity = plan_id(runs, out, options, recorded)
    plan = {"format": "minitransfer-experiment", "format_version": 1, PLAN_ID: identity,
            "options": _in_utf8(options),  # the same text in every locale: a rerun in another writes nothing
            "train_command": _in_utf8(list(train_command)),  # likewise: Python's path may hold any name
            "runs": listed + [record for record in records_of(recorded) if record.get("name") not in names]}
    scripts = text_of(recorded, SLURM_SCRIPTS)
    if scripts is not None and text_of(recorded, PLAN_ID) == identity:
        plan[SLURM_SCRIPTS] = inputs.fs_text(scripts)  # read_plan gave this locale's name of it
    fileio.write_text(out / PLAN_FILE, json.dumps(plan, indent=2, default=_plain) + "\n", keep_same=True)
    for run in counted(runs, f"writing the plan into {out}", progress):
        folder = run_dir(out, run)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:  # a disk out of inodes: told as a file that cannot be written, with what to do
            raise _file_in_the_way(out, folder, error) or fileio.storage_error(folder, error) from error
        fileio.write_text(folder / TREATMENT_FILE, json.dumps(run.to_json(), indent=2) + "\n", keep_same=True)
    return identity


def record_slurm_scripts(out, slurm_dir):
    """Record ``slurm_dir`` in ``OUT/experiment.json`` (:data:`minitransfer.experiment.SLURM_SCRIPTS`) as
    the folder of the SLURM scripts written for its plan: called once they are all written
    (:func:`minitransfer.slurm.emit_slurm`), so that an emission cut short (Ctrl-C, SIGTERM) leaves no
    plan naming scripts it never wrote. Called holding :class:`minitransfer.grid_folder.GridLock`, as
    :func:`write_plan`."""
    path = pathlib.Path(out) / PLAN_FILE
    plan = fileio.parse_json(path.read_text())
    plan[SLURM_SCRIPTS] = inputs.fs_text(os.fspath(slurm_dir))  # UTF-8 text in every locale, as the options
    fileio.write_text(path, json.dumps(plan, indent=2, default=_plain) + "\n", keep_same=True)


def check_run_folders(out, runs):
    """Raise the StorageError of :func:`_file_in_the_way` for the first run of ``runs`` whose folder (or
    a folder above it, in ``out``) cannot be made: something that is no folder is in its way. Checked
    before the plan is written (so that a refused grid leaves no plan behind) and by a dry run, which
    listed such a run as to do, where the grid refused it."""
    for run in runs:
        folder = run_dir(out, run)
        error = _file_in_the_way(out, folder, OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR)))
        if error is not None:
            raise error


def _file_in_the_way(out, folder, error):
    """The StorageError naming what is no folder where run ``folder`` (in ``out``) or a folder above it
    belongs (a file put there by hand), and what to do; None for another ``error``. Before, "cannot
    write OUT/random0/baseA.run: File exists" left the reader to find out why."""
    above = [out / part for part in reversed(folder.relative_to(out).parents)][1:]  # OUT itself checked before
    for path in (*above, folder):
        if (path.exists() and not path.is_dir()) or (path.is_symlink() and not path.exists()):
            return fileio.StorageError(error.errno, f"cannot make the run folder {folder}: {path} is in its way, "
                                                    f"and is no folder; move it away, then rerun")
    return None


def options_fingerprint(options):
    """A plan's options as a short hex digest, the same for the same options in any order, and in any locale:
    a path is digested as its bytes spell it in UTF-8 (:func:`minitransfer.data.inputs.fs_text`), where the
    same grid on --data données got one id under LC_ALL=C (PYTHONUTF8=0), another under a UTF-8 locale."""
    return hashlib.sha256(json.dumps(_in_utf8(options), sort_keys=True, default=_plain).encode()).hexdigest()[:16]


def _in_utf8(value):
    """``value`` with every text and path as :func:`minitransfer.data.inputs.fs_text` reads it."""
    if isinstance(value, (str, os.PathLike)):
        return inputs.fs_text(os.fspath(value))
    if isinstance(value, dict):
        return {_in_utf8(key): _in_utf8(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_in_utf8(item) for item in value]
    return value


def _in_names(value):
    """``value`` read from a plan's options, :func:`_in_utf8`'s inverse: every text as the name this locale
    lists (:func:`minitransfer.rundir.recorded_path`), so that a path recorded opens, and a rerun compares the
    options given with the same spelling of them, whichever locale wrote the plan (an earlier version wrote
    them as the locale read them: "donn\\udcc3\\udca9es" under LC_ALL=C, PYTHONUTF8=0, read back alike)."""
    if isinstance(value, str):
        return recorded_path(value)
    if isinstance(value, dict):
        return {key: _in_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_in_names(item) for item in value]
    return value


def _plain(value):
    """What JSON records of an option value a notebook passes: a path (pathlib.Path) as its text, a
    NumPy number (a swept np.int64 or np.float64) as the Python number."""
    if isinstance(value, np.generic):
        return value.item()
    return os.fspath(value)


def read_plan(out):
    """The plan ``OUT/experiment.json`` holds, parsed (a dict); None without a readable one."""
    return plan_and_fault(out)[0]


def plan_and_fault(out):
    """(the plan ``OUT/experiment.json`` holds, parsed, None), or (None, why it cannot be read: None where
    there is none): for a caller that needs both, from one read (:func:`read_plan` the plan alone)."""
    path = pathlib.Path(out) / PLAN_FILE
    try:
        plan = fileio.parse_json(path.read_text())
    except FileNotFoundError:
        return None, None
    except OSError as error:
        return None, error.strerror or str(error)
    except ValueError:
        return None, "not valid JSON: empty, truncated or corrupt"
    if not isinstance(plan, dict):
        return None, "not a JSON object"
    if isinstance(plan.get("options"), dict):  # recorded as UTF-8 text (write_plan): read as names to open
        plan["options"] = _in_names(plan["options"])
    if isinstance(plan.get(SLURM_SCRIPTS), str):  # likewise (record_slurm_scripts)
        plan[SLURM_SCRIPTS] = recorded_path(plan[SLURM_SCRIPTS])
    return plan, None


def planned_records(out):
    """The run records of the plan ``OUT/experiment.json`` holds (:func:`records_of`)."""
    return records_of(read_plan(out))


def records_of(plan):
    """The run records of the parsed ``plan`` (:func:`read_plan`; [] for None, or without a list of runs; a
    record without a name as text, hand-edited, is left out)."""
    runs = plan.get("runs") if plan is not None else None
    if not isinstance(runs, list):
        return []
    return [record for record in runs if isinstance(record, dict) and isinstance(record.get("name"), str)]

"""The grid as SLURM job arrays (``minitransfer experiment --emit-slurm DIR``).

:func:`emit_slurm` writes three scripts into DIR and runs nothing:

``bases.sh``      one array task per run without a parent (bases, random-weights and reduced-data runs);
``transfers.sh``  one array task per run copying from a base (selffers and transfers);
``submit.sh``     submits them: the unfinished bases as one job array, then, for each base, its unfinished
                  transfers as one job array with ``--dependency=afterok:<bases job>_<base's task>``
                  (each array numbered from 0, of at most SLURM's MaxArraySize tasks: more are split);
                  ``submit.sh --dry-run``, on a login node (it asks SLURM where its commands are installed,
                  and fails where its controller does not answer; off the cluster, the emit step's summary is
                  the preview), prints the sbatch commands it would run now (new jobs' ids as JOB1,
                  JOB2, ...), the tasks it would cancel, each task's ``#SBATCH`` lines and where the logs go,
                  checks them with ``sbatch --test-only`` (exit 1 where it refuses one: a partition that does
                  not exist), and submits, cancels and records nothing
                  (:func:`~minitransfer.slurm_preview.describe_scripts`: the same at emission, for the whole plan).

DIR may hold other files, but a file of those three names that these scripts did not write (a
``submit.sh`` of the user's own) is not replaced. Refused as well (:class:`~minitransfer.config.ConfigError`):
a DIR whose path holds a backslash, where SLURM fails to launch the jobs (``JobLaunchFailure``, no log
written; a ``%`` or a quote is fine), a line break in any ``#SBATCH`` line (DIR, ``gres``,
``partition``, ``time_limit``, ``sbatch_options``), and an sbatch option followed by two words of no
option, which sbatch refuses (``--comment two words --exclusive``; a long option given alone with a
blank before its value, ``--comment two words``, is written ``--comment="two words"``), an sbatch option
sbatch 22.05 refuses whatever the cluster (one of no value given one, ``--hold=x``; one of a value given
none, ``--comment`` or ``-J`` last; a prefix of several, ``--tim=3``; a word of no option, ``-H x``, ``mem=4G``;
:func:`~minitransfer.slurm_sbatch._check_sbatch_reads`: one it does not take, a later sbatch's, is
written), and a ``--time``
or ``--signal`` in ``sbatch_options``, which the scripts set themselves (the time limit is
``time_limit``; :func:`~minitransfer.slurm_sbatch.check_not_the_scripts_own`), and a ``--clusters`` (``-M``)
there, which sends the jobs to another cluster, whose queue ``submit.sh`` does not see, and one that
overrides what the tasks rely on, as ``submit.sh`` refuses the input variable of that meaning:
``--no-requeue``, ``--output``, ``--error``, an ``--open-mode`` other than append, ``--wait``, an ``--export``
giving srun's variables a value; and a ``time_limit`` sbatch does not read (``"4h"``: the accepted forms
named). An ``--export`` of NONE, or of names without ALL, is warned of (``progress``): the tasks get
SLURM's login environment only, without the modules loaded in the submitting shell. The three
are replaced as one set: all written to temporaries before any is renamed, so a failed write (a full
disk) leaves the old set whole; each holds the id of its set, which ``submit.sh`` checks in the array
scripts it submits (exit 2 on scripts of different sets, and on an array script whose tasks' runs and train
commands are not those it holds as emitted: edited by hand, its ``#SBATCH`` lines aside) and passes to
each task, which checks it too.
OUT's plan is written before the scripts, and names their folder only once all are written: an emission
cut short (Ctrl-C, SIGTERM) leaves no plan naming scripts it never wrote, and the same command again
finishes it.
Where the train command imports minitransfer (no ``minitransfer`` script beside the Python: a source
checkout), the tasks put the folder holding the package first on ``PYTHONPATH``.

Resources: ``--device cpu`` requests no GPU and trains with ``--device cpu``; ``cuda`` and ``auto``
request ``--gres=gpu:1`` (or the given ``gres``) and train with ``--device cuda``.

The parts, one idea each: :mod:`minitransfer.slurm_plan` (the scripts' names and their checks of
OUT's plan), :mod:`minitransfer.slurm_sbatch` (the ``#SBATCH`` lines),
:mod:`minitransfer.slurm_sbatch_words` (how sbatch reads an option's words), :mod:`minitransfer.slurm_time`
(the time limit, the SIGTERM before it, and ``submit.sh``'s checks of the limit the tasks get),
:mod:`minitransfer.slurm_array` (the array scripts' tasks), :mod:`minitransfer.slurm_tasks` (each task's run
and train command, and ``submit.sh``'s refusal of edited ones), :mod:`minitransfer.slurm_task_failure` (what a
failed task says), :mod:`minitransfer.slurm_finished` (which runs they count finished, or lost),
:mod:`minitransfer.slurm_submit` (``submit.sh``), :mod:`minitransfer.slurm_submit_checks` (what ``submit.sh``
refuses before it queues anything), :mod:`minitransfer.slurm_submit_environment` (its checks of the
environment it submits from) and :mod:`minitransfer.slurm_preview` (what the scripts submit, said at emission).
"""

import contextlib
import hashlib
import os
import pathlib
import re
import shlex
import tempfile

from minitransfer import config, file_owners, fileio, models, stopping
from minitransfer import experiment as grid
from minitransfer.experiment import SLURM_SCRIPTS
from minitransfer.grid_options import expanded_options
from minitransfer.grid_plan import replaced_plan, text_of
from minitransfer.grid_plan_file import read_plan, record_slurm_scripts, write_plan
from minitransfer.home_paths import expanded
from minitransfer.slurm_array import array_script
from minitransfer.slurm_plan import BASES_FILE, HEADER, SUBMIT_FILE, SUBMITTED_FILE, TRANSFERS_FILE
from minitransfer.slurm_preview import describe_scripts
from minitransfer.slurm_sbatch import check_one_line, shared_sbatch_lines
from minitransfer.slurm_finished import lost_notes
from minitransfer.slurm_submit import submit_script
from minitransfer.slurm_tasks import task_lines
from minitransfer.slurm_time import parse_time_limit, signal_margin

__all__ = ["emit_slurm", "describe_scripts", "parse_time_limit", "signal_margin", "SUBMIT_FILE", "BASES_FILE",
           "TRANSFERS_FILE", "SUBMITTED_FILE", "DEFAULT_GPU_GRES"]

DEFAULT_GPU_GRES = "gpu:1"


def emit_slurm(runs, out, slurm_dir, options, train_command=None, gres=None, partition=None, time_limit=None,
               sbatch_options=(), progress=None, states=None):
    """Write ``bases.sh``, ``transfers.sh`` and ``submit.sh`` into ``slurm_dir`` (and the plan into
    ``out``) instead of running anything; returns the path of ``submit.sh``.

    ``options``: train options shared by every run (see :func:`minitransfer.experiment.train_arguments`);
    its "device" (cpu, cuda or auto) chooses the resources: cpu trains on the CPU and requests no GPU,
    cuda and auto train with ``--device cuda`` and request ``gres`` (default ``gpu:1``). ``gres``,
    ``partition``, ``time_limit`` (e.g. ``"2-00:00:00"``) and ``sbatch_options`` (extra ``#SBATCH``
    lines, e.g. ``("--account=lab",)``) go into both array scripts. ``progress``: told how far the
    writing of a large plan has got (:func:`minitransfer.experiment.counted`), given a note when
    this plan replaces one of other options (:func:`minitransfer.grid_plan.replaced_plan`), one for each
    finished run whose result.json is lost, which ``submit.sh`` will not submit
    (:func:`~minitransfer.slurm_finished.lost_notes`), and a
    warning for an ``--export`` of ``sbatch_options`` that leaves the submitting shell's environment
    out (:func:`~minitransfer.slurm_sbatch.login_environment_warning`; without ``progress``, said by
    :func:`minitransfer.stopping.warn`, on stderr). ``states``: the
    :class:`~minitransfer.grid_status.RunStates` of the caller's checks of ``out``
    (:class:`minitransfer.grid_check.PlannedConfigs`), which read each result.json once (None: read again).

    Example::

        emit_slurm(plan_grid(layers=(1, 3)), "grid", "slurm", {"data": "imagenet", "device": "cuda"},
                   partition="gpu", time_limit="2-00:00:00")   # then: bash slurm/submit.sh
    """
    out, options = pathlib.Path(expanded(out)).resolve(), expanded_options(options)  # "~": a library call's
    slurm_dir = pathlib.Path(expanded(slurm_dir)).resolve()
    if "\\" in str(slurm_dir):
        raise config.ConfigError(f"{slurm_dir}: SLURM fails to launch the jobs of scripts in a folder whose path holds "
                                 f"a backslash (JobLaunchFailure, without a log); choose another folder for them")
    check_one_line(f"--output={slurm_dir / 'logs'}")
    train_command = list(train_command or grid.default_train_command())
    device = "cpu" if options.get("device") == "cpu" else "cuda"
    options = dict(options, device=device)
    bases = [run for run in runs if run.parent is None]
    base_index = {run.name: index for index, run in enumerate(bases)}
    # grouped by base: submit.sh numbers each base's transfers from 0, as their index less its first's
    transfers = sorted((run for run in runs if run.parent is not None), key=lambda run: base_index.get(run.parent, -1))
    missing = sorted({run.parent for run in transfers} - set(base_index))
    if missing:
        raise ValueError(f"emit_slurm: transfers copy from {', '.join(missing)}, which the plan does not train")
    if gres is None and device == "cuda":
        gres = DEFAULT_GPU_GRES
    header, warnings, partitions = shared_sbatch_lines(gres, partition, time_limit, sbatch_options)
    names = [SUBMIT_FILE] + [BASES_FILE] * bool(bases) + [TRANSFERS_FILE] * bool(transfers)
    foreign = [str(slurm_dir / name) for name in names if not _replaceable(slurm_dir / name)]
    if foreign:
        raise config.ConfigError(f"not replacing {', '.join(foreign)}, which --emit-slurm did not write: choose "
                                 f"another folder for the SLURM scripts, or move the file away")
    other = _grid_of_scripts(slurm_dir, out)
    if other is not None:
        raise config.ConfigError(f"not replacing the SLURM scripts in {slurm_dir}: they are those of the grid {other} "
                                 f"(its experiment.json names them; {_tasks_of_scripts(slurm_dir)}): choose another "
                                 f"folder for the scripts of {out}")
    replaced = replaced_plan(runs, out, options, slurm_dir)
    if replaced and progress is not None:
        progress(f"note: {replaced}")
    for note in lost_notes(runs, out, states) if progress is not None else ():  # submit.sh says it too, as it submits
        progress(note)
    for warning in warnings:  # said on stderr for a caller not told of progress, as warnings of the library are
        (progress or stopping.warn)(f"warning: {warning}")
    _make_writable_folder(slurm_dir)
    # the plan first, then the scripts, then the plan names them: cut short (Ctrl-C, SIGTERM) before the
    # end, it names none it did not name before (those of the same plan, which still submit its runs), and
    # scripts left of an earlier set submit nothing of another plan (plan_check); the same command again
    # finishes it
    plan = write_plan(out, runs, options, train_command, progress)
    python_path = _source_checkout(train_command)
    # the code registering a preset of one's own (models.register), for the tasks' train commands to run it
    preset_sources = models.preset_sources()
    margin = signal_margin(time_limit)
    # the partition limit submit.sh checks: the DefaultTime a job gets without --time; with 0 or UNLIMITED, or a
    # --time, the MaxTime it must not exceed (SLURM leaves a job asking for more than its partition's MaxTime PENDING)
    scripts_limit = "DefaultTime" if time_limit is None else "UNLIMITED" if parse_time_limit(time_limit) is None \
        else time_limit
    # each task's run and train command, in its array script and in submit.sh, which checks them there
    checker = _data_checker(train_command, options)  # before anything is written: the dataset as it is now
    parents = {}  # each base whose task its transfers' wait for -> those transfers
    for run in transfers:
        parents.setdefault(run.parent, []).append(run.name)
    tasks = {name: task_lines(its_runs, out, options, train_command)
             for name, its_runs in ((BASES_FILE, bases), (TRANSFERS_FILE, transfers)) if its_runs}

    def scripts(scripts_id):
        texts = {SUBMIT_FILE: submit_script(out, slurm_dir, plan, bases, transfers, base_index, scripts_id, margin,
                                            partitions, scripts_limit, tasks, checker,
                                            _package_folder() if _ours(train_command) else None,
                                            options.get("preset"))}
        for name, stage in ((BASES_FILE, "bases"), (TRANSFERS_FILE, "transfers")):
            if name in tasks:
                texts[name] = array_script(stage, tasks[name], out, slurm_dir, plan, header, scripts_id, python_path,
                                           margin, waited_for=parents if name == BASES_FILE else {},
                                           preset_sources=preset_sources)
        return texts

    # the id of this set of scripts, which submit.sh and each task check: a set mixed by an emission cut
    # short (a rename that failed) is refused, not submitted with one script's array indices for another's
    unmarked = scripts("")
    scripts_id = hashlib.sha256("\0".join(unmarked.values()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    written = scripts(scripts_id)
    _replace_all(slurm_dir, written)
    for name in (BASES_FILE, TRANSFERS_FILE):  # an array script of an earlier set, which this plan has no runs for
        if name not in written and os.path.lexists(slurm_dir / name) and _replaceable(slurm_dir / name):
            with contextlib.suppress(FileNotFoundError):
                (slurm_dir / name).unlink()
    record_slurm_scripts(out, slurm_dir)
    return slurm_dir / SUBMIT_FILE


def _make_writable_folder(slurm_dir):
    """Make ``slurm_dir`` and its ``logs`` folder, and try a (nameless) file there; a
    :class:`~minitransfer.fileio.StorageError` naming the folder where that fails (a read-only file
    system, a folder of another user's); a :class:`~minitransfer.config.ConfigError` where ``logs`` is
    there but no folder (a file of the user's: mkdir said "File exists" of a folder it could write)."""
    logs = slurm_dir / "logs"
    if os.path.lexists(logs) and not logs.is_dir():
        raise config.ConfigError(f"{logs} is there but is no folder: the tasks' output goes into a folder of that "
                                 f"name; move it away, or choose another folder for the SLURM scripts; nothing was "
                                 f"written")
    try:
        logs.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=slurm_dir):
            pass
    except OSError as error:
        raise fileio.StorageError(error.errno, f"cannot write the SLURM scripts into {slurm_dir} "
                                               f"({error.strerror or error}): choose a folder this process can write "
                                               f"for them (--emit-slurm); nothing was written") from None


def _source_checkout(train_command):
    """The folder to put on ``PYTHONPATH`` for ``python -m minitransfer`` as the train command (the default
    where no ``minitransfer`` script sits beside this Python): the one holding this package, as the
    task runs in the scripts' folder, from which a source checkout's package is not found; None for a
    command that runs a program of its own."""
    return _package_folder() if _runs_this_module(train_command) else None


def _data_checker(train_command, options):
    """The folder holding this package, whose Python ``submit.sh`` has check the datasets as minitransfer's
    train reads them (:mod:`minitransfer.slurm_dataset`), where ``train_command`` is minitransfer's own train
    (the installed script, or ``python -m minitransfer``) and the dataset of ``options`` is a folder here, as the
    command line's emission has checked it: one missing or damaged since is refused before anything is queued.
    None for another program's train, which reads the data its own way, and for scripts written for a path this
    machine does not have (another's), left to the tasks as before."""
    return _package_folder() if _ours(train_command) and os.path.isdir(str(options.get("data", ""))) else None


def _ours(train_command):
    """Whether ``train_command`` is minitransfer's own train (the installed script, or ``python -m minitransfer``),
    whose checkpoints ``submit.sh`` may judge (:mod:`minitransfer.slurm_unresumable`)."""
    return _runs_this_module(train_command) or pathlib.Path(train_command[0]).name == "minitransfer"


def _runs_this_module(train_command):
    """Whether ``train_command`` is ``python -m minitransfer``."""
    return train_command[1:3] == ["-m", "minitransfer"]


def _package_folder():
    """The folder holding this package (a source checkout's, or site-packages)."""
    return pathlib.Path(__file__).resolve().parent.parent


def _replace_all(slurm_dir, scripts):
    """Write ``scripts`` (file name -> text) into ``slurm_dir``: all written to temporaries first, then
    renamed into place, submit.sh last; a write that fails (a full disk) leaves the old set whole,
    never a new submit.sh beside old array scripts. Paths as the bytes they are (UTF-8 or not)."""
    mode = file_owners.executable_mode()  # the umask's: a folder a group shares keeps the scripts the group's
    with contextlib.ExitStack() as renames:  # renamed as it unwinds: last entered first
        for name, text in scripts.items():
            data = os.fsencode(text)
            temporary = renames.enter_context(fileio.atomic_path(slurm_dir / name, size=len(data)))
            temporary.write_bytes(data)
            temporary.chmod(mode)
            fileio.fsync_path(temporary)  # all on disk before the first rename


def _grid_of_scripts(slurm_dir, out):
    """The grid folder other than ``out`` whose submit.sh is in ``slurm_dir`` and whose experiment.json still names
    ``slurm_dir`` as its scripts' folder, or None. Emitted over them, another grid's scripts were replaced without a
    word: its queued tasks' messages named the new submit.sh, which called them "of another plan" to cancel."""
    try:
        with open(slurm_dir / SUBMIT_FILE, errors="replace") as script:
            found = re.search(r"^out=(.*)$", script.read(), re.MULTILINE) if _replaceable(script.name) else None
        words = shlex.split(found.group(1)) if found else []
    except (OSError, ValueError):  # none there, or not one --emit-slurm wrote (refused as such)
        return None
    if len(words) != 1 or os.path.realpath(words[0]) == str(out):
        return None
    recorded = text_of(read_plan(words[0]), SLURM_SCRIPTS)
    return words[0] if recorded is not None and os.path.realpath(recorded) == str(slurm_dir) else None


def _tasks_of_scripts(slurm_dir):
    """What the submissions of the scripts in ``slurm_dir`` left queued, as its ``submitted.txt`` lists them: said
    where another grid's emission is refused. It said "its tasks may still be queued, as submitted.txt lists them"
    of scripts never submitted, that file absent."""
    submitted = slurm_dir / SUBMITTED_FILE
    try:
        listed = submitted.stat().st_size > 0
    except OSError:  # none: never submitted
        listed = False
    if listed:
        return f"its tasks may still be queued, as {submitted} lists them, and their messages name its submit.sh"
    return f"none of its tasks is listed in {submitted}, but its submit.sh, run later, would submit that grid's runs"


def _replaceable(path):
    """Whether ``path`` is absent or a script written by :func:`emit_slurm` (it begins with :data:`HEADER`)."""
    if not os.path.lexists(path):
        return True
    try:
        with open(path, "rb") as script:
            return script.read(len(HEADER.encode())) == HEADER.encode()
    except OSError:  # a folder of that name, a dangling link, a file this user may not read
        return False

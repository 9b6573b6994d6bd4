"""The grid as SLURM job arrays (``minitransfer experiment --emit-slurm DIR``).

:func:`emit_slurm` writes three scripts into DIR and runs nothing:

``bases.sh``      one array task per run without a parent (bases, random-weights and reduced-data runs);
``transfers.sh``  one array task per run copying from a base (selffers and transfers);
``submit.sh``     submits them: the unfinished bases as one job array, then, for each base, its unfinished
                  transfers as one job array with ``--dependency=afterok:<bases job>_<base's task>``;
                  ``submit.sh --dry-run`` prints the sbatch commands it would run now (new jobs' ids as JOB1,
                  JOB2, ...), the tasks it would cancel, each task's ``#SBATCH`` lines and where the logs go,
                  checks them with ``sbatch --test-only`` (exit 1 where it refuses one: a partition that does
                  not exist), and submits, cancels and records nothing (:func:`describe_scripts`: the same at
                  emission, for the whole plan).

SLURM cannot give the tasks of one array different dependencies, hence one transfers array per base:
each transfer waits for its own base only, and a failing base leaves its own transfers pending with
reason ``DependencyNeverSatisfied`` while the others go on. A run is finished when ``OUT/<run>.h5``
and ``OUT/<run>.run/result.json`` exist. ``submit.sh`` may be rerun at any time (after sbatch failed
midway, a base failed and was fixed, a job was cancelled or ran out of time): it submits the runs
that are neither finished nor still listed by SLURM from an earlier submission of this plan
(``submitted.txt`` records which run each array task trains, and for which plan), a transfer after
its base's task, new or listed (none once the base is finished); it cancels the tasks stuck with
``DependencyNeverSatisfied`` and submits them again, and refuses while another ``submit.sh`` of this
folder runs.
DIR may hold other files, but a file of those three names that these scripts did not write (a
``submit.sh`` of the user's own) is not replaced. Refused as well (:class:`~minitransfer.config.ConfigError`):
a DIR whose path holds a backslash, where SLURM fails to launch the jobs (``JobLaunchFailure``, no log
written; a ``%`` or a quote is fine), and a line break in any ``#SBATCH`` line (DIR, ``gres``,
``partition``, ``time_limit``, ``sbatch_options``). The three are replaced as one set: all written to
temporaries before any is renamed, so a failed write (a full disk) leaves the old set whole; each holds
the id of its set, which ``submit.sh`` checks in the array scripts it submits (exit 2 on scripts of
different sets) and passes to each task, which checks it too. Where the train command imports
minitransfer (no ``minitransfer`` script beside the Python: a source checkout), the tasks put the
folder holding the package first on ``PYTHONPATH``.

Each task runs its ``train`` command with ``--resume auto`` as a job step (``srun``), its output
appended to ``OUT/<run>.run/train.log``, holding the grid folder's working lock shared as a local grid
does (:class:`~minitransfer.grid_check.GridLock`): a local ``experiment`` with other options started on
OUT while a task runs is refused (one started while the tasks only wait in the queue is not: nothing of
theirs is in OUT yet to tell it); a step that exits 0 without finishing the run (srun does so
after some launch failures) fails the task, so no transfer starts from a base that is not there.
A failed task ends with train's exit code and one line saying, in a local grid's words, what it
means and what to do (74: disk full or unwritable; 65: bad data; its run folder deleted while it
trained: no log left to read, ``submit.sh`` trains it again from the start).
A task whose run another process trains (a local ``experiment`` on OUT, or a task of a second
submission: it holds the run's lock, :class:`~minitransfer.rundir.RunLock`) waits for that process
to release it, then trains it, resuming what it left; a run taken by another process just as the
task starts it, and released already, is started again once. The waiting task holds its allocation
(its GPU) idle all that time, which its output says with how to free it (scancel the task; rerun
``submit.sh`` once that process has ended): a task cannot step aside instead, as no exit code keeps
the transfers waiting on it (``afterok``) pending, and a requeue sends it behind the queue each time.
A finished run, too, is left to its ``train``: it ends at once where the run was trained as asked,
and refuses it (exit 2) where it was trained with other options, as a local grid refuses it
(:func:`~minitransfer.grid_check.check_finished`).

The scripts hold the id of the plan they were written for (:func:`~minitransfer.grid_check.plan_id`,
recorded in ``OUT/experiment.json``): once OUT is planned again with other options (a local
``experiment``, or ``--emit-slurm`` into this folder or another), each task still queued, and
``submit.sh``, ends with exit 2 and a line saying to cancel the old jobs and submit the new plan,
training and submitting nothing. The new plan's ``submit.sh`` counts them as not queued (emitted
into the same folder, it submits their runs anew and names those tasks, still listed, to cancel). A
task reads the plan holding the grid's planning lock shared (:class:`~minitransfer.grid_check.GridLock`),
so a grid planning as it starts is waited for. The same plan emitted again (the same options, more
layers or seeds, another ``--device``) keeps its id. Where OUT holds no plan at all (a node that
does not mount OUT's file system, or OUT deleted or moved), a task and ``submit.sh`` end with exit
74 and a line saying so, writing nothing there.
SIGTERM reaches the training (SLURM's ``--signal`` before the time limit, ``scancel --signal=TERM
<job>_<task>``, or ``scancel --batch --signal=TERM``, which the task passes on to the step), which
writes a checkpoint and exits 75; the task then requeues itself with ``scontrol requeue`` and runs
again under the same job id and array index, resuming from the checkpoint (SLURM makes a requeued
job wait ``cred_expire``, 120 s by default). Not ``scancel --full``: srun answers SIGTERM by killing
the step, checkpoint or not. A plain ``scancel`` (or the time limit itself) also ends in a checkpoint,
but the job is then no longer RUNNING and is not requeued: the cancel holds, and a rerun of
``submit.sh`` resumes the run. A job SLURM requeues itself (its node failed or set DOWN; the step ends,
with exit 0 too) is said to be requeued, not failed.

Resources: ``--device cpu`` requests no GPU and trains with ``--device cpu``; ``cuda`` and ``auto``
request ``--gres=gpu:1`` (or the given ``gres``) and train with ``--device cuda``.
"""

import collections
import contextlib
import hashlib
import os
import pathlib
import re
import shlex
import tempfile

from minitransfer import config, fileio, rundir
from minitransfer import experiment as grid
from minitransfer.grid_check import GridLock, replaced_plan
from minitransfer.scheduler import EXIT_BAD_DATA, EXIT_BUSY, EXIT_IO, Failure, failure_cause, where_its_output_is

SUBMIT_FILE = "submit.sh"
BASES_FILE = "bases.sh"
TRANSFERS_FILE = "transfers.sh"
# "<job>_<task>\tOUT/<run> as printf %q writes it\t<plan id>", one per array task; without the plan id (written
# by older versions), or with another, the task is of another plan: not queued for this one
SUBMITTED_FILE = "submitted.txt"
HEADER = "#!/usr/bin/env bash\n# minitransfer experiment --emit-slurm: "  # how every script written here begins
DEFAULT_GPU_GRES = "gpu:1"
DRY_RUN_HELP = ("print the sbatch commands it would run now (the runs neither finished nor queued, in the order "
                "they depend on each other), the tasks it would cancel, what each task asks SLURM for, and where "
                "the logs go; check them with sbatch --test-only; submit, cancel and record nothing")
SIGNAL_MARGIN_SECONDS = 300  # SIGTERM this long before the time limit: time to write a checkpoint
SHORTEST_TIME_LIMIT_SECONDS = 300
_TIME_LIMIT = re.compile(r"^(?:(\d+)-(\d+)(?::(\d+)(?::(\d+))?)?|(\d+)(?::(\d+)(?::(\d+))?)?)$")
NO_TIME_LIMIT = ("UNLIMITED", "INFINITE")  # as sbatch reads them (any case), like a limit of 0


def parse_time_limit(text):
    """A SLURM time limit in seconds: ``minutes``, ``minutes:seconds``, ``hours:minutes:seconds``,
    ``days-hours``, ``days-hours:minutes`` or ``days-hours:minutes:seconds``; None for no limit
    (``0``, ``UNLIMITED`` or ``INFINITE``, as sbatch takes them). A field above 59 is carried over, as
    sbatch carries it (Slurm's time_str2secs checks no field's range): ``1:99:00`` is 2 h 39 min.

    >>> parse_time_limit("90"), parse_time_limit("2:00:00"), parse_time_limit("1-12"), parse_time_limit("0")
    (5400, 7200, 129600, None)"""
    if str(text).strip().upper() in NO_TIME_LIMIT:
        return None
    match = _TIME_LIMIT.match(str(text).strip())
    if not match:
        raise ValueError(f"time limit {text!r}: expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or "
                         f"0 or UNLIMITED for none")
    days, day_hours, day_minutes, day_seconds, first, second, third = (int(g) if g else 0 for g in match.groups())
    if match.group(1) is not None:
        seconds = ((days * 24 + day_hours) * 60 + day_minutes) * 60 + day_seconds
    elif match.group(7) is not None:
        seconds = (first * 60 + second) * 60 + third
    else:
        seconds = first * 60 + second
    if seconds == 0:
        return None
    if seconds < SHORTEST_TIME_LIMIT_SECONDS:
        raise ValueError(f"time limit {text!r} is under {SHORTEST_TIME_LIMIT_SECONDS // 60} minutes: the training "
                         "is told to stop a fifth of it (at most 5 minutes) before the limit")
    return seconds


def signal_margin(time_limit=None):
    """Seconds before the time limit at which SLURM sends SIGTERM: 300, or a fifth of a short limit."""
    seconds = None if time_limit is None else parse_time_limit(time_limit)
    return SIGNAL_MARGIN_SECONDS if seconds is None else min(SIGNAL_MARGIN_SECONDS, seconds // 5)


def emit_slurm(runs, out, slurm_dir, options, train_command=None, gres=None, partition=None, time_limit=None,
               sbatch_options=(), progress=None):
    """Write ``bases.sh``, ``transfers.sh`` and ``submit.sh`` into ``slurm_dir`` (and the plan into
    ``out``) instead of running anything; returns the path of ``submit.sh``.

    ``options``: train options shared by every run (see :func:`minitransfer.experiment.train_arguments`);
    its "device" (cpu, cuda or auto) chooses the resources: cpu trains on the CPU and requests no GPU,
    cuda and auto train with ``--device cuda`` and request ``gres`` (default ``gpu:1``). ``gres``,
    ``partition``, ``time_limit`` (e.g. ``"2-00:00:00"``) and ``sbatch_options`` (extra ``#SBATCH``
    lines, e.g. ``("--account=lab",)``) go into both array scripts. ``progress``: told how far the
    writing of a large plan has got (:func:`minitransfer.experiment.counted`), and given a note when
    this plan replaces one of other options (:func:`minitransfer.grid_check.replaced_plan`).

    Example::

        emit_slurm(plan_grid(layers=(1, 3)), "grid", "slurm", {"data": "imagenet", "device": "cuda"},
                   partition="gpu", time_limit="2-00:00:00")   # then: bash slurm/submit.sh
    """
    out = pathlib.Path(out).resolve()
    slurm_dir = pathlib.Path(slurm_dir).resolve()
    if "\\" in str(slurm_dir):
        raise config.ConfigError(f"{slurm_dir}: SLURM fails to launch the jobs of scripts in a folder whose path holds "
                                 f"a backslash (JobLaunchFailure, without a log); choose another folder for them")
    _check_one_line(f"--output={slurm_dir / 'logs'}")
    train_command = list(train_command or grid.default_train_command())
    device = "cpu" if options.get("device") == "cpu" else "cuda"
    options = dict(options, device=device)
    bases = [run for run in runs if run.parent is None]
    transfers = [run for run in runs if run.parent is not None]
    base_index = {run.name: index for index, run in enumerate(bases)}
    missing = sorted({run.parent for run in transfers} - set(base_index))
    if missing:
        raise ValueError(f"emit_slurm: transfers copy from {', '.join(missing)}, which the plan does not train")
    if gres is None and device == "cuda":
        gres = DEFAULT_GPU_GRES
    header = _sbatch_lines(gres, partition, time_limit, sbatch_options)
    names = [SUBMIT_FILE] + [BASES_FILE] * bool(bases) + [TRANSFERS_FILE] * bool(transfers)
    foreign = [str(slurm_dir / name) for name in names if not _replaceable(slurm_dir / name)]
    if foreign:
        raise config.ConfigError(f"not replacing {', '.join(foreign)}, which --emit-slurm did not write: choose "
                                 f"another folder for the SLURM scripts, or move the file away")
    replaced = replaced_plan(runs, out, options, slurm_dir)
    if replaced and progress is not None:
        progress(f"note: {replaced}")
    _make_writable_folder(slurm_dir)  # before the plan: a plan naming scripts never written misleads
    plan = grid.write_plan(out, runs, options, train_command, progress, slurm_dir)
    python_path = _source_checkout(train_command)

    def scripts(scripts_id):
        texts = {SUBMIT_FILE: _submit_script(out, slurm_dir, plan, bases, transfers, base_index, scripts_id)}
        for name, stage, its_runs in ((BASES_FILE, "bases", bases), (TRANSFERS_FILE, "transfers", transfers)):
            if its_runs:
                texts[name] = _array_script(stage, its_runs, out, slurm_dir, plan, options, train_command, header,
                                            scripts_id, python_path)
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
    return slurm_dir / SUBMIT_FILE


def describe_scripts(runs, out, slurm_dir):
    """Lines saying what the scripts :func:`emit_slurm` wrote into ``slurm_dir`` for ``runs`` submit: how
    many job arrays of how many tasks, in which order, what each task asks SLURM for (the ``#SBATCH``
    lines both array scripts share), where the logs go, and how to see what ``submit.sh`` would submit
    now (``submit.sh --dry-run``: less the runs finished or queued already)."""
    slurm_dir = pathlib.Path(slurm_dir)
    bases = [run for run in runs if run.parent is None]
    per_base = collections.Counter(run.parent for run in runs if run.parent is not None)
    lines = [f"{BASES_FILE}: the {_count(len(bases), 'base')} (runs without a parent), one job array of "
             f"{_count(len(bases), 'task')}"] if bases else []
    if per_base:
        sizes = sorted(set(per_base.values()))
        tasks = _count(sizes[0], "task") if len(sizes) == 1 else f"{sizes[0]} to {sizes[-1]} tasks"
        lines.append(f"{TRANSFERS_FILE}: the {_count(sum(per_base.values()), 'transfer')}, one job array per base "
                     f"({_count(len(per_base), 'array')} of {tasks}), each after its base's task (afterok)")
    script = slurm_dir / (BASES_FILE if bases else TRANSFERS_FILE)
    asked = [line.removeprefix("#SBATCH ") for line in script.read_text(errors="surrogateescape").splitlines()
             if line.startswith("#SBATCH ") and not line.startswith(("#SBATCH --job-name=", "#SBATCH --output="))]
    lines.append(f"each task asks SLURM for: {' '.join(asked)}")
    lines.append(f"task logs: {slurm_dir / 'logs'}; each run's training output: "
                 f"{pathlib.Path(out) / '<run>.run' / grid.LOG_FILE}")
    lines.append(f"to see what {SUBMIT_FILE} would submit now, queueing nothing: "
                 f"bash {shlex.quote(str(slurm_dir / SUBMIT_FILE))} --dry-run")
    return lines


def _count(number, word):
    return f"{number} {word}{'s' * (number != 1)}"


def _make_writable_folder(slurm_dir):
    """Make ``slurm_dir`` and its ``logs`` folder, and try a (nameless) file there; a
    :class:`~minitransfer.fileio.StorageError` naming the folder where that fails (a read-only file
    system, a folder of another user's)."""
    try:
        (slurm_dir / "logs").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=slurm_dir):
            pass
    except OSError as error:
        raise fileio.StorageError(error.errno, f"cannot write the SLURM scripts into {slurm_dir} "
                                               f"({error.strerror or error}): choose a folder this process can write "
                                               f"for them (--emit-slurm); nothing was written") from None


def _source_checkout(train_command):
    """The folder to put on ``PYTHONPATH`` for a train command that imports minitransfer (the default
    where no ``minitransfer`` script sits beside this Python): the one holding this package, as the
    task runs in the scripts' folder, from which a source checkout's package is not found; None for a
    command that runs a program of its own."""
    if train_command[1:2] != ["-c"] or "from minitransfer" not in train_command[2]:
        return None
    return pathlib.Path(__file__).resolve().parent.parent


def _replace_all(slurm_dir, scripts):
    """Write ``scripts`` (file name -> text) into ``slurm_dir``: all written to temporaries first, then
    renamed into place, submit.sh last; a write that fails (a full disk) leaves the old set whole,
    never a new submit.sh beside old array scripts. Paths as the bytes they are (UTF-8 or not)."""
    with contextlib.ExitStack() as renames:  # renamed as it unwinds: last entered first
        for name, text in scripts.items():
            data = os.fsencode(text)
            temporary = renames.enter_context(fileio.atomic_path(slurm_dir / name, size=len(data)))
            temporary.write_bytes(data)
            temporary.chmod(0o755)
            fileio.fsync_path(temporary)  # all on disk before the first rename


def _replaceable(path):
    """Whether ``path`` is absent or a script written by :func:`emit_slurm` (it begins with :data:`HEADER`)."""
    if not os.path.lexists(path):
        return True
    try:
        with open(path, "rb") as script:
            return script.read(len(HEADER.encode())) == HEADER.encode()
    except OSError:  # a folder of that name, a dangling link, a file this user may not read
        return False


def _sbatch_lines(gres, partition, time_limit, sbatch_options):
    """The ``#SBATCH`` lines both array scripts share (the job name and output file come after)."""
    options = ["--requeue", "--open-mode=append", f"--signal=TERM@{signal_margin(time_limit)}"]
    options += [f"--gres={gres}"] if gres else []
    options += [f"--partition={partition}"] if partition else []
    options += [f"--time={str(time_limit).strip()}"] if time_limit else []  # sbatch refuses "--time= 90"
    options += [_sbatch_option(option) for option in sbatch_options]
    for option in options:
        _check_one_line(option)
    return [f"#SBATCH {option}" for option in options]


def _sbatch_option(option):
    """``option`` (``--name=value``, as on sbatch's command line) as its ``#SBATCH`` line's text: a value
    holding a blank, ``#``, a double quote or a backslash in double quotes, as sbatch reads it as one word
    (unquoted, ``--comment=two words`` made sbatch refuse the script, "Invalid directive found in batch
    script: words", and ``run#2`` was cut at ``#``). Other forms (``-A lab``, ``--mem 4G``) are words
    as sbatch splits them, as they are."""
    named = re.fullmatch(r"(--[^\s=]+)=(.*)", option.strip(), re.DOTALL)
    if not named or not re.search(r'[\s#"\\]', named.group(2)):
        return option.strip()
    return f"{named.group(1)}={_sbatch_word(named.group(2))}"


def _check_one_line(option):
    """ConfigError for an ``#SBATCH`` line that would hold a line break: what follows it would be a
    line of the script of its own (a command every job runs, or a quote left open)."""
    if "\n" in option or "\r" in option:
        raise config.ConfigError(f"an #SBATCH line cannot hold a line break, as {option!r} would: what follows it "
                                 f"would be a line of the script of its own")


def _sbatch_quote(path):
    """``path`` as one word of an ``#SBATCH`` line (sbatch splits it at blanks and stops at ``#``
    unless quoted, and expands nothing) and as literal text of an ``--output`` file name pattern
    (``%%`` is ``%``)."""
    return _sbatch_word(path.replace("%", "%%"))


def _sbatch_word(text):
    """``text`` as one word of an ``#SBATCH`` line: in double quotes, a backslash or quote in it escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _plan_file_check(what):
    """Bash lines that end the script (exit 74, saying ``what`` is not done and why) where ``$out`` holds
    no plan: a node that does not mount OUT's file system, or OUT deleted or moved; before anything is
    written there (a task would make the missing path on the node's own disk). The machine is named
    by ``uname -n``, not ``$HOSTNAME``: sbatch passes the submitting shell's on to the task, which
    bash keeps (the login node's name on every node)."""
    return [
        f'if [ ! -f "$out/{grid.PLAN_FILE}" ]; then',
        f'  echo "{what}: there is no $out/{grid.PLAN_FILE} on $(uname -n): $out is on a file system this machine '
        'does not mount, or it was deleted or moved since the scripts were written; run them where it is, or '
        'emit them again (minitransfer experiment --emit-slurm)" >&2',
        f"  exit {EXIT_IO}",
        "fi",
    ]


def _plan_check(out, slurm_dir, plan, what):
    """Bash lines that end the script (exit 2, saying ``what`` is not done and why) unless the plan
    ``OUT/experiment.json`` holds is still ``plan``, the one the scripts were written for
    (:func:`minitransfer.grid_check.plan_id`), read from its line as :func:`minitransfer.experiment.write_plan`
    writes it."""
    return [
        f"plan={plan} scripts={shlex.quote(str(slurm_dir))}",
        f'now=$(grep --max-count=1 --only-matching \'^  "{grid.PLAN_ID}": "[0-9a-f]*"\' "$out/{grid.PLAN_FILE}" '
        "2>/dev/null || true)",
        'now=${now%\\"}; now=${now##*\\"}',
        'if [ "$now" != "$plan" ]; then',
        f'  echo "{what}: $out is no longer planned as these scripts were written for ($out/{grid.PLAN_FILE}: plan '
        '${now:-none}; theirs, in $scripts: plan $plan), it was planned again with other options: cancel the jobs '
        f'of these scripts (scancel; $scripts/{SUBMITTED_FILE} lists them), then submit the new plan with the '
        f'{SUBMIT_FILE} written for it" >&2',
        "  exit 2",
        "fi",
    ]


def _array_script(stage, runs, out, slurm_dir, plan, options, train_command, header, scripts_id, python_path):
    """One array task per run: run its train command as a job step (which ends at once where the
    run is finished, or refuses it if trained otherwise) and requeue the task when the training
    exits 75; nothing where OUT's plan is no longer ``plan`` (:func:`_plan_check`), or where submit.sh
    submitted it for another set of scripts than ``scripts_id`` (its first argument). ``python_path``:
    a folder put first on ``PYTHONPATH`` (:func:`_source_checkout`), or None."""
    cases = []
    for index, run in enumerate(runs):
        command = shlex.join(train_command + grid.train_arguments(run, out, options))
        cases.append(f"  {index}) run={shlex.quote(run.name)}; command=({command}) ;;")
    lines = [
        f"{HEADER}the {stage}, one array task each; submit with submit.sh.",
        f"#SBATCH --job-name=mt-{stage}",
        f"#SBATCH --output={_sbatch_quote(str(slurm_dir / 'logs'))}/{stage}-%A_%a.out",
        *header,
        "",
        "set -u",
        "# Run by hand (bash bases.sh), it would die half-way on an unset variable, after taking the grid's lock.",
        'if [ -z "${SLURM_ARRAY_TASK_ID-}" ] || [ -z "${SLURM_ARRAY_JOB_ID-}" ] || [ -z "${SLURM_JOB_ID-}" ]; then',
        '  echo "$0: not a SLURM array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_JOB_ID or SLURM_JOB_ID unset): submit'
        f' the grid with {SUBMIT_FILE}" >&2',
        "  exit 2",
        "fi",
        "# submit.sh gives the id of its set of scripts: another is of scripts written again as it submitted,",
        "# whose array indices name other runs",
        f"scripts_id={scripts_id}",
        'if [ "${1-}" != "$scripts_id" ]; then',
        '  echo "array task ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID: not trained: it was submitted for the scripts'
        f' of set ${{1:-none}}, this {stage}.sh is of set $scripts_id: the scripts were written again (--emit-slurm)'
        f' as it was submitted; rerun {SUBMIT_FILE}" >&2',
        "  exit 2",
        "fi",
        'case "$SLURM_ARRAY_TASK_ID" in',
        *cases,
        '  *) echo "no run for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
        "esac",
        f"out={shlex.quote(str(out))}",
        'log="$out/$run.run/train.log"',
        *([] if python_path is None else [
            "# the train command imports minitransfer from the source checkout that wrote these scripts: this",
            "# task runs in the scripts' folder, where Python would not find it",
            f'export PYTHONPATH={shlex.quote(str(python_path))}${{PYTHONPATH:+:$PYTHONPATH}}']),
        *_plan_file_check("run $run: not trained"),
        "# The program the train command runs, seen from this node: a Python environment on the login node's own",
        "# disk is not, and srun's execve error (exit 2) read as train refusing the run",
        'if ! type -P "${command[0]}" > /dev/null; then',
        '  echo "run $run: not trained: there is no ${command[0]} on $(uname -n) (or it is not executable), the'
        " program its train command runs: the scripts were written by a minitransfer installed where this machine"
        " does not see it; install minitransfer where the compute nodes see it (a shared file system), write the"
        f' scripts again with that one (its experiment --emit-slurm), then rerun {SUBMIT_FILE}" >&2',
        f"  exit {EXIT_IO}",
        "fi",
        'finished() { [ -f "$out/$run.h5" ] && [ -f "$out/$run.run/result.json" ]; }',
        "# exit 74 (I/O, as the command line's): a path that cannot be written, said once, not a train that fails",
        'if ! error=$(mkdir -p "$out/$run.run" 2>&1); then echo "run $run: $error" >&2; exit 74; fi',
        "# The grid folder's working lock, shared while the task runs, as a local grid holds it: a local",
        "# `minitransfer experiment` with other options started on the folder meanwhile is refused. Taken,",
        "# and the plan read, while no such grid plans there (its planning lock, shared): one that planned",
        "# before has replaced the plan, which the task then sees.",
        f'exec 6>> "$out/{GridLock.PLANNING}"',
        "flock --shared --nonblock 6",
        'if [ "$?" -eq 1 ]; then',
        '  echo "run $run: waiting for a minitransfer experiment to finish planning its runs in $out"',
        "  flock --shared 6",
        "fi",
        f'exec 8>> "$out/{GridLock.WORKING}"',
        f'flock --shared 8 || echo "run $run: training without the lock of $out/{GridLock.WORKING}" >&2',
        *_plan_check(out, slurm_dir, plan, "run $run: not trained"),
        "exec 6>&-",
        'echo "run $run: array task ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID,'
        ' restart ${SLURM_RESTART_COUNT:-0}; output in $log"',
        "# Another process training the run (a local `minitransfer experiment` on OUT, or a task of another",
        "# submission) holds its lock (flock on <run>.run/lock, rundir.RunLock), which the kernel releases when",
        "# it ends: a lock file left behind holds nobody up. Wait for it, then finish or resume what it left.",
        "# The wait holds the allocation (a GPU) idle as long as that process trains. Not requeued instead:",
        "# no exit code keeps afterok dependents waiting (any failure strands them), and a requeued task",
        "# starts again behind the queue after cred_expire, each time, even where that process ends at once.",
        "waited_for_release() {",
        f'  {{ exec 7< "$out/$run.run/{rundir.RunLock.FILE}"; }} 2>/dev/null || return 1',
        "  flock --shared --nonblock 7",
        '  if [ "$?" -ne 1 ]; then exec 7<&-; return 1; fi  # free, or a file system without locks',
        '  local pid="" host=""',
        "  read -r pid host <&7 || true  # as RunLock writes it: PID and host (only a PID, from older versions)",
        '  if [ "$host" = "$(uname -n)" ]; then host=""; fi  # uname: $HOSTNAME may be that of the login node',
        '  echo "run $run: being trained by another process${pid:+ (PID $pid${host:+ on host $host})}; waiting for it'
        ' to release the run,'
        " holding this task's allocation idle meanwhile (scancel ${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID to free"
        f' it, then rerun {SUBMIT_FILE} once that process has ended)"',
        "  flock --shared 7",
        "  exec 7<&-",
        "}",
        "# A finished run too is train's to judge, as a local grid judges it (grid_check.check_finished): it",
        "# ends at once where the run was trained as asked, and refuses it (exit 2) where it was trained otherwise.",
        "# To this task by <array job>_<task>: the one that runs under the array's own job id would signal them all.",
        "# A job ending already (a plain scancel, the time limit, SLURM requeueing it) has no step left to",
        "# signal (scancel: \"Invalid job id specified\"): its failure is said where the job runs, or squeue fails.",
        "pass_sigterm_on() {",
        "  local error state",
        '  if error=$(scancel --signal=TERM "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" 2>&1); then return; fi',
        '  if state=$(job_state) && [ "$state" != RUNNING ]; then return; fi',
        '  echo "$error" >&2',
        '  echo "run $run: SIGTERM not passed on to its training (scancel failed)" >&2',
        "}",
        "# Asked of this task by <array job>_<task>: the task that runs under the array's own job id (the",
        "# last one started) is listed with every other task of the array by --jobs=$SLURM_JOB_ID.",
        "job_state() {",
        '  squeue --noheader --jobs="${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" --format=%T 2>/dev/null',
        "}",
        'busy=no raced=no ended=done',
        'if finished; then ended="already finished"; fi',
        "while :; do",
        "  # a refusal with nobody seen holding the run after it: a race lost to a process that has ended",
        "  # already; started again once, as a local grid does (another process taking it each time would",
        "  # loop forever)",
        "  if waited_for_release; then",
        '    if finished; then ended="finished by another process"; fi',
        '  elif [ "$busy" = yes ]; then',
        '    if [ "$raced" = yes ]; then break; fi',
        "    raced=yes",
        "  fi",
        '  size=$(stat --format=%s "$log" 2>/dev/null || echo 0)',
        '  echo "\\$ ${command[*]}" >> "$log"',
        "  # A job step, so `scancel --signal=TERM` and --signal reach the training, which writes a checkpoint",
        "  # and exits 75. SIGTERM to this script (scancel --batch) goes to the step; never to srun, which",
        "  # would kill the step (so not scancel --full). Its output is appended by the shell: srun --output",
        "  # would read the path as a file name pattern (a folder named 10%noise becomes 100oise).",
        "  # A trapped signal ends the wait early (status 128 + its number): the step's own status is waited for",
        "  # again, which bash keeps for a step that ended meanwhile (while scancel, a call to the controller, ran)",
        "  forwarded=no",
        "  trap 'forwarded=yes; pass_sigterm_on' TERM",
        '  srun --ntasks=1 "${command[@]}" >> "$log" 2>&1 &',
        "  pid=$!",
        '  wait "$pid"',
        "  status=$?",
        '  while [ "$forwarded" = yes ] && [ "$status" -gt 128 ]; do',
        "    forwarded=no",
        '    wait "$pid"',
        "    again=$?",
        '    if [ "$again" -ne 127 ]; then status=$again; fi  # 127: waited for already, its status is the one had',
        "  done",
        "  trap - TERM",
        "  # Refused as another process took the run between the wait and the step's start: its error is",
        "  # among the lines this step wrote (srun may add its own after it).",
        f'  if [ "$status" -ne {EXIT_BUSY} ] || ! tail --bytes="+$((size + 1))" "$log" | '
        f'grep --fixed-strings -- {shlex.quote(rundir.BUSY)} | grep --quiet "^error: "; then',
        "    break",
        "  fi",
        "  busy=yes",
        '  echo "run $run: taken by another process as this task started it"',
        "done",
        "# A plain scancel (or the time limit itself) ends the job: it is no longer RUNNING but COMPLETING,",
        "# and a requeue would undo the cancel. The signals meant to be resumed from leave it RUNNING. A job",
        "# SLURM requeued itself (its node set DOWN or failed: the step ends, with exit 0 too) is PENDING.",
        "state=$(job_state) || true",
        'if [[ "$state" == PENDING || "$state" == REQUEUE* ]] && ! { [ "$status" -eq 0 ] && finished; }; then',
        '  echo "run $run: not finished (its job step ended with exit $status): SLURM requeued the job (the job is'
        ' $state: its node failed or was set DOWN); it runs again when SLURM starts it, resuming the run"',
        f'elif [ "$status" -eq {grid.EXIT_INTERRUPTED} ] && [ "$state" != RUNNING ]; then',
        '  echo "run $run: exit 75, interrupted with a checkpoint; not requeued: the job is ${state:-gone}'
        ' (cancelled, or out of time); rerun submit.sh to resume it"',
        f'elif [ "$status" -eq {grid.EXIT_INTERRUPTED} ]; then',
        '  echo "run $run: exit 75, interrupted with a checkpoint: requeued, it resumes from the checkpoint"',
        '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_$SLURM_ARRAY_TASK_ID" ||',
        '    echo "run $run: scontrol requeue failed: rerun submit.sh to resume it" >&2',
        'elif [ "$status" -ne 0 ] || ! finished; then',
        *_failure_lines(),
        '  if [ "$status" -eq 0 ]; then status=1; fi',
        "else",
        '  echo "run $run: $ended"',
        "fi",
        'exit "$status"',
    ]
    return "\n".join(lines) + "\n"


def _failure_lines():
    """Bash lines saying, in one line as a local grid does (:meth:`minitransfer.scheduler.GridOutcome.causes`,
    in its words), why the task's run failed and what to do: its run folder deleted while it trained (the
    log with it: nothing to see), an I/O error (74), bad data (65), a refusal (2), or another exit
    ``$status`` (0: its job step ended without finishing the run)."""
    log = pathlib.PurePosixPath("@out@/@run@.run") / grid.LOG_FILE
    rerun = f"rerun {SUBMIT_FILE}"

    def failed(code):
        name, why = failure_cause(code, ["@run@"], [Failure(code, log)], rerun).split(": ", 1)
        return f"run {name}: FAILED: {why}"

    cases = [f"    {code}) {_echo(failed(code))} ;;" for code in (EXIT_IO, EXIT_BAD_DATA, EXIT_BUSY)]
    deleted = where_its_output_is(Failure(log=log, deleted=True), rerun)
    return [
        '  if [ ! -f "$log" ]; then',
        f"    {_echo(f'run @run@: FAILED (exit @status@): {deleted}')}",
        '  else case "$status" in',
        *cases,
        f"    0) {_echo(f'run @run@: FAILED: its job step exited 0 without finishing the run; see {log}')} ;;",
        f"    *) {_echo(f'run @run@: FAILED with exit @status@; see {log}')} ;;",
        "  esac; fi",
    ]


def _echo(text):
    """A bash command writing ``text`` to stderr, with @out@, @run@ and @status@ in it standing for those
    variables' values and all else as it is."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("`", "\\`")
    for name in ("out", "run", "status"):
        escaped = escaped.replace(f"@{name}@", f"${name}")
    return f'echo "{escaped}" >&2'


def _test_only_lines():
    """Bash function ``test_only SCRIPT INDICES``: for ``submit.sh --dry-run``, whether sbatch would take
    SCRIPT's array (partition, time limit, options) by ``sbatch --test-only``, which queues nothing,
    once per script (the arrays of one script differ in indices and dependency only; the dependency on
    a job not yet submitted is left out); a refusal is said with sbatch's error and counted."""
    return [
        "test_only() {",
        "  local error",
        '  if [ -n "${tested[$1]+yes}" ] || ! type -P sbatch > /dev/null; then return 0; fi',
        "  tested[$1]=yes",
        '  if ! error=$(sbatch --test-only --array="$2" "$1" "$scripts_id" 2>&1 > /dev/null); then',
        '    echo "$error" >&2',
        '    echo "sbatch --test-only refuses $1 (its error above): $0 would fail there; fix what it names (a'
        ' partition, --gres, --time or --sbatch-option: emit the scripts again with the right one)" >&2',
        "    refused=$((refused + 1))",
        "  fi",
        "}",
        "declare -A tested=()",
        "shown() {  # shown WORDS...: as the shell reads them back, plain where that needs no quotes (0,4,5)",
        "  local word",
        '  for word; do if [[ -z "$word" || "$word" == *[!A-Za-z0-9_,.:=/@%+-]* ]]; then printf " %q" "$word";'
        ' else printf " %s" "$word"; fi; done',
        "}",
    ]


def _dry_run_end_lines():
    """Bash lines ending ``submit.sh --dry-run``: what each task of the arrays it would submit asks SLURM
    for (their ``#SBATCH`` lines), where the output goes, and whether ``sbatch --test-only`` took them
    (exit 1 where it refused one)."""
    return [
        'if [ "$dry_run" = yes ]; then',
        f"  for script in {BASES_FILE} {TRANSFERS_FILE}; do",
        '    if [ -z "${arrays[$script]+yes}" ]; then continue; fi',
        '    echo "each task of $script asks SLURM for (its #SBATCH lines):"',
        "    sed -n 's/^#SBATCH /  /p' \"$script\"",
        "  done",
        '  if [ "${#arrays[@]}" -gt 0 ]; then',
        '    echo "task output: $scripts/logs/<script>-<job>_<task>.out; each run\'s training output:'
        f' $out/<run>.run/{grid.LOG_FILE}"',
        "  fi",
        '  if [ "${#arrays[@]}" -gt 0 ] && ! type -P sbatch > /dev/null; then',
        '    echo "not checked with sbatch --test-only: there is no sbatch here (PATH=$PATH)"',
        '  elif [ "$refused" -gt 0 ]; then',
        "    exit 1",
        '  elif [ "${#arrays[@]}" -gt 0 ]; then',
        '    echo "sbatch --test-only takes each of them (partition, time limit, options)"',
        "  fi",
        "fi",
    ]


def _submit_script(out, slurm_dir, plan, bases, transfers, base_index, scripts_id):
    """Submit the runs that are neither finished nor queued: the bases as one array, then each base's
    transfers as one array that depends on that base's task, submitted now or queued before (no
    dependency when the base is finished). Rerun at any time: a task of an earlier submission that
    SLURM still lists is left alone (:data:`SUBMITTED_FILE` keeps which run each one trains, and for
    which plan: one of another plan ends without training, so its run is submitted anew), but one
    that waits for a base that failed (``DependencyNeverSatisfied``) can never start and is cancelled,
    to be submitted again after its base's new task. Nothing where OUT's plan is no longer ``plan``, or
    where an array script it submits is not of its set, ``scripts_id`` (which it passes to each task)."""
    def bash_array(name, values):
        return f"{name}=({' '.join(shlex.quote(str(value)) for value in values)})"

    lines = [
        f"{HEADER}submit the grid's runs that are neither finished nor queued.",
        "# bases.sh runs the bases as one job array; each base's transfers run as one array of transfers.sh",
        "# that waits for that base's task only. A run is finished when OUT/<run>.h5 and OUT/<run>.run/",
        "# result.json exist. Rerun this script at any time (after a failure, a cancelled or timed-out job):",
        f"# it submits what is left. {SUBMITTED_FILE} lists the array tasks submitted (task, OUT/<run> as",
        "# bash's printf %q writes it, plan id); those of this plan SLURM still lists are not submitted again.",
        "set -euo pipefail",
        "dry_run=no",
        'case "$*" in',
        '  "") ;;',
        "  --dry-run) dry_run=yes ;;",
        f'  *) echo "usage: bash $0 [--dry-run]; --dry-run: {DRY_RUN_HELP}" >&2; exit 2 ;;',
        "esac",
        "# the folder of this script, whatever its name: one beginning with - is no option to cd, one named -",
        "# is no $OLDPWD (the / after it), and CDPATH, exported, sends cd to no folder of that name elsewhere",
        'scripts_folder=$(dirname -- "$0")',
        'CDPATH="" cd -- "$scripts_folder/"',
        f"out={shlex.quote(str(out))}",
        *_plan_file_check("nothing submitted"),
        *_plan_check(out, slurm_dir, plan, "nothing submitted"),
        "# the array scripts of this set only: another's array indices name other runs",
        f"scripts_id={scripts_id}",
        f"for script in {BASES_FILE * bool(bases)} {TRANSFERS_FILE * bool(transfers)}; do",
        '  if ! grep --quiet --line-regexp --fixed-strings "scripts_id=$scripts_id" "$script" 2>/dev/null; then',
        '    echo "nothing submitted: $scripts/$script is not of the set of scripts this $0 belongs to (set'
        ' $scripts_id): they were written by different --emit-slurm runs, one cut short (a full disk?); emit them'
        ' again (minitransfer experiment --emit-slurm), then rerun $0" >&2',
        "    exit 2",
        "  fi",
        "done",
        bash_array("base_runs", [run.name for run in bases]),
        bash_array("transfer_runs", [run.name for run in transfers]),
        bash_array("transfer_base", [base_index[run.parent] for run in transfers]) + "  # index in base_runs",
        "",
        'finished() { [ -f "$out/$1.h5" ] && [ -f "$out/$1.run/result.json" ]; }',
        'join() { local IFS=,; echo "$*"; }',
        'key_of() { printf -v key %q "$out/$1"; }  # one line, whatever the folder\'s name holds',
        "# SLURM's commands where this runs (a login node): said once, not bash's \"command not found\" half-way",
        "needed=(sbatch squeue scancel)",
        f'if [ "$dry_run" = yes ]; then needed=(); if [ -s {SUBMITTED_FILE} ]; then needed=(squeue); fi; fi',
        'for command in ${needed[@]+"${needed[@]}"}; do',
        '  if ! type -P "$command" > /dev/null; then',
        '    echo "nothing submitted: there is no $command here (PATH=$PATH): run $0 where SLURM\'s commands are'
        ' (a login node of the cluster), or make them available first (e.g. module load slurm)" >&2',
        "    exit 1",
        "  fi",
        "done",
        'if [ "$dry_run" = no ]; then',
        f"  exec 9>> {SUBMITTED_FILE}",
        "  if ! flock --nonblock 9; then",
        '    echo "$0 is already running (it holds $PWD/' + SUBMITTED_FILE + '): wait for it, then rerun" >&2',
        "    exit 1",
        "  fi",
        "else",
        '  echo "dry run: nothing is submitted, cancelled or recorded; JOB1, JOB2, ... stand for the ids SLURM gives'
        ' the jobs as they are submitted"',
        "fi",
        "declare -A task_of=() reason_of=()  # OUT/<run> -> its array task still listed; array task -> SLURM's reason",
        "kept=() never=() stale=()",
        f"if [ -s {SUBMITTED_FILE} ]; then",
        '  listed=$(squeue --noheader --array --user="$(id -u)" --format="%i %r")',
        '  while read -r task reason; do [ -z "$task" ] || reason_of[$task]=$reason; done <<< "$listed"',
        "  while IFS=$'\\t' read -r task key of_plan; do",
        '    if [ -z "$task" ] || [ -z "${reason_of[$task]+listed}" ]; then continue; fi',
        '    if [ "${reason_of[$task]}" = DependencyNeverSatisfied ]; then never+=("$task"); continue; fi',
        "    kept+=(\"$task\"$'\\t'\"$key\"$'\\t'\"$of_plan\")",
        "    # a task of another plan ends without training (exit 2): its run is not queued for this one",
        '    if [ "$of_plan" = "$plan" ]; then task_of[$key]=$task; else stale+=("$task"); fi',
        f"  done < {SUBMITTED_FILE}",
        "fi",
        'if [ "${#never[@]}" -gt 0 ] && [ "$dry_run" = yes ]; then',
        '  echo "would cancel array tasks ${never[*]}: they wait for a base that failed (DependencyNeverSatisfied)"',
        'elif [ "${#never[@]}" -gt 0 ]; then',
        '  scancel "${never[@]}"',
        '  echo "cancelled array tasks ${never[*]}: they waited for a base that failed (DependencyNeverSatisfied)"',
        "fi",
        'if [ "$dry_run" = no ]; then',
        f"  : > {SUBMITTED_FILE}",
        f'  for line in ${{kept[@]+"${{kept[@]}}"}}; do echo "$line" >> {SUBMITTED_FILE}; done',
        "fi",
        "submitted=0 skipped=0 new_jobs=0 refused=0",
        "declare -A arrays=()  # the array scripts submitted",
        *_test_only_lines(),
        "submit() {  # submit SCRIPT INDICES SBATCH_OPTIONS...: its array tasks INDICES (e.g. 1,4,5), recorded",
        "  local index run",
        "  arrays[$1]=yes",
        '  if [ "$dry_run" = yes ]; then',
        "    new_jobs=$((new_jobs + 1))",
        "    job=JOB$new_jobs",
        '    echo "\\$ sbatch$(shown --parsable --array="$2" "${@:3}" "$1" "$scripts_id")"',
        '    test_only "$@"',
        '  elif ! job=$(sbatch --parsable --array="$2" "${@:3}" "$1" "$scripts_id"); then',
        '    if [ "$submitted" -eq 0 ]; then',
        '      echo "sbatch refused $1 (its error above): nothing submitted; fix what it names (a partition,'
        " --gres, --time or --sbatch-option: emit the scripts again with the right one), then rerun $0\" >&2",
        "    else",
        '      echo "sbatch refused $1 (its error above): the $submitted runs submitted before it are queued; fix what'
        " it names (a partition, --gres, --time or --sbatch-option: emit the scripts again with the right one), then"
        ' rerun $0 to submit the others" >&2',
        "    fi",
        "    exit 1",
        "  fi",
        "  job=${job%%;*}",
        '  for index in ${2//,/ }; do',
        f'    if [ "$1" = {BASES_FILE} ]; then run=${{base_runs[index]}}; else run=${{transfer_runs[index]}}; fi',
        '    key_of "$run"; task_of[$key]=${job}_$index; submitted=$((submitted + 1))',
        f"    if [ \"$dry_run\" = no ]; then printf '%s\\t%s\\t%s\\n' \"${{job}}_$index\" \"$key\" \"$plan\" >> "
        f"{SUBMITTED_FILE}; fi",
        "  done",
        "}",
        "",
        "todo=()",
        'for i in "${!base_runs[@]}"; do',
        '  key_of "${base_runs[i]}"',
        '  if finished "${base_runs[i]}"; then continue; fi',
        '  if [ -n "${task_of[$key]+queued}" ]; then skipped=$((skipped + 1)); else todo+=("$i"); fi',
        "done",
        'if [ "${#todo[@]}" -gt 0 ]; then',
        f'  submit {BASES_FILE} "$(join "${{todo[@]}}")"',
        '  echo "bases: job $job, ${#todo[@]} of ${#base_runs[@]} runs (array tasks $(join "${todo[@]}"))"',
        "fi",
        'for i in "${!base_runs[@]}"; do',
        "  todo=()",
        '  for j in "${!transfer_runs[@]}"; do',
        '    if [ "${transfer_base[j]}" -ne "$i" ] || finished "${transfer_runs[j]}"; then continue; fi',
        '    key_of "${transfer_runs[j]}"',
        '    if [ -n "${task_of[$key]+queued}" ]; then skipped=$((skipped + 1)); else todo+=("$j"); fi',
        "  done",
        '  if [ "${#todo[@]}" -eq 0 ]; then continue; fi',
        '  after=""',
        '  if ! finished "${base_runs[i]}"; then key_of "${base_runs[i]}"; after=${task_of[$key]}; fi',
        f'  submit {TRANSFERS_FILE} "$(join "${{todo[@]}}")" ${{after:+"--dependency=afterok:$after"}} '
        '--job-name="mt-after-${base_runs[i]}"',
        '  echo "transfers of ${base_runs[i]}: job $job, ${#todo[@]} runs${after:+ (after array task $after)}"',
        "done",
        'total=$(( ${#base_runs[@]} + ${#transfer_runs[@]} ))',
        'if [ "$skipped" -gt 0 ]; then',
        '  echo "not submitted again: $skipped runs queued or running from an earlier submission (squeue)"',
        'elif [ "$submitted" -eq 0 ]; then',
        '  echo "nothing to submit: all $total runs are finished in $out"',
        "fi",
        'if [ "${#stale[@]}" -gt 0 ]; then',
        f'  echo "${{#stale[@]}} array tasks of another plan of $out (or of one $scripts/{SUBMITTED_FILE} does not'
        ' name) are still queued: this plan submits their runs anew where not finished; a task of another plan ends'
        ' without training (exit 2) but holds its place in the queue meanwhile: cancel them (scancel ${stale[*]})" >&2',
        "fi",
        *_dry_run_end_lines(),
    ]
    return "\n".join(lines) + "\n"

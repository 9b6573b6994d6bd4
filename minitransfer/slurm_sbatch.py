"""What each array task asks SLURM for: the ``#SBATCH`` lines both array scripts share, each one line
that sbatch reads as it was given (a line break refused; an option sbatch would refuse, or one of the
scripts' own, refused: its words read as :mod:`minitransfer.slurm_sbatch_words` reads them), with the
time limit and the SIGTERM sent before it (:mod:`minitransfer.slurm_time`), for :mod:`minitransfer.slurm`.
"""

import re
import shlex

from minitransfer import config
from minitransfer.slurm_sbatch_words import (NAMED, UNKNOWN_SPACED, option_refusal, option_words, reads_next_word,
                                             scripts_own_options, stray_word_remedy, takes_next_word, unknown_spaced)
from minitransfer.slurm_time import signal_margin


def shared_sbatch_lines(gres, partition, time_limit, sbatch_options):
    """The ``#SBATCH`` lines both array scripts share (the job name and output file come after), the
    warnings to give of them (:func:`login_environment_warning`), and the partition (or comma-separated
    partitions) they ask for: the last one ``sbatch_options`` names (written after ``--partition``, sbatch
    takes it), else ``partition``; None for the cluster's default."""
    own = [f"--gres={gres}"] * bool(gres) + [f"--partition={partition}"] * bool(partition)
    # the time limit without the blanks around it: sbatch refuses "--time= 90"
    own += [f"--time={str(time_limit).strip()}"] * bool(time_limit)
    for option in own + list(sbatch_options):  # before quoting: the message shows the line break as given
        check_one_line(option)
    if gres:
        _check_gres_names(gres)
    read = []
    for option in sbatch_options:
        text, words = option_words(option)  # split once: read by each check and written
        found = dict(scripts_own_options(words))  # each kind's last, as sbatch takes it
        _refuse_the_scripts_own(option, words, found, TIME_GIVEN_AS)
        read.append((option, text, words, found))
    margin = _checked_signal_margin(time_limit)
    # each value one word as sbatch reads it: --partition=gpu#2 unquoted submitted to partition gpu
    options = ["--requeue", "--open-mode=append", f"--signal=TERM@{margin}"]
    options += [_one_word_option(option) for option in own]
    options += [_sbatch_option(option, text, words) for option, text, words, _ in read]
    warnings = [login_environment_warning(repr(option), found.get("export")) for option, _, _, found in read]
    asked = [found["partition"] for _, _, _, found in read if found.get("partition")]
    return ([f"#SBATCH {option}" for option in options], [warning for warning in warnings if warning],
            (asked or [partition])[-1] or None)


def _checked_signal_margin(time_limit):
    """:func:`signal_margin` for ``time_limit`` of :func:`~minitransfer.slurm.emit_slurm`; a
    :class:`~minitransfer.config.ConfigError` naming it and why where :func:`parse_time_limit` refuses it
    (``"4h"``: the accepted forms; a plain ValueError before)."""
    try:
        return signal_margin(time_limit)
    except ValueError as error:
        raise config.ConfigError(f"emit_slurm's time_limit: {error}") from None


def _check_gres_names(gres):
    """:class:`~minitransfer.config.ConfigError` for a ``gres`` of a resource without a name (``:1``,
    ``gpu:1,:2``) or ending in ``:`` (``gpu:``), which sbatch refuses whatever the cluster's GresTypes
    ("Invalid generic resource (gres) specification", seen with none and with ``GresTypes=gpu``); another,
    a name the cluster may not have, or an empty one (``gpu:1,``: taken with ``GresTypes=gpu``), is left
    to ``submit.sh --dry-run``'s ``sbatch --test-only``."""
    if any(item and (not item.partition(":")[0].strip() or item.endswith(":")) for item in str(gres).split(",")):
        raise config.ConfigError(f"gres {gres!r}: sbatch would refuse the scripts when submit.sh submits them, saying "
                                 f"\"Invalid generic resource (gres) specification\"; give each resource as "
                                 f"NAME[:TYPE][:COUNT], several separated by commas (e.g. gpu:1 or gpu:a100:2)")


# Why submit.sh cannot send the jobs to another cluster (sbatch --clusters, -M; SBATCH_CLUSTERS, SLURM_CLUSTERS)
OTHER_CLUSTER = ("sbatch would send the jobs to another cluster, whose queue the squeue of submit.sh (that of the "
                 "cluster it runs on) does not list: a rerun of submit.sh would submit their runs again")
# What the tasks rely on, and what would happen, where an sbatch option (refused at emission) or input
# variable (refused by submit.sh, :mod:`minitransfer.slurm_submit_checks`) overrides it; seen on the test cluster
REQUEUE = ("the scripts' --requeue: a task interrupted to checkpoint before its time limit could not requeue itself "
           "to resume (scontrol requeue: Requested operation is presently disabled), nor SLURM requeue one whose "
           "node failed")
OUTPUT = ("the scripts' --output (logs/<script>-<job>_<task>.out in their folder, which submit.sh makes): the tasks' "
          "output, or their errors, would go elsewhere than submit.sh and the tasks say, into a folder SLURM does "
          "not make (without it a task fails to launch, writing nothing)")
OPEN_MODE = ("the scripts' --open-mode=append: each requeue of a task would truncate its output, the lines of its "
             "earlier starts lost")
WAIT = ("its default of returning once a job is queued: each sbatch of submit.sh would wait for its array to end, "
        "the transfers queued only after the bases ended, and a base that failed read as sbatch refusing its array")


# With an --export (or SBATCH_EXPORT) of NONE, or of names without ALL, sbatch passes none of the submitting
# shell's variables on but those named: each task starts with SLURM's login environment, and what was set up in
# that shell (a module loaded, a conda environment activated) is not there. Warned of, not refused: the tasks
# trained so on the test cluster (the train command names its program by its full path), where nothing was
# loaded for them
LOGIN_ENVIRONMENT = ("{given} passes none of the submitting shell's variables on to the tasks but those it names: "
                     "each starts with SLURM's login environment only, without what that shell set up (modules "
                     "loaded, CUDA's LD_LIBRARY_PATH, a conda environment activated), and every task may fail as "
                     "it starts; to keep them, {remedy}")
LOGIN_ENVIRONMENT_OPTION_REMEDY = ("give --export=ALL (sbatch's default, as without --export), or name in it each "
                                   "variable the tasks need")


def login_environment_warning(given, exported):
    """:data:`LOGIN_ENVIRONMENT` of ``given`` (the sbatch option that set it, quoted), an ``--export`` list
    ``exported`` (None where not given) of ``NONE`` or of names without ``ALL`` (any case, as submit.sh
    and :func:`check_not_the_scripts_own` read it), with :data:`LOGIN_ENVIRONMENT_OPTION_REMEDY`. None for
    another list, or an empty one."""
    if not exported or any(item.upper() == "ALL" for item in exported.split(",")):
        return None
    return LOGIN_ENVIRONMENT.format(given=given, remedy=LOGIN_ENVIRONMENT_OPTION_REMEDY)


# srun's input variables (slurm-wlm 22.05's srun(1)) that change how a task's srun runs its training, by what
# each did set in the shell that submits (seen on the test cluster): sbatch passed them on to every task
# (--export=ALL), where srun took them
SRUN_VARIABLES = {
    # the training's output went into the file they name instead of train.log (or the step failed: "Could not
    # open stdin file"); SLURM_LABELIO began each line with "0: ", and a refusal of a run another process
    # trains (train's "error: " line) was no longer found
    "its output": ("SLURM_STDOUTMODE", "SLURM_STDERRMODE", "SLURM_STDINMODE", "SLURM_OPEN_MODE", "SLURM_LABELIO"),
    # NONE: the training started without PATH ("execve(): No such file or directory", exit 2, read as train's)
    "its environment": ("SLURM_EXPORT_ENV", "SRUN_EXPORT_ENV"),
    # srun's own errors given that exit code (75: read as a checkpoint, the task requeued over and over);
    # signals, and a time limit, of the step's own before the scripts' SIGTERM
    "its exit and signals": ("SLURM_EXIT_ERROR", "SLURM_EXIT_IMMEDIATE", "SLURM_SIGNAL", "SLURM_TIMELIMIT",
                             "SLURM_IMMEDIATE"),
    # other resources than its job's: the step refused ("More processors requested than permitted", "Invalid
    # --exclusive specification", "Invalid generic resource"), or waiting for good (SLURM_CONSTRAINT: "step
    # creation temporarily disabled"), its allocation idle; or its GPU not given to it
    "its resources": ("SLURM_CPUS_PER_TASK", "SRUN_CPUS_PER_TASK", "SLURM_CPUS_PER_GPU", "SLURM_MEM_PER_CPU",
                      "SLURM_MEM_PER_GPU", "SLURM_MEM_PER_NODE", "SLURM_GPUS", "SLURM_GPUS_PER_NODE",
                      "SLURM_GPUS_PER_TASK", "SLURM_GRES", "SLURM_STEP_GRES", "SLURM_GRES_FLAGS", "SLURM_NTASKS",
                      "SLURM_NPROCS", "SLURM_NTASKS_PER_CORE", "SLURM_NTASKS_PER_GPU", "SLURM_NTASKS_PER_NODE",
                      "SLURM_NTASKS_PER_SOCKET", "SLURM_NNODES", "SLURM_JOB_NUM_NODES", "SLURM_CONSTRAINT",
                      "SLURM_CORE_SPEC", "SLURM_THREAD_SPEC", "SLURM_EXCLUSIVE", "SLURM_EXACT", "SLURM_OVERLAP",
                      "SLURM_OVERCOMMIT", "SLURM_THREADS_PER_CORE", "SLURM_HINT", "SLURM_CPU_BIND", "SLURM_MEM_BIND",
                      "SLURM_GPU_BIND", "SLURM_DISTRIBUTION", "SLURM_DIST_PLANESIZE", "SLURM_NETWORK",
                      "SLURM_RESV_PORTS", "SLURM_USE_MIN_NODES", "SLURM_SPREAD_JOB"),
    # the training run elsewhere ("couldn't chdir ... going to /tmp": a relative data path not found), or
    # otherwise: a copy of the program (--bcast: a Python without its environment), in a container, under MPI
    # (pmix: "Couldn't load specified plugin")
    "where and how it runs": ("SLURM_WORKING_DIR", "SLURM_REMOTE_CWD", "SLURM_BCAST", "SLURM_BCAST_EXCLUDE",
                              "SLURM_SEND_LIBS", "SLURM_COMPRESS", "SRUN_CONTAINER", "SLURM_MPI_TYPE"),
}
# The variables a task's environment may not give a value to (an --export list, SBATCH_EXPORT), by what each
# changes: srun's, and SLURM_CLUSTERS, which the tasks' srun, squeue, scancel and scontrol take
TASK_ENVIRONMENT = dict(SRUN_VARIABLES, **{
    "the cluster it, squeue, scancel and scontrol ask (the scripts run on, and read the queue of, the cluster "
    "they were submitted to only)": ("SLURM_CLUSTERS",)})
_TASK_ENVIRONMENT_OF = {name: what for what, names in TASK_ENVIRONMENT.items() for name in names}


def exported_refusal(given, name, what, remedy):
    """Why ``given`` (an ``--export`` list) giving variable ``name`` a value is refused: sbatch sets it in
    each task's environment, where its srun (or SLURM's commands) take it, changing ``what``
    (:data:`TASK_ENVIRONMENT`); ``remedy``: what to do."""
    return (f"{given} sets {name} in the environment of each task, where its srun takes it (submit.sh unsets it in "
            f"its own), changing {what}: {remedy}")


TIME_GIVEN_AS = "--time (e.g. --time 4:00:00; time_limit of emit_slurm)"


def check_not_the_scripts_own(option, time_given_as=TIME_GIVEN_AS):
    """:class:`~minitransfer.config.ConfigError` where sbatch option ``option`` (its words read as sbatch
    reads them, :func:`~minitransfer.slurm_sbatch_words.scripts_own_options`) sets ``--time`` or
    ``--signal``, which the scripts set themselves: a ``--time`` there overrode the scripts' own without moving their
    ``--signal=TERM@<margin>`` with it (under a limit of 5 minutes or less SLURM signalled each task as
    it started, each time it was requeued), a ``--signal`` replaced the SIGTERM the training
    checkpoints on; or ``--clusters`` (``-M``): :data:`OTHER_CLUSTER`; or one that overrides what the
    tasks rely on, as submit.sh refuses the input variable of the same meaning (written after the
    scripts' own lines, sbatch took it over them; seen on the test cluster): ``--no-requeue``
    (:data:`REQUEUE`), ``--output`` or ``--error`` (``-o``, ``-e``: :data:`OUTPUT`; to a folder not there
    the task wrote nothing, its run left untrained), an ``--open-mode`` other than append
    (:data:`OPEN_MODE`: a requeued task's output held only its last start), ``--wait`` (``-W``:
    :data:`WAIT`; submit.sh held until the array ended), and an ``--export`` giving a value to a variable
    of :data:`TASK_ENVIRONMENT` (``ALL,SLURM_LABELIO=1`` began each line of train.log with "0: ").
    Left: ``--export=NONE``, with which the tasks trained (SLURM loads the user's login environment;
    the train command names its program by its full path), warned of (:func:`login_environment_warning`).
    ``time_given_as``: where the message tells
    its reader to give the time limit. A refusal that an option of sbatch 22.05 does not take given with
    a blank may lie behind says so (``--newer -o x``:
    :data:`~minitransfer.slurm_sbatch_words.UNKNOWN_SPACED`)."""
    words = option_words(option)[1]
    _refuse_the_scripts_own(option, words, dict(scripts_own_options(words)), time_given_as)


def _refuse_the_scripts_own(option, words, found, time_given_as):
    """:func:`check_not_the_scripts_own` of ``option``, its ``words`` and the scripts' own options ``found``
    among them (each kind's last, as sbatch takes it)."""
    refusal = _scripts_own_refusal(option, found, time_given_as)
    if refusal:
        unknown = unknown_spaced(words)
        raise config.ConfigError(refusal + "".join(f" ({UNKNOWN_SPACED.format(name=name)})" for name in unknown))


def _scripts_own_refusal(option, found, time_given_as):
    """Why :func:`check_not_the_scripts_own` refuses ``option``, its options of the scripts' own ``found``, or
    None."""
    overridden = {"no-requeue": ("--no-requeue", REQUEUE), "output": ("--output", OUTPUT),
                  "error": ("--error", OUTPUT), "wait": ("--wait", WAIT)}
    if found.get("open-mode") and not found["open-mode"].lower().startswith("a"):
        overridden["open-mode"] = ("--open-mode", OPEN_MODE)
    for kind, (given, what) in overridden.items():
        if kind in found:
            return f"{option!r}: sbatch would take {given} over {what}; leave it out"
    for item in (found.get("export") or "").split(","):
        name = item.split("=", 1)[0]
        if "=" in item and name in _TASK_ENVIRONMENT_OF:
            return exported_refusal(repr(option), name, _TASK_ENVIRONMENT_OF[name], f"leave {name} out of --export")
    if "clusters" in found:
        return (f"{option!r}: {OTHER_CLUSTER}; emit the scripts without --clusters, and submit them on a login node "
                f"of the cluster the jobs are for")
    if "time" in found or "signal" in found:
        return (f"{option!r}: the scripts set sbatch's --time and --signal themselves; give the time limit as "
                f"{time_given_as}, from which they have SLURM signal the training to checkpoint before it")
    return None


def _sbatch_option(option, text, words):
    """``option`` (``--name=value``, as on sbatch's command line) as its ``#SBATCH`` line's text: a value
    holding a blank, ``#``, a quote or a backslash in double quotes, as sbatch reads it as one word
    (unquoted, ``--comment=two words`` made sbatch refuse the script, "Invalid directive found in batch
    script: words", ``run#2`` was cut at ``#``, and ``it's`` lost its quote, read as one opening a
    quoted part). A long option and its value given with a blank
    (``--comment two words``, ``--mem 4G``) is written ``--name=value`` (``text``). Other
    forms (``-A lab``, ``--mem 4G --exclusive``, ``--comment "two words"``) are their ``words``
    (``text`` and ``words``: as :func:`~minitransfer.slurm_sbatch_words.option_words` gives them),
    each quoted as above where it needs it: written as given, ``-J it's`` and
    ``--comment it's --exclusive`` made sbatch refuse the script ("Unmatched `'`"), and ``-J run#2``
    named the job ``run``. ``--name=value`` is one option where it is one word as a shell reads it,
    its quotes taken (``--comment="two words"``: its quotes were quoted, part of the comment),
    or where no word after the first starts with ``-`` (``--comment=two words``, ``--comment=a "b"``,
    its quotes part of the value); ``--mem=4G --exclusive`` is two (it was ``--mem="4G --exclusive"``,
    an invalid --mem and no --exclusive)."""
    if len(words) > 1 and NAMED.fullmatch(text) and not any(word.startswith("-") for word in words[1:]):
        words = [text]
    _check_sbatch_reads(option, words)
    return " ".join(_one_word_option(word) for word in words)


def _one_word_option(word):
    """``word`` (an option, ``--name=value`` or a value) as one word of an ``#SBATCH`` line: a value
    holding a blank, ``#``, a quote or a backslash in double quotes."""
    special = r"[\s#\"'\\]"
    named = NAMED.fullmatch(word)
    if named:
        return word if not re.search(special, named.group(2)) else f"{named.group(1)}={_sbatch_word(named.group(2))}"
    return _sbatch_word(word) if re.search(special, word) or not word else word


def _check_sbatch_reads(option, words):
    """:class:`~minitransfer.config.ConfigError` where sbatch would refuse ``words``, those of ``option`` as
    its ``#SBATCH`` line holds them, when submit.sh submits the script (seen on the test cluster), naming
    the option, what sbatch would say and what to write instead: an option its getopt refuses
    (:func:`option_refusal`: ``--hold=x``, ``--hold x`` written so, ``--comment`` last, ``--tim=3``,
    ``-J`` last), or a word it would read as one of no option ("Invalid directive found in batch
    script"): the first (``mem=4G``), one after an option of no value (``-H x``, ``--mem 4G --hold x``;
    not after an option sbatch 22.05 does not take, which a later sbatch may give it:
    :func:`reads_next_word`), two in a row after an option (``--comment two words --exclusive``, ``-J
    my job``), or one after an option holding its value (``--comment=two words --exclusive``,
    ``--comment -o x``: -o the comment, :func:`takes_next_word`)."""
    named_at, value_of_the_last = 0, False
    for at, word in enumerate(words):
        if value_of_the_last:
            value_of_the_last = False
        elif re.match(r"-.", word):
            refusal = option_refusal(word, last=at + 1 == len(words))
            if refusal:
                raise config.ConfigError(f"sbatch option {option!r}: sbatch would refuse the script when submit.sh "
                                         f"submits it, saying \"{refusal[0]}\"; {refusal[1]}")
            named_at, value_of_the_last = at, takes_next_word(word)
        elif at == 0 or (at - named_at == 1 and reads_next_word(words[named_at]) is False
                         and not NAMED.fullmatch(words[named_at])):
            raise config.ConfigError(f"sbatch option {option!r}: sbatch would read {word!r} as a word of no option "
                                     f"and refuse the script (\"Invalid directive found in batch script: {word}\"); "
                                     + stray_word_remedy(words[named_at] if at else None, word))
        elif at - named_at > 1 or NAMED.fullmatch(words[named_at]):
            # sbatch gives an option one word at most, --name=value none
            name, value = words[named_at], " ".join(words[named_at + 1:at + 1])
            spelled = (f"{name} {value}" if "=" in name else f"{name}={value}") if name.startswith("--") else \
                f'{name} "{value}"'
            raise config.ConfigError(f"sbatch option {option!r}: sbatch would read {word!r} as a word of no option "
                                     f"and refuse the script; give each option as its own --sbatch-option, a value "
                                     f"of several words as --sbatch-option={shlex.quote(spelled)}")


def check_one_line(option):
    """ConfigError for an ``#SBATCH`` line that would hold a line break: what follows it would be a
    line of the script of its own (a command every job runs, or a quote left open)."""
    if "\n" in option or "\r" in option:
        raise config.ConfigError(f"an #SBATCH line cannot hold a line break, as {option!r} would: what follows it "
                                 f"would be a line of the script of its own")


def sbatch_quote(path):
    """``path`` as one word of an ``#SBATCH`` line (sbatch splits it at blanks and stops at ``#``
    unless quoted, and expands nothing) and as literal text of an ``--output`` file name pattern
    (``%%`` is ``%``)."""
    return _sbatch_word(path.replace("%", "%%"))


def _sbatch_word(text):
    """``text`` as one word of an ``#SBATCH`` line: in double quotes, a backslash or quote in it escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'

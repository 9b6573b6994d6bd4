"""What each array task asks SLURM for: the ``#SBATCH`` lines both array scripts share, each one line
that sbatch reads as it was given (a line break refused), and the time limit with the SIGTERM sent
before it (:mod:`minitransfer.slurm`).
"""

import re
import shlex

from minitransfer import config

SIGNAL_MARGIN_SECONDS = 300  # SIGTERM this long before the time limit: time to write a checkpoint
SHORTEST_TIME_LIMIT_SECONDS = 300
# Slurm's time_str2secs sums the fields as seconds in a C int, then rounds up to minutes: a longer limit
# overflows (1000000000000000000000000000000 minutes was written into the scripts as given)
LONGEST_TIME_LIMIT_SECONDS = 2**31 - 1 - 59
# ASCII digits only: \d took "٩٠" (Arabic-Indic 90), which int() reads and sbatch refuses
_TIME_LIMIT = re.compile(r"(?:([0-9]+)-([0-9]+)(?::([0-9]+)(?::([0-9]+))?)?|([0-9]+)(?::([0-9]+)(?::([0-9]+))?)?)")
TIME_LIMIT_FORMS = "minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or 0 or UNLIMITED for none"
NO_TIME_LIMIT = ("UNLIMITED", "INFINITE")  # as sbatch reads them (any case), like a limit of 0


def parse_time_limit(text):
    """A SLURM time limit in seconds: ``minutes``, ``minutes:seconds``, ``hours:minutes:seconds``,
    ``days-hours``, ``days-hours:minutes`` or ``days-hours:minutes:seconds``; None for no limit
    (``0``, ``UNLIMITED`` or ``INFINITE``, as sbatch takes them). A field above 59 is carried over, as
    sbatch carries it (Slurm's time_str2secs checks no field's range): ``1:99:00`` is 2 h 39 min
    (:func:`carried_over` says so). ValueError, naming the accepted forms, for another text, a limit
    under 5 minutes, or one longer than SLURM can hold (:data:`LONGEST_TIME_LIMIT_SECONDS`).

    >>> parse_time_limit("90"), parse_time_limit("2:00:00"), parse_time_limit("1-12"), parse_time_limit("0")
    (5400, 7200, 129600, None)"""
    seconds = _read_time_limit(text)[1]
    if seconds == 0:
        return None
    if seconds > LONGEST_TIME_LIMIT_SECONDS:
        raise ValueError(f"time limit {_shown(text)} is longer than SLURM can hold (at most "
                         f"{LONGEST_TIME_LIMIT_SECONDS // 86400} days, {LONGEST_TIME_LIMIT_SECONDS // 60} minutes): "
                         f"give 0 or UNLIMITED for no limit; expected {TIME_LIMIT_FORMS}")
    if seconds < SHORTEST_TIME_LIMIT_SECONDS:
        raise ValueError(f"time limit {_shown(text)} is under {SHORTEST_TIME_LIMIT_SECONDS // 60} minutes: the "
                         "training is told to stop a fifth of it (at most 5 minutes) before the limit")
    return seconds


def carried_over(text):
    """How sbatch reads a time limit ``text`` with a field above its range (``1:99:00``, ``1-30``), as
    ``[D-]HH:MM:SS`` (``02:39:00``, ``2-06:00:00``): a slip may lie behind it; None where every field is
    in range, or for no limit. ``text``: a limit :func:`parse_time_limit` takes."""
    if parse_time_limit(text) is None:
        return None
    fields, seconds = _read_time_limit(text)
    days, hours, minutes, day_seconds, _, second, third = fields
    bounded = ((hours, 24), (minutes, 60), (day_seconds, 60)) if days is not None else ((second, 60), (third, 60))
    if all(field is None or field < bound for field, bound in bounded):
        return None
    days, rest = divmod(seconds, 86400)
    return f"{days}-" * bool(days) + f"{rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


def _read_time_limit(text):
    """The fields of time limit ``text`` as ``_TIME_LIMIT``'s groups (None where absent) and its
    seconds (0 for no limit); ValueError naming the accepted forms for a text of none of them."""
    text = str(text).strip()
    if text.upper() in NO_TIME_LIMIT:
        return (None,) * 7, 0
    match = _TIME_LIMIT.fullmatch(text)
    if not match:
        raise ValueError(f"time limit {_shown(text)}: expected {TIME_LIMIT_FORMS}")
    if any(len(field.lstrip("0")) > len(str(LONGEST_TIME_LIMIT_SECONDS)) for field in match.groups() if field):
        # too long for SLURM whatever the other fields; said before int(), which refuses over 4300 digits
        return match.groups(), LONGEST_TIME_LIMIT_SECONDS + 1
    fields = tuple(None if field is None else int(field) for field in match.groups())
    days, day_hours, day_minutes, day_seconds, first, second, third = (field or 0 for field in fields)
    if fields[0] is not None:
        return fields, ((days * 24 + day_hours) * 60 + day_minutes) * 60 + day_seconds
    if fields[6] is not None:
        return fields, (first * 60 + second) * 60 + third
    return fields, first * 60 + second


def _shown(text):
    """``text`` as a message quotes it: in full up to 40 characters, else its start and its length."""
    text = str(text)
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text)} characters)"


def signal_margin(time_limit=None):
    """Seconds before the time limit at which SLURM sends SIGTERM: 300, or a fifth of a short limit."""
    seconds = None if time_limit is None else parse_time_limit(time_limit)
    return SIGNAL_MARGIN_SECONDS if seconds is None else min(SIGNAL_MARGIN_SECONDS, seconds // 5)


def shared_sbatch_lines(gres, partition, time_limit, sbatch_options):
    """The ``#SBATCH`` lines both array scripts share (the job name and output file come after)."""
    own = [f"--gres={gres}"] * bool(gres) + [f"--partition={partition}"] * bool(partition)
    # the time limit without the blanks around it: sbatch refuses "--time= 90"
    own += [f"--time={str(time_limit).strip()}"] * bool(time_limit)
    for option in own + list(sbatch_options):  # before quoting: the message shows the line break as given
        check_one_line(option)
    if gres:
        _check_gres_names(gres)
    for option in sbatch_options:
        check_not_the_scripts_own(option)
    margin = signal_margin(time_limit)
    # each value one word as sbatch reads it: --partition=gpu#2 unquoted submitted to partition gpu
    options = ["--requeue", "--open-mode=append", f"--signal=TERM@{margin}"]
    options += [_one_word_option(option) for option in own] + [_sbatch_option(option) for option in sbatch_options]
    return [f"#SBATCH {option}" for option in options]


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


def check_not_the_scripts_own(option, time_given_as="--time (e.g. --time 4:00:00; time_limit of emit_slurm)"):
    """:class:`~minitransfer.config.ConfigError` where sbatch option ``option`` (its words read as sbatch
    reads them, :func:`scripts_own_options`) sets ``--time`` or ``--signal``, which the scripts set
    themselves: a ``--time`` there overrode the scripts' own without moving their
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
    the train command names its program by its full path). ``time_given_as``: where the message tells
    its reader to give the time limit. A refusal that an option of sbatch 22.05 does not take given with
    a blank may lie behind says so (``--newer -o x``: :data:`UNKNOWN_SPACED`)."""
    refusal = _scripts_own_refusal(option, time_given_as)
    if refusal:
        unknown = unknown_spaced(_given_words(_spaced_value(option.strip()) or option.strip()))
        raise config.ConfigError(refusal + "".join(f" ({UNKNOWN_SPACED.format(name=name)})" for name in unknown))


def _scripts_own_refusal(option, time_given_as):
    """Why :func:`check_not_the_scripts_own` refuses ``option``, or None."""
    found = dict(scripts_own_options(option))  # each kind's last, as sbatch takes it
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


def short_limit_refusal(given, seconds, margin, remedy):
    """Why a time limit of ``seconds`` (``given``: the option or variable that set it) not over the
    scripts' SIGTERM ``margin`` is refused, and ``remedy``, what to do."""
    return (f"{given}: a time limit of {seconds} s is not over the {margin} s before it at which SLURM signals the "
            f"training to checkpoint (--signal=TERM@{margin}): each task would be signalled as it starts and "
            f"requeued over and over; {remedy}")


# sbatch's short options that take no argument (22.05: --hold, --overcommit, --quiet, --oversubscribe, --verbose,
# --wait, --version, --help): getopt reads "-Ht3" as -H -t3; any other letter takes the rest of the word, or the
# next word, as its value (-J, -N; -k's is optional: "-kt3" is --no-kill=t3)
_FLAG_LETTERS = "HOQsvWVh"
_OPTIONAL_VALUE_LETTERS = "k"  # its value in the same word only
# The letters of a value sbatch 22.05 takes ("option requires an argument -- 'J'" given last); others than these
# and the two above it refuses ("invalid option -- 'z'"), which a later sbatch may take
_VALUE_LETTERS = "abcdeimnopqtwxABCDFGJLMNS"


# sbatch 22.05's long options (slurm-wlm 22.05.8; those of Slurm's slurm_opt.c that sbatch takes, each name
# probed on the test cluster's sbatch: "requires an argument", "doesn't allow an argument", "is ambiguous;
# possibilities: ..."), by whether each takes a value. getopt gives one of a value the next word, whatever it is
# (--comment -W is a comment of "-W", seen with sbatch -v); one of an optional value (--exclusive=user) takes it
# in the same word only, like one of none. A prefix of one option is that option, of several refused by sbatch.
_LONG_OPTIONS_OF_NO_VALUE = frozenset((
    "contiguous", "help", "hold", "ignore-pbs", "no-requeue", "overcommit", "oversubscribe", "parsable", "quiet",
    "reboot", "requeue", "spread-job", "test-only", "usage", "use-min-nodes", "verbose", "version", "wait"))
_LONG_OPTIONS_OF_AN_OPTIONAL_VALUE = frozenset(("exclusive", "get-user-env", "nice", "no-kill", "propagate"))
_LONG_OPTIONS_OF_A_VALUE = frozenset((
    "account", "acctg-freq", "array", "batch", "bb", "bbf", "begin", "chdir", "cluster", "cluster-constraint",
    "clusters", "comment", "constraint", "container", "context", "core-spec", "cores-per-socket", "cpu-freq",
    "cpus-per-gpu", "cpus-per-task", "deadline", "delay-boot", "dependency", "distribution", "error", "exclude",
    "export", "export-file", "extra-node-info", "gid", "gpu-bind", "gpu-freq", "gpus", "gpus-per-node",
    "gpus-per-socket", "gpus-per-task", "gres", "gres-flags", "hint", "input", "job-name", "kill-on-invalid-dep",
    "licenses", "mail-type", "mail-user", "mcs-label", "mem", "mem-bind", "mem-per-cpu", "mem-per-gpu", "mincpus",
    "network", "nodefile", "nodelist", "nodes", "ntasks", "ntasks-per-core", "ntasks-per-gpu", "ntasks-per-node",
    "ntasks-per-socket", "ntasks-per-tres", "open-mode", "output", "partition", "power", "prefer", "priority",
    "profile", "qos", "reservation", "signal", "sockets-per-node", "switches", "tasks-per-node", "thread-spec",
    "threads-per-core", "time", "time-min", "tmp", "uid", "wait-all-nodes", "wckey", "wrap"))
LONG_OPTIONS = _LONG_OPTIONS_OF_NO_VALUE | _LONG_OPTIONS_OF_AN_OPTIONAL_VALUE | _LONG_OPTIONS_OF_A_VALUE
# Where a long option no sbatch 22.05 takes (a later sbatch's, or a prefix of several) is given with a blank, the
# word after it is read as an option, not as its value: the reading that refuses an option of the scripts' own
# either way (a later sbatch could take it as one of no value)
UNKNOWN_SPACED = ("{name} is no option of sbatch 22.05, nor a prefix of only one: the word after it was read "
                  "as an option, as an sbatch taking {name} without a value would read it; if it is {name}'s value, "
                  "give it in the same word, {name}=VALUE")


def long_option(name):
    """The sbatch 22.05 long option ``--name`` is as its getopt reads it (``name`` without its dashes): itself
    where it is one, else the one option it is a prefix of (``comm``: ``comment``); None for no option, or a
    prefix of several (``tim``: ``time`` and ``time-min``), which sbatch refuses."""
    if name in LONG_OPTIONS:
        return name
    options = [option for option in LONG_OPTIONS if option.startswith(name)]
    return options[0] if len(options) == 1 else None


def takes_next_word(word):
    """Whether sbatch's getopt takes the word after option word ``word`` as its value: a long option of a
    value given without ``=`` (``--comment``, ``--comm``), or letters ending in one of a value (``-J``,
    ``-vo``); not a long option no sbatch 22.05 takes (:data:`UNKNOWN_SPACED`)."""
    long = re.fullmatch(r"--([^=]+)", word, re.DOTALL)
    if long:
        return long_option(long.group(1)) in _LONG_OPTIONS_OF_A_VALUE
    letters = word[1:] if re.match(r"-[^-]", word) else ""
    for place, letter in enumerate(letters):
        if letter not in _FLAG_LETTERS:
            return not letters[place + 1:] and letter not in _OPTIONAL_VALUE_LETTERS
    return False


def _long_options_from(name):
    """The sbatch 22.05 long options ``--name`` (without its dashes) may be as getopt reads it: itself
    where it is one, else every option it is a prefix of (several: ambiguous, refused by sbatch)."""
    return [name] if name in LONG_OPTIONS else sorted(option for option in LONG_OPTIONS if option.startswith(name))


def _reads_next_word(word):
    """Whether sbatch 22.05 takes the word after option word ``word`` as its value: True, False, or None
    where an sbatch may take it or not: a long option sbatch 22.05 does not take given without ``=``
    (:data:`UNKNOWN_SPACED`), or letters ending in one it does not take (``-z``), or in one after it
    (``-zJ``: a later sbatch's -z may take the J as its value)."""
    long = re.fullmatch(r"--([^=]+)(=.*)?", word, re.DOTALL)
    if long:
        known = long_option(long.group(1)) is not None
        return False if long.group(2) is not None else (takes_next_word(word) if known else None)
    for place, letter in enumerate(word[1:]):
        if letter in _VALUE_LETTERS:
            return not word[place + 2:]
        if letter not in _FLAG_LETTERS:
            return False if letter in _OPTIONAL_VALUE_LETTERS else None
    return False


def unknown_spaced(words):
    """The long options among ``words`` that no sbatch 22.05 takes given without ``=`` and followed by a
    word starting with ``-`` (read as an option, :data:`UNKNOWN_SPACED`)."""
    return [word for word, following in zip(words, words[1:])
            if re.fullmatch(r"--[^=]+", word) and long_option(word[2:]) is None and following.startswith("-")]


# The long options scripts_own_options finds, by kind (the value each takes: _LONG_OPTIONS_OF_A_VALUE). No prefix
# of --time is one (--tim is ambiguous with --time-min), nor of --cluster (--clust: --cluster-constraint),
# --wait (--wai: --wait-all-nodes), --export (--expo: --export-file); --o and --e are prefixes of several
_OWN_LONG_OPTIONS = {"time": "time", "signal": "signal", "clusters": "clusters", "cluster": "clusters",
                     "no-requeue": "no-requeue", "output": "output", "error": "error", "open-mode": "open-mode",
                     "export": "export", "wait": "wait"}
_OWN_LETTERS = {"t": "time", "M": "clusters", "o": "output", "e": "error"}  # and -W, a flag: wait


def scripts_own_options(option):
    """The options the scripts set themselves, or cannot be submitted with, among the words of sbatch option
    ``option`` (as :func:`_sbatch_option` reads them), as sbatch's getopt reads them on an ``#SBATCH`` line
    or its command line: ``("time", value)`` for ``--time=V``, ``--time V``, ``-tV``, ``-t V`` and ``-t``
    after letters of no value (``-Ht3``, ``-vt 3``: sbatch takes them so), ``("signal", value)`` for
    ``--signal`` or any of its prefixes from ``--si`` (``--sig=USR1@60``: sbatch takes an unambiguous
    prefix of a long option), ``("clusters", value)`` for ``--clusters``, ``--cluster`` and ``-M`` as
    ``-t``, ``("output", value)`` for ``--output`` (from ``--ou``) and ``-o``, ``("error", value)`` for
    ``--error`` (from ``--er``) and ``-e``, ``("open-mode", value)`` (from ``--op``), ``("export",
    value)``, and ``("no-requeue", None)`` (from ``--no-r``) and ``("wait", None)`` (``--wait``, ``-W``),
    which take no value (:data:`_OWN_LONG_OPTIONS`). No prefix of ``--time`` is one: sbatch refuses
    ``--tim=3`` as ambiguous with ``--time-min``, nor of ``--cluster`` (``--clust``, ambiguous with
    ``--cluster-constraint``). A value None where the option ends the words (sbatch refuses it). The word
    after an option of a value given without ``=`` is its value, whatever it is (``--comment -o``: a
    comment; :func:`takes_next_word`); after a long option sbatch 22.05 does not take, an option
    (:data:`UNKNOWN_SPACED`).

    >>> scripts_own_options("--exclusive -Ht3 --sig=USR1@60 -Wo x.out")
    [('time', '3'), ('signal', 'USR1@60'), ('wait', None), ('output', 'x.out')]"""
    words = _given_words(_spaced_value(option.strip()) or option.strip())
    found, value_of_the_last = [], False
    for at, word in enumerate(words):
        if value_of_the_last:  # "-J -t3": a job named -t3
            value_of_the_last = False
            continue
        following = words[at + 1] if at + 1 < len(words) else None
        value_of_the_last = takes_next_word(word)
        long = re.fullmatch(r"--([^=]+)(=.*)?", word, re.DOTALL)
        if long:
            name, given = long.group(1), long.group(2)
            full = long_option(name)
            if full in _OWN_LONG_OPTIONS:
                value = (given[1:] if given is not None else following) if full in _LONG_OPTIONS_OF_A_VALUE else None
                found.append((_OWN_LONG_OPTIONS[full], value))
            continue
        letters = word[1:] if re.match(r"-[^-]", word) else ""
        for place, letter in enumerate(letters):
            if letter == "W":
                found.append(("wait", None))
            if letter not in _FLAG_LETTERS:
                if letter in _OWN_LETTERS:
                    found.append((_OWN_LETTERS[letter], letters[place + 1:] or following))
                break
    return found


_NAMED = re.compile(r"(--[^\s=]+)=(.*)", re.DOTALL)  # a long option holding its value: --name=value


def _sbatch_option(option):
    """``option`` (``--name=value``, as on sbatch's command line) as its ``#SBATCH`` line's text: a value
    holding a blank, ``#``, a quote or a backslash in double quotes, as sbatch reads it as one word
    (unquoted, ``--comment=two words`` made sbatch refuse the script, "Invalid directive found in batch
    script: words", ``run#2`` was cut at ``#``, and ``it's`` lost its quote, read as one opening a
    quoted part). A long option and its value given with a blank
    (``--comment two words``, ``--mem 4G``) is written ``--name=value`` (:func:`_spaced_value`). Other
    forms (``-A lab``, ``--mem 4G --exclusive``, ``--comment "two words"``) are their words
    (:func:`_given_words`), each quoted as above where it needs it: written as given, ``-J it's`` and
    ``--comment it's --exclusive`` made sbatch refuse the script ("Unmatched `'`"), and ``-J run#2``
    named the job ``run``. ``--name=value`` is one option where it is one word as a shell reads it,
    its quotes taken (``--comment="two words"``: its quotes were quoted, part of the comment),
    or where no word after the first starts with ``-`` (``--comment=two words``, ``--comment=a "b"``,
    its quotes part of the value); ``--mem=4G --exclusive`` is two (it was ``--mem="4G --exclusive"``,
    an invalid --mem and no --exclusive)."""
    text = _spaced_value(option.strip()) or option.strip()
    words = _given_words(text)
    if len(words) > 1 and _NAMED.fullmatch(text) and not any(word.startswith("-") for word in words[1:]):
        words = [text]
    _check_sbatch_reads(option, words)
    return " ".join(_one_word_option(word) for word in words)


def _one_word_option(word):
    """``word`` (an option, ``--name=value`` or a value) as one word of an ``#SBATCH`` line: a value
    holding a blank, ``#``, a quote or a backslash in double quotes."""
    special = r"[\s#\"'\\]"
    named = _NAMED.fullmatch(word)
    if named:
        return word if not re.search(special, named.group(2)) else f"{named.group(1)}={_sbatch_word(named.group(2))}"
    return _sbatch_word(word) if re.search(special, word) or not word else word


def _given_words(text):
    """The words of an ``--sbatch-option`` ``text``: as a shell splits them where it reads it (quotes
    taken: ``--comment "two words"``), else split at blanks, a quote or a backslash part of its word
    (``-J it's``, which a shell would not read: one left open)."""
    return shlex.split(text) if _shell_words(text) else text.split()


def _spaced_value(option):
    """``--name=value`` for an ``option`` given as a long option, a blank and its value of one or more
    words (``--comment two words``), which sbatch would split into the option, its first word and words
    of no option it refuses the script for ("Invalid directive found in batch script: words"); None
    for any other option, left as given: one quoted for sbatch, which reads quotes and backslashes as a
    shell does (``--comment "two words"``), or a word starting with ``-`` (``--mem 4G --exclusive``: two
    options). A quote or a backslash a shell would not read (``--comment it's``: one left open) is
    part of the value, as in ``--comment=it's``: written as given, sbatch dropped it."""
    words = option.split()
    if len(words) < 2 or (re.search(r"[\"'\\]", option) and _shell_words(option)):
        return None
    if not re.fullmatch(r"--[^=]+", words[0]) or any(word.startswith("-") for word in words[1:]):
        return None
    return f"{words[0]}={option[len(words[0]):].strip()}"


def _check_sbatch_reads(option, words):
    """:class:`~minitransfer.config.ConfigError` where sbatch would refuse ``words``, those of ``option`` as
    its ``#SBATCH`` line holds them, when submit.sh submits the script (seen on the test cluster), naming
    the option, what sbatch would say and what to write instead: an option its getopt refuses
    (:func:`_option_refusal`: ``--hold=x``, ``--hold x`` written so, ``--comment`` last, ``--tim=3``,
    ``-J`` last), or a word it would read as one of no option ("Invalid directive found in batch
    script"): the first (``mem=4G``), one after an option of no value (``-H x``, ``--mem 4G --hold x``;
    not after an option sbatch 22.05 does not take, which a later sbatch may give it:
    :func:`_reads_next_word`), two in a row after an option (``--comment two words --exclusive``, ``-J
    my job``), or one after an option holding its value (``--comment=two words --exclusive``,
    ``--comment -o x``: -o the comment, :func:`takes_next_word`)."""
    named_at, value_of_the_last = 0, False
    for at, word in enumerate(words):
        if value_of_the_last:
            value_of_the_last = False
        elif re.match(r"-.", word):
            refusal = _option_refusal(word, last=at + 1 == len(words))
            if refusal:
                raise config.ConfigError(f"sbatch option {option!r}: sbatch would refuse the script when submit.sh "
                                         f"submits it, saying \"{refusal[0]}\"; {refusal[1]}")
            named_at, value_of_the_last = at, takes_next_word(word)
        elif at == 0 or (at - named_at == 1 and _reads_next_word(words[named_at]) is False
                         and not _NAMED.fullmatch(words[named_at])):
            raise config.ConfigError(f"sbatch option {option!r}: sbatch would read {word!r} as a word of no option "
                                     f"and refuse the script (\"Invalid directive found in batch script: {word}\"); "
                                     + _stray_word_remedy(words[named_at] if at else None, word))
        elif at - named_at > 1 or _NAMED.fullmatch(words[named_at]):
            # sbatch gives an option one word at most, --name=value none
            name, value = words[named_at], " ".join(words[named_at + 1:at + 1])
            spelled = (f"{name} {value}" if "=" in name else f"{name}={value}") if name.startswith("--") else \
                f'{name} "{value}"'
            raise config.ConfigError(f"sbatch option {option!r}: sbatch would read {word!r} as a word of no option "
                                     f"and refuse the script; give each option as its own --sbatch-option, a value "
                                     f"of several words as --sbatch-option={shlex.quote(spelled)}")


def _option_refusal(word, last):
    """What sbatch 22.05's getopt says refusing option word ``word`` (``last``: no word after it), and what
    to write instead; None where it takes it, or a later sbatch may (an option sbatch 22.05 does not take:
    :data:`UNKNOWN_SPACED`). Refused: a prefix of several long options (``--tim=3``, ``--o``), one of no
    value given one (``--hold=x``, ``--ho=x``), one of a value given none (``--comment`` last), and a
    letter of a value given none (``-J``, ``-HJ`` last)."""
    long = re.fullmatch(r"--([^=]+)(=.*)?", word, re.DOTALL)
    if long:
        name, given = long.groups()
        options = _long_options_from(name)
        if len(options) > 1:
            return (f"option '{word}' is ambiguous", "give one of the options it begins in full: "
                    + ", ".join(f"--{option}" for option in options))
        if options and options[0] in _LONG_OPTIONS_OF_NO_VALUE and given is not None:
            return f"option '--{options[0]}' doesn't allow an argument", f"give --{options[0]} without a value"
        if options and options[0] in _LONG_OPTIONS_OF_A_VALUE and given is None and last:
            return (f"option '--{options[0]}' requires an argument",
                    f"give its value in the same word, --{name}=VALUE")
        return None
    if last and _reads_next_word(word):
        return f"option requires an argument -- '{word[-1]}'", f"give its value after it, {word} VALUE"
    return None


def _stray_word_remedy(option, word):
    """What to write instead of ``word``, read as a word of no option after option word ``option`` of
    none in the next word (None: ``word`` the first)."""
    if option is None:
        return "an sbatch option begins with - or -- (--mem=4G, -J name)"
    long = re.fullmatch(r"--([^=]+)", option)
    if long and long_option(long.group(1)) in _LONG_OPTIONS_OF_AN_OPTIONAL_VALUE:
        return f"give {option}'s value in the same word, {option}={word}"
    if option[-1] in _OPTIONAL_VALUE_LETTERS and not long:
        return f"give {option}'s value in the same word, {option}{word}"
    return f"{option} takes no value: give it without {word!r}"


def _shell_words(text):
    """Whether ``text`` reads as words as a shell (and sbatch) splits them: no quote left open, no
    backslash at its end."""
    try:
        shlex.split(text)
    except ValueError:
        return False
    return True


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

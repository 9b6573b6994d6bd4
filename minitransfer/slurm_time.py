"""Time limits of the array tasks (:mod:`minitransfer.slurm`): ``--time`` read as sbatch reads it, the
SIGTERM sent before the limit for the training to checkpoint (``--signal=TERM@<margin>``), the shortest
limit that leaves training time before it, and ``submit.sh``'s checks of the limits the scripts do not
set themselves: ``SBATCH_TIMELIMIT`` (:func:`time_limit_variable_lines`), an ``#SBATCH --time`` line edited by hand
(:func:`edited_time_lines`) and, without a ``--time``, the partition's (:func:`partition_time_lines`).
"""

import re
import shlex

SIGNAL_MARGIN_SECONDS = 300  # SIGTERM this long before the time limit: time to write a checkpoint
SHORTEST_TIME_LIMIT_SECONDS = 300
# Training a task's time limit leaves at least, before SLURM's SIGTERM: under it a task is not requeued on exit 75
# (SLURM would signal it again as it starts, over and over), and submit.sh refuses such a limit before queueing
SHORTEST_TRAINING_SECONDS = 60
# Slurm's time_str2secs sums the fields as seconds in a C int, then rounds up to minutes: a longer limit
# overflows (1000000000000000000000000000000 minutes was written into the scripts as given)
LONGEST_TIME_LIMIT_SECONDS = 2**31 - 1 - 59
# ASCII digits only: \d took "٩٠" (Arabic-Indic 90), which int() reads and sbatch refuses
_TIME_LIMIT = re.compile(r"(?:([0-9]+)-([0-9]+)(?::([0-9]+)(?::([0-9]+))?)?|([0-9]+)(?::([0-9]+)(?::([0-9]+))?)?)")
TIME_LIMIT_FORMS = "minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or 0 or UNLIMITED for none"
NO_TIME_LIMIT = ("UNLIMITED", "INFINITE")  # as sbatch reads them (any case), like a limit of 0
# What becomes of a job asking for no limit, or one longer than its partition's MaxTime: submit.sh refuses it
PAST_MAX_TIME = ("SLURM leaves a job that asks for more than its partition's MaxTime PENDING "
                 "(Reason=PartitionTimeLimit), never started, or refuses it (EnforcePartLimits)")


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
                         "training is told to stop a fifth of it (at most 5 minutes) before the limit; give --time "
                         f"{SHORTEST_TIME_LIMIT_SECONDS // 60} or more")
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


# A time limit as squeue (%l) and scontrol show it, [D-][H:]MM:SS, matched by bash's [[ =~ ]], and its seconds
# as a bash arithmetic expression of the match (UNLIMITED and NONE do not match); read by LISTED_LIMIT_FUNCTION
_LISTED_LIMIT = "^(([0-9]+)-)?(([0-9]+):)?([0-9]+):([0-9]+)$"
_LISTED_LIMIT_SECONDS = ("((10#${BASH_REMATCH[2]:-0} * 24 + 10#${BASH_REMATCH[4]:-0}) * 60 + 10#${BASH_REMATCH[5]})"
                         " * 60 + 10#${BASH_REMATCH[6]}")
# Bash lines defining listed_limit, the one reader of such a limit in each script that reads one (the array
# tasks', submit.sh); a caller's locals where it declares listed_seconds and listed_minutes
LISTED_LIMIT_FUNCTION = (
    "# listed_limit LIMIT: a time limit as squeue and scontrol list it, [D-][H:]MM:SS, in $listed_seconds and,",
    "# rounded up to whole minutes, $listed_minutes; fails for another (UNLIMITED, NONE)",
    "listed_limit() {",
    f'  [[ "$1" =~ {_LISTED_LIMIT} ]] || return 1',
    f"  listed_seconds=$(( {_LISTED_LIMIT_SECONDS} ))",
    "  listed_minutes=$(( (listed_seconds + 59) / 60 ))",
    "}",
)


def signal_margin(time_limit=None):
    """Seconds before the time limit at which SLURM sends SIGTERM: 300, or a fifth of a short limit."""
    seconds = None if time_limit is None else parse_time_limit(time_limit)
    return SIGNAL_MARGIN_SECONDS if seconds is None else min(SIGNAL_MARGIN_SECONDS, seconds // 5)


def shortest_time_limit_minutes(margin):
    """The shortest time limit, in whole minutes as SLURM holds one, that leaves
    :data:`SHORTEST_TRAINING_SECONDS` of training before the scripts' SIGTERM ``margin`` (6 for 300 s):
    a task of a shorter one is signalled as it starts, and not requeued."""
    return -(-(margin + SHORTEST_TRAINING_SECONDS) // 60)


def shortest_time_option_minutes(margin):
    """The shortest ``--time`` to emit the scripts again with, in minutes, where a limit leaves too little training
    before the scripts' SIGTERM ``margin``: one that leaves :data:`SHORTEST_TRAINING_SECONDS` of it
    (:func:`shortest_time_limit_minutes`) and that the emission takes (:func:`parse_time_limit` refuses one under
    :data:`SHORTEST_TIME_LIMIT_SECONDS`). A task whose limit was under its margin of 120 s (emitted with ``--time
    10``) advised ``--time 3``, which the emission refused ("give --time 5 or more")."""
    return max(shortest_time_limit_minutes(margin), SHORTEST_TIME_LIMIT_SECONDS // 60)


def short_limit_refusal(given, limit, margin, remedy, who="each task"):
    """Why a time limit ``limit`` (as said; ``given``: what set it) shorter than
    :func:`shortest_time_limit_minutes` of the scripts' SIGTERM ``margin`` is refused, and ``remedy``, what
    to do; ``who``: the tasks it applies to."""
    return (f"{given}: a time limit of {limit} leaves under {SHORTEST_TRAINING_SECONDS} s of training before the "
            f"{margin} s before it at which SLURM signals the training to checkpoint (--signal=TERM@{margin}): {who} "
            f"would be signalled as it starts, and not requeued; {remedy}")


_FIELDS = "([0-9]{1,9})"
# Bash lines defining limit_seconds, which echoes a time limit as sbatch reads it (minutes, MM:SS, HH:MM:SS,
# D-HH[:MM[:SS]]) in seconds, and nothing for another (UNLIMITED, a form sbatch would not read: left to it)
_LIMIT_SECONDS_FUNCTION = (
    "limit_seconds() {",
    f'  if [[ "$1" =~ ^{_FIELDS}-{_FIELDS}(:{_FIELDS}(:{_FIELDS})?)?$ ]]; then',
    "    echo $(( ((10#${BASH_REMATCH[1]} * 24 + 10#${BASH_REMATCH[2]}) * 60 + 10#${BASH_REMATCH[4]:-0}) * 60"
    " + 10#${BASH_REMATCH[6]:-0} ))",
    f'  elif [[ "$1" =~ ^{_FIELDS}:{_FIELDS}:{_FIELDS}$ ]]; then',
    "    echo $(( (10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[2]}) * 60 + 10#${BASH_REMATCH[3]} ))",
    f'  elif [[ "$1" =~ ^{_FIELDS}(:{_FIELDS})?$ ]]; then',
    "    echo $(( 10#${BASH_REMATCH[1]} * 60 + 10#${BASH_REMATCH[3]:-0} ))",
    "  fi",
    "}",
)


def edited_time_lines():
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing; ``--dry-run`` too), in the scripts' folder,
    where an array script's ``#SBATCH --time`` line, edited by hand (its ``#SBATCH`` lines are the user's to edit),
    leaves under :data:`SHORTEST_TRAINING_SECONDS` of training before the SIGTERM of its ``#SBATCH --signal=TERM@``
    line, as a task would find it and refuse to requeue itself (``short_time_limit`` of
    :mod:`minitransfer.slurm_array`); not where ``SBATCH_TIMELIMIT``, which sbatch takes over the line, is set
    (:func:`time_limit_variable_lines` checks it). Before, such a script was submitted: each task was signalled as
    it started, wrote a checkpoint and ended unfinished, its transfers stuck (seen on the test cluster with
    ``--time=10`` edited to ``--time=2``, its SIGTERM 120 s before the limit), and ``submit.sh --dry-run`` said all
    was well. Needs :func:`time_limit_variable_lines`'s ``limit_seconds``."""
    refusal = short_limit_refusal("nothing submitted: $scripts/$script asks for --time=$limit (its #SBATCH line)",
                                  "$limit_secs s", "$margin",
                                  "edit that line to at least $least minutes, or emit the scripts again with a "
                                  f"--time of {SHORTEST_TIME_LIMIT_SECONDS // 60} minutes or more, then rerun "
                                  "$submit_sh", "each of its tasks")
    return [
        "# an #SBATCH --time line edited to a limit that leaves no training before the SIGTERM of the --signal line",
        'for script in bases.sh transfers.sh; do',
        '  if [ ! -f "$script" ] || [ -n "${SBATCH_TIMELIMIT+set}" ]; then continue; fi',
        "  limit=$(sed -n 's/^#SBATCH --time[= ]\\([^ ]*\\) *$/\\1/p' -- \"$script\" | tail -n 1)",
        "  margin=$(sed -n 's/^#SBATCH --signal[= ]TERM@\\([0-9]\\{1,9\\}\\) *$/\\1/p' -- \"$script\" | tail -n 1)",
        '  limit_secs=$(limit_seconds "$limit")',
        '  if [ -z "$limit_secs" ] || [ -z "$margin" ] || [ "$limit_secs" -eq 0 ]; then continue; fi',
        f"  least=$(( (10#$margin + {SHORTEST_TRAINING_SECONDS} + 59) / 60 ))",
        "  # SLURM rounds a limit up to whole minutes",
        '  if [ "$(( (limit_secs + 59) / 60 ))" -lt "$least" ]; then',
        f'    echo "{refusal}" >&2',
        "    exit 2",
        "  fi",
        "done",
    ]


def time_limit_variable_lines(margin):
    """Bash lines ending ``submit.sh`` (exit 2, submitting nothing) where ``SBATCH_TIMELIMIT``, which sbatch
    takes over the scripts' ``--time``, leaves under a minute of training before ``margin``, refused as the
    task would refuse to requeue itself under it (:func:`shortest_time_limit_minutes`: it said "at least 5
    minutes" of a limit of 5 it refused), as the same limit given as an ``--sbatch-option`` is (each task
    signalled as it starts and requeued over and over; before, only a task that had trained until its
    SIGTERM said so, after the requeues), read as :func:`parse_time_limit` reads it (a limit sbatch would
    not read is left to it). Its seconds stay in ``$seconds`` ("" where not read) for
    :func:`partition_time_lines`."""
    shortest = shortest_time_limit_minutes(margin)
    refusal = short_limit_refusal("nothing submitted: SBATCH_TIMELIMIT=$SBATCH_TIMELIMIT, which sbatch takes over "
                                  "the scripts' --time", "$seconds s", margin,
                                  f"unset SBATCH_TIMELIMIT, or set it to at least {shortest} minutes, then rerun "
                                  "$submit_sh")
    return [
        *_LIMIT_SECONDS_FUNCTION,
        'seconds=$(limit_seconds "${SBATCH_TIMELIMIT-}")',
        "# SLURM rounds a limit up to whole minutes",
        f'if [ -n "$seconds" ] && [ "$seconds" -gt 0 ] && [ "$(( (seconds + 59) / 60 ))" -lt {shortest} ]; then',
        f'  echo "{refusal}" >&2',
        "  exit 2",
        "fi",
    ]


def partition_time_lines(margin, partition, scripts_limit):
    """Bash lines ending ``submit.sh`` (exit 2, before anything is queued; ``--dry-run`` too) where the
    jobs' partition has a time limit they cannot work with. The partition: of ``SBATCH_PARTITION``, else
    ``partition`` (:func:`~minitransfer.slurm_sbatch.shared_sbatch_lines`; each of a list), else the
    cluster's default, read by ``scontrol show partition`` (one it does not show is left to sbatch).
    ``scripts_limit``: "DefaultTime" where the scripts give no ``--time``, "UNLIMITED" where they ask for
    none (``0`` or ``UNLIMITED``), else their ``--time`` as given (``SBATCH_TIMELIMIT``, which sbatch takes
    over them, likewise; "" for none checked).

    - No ``--time``: each task gets its partition's DefaultTime, else its MaxTime; refused where that is
      shorter than :func:`shortest_time_limit_minutes` of ``margin`` (of a list, any one: a task started
      on it). Before, every task was queued, took a node, was signalled as it started and exited 75
      without requeueing itself, its transfers left waiting (``DependencyNeverSatisfied``; seen with
      ``DefaultTime=4`` on the test cluster).
    - No limit asked for: a job is not given its partition's MaxTime. SLURM leaves one that asks for more
      than it PENDING, never started (Reason ``PartitionTimeLimit``: seen on the test cluster with
      ``MaxTime=5`` and ``--time 0``, ``UNLIMITED`` or ``SBATCH_TIMELIMIT=UNLIMITED``, which
      ``sbatch --test-only`` took), or refuses it under ``EnforcePartLimits`` (sbatch(1)); refused where
      every partition (of a list) has a MaxTime.
    - A limit longer than the partition's MaxTime: likewise PENDING for good (seen on the test cluster with
      ``MaxTime=5`` and ``--time 10``); refused where it is longer than every partition's (of a list)."""
    shortest = shortest_time_limit_minutes(margin)
    asked, asker, least = scripts_limit, "the scripts' --time (emitted with 0 or UNLIMITED)", shortest
    if scripts_limit not in ("DefaultTime", "UNLIMITED", ""):
        # emitted again, the scripts' SIGTERM margin follows the new --time: any sbatch takes leaves time to train
        asked, asker = parse_time_limit(scripts_limit), f"the scripts' --time (emitted with {scripts_limit})"
        least = shortest_time_option_minutes(margin)
    given = "nothing submitted: the scripts give no --time, so $who gets the $field of partition $name$which " \
            "(scontrol show partition $name)"
    by_time = short_limit_refusal(given, "$limit", margin, f"emit the scripts again with --time {shortest} or more "
                                  "(partition $name's MaxTime: $max), or with another --partition, then rerun "
                                  "$submit_sh",
                                  "$who")
    by_partition = short_limit_refusal(given, "$limit", margin, "emit the scripts again with ${time_fix}another "
                                       f"--partition, one whose MaxTime is at least {shortest} minutes, then rerun "
                                       "$submit_sh", "$who")
    unlimited = f"nothing submitted: $asker asks for $asks, but $where: {PAST_MAX_TIME}; $remedy, then rerun $submit_sh"
    return [
        *LISTED_LIMIT_FUNCTION,
        "# no time limit of the scripts' own, nor of SBATCH_TIMELIMIT: the partition's applies (DefaultTime, else",
        "# MaxTime), which a task that leaves too little of it to train is signalled as it starts, and not requeued;",
        "# no limit asked for, or one longer than the partition's MaxTime: SLURM never starts the job",
        f"asked={shlex.quote(str(asked))} least={least}  # the limit asked for (seconds); the shortest a --time may be",
        f"asker={shlex.quote(asker)}",
        'time_remedy="emit the scripts again with a --time no longer than that MaxTime ($least minutes or more)"',
        'partition_remedy="emit the scripts again with another --partition, one"',
        'if [ -n "${SBATCH_TIMELIMIT+set}" ]; then',
        '  asked=""',
        '  if [ "$seconds" = 0 ] || [[ "${SBATCH_TIMELIMIT^^}" == @(UNLIMITED|INFINITE) ]]; then',
        "    asked=UNLIMITED",
        '  elif [ -n "$seconds" ]; then',
        "    asked=$seconds",
        "  fi",
        f'  asker="SBATCH_TIMELIMIT=$SBATCH_TIMELIMIT, which sbatch takes over the scripts\' --time," least={shortest}',
        '  time_remedy="give SBATCH_TIMELIMIT a limit no longer than that MaxTime ($least minutes or more)"',
        '  partition_remedy="give SBATCH_PARTITION a partition"',
        "fi",
        'asks="no time limit" enough=UNLIMITED shorter=""',
        'if [[ "$asked" =~ ^[0-9]+$ ]]; then',
        '  asks="a time limit of $(( (asked + 59) / 60 )) minutes" enough="at least $(( (asked + 59) / 60 )) minutes"',
        '  shorter=" shorter than that"',
        "fi",
        'if [ -n "$asked" ] && type -P scontrol > /dev/null; then',
        f"  partitions=${{SBATCH_PARTITION:-{shlex.quote(partition or '')}}} which=\"\"",
        '  if [ -z "$partitions" ]; then',
        "    which=\" (the cluster's default partition)\"",
        "    partitions=$(scontrol --oneliner show partition 2>/dev/null |"
        " sed -n 's/^PartitionName=\\([^ ]*\\) .*\\<Default=YES\\>.*/\\1/p' | head -n 1) || true",
        "  fi",
        '  IFS=, read -r -a names <<< "$partitions"',
        '  who="each task"',
        "  fits=no bounded=\"\" roomy=no  # of a limit asked for: a partition it fits, the MaxTimes it does not fit",
        '  for name in ${names[@]+"${names[@]}"}; do',
        '    if [ "${#names[@]}" -gt 1 ]; then who="a task started on $name"; fi',
        '    if ! record=$(scontrol --oneliner show partition "$name" 2>/dev/null); then fits=yes; continue; fi',
        "    max=$(sed -n 's/.* MaxTime=\\([^ ]*\\).*/\\1/p' <<< \"$record\") field=MaxTime",
        '    if [ "$asked" != DefaultTime ]; then',
        '      if ! listed_limit "$max"; then fits=yes; continue; fi',
        "      maximum=$listed_minutes",
        '      if [ "$asked" != UNLIMITED ] && [ "$(( (asked + 59) / 60 ))" -le "$maximum" ]; then',
        "        fits=yes",
        "        continue",
        "      fi",
        '      bounded+="${bounded:+, }$name: $max"',
        '      if [ "$maximum" -ge "$least" ]; then roomy=yes; fi',
        "      continue",
        "    fi",
        "    limit=$(sed -n 's/.* DefaultTime=\\([^ ]*\\).*/\\1/p' <<< \"$record\")",
        '    if [ -z "$limit" ] || [ "$limit" = NONE ]; then limit=$max; else field=DefaultTime; fi',
        f'    if ! listed_limit "$limit" || [ "$listed_minutes" -ge {shortest} ]; then',
        "      continue",
        "    fi",
        '    if [ "$field" = DefaultTime ] &&'
        f' {{ ! listed_limit "$max" || [ "$listed_minutes" -ge {shortest} ]; }}; then',
        f'      echo "{by_time}" >&2',
        "    else",
        "      # a --time of the scripts' own moves their SIGTERM to a fifth of it: one up to MaxTime fits, if any may",
        '      time_fix=""',
        f'      if listed_limit "$max" && [ "$listed_minutes" -ge {SHORTEST_TIME_LIMIT_SECONDS // 60} ]; then',
        '        time_fix="--time $listed_minutes (no longer than partition $name\'s MaxTime, $max: with a --time of'
        f' their own, the scripts have SLURM signal the training a fifth of it before the limit, at most'
        f' {SIGNAL_MARGIN_SECONDS // 60} minutes), or with "',
        "      fi",
        f'      echo "{by_partition}" >&2',
        "    fi",
        "    exit 2",
        "  done",
        '  if [ "$asked" != DefaultTime ] && [ "$fits" = no ] && [ -n "$bounded" ]; then',
        '    if [ "${#names[@]}" -gt 1 ]; then',
        '      where="each of partitions $partitions has a MaxTime$shorter ($bounded; scontrol show partition)"',
        "    else",
        '      where="partition $name$which has a MaxTime of $max (scontrol show partition $name)"',
        "    fi",
        '    remedy="$partition_remedy whose MaxTime is $enough"',
        '    if [ "$roomy" = yes ]; then remedy="$time_remedy, or $remedy"; fi',
        f'    echo "{unlimited}" >&2',
        "    exit 2",
        "  fi",
        "fi",
    ]

"""What each array task asks SLURM for: the ``#SBATCH`` lines both array scripts share, each one line
that sbatch reads as it was given (a line break refused), and the time limit with the SIGTERM sent
before it (:mod:`minitransfer.slurm`).
"""

import re
import shlex

from minitransfer import config

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


def shared_sbatch_lines(gres, partition, time_limit, sbatch_options):
    """The ``#SBATCH`` lines both array scripts share (the job name and output file come after)."""
    options = ["--requeue", "--open-mode=append", f"--signal=TERM@{signal_margin(time_limit)}"]
    options += [f"--gres={gres}"] if gres else []
    options += [f"--partition={partition}"] if partition else []
    options += [f"--time={str(time_limit).strip()}"] if time_limit else []  # sbatch refuses "--time= 90"
    options += [_sbatch_option(option) for option in sbatch_options]
    for option in options:
        check_one_line(option)
    return [f"#SBATCH {option}" for option in options]


def _sbatch_option(option):
    """``option`` (``--name=value``, as on sbatch's command line) as its ``#SBATCH`` line's text: a value
    holding a blank, ``#``, a double quote or a backslash in double quotes, as sbatch reads it as one word
    (unquoted, ``--comment=two words`` made sbatch refuse the script, "Invalid directive found in batch
    script: words", and ``run#2`` was cut at ``#``). A long option and its value given with a blank
    (``--comment two words``, ``--mem 4G``) is written ``--name=value`` (:func:`_spaced_value`). Other
    forms (``-A lab``, ``--mem 4G --exclusive``, ``--comment "two words"``) are words as sbatch splits
    them, as they are."""
    text = _spaced_value(option.strip()) or option.strip()
    named = re.fullmatch(r"(--[^\s=]+)=(.*)", text, re.DOTALL)
    if not named or not re.search(r'[\s#"\\]', named.group(2)):
        return text
    return f"{named.group(1)}={_sbatch_word(named.group(2))}"


def _spaced_value(option):
    """``--name=value`` for an ``option`` given as a long option, a blank and its value of one or more
    words (``--comment two words``), which sbatch would split into the option, its first word and words
    of no option it refuses the script for ("Invalid directive found in batch script: words"); None
    for any other option, left as given: one holding a quote or a backslash (quoted for sbatch, which
    reads them as a shell does), or a word starting with ``-`` (``--mem 4G --exclusive``: two options).
    :class:`~minitransfer.config.ConfigError` where that leaves two words of no option in a row, which
    sbatch refuses (``--comment two words --exclusive``, ``-J my job``), naming the option and the
    spelling sbatch reads."""
    words = option.split()
    if len(words) < 2 or re.search(r"[\"'\\\r\n]", option):
        return None
    if re.fullmatch(r"--[^=]+", words[0]) and not any(word.startswith("-") for word in words[1:]):
        return f"{words[0]}={option[len(words[0]):].strip()}"
    named_at = 0
    for at, word in enumerate(words):
        if word.startswith("-"):
            named_at = at
        elif at - named_at > 1:  # sbatch gives an option one word at most
            name, value = words[named_at], " ".join(words[named_at + 1:at + 1])
            spelled = f"{name}={value}" if name.startswith("--") else f'{name} "{value}"'
            raise config.ConfigError(f"sbatch option {option!r}: sbatch would read {word!r} as a word of no option "
                                     f"and refuse the script; give each option as its own --sbatch-option, a value "
                                     f"of several words as --sbatch-option={shlex.quote(spelled)}")
    return None


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

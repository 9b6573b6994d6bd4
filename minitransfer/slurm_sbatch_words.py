"""How sbatch 22.05 reads the words of an option (:mod:`minitransfer.slurm_sbatch` writes them into the
``#SBATCH`` lines and refuses what sbatch would refuse): its getopt's tables of short and long options
and of the values each takes, what a word is as its getopt reads it (:func:`long_option`,
:func:`takes_next_word`, :func:`reads_next_word`), what it says refusing one (:func:`option_refusal`),
the options the scripts set themselves among the words (:func:`scripts_own_options`), and how an
``--sbatch-option`` is split into words (:func:`option_words`).
"""

import re
import shlex

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


def reads_next_word(word):
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
                     "export": "export", "wait": "wait", "partition": "partition"}
_OWN_LETTERS = {"t": "time", "M": "clusters", "o": "output", "e": "error", "p": "partition"}  # and -W, a flag: wait


def scripts_own_options(words):
    """The options the scripts set themselves, or cannot be submitted with, among ``words``, those of an
    sbatch option as :func:`option_words` splits them, as sbatch's getopt reads them on an ``#SBATCH`` line
    or its command line: ``("time", value)`` for ``--time=V``, ``--time V``, ``-tV``, ``-t V`` and ``-t``
    after letters of no value (``-Ht3``, ``-vt 3``: sbatch takes them so), ``("signal", value)`` for
    ``--signal`` or any of its prefixes from ``--si`` (``--sig=USR1@60``: sbatch takes an unambiguous
    prefix of a long option), ``("clusters", value)`` for ``--clusters``, ``--cluster`` and ``-M`` as
    ``-t``, ``("output", value)`` for ``--output`` (from ``--ou``) and ``-o``, ``("error", value)`` for
    ``--error`` (from ``--er``) and ``-e``, ``("open-mode", value)`` (from ``--op``), ``("export",
    value)``, ``("partition", value)`` (``--partition``, ``-p``: whose time limit submit.sh reads), and
    ``("no-requeue", None)`` (from ``--no-r``) and ``("wait", None)`` (``--wait``, ``-W``),
    which take no value (:data:`_OWN_LONG_OPTIONS`). No prefix of ``--time`` is one: sbatch refuses
    ``--tim=3`` as ambiguous with ``--time-min``, nor of ``--cluster`` (``--clust``, ambiguous with
    ``--cluster-constraint``). A value None where the option ends the words (sbatch refuses it). The word
    after an option of a value given without ``=`` is its value, whatever it is (``--comment -o``: a
    comment; :func:`takes_next_word`); after a long option sbatch 22.05 does not take, an option
    (:data:`UNKNOWN_SPACED`).

    >>> scripts_own_options(option_words("--exclusive -Ht3 --sig=USR1@60 -Wo x.out")[1])
    [('time', '3'), ('signal', 'USR1@60'), ('wait', None), ('output', 'x.out')]"""
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


NAMED = re.compile(r"(--[^\s=]+)=(.*)", re.DOTALL)  # a long option holding its value: --name=value


def option_words(option):
    """``option`` (an ``--sbatch-option``) as the text an ``#SBATCH`` line writes, a long option and its
    value given with a blank as ``--name=value`` (:func:`_spaced_value`), and that text's words as sbatch
    splits them (:func:`_given_words`): split once, read by each check and by the line written.

    >>> option_words("--comment two words"), option_words('-J "my job" --hold')[1]
    (('--comment=two words', ['--comment=two', 'words']), ['-J', 'my job', '--hold'])"""
    text = _spaced_value(option.strip()) or option.strip()
    return text, _given_words(text)


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


def option_refusal(word, last):
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
    if last and reads_next_word(word):
        return f"option requires an argument -- '{word[-1]}'", f"give its value after it, {word} VALUE"
    return None


def stray_word_remedy(option, word):
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



"""--sbatch-option given as several words, one of them holding a quote a shell would not read
(``-J it's``) or a ``#`` (``-J run#2``), or as ``--name=value`` followed by more options
(``--mem=4G --exclusive``) or with its value in shell quotes (``--comment="a b"``): each word is
written as sbatch reads it, quoted where it needs it. Read here as sbatch reads an #SBATCH line,
and by a real sbatch."""

import re
import shlex

import pytest
from test_slurm import OPTIONS, cluster, real_options, sbatch_lines  # noqa: F401

from minitransfer import config, slurm
from minitransfer import experiment as grid

GIVEN_AS_WORDS = [("-J it's", ["-J", "it's"]), ("--comment it's --exclusive", ["--comment", "it's", "--exclusive"]),
                  ("-J run#2", ["-J", "run#2"]), ("-J don't --comment=x", ["-J", "don't", "--comment=x"])]


def emitted_line(tmp_path, option, options=OPTIONS):
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", options,
                     sbatch_options=(option, "--hold"))
    lines = {script: sbatch_lines((tmp_path / "slurm" / script).read_text())[-2] for script in ("bases.sh",
                                                                                              "transfers.sh")}
    assert len(set(lines.values())) == 1, lines
    return lines["bases.sh"]


@pytest.mark.parametrize("option, words", GIVEN_AS_WORDS, ids=["short-open-quote", "long-open-quote-then-option",
                                                               "short-hash", "short-open-quote-then-option"])
def test_words_of_an_sbatch_option_are_each_one_word_as_sbatch_reads_them(tmp_path, option, words):
    """Written as given, "#SBATCH -J it's" made sbatch refuse the script ("Unmatched `'`"), and
    "#SBATCH -J run#2" named the job run. The line read as sbatch reads it: words as a shell splits
    them (quotes taken, nothing expanded), up to a '#' outside quotes."""
    assert shlex.split(emitted_line(tmp_path, option), comments=True) == words


@pytest.mark.parametrize("option, words", [
    ("--mem=4G --exclusive", ["--mem=4G", "--exclusive"]), ('--comment="a b"', ["--comment=a b"]),
    ("--comment='a b'", ["--comment=a b"]), ('--comment="a b" --exclusive', ["--comment=a b", "--exclusive"]),
    ("--comment='it''s'", ["--comment=its"]),
], ids=["equals-then-option", "equals-double-quoted", "equals-single-quoted", "equals-quoted-then-option",
        "equals-quotes-joined"])
def test_an_equals_option_is_read_as_a_shell_reads_it(tmp_path, option, words):
    """Everything after '=' was one value in double quotes: "--mem=4G --exclusive" was written
    --mem="4G --exclusive" (an invalid --mem, no --exclusive), and --comment="a b" kept its quotes
    inside the comment (--comment="\\"a b\\""). Read as sbatch reads the line, as in
    test_words_of_an_sbatch_option_are_each_one_word_as_sbatch_reads_them."""
    assert shlex.split(emitted_line(tmp_path, option), comments=True) == words


def test_an_equals_option_followed_by_a_word_of_no_option_is_refused(tmp_path):
    """Split into its words, "--comment=two words --exclusive" would leave "words", which sbatch
    refuses the script for (and only once submit.sh ran); the value of several words as one option."""
    with pytest.raises(config.ConfigError) as refused:
        emitted_line(tmp_path, "--comment=two words --exclusive")
    assert str(refused.value) == ("sbatch option '--comment=two words --exclusive': sbatch would read 'words' as a "
                                  "word of no option and refuse the script; give each option as its own "
                                  "--sbatch-option, a value of several words as "
                                  "--sbatch-option='--comment=two words'")
    assert not any(tmp_path.glob("slurm/*.sh"))


@pytest.mark.parametrize("option, field, value", [("-J it's", "JobName", "it's"),
                                                  ("--comment it's --exclusive", "Comment", "it's"),
                                                  ("-J run#2", "JobName", "run#2"),
                                                  ("--comment=x --exclusive", "Comment", "x"),
                                                  ('--comment="a b"', "Comment", "a b"),
                                                  ("--comment='a b'", "Comment", "a b")],
                         ids=["short-open-quote", "long-open-quote-then-option", "short-hash",
                              "equals-then-option", "equals-double-quoted", "equals-single-quoted"])
def test_real_sbatch_reads_each_word_of_an_sbatch_option_as_given(cluster, tmp_path, option, field, value):
    """What a real sbatch submits (held, so that nothing runs): the job's name or comment as given,
    and --exclusive taken (OverSubscribe=NO), where it refused the script or cut the name at '#'."""
    emitted_line(tmp_path, option, real_options())
    fields = cluster.submitted_fields(tmp_path / "slurm" / "bases.sh", "--array=0")
    assert f" {field}={value} " in fields, fields
    assert re.search(r" OverSubscribe=(\S+)", fields).group(1) == ("NO" if "--exclusive" in option else "OK")

"""An ``--sbatch-option`` long option given with its value after a blank (``--comment -o``): sbatch's
getopt gives an option of a value the next word whatever it is, so ``-o`` there is a comment, not
``--output``; read from sbatch 22.05's own option table (:data:`minitransfer.slurm_sbatch_words.LONG_OPTIONS`,
checked here against the installed sbatch), and by a real sbatch on the test cluster. A long option
no sbatch 22.05 takes is read as one of no value: the word after it an option, the refusal saying so."""

import re
import subprocess

import pytest
from test_slurm import OPTIONS, cluster, real_options, sbatch_lines  # noqa: F401
from test_slurm_options import emit_refused

from minitransfer import slurm, slurm_sbatch_words
from minitransfer import experiment as grid

TAKEN = ["--comment -o", "--comment -W", "--comm -t3", "--comment --output=x", "--mail-user -e", "--chdir -M"]


def emitted_last_line(tmp_path, option, options=OPTIONS):
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", options,
                     sbatch_options=(option,))
    return sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())[-1]


@pytest.mark.parametrize("option", TAKEN, ids=["comment-o", "comment-W", "comment-prefix-t", "comment-output",
                                               "mail-user-e", "chdir-M"])
def test_an_option_word_as_the_spaced_value_of_a_long_option_is_that_value(tmp_path, option):
    """Before: refused as --output, --wait, --time, --error or --clusters, though sbatch reads each as
    the value of the long option before it (a comment of "-o"). Now written as given."""
    assert slurm_sbatch_words.scripts_own_options(slurm_sbatch_words.option_words(option)[1]) == []
    assert emitted_last_line(tmp_path, option) == option


def test_each_sbatch_option_is_split_into_words_once(tmp_path, monkeypatch):
    """Before: each --sbatch-option's words were split three times, by the check of the scripts' own
    options, its words read again for the refusal's note, and by the line written: now once, the
    words passed along (the lines written the same)."""
    split = []
    monkeypatch.setattr(slurm_sbatch_words, "_given_words", lambda text, real=slurm_sbatch_words._given_words:
                        split.append(text) or real(text))
    options = ("--comment two words", "-J 'my job' --hold", "--mem=4G")
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     sbatch_options=options)
    assert split == ["--comment=two words", "-J 'my job' --hold", "--mem=4G"]
    assert sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())[-3:] == [
        '--comment="two words"', '-J "my job" --hold', "--mem=4G"]


@pytest.mark.parametrize("option, said", [
    ("--comment x -o y", "sbatch would take --output over the scripts' --output"),
    ("--exclusive -o y", "sbatch would take --output over the scripts' --output"),
    ("--comment -W -W", "sbatch would take --wait over its default"),
    ("--comment -o x", "sbatch would read 'x' as a word of no option and refuse the script; give each option as "
                       "its own --sbatch-option, a value of several words as --sbatch-option='--comment=-o x'"),
], ids=["value-then-output", "optional-value-then-output", "comment-then-wait", "comment-then-a-stray-word"])
def test_an_option_after_the_spaced_value_is_still_read_as_one(tmp_path, synthetic_8, option, said):
    """--exclusive takes its value in the same word only (as one of no value), so -o after it is
    --output; after --comment's value, -o and -W are options again, and a word after "--comment -o" is
    one of no option, which sbatch refuses the script for."""
    refused, output = emit_refused(tmp_path, synthetic_8, option)
    assert said in refused, refused
    assert said in " ".join(output.split())


@pytest.mark.parametrize("option, name", [("--tres-per-task -o x", "--tres-per-task"), ("--tim -t3", "--tim")],
                         ids=["later-sbatch", "ambiguous-prefix"])
def test_a_long_option_sbatch_does_not_take_reads_the_next_word_as_an_option_and_says_so(tmp_path, synthetic_8,
                                                                                         option, name):
    """--tres-per-task is no option of sbatch 22.05 (a later sbatch's, which might take it without a
    value), --tim a prefix of --time and --time-min: the word after either read as an option, the
    reading that refuses an option of the scripts' own either way, and the refusal says how to give
    it as the value."""
    refused, output = emit_refused(tmp_path, synthetic_8, option)
    assert refused.endswith(f"({name} is no option of sbatch 22.05, nor a prefix of only one: the word after it was "
                            f"read as an option, as an sbatch taking {name} without a value would read it; if it is "
                            f"{name}'s value, give it in the same word, {name}=VALUE)"), refused
    assert f"give it in the same word, {name}=VALUE" in " ".join(output.split())


def test_the_long_option_table_is_the_installed_sbatchs(tmp_path):
    """Every prefix of every option of the table, as the installed sbatch's getopt reads it: an option
    of a value ("requires an argument" where given last), another one, or none ("unrecognized",
    "ambiguous"); needs only the sbatch program and a slurm.conf, no daemon."""
    if subprocess.run(["sh", "-c", "command -v sbatch"], capture_output=True).returncode:
        pytest.skip("no sbatch (apt-get install -y slurm-wlm)")
    conf = tmp_path / "slurm.conf"
    conf.write_text("ClusterName=probe\nSlurmctldHost=localhost\nNodeName=localhost\nPartitionName=p Nodes=localhost\n")
    env = {"SLURM_CONF": str(conf), "PATH": "/usr/bin:/bin"}
    version = subprocess.run(["sbatch", "--version"], env=env, capture_output=True, text=True).stdout.strip()
    if " 22.05." not in f"{version} ":
        pytest.skip(f"the table is sbatch 22.05's; this one is {version or 'of no version'}")
    prefixes = sorted({name[:end] for name in slurm_sbatch_words.LONG_OPTIONS for end in range(1, len(name) + 1)})
    differing = []
    for prefix in prefixes + ["tres-per-task", "x11"]:
        done = subprocess.run(["sbatch", f"--{prefix}"], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        said = (done.stderr + done.stdout).partition("\n")[0]
        named = re.search(r"option '--([^']+)' requires an argument", said)
        read = None if re.search("unrecognized|ambiguous", said) else (named.group(1) if named else "no value")
        full = slurm_sbatch_words.long_option(prefix)
        mine = None if full is None else (full if slurm_sbatch_words.takes_next_word(f"--{prefix}") else "no value")
        if mine != read:
            differing.append((prefix, mine, said))
    assert not differing, differing


@pytest.mark.parametrize("option, comment", [("--comment -o", "-o"), ("--comment -W", "-W")],
                         ids=["comment-o", "comment-W"])
def test_real_sbatch_reads_an_option_word_after_comment_as_the_comment(cluster, tmp_path, option, comment):
    """What a real sbatch submits (held, so that nothing runs): the comment "-o" or "-W", the job's
    output still the scripts' own logs/ file, and sbatch returning once queued (no --wait)."""
    emitted_last_line(tmp_path, option, real_options())
    fields = cluster.submitted_fields(tmp_path / "slurm" / "bases.sh", "--hold", "--array=0")
    assert f" Comment={comment} " in fields, fields
    assert re.search(r" StdOut=(\S+)", fields).group(1).startswith(str(tmp_path / "slurm" / "logs" / "bases-")), fields

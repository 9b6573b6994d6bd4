"""An ``--sbatch-option`` that sbatch 22.05 refuses whatever the cluster: a long option of no value
given one (``--hold=x``, ``--hold x``), one of a value given none (``--comment`` last), a prefix of
several (``--tim=3``), a letter of a value given none (``-J`` last), a word of no option (``-H x``).
Before, each was written into the scripts and refused by sbatch only when submit.sh ran; now refused
at emission, naming the option, what sbatch would say and what to write instead. An option sbatch 22.05
does not take (a later sbatch's) is still written. Checked against a real sbatch: the letter table here,
the refusals' words on the test cluster."""

import re
import subprocess

import pytest
from test_slurm import OPTIONS, cluster  # noqa: F401
from test_slurm_options import emit_cli, emit_refused
from test_slurm_spaced_values import emitted_last_line

from minitransfer import config, slurm, slurm_sbatch_words
from minitransfer import experiment as grid

REFUSED = [
    ("--hold x", "option '--hold' doesn't allow an argument", "give --hold without a value"),
    ("--hold=x", "option '--hold' doesn't allow an argument", "give --hold without a value"),
    ("--ho=x", "option '--hold' doesn't allow an argument", "give --hold without a value"),
    ("--contiguous=yes", "option '--contiguous' doesn't allow an argument", "give --contiguous without a value"),
    ("--comment", "option '--comment' requires an argument", "give its value in the same word, --comment=VALUE"),
    ("--mem=4G --comm", "option '--comment' requires an argument", "give its value in the same word, --comm=VALUE"),
    ("--tim=3", "option '--tim=3' is ambiguous", "give one of the options it begins in full: --time, --time-min"),
    ("--o=x", "option '--o=x' is ambiguous",
     "give one of the options it begins in full: --open-mode, --output, --overcommit, --oversubscribe"),
    ("--s=USR1@60", "option '--s=USR1@60' is ambiguous", "--signal, --sockets-per-node, --spread-job, --switches"),
    ("-J", "option requires an argument -- 'J'", "give its value after it, -J VALUE"),
    ("--hold -HJ", "option requires an argument -- 'J'", "give its value after it, -HJ VALUE"),
    ("-H x", "Invalid directive found in batch script: x", "-H takes no value: give it without 'x'"),
    ("--mem 4G --hold x", "Invalid directive found in batch script: x", "--hold takes no value: give it without 'x'"),
    ("--mem 4G --exclusive user", "Invalid directive found in batch script: user",
     "give --exclusive's value in the same word, --exclusive=user"),
    ("-k x", "Invalid directive found in batch script: x", "give -k's value in the same word, -kx"),
]
# refused by the command line before emit_slurm ("is no sbatch option"), by emit_slurm since
NO_OPTION = ("mem=4G", "Invalid directive found in batch script: mem=4G", "an sbatch option begins with - or --")
# those submitted to the real sbatch: each kind of refusal
REAL = ("no-value-spaced", "value-last", "ambiguous-o", "letter-last", "letter-after-flag-last", "flag-then-word",
        "optional-value-then-word")
IDS = ["no-value-spaced", "no-value-given", "no-value-prefix", "contiguous", "value-last", "value-prefix-last",
       "ambiguous-time", "ambiguous-o", "ambiguous-s", "letter-last", "letter-after-flag-last", "flag-then-word",
       "no-value-then-word", "optional-value-then-word", "optional-letter-then-word"]


@pytest.mark.parametrize("option, said, remedy", REFUSED, ids=IDS)
def test_an_option_sbatch_refuses_is_refused_at_emission(tmp_path, synthetic_8, option, said, remedy):
    """Before: written (--hold x as --hold=x), sbatch refusing the script when submit.sh ran."""
    refused, output = emit_refused(tmp_path, synthetic_8, option)
    assert refused.startswith(f"sbatch option {option!r}: ") and f'"{said}"' in refused, refused
    assert remedy in refused, refused
    assert said in " ".join(output.split()) and "Traceback" not in output


def test_the_library_refuses_a_word_of_no_option_as_the_command_line_does(tmp_path):
    """Before: emit_slurm wrote "#SBATCH mem=4G", which sbatch refused when submit.sh ran."""
    option, said, remedy = NO_OPTION
    with pytest.raises(config.ConfigError, match=re.escape(f'"{said}"); {remedy}')):
        slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                         sbatch_options=(option,))
    assert not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("option, written", [
    ("--newer x", "--newer=x"), ("--newer", "--newer"), ("--mem 4G --newer x", "--mem 4G --newer x"),
    ("-z x", "-z x"), ("-zJ x", "-zJ x"), ("--exclusive user", "--exclusive=user"), ("--hold", "--hold"),
    ("-H", "-H"), ("--comment=", "--comment="), ("-J x", "-J x"), ("--comment -H", "--comment -H"),
], ids=["later-long-spaced", "later-long-last", "later-long-after-one", "later-letter", "later-letter-then-letter",
        "optional-value-spaced", "no-value", "flag", "empty-value", "letter-value", "value-an-option-word"])
def test_an_option_sbatch_takes_or_a_later_one_may_is_written(tmp_path, option, written):
    """--newer and -z are no options of sbatch 22.05 (it says "unrecognized", "invalid option"); a later
    sbatch may take them, with a value in the next word or not: written, not refused."""
    assert emitted_last_line(tmp_path, option) == written


def _sbatch_said(env, *arguments):
    done = subprocess.run(["sbatch", *arguments], env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=30)
    return (done.stderr + done.stdout).partition("\n")[0]


def test_the_letter_table_is_the_installed_sbatchs(tmp_path):
    """Each letter and digit as the installed sbatch's getopt reads it: one of a value ("requires an
    argument" given alone), none (a flag: "-Hz" then refused for -z), one whose value is in the same
    word only (-kz taken), or no option ("invalid option"); needs only sbatch and a slurm.conf."""
    if subprocess.run(["sh", "-c", "command -v sbatch"], capture_output=True).returncode:
        pytest.skip("no sbatch (apt-get install -y slurm-wlm)")
    conf = tmp_path / "slurm.conf"
    conf.write_text("ClusterName=probe\nSlurmctldHost=localhost\nNodeName=localhost\nPartitionName=p Nodes=localhost\n")
    env = {"SLURM_CONF": str(conf), "PATH": "/usr/bin:/bin"}
    version = _sbatch_said(env, "--version")
    if " 22.05." not in f"{version} ":
        pytest.skip(f"the table is sbatch 22.05's; this one is {version or 'of no version'}")
    read = {}
    for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789":
        if letter in "hV":  # --help, --version: taken (they print and exit)
            read[letter] = "flag"
            continue
        alone = _sbatch_said(env, f"-{letter}")
        read[letter] = ("value" if "requires an argument" in alone else "none" if "invalid option" in alone
                        else "flag" if "invalid option -- 'z'" in _sbatch_said(env, f"-{letter}z") else "optional")
    words = slurm_sbatch_words
    mine = {letter: "value" if letter in words._VALUE_LETTERS else "flag" if letter in words._FLAG_LETTERS
            else "optional" if letter in words._OPTIONAL_VALUE_LETTERS else "none" for letter in read}
    assert mine == read


def test_real_sbatch_refuses_what_emission_refuses_in_its_words(cluster, tmp_path):
    """Each refused option as it was written before (--hold x as --hold=x), submitted with --test-only
    on the test cluster, and a gres without a name: sbatch refuses it, saying what the refusal quotes; an
    option taken in its stead (--exclusive=user for --exclusive user) is taken."""
    written_before = {"--hold x": "--hold=x"}
    refused_by_id = dict(zip(IDS, REFUSED))
    gres = [(f"--gres={gres}", "Invalid generic resource (gres) specification", None) for gres in (":1", "gpu:")]
    for option, said, _ in [refused_by_id[name] for name in REAL] + [NO_OPTION] + gres:
        script = tmp_path / "refused.sh"
        script.write_text(f"#!/bin/sh\n#SBATCH {written_before.get(option, option)}\ntrue\n")
        done = subprocess.run(["sbatch", "--test-only", str(script)], env=cluster.env, capture_output=True, text=True,
                              timeout=30)
        refused = re.sub(r"^sbatch: (error: )?", "", done.stderr.partition("\n")[0])
        assert done.returncode != 0 and refused.startswith(said), (option, done.stderr)
    emitted_last_line(tmp_path, "--exclusive user")
    done = subprocess.run(["sbatch", "--test-only", "--array=0", str(tmp_path / "slurm" / "bases.sh")],
                          env=cluster.env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "to start at" in done.stderr, done.stderr


@pytest.mark.parametrize("gres", [":1", "gpu:", "gpu:a100:", "gpu:1,:2"], ids=["no-name", "colon-last",
                                                                             "type-colon-last", "second-without-name"])
def test_a_gres_without_a_name_is_refused_at_emission(tmp_path, synthetic_8, gres):
    """Before: written, "#SBATCH --gres=:1", sbatch refusing it when submit.sh ran (with no GresTypes
    and with GresTypes=gpu alike: "Invalid generic resource (gres) specification"). An empty one after
    a comma (gpu:1,) is taken with GresTypes=gpu: written."""
    with pytest.raises(config.ConfigError, match=re.escape(f"gres {gres!r}: sbatch would refuse the scripts")):
        slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS, gres=gres)
    said = emit_cli(tmp_path, synthetic_8, f"--gres={gres}")
    assert said.exit_code == 2 and "NAME[:TYPE][:COUNT]" in said.output, said.output
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS, gres="gpu:1,")

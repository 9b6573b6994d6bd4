"""Seeing what ``--emit-slurm``'s scripts submit before anything is queued: the emit step's summary and
``submit.sh --dry-run`` (the sbatch commands it would run now, checked with ``sbatch --test-only``);
then the #SBATCH lines of options whose values hold blanks, and scripts emitted into a folder that
cannot be written."""

import re
import shlex
import subprocess

import pytest
from click.testing import CliRunner
from test_faults import tmpfs
from test_slurm import (OPTIONS, array_task_of, cluster, fake_slurm, fake_train_command,  # noqa: F401 (fixtures)
                        finish, interrupt, real_options, sbatch_calls, sbatch_lines, submit_grid, submitted_runs)

from minitransfer import slurm
from minitransfer import experiment as grid
from minitransfer.cli import main
from minitransfer.slurm_submit import DRY_RUN_HELP, EXIT_CODES_HELP


def emit(tmp_path, layers=(1,), **resources):
    return slurm.emit_slurm(grid.plan_grid(layers=layers), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                            train_command=fake_train_command(tmp_path), **resources)


def dry_run(submit, **env):
    return submit_grid(submit, "--dry-run", **env)


def previewed_calls(output):
    """The sbatch commands ``submit.sh --dry-run`` printed, as argument lists (without "sbatch" and
    without what it passes to the script, as :func:`test_slurm.sbatch_calls` gives them)."""
    return [shlex.split(line)[2:-2] for line in output.splitlines() if line.startswith("$ sbatch ")]


# ---- submit.sh --dry-run -----------------------------------------------------------------------

def test_dry_run_prints_the_commands_submit_then_runs_and_submits_nothing(tmp_path, fake_slurm):
    """The preview is what submit.sh then does, word for word (the new jobs' ids as JOB1, JOB2, ...),
    leaving out the runs finished already; it submits, records and locks nothing."""
    submit = emit(tmp_path, layers=(1, 2), partition="gpu", time_limit="2:00:00")
    finish(tmp_path / "grid", "random0/A1B")
    interrupt(tmp_path / "grid", "random0/baseA", weights=True)
    preview = dry_run(submit)
    assert preview.returncode == 0, preview.stderr
    assert not (fake_slurm / "sbatch").exists()
    assert not (tmp_path / "slurm" / slurm.SUBMITTED_FILE).exists()

    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    calls = sbatch_calls(fake_slurm)
    new_ids = {f"JOB{number}": str(1000 + number) for number in range(1, len(calls) + 1)}
    previewed = [[re.sub(r"JOB\d+", lambda m: new_ids[m.group(0)], word) for word in call]
                 for call in previewed_calls(preview.stdout)]
    assert previewed == calls
    assert "random0/A1B" not in sum(submitted_runs(fake_slurm, tmp_path / "slurm"), [])
    # its summary lines are those of the real submission, with JOB<n> for the ids
    said = [re.sub(r"JOB(\d+)", lambda m: new_ids[m.group(0)], line) for line in preview.stdout.splitlines()
            if line.startswith(("bases:", "transfers of"))]
    assert said == [line for line in done.stdout.splitlines() if line.startswith(("bases:", "transfers of"))]
    # what each task asks for and where the logs go
    assert "each task of bases.sh asks SLURM for (its #SBATCH lines):\n  --job-name=mt-bases\n" in preview.stdout
    assert "  --partition=gpu\n  --time=2:00:00\n" in preview.stdout
    output = (f"task output: {tmp_path / 'slurm' / 'logs'}/<script>-<job>_<task>.out; each run's training output: "
              f"{tmp_path / 'grid'}/<run>.run/train.log\n")
    assert output in preview.stdout
    assert output in done.stdout  # said again as it submits: it may run days after the emission
    assert "sbatch --test-only takes each of them" in preview.stdout
    assert len((fake_slurm / "sbatch-test-only").read_text().splitlines()) == 2  # once per array script


def test_dry_run_after_a_submission_names_what_it_would_cancel_and_changes_nothing(tmp_path, fake_slurm):
    submit = emit(tmp_path)
    assert submit_grid(submit).returncode == 0
    transfers = array_task_of(tmp_path / "slurm", grid.plan_grid(layers=(1,)))
    # baseA failed (its transfers can never start); baseB and its B1B still queued
    (fake_slurm / "queue").write_text(f"1001_1 None\n1002_{transfers['random0/A1B']} DependencyNeverSatisfied\n"
                                      f"1003_{transfers['random0/B1B']} Dependency\n")
    recorded = (tmp_path / "slurm" / slurm.SUBMITTED_FILE).read_bytes()
    preview = dry_run(submit)
    assert preview.returncode == 0, preview.stderr
    assert f"would cancel array task 1002_{transfers['random0/A1B']}: it waits for a base that failed or was " \
           "cancelled (DependencyNeverSatisfied)" in preview.stdout
    assert not (fake_slurm / "scancel").exists()
    assert (tmp_path / "slurm" / slurm.SUBMITTED_FILE).read_bytes() == recorded
    assert len(sbatch_calls(fake_slurm)) == 3  # the first submission's only
    calls = previewed_calls(preview.stdout)
    assert calls[0] == ["--parsable", "--array=0", "bases.sh"]  # baseA again; baseB is queued
    assert "--dependency=afterok:JOB1_0" in calls[1]  # baseA's transfers after its new task
    assert "not submitted again: 2 runs queued or running" in preview.stdout


@pytest.mark.parametrize("error, code, said", [
    ("sbatch: error: invalid partition specified: nope", 2, "sbatch --test-only refuses bases.sh over its #SBATCH "
     "--partition=nope (its error above): {submit} would fail there (exit 2); emit the scripts again with the right "
     "one (--partition, --gres, --time or --sbatch-option)"),
    ("sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified", 2,
     "sbatch --test-only refuses bases.sh over its #SBATCH --partition=nope, -A nolab (its error above)"),
    ("sbatch: error: Batch job submission failed: Socket timed out on send/recv operation", 1, "sbatch --test-only "
     "refuses bases.sh (its error above): {submit} would fail there; fix what it names (a partition"),
    ("sbatch: error: Batch job submission failed: Job violates accounting/QOS policy (job submit limit, user's size "
     "and/or time limits)", 1, "sbatch --test-only refuses bases.sh (its error above): {submit} would fail there"),
], ids=["names-the-partition", "names-the-account-and-partition", "names-no-option", "policy-limit"])
def test_dry_run_passes_on_a_refusal_of_sbatch_test_only(tmp_path, fake_slurm, error, code, said):
    """A refusal naming an #SBATCH option of the scripts (a partition misspelt; an account given as -A, named by its
    long name) is a usage error, exit 2, with the line named; before, every refusal was exit 1 and advised to fix
    "a partition, --gres, --time or --sbatch-option", whichever it was."""
    submit = emit(tmp_path, partition="nope", time_limit="4:00:00", sbatch_options=("-A nolab",))
    preview = dry_run(submit, FAKE_TEST_ONLY_ERROR=error)
    assert preview.returncode == code, preview.stderr
    assert f"{error}\n{said.format(submit=submit)}" in preview.stderr, preview.stderr
    assert not (fake_slurm / "sbatch").exists()


def test_submit_refuses_an_argument_it_does_not_know(tmp_path, fake_slurm):
    """Before: any argument was ignored, so ``submit.sh --dryrun`` (a typo) submitted the whole grid."""
    done = submit_grid(emit(tmp_path), "--dryrun")
    assert done.returncode == 2
    assert "usage: bash" in done.stderr and "[--dry-run]" in done.stderr
    assert not (fake_slurm / "sbatch").exists()


@pytest.mark.parametrize("argument", ["--help", "-h"])
def test_submit_help_says_its_usage_on_stdout_and_submits_nothing(tmp_path, fake_slurm, argument):
    """Before: --help was an unknown argument, its usage said as an error (stderr, exit 2); then it said
    no exit codes."""
    submit = emit(tmp_path)
    done = submit_grid(submit, argument)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0] == f"usage: bash {submit} [--dry-run]" and done.stdout.endswith("\n")
    assert max(map(len, lines[1:])) <= 80, lines  # it was one line of about 1500 characters
    assert " ".join(" ".join(lines[1:]).split()) == f"--dry-run: {DRY_RUN_HELP} {EXIT_CODES_HELP}"
    assert all(f"{code} " in EXIT_CODES_HELP for code in ("0", "1", "2", "74"))
    assert not (fake_slurm / "sbatch").exists() and not (fake_slurm / "sbatch-test-only").exists()


# ---- the emit step's summary -------------------------------------------------------------------

def test_cli_emit_slurm_says_what_the_scripts_submit(tmp_path, synthetic_8):
    runs = grid.plan_grid(layers=(1, 2))  # 2 bases; 4 transfers each
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "grid"), "--layers",
                                       "1,2", "--device", "cpu", "--partition", "short", "--time", "4:00:00",
                                       "--sbatch-option=--account=lab", "--emit-slurm", str(tmp_path / "slurm")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index(f"wrote SLURM scripts for {len(runs)} runs into {tmp_path / 'slurm'}:")
    assert lines[start + 1:start + 3] == [
        "  bases.sh: the 2 bases (runs without a parent), one job array of 2 tasks",
        "  transfers.sh: the 8 transfers, one job array per base (2 arrays of 4 tasks), each after its base's task "
        "(afterok)"]
    shared = [line for line in sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())
              if not line.startswith(("--job-name", "--output"))]
    assert lines[start + 3] == f"  each task asks SLURM for: {' '.join(shared)}"
    assert {"--partition=short", "--time=4:00:00", "--account=lab"} <= set(shared)
    # which submit.sh checks
    assert lines[start + 4].startswith("  --time=4:00:00 asks for a limit of 4:00:00 (240 minutes), and SLURM leaves "
                                       "a job that asks for more than its partition's MaxTime PENDING")
    assert lines[start + 5].startswith(f"  task logs: {tmp_path / 'slurm' / 'logs'}; each run's training output: ")
    assert lines[start + 6].startswith("  off the cluster, these lines are the preview: submit.sh --dry-run asks SLURM")
    assert lines[start + 7].startswith("  on a login node of the cluster, to see what submit.sh would submit now")
    command = lines[start + 7].split("queueing nothing: ", 1)[1]
    assert shlex.split(command) == ["bash", str(tmp_path / "slurm" / "submit.sh"), "--dry-run"]
    assert lines[-1].startswith("submit with: bash ")


def test_the_summary_counts_arrays_and_tasks_as_submit_submits_them(tmp_path, fake_slurm):
    """One base with one transfer: counted as submit.sh submits them (it said "1 tasks")."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)[:3]  # baseA, baseB, A1B
    submit = slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    assert submit_grid(submit).returncode == 0
    calls = sbatch_calls(fake_slurm)
    assert [len(call[1].split(",")) for call in calls] == [2, 1]
    assert slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm")[:2] == [
        "bases.sh: the 2 bases (runs without a parent), one job array of 2 tasks",
        "transfers.sh: the 1 transfer, one job array per base (1 array of 1 task), each after its base's task "
        "(afterok)"]


# ---- #SBATCH options with blanks ---------------------------------------------------------------

@pytest.mark.parametrize("option, line", [
    ("--comment=two words", '--comment="two words"'),
    ("--comment=run#2", '--comment="run#2"'),
    ("--comment=it's", '--comment="it\'s"'),  # unquoted, sbatch read the quote as one opening a quoted part
    ('--comment=a "b" c\\d', '--comment="a \\"b\\" c\\\\d"'),
    ("--account=lab", "--account=lab"),
    ("-A lab", "-A lab"),
    ("--mem 4G", "--mem=4G"),
])
def test_an_sbatch_option_value_is_one_word_of_its_line(tmp_path, option, line):
    emit(tmp_path, sbatch_options=(option,))
    for script in ("bases.sh", "transfers.sh"):
        assert sbatch_lines((tmp_path / "slurm" / script).read_text())[-1] == line


@pytest.mark.parametrize("option, words", [
    ("--comment two words", ["--comment=two words"]),
    ("--comment  run #2 ", ["--comment=run #2"]),
    ("--mem 4G", ["--mem=4G"]),
    ("--mem 4G --exclusive", ["--mem", "4G", "--exclusive"]),
    ('--comment "two words"', ["--comment", "two words"]),
    ("-A lab", ["-A", "lab"]),
    # a quote or backslash a shell reads as none, part of the value: written as given, sbatch dropped it
    ("--comment it's", ["--comment=it's"]), ("--comment don't stop #1", ["--comment=don't stop #1"]),
    ("--comment ends\\", ["--comment=ends\\"]),
], ids=["words", "hash", "one-word", "two-options", "quoted", "short", "open-quote", "open-quote-words",
        "trailing-backslash"])
def test_an_sbatch_option_given_with_a_blank_is_read_as_given(tmp_path, option, words):
    """--sbatch-option='--comment two words' was written as given, "#SBATCH --comment two words", which
    sbatch reads as --comment two and a word of no option it refuses the script for ("Invalid directive
    found in batch script: words"), and only once submit.sh ran. The line read here as sbatch reads
    one: words as a shell splits them (quotes taken, nothing expanded), up to a '#' outside quotes."""
    emit(tmp_path, sbatch_options=(option,))
    for script in ("bases.sh", "transfers.sh"):
        assert shlex.split(sbatch_lines((tmp_path / "slurm" / script).read_text())[-1], comments=True) == words


@pytest.mark.parametrize("option, spelled", [
    ("--comment two words --exclusive", "--sbatch-option='--comment=two words'"),
    ("--mem 4G -J my job", """--sbatch-option='-J "my job"'"""),
], ids=["long", "short"])
def test_cli_refuses_an_sbatch_option_with_a_word_sbatch_reads_as_no_option(tmp_path, synthetic_8, option, spelled):
    """Two words in a row after an option, where it is not the only one: which option a value of
    several words belongs to cannot be told, and sbatch refuses the second word."""
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "--layers", "1", "--device", "cpu", "-o",
                                       str(tmp_path / "grid"), "--emit-slurm", str(tmp_path / "slurm"),
                                       "--sbatch-option", option])
    assert result.exit_code == 2, result.output
    assert f"error: sbatch option {option!r}: sbatch would read" in result.output
    assert f"a value of several words as {spelled}" in result.output
    assert not (tmp_path / "grid").exists() and not any(tmp_path.glob("*/*.sh"))


@pytest.mark.parametrize("spelling, value", [("--comment={}", 'two words #2 "q" back\\slash'),
                                             ("--comment {}", "two words #2"), ("--comment {}", "it's #2")],
                         ids=["equals", "blank", "blank-open-quote"])
def test_real_slurm_reads_an_sbatch_option_value_with_blanks_and_hashes_as_given(cluster, tmp_path, spelling, value):
    """--sbatch-option='--comment=two words #2' (or '--comment two words #2'): sbatch refused every
    array ("Invalid directive found in batch script: words"), and only once submit.sh ran it. Held, so
    that nothing runs."""
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", real_options(),
                     sbatch_options=(spelling.format(value), "--hold"))
    for script in ("bases.sh", "transfers.sh"):
        fields = cluster.submitted_fields(tmp_path / "slurm" / script, "--array=0")
        assert f"Comment={value} " in fields, fields


@pytest.mark.parametrize("emitted, error, line", [
    ({"partition": "nope"}, "invalid partition specified: nope", "--partition=nope"),
    ({"sbatch_options": ("--acount=lab",)}, "sbatch: unrecognized option '--acount=lab'", "--acount=lab"),
], ids=["partition", "misspelt-option"])
def test_real_slurm_dry_run_names_a_partition_that_does_not_exist(cluster, tmp_path, emitted, error, line):
    """sbatch's refusal naming an #SBATCH option is exit 2 (usage), the line named, before anything is queued;
    it was exit 1, "fix what it names (a partition, --gres, --time or --sbatch-option ...)" whichever it was."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm",
                              real_options(), **emitted)
    preview = subprocess.run(["bash", str(submit), "--dry-run"], env=cluster.env, capture_output=True, text=True,
                             timeout=60)
    assert preview.returncode == 2, preview.stderr
    assert error in preview.stderr
    assert f"sbatch --test-only refuses bases.sh over its #SBATCH {line} (its error above)" in preview.stderr
    assert cluster.jobs() == {}
    done = subprocess.run(["bash", str(submit)], env=cluster.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert error in done.stderr
    assert f"sbatch refused bases.sh over its #SBATCH {line} (its error above): nothing submitted; emit the scripts " \
           "again with the right one (--partition, --gres, --time or --sbatch-option)" in done.stderr, done.stderr
    assert cluster.jobs() == {}


# ---- a folder that cannot be written -----------------------------------------------------------

@pytest.mark.parametrize("there", [False, True], ids=["new-folder", "folder-there"])
def test_cli_emit_slurm_into_a_read_only_file_system(tmp_path, synthetic_8, there):
    """Before: a folder to make said "error: I/O: [Errno 30] Read-only file system: '...'", and one there
    already "cannot write .../submit.sh" after the grid's plan was written naming scripts never written."""
    with tmpfs(tmp_path / "disk", "size=1m", "a read-only file system") as disk:
        if there:
            (disk / "slurm" / "logs").mkdir(parents=True)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "grid"),
                                           "--layers", "1", "--device", "cpu", "--emit-slurm", str(disk / "slurm")])
        assert result.exit_code == 74, result.output
        assert (f"error: cannot write the SLURM scripts into {disk / 'slurm'} (Read-only file system): choose a "
                f"folder this process can write for them (--emit-slurm); nothing was written") in result.output
        assert not (tmp_path / "grid" / grid.PLAN_FILE).exists()

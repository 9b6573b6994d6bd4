"""The options of ``--emit-slurm`` as a researcher gives them: --time past what SLURM holds or in
digits sbatch does not read, a field above its range (said, as sbatch carries it over), --partition
and --gres with characters sbatch reads on an #SBATCH line, and plans of more runs than SLURM's
MaxArraySize takes in one array. No SLURM needed: the emitted text is read as sbatch reads it, and
submit.sh runs with stand-ins for SLURM's commands."""

import shlex

import pytest
from click.testing import CliRunner
from test_slurm import (GUARD_SECONDS, OPTIONS, array_task_of, fake_slurm, fake_train_command,  # noqa: F401
                        finish, interrupt, run_task, sbatch_calls, sbatch_lines, submit_grid, submit_refused,
                        submitted_runs)

from minitransfer import config, slurm, slurm_preview, slurm_sbatch_words, slurm_time
from minitransfer import experiment as grid
from minitransfer.cli import main

# Slurm's time_str2secs sums the fields as seconds in a C int and rounds up to whole minutes
INT_MAX = 2147483647
LONGEST_MINUTES = (INT_MAX - 59) // 60


def emit_cli(tmp_path, data, *arguments):
    return CliRunner().invoke(main, ["experiment", "--data", data, "--layers", "1", "--device", "cpu", "-o",
                                     str(tmp_path / "grid"), "--emit-slurm", str(tmp_path / "slurm"), *arguments])


def emit_refused(tmp_path, data, option):
    """``option`` refused as an sbatch option by :func:`slurm.emit_slurm` and by ``experiment
    --sbatch-option`` alike (exit 2), nothing written by either: the library's message and the command
    line's output."""
    with pytest.raises(config.ConfigError) as refused:
        slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                         sbatch_options=(option,))
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()
    said = emit_cli(tmp_path, data, f"--sbatch-option={option}")
    assert said.exit_code == 2 and not (tmp_path / "grid").exists(), said.output
    return str(refused.value), said.output


@pytest.mark.parametrize("text", ["1000000000000000000000000000000", str(LONGEST_MINUTES + 1), "24856-0",
                                  "596524:00:00", "9" * 5000],
                         ids=["huge-minutes", "one-minute-over", "days-over", "hours-over", "5000-digits"])
def test_a_time_limit_longer_than_slurm_holds_is_refused(text):
    """Before: written into the scripts as given, where sbatch's int arithmetic overflows (5000 digits
    gave Python's own "Exceeds the limit (4300 digits)" error)."""
    with pytest.raises(ValueError, match=r"is longer than SLURM can hold .*give 0 or UNLIMITED for no limit; "
                                         r"expected minutes, MM:SS, HH:MM:SS"):
        slurm.parse_time_limit(text)


def test_the_longest_time_limit_slurm_holds_is_taken():
    assert slurm.parse_time_limit(str(LONGEST_MINUTES)) == LONGEST_MINUTES * 60
    # rounded up to minutes as (seconds + 59) / 60: the next minute overflows
    assert LONGEST_MINUTES * 60 + 59 <= INT_MAX < (LONGEST_MINUTES + 1) * 60 + 59


@pytest.mark.parametrize("text", ["\u0669\u0660", "\uff19\uff10", "1-\u0661"], ids=["arabic-indic", "fullwidth",
                                                                                      "days-arabic-indic"])
def test_a_time_limit_in_digits_other_than_ascii_is_refused(text):
    """Before: "٩٠" (Arabic-Indic 90) was taken as 90 minutes (regex \\d, int()) and written as given,
    which sbatch refuses at submission."""
    with pytest.raises(ValueError, match="expected minutes, MM:SS"):
        slurm.parse_time_limit(text)


def test_cli_refuses_a_huge_time_limit_naming_the_option_and_writing_nothing(tmp_path, synthetic_8):
    result = emit_cli(tmp_path, synthetic_8, "--time", "1000000000000000000000000000000")
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--time': time limit '1000000000000000000000000000000' is longer than SLURM can " \
           "hold" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("text, said", [
    ("4h", "expected minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, or 0 or UNLIMITED for none"),
    ("", "expected minutes, MM:SS"), ("3", "is under 5 minutes"),
    ("1000000000000000000000000000000", "is longer than SLURM can hold"),
], ids=["hours-suffix", "empty", "under-5-minutes", "huge"])
def test_library_refuses_a_time_limit_sbatch_does_not_take_as_a_config_error(tmp_path, text, said):
    """Before: emit_slurm(time_limit="4h") raised parse_time_limit's plain ValueError (the command line
    refuses --time 4h itself, exit 2), not the ConfigError of every other option emit_slurm refuses.
    Now a ConfigError naming time_limit, its value and what is accepted; nothing written."""
    with pytest.raises(config.ConfigError) as refused:
        slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                         time_limit=text)
    assert str(refused.value).startswith(f"emit_slurm's time_limit: time limit {text!r}")
    assert said in str(refused.value)
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("text, read_as", [
    ("1:99:00", "02:39:00"), ("1:30:99", "01:31:39"), ("99:99", "01:40:39"), ("1-30", "2-06:00:00"),
    ("1-0:90", "1-01:30:00"), ("90", None), ("90:00", None), ("48:00:00", None), ("1-23:59:59", None),
    ("UNLIMITED", None), ("0", None),
])
def test_a_field_above_its_range_is_said_as_sbatch_reads_it(text, read_as):
    assert slurm_time.carried_over(text) == read_as
    if read_as is not None:  # the same seconds as the limit written in range
        assert slurm.parse_time_limit(text) == slurm.parse_time_limit(read_as)


def test_cli_notes_a_time_limit_field_above_its_range(tmp_path, synthetic_8):
    """sbatch takes --time 1:99:00 (2 h 39 min), so it is no error, but a slip may lie behind it."""
    result = emit_cli(tmp_path, synthetic_8, "--time", "1:99:00")
    assert result.exit_code == 0, result.output
    assert "note: --time 1:99:00 has a field above its range, which sbatch carries over into the next: it reads " \
           "it as 02:39:00" in result.output
    assert "--time=1:99:00" in sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())


def test_cli_does_not_note_a_time_limit_field_above_its_range_without_emit_slurm(tmp_path, synthetic_8):
    """The note came just before the usage error that --time needs --emit-slurm, about scripts never written."""
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "--layers", "1", "--device", "cpu", "-o",
                                       str(tmp_path / "grid"), "--time", "1:99:00"])
    assert result.exit_code == 2, result.output
    assert "--time and --sbatch-option only apply with --emit-slurm" in result.output
    assert "note:" not in result.output and "02:39:00" not in result.output


@pytest.mark.parametrize("resource, value", [("partition", "gpu#2"), ("partition", "it's"), ("gres", 'gpu:"1"'),
                                             ("gres", "gpu:1#x")])
def test_partition_and_gres_are_one_word_of_their_line_as_sbatch_reads_it(tmp_path, resource, value):
    """sbatch reads an #SBATCH line's quotes and stops at '#': --partition=gpu#2, written unquoted,
    was read as partition gpu, the job submitted where the user had not asked."""
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     **{resource: value})
    for script in ("bases.sh", "transfers.sh"):
        lines = [line for line in sbatch_lines((tmp_path / "slurm" / script).read_text())
                 if line.startswith(f"--{resource}=")]
        assert [shlex.split(line, comments=True) for line in lines] == [[f"--{resource}={value}"]]


def test_a_grid_of_more_transfers_than_max_array_size_submits_arrays_within_it(tmp_path, fake_slurm):
    """transfers.sh numbered its tasks across all bases: 41 random splits of 7 layers made indices up to
    1147, which sbatch refuses under SLURM's default MaxArraySize (1001), with only a warning before.
    Each base's transfers are now numbered from 0, so every index stays within it."""
    runs = grid.plan_grid(random_seeds=range(41), layers=range(1, 8))
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    assert sum(run.parent is not None for run in runs) > 1001
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS)
    said = slurm.describe_scripts(runs, out, scripts)
    assert not any(line.startswith("warning") for line in said), said
    assert "one job array per base (82 arrays of 14 tasks)" in said[1]
    done = submit_grid(submit)
    assert done.returncode == 0, done.stderr
    calls = sbatch_calls(fake_slurm)
    assert max(int(index) for call in calls for index in call[1].removeprefix("--array=").split(",")) <= 1000
    submitted = submitted_runs(fake_slurm, scripts)
    assert sorted(name for its_runs in submitted for name in its_runs) == sorted(run.name for run in runs)
    parent = {run.name: run.parent for run in runs}
    base_task = {name: f"1001_{index}" for index, name in enumerate(submitted[0])}
    for call, its_runs in zip(calls[1:], submitted[1:]):
        assert call[2] == f"--dependency=afterok:{base_task[parent[its_runs[0]]]}", call
        assert {parent[name] for name in its_runs} == {parent[its_runs[0]]}


def test_runs_of_a_script_past_the_clusters_max_array_size_are_split_into_arrays_from_0(tmp_path, fake_slurm):
    """Under MaxArraySize 3 (scontrol show config), a base's 4 transfers (one finished already) are two
    arrays, each numbered from 0, its tasks given the index of its first run; under 1, the 2 bases are
    two arrays of one task, each base's transfers after the task of its own."""
    runs = grid.plan_grid(layers=(1, 2))  # baseA, baseB; 4 transfers each
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    first_of_a = min(array_task_of(scripts, runs), key=lambda name: (not name.startswith("random0/A"),
                                                                      array_task_of(scripts, runs)[name]))
    finish(out, first_of_a)
    for base in ("random0/baseA", "random0/baseB"):
        interrupt(out, base, weights=True)
    done = submit_grid(submit, FAKE_MAX_ARRAY_SIZE="3")
    assert done.returncode == 0, done.stderr
    calls, submitted = sbatch_calls(fake_slurm), submitted_runs(fake_slurm, scripts)
    assert [call[1] for call in calls] == ["--array=0,1", "--array=1,2", "--array=0", "--array=0,1,2", "--array=0"]
    assert [call[2] for call in calls[1:]] == ["--dependency=afterok:1001_0"] * 2 + ["--dependency=afterok:1001_1"] * 2
    parent = {run.name: run.parent for run in runs}
    assert [{parent.get(name) for name in its_runs} for its_runs in submitted] == [
        {None}, {"random0/baseA"}, {"random0/baseA"}, {"random0/baseB"}, {"random0/baseB"}]
    assert sorted(sum(submitted, [])) == sorted(run.name for run in runs if run.name != first_of_a)
    assert "transfers of random0/baseA: job 1003, 1 run (array task 0, after array task 1001_0)" in done.stdout
    # the task of the second array of baseA's transfers trains the run submit.sh recorded for it
    last_of_a = submitted[2][0]
    first = sbatch_calls(fake_slurm, with_scripts_id=True)[2][-1]
    task = run_task(scripts, "transfers.sh", 0, job="1003", first=int(first))
    assert f"run {last_of_a}: done" in task.communicate(timeout=GUARD_SECONDS)[0]
    assert (out / f"{last_of_a}.h5").exists()
    recorded = [line.split("\t") for line in (scripts / slurm.SUBMITTED_FILE).read_text().splitlines()]
    assert ["1003_0", shlex.quote(str(out / last_of_a))] in [line[:2] for line in recorded]

    (fake_slurm / "sbatch").unlink()
    (scripts / slurm.SUBMITTED_FILE).unlink()
    for run in runs:
        if run.parent is not None:
            finish(out, run.name)
    done = submit_grid(submit, FAKE_MAX_ARRAY_SIZE="1")
    assert done.returncode == 0, done.stderr
    assert sbatch_calls(fake_slurm) == [["--parsable", "--array=0", "bases.sh"]] * 2
    assert submitted_runs(fake_slurm, scripts) == [["random0/baseA"], ["random0/baseB"]]


def test_a_plan_of_more_bases_than_max_array_size_says_how_many_arrays(tmp_path, monkeypatch):
    monkeypatch.setattr(slurm_preview, "read_array_size", lambda: (None, "no scontrol installed"))  # as on a laptop
    runs = grid.plan_grid(random_seeds=range(501), layers=(1,))  # 1002 bases
    slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    said = slurm.describe_scripts(runs, tmp_path / "grid", tmp_path / "slurm")
    assert said[0] == ("bases.sh: the 1002 bases (runs without a parent), 2 job arrays of at most 1001 tasks (SLURM's "
                       "default MaxArraySize; submit.sh reads the cluster's, not read here: no scontrol installed)")
    assert not any(line.startswith("warning") for line in said), said


@pytest.mark.parametrize("option", ["--time=3", "-t3", "-t 0:03:00", "--time 4:59", "--exclusive --time=3",
                                    "--mem=4G -t 1", "-Ht3", "-vt 3", "-HOt 0:03:00", "-k -t3", "--time=10", "-t 1-0",
                                    "--time=UNLIMITED", "--time=0", "--signal=USR1@60", "--sig=TERM@60",
                                    "--exclusive --si USR1@60"])
def test_library_refuses_time_or_signal_in_an_sbatch_option_as_the_cli_does(tmp_path, synthetic_8, option):
    """Before: emit_slurm refused only a time limit not over the SIGTERM margin; --time=10 overrode the
    scripts' own --time without moving their --signal=TERM@<margin>, and --signal=USR1@60 replaced the
    SIGTERM the training checkpoints on (never sent: killed at the limit without a checkpoint), where
    the command line refused both. Now refused in the command line's words, nothing written."""
    refused, said = emit_refused(tmp_path, synthetic_8, option)
    words = "the scripts set sbatch's --time and --signal themselves; give the time limit as --time"
    assert refused.startswith(f"{option!r}: {words}") and words in said


@pytest.mark.parametrize("option", ["--time-min=3", "-J -t3", "-Nt3", "--comment='a -t3'"])
def test_an_sbatch_option_only_looking_like_time_or_signal_is_written(tmp_path, option):
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                     sbatch_options=(option,))
    assert "--signal=TERM@300" in sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())


@pytest.mark.parametrize("option", ["--exclusive --time=3", "--mem=4G -t 10", "--exclusive --signal=USR1@60",
                                    "-Ht30", "--exclusive -vt 30", "--sig=USR1@60", "--si USR1@60"])
def test_cli_refuses_time_or_signal_among_the_words_of_an_sbatch_option(tmp_path, synthetic_8, option):
    """Before: only an option starting with --time, -t or --signal was refused as the scripts' own."""
    result = emit_cli(tmp_path, synthetic_8, f"--sbatch-option={option}")
    assert result.exit_code == 2, result.output
    assert "the scripts set sbatch's --time and --signal themselves; give the time limit as --time" in result.output
    assert not (tmp_path / "grid").exists() and not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("option, read", [
    ("-Ht3", [("time", "3")]), ("-QOt 3", [("time", "3")]), ("--time 3", [("time", "3")]),
    ("--sign=USR1@60", [("signal", "USR1@60")]), ("--si USR1@60", [("signal", "USR1@60")]),
    ("-J -t3", []), ("-Nt3", []), ("-kt3", []), ("--tim=3", []), ("--time-min=3", []), ("--s=USR1@60", []),
    ("-vMother", [("clusters", "other")]), ("--cluster other", [("clusters", "other")]),
    ("--cluster-constraint=x", []), ("-J -M", []),
], ids=["flag-bundled", "flags-bundled-spaced", "spaced", "signal-prefix", "signal-prefix-spaced", "job-name",
        "nodes-value", "no-kill-value", "ambiguous-prefix", "time-min", "ambiguous-signal", "clusters-bundled",
        "cluster-alias-spaced", "cluster-constraint", "job-named-M"])
def test_the_scripts_own_options_are_read_as_sbatch_reads_them(option, read):
    """As sbatch 22.05 reads them (seen with sbatch -v --test-only on the test cluster): -Ht3 is -H -t3,
    --sig an unambiguous prefix of --signal, while -J and -N take what follows as their value, and
    --tim is ambiguous (--time-min), which sbatch refuses; --cluster is --clusters, -vMx is -v -M x,
    --cluster-constraint another option."""
    assert slurm_sbatch_words.scripts_own_options(slurm_sbatch_words.option_words(option)[1]) == read


@pytest.mark.parametrize("time_limit, variable, margin, seconds, shortest", [
    (None, "3", 300, 180, 6), (None, "0:04:59", 300, 299, 6), (None, "0-0:5", 300, 300, 6), (None, "5", 300, 300, 6),
    ("10", "2", 120, 120, 3),
], ids=["minutes", "hours-minutes-seconds", "days-hours-minutes", "five", "short-margin"])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_refuses_an_sbatch_timelimit_not_over_the_signal_margin(tmp_path, fake_slurm, time_limit, variable,
                                                                       margin, seconds, shortest, dry_run):
    """sbatch takes SBATCH_TIMELIMIT over the scripts' #SBATCH --time (seen with sbatch -v --test-only):
    before, every task was queued, and only one that had trained up to its SIGTERM said the limit was too
    short, after the requeues. Now refused before anything is queued, saying the shortest it takes: it
    said "at least 5 minutes" of SBATCH_TIMELIMIT=5, which it refused."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, time_limit=time_limit)
    said = submit_refused(submit, fake_slurm, *["--dry-run"] * dry_run, SBATCH_TIMELIMIT=variable)
    assert said == (f"nothing submitted: SBATCH_TIMELIMIT={variable}, which sbatch takes over the scripts' "
                    f"--time: a time limit of {seconds} s leaves under 60 s of training before the {margin} s before "
                    f"it at which SLURM signals the training to checkpoint (--signal=TERM@{margin}): each task would "
                    f"be signalled as it starts, and not requeued; unset SBATCH_TIMELIMIT, or set it to at least "
                    f"{shortest} minutes, then rerun {submit}\n")


@pytest.mark.parametrize("time_limit, variable", [(None, "5:01"), (None, "6"), (None, "UNLIMITED"), ("10", "3"),
                                                   (None, "1h")],
                         ids=["over", "shortest", "unlimited", "over-short-margin", "unread-left-to-sbatch"])
def test_submit_takes_an_sbatch_timelimit_over_the_signal_margin(tmp_path, fake_slurm, time_limit, variable):
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              time_limit=time_limit)
    done = submit_grid(submit, SBATCH_TIMELIMIT=variable)
    assert done.returncode == 0, done.stderr
    assert len(sbatch_calls(fake_slurm)) == 3


def test_submit_refuses_an_sbatch_signal(tmp_path, fake_slurm):
    """sbatch takes SBATCH_SIGNAL over the scripts' --signal=TERM@300: the training, never sent SIGTERM
    before the time limit, was killed at it without a checkpoint, as a --signal option was refused for."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    done = submit_grid(submit, SBATCH_SIGNAL="USR1@60")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("nothing submitted: SBATCH_SIGNAL=USR1@60, which sbatch takes over the scripts' "
                                  "--signal=TERM@300")
    assert not (fake_slurm / "sbatch").exists()


@pytest.mark.parametrize("option", ["--clusters=other", "--cluster other", "-M other", "-vMother",
                                    "--exclusive -M other,mine"])
def test_emission_refuses_clusters_in_an_sbatch_option(tmp_path, synthetic_8, option):
    """Before: written into both array scripts; sbatch sent the jobs to the other cluster, whose queue
    submit.sh's squeue (of the cluster it runs on) does not list, so a rerun submitted every run again.
    Refused now by the library and the command line alike, nothing written."""
    refused, said = emit_refused(tmp_path, synthetic_8, option)
    words = ("sbatch would send the jobs to another cluster, whose queue the squeue of submit.sh (that of the cluster "
             "it runs on) does not list: a rerun of submit.sh would submit their runs again; emit the scripts "
             "without --clusters, and submit them on a login node of the cluster the jobs are for")
    assert refused == f"{option!r}: {words}"
    assert words in " ".join(said.split())


@pytest.mark.parametrize("variable, value", [("SBATCH_CLUSTERS", "other"), ("SBATCH_CLUSTERS", ""),
                                             ("SLURM_CLUSTERS", "other,mine")])
@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
def test_submit_refuses_clusters_in_its_environment(tmp_path, fake_slurm, variable, value, dry_run):
    """sbatch 22.05 takes both as its --clusters (seen on the test cluster: an empty one too). Before,
    SBATCH_CLUSTERS sent the jobs to another cluster, whose queue submit.sh's squeue does not list: a
    rerun submitted every run again."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    said = submit_refused(submit, fake_slurm, *["--dry-run"] * dry_run, **{variable: value})
    assert said.startswith(f"nothing submitted: {variable}={value}, which sbatch takes as its --clusters")
    assert said.endswith(f"; unset {variable}, then run {submit} on a login node of the cluster the jobs are for\n")
    assert ("whose queue the squeue of submit.sh" in said) == (variable == "SBATCH_CLUSTERS")


@pytest.mark.parametrize("kind", ["file", "dangling-link"])
def test_cli_refuses_a_logs_file_in_the_scripts_folder_naming_it(tmp_path, synthetic_8, kind):
    """A file named logs in the folder (it may hold the user's other files): mkdir said "File exists",
    and the message blamed the folder ("cannot write the SLURM scripts into DIR"), which was writable."""
    logs = tmp_path / "slurm" / "logs"
    logs.parent.mkdir()
    if kind == "file":
        logs.write_text("my notes")
    else:
        logs.symlink_to(tmp_path / "gone")
    result = emit_cli(tmp_path, synthetic_8)
    assert result.exit_code == 2, result.output
    assert f"error: {logs} is there but is no folder: the tasks' output goes into a folder of that name; move it " \
           "away, or choose another folder for the SLURM scripts; nothing was written" in result.output
    assert sorted(path.name for path in logs.parent.iterdir()) == ["logs"] and not (tmp_path / "grid").exists()

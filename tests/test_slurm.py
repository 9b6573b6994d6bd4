"""``minitransfer.slurm``: the emitted scripts with stand-ins for sbatch/squeue/srun/scontrol, then the
same scripts on a real single-node SLURM (``tests/slurm_cluster.py``; skipped, with the reason,
without root or without Debian's slurm-wlm and munge)."""

import fcntl
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest
from click.testing import CliRunner

import slurm_cluster
from fake_results import FINISHED_JSON, FINISHED_RESULT
from minitransfer import checkpoint, grid_check, grid_status, report, run_lock, scheduler, slurm
from minitransfer import experiment as grid
from minitransfer.data import synthetic

OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}

# A stand-in for `minitransfer train`: on SIGTERM writes a "checkpoint" and exits 75; resumes from
# it; refuses its first FAKE_TRAIN_BUSY starts as train does a run another process holds (exit 2);
# deletes its run folder when FAKE_TRAIN_DELETE is set; exits FAKE_TRAIN_EXIT when set; with
# FAKE_TRAIN_UNTIL_STOPPED set trains until SIGTERM; otherwise
# writes the weights and result.json. Each event is appended to <run>.run/events. A finished run it
# leaves as it is, as train does: said to be finished, or refused (exit 2) where another command line
# than this one trained it (recorded in <run>.run/arguments).
FAKE_TRAIN = textwrap.dedent('''
    import os, pathlib, shutil, signal, sys, time
    args = sys.argv[1:]
    weights = pathlib.Path(args[args.index("--out") + 1])
    folder = weights.with_name(weights.stem + ".run")
    def note(event):
        with open(folder / "events", "a") as f:
            f.write(event + "\\n")
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    if (folder / "result.json").exists() and weights.exists():
        if (folder / "arguments").exists() and (folder / "arguments").read_text() != repr(args):
            print(f"error: cannot resume {folder}/checkpoint with a different configuration", flush=True)
            sys.exit(2)
        print(f"{weights} is already finished; nothing to do", flush=True)
        sys.exit(0)
    (folder / "arguments").write_text(repr(args))
    refused = (folder / "events").read_text().split().count("busy") if (folder / "events").exists() else 0
    if refused < int(os.environ.get("FAKE_TRAIN_BUSY", "0")):
        note("busy")
        print(f"error: {folder}BUSY_WORDS (PID 1); wait for it to finish or stop it, then rerun", flush=True)
        sys.exit(2)
    note("resume" if (folder / "checkpoint").exists() else "start")
    print("fake training", flush=True)
    if os.environ.get("FAKE_TRAIN_DELETE"):
        shutil.rmtree(folder)
    if os.environ.get("FAKE_TRAIN_EXIT"):
        sys.exit(int(os.environ["FAKE_TRAIN_EXIT"]))
    while os.environ.get("FAKE_TRAIN_UNTIL_STOPPED") and not stop:
        time.sleep(0.01)
    if stop:
        (folder / "checkpoint").write_text("iteration")
        note("interrupted")
        sys.exit(75)
    weights.write_text("weights")
    (folder / "result.json").write_text(FINISHED_JSON)  # as train writes it
    note("finished")
''').replace("BUSY_WORDS", run_lock.BUSY).replace("FINISHED_JSON", FINISHED_JSON)
GUARD_SECONDS = 600  # against a hang only: the tests wait for what the fakes write, never for a time to pass

FAKE_TOOLS = {
    # sbatch: records its arguments, answers job ids 1001, 1002, ... as --parsable does (id;cluster); the
    # FAKE_SBATCH_FAIL_AT-th call fails as sbatch does when the controller refuses a job; --test-only calls
    # are recorded apart (sbatch-test-only) and fail with FAKE_TEST_ONLY_ERROR where it is set
    "sbatch": textwrap.dedent('''\
        if [[ " $* " == *" --test-only "* ]]; then
          echo "$*" >> "$FAKE_LOG/sbatch-test-only"
          if [ -n "${FAKE_TEST_ONLY_ERROR-}" ]; then echo "$FAKE_TEST_ONLY_ERROR" >&2; exit 1; fi
          echo "sbatch: Job 5 to start at 2030-01-01T00:00:00 using 1 processors on nodes n1 in partition p" >&2; exit 0
        fi
        echo "$*" >> "$FAKE_LOG/sbatch"; n=$(wc -l < "$FAKE_LOG/sbatch")
        if [ "$n" = "${FAKE_SBATCH_FAIL_AT-}" ]; then echo "sbatch: error: Batch job submission failed" >&2; exit 1; fi
        echo "$((1000 + n));cluster"'''),
    # squeue: the lines a test wrote, "<job>_<task> [<state>] <reason>" as --array --format="%i %T %r" lists them
    # (no state: RUNNING for reason None, else PENDING), the N-th such listing from queue.N where there is one; for
    # --jobs=<id> --format=%T the job's state, FAKE_JOB_STATE (default RUNNING), or FAKE_SQUEUE_ERROR and exit 1;
    # for --format=%l its time limit, FAKE_TIME_LIMIT (default UNLIMITED), or with FAKE_SQUEUE_LIMIT_KILLS set,
    # SIGKILL to the array script asking it (SLURM killing the script of a job whose node it set DOWN); listing the
    # queue, FAKE_SQUEUE_LIST_ERROR and exit 1 where it is set (a controller that does not answer)
    "squeue": textwrap.dedent('''\
        if [[ "$*" == *--jobs=*--format=%l* ]] && [ -n "${FAKE_SQUEUE_LIMIT_KILLS-}" ]; then
          pid=$PPID scripts=()  # the script, then its subshells: the script first, before it goes on
          while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
            if tr '\\0' ' ' < "/proc/$pid/cmdline" | grep --quiet -e 'bases\\.sh ' -e 'transfers\\.sh '; then
              scripts=("$pid" "${scripts[@]}")
            fi
            pid=$(ps -o ppid= -p "$pid" | tr -d ' ')
          done
          kill -KILL "${scripts[@]}"
          exit 1
        fi
        if [[ "$*" != *--jobs=* ]] && [ -n "${FAKE_SQUEUE_LIST_ERROR-}" ]; then
          echo "$FAKE_SQUEUE_LIST_ERROR" >&2; exit 1
        fi
        if [[ "$*" == *--jobs=* ]] && [ -n "${FAKE_SQUEUE_ERROR-}" ]; then echo "$FAKE_SQUEUE_ERROR" >&2; exit 1; fi
        if [[ "$*" == *--jobs=*--format=%l* ]]; then echo "${FAKE_TIME_LIMIT-UNLIMITED}"; exit; fi
        if [[ "$*" == *--jobs=* ]]; then echo "${FAKE_JOB_STATE-RUNNING}"; exit; fi
        queue=$FAKE_LOG/queue
        if [[ "$*" == *"%i %T %r"* ]]; then
          echo x >> "$FAKE_LOG/squeue-listings"; n=$(wc -l < "$FAKE_LOG/squeue-listings")
          if [ -f "$queue.$n" ]; then queue=$queue.$n; fi
        fi
        [ -f "$queue" ] || exit 0
        if [[ "$*" != *"%i %T %r"* ]]; then cat "$queue"; exit; fi
        while read -r task first rest; do
          if [ -n "$rest" ]; then echo "$task $first $rest"
          elif [ "$first" = None ]; then echo "$task RUNNING None"; else echo "$task PENDING $first"; fi
        done < "$queue"'''),
    # scontrol: records its arguments; for show config, SLURM's MaxArraySize if FAKE_MAX_ARRAY_SIZE is set;
    # with FAKE_REQUEUE_ENDS_JOB set, a requeue kills its caller, the task's script, as SLURM ends a job it requeues
    "scontrol": 'if [ "$*" = "show config" ]; then\n'
                '  if [ -n "${FAKE_MAX_ARRAY_SIZE-}" ]; then echo "MaxArraySize = $FAKE_MAX_ARRAY_SIZE"; fi\n'
                '  exit 0\n'
                'fi\n'
                'echo "$*" >> "$FAKE_LOG/scontrol"\n'
                'if [ "${1-}" = requeue ] && [ -n "${FAKE_REQUEUE_ENDS_JOB-}" ]; then kill -KILL "$PPID"; fi',
    # scancel: records its arguments, signals the step (the training started by the srun below) if any;
    # with FAKE_SCANCEL_RETURNS_LATE set, returns only once the step has ended (a slow controller); with
    # FAKE_SCANCEL_ERROR set, then fails with that error
    "scancel": 'echo "$*" >> "$FAKE_LOG/scancel"\n'
               '[ ! -f "$FAKE_LOG/srun.pid" ] || kill -TERM "$(< "$FAKE_LOG/srun.pid")"\n'
               'while [ -n "${FAKE_SCANCEL_RETURNS_LATE-}" ] && kill -0 "$(< "$FAKE_LOG/srun.pid")" 2>/dev/null; do\n'
               '  sleep 0.01\n'
               'done\n'
               'if [ -n "${FAKE_SCANCEL_ERROR-}" ]; then echo "$FAKE_SCANCEL_ERROR" >&2; exit 1; fi',
    # srun: drops its options and runs the command; its --output, if given, is a file name pattern
    # as SLURM's (%% is %, %j the job id, %n, %s and %t zero), appended to
    "srun": textwrap.dedent('''\
        while [[ "$1" == --* ]]; do case "$1" in --output=*) pattern=${1#--output=} ;; esac; shift; done
        echo "$$" > "$FAKE_LOG/srun.pid"
        [ -n "${pattern-}" ] || exec "$@"
        output=
        while [ -n "$pattern" ]; do
          if [ "${pattern:0:1}" = % ]; then
            case "${pattern:1:1}" in %) output+=% ;; j) output+=$SLURM_JOB_ID ;; n|s|t) output+=0 ;;
                                     *) output+=%${pattern:1:1} ;; esac
            pattern=${pattern:2}
          else
            output+=${pattern:0:1}; pattern=${pattern:1}
          fi
        done
        exec "$@" >> "$output" 2>&1'''),
}


@pytest.fixture
def fake_slurm(tmp_path, monkeypatch):
    """PATH with the stand-ins above; returns the folder of their logs."""
    bin_dir, logs = tmp_path / "fake-bin", tmp_path / "fake-log"
    bin_dir.mkdir()
    logs.mkdir()
    for name, body in FAKE_TOOLS.items():
        (bin_dir / name).write_text(f"#!/usr/bin/env bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "fake_train.py").write_text(FAKE_TRAIN)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(logs))
    return logs


def fake_train_command(tmp_path):
    return [sys.executable, str(tmp_path / "fake_train.py")]


def array_tasks(script):
    """Array index → (run name, train argv) from an emitted array script."""
    tasks = {}
    for match in re.finditer(r"^  (\d+)\) run=(\S+);(?: base=\S+;)? command=\((.*)\) ;;$", script, re.MULTILINE):
        tasks[int(match.group(1))] = (shlex.split(match.group(2))[0], shlex.split(match.group(3)))
    return tasks


def scripts_id_of(scripts):
    """The id of the set of scripts in folder ``scripts``, which submit.sh passes to each task."""
    return re.search(rb"^scripts_id=(\w+)$", (scripts / "submit.sh").read_bytes(), re.MULTILINE).group(1).decode()


def sbatch_lines(script):
    return [line[len("#SBATCH "):] for line in script.splitlines() if line.startswith("#SBATCH ")]


def submitted_runs(logs, scripts):
    """The runs each sbatch call submitted, call by call, as its tasks read their run from the script:
    array task i trains run ``first + i`` of its case (``first``: the last argument submit.sh gives)."""
    runs, read = [], {}
    for call in sbatch_calls(logs, with_scripts_id=True):
        if call[-3] not in read:
            read[call[-3]] = array_tasks((scripts / call[-3]).read_text())
        tasks = read[call[-3]]
        indices = next(word for word in call if word.startswith("--array=")).removeprefix("--array=").split(",")
        runs.append([tasks[int(call[-1]) + int(index)][0] for index in indices])
    return runs


def array_task_of(scripts, runs):
    """Run name -> its array task in transfers.sh's array of its base: its index there less that of its
    base's first transfer (each base's transfers numbered from 0)."""
    parent = {run.name: run.parent for run in runs}
    names = [name for _, (name, _) in sorted(array_tasks((scripts / "transfers.sh").read_text()).items())]
    first = {}
    for index, name in enumerate(names):
        first.setdefault(parent[name], index)
    return {name: index - first[parent[name]] for index, name in enumerate(names)}


def finish(out, name):
    """Make run ``name`` look finished, as train leaves it."""
    (out / f"{name}.run").mkdir(parents=True, exist_ok=True)
    (out / f"{name}.run" / "result.json").write_text(json.dumps(FINISHED_RESULT))  # as train writes it
    (out / f"{name}.h5").write_text("weights")


def interrupt(out, name, weights=False):
    """Make run ``name`` look interrupted: its checkpoint, and its weights file where ``weights`` (a base
    some of whose transfers are finished is not trained again from the start: submit.sh refuses that)."""
    (out / f"{name}.run").mkdir(parents=True, exist_ok=True)
    (out / f"{name}.run" / grid.CHECKPOINT_FILE).write_text("checkpoint")
    if weights:
        (out / f"{name}.h5").write_text("weights")


def sbatch_calls(logs, with_scripts_id=False):
    """sbatch's arguments, call by call, up to the script (without what submit.sh passes to the script,
    the id of its set of scripts and the index of the array's first run, unless ``with_scripts_id``)."""
    path = logs / "sbatch"
    calls = [shlex.split(line) for line in path.read_text().splitlines()] if path.exists() else []
    return calls if with_scripts_id else [call[:-2] for call in calls]


# ---- resources ---------------------------------------------------------------------------------

@pytest.mark.parametrize("device, gres, expected_gres, train_device", [
    ("cpu", None, None, "cpu"), ("cuda", None, "gpu:1", "cuda"), ("auto", None, "gpu:1", "cuda"),
    ("cuda", "gpu:a100:2", "gpu:a100:2", "cuda"),
], ids=["cpu", "cuda", "auto", "cuda-own-gres"])
def test_device_chooses_the_gpu_request_and_the_train_device(tmp_path, device, gres, expected_gres, train_device):
    runs = grid.plan_grid(layers=(2,))
    slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", dict(OPTIONS, device=device), gres=gres,
                     partition="short", time_limit="1-00:00:00", sbatch_options=("--account=lab",))
    for name in ("bases.sh", "transfers.sh"):
        script = (tmp_path / "slurm" / name).read_text()
        options = sbatch_lines(script)
        assert [o for o in options if o.startswith("--gres")] == ([f"--gres={expected_gres}"] if expected_gres else [])
        assert {"--partition=short", "--time=1-00:00:00", "--account=lab", "--requeue", "--signal=TERM@300"} \
            <= set(options)
        for _, argv in array_tasks(script).values():
            assert argv[argv.index("--device") + 1] == train_device
        check = subprocess.run(["bash", "-n", str(tmp_path / "slurm" / name)], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr


ODD_FOLDER = "my runs/it's $HOME `id` #1 50% 10%noise"  # a blank, a quote, $, `, #, %, a %n of srun's patterns


def test_the_log_folder_is_one_word_of_its_sbatch_line_however_it_is_spelled(tmp_path):
    """sbatch splits an #SBATCH line at blanks, stops at '#' and takes quotes (as a shell would, but
    expanding nothing), then reads --output as a file name pattern where '%%' is '%'."""
    slurm_dir = tmp_path / ODD_FOLDER / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", slurm_dir, OPTIONS)
    for stage in ("bases", "transfers"):
        outputs = [o for o in sbatch_lines((slurm_dir / f"{stage}.sh").read_text()) if o.startswith("--output")]
        words = shlex.split(outputs[0], comments=True)
        assert len(words) == 1, outputs
        pattern = words[0][len("--output="):]
        assert pattern.replace("%A_%a", "7_3").replace("%%", "%") == str(slurm_dir / "logs" / f"{stage}-7_3.out")


@pytest.mark.parametrize("text, seconds", [
    ("5", 300), ("90", 5400), ("30:00", 1800), ("2:00:00", 7200), ("1-12", 129600), ("1-0:30", 88200),
    ("2-00:00:01", 172801),
], ids=["minutes", "more-minutes", "mm-ss", "hh-mm-ss", "d-hh", "d-hh-mm", "d-hh-mm-ss"])
def test_parse_time_limit(text, seconds):
    assert slurm.parse_time_limit(text) == seconds


@pytest.mark.parametrize("text", ["", "1h", "1:2:3:4", "-5", "4", "2:00"], ids=["empty", "unit", "four-fields",
                                                                          "negative", "too-short", "too-short-mmss"])
def test_parse_time_limit_rejects(text):
    with pytest.raises(ValueError, match="time limit"):
        slurm.parse_time_limit(text)


def test_signal_comes_before_short_time_limits():
    assert slurm.signal_margin(None) == 300 and slurm.signal_margin("2:00:00") == 300
    assert slurm.signal_margin("10") == 120


@pytest.mark.parametrize("text", ["0", "00:00:00", "0-0", "UNLIMITED", "infinite"])
def test_no_time_limit_as_sbatch_spells_it(tmp_path, text):
    """sbatch takes a limit of 0 (any spelling) and UNLIMITED / INFINITE (any case) as no limit: the
    training is signalled 5 minutes before a partition's limit, as without --time."""
    assert slurm.parse_time_limit(text) is None and slurm.signal_margin(text) == 300
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS, time_limit=text)
    assert {"--signal=TERM@300", f"--time={text}"} <= set(sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text()))


def test_time_limit_is_written_without_the_blanks_around_it(tmp_path):
    """parse_time_limit takes " 90 " as 90 minutes; sbatch refuses "#SBATCH --time= 90" (Invalid --time
    specification, seen on the test cluster), so the scripts could not be submitted."""
    for text in (" 90\t", "90\n"):
        slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS, time_limit=text)
        assert "--time=90" in sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())


# ---- submit.sh ---------------------------------------------------------------------------------

def test_each_transfer_array_waits_for_its_own_base_task(tmp_path, fake_slurm):
    runs = grid.plan_grid(random_seeds=(0, 1), layers=(1, 4), both_directions=True, random_frozen=(3,))
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    bases = array_tasks((scripts / "bases.sh").read_text())
    transfers = array_tasks((scripts / "transfers.sh").read_text())
    assert sorted(name for name, _ in bases.values()) == sorted(r.name for r in runs if r.parent is None)
    assert sorted(name for name, _ in transfers.values()) == sorted(r.name for r in runs if r.parent)
    for name, argv in list(bases.values()) + list(transfers.values()):
        assert argv[-4:] == ["--out", str(out / f"{name}.h5"), "--resume", "auto"]

    done = subprocess.run(["bash", str(submit)], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    calls = sbatch_calls(fake_slurm)
    assert calls[0] == ["--parsable", f"--array={','.join(map(str, sorted(bases)))}", "bases.sh"]
    # each task is given the id of the set of scripts submitted (the task checks it is of that set)
    assert all(call[-2] == scripts_id_of(scripts) for call in sbatch_calls(fake_slurm, with_scripts_id=True))
    parents = {r.name: r.parent for r in runs}
    base_task = {name: index for index, (name, _) in bases.items()}
    covered = []
    for call, its_runs in zip(calls[1:], submitted_runs(fake_slurm, scripts)[1:]):
        assert call[0] == "--parsable" and call[-1] == "transfers.sh"
        # each base's transfers numbered from 0: SLURM refuses indices of MaxArraySize (1001) or more
        assert call[1] == f"--array={','.join(map(str, range(len(its_runs))))}", call
        dependency = call[2].removeprefix("--dependency=afterok:1001_")
        assert {base_task[parents[name]] for name in its_runs} == {int(dependency)}, call
        covered += its_runs
    assert sorted(covered) == sorted(name for name, _ in transfers.values())
    assert len(calls) == 1 + 4  # one transfers array per base with transfers (all/base has none)
    submitted = [line.split("\t") for line in (scripts / "submitted.txt").read_text().splitlines()]
    assert sorted(shlex.split(key)[0] for _, key, *_ in submitted) == sorted(str(out / run.name) for run in runs)
    assert {task.split("_")[0] for task, *_ in submitted} == {str(1001 + i) for i in range(len(calls))}
    assert {plan for _, _, plan, *_ in submitted} == {json.loads((out / grid.PLAN_FILE).read_text())[grid.PLAN_ID]}


def test_submit_skips_finished_runs_and_then_submits_nothing(tmp_path, fake_slurm):
    runs = grid.plan_grid(layers=(1, 2))
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(runs, out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    transfers = array_task_of(scripts, runs)
    for name in ("random0/baseB", "random0/B1B", "random0/A2B+"):
        finish(out, name)
    interrupt(out, "random0/baseA", weights=True)
    done = subprocess.run(["bash", str(submit)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    left_of_a = sorted(transfers[f"random0/{label}"] for label in ("A1B", "A1B+", "A2B"))
    left_of_b = sorted(transfers[f"random0/{label}"] for label in ("B1B+", "B2B", "B2B+"))
    assert sbatch_calls(fake_slurm) == [
        ["--parsable", "--array=0", "bases.sh"],
        ["--parsable", f"--array={','.join(map(str, left_of_a))}", "--dependency=afterok:1001_0",
         "--job-name=mt-after-random0/baseA", "transfers.sh"],
        ["--parsable", f"--array={','.join(map(str, left_of_b))}", "--job-name=mt-after-random0/baseB",
         "transfers.sh"],
    ]
    assert "after array task 1001_0" in done.stdout

    for run in runs:
        finish(out, run.name)
    (fake_slurm / "sbatch").unlink()
    again = subprocess.run(["bash", str(submit)], capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert sbatch_calls(fake_slurm) == []
    assert f"nothing to submit: all {len(runs)} runs are finished" in again.stdout
    assert (scripts / "submitted.txt").read_text() == ""


def submit_grid(submit, *arguments, **env):
    return subprocess.run(["bash", str(submit), *arguments], capture_output=True, text=True,
                          env=dict(os.environ, **env))


def submit_refused(submit, fake_slurm, *arguments, **env):
    """submit.sh run as :func:`submit_grid` runs it, refused (exit 2) with nothing queued or tested by
    sbatch and no record of a submission written; its stderr."""
    done = submit_grid(submit, *arguments, **env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert not (fake_slurm / "sbatch").exists() and not (fake_slurm / "sbatch-test-only").exists()
    assert not (submit.parent / slurm.SUBMITTED_FILE).exists()
    return done.stderr


def test_submit_after_sbatch_failed_midway_submits_the_rest_after_the_queued_base(tmp_path, fake_slurm):
    """sbatch fails on the third array (baseB's transfers) while the bases run: a rerun submits those
    transfers at once, after baseB's queued task, and nothing else (it used to refuse until every job of
    the first submission had ended, or was cancelled)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    transfers = array_task_of(scripts, grid.plan_grid(layers=(1,)))
    first = submit_grid(submit, FAKE_SBATCH_FAIL_AT="3")
    assert first.returncode == 1, first.stderr
    assert ("sbatch refused transfers.sh (its error above): the 4 runs submitted before it are queued; fix what it "
            "names (a partition, --gres, --time or --sbatch-option: emit the scripts again with the right one), then "
            "rerun") in first.stderr
    (fake_slurm / "queue").write_text("999_0 None\n1001_0 None\n1001_1 None\n"
                                      + "".join(f"1002_{transfers[f'random0/A1B{t}']} Dependency\n" for t in ("", "+")))
    again = submit_grid(submit)
    assert again.returncode == 0, again.stderr
    left = sorted(transfers[f"random0/B1B{t}"] for t in ("", "+"))
    assert sbatch_calls(fake_slurm)[3:] == [
        ["--parsable", f"--array={','.join(map(str, left))}", "--dependency=afterok:1001_1",
         "--job-name=mt-after-random0/baseB", "transfers.sh"]]
    assert "not submitted again: 4 runs queued or running from an earlier submission" in again.stdout
    assert not (fake_slurm / "scancel").exists()
    assert sorted(line.split("\t")[0] for line in (scripts / "submitted.txt").read_text().splitlines()) == sorted(
        ["1001_0", "1001_1", *(f"1002_{transfers[f'random0/A1B{t}']}" for t in ("", "+")),
         *(f"1004_{index}" for index in left)])


def test_submit_whose_first_sbatch_fails_says_nothing_was_submitted(tmp_path, fake_slurm):
    """sbatch refuses the bases (a partition that does not exist, as on the test cluster): it used to say
    that the runs submitted before were queued and to rerun, which fails the same way."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    first = submit_grid(submit, FAKE_SBATCH_FAIL_AT="1")
    assert first.returncode == 1, first.stderr
    assert first.stderr.endswith("sbatch: error: Batch job submission failed\nsbatch refused bases.sh (its error "
                                 "above): nothing submitted; fix what it names (a partition, --gres, --time or "
                                 f"--sbatch-option: emit the scripts again with the right one), then rerun {submit}\n")
    assert len(sbatch_calls(fake_slurm)) == 1


def test_submit_where_slurm_commands_are_missing_says_so_before_submitting(tmp_path, fake_slurm):
    """A machine without SLURM's commands on PATH (not the login node, no `module load slurm`): one line
    naming the command, not bash's "sbatch: command not found" and a claim that runs were queued."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS,
                              train_command=fake_train_command(tmp_path))
    bare = tmp_path / "bin-without-slurm"  # every command on PATH but SLURM's (the fakes' included)
    bare.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for tool in (pathlib.Path(folder).iterdir() if os.path.isdir(folder) else ()):
            if tool.name not in FAKE_TOOLS and not (bare / tool.name).exists() and not (bare / tool.name).is_symlink():
                (bare / tool.name).symlink_to(tool)
    done = submit_grid(submit, PATH=str(bare))
    assert (done.returncode, done.stdout) == (1, ""), done.stderr
    assert done.stderr == (f"nothing submitted: there is no sbatch here (PATH={bare}): run {submit} where SLURM's "
                           "commands are (a login node of the cluster), or make them available first (e.g. module "
                           "load slurm)\n")
    assert not (fake_slurm / "sbatch").exists() and not (tmp_path / "slurm" / "submitted.txt").exists()


UNREACHABLE = "nothing submitted: squeue failed (its error above): SLURM cannot be reached from here (SLURM_CONF"


@pytest.mark.parametrize("dry_run", [False, True], ids=["submit", "dry-run"])
@pytest.mark.parametrize("earlier", [True, False], ids=["rerun", "first"])
def test_submit_whose_squeue_fails_says_slurm_cannot_be_reached(tmp_path, fake_slurm, dry_run, earlier):
    """squeue failing (the controller down, or no SLURM_CONF: "Could not establish a configuration
    source"): before, a rerun ended on squeue's own error alone, and a first submission, which asked no
    squeue, let sbatch fail and said to fix a partition, --gres, --time or --sbatch-option (exit 1)."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    if earlier:
        assert submit_grid(submit).returncode == 0
    record = submit.parent / slurm.SUBMITTED_FILE
    recorded = record.read_text() if earlier else ""
    error = "squeue: fatal: Could not establish a configuration source"
    again = submit_grid(submit, *["--dry-run"] * dry_run, FAKE_SQUEUE_LIST_ERROR=error)
    assert again.returncode == 1, again.stdout + again.stderr
    unreachable = (f"{UNREACHABLE} unset or naming another configuration, SLURM's controller down, munged down or "
                   "hung here, or not a machine of the cluster")
    if dry_run:  # it asks SLURM: run on a login node; off the cluster the emit step's summary is the preview
        unreachable = unreachable.replace("nothing submitted", "dry run stopped", 1)
        assert again.stderr == (f"{error}\n{unreachable}): the dry run asks SLURM what is queued and has sbatch "
                                f"--test-only check each array, so it runs where SLURM's controller answers: run "
                                f"{submit} --dry-run on a login node; off the cluster, what the scripts submit is "
                                "what experiment --emit-slurm said as it wrote them\n")
    else:
        assert again.stderr == f"{error}\n{unreachable}: run {submit} on a login node); rerun {submit} once squeue " \
                               "answers\n"
    assert len(sbatch_calls(fake_slurm)) == 3 * earlier and not (fake_slurm / "sbatch-test-only").exists()
    assert (record.read_text() if record.exists() else "") == recorded


def test_submit_again_cancels_and_resubmits_the_transfers_of_a_base_that_failed(tmp_path, fake_slurm):
    """baseA failed (no longer listed), its transfers wait with DependencyNeverSatisfied, baseB's still
    run: a rerun cancels the stuck ones and submits baseA and its transfers after it, leaving baseB's
    transfers alone (it used to refuse until those had ended, or were cancelled too)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS,
                              train_command=fake_train_command(tmp_path))
    transfers = array_task_of(scripts, grid.plan_grid(layers=(1,)))
    assert submit_grid(submit).returncode == 0
    finish(out, "random0/baseB")
    of_a = [f"1002_{transfers[f'random0/A1B{t}']}" for t in ("", "+")]
    (fake_slurm / "queue").write_text("".join(f"{task} DependencyNeverSatisfied\n" for task in of_a)
                                      + "".join(f"1003_{transfers[f'random0/B1B{t}']} None\n" for t in ("", "+")))
    again = submit_grid(submit)
    assert again.returncode == 0, again.stderr
    assert (fake_slurm / "scancel").read_text().split() == of_a
    assert f"cancelled array tasks {' '.join(of_a)}: they waited for a base that failed or was cancelled " \
           "(DependencyNeverSatisfied)" in again.stdout
    left = sorted(transfers[f"random0/A1B{t}"] for t in ("", "+"))
    assert sbatch_calls(fake_slurm)[3:] == [
        ["--parsable", "--array=0", "bases.sh"],
        ["--parsable", f"--array={','.join(map(str, left))}", "--dependency=afterok:1004_0",
         "--job-name=mt-after-random0/baseA", "transfers.sh"]]


def test_submit_of_a_grid_emitted_again_with_more_layers_leaves_the_queued_runs_alone(tmp_path, fake_slurm):
    """Emitted again with n=2 added while n=1 is queued, the transfers' array indices change: what is
    queued is known by run, so only the n=2 runs are submitted, after their bases' queued tasks."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS)
    assert submit_grid(submit).returncode == 0
    (fake_slurm / "queue").write_text("".join(f"{line.split(chr(9))[0]} None\n"
                                              for line in (scripts / "submitted.txt").read_text().splitlines()))
    slurm.emit_slurm(grid.plan_grid(layers=(1, 2)), out, scripts, OPTIONS)
    transfers = array_task_of(scripts, grid.plan_grid(layers=(1, 2)))
    again = submit_grid(submit)
    assert again.returncode == 0, again.stderr
    assert sbatch_calls(fake_slurm)[3:] == [
        ["--parsable", f"--array={','.join(str(transfers[f'random0/{n}']) for n in ('A2B', 'A2B+'))}",
         "--dependency=afterok:1001_0", "--job-name=mt-after-random0/baseA", "transfers.sh"],
        ["--parsable", f"--array={','.join(str(transfers[f'random0/{n}']) for n in ('B2B', 'B2B+'))}",
         "--dependency=afterok:1001_1", "--job-name=mt-after-random0/baseB", "transfers.sh"]]


@pytest.mark.parametrize("recorded", ["plan", "nothing"], ids=["other-plan", "older-submitted-txt"])
def test_submit_of_a_plan_emitted_into_the_folder_of_another_submits_runs_queued_for_that_one(
        tmp_path, fake_slurm, synthetic_8, recorded):
    """OUT planned again with other options (--max-iter 30) and its scripts emitted into the same
    folder, the first plan's tasks still queued: submit.sh took them for its own and submitted none of
    their runs, while those tasks end without training (exit 2), so nobody trained the runs until a
    second submit.sh. It submits them all, after the new bases' tasks, and names the old tasks to
    cancel; so it does with a submitted.txt of an older version, which did not record the plan."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs, options = grid.plan_grid(layers=(1,)), dict(OPTIONS, data=synthetic_8)
    submit = slurm.emit_slurm(runs, out, scripts, options)
    assert submit_grid(submit).returncode == 0
    old = (scripts / "submitted.txt").read_text().splitlines()
    if recorded == "nothing":
        (scripts / "submitted.txt").write_text("".join("\t".join(line.split("\t")[:2]) + "\n" for line in old))
    old_tasks = [line.split("\t")[0] for line in old]
    (fake_slurm / "queue").write_text("".join(f"{task} None\n" for task in old_tasks))
    before = plan_of(out)
    slurm.emit_slurm(runs, out, scripts, dict(options, max_iter=30))
    assert plan_of(out) != before
    again = submit_grid(submit)
    assert again.returncode == 0, again.stderr
    transfers = array_task_of(scripts, runs)
    of = {base: ",".join(str(i) for name, i in sorted(transfers.items(), key=lambda item: item[1])
                         if name.startswith(f"random0/{base}")) for base in ("A", "B")}
    assert sbatch_calls(fake_slurm)[3:] == [
        ["--parsable", "--array=0,1", "bases.sh"],
        ["--parsable", f"--array={of['A']}", "--dependency=afterok:1004_0", "--job-name=mt-after-random0/baseA",
         "transfers.sh"],
        ["--parsable", f"--array={of['B']}", "--dependency=afterok:1004_1", "--job-name=mt-after-random0/baseB",
         "transfers.sh"]]
    assert "not submitted again" not in again.stdout
    assert again.stderr == (
        f"{len(old_tasks)} array tasks of another plan of {out} (or of one {scripts / 'submitted.txt'} does not "
        f"name) are still queued: this plan submits their runs anew where not finished; a task of another plan ends "
        f"without training (exit 2) but holds its place in the queue meanwhile: cancel them "
        f"(scancel {' '.join(old_tasks)})\n")
    lines = [line.split("\t") for line in (scripts / "submitted.txt").read_text().splitlines()]
    assert [task for task, *_ in lines[:len(old_tasks)]] == old_tasks  # kept: still queued, to be cancelled
    assert {plan for _, _, plan, *_ in lines[len(old_tasks):]} == {plan_of(out)} and len(lines) == 2 * len(old_tasks)

    (fake_slurm / "queue").write_text("".join(f"{task} None\n" for task, *_ in lines))
    third = submit_grid(submit)
    assert third.returncode == 0 and len(sbatch_calls(fake_slurm)) == 6, third.stderr
    assert f"not submitted again: {len(old_tasks)} runs queued or running" in third.stdout
    assert third.stderr == again.stderr


def test_submit_of_a_plan_of_one_run_says_it_in_the_singular(tmp_path, fake_slurm, synthetic_8):
    """A plan of one run (a base), planned again with other options while its task is queued, then
    finished: submit.sh said "1 array tasks ... are still queued ... cancel them" and "all 1 runs are
    finished"."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs, options = grid.plan_grid(layers=(1,))[:1], dict(OPTIONS, data=synthetic_8)
    assert [run.parent for run in runs] == [None]
    submit = slurm.emit_slurm(runs, out, scripts, options)
    assert submit_grid(submit).returncode == 0
    (old_task,) = [line.split("\t")[0] for line in (scripts / "submitted.txt").read_text().splitlines()]
    (fake_slurm / "queue").write_text(f"{old_task} None\n")
    slurm.emit_slurm(runs, out, scripts, dict(options, max_iter=30))
    again = submit_grid(submit)
    assert again.returncode == 0, again.stderr
    assert again.stderr == (
        f"1 array task of another plan of {out} (or of one {scripts / 'submitted.txt'} does not name) is still "
        f"queued: this plan submits its run anew where not finished; a task of another plan ends without training "
        f"(exit 2) but holds its place in the queue meanwhile: cancel it (scancel {old_task})\n")
    assert "bases: job 1002, 1 of 1 run (array task 0)" in again.stdout

    finish(out, runs[0].name)
    (fake_slurm / "queue").write_text("")
    last = submit_grid(submit)
    assert last.returncode == 0, last.stderr
    assert f"nothing to submit: the 1 run is finished in {out}\n" in last.stdout


def test_submit_makes_the_folder_of_the_task_output_where_it_was_deleted(tmp_path, fake_slurm):
    """slurm/logs deleted (old task output cleaned up): SLURM failed every task to launch
    (JobLaunchFailure, seen on the test cluster), writing no output anywhere, at each rerun too."""
    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    (tmp_path / "slurm" / "logs").rmdir()
    assert submit_grid(submit).returncode == 0 and len(sbatch_calls(fake_slurm)) == 3
    assert (tmp_path / "slurm" / "logs").is_dir()


def test_submit_refuses_while_another_submit_runs(tmp_path, fake_slurm):
    """Two submit.sh at once would both find a run unsubmitted and submit it twice."""
    import fcntl

    submit = slurm.emit_slurm(grid.plan_grid(layers=(1,)), tmp_path / "grid", tmp_path / "slurm", OPTIONS)
    with open(tmp_path / "slurm" / "submitted.txt", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        busy = submit_grid(submit)
    assert busy.returncode == 1 and "is already running" in busy.stderr and sbatch_calls(fake_slurm) == []
    assert submit_grid(submit).returncode == 0 and len(sbatch_calls(fake_slurm)) == 3


@pytest.mark.parametrize("folder", ["-slurm", "-"], ids=["dash-name", "dash"])
def test_submit_of_a_folder_named_like_an_option_runs_there(tmp_path, fake_slurm, folder):
    """submit.sh run by a relative path that begins with - (``bash -- -slurm/submit.sh``): its
    ``cd "$(dirname "$0")"`` read the name as options and stayed in the current folder, where it
    submitted (and recorded) whatever bases.sh was there; a folder named - is no ``cd -`` either
    ($OLDPWD), and an exported CDPATH holding a folder of that name is not followed there."""
    out, scripts = tmp_path / "grid", tmp_path / folder
    slurm.emit_slurm(grid.plan_grid(layers=(1,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    (tmp_path / "elsewhere" / folder).mkdir(parents=True)
    done = subprocess.run(["bash", "--", f"{folder}/submit.sh"], capture_output=True, text=True, cwd=tmp_path,
                          env=dict(os.environ, CDPATH=str(tmp_path / "elsewhere"), OLDPWD=str(tmp_path / "elsewhere")))
    assert done.returncode == 0, done.stderr
    assert sbatch_calls(fake_slurm)[0] == ["--parsable", "--array=0,1", "bases.sh"]
    assert (scripts / "submitted.txt").read_text().count("\n") == len(grid.plan_grid(layers=(1,)))
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["fake-bin", "fake-log", "fake_train.py", "grid",
                                                                       folder, "elsewhere"])
    assert not any((tmp_path / "elsewhere").rglob("submitted.txt"))


def test_emit_slurm_refuses_a_transfer_without_its_base(tmp_path):
    runs = [run for run in grid.plan_grid(layers=(1,)) if run.name != "random0/baseA"]
    with pytest.raises(ValueError, match="random0/baseA"):
        slurm.emit_slurm(runs, tmp_path / "grid", tmp_path / "slurm", OPTIONS)


# ---- one array task ----------------------------------------------------------------------------

def resubmit(scripts):
    """The command a task's output gives to run ``scripts``' submit.sh again, pasted from any folder."""
    return f"bash {shlex.quote(str(scripts / slurm.SUBMIT_FILE))}"


def run_task(scripts, script, task, job="77", scripts_id=None, first=0, **env):
    """Array task ``task`` of ``scripts/script`` as SLURM starts it, given the id of its set of scripts
    and the index of its array's first run as submit.sh gives them (``scripts_id``, default: that of
    the scripts in folder ``scripts``; ``first``)."""
    environment = dict(os.environ, SLURM_ARRAY_JOB_ID=job, SLURM_ARRAY_TASK_ID=str(task),
                       SLURM_JOB_ID=str(int(job) + 1 + task), **env)
    arguments = [scripts_id or scripts_id_of(scripts), str(first)]
    return subprocess.Popen(["bash", str(scripts / script), *arguments], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="surrogateescape")


def wait_for_file(path, task):
    """Until ``path`` exists (the fake train writes its events once its SIGTERM handler is set); fails
    at once if the task ends first, and after GUARD_SECONDS."""
    deadline = time.monotonic() + GUARD_SECONDS
    while not path.exists():
        assert task.poll() is None, task.communicate()[0]
        assert time.monotonic() < deadline, f"no {path} after {GUARD_SECONDS} s"
        time.sleep(0.02)


def test_task_forwards_sigterm_requeues_on_exit_75_then_resumes(tmp_path, fake_slurm):
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1")
    wait_for_file(out / "random0/baseB.run/events", task)
    task.send_signal(signal.SIGTERM)  # scancel --batch --signal=TERM: to the script, which passes it on
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    # this task (not its job id: the task running under the array's own id would pass it on to every task)
    assert (fake_slurm / "scancel").read_text().split() == ["--signal=TERM", "77_1"]
    assert "run random0/baseB: exit 75, interrupted with a checkpoint: requeued" in output
    assert (fake_slurm / "scontrol").read_text().split() == ["requeue", "77_1"]

    again = run_task(scripts, "bases.sh", 1)
    output = again.communicate(timeout=GUARD_SECONDS)[0]
    assert again.returncode == 0, output
    assert (out / "random0/baseB.run/events").read_text().split() == ["start", "interrupted", "resume", "finished"]
    assert (fake_slurm / "scontrol").read_text().split() == ["requeue", "77_1"]
    log = (out / "random0/baseB.run/train.log").read_text()
    assert log.count("$ ") == 2 and "--half B" in log

    finished = run_task(scripts, "bases.sh", 1)
    assert "run random0/baseB: already finished" in finished.communicate(timeout=GUARD_SECONDS)[0]
    assert finished.returncode == 0
    assert (out / "random0/baseB.run/events").read_text().split() == ["start", "interrupted", "resume", "finished"]


def test_task_requeues_a_step_that_ended_before_the_forwarded_sigterm_returned(tmp_path, fake_slurm):
    """The script's trap forwards SIGTERM with scancel, a call to the controller: where the training had
    checkpointed and exited 75 before scancel returned, the task took the status of its interrupted wait
    (143) for the step's, said "FAILED with exit 143" and did not requeue the run."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1", FAKE_SCANCEL_RETURNS_LATE="1")
    wait_for_file(out / "random0/baseB.run/events", task)
    task.send_signal(signal.SIGTERM)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    assert "run random0/baseB: exit 75, interrupted with a checkpoint: requeued" in output
    assert (fake_slurm / "scontrol").read_text().split() == ["requeue", "77_1"]


@pytest.mark.parametrize("state, error, said", [
    ("COMPLETING", "scancel: error: Kill job error on job id 77_1: Invalid job id specified", False),
    ("PENDING", "scancel: error: Kill job error on job id 77_1: Job can not be altered now, try again later", False),
    ("RUNNING", "scancel: error: Kill job error on job id 77_1: Unable to contact slurm controller", True),
], ids=["job-ending", "job-requeued", "job-running"])
def test_task_says_why_sigterm_was_not_passed_on_unless_its_job_is_ending(tmp_path, fake_slurm, state, error, said):
    """A plain scancel signals the step itself and the script, whose scancel then finds the job ending:
    its error ("Invalid job id specified") left a confusing line in the task's output; a job SLURM
    requeues (its node set DOWN) is ending too. A failure to signal a job still running is said."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1", FAKE_SCANCEL_ERROR=error,
                    FAKE_JOB_STATE=state)
    wait_for_file(out / "random0/baseB.run/events", task)
    task.send_signal(signal.SIGTERM)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    assert (fake_slurm / "scancel").read_text().split() == ["--signal=TERM", "77_1"]
    assert (error in output) == said and ("SIGTERM not passed on to its training" in output) == said, output


@pytest.mark.parametrize("status", ["0", "75", "3"])
def test_task_whose_job_slurm_requeued_says_so_rather_than_failed(tmp_path, fake_slurm, status):
    """An admin set the node DOWN while slurmd was up: SLURM ends the step (exit 0 on the test cluster)
    and requeues the job, PENDING as the script goes on. It said "FAILED: its job step exited 0 without
    finishing the run", then the run finished once requeued."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT=status, FAKE_JOB_STATE="PENDING")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert "FAILED" not in output and "not requeued" not in output, output
    assert output.endswith(f"run random0/baseA: not finished (its job step ended with exit {status}): SLURM requeued "
                           "the job (the job is PENDING: its node failed or was set DOWN); it runs again when SLURM "
                           "starts it, resuming the run\n"), output
    assert not (fake_slurm / "scontrol").exists()


def test_a_grid_with_other_options_is_refused_while_a_task_trains_in_its_folder(tmp_path, fake_slurm, synthetic_8):
    """A SLURM task trains holding the grid folder's working lock, shared, as a local grid does: a
    local `experiment` with other options started on the folder meanwhile is refused before it
    plans, instead of pooling another schedule's networks with the jobs' (none of their runs has a
    checkpoint or weights yet to tell it)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs, options = grid.plan_grid(layers=(2,)), dict(OPTIONS, data=synthetic_8)
    slurm.emit_slurm(runs, out, scripts, options, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_UNTIL_STOPPED="1")
    wait_for_file(out / "random0/baseB.run/events", task)
    try:
        assert grid_check.others_at_work(out)
        with pytest.raises(grid_check.GridMismatch, match=f"another minitransfer experiment works on {out} now, "
                                                          f"with other options .*`max_iter` 20 -> 30"):
            scheduler.run_grid(runs, out, dict(options, max_iter=30), train_command=fake_train_command(tmp_path),
                               log=lambda line: None)
    finally:
        task.send_signal(signal.SIGTERM)
        output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    assert not grid_check.others_at_work(out)  # released with the task


@pytest.mark.parametrize("state", ["COMPLETING", ""], ids=["cancelled", "gone"])
def test_task_is_not_requeued_when_its_job_was_cancelled(tmp_path, fake_slurm, state):
    """A plain scancel sends SIGTERM too, and the training exits 75 with a checkpoint; the job is then
    COMPLETING, not RUNNING (seen on the test cluster). Requeued anyway, it came back: scancel could not
    stop the grid."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="75", FAKE_JOB_STATE=state)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    assert (f"run random0/baseB: exit 75, interrupted with a checkpoint; not requeued: the job is {state or 'gone'} "
            f"(cancelled, or out of time); rerun {resubmit(scripts)} to resume it") in output
    assert not (fake_slurm / "scontrol").exists()


@pytest.mark.parametrize("time_limit, limit, requeued", [
    (None, "1:00", False), (None, "0:05:59", False), (None, "6:00", True), (None, "1-00:00:00", True),
    ("10", "2:59", False), ("10", "3:00", True),
], ids=["one-minute", "under-margin-and-a-minute", "margin-and-a-minute", "a-day", "short-margin-under",
        "short-margin-enough"])
def test_task_whose_time_limit_is_within_the_signal_margin_is_not_requeued(tmp_path, fake_slurm, time_limit, limit,
                                                                           requeued):
    """A job whose time limit (a partition's default, SBATCH_TIMELIMIT) is under the SIGTERM margin is
    signalled as it starts: each requeue was signalled again at once (seen with a 1-minute limit: three
    restarts in a minute). It is requeued where the limit leaves a minute of training after the margin."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path),
                     time_limit=time_limit)
    margin = slurm.signal_margin(time_limit)
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="75", FAKE_TIME_LIMIT=limit)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    if requeued:
        assert "interrupted with a checkpoint: requeued" in output, output
        assert (fake_slurm / "scontrol").read_text().split() == ["requeue", "77_1"]
    else:
        assert (f"run random0/baseB: exit 75, interrupted with a checkpoint; not requeued: its job's time limit, "
                f"{limit}, leaves under 60 s of training before SLURM signals it to checkpoint, {margin} s before the "
                f"limit (--signal=TERM@{margin}): requeued, it would be signalled as it starts, over and over; emit "
                f"the scripts again with --time {6 if time_limit is None else 5} or more") in output, output
        assert output.count("not requeued") == 1 and not (fake_slurm / "scontrol").exists()


def test_task_whose_job_state_cannot_be_read_says_so_rather_than_cancelled(tmp_path, fake_slurm):
    """squeue failing as the training exits 75 (a controller too busy to answer): the task said "the job
    is gone (cancelled, or out of time)" of a job still running, and hid squeue's error."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    error = "squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation"
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT="75", FAKE_SQUEUE_ERROR=error)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 75, output
    assert output.endswith(f"{error}\nrun random0/baseB: exit 75, interrupted with a checkpoint; not requeued: the "
                           f"state of its job could not be read (squeue failed, its error above); rerun "
                           f"{resubmit(scripts)} to resume it\n"), output
    assert not (fake_slurm / "scontrol").exists()


@pytest.mark.parametrize("code, said", [
    ("", "run random0/baseB: done\n"),
    ("3", "run random0/baseB: FAILED with exit 3; see {log}\n"),
], ids=["finished", "failed"])
def test_task_says_an_error_of_squeue_only_where_its_job_state_matters(tmp_path, fake_slurm, code, said):
    """squeue failing as the task ends (a controller too busy to answer), the training finished or
    failed: its error stood unexplained in the task's output, right before "run X: done", or before
    the line saying why the run failed (which does not depend on it)."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    error = "squeue: error: slurm_load_jobs error: Socket timed out on send/recv operation"
    task = run_task(scripts, "bases.sh", 1, FAKE_TRAIN_EXIT=code, FAKE_SQUEUE_ERROR=error)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == int(code or 0), output
    log = out / "random0" / "baseB.run" / "train.log"
    assert output.endswith(said.format(log=log)) and "squeue" not in output, output


@pytest.mark.parametrize("code, deleted, said", [
    ("65", False, "FAILED: bad data (exit 65): a dataset, checkpoint or weights file is damaged or does not fit, which "
                  "its train.log ({log}) names; fix or replace it, then rerun {submit}"),
    ("74", False, "FAILED: an I/O error (exit 74): the disk is full, or a file cannot be written or read, which its "
                  "train.log ({log}) names; free space or fix the permissions, then rerun {submit}"),
    ("3", False, "FAILED with exit 3; see {log}"),
    # srun's exit for a step SIGKILL ended (the out-of-memory killer, kill -9): the log says nothing of it
    ("137", False, "FAILED: killed by SIGKILL, which leaves no message (SIGKILL: the machine ran out of memory, or "
                   "someone killed it); rerun {submit}"
                   " to resume it from its last checkpoint, if it wrote one, or else to train it from the start"),
    # 139: SIGSEGV, a crash whose message (faulthandler's, a C library's) the log may hold: not SIGKILL's words
    ("139", False, "FAILED: killed by SIGSEGV; its train.log ({log}) may end on why (a crash's message: a C "
                   "library's abort, Python's faulthandler); rerun {submit}"
                   " to resume it from its last checkpoint, if it wrote one, or else to train it from the start"),
    ("74", True, "FAILED (exit 74): {folder} was deleted while it trained, and its output (train.log) with it; rerun "
                 "{submit} to train it from the start"),
], ids=["bad-data", "io", "other", "sigkill", "sigsegv", "folder-deleted"])
def test_task_passes_a_failure_on_without_requeueing(tmp_path, fake_slurm, code, deleted, said):
    """The task's last line says, in a local grid's words, what its exit code means and what to do
    (it used to say "FAILED with exit 74; see" the log, whatever the cause); a run folder deleted while it
    trained is said to be, rather than sending the researcher to a train.log that went with it; a
    training killed by SIGKILL (srun: exit 137) is said to be, not sent to a log that ends mid-run; one a
    crash ended (SIGSEGV: 139) was told in SIGKILL's words, "which leaves no message", while its log may
    hold the crash's. The words are written out here, not made by the functions that write the script."""
    out, scripts = tmp_path / "my \"grid\" $HOME", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    for base in ("random0/baseA", "random0/baseB"):
        finish(out, base)
    task = run_task(scripts, "transfers.sh", 0, FAKE_TRAIN_EXIT=code, **({"FAKE_TRAIN_DELETE": "1"} if deleted else {}))
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == int(code), output
    assert not (fake_slurm / "scontrol").exists()
    name = array_tasks((scripts / "transfers.sh").read_text())[0][0]
    folder = out / f"{name}.run"
    said = said.format(log=folder / 'train.log', folder=folder, submit=resubmit(scripts))
    assert output.endswith(f"run {name}: {said}\n"), output
    unknown = run_task(scripts, "transfers.sh", 99)
    assert "no run for array task 99" in unknown.communicate(timeout=GUARD_SECONDS)[0] and unknown.returncode == 2


def output_until(task, text):
    """The task's output up to the line holding ``text``, read as it comes (a watchdog kills the task
    after GUARD_SECONDS, which ends its output)."""
    watchdog = threading.Timer(GUARD_SECONDS, task.kill)
    watchdog.start()
    lines = []
    try:
        for line in task.stdout:
            lines.append(line)
            if text in line:
                return "".join(lines)
    finally:
        watchdog.cancel()
    raise AssertionError(f"the task ended (exit {task.wait()}) without {text!r}:\n{''.join(lines)}")


@pytest.mark.parametrize("left", ["finished", "checkpoint", "nothing", "weights"],
                         ids=["finished-there", "stopped-there", "stopped-before-a-checkpoint", "weights-alone"])
def test_task_waits_for_another_process_training_its_run(tmp_path, fake_slurm, left):
    """Another process trains the run (a local grid of the same options on OUT, or a task of a second
    submission): the task's train was refused (exit 2), and the task failed, although that process
    would finish the run. It waits for it to release the run's lock, then ends as done where that
    process finished the run, or trains it (resuming from what it left) where it stopped unfinished;
    saying so as the wait ends, as the training it starts says nothing in the task's output until it
    ends (minutes later: a task seen waiting, then silent, was cancelled as idle). Its weights left without a
    checkpoint, its train refuses to replace them (exit 2), as the task says (before, "starts the run"); of a
    checkpoint, whether its train can resume it takes Python to tell, which the task says (it said "resumes")."""
    finished_there = left == "finished"
    out, scripts = tmp_path / "my grid's ü" / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    with run_lock.RunLock(out / "random0/baseB.run"):  # as the other process's train holds it
        task = run_task(scripts, "bases.sh", 1, **({"FAKE_TRAIN_EXIT": "2"} if left == "weights" else {}))
        waiting = output_until(task, "waiting for it to release the run")
        assert (f"run random0/baseB: being trained by another process (PID {os.getpid()}); waiting for it to release "
                f"the run, holding this task's allocation idle meanwhile (scancel 77_1 to free it, then rerun "
                f"{resubmit(scripts)} once that process has ended)\n") in waiting
        if finished_there:
            finish(out, "random0/baseB")
        elif left == "checkpoint":
            interrupt(out, "random0/baseB")
        elif left == "weights":
            (out / "random0/baseB.h5").write_text("weights")
    output = waiting + task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == (2 if left == "weights" else 0), output
    now = {"finished": "finds the run finished: its train checks it",
           "checkpoint": f"resumes the run from its checkpoint, {out / 'random0/baseB.run' / grid.CHECKPOINT_FILE}, "
                         "unless its train finds it bad (it then refuses to resume it)",
           "nothing": "starts the run: it has no checkpoint",
           "weights": f"tries the run (weights without a checkpoint, {out / 'random0/baseB.h5'}): its train refuses "
                      "to replace them"}[left]
    resumed = f"run random0/baseB: the other process has released the run (it ended); this task now {now}\n"
    assert output[len(waiting):].startswith(resumed), output
    events = out / "random0/baseB.run/events"
    if finished_there:
        assert output.endswith("run random0/baseB: finished by another process\n") and not events.exists()
    elif left == "weights":
        assert "FAILED: refused by train (exit 2" in output, output
    else:
        assert output.endswith("run random0/baseB: done\n") and events.read_text().split() == ["start", "finished"]


@pytest.mark.parametrize("record, named", [
    (b"4242 node7\n", "PID 4242 on host node7"), (f"4242 {os.uname().nodename}\n".encode(), "PID 4242"),
    (b"4242\n", "PID 4242"),
    (b"4242 node7.cluster".ljust(319) + b"\nSLURM_JOB_ID=1240 SLURM_ARRAY_JOB_ID=1234 SLURM_ARRAY_TASK_ID=5 "
     b"SLURMD_NODENAME=node7\n", "SLURM job 1234_5 on node node7"),
], ids=["other-node", "this-node", "older-record", "slurm-task"])
def test_task_waiting_for_a_run_trained_on_another_node_names_that_node(tmp_path, fake_slurm, record, named):
    """The run's lock held by a process on another node (a task of a second submission there): its PID
    is that node's, and is named with it; not with this one's, nor with $HOSTNAME, which sbatch passes on
    from the shell that submitted the job (here set to another name). A SLURM task's record (its first line
    padded to 319 bytes) names its job and node, which scancel takes: before, "PID 4242 on host node7.cluster"."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    (out / "random0/baseB.run").mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out / "random0/baseB.run" / run_lock.RunLock.FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        os.write(descriptor, record)
        task = run_task(scripts, "bases.sh", 1, HOSTNAME="node7")
        waiting = output_until(task, "waiting for it to release the run")
    finally:
        os.close(descriptor)
    output = waiting + task.communicate(timeout=GUARD_SECONDS)[0]
    assert f"run random0/baseB: being trained by another process ({named}); waiting for it to release " in waiting
    assert task.returncode == 0 and output.endswith("run random0/baseB: done\n"), output


@pytest.mark.parametrize("refusals, status, events", [(1, 0, ["busy", "start", "finished"]), (3, 2, ["busy", "busy"])],
                         ids=["once", "again"])
def test_task_starts_its_run_again_once_after_losing_the_race_for_it(tmp_path, fake_slurm, refusals, status, events):
    """train refused the run as in use, but nobody holds it any more: the process that took it just
    before has ended. Started again once, as a local grid does (it used to fail at once); refused
    again, the task fails rather than loop, should another process take the run at each start."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_BUSY=str(refusals))
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == status, output
    assert (out / "random0/baseA.run/events").read_text().split() == events
    assert output.count("run random0/baseA: taken by another process as this task started it") == events.count("busy")
    assert output.endswith("run random0/baseA: done\n" if status == 0 else "FAILED: refused by train (exit 2: an "
                           "option, or a file in the way), which its train.log ("
                           f"{out / 'random0/baseA.run/train.log'}) names; fix that, then rerun "
                           f"{resubmit(scripts)} (\"error: "
                           f"{out / 'random0/baseA.run'}{run_lock.BUSY} (PID 1); wait for it to finish or stop it, "
                           "then rerun\")\n"), output


def test_task_is_not_held_up_by_a_lock_file_nobody_holds(tmp_path, fake_slurm):
    """A run's lock is flock's, which dies with its process: the lock file of a process that was killed
    (or one written by hand) holds the task up no more than an absent one."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    (out / "random0/baseA.run").mkdir(parents=True, exist_ok=True)
    (out / "random0/baseA.run" / run_lock.RunLock.FILE).write_text("999999\n")
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0 and output.endswith("run random0/baseA: done\n") and "waiting" not in output, output


@pytest.mark.parametrize("unset", ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_JOB_ID", "SLURM_JOB_ID"])
def test_task_run_by_hand_is_refused_before_it_trains(tmp_path, fake_slurm, unset):
    """`bash bases.sh` outside SLURM, SLURM_ARRAY_TASK_ID set by hand or not: it used to die on the
    first unset variable (exit 1, "SLURM_ARRAY_JOB_ID: unbound variable"), with the grid's lock taken,
    or, without SLURM_JOB_ID, after the training."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLURM_")}
    env.update({name: "7" for name in ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_JOB_ID", "SLURM_JOB_ID") if name != unset})
    env["SLURM_ARRAY_TASK_ID"] = "0" if unset != "SLURM_ARRAY_TASK_ID" else ""
    done = subprocess.run(["bash", str(scripts / "bases.sh")], env=env, capture_output=True, text=True,
                          timeout=GUARD_SECONDS)
    assert done.returncode == 2 and done.stdout == "", done.stdout + done.stderr
    assert done.stderr == (f"{scripts / 'bases.sh'}: not a SLURM array task (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_JOB_ID "
                           f"or SLURM_JOB_ID unset): submit the grid with {resubmit(scripts)}\n")
    assert not (out / "random0/baseA.run/events").exists()


@pytest.mark.parametrize("in_the_way", [False, True], ids=["deleted", "file-in-the-way"])
def test_task_of_a_run_whose_folder_is_gone(tmp_path, fake_slurm, in_the_way):
    """The folders the plan wrote were deleted before the task ran: it makes them again and trains.
    A file in their way is one error naming it (exit 74, I/O); the task used to go on past mkdir's
    error to the grid's lock and the training, failing at each, and ended "FAILED with exit 1; see" a
    log that could not be written."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    shutil.rmtree(out / "random0")
    if in_the_way:
        (out / "random0").write_text("not a folder")
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    if in_the_way:
        assert task.returncode == 74 and output.startswith("run random0/baseA: mkdir: cannot create directory"), output
        assert output.count("\n") == 1 and str(out / "random0") in output, output
    else:
        assert task.returncode == 0 and output.endswith("run random0/baseA: done\n"), output


def test_task_and_submit_where_the_grid_folder_is_not_there(tmp_path, fake_slurm):
    """OUT absent where the script runs (a node that does not mount its file system, or OUT deleted): the
    task made the whole path on the node's own disk, lock files and all, then said OUT "was planned again
    with other options" (exit 2), as did submit.sh. Each now says the plan file is not there, and why
    that may be, writing nothing: the task exit 74 (an I/O failure on its node), submit.sh exit 2 (the grid
    not where its scripts say, as README documents its codes; it was 74)."""
    out, scripts = tmp_path / "shared fs" / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    shutil.rmtree(tmp_path / "shared fs")
    expected = (f"there is no {out / grid.PLAN_FILE} on {os.uname().nodename}: {out} is on a file system this "
                "machine does not mount, or it was deleted or moved since the scripts were written; run them where it "
                "is, or emit them again (minitransfer experiment --emit-slurm)\n")
    task = run_task(scripts, "bases.sh", 0, HOSTNAME="login1")  # sbatch passes the submitting shell's on
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 74 and output == f"run random0/baseA: not trained: {expected}", output
    done = subprocess.run(["bash", str(scripts / "submit.sh")], capture_output=True, text=True, timeout=GUARD_SECONDS,
                          env=dict(os.environ, HOSTNAME="login1"))
    assert done.returncode == 2 and done.stderr == f"nothing submitted: {expected}", done.stderr
    assert not (tmp_path / "shared fs").exists() and not (fake_slurm / "sbatch").exists()


def test_task_whose_train_program_is_not_on_the_node_says_so_before_writing(tmp_path, fake_slurm):
    """The scripts written by a minitransfer in a virtual environment the compute node does not see (the
    login node's own disk): srun's execve failed with exit 2, which the task read as train refusing the
    run ("an option, or a file in the way", seen on the test cluster). It now names the program and the
    node (exit 74, as for an OUT the node does not mount), training and writing nothing."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    program = tmp_path / "login-node-venv" / "bin" / "minitransfer"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=[str(program), "train"])
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 74, output
    assert output == (f"run random0/baseA: not trained: there is no {program} on {os.uname().nodename} (or it is not "
                      "executable), the program its train command runs: the scripts were written by a minitransfer "
                      "installed where this machine does not see it; install minitransfer where the compute nodes "
                      "see it (a shared file system), write the scripts again with that one (its experiment "
                      f"--emit-slurm), then rerun {resubmit(scripts)}\n")
    assert not (fake_slurm / "srun.pid").exists() and not grid.run_dir(out, grid.plan_grid(layers=(2,))[0]).joinpath(
        grid.LOG_FILE).exists()


def test_task_appends_the_output_to_train_log_in_a_folder_named_like_a_file_name_pattern(tmp_path, fake_slurm):
    """srun --output reads its file name as a pattern (%n: the node, %j: the job id): handed the log of
    a grid in "10%noise", srun would write to "100oise" (a folder that does not exist) and fail."""
    out, scripts = tmp_path / "noise 10%noise %j" / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0, output
    assert "run random0/baseA: done" in output
    log = (out / "random0/baseA.run/train.log").read_text()
    assert log.startswith("$ ") and log.endswith("fake training\n"), log


def test_scripts_hold_the_bytes_of_a_path_that_is_not_utf_8(tmp_path, fake_slurm):
    """A folder named in Latin-1 (b"r\\xe9sultats") is no UTF-8 text: the scripts hold its bytes as they
    are, and its runs write there (emit_slurm used to fail with a UnicodeEncodeError, leaving an empty
    submit.sh that the next --emit-slurm refused to replace as not its own)."""
    folder = tmp_path / os.fsdecode(b"r\xe9sultats \xff")
    out, scripts = folder / "grid", folder / "slurm"
    for attempt in range(2):
        slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS,
                         train_command=fake_train_command(tmp_path))
    assert os.fsencode(out) in (scripts / "bases.sh").read_bytes()
    assert f"{scripts}/logs".encode("utf-8", "surrogateescape") in (scripts / "transfers.sh").read_bytes()
    task = run_task(scripts, "bases.sh", 0)
    assert task.communicate(timeout=GUARD_SECONDS)[0].endswith("run random0/baseA: done\n")
    assert (out / "random0/baseA.run/train.log").read_bytes().endswith(b"fake training\n")


def test_task_fails_when_its_step_exits_0_without_finishing_the_run(tmp_path, fake_slurm):
    """A job step that ends with exit 0 without the run's weights (srun reports 0 after some launch
    failures) is a failed task, so the transfers waiting for the base (afterok) do not start."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    slurm.emit_slurm(grid.plan_grid(layers=(2,)), out, scripts, OPTIONS, train_command=fake_train_command(tmp_path))
    task = run_task(scripts, "bases.sh", 0, FAKE_TRAIN_EXIT="0")
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 1, output
    assert "run random0/baseA: FAILED: its job step exited 0 without finishing the run" in output
    assert "done" not in output


def plan_of(out):
    return json.loads((out / grid.PLAN_FILE).read_text())[grid.PLAN_ID]


def replaced_plan_line(what, out, scripts, plan, now):
    return (f"{what}: {out} is no longer planned as these scripts were written for ({out / grid.PLAN_FILE}: plan "
            f"{now}; theirs, in {scripts}: plan {plan}), it was planned again with other options: cancel the jobs of "
            f"these scripts (scancel; {scripts / 'submitted.txt'} lists them), then submit the new plan with the "
            f"submit.sh written for it\n")


def test_task_and_submit_of_a_replaced_plan_train_nothing(tmp_path, fake_slurm, synthetic_8):
    """The folder planned again with other options (--max-iter 30) while the tasks of the first scripts
    wait in the queue: they trained with the earlier options, beside the new plan's networks, and the
    report compared both as one grid. They now end (exit 2) before training, saying why and what to
    do; so does the first scripts' submit.sh, submitting nothing. The new plan's tasks train."""
    out, first, second = tmp_path / "grid", tmp_path / "slurm", tmp_path / "slurm-2"
    runs, options = grid.plan_grid(layers=(2,)), dict(OPTIONS, data=synthetic_8)
    slurm.emit_slurm(runs, out, first, options, train_command=fake_train_command(tmp_path))
    before = plan_of(out)
    slurm.emit_slurm(runs, out, second, dict(options, max_iter=30), train_command=fake_train_command(tmp_path))
    assert plan_of(out) != before
    task = run_task(first, "bases.sh", 1)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 2, output
    assert output == replaced_plan_line("run random0/baseB: not trained", out, first, before, plan_of(out))
    assert not (out / "random0/baseB.run/events").exists()
    submitted = submit_grid(first / "submit.sh")
    assert submitted.returncode == 2 and sbatch_calls(fake_slurm) == [], submitted.stdout + submitted.stderr
    assert submitted.stderr == replaced_plan_line("nothing submitted", out, first, before, plan_of(out))

    task = run_task(second, "bases.sh", 1)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0 and output.endswith("run random0/baseB: done\n"), output
    assert "--max-iter 30" in (out / "random0/baseB.run/train.log").read_text()


@pytest.mark.parametrize("again", ["same", "more-layers-on-the-gpu", "replaced-then-back"])
def test_tasks_queued_from_a_plan_emitted_again_as_it_was_still_train(tmp_path, fake_slurm, synthetic_8, again):
    """The same grid emitted again (to add layers, or with another --device, which the runs may change
    as they resume), or planned with other options and then back with the first ones: the tasks
    queued from the first scripts are of OUT's plan and train."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs, options = grid.plan_grid(layers=(2,)), dict(OPTIONS, data=synthetic_8)
    slurm.emit_slurm(runs, out, scripts, options, train_command=fake_train_command(tmp_path))
    queued = tmp_path / "queued.sh"  # SLURM runs the copy of the script it was given
    queued.write_text((scripts / "bases.sh").read_text())
    queued_id, before = scripts_id_of(scripts), plan_of(out)
    if again == "same":
        slurm.emit_slurm(runs, out, scripts, options, train_command=fake_train_command(tmp_path))
    elif again == "more-layers-on-the-gpu":
        slurm.emit_slurm(grid.plan_grid(layers=(1, 2)), out, scripts, dict(options, device="cuda"),
                         train_command=fake_train_command(tmp_path))
    else:
        slurm.emit_slurm(runs, out, tmp_path / "slurm-2", dict(options, max_iter=30),
                         train_command=fake_train_command(tmp_path))
        assert plan_of(out) != before
        slurm.emit_slurm(runs, out, scripts, options, train_command=fake_train_command(tmp_path))
    assert plan_of(out) == before
    task = run_task(tmp_path, "queued.sh", 1, scripts_id=queued_id)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 0 and output.endswith("run random0/baseB: done\n"), output


def test_task_waits_for_a_grid_planning_in_its_folder_and_sees_its_plan(tmp_path, fake_slurm, synthetic_8):
    """A grid of other options planning in OUT as the task starts had found nobody at work there: the
    task, reading the plan before that grid wrote its own, trained the earlier options beside it. It
    waits for the planning to end, and ends seeing the new plan."""
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    runs, options = grid.plan_grid(layers=(2,)), dict(OPTIONS, data=synthetic_8)
    slurm.emit_slurm(runs, out, scripts, options, train_command=fake_train_command(tmp_path))
    before = plan_of(out)
    with grid_check.GridLock(out, options, log=lambda line: None):  # as `experiment` holds it while it plans
        task = run_task(scripts, "bases.sh", 1)
        waiting = output_until(task, "waiting for a minitransfer experiment to finish planning")
        slurm.emit_slurm(runs, out, tmp_path / "slurm-2", dict(options, max_iter=30),
                         train_command=fake_train_command(tmp_path))
    output = waiting + task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == 2, output
    assert output.endswith(replaced_plan_line("run random0/baseB: not trained", out, scripts, before, plan_of(out)))
    assert not (out / "random0/baseB.run/events").exists()


@pytest.mark.parametrize("kept", ["checkpoint", "weights"], ids=["with-checkpoint", "checkpoint-deleted"])
@pytest.mark.parametrize("max_iter, status, ending",
                         [(4, 0, "already finished"), (6, 2, "FAILED: refused by train (exit 2")],
                         ids=["as-planned", "otherwise"])
def test_task_of_a_finished_run_leaves_it_to_train_which_checks_its_options(tmp_path, fake_slurm, micro_data,
                                                                              max_iter, status, ending, kept):
    """A run finished meanwhile (by hand, or by another grid: here the task's own train command with
    --max-iter 6): the task took it as done whatever options had trained it, and its transfers started
    from it; a local grid refuses it (grid_check.check_finished). The real train ends at once on a run
    trained as asked, and refuses one trained otherwise (exit 2), naming the option; also where its
    checkpoint was deleted to save space (the task failed there, exit 2, for want of it)."""
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    options = {"data": micro_data, "preset": "micro", "max_iter": 4, "eval_every": 2, "batch_size": 8, "seed": 0,
               "device": "cpu"}
    slurm.emit_slurm([run], out, scripts, options)
    argv = array_tasks((scripts / "bases.sh").read_text())[0][1]
    argv[argv.index("--max-iter") + 1] = str(max_iter)
    trained = subprocess.run(argv, capture_output=True, text=True, timeout=GUARD_SECONDS)
    assert trained.returncode == 0 and grid_status.is_finished(out, run), trained.stdout + trained.stderr
    log = grid.run_dir(out, run) / grid.LOG_FILE
    if kept == "weights":
        log.with_name("checkpoint.h5").unlink()
    task = run_task(scripts, "bases.sh", 0)
    output = task.communicate(timeout=GUARD_SECONDS)[0]
    assert task.returncode == status and output.splitlines()[-1].startswith(f"run random0/baseA: {ending}"), output
    resumed = log.with_name("checkpoint.h5") if kept == "checkpoint" else grid.weights_path(out, run.name)
    refusal = f"cannot resume {resumed} with a different configuration: --max-iter 6 -> 4"
    assert (refusal in log.read_text()) == (status == 2), log.read_text()


# ---- command line ------------------------------------------------------------------------------

def test_cli_emit_slurm_for_the_cpu(tmp_path, synthetic_8):
    from minitransfer.cli.experiment import experiment

    data = synthetic_8
    result = CliRunner().invoke(experiment, ["--data", str(data), "-o", str(tmp_path / "grid"), "--layers", "1-2",
                                             "--device", "cpu", "--partition", "short", "--time", "4:00:00",
                                             "--emit-slurm", str(tmp_path / "slurm")])
    assert result.exit_code == 0, result.output
    assert "submit with: bash" in result.output
    script = (tmp_path / "slurm" / "transfers.sh").read_text()
    assert "--device cpu" in script and "--device cuda" not in script and "--gres" not in script
    assert {"--partition=short", "--time=4:00:00"} <= set(sbatch_lines(script))


def test_a_time_limit_field_above_59_is_carried_over_as_sbatch_carries_it():
    """sbatch takes --time=1:99:00 as 2:39:00 (Slurm's time_str2secs checks no field's range), so it is
    no usage error here either, and the signal margin is reckoned from the same limit."""
    assert slurm.parse_time_limit("1:99:00") == slurm.parse_time_limit("2:39:00") == 9540
    assert slurm.parse_time_limit("1-0:90") == slurm.parse_time_limit("1-1:30")


def test_cli_emit_slurm_prints_a_submit_command_the_shell_reads_as_printed(tmp_path, synthetic_8):
    """"submit with: bash /my runs/slurm $x/submit.sh": pasted, the shell split it at the blank and
    expanded $x; the path is quoted as the shell needs it."""
    from minitransfer.cli.experiment import experiment

    folder = tmp_path / "my runs" / "slurm $x 'a'"
    result = CliRunner().invoke(experiment, ["--data", str(synthetic_8), "-o", str(tmp_path / "grid"), "--layers", "1",
                                             "--device", "cpu", "--emit-slurm", str(folder)])
    assert result.exit_code == 0, result.output
    command = result.output.splitlines()[-1].split("submit with: ", 1)[1]
    assert shlex.split(command) == ["bash", str(folder / "submit.sh")], command


def test_cli_emit_slurm_notes_a_gpu_asked_for_a_cpu_training(tmp_path, synthetic_8):
    """--device cpu --gres gpu:1 held a GPU per run that the runs never used, without a word."""
    from minitransfer.cli.experiment import experiment

    result = CliRunner().invoke(experiment, ["--data", str(synthetic_8), "-o", str(tmp_path / "grid"), "--layers", "1",
                                             "--device", "cpu", "--gres", "gpu:a100:1",
                                             "--emit-slurm", str(tmp_path / "slurm")])
    assert result.exit_code == 0, result.output
    assert "note: --gres gpu:a100:1 asks SLURM for a GPU, but --device cpu trains on the CPU" in result.output
    assert "--gres=gpu:a100:1" in sbatch_lines((tmp_path / "slurm" / "bases.sh").read_text())


@pytest.mark.parametrize("own", ["file", "folder"])
def test_cli_emit_slurm_keeps_a_file_of_the_users_named_like_its_scripts(tmp_path, synthetic_8, own):
    """A folder that holds other files takes the scripts, and the scripts of an earlier --emit-slurm are
    replaced; a submit.sh (or a folder of that name) that --emit-slurm did not write is kept, and
    nothing is written (exit code 2)."""
    from minitransfer.cli import main

    scripts, grid_folder = tmp_path / "project", tmp_path / "grid"
    scripts.mkdir()
    (scripts / "notes.txt").write_text("mine")
    arguments = ["experiment", "--data", synthetic_8, "-o", str(grid_folder), "--layers", "1", "--device", "cpu",
                 "--emit-slurm", str(scripts)]
    for attempt in range(2):  # the second replaces the scripts the first wrote
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 0, result.output
    assert (scripts / "notes.txt").read_text() == "mine"

    for name in ("submit.sh", "bases.sh", "transfers.sh"):
        (scripts / name).unlink()
    if own == "file":
        (scripts / "submit.sh").write_text("#!/bin/sh\nsbatch my-own-job.sh\n")
    else:
        (scripts / "submit.sh").mkdir()
    (grid_folder / "experiment.json").unlink()
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 2, result.output
    assert (f"error: not replacing {scripts / 'submit.sh'}, which --emit-slurm did not write: choose another folder "
            f"for the SLURM scripts, or move the file away") in result.output
    assert own == "folder" or (scripts / "submit.sh").read_text() == "#!/bin/sh\nsbatch my-own-job.sh\n"
    assert not (scripts / "bases.sh").exists() and not (grid_folder / "experiment.json").exists()


def test_cli_emit_slurm_refuses_a_folder_whose_path_holds_a_backslash(tmp_path, synthetic_8):
    """SLURM fails to launch the jobs of scripts in a folder below a backslash (JobLaunchFailure, no log
    at all: seen on the test cluster), so the scripts are not written there; the grid's folder may hold one."""
    from minitransfer.cli import main

    scripts = tmp_path / "back\\slash" / "slurm"
    arguments = ["experiment", "--data", synthetic_8, "--layers", "1", "--device", "cpu"]
    result = CliRunner().invoke(main, [*arguments, "-o", str(tmp_path / "grid"), "--emit-slurm", str(scripts)])
    assert result.exit_code == 2, result.output
    assert f"error: {scripts}: SLURM fails to launch the jobs of scripts in a folder whose path holds a backslash" \
        in result.output
    assert not (tmp_path / "back\\slash").exists() and not (tmp_path / "grid").exists()
    result = CliRunner().invoke(main, [*arguments, "-o", str(tmp_path / "back\\slash" / "grid"),
                                       "--emit-slurm", str(tmp_path / "slurm")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("option, value, line", [
    ("--emit-slurm", "new\nline", "--output={tmp}/new\\nline/logs"),
    ("--gres", "gpu:1\ntouch x", "--gres=gpu:1\\ntouch x"),
    ("--partition", "gpu\r", "--partition=gpu\\r"),
], ids=["folder", "gres", "partition"])
def test_cli_emit_slurm_refuses_a_line_break_in_an_sbatch_line(tmp_path, synthetic_8, option, value, line):
    """What follows a line break in an #SBATCH line is a line of the script of its own: a command every
    job runs (--gres), or a quote left open that bash cannot parse (the log folder)."""
    from minitransfer.cli import main

    folder = tmp_path / (value if option == "--emit-slurm" else "slurm")
    extra = [] if option == "--emit-slurm" else [option, value]
    result = CliRunner().invoke(main, ["experiment", "--data", synthetic_8, "--layers", "1", "--device", "cpu",
                                       "-o", str(tmp_path / "grid"), "--emit-slurm", str(folder), *extra])
    assert result.exit_code == 2, result.output
    assert f"error: an #SBATCH line cannot hold a line break, as '{line.format(tmp=tmp_path)}' would" in result.output
    assert not (tmp_path / "grid").exists() and not any(tmp_path.glob("*/*.sh"))


@pytest.mark.parametrize("arguments, message", [
    (["--emit-slurm", "s", "--time", "1h"], "expected minutes"),
    (["--partition", "gpu"], "only apply with --emit-slurm"),
    (["--emit-slurm", "s", "--sbatch-option", "--account=lab\n#SBATCH --qos=high"], "without line breaks"),
    # the scripts' own --signal=TERM@300 stayed, SLURM signalled a task under a limit that short at once, each
    # time it was requeued (seen on the test cluster)
    (["--emit-slurm", "s", "--sbatch-option=--time=1"], "give the time limit as --time"),
    (["--emit-slurm", "s", "--sbatch-option=-t 0:30:00"], "give the time limit as --time"),
    (["--emit-slurm", "s", "--sbatch-option=--signal=USR1@60"], "set sbatch's --time and --signal themselves"),
], ids=["bad-time", "without-emit-slurm", "line-break", "time-as-sbatch-option", "short-time-as-sbatch-option",
        "signal-as-sbatch-option"])
def test_cli_rejects_slurm_options(tmp_path, synthetic_8, arguments, message):
    from minitransfer.cli.experiment import experiment

    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--device", "cpu",
                                             *arguments])
    assert result.exit_code == 2 and message in result.output, result.output


# ---- a real single-node SLURM ------------------------------------------------------------------

SETTLE_SECONDS = 120


@pytest.fixture(scope="module")
def cluster(request):
    """The test process's real SLURM (:func:`slurm_cluster.shared`), emptied of jobs after the module."""
    reason = slurm_cluster.unavailable_reason()
    if reason:
        pytest.skip(reason)
    running = slurm_cluster.shared(request.config)
    yield running
    running.clear()


def real_options(**changes):
    """A tiny micro-preset run on the built-in synthetic set (14 px), on the CPU."""
    options = {"data": str(synthetic.builtin_dataset()), "preset": "micro", "max_iter": 20, "eval_every": 10,
               "batch_size": 8, "seed": 0, "device": "cpu"}
    return dict(options, **changes)


def submit(cluster, script):
    """Run submit.sh the way a user does (one BLAS thread per job: the node has few cores)."""
    env = dict(cluster.env, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr + cluster.diagnostics()
    return done.stdout


def submitted_jobs(output):
    """``{"bases": id, "random0/baseA": id of its transfers, ...}`` from submit.sh's output."""
    jobs = {}
    for line in output.splitlines():
        match = re.match(r"(?:transfers of )?(\S+): job (\d+)", line)
        if match:
            jobs[match.group(1)] = match.group(2)
    return jobs


def settle(cluster):
    """Wait until no job can run any more: the queue is empty but for never-satisfiable ones."""
    def settled():
        return all(reason == "DependencyNeverSatisfied" for _, reason in cluster.jobs().values())
    cluster.wait_for(settled, SETTLE_SECONDS, "the jobs to finish")
    return cluster.jobs()


def test_real_slurm_grid_failing_base_resubmit_and_nothing_left(cluster, tmp_path):
    runs = grid.plan_grid(layers=(1,))  # baseA, baseB; B1B, B1B+ after baseB; A1B, A1B+ after baseA
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm(runs, out, scripts, real_options())
    transfer_task = {name: i for i, (name, _) in array_tasks((scripts / "transfers.sh").read_text()).items()}
    # baseA fails on purpose: a corrupt checkpoint where its --resume auto looks for one (exit 65), damaged while
    # another process held the run (its lock held here), which submit.sh leaves to it: one it finds damaged it does
    # not submit (test_slurm_unresumable)
    corrupt = grid.run_dir(out, runs[0]) / "checkpoint.h5"  # the run folder: written by emit_slurm's plan
    corrupt.write_text("not a checkpoint")

    with run_lock.RunLock(grid.run_dir(out, runs[0])):
        jobs = submitted_jobs(submit(cluster, script))
    left = settle(cluster)
    finished = {run.name for run in runs if grid_status.is_finished(out, run)}
    assert finished == {"random0/baseB", "random0/B1B", "random0/B1B+"}, cluster.diagnostics()
    stuck = {f"{jobs['random0/baseA']}_{transfer_task[name]}" for name in ("random0/A1B", "random0/A1B+")}
    assert left == {job: ("PENDING", "DependencyNeverSatisfied") for job in stuck}
    task_output = (scripts / "logs" / f"bases-{jobs['bases']}_0.out").read_text()
    assert "run random0/baseA: FAILED: bad data (exit 65)" in task_output

    corrupt.unlink()  # fixed: submit.sh cancels the stuck transfers, submits baseA and them after it
    output = submit(cluster, script)
    assert f"cancelled array tasks {' '.join(sorted(stuck))}: they waited for a base that failed or was " \
           "cancelled" in output
    jobs = submitted_jobs(output)
    assert "bases: job" in output and "1 of 2 runs (array task 0)" in output
    assert set(jobs) == {"bases", "random0/baseA"}, output
    assert f", after array task {jobs['bases']}_0)" in output
    assert settle(cluster) == {}
    assert all(grid_status.is_finished(out, run) for run in runs), cluster.diagnostics()
    written = report.write_report(out, figures=False)
    assert sorted(result.run.name for result in written.results) == sorted(run.name for run in runs)
    assert written.unfinished == []

    known = cluster.command("scontrol", "--oneliner", "show", "jobs").count("JobId=")
    output = submit(cluster, script)
    assert f"nothing to submit: all {len(runs)} runs are finished" in output
    assert cluster.jobs() == {}
    assert cluster.command("scontrol", "--oneliner", "show", "jobs").count("JobId=") == known


def test_real_slurm_grid_in_a_folder_with_blanks_quotes_and_percent_signs(cluster, tmp_path):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    out, scripts = tmp_path / ODD_FOLDER / "grid", tmp_path / ODD_FOLDER / "slurm"
    jobs = submitted_jobs(submit(cluster, slurm.emit_slurm(runs, out, scripts, real_options())))
    assert settle(cluster) == {}
    assert all(grid_status.is_finished(out, run) for run in runs), cluster.diagnostics()
    assert "run random0/baseA: done" in (scripts / "logs" / f"bases-{jobs['bases']}_0.out").read_text()


def test_real_slurm_plain_scancel_stops_the_run_for_good_with_a_checkpoint(cluster, tmp_path):
    """scancel without --signal: the training still writes its checkpoint (exit 75), but the task is
    not requeued (it used to requeue itself, so that the cancelled run started again)."""
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    job = submitted_jobs(submit(cluster, slurm.emit_slurm([run], out, scripts, real_options(max_iter=100000))))["bases"]
    log = grid.run_dir(out, run) / grid.LOG_FILE
    cluster.wait_for(lambda: log.exists() and "\niteration " in log.read_text(), SETTLE_SECONDS,
                     "the first iterations")
    cluster.command("scancel", f"{job}_0")
    slurm_log = scripts / "logs" / f"bases-{job}_0.out"
    cluster.wait_for(lambda: "exit 75" in slurm_log.read_text(), SETTLE_SECONDS, "the task to see the training's exit")
    assert settle(cluster) == {}
    assert "not requeued: the job is COMPLETING (cancelled)" in slurm_log.read_text()
    assert "scancel: error" not in slurm_log.read_text()  # passing SIGTERM on to a job ending already
    record = cluster.job_record(f"{job}_0")
    assert (record["JobState"], record["Restarts"]) == ("CANCELLED", "0"), record
    assert grid_status.run_status(out, run).startswith("resume at iteration ")


def test_real_slurm_task_waits_for_the_process_training_its_run(cluster, tmp_path):
    """A task whose run another process trains (its lock held here, as that process's train holds it)
    waits for it, then trains what it left unfinished (it used to fail with train's refusal, exit 2)."""
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm([run], out, scripts, real_options())
    with run_lock.RunLock(grid.run_dir(out, run)):
        job = submitted_jobs(submit(cluster, script))["bases"]
        slurm_log = scripts / "logs" / f"bases-{job}_0.out"
        cluster.wait_for(lambda: slurm_log.exists() and "waiting for it to release the run" in slurm_log.read_text(),
                         SETTLE_SECONDS, "the task to wait for the run")
    assert settle(cluster) == {}
    assert grid_status.is_finished(out, run), slurm_log.read_text()
    assert slurm_log.read_text().endswith("run random0/baseA: done\n")



def test_real_slurm_task_of_a_plan_replaced_while_it_starts_trains_nothing(cluster, tmp_path):
    """A grid of other options plans in OUT as the task starts (its planning lock held here, as
    `experiment` holds it): the task, run by SLURM from its copy of the script, waits for it, sees
    the new plan and fails (exit 2) without training, naming its scripts' folder."""
    run = grid.plan_grid(layers=(1,))[0]
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    script = slurm.emit_slurm([run], out, scripts, real_options())
    before = plan_of(out)
    with grid_check.GridLock(out, real_options(max_iter=30), log=lambda line: None):
        job = submitted_jobs(submit(cluster, script))["bases"]
        slurm_log = scripts / "logs" / f"bases-{job}_0.out"
        cluster.wait_for(lambda: slurm_log.exists() and "finish planning its runs" in slurm_log.read_text(),
                         SETTLE_SECONDS, "the task to wait for the planning")
        slurm.emit_slurm([run], out, tmp_path / "slurm-2", real_options(max_iter=30))
    assert settle(cluster) == {}
    assert slurm_log.read_text().endswith(replaced_plan_line("run random0/baseA: not trained", out, scripts, before,
                                                             plan_of(out)))
    record = cluster.job_record(f"{job}_0")
    assert (record["JobState"], record["ExitCode"]) == ("FAILED", "2:0"), record
    assert not grid.run_dir(out, run).joinpath(grid.LOG_FILE).exists()

def weights(path):
    return checkpoint.load(path, solver=False).weights


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    """``start(argv)``: the weights file of ``argv`` (a task's train command) trained to its end in a process
    of its own, never interrupted, and that process; started at the first call for that command, which the
    tests of both scancels share (each trained the same 600 iterations again beside its own job)."""
    started = {}

    def start(argv):
        key = tuple(argv[:argv.index("--out")] + argv[argv.index("--out") + 2:])
        if key not in started:
            out = tmp_path_factory.mktemp("reference") / "baseA.h5"
            argv = [*argv[:argv.index("--out") + 1], str(out), *argv[argv.index("--out") + 2:]]
            started[key] = out, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                                 env=dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1"))
        return started[key]

    yield start
    for _, process in started.values():
        process.kill()
        process.wait()


@pytest.mark.parametrize("scancel", [["--signal=TERM"], ["--batch", "--signal=TERM"]],
                         ids=["to-the-step", "to-the-script"])
def test_real_slurm_sigterm_requeues_and_resumes_to_the_same_weights(cluster, uninterrupted, tmp_path, scancel):
    run = grid.plan_grid(layers=(1,))[0]  # random0/baseA, long enough to be caught running
    out, scripts = tmp_path / "grid", tmp_path / "slurm"
    options = real_options(max_iter=600, eval_every=200, log_every=5)
    script = slurm.emit_slurm([run], out, scripts, options)
    reference_weights, reference = uninterrupted(array_tasks((scripts / "bases.sh").read_text())[0][1])

    job = submitted_jobs(submit(cluster, script))["bases"]
    log = grid.run_dir(out, run) / grid.LOG_FILE
    cluster.wait_for(lambda: log.exists() and "\niteration " in log.read_text(), SETTLE_SECONDS,
                     "the first iterations")
    cluster.command("scancel", *scancel, f"{job}_0")
    assert settle(cluster) == {}

    slurm_log = (scripts / "logs" / f"bases-{job}_0.out").read_text()
    assert "run random0/baseA: exit 75, interrupted with a checkpoint: requeued" in slurm_log, slurm_log
    assert f"array task {job}_0, restart 0;" in slurm_log and f"array task {job}_0, restart 1;" in slurm_log
    record = cluster.job_record(f"{job}_0")
    assert (record["JobState"], record["Restarts"], record["ExitCode"]) == ("COMPLETED", "1", "0:0")
    stopped = re.search(r"stopped after iteration (\d+)", log.read_text())
    assert stopped and 0 < int(stopped.group(1)) < 600, log.read_text()
    assert f"at iteration {stopped.group(1)}" in log.read_text()

    assert reference.wait(timeout=SETTLE_SECONDS) == 0, reference.communicate()[0]
    resumed, uninterrupted = weights(grid.weights_path(out, run.name)), weights(reference_weights)
    assert list(resumed) == list(uninterrupted)
    for layer, (w, b) in uninterrupted.items():
        assert np.array_equal(resumed[layer][0], w) and np.array_equal(resumed[layer][1], b), layer

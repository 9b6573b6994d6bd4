"""A grid on several GPUs, one of them broken: every run on it failed within seconds, and its slot
took run after run from the queue, failing most of the grid while the good GPUs trained. Now a GPU
whose runs fail one after the other is retired and the runs it failed are tried once more on the
others (:class:`minitransfer.grid_retirement.GpuRetirement`). The runs are a fake ``train`` that fails on
the GPUs ``FAKE_BROKEN`` lists (its CUDA_VISIBLE_DEVICES; each run's ``gpus`` file lists where it
ran), fails at once everywhere for the runs ``FAKE_FAILS`` names (exit 1, as a batch too large for any
GPU's memory), exits 75 for those ``FAKE_STOPS`` names, and on a good GPU finishes once ``FAKE_GATE``
holds ``FAKE_GATE_COUNT`` lines, one per run that failed at once (on a broken GPU, or named in
FAKE_FAILS): the good GPU is still busy with its first run as the broken one takes the next runs.
``FAKE_PAIRED`` set, a run failing at once waits for the next one to (the gate's lines in pairs): two
broken GPUs fail their runs in step."""

import contextlib
import errno
import sys
import textwrap

import pytest

import waiting
from minitransfer import experiment as grid
from minitransfer import scheduler
from minitransfer.grid_outcome import GridInterrupted
from minitransfer.grid_retirement import GpuRetirement

FAKE_TRAIN = textwrap.dedent('''
    import json, os, pathlib, signal, sys, time
    signal.signal(signal.SIGINT, lambda *_: sys.exit(75))  # the grid's stop: a checkpoint written
    args = sys.argv[1:]
    weights = pathlib.Path(args[args.index("--out") + 1])
    folder = weights.with_name(weights.stem + ".run")
    name, gpu = f"{weights.parent.name}/{weights.stem}", os.environ["CUDA_VISIBLE_DEVICES"]
    with open(folder / "gpus", "a") as tried:
        tried.write(gpu + "\\n")
    gate = pathlib.Path(os.environ["FAKE_GATE"])
    deadline = time.monotonic() + float(os.environ["FAKE_DEADLINE"])

    def wait_for_gate(count):
        while len(gate.read_text().splitlines() if gate.exists() else []) < count and time.monotonic() < deadline:
            time.sleep(0.02)

    fails, broken = name in os.environ.get("FAKE_FAILS", "").split(","), gpu in os.environ["FAKE_BROKEN"].split(",")
    if fails or broken:
        with open(gate, "a") as ended:
            ended.write(name + "\\n")
        if os.environ.get("FAKE_PAIRED"):
            count = len(gate.read_text().splitlines())
            wait_for_gate(count + count % 2)
        if name in os.environ.get("FAKE_STOPS", "").split(","):
            print("interrupted: checkpoint written")
            sys.exit(75)
        print("error: it failed" if fails else "error: CUDA error: all CUDA-capable devices are busy or unavailable")
        sys.exit(1)
    wait_for_gate(int(os.environ["FAKE_GATE_COUNT"]))
    weights.write_text("weights")
    result = {"final": {"top1": 0.5}, "best_top1": 0.5, "mean10_top1": 0.5, "evaluations": 10}  # as train writes it
    (folder / "result.json").write_text(json.dumps(result))
''')
OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cuda"}
# random0/baseA, random0/baseB, random0/A1B, random1/baseA, ...: GPU 0 takes random0/baseA, GPU 1 random0/baseB
RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_seeds=(0, 1))


@pytest.fixture
def fake_grid(tmp_path, monkeypatch):
    """Run a grid of ``runs`` on ``devices`` with the fake train; its outcome and log lines (``interrupted``: a
    run stops it, which raises GridInterrupted carrying the outcome)."""
    path = tmp_path / "fake_train.py"
    path.write_text(FAKE_TRAIN)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)  # the grid's GPUs named "GPU 1"
    monkeypatch.setenv("FAKE_GATE", str(tmp_path / "gate"))
    monkeypatch.setenv("FAKE_DEADLINE", str(waiting.DEADLINE_SECONDS))

    def run(broken, gate_count, runs=RUNS, devices=("0", "1"), options=OPTIONS, log=None, interrupted=False, **fake):
        monkeypatch.setenv("FAKE_BROKEN", broken)
        monkeypatch.setenv("FAKE_GATE_COUNT", str(gate_count))
        for key, value in fake.items():
            monkeypatch.setenv(f"FAKE_{key.upper()}", value)
        lines = []
        with pytest.raises(GridInterrupted) if interrupted else contextlib.nullcontext() as raised:
            outcome = scheduler.run_grid(runs, tmp_path / "grid", options, train_command=[sys.executable, str(path)],
                                         devices=devices, log=log or lines.append, poll_seconds=0.01)
        return (raised.value.grid_outcome if interrupted else outcome), lines

    return run


def tried_on(tmp_path, name):
    """The GPUs run ``name`` was started on, in order."""
    return (tmp_path / "grid" / f"{name}.run" / "gpus").read_text().split()


def log_of(tmp_path, name):
    return tmp_path / "grid" / f"{name}.run" / "train.log"


def test_a_gpu_whose_runs_fail_one_after_the_other_is_retired_and_its_runs_train_on_the_others(
        tmp_path, fake_grid):
    """Before: GPU 1 failed random0/baseB, random1/baseA, random1/baseB ... as fast as it took them."""
    outcome, lines = fake_grid("1", gate_count=2)
    assert (sorted(outcome.finished), outcome.failed, outcome.blocked, outcome.exit_code) == \
        (sorted(run.name for run in RUNS), [], [], 0)
    assert tried_on(tmp_path, "random0/baseB") == tried_on(tmp_path, "random1/baseA") == ["1", "0"]
    assert {tried_on(tmp_path, run.name)[-1] for run in RUNS} == {"0"}
    logs = [log_of(tmp_path, "random0/baseB"), log_of(tmp_path, "random1/baseA")]
    assert outcome.retired == {"GPU 1": logs}
    retired = [line for line in lines if "retired" in line]
    assert retired == [f"GPU 1 retired: random0/baseB, random1/baseA failed on it one after the other (see "
                       f"{logs[0]}, {logs[1]}); random0/baseB, random1/baseA go back in the queue for GPU 0"]
    assert outcome.summary().endswith(f"; GPU 1 retired: its runs failed one after the other (see {logs[0]}, "
                                      f"{logs[1]})")


def test_runs_that_fail_on_the_other_gpu_too_are_failed_once_and_return_their_gpu_to_service(tmp_path, fake_grid):
    """random0/baseB and random1/baseA fail wherever they run (exit 1: a batch too large for any GPU's
    memory): failing one after the other on GPU 1, which works, they retired it, and the grid trained
    on with GPU 0 alone, blaming GPU 1 in its summary. Now each is failed once it has failed on GPU 0
    too, and GPU 1, innocent, is returned to service (said once) and takes runs again."""
    failing = ["random0/baseB", "random1/baseA"]
    outcome, lines = fake_grid("", gate_count=2, fails=",".join(failing))
    assert (sorted(outcome.failed), outcome.blocked, outcome.exit_code) == (failing, ["random1/A1B"], 1)
    assert sorted(outcome.finished) == ["random0/A1B", "random0/baseA", "random1/baseB"]
    assert tried_on(tmp_path, "random0/baseB") == tried_on(tmp_path, "random1/baseA") == ["1", "0"]
    assert outcome.causes() == [f"random0/baseB, random1/baseA: failed (exit 1): their train.log (e.g. "
                                f"{log_of(tmp_path, 'random0/baseB')}) says why; fix that, then repeat the same call "
                                f'(random0/baseB, random1/baseA: "error: it failed")']
    assert sum(line.startswith(("FAILED random0/baseB", "FAILED random1/baseA")) for line in lines) == 4
    back = ("GPU 1 back in service: random0/baseB, which failed on it, failed on GPU 0 too: the failures that retired "
            "GPU 1 were more likely the runs' own than its")
    assert [line for line in lines if "GPU 1 retired: " in line or "back in service" in line] == [
        next(line for line in lines if line.startswith("GPU 1 retired: ")), back]
    assert any(line.endswith(" on GPU 1") for line in lines[lines.index(back):])  # taking runs again
    assert outcome.retired == {} and "retired" not in outcome.summary()


def test_a_run_interrupted_on_a_failing_gpu_is_no_failure_of_it_nor_tried_again(tmp_path, fake_grid):
    """random0/baseB failed on GPU 1, then random1/baseA stopped there with exit 75 (a Ctrl-C reaching
    it): the grid stops, and neither retires GPU 1 nor starts either run again."""
    outcome, lines = fake_grid("1", gate_count=2, stops="random1/baseA", interrupted=True)
    assert outcome.interrupted and outcome.exit_code == 75
    assert "random1/baseA" in outcome.stopped and outcome.failed == ["random0/baseB"]
    assert tried_on(tmp_path, "random0/baseB") == tried_on(tmp_path, "random1/baseA") == ["1"]
    assert outcome.retired == {} and not any("retired" in line for line in lines)


def test_a_grid_whose_every_gpu_is_retired_stops_with_the_runs_left_not_run(tmp_path, fake_grid):
    """Both GPUs broken: each retired after two failures in a row (the first one's runs failing on the
    second too), the runs never started are not run, not failed; a rerun, the GPUs mended, trains them."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_seeds=(0, 1, 2))
    outcome, lines = fake_grid("0,1", gate_count=0, runs=runs, paired="1")
    bases = ["random0/baseA", "random0/baseB", "random1/baseA", "random1/baseB"]
    assert (sorted(outcome.failed), outcome.finished, outcome.exit_code) == (bases, [], 1)
    assert sorted(outcome.blocked) == sorted(run.name for run in runs if run.name not in bases)
    assert all(not (tmp_path / "grid" / "random2" / f"{name}.run" / "gpus").exists() for name in ("baseA", "baseB"))
    assert sorted(outcome.retired) == ["GPU 0", "GPU 1"]
    summary = outcome.summary()  # each GPU's retirement said once, together, not a clause per GPU
    assert summary.endswith("; every GPU retired (GPU 0, GPU 1): runs failed on each of them one after the other "
                            "(see the failed runs' logs)"), summary
    assert summary.count("retired") == 2, summary  # the runs not run, why; the GPUs
    assert "not run random2/baseA: every GPU was retired" in lines
    assert sum(line.endswith("; every GPU is retired: runs failed on each of them one after the other; when runs "
                             "fail on every GPU the fault is more likely the runs' own (see their logs) than every "
                             "GPU's; the runs left are not run") for line in lines) == 1
    waiting, unstarted = outcome.not_run().split("; ")  # the bases' transfers, then the runs never started
    assert waiting.startswith("random0/A1B, random1/A1B: not run, as random0/baseA, random1/baseA, which")
    assert unstarted == ("random2/baseA, random2/baseB, random2/A1B: not run: every GPU was retired (a rerun trains "
                         "them)")


def test_a_log_raising_on_the_retirement_line_loses_none_of_the_runs_it_frees(tmp_path, fake_grid):
    """The log raised as it was told that GPU 1 was retired (its reader gone): the runs the retirement
    had freed, random0/baseB and random1/baseA, were neither put back nor failed, and went missing from
    the grid's outcome. Now they are put back first: the grid, stopping on the error, counts them failed."""
    def log(line):
        if line.startswith("GPU 1 retired: "):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    with pytest.raises(BrokenPipeError) as raised:
        fake_grid("1", gate_count=2, log=log)
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and sorted(outcome.failed) == ["random0/baseB", "random1/baseA"]
    counted = outcome.finished + outcome.elsewhere + outcome.failed + outcome.blocked + outcome.stopped + \
        outcome.not_started  # random0/baseA stopped, or finished as the stop came (each run once)
    assert sorted(counted) == sorted(run.name for run in RUNS), outcome


@pytest.mark.parametrize("devices, options", [(("1",), OPTIONS), ((None, None), {**OPTIONS, "device": "cpu"})],
                         ids=["one-gpu", "cpu"])
def test_a_grid_with_no_other_gpu_retires_nothing(tmp_path, fake_grid, monkeypatch, devices, options):
    """One GPU (or the CPU's slots): nothing to compare it with, nowhere else to go; its runs' failures
    are theirs, and the grid goes on to the end as before."""
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")  # a CPU slot's run sees the grid's own
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False, random_seeds=(0, 1, 2))
    outcome, lines = fake_grid("1", gate_count=0, runs=runs, devices=devices, options=options)
    assert len(outcome.failed) == 6 and len(outcome.blocked) == 3 and outcome.retired == {}
    assert not any("retired" in line for line in lines)


@pytest.mark.parametrize("device, code, own_fault, at_fault", [
    ("1", 1, False, True), ("1", -11, False, True), ("1", 1, True, False), ("1", 65, False, False),
    ("1", 74, False, False), ("1", 2, False, False), ("1", -9, False, False), ("1", 75, False, False),
    (None, 1, False, False)], ids=["error", "segfault", "diverged", "bad-data", "io", "refused", "killed",
                                   "interrupted", "cpu"])
def test_only_a_failure_a_broken_gpu_causes_counts_against_it(device, code, own_fault, at_fault):
    assert GpuRetirement(("0", "1", "1")).may_be_at_fault(device, code, lambda: own_fault) is at_fault


@pytest.mark.parametrize("device, code", [(None, 1), ("1", 65), ("1", -9)], ids=["cpu", "bad-data", "killed"])
def test_whether_a_failure_is_the_runs_own_is_asked_only_where_its_gpu_may_be_at_fault(device, code):
    """Whether the run diverged (its metrics.jsonl read) was asked of every failure, the CPU's too,
    before the cheap test of its device and exit code."""
    asked = []
    assert GpuRetirement(("0", "1")).may_be_at_fault(device, code, lambda: asked.append(code)) is False
    assert asked == []

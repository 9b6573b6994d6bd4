"""``minitransfer demo`` as a newcomer meets it when things go wrong: a rerun, a folder of another
demo seed, a network killed by a signal, the built-in benchmark deleted while the demo runs."""

import contextlib
import dataclasses
import functools
import json
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import hangup
import placeholders
import pytest
import waiting
from click.testing import CliRunner
from interrupting import interrupted_after

from minitransfer import demo as demos
from minitransfer import experiment as grid
from minitransfer import config, cuda, figures, run_lock, scheduler
from minitransfer import report as reports
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.grid_outcome import Failure, GridInterrupted, GridOutcome
from test_faults import snapshot, tmpfs

# The micro preset on 14-pixel images, as the built-in benchmark: each test's property is the demo's words and
# files, not the networks' size (mini on 36-pixel images, as before, took about twice the CPU a network).
TINY = {"preset": "micro", "max_iter": 3, "eval_every": 1, "batch_size": 8, "seed": 0}
# Its networks on all classes train as the others do; recorded as every demo plan records them, which is what
# tells a demo's folder from an experiment's grid given --preset (demo_folder._maker)
TINY_PLAN = demos.DemoPlan(layers=(2,), networks_per_point=1, train=TINY, selffer_fine_tuned=False,
                           all_classes={"max_iter": TINY["max_iter"]})
KILLS_ITSELF = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]


def stops_on_sigint(ready):
    """A training that, like train, exits 75 on SIGINT (as if it had written its checkpoint); it
    creates the file ``ready`` once it listens, then waits in short sleeps: a SIGINT that came after
    Python last looked for one and before a sleep began is answered only as that sleep ends."""
    return [sys.executable, "-c", "import pathlib, signal, sys, time; signal.signal(signal.SIGINT, lambda *_: "
            f"sys.exit(75)); pathlib.Path({str(ready)!r}).touch()\nwhile True: time.sleep(0.05)"]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    """A 4-class synthetic dataset of 14 x 14 images (16 train + 4 val per class; the micro preset): its path."""
    path = tmp_path_factory.mktemp("data") / "synthetic-4-micro"
    synthetic.build_synthetic(path, classes=4, train_per_class=16, val_per_class=4, size=14, seed=1)
    return path


def run_tiny_demo(out, tiny_data):
    """``minitransfer demo -o OUT`` in this process, of :data:`TINY_PLAN` on ``tiny_data``, its figures placeholders
    (as ``placeholder_figures`` writes them): its result, once it has ended with exit code 0."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
        patch.setattr(demos, "CPU_PLAN", TINY_PLAN)
        patch.setattr(figures, "render", placeholders.render)
        result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def finished_demo(tiny_data, tmp_path_factory):
    """A tiny demo of seed 0, trained to the end: its folder (its figures placeholders, as
    ``placeholder_figures`` writes them: no test looks at them)."""
    out = tmp_path_factory.mktemp("demo") / "minitransfer-demo"
    result = run_tiny_demo(out, tiny_data)
    assert f"{len(TINY_PLAN.runs(0))} networks in " in result.output  # all trained now: the README's line
    return out


@pytest.fixture
def tiny_demo(tiny_data, monkeypatch):
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", TINY_PLAN)


@pytest.mark.usefixtures("placeholder_figures")
def test_a_rerun_does_not_time_the_networks_it_found_finished_as_trained_now(finished_demo, tiny_demo):
    again = CliRunner().invoke(main, ["demo", "-o", str(finished_demo), "--device", "cpu"])
    count = len(TINY_PLAN.runs(0))
    assert again.exit_code == 0, again.output
    assert f"{count} networks: none left to train, {count} finished before" in again.output
    assert f"{count} networks in " not in again.output


@pytest.mark.usefixtures("placeholder_figures")
def test_a_report_written_by_another_demo_of_the_folder_meanwhile_is_waited_for(finished_demo, tiny_demo,
                                                                                  monkeypatch):
    """Two demos started at once in one folder share its networks and end together, each writing the
    report: the one that found the report's folder being written was refused (exit 2) with every
    network finished, told to rerun."""
    real_write = reports.write_report
    attempts = []

    def another_demo_writing_meanwhile(out, *args, **kwargs):
        attempts.append(out)
        if len(attempts) > 1:
            return real_write(out, *args, **kwargs)
        with run_lock.RunLock(pathlib.Path(out) / "report"):  # the other demo's, as this one's comes to write
            return real_write(out, *args, **kwargs)

    monkeypatch.setattr(reports, "write_report", another_demo_writing_meanwhile)
    result = CliRunner().invoke(main, ["demo", "-o", str(finished_demo), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    assert len(attempts) == 2 and "being written by another" not in result.output
    assert f"  findings.md  {finished_demo / 'report' / 'findings.md'}\n" in result.output


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("copied", ["with-its-report", "runs-only"])
def test_a_finished_demo_in_a_read_only_folder_is_shown_without_writing(finished_demo, tiny_demo, tmp_path, copied):
    """A finished demo copied read-only (a colleague's results, a read-only mount): the rerun exited
    74 at the report's lock, though nothing needed writing. It shows the report there as it is, with
    the findings measured now, writing nothing (exit 0), as ``train --resume auto`` shows a finished
    run there; with no report there to show, it says so and how to write one elsewhere (74)."""
    with tmpfs(tmp_path / "disk", "size=64m", "a read-only folder (root ignores permissions)") as disk:
        shutil.copytree(finished_demo, disk / "demo")
        if copied == "runs-only":
            shutil.rmtree(disk / "demo" / "report")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        before = snapshot(disk)
        again = CliRunner().invoke(main, ["demo", "-o", str(disk / "demo"), "--device", "cpu"])
        assert snapshot(disk) == before
    count = len(TINY_PLAN.runs(0))
    report = disk / "demo" / "report"
    if copied == "runs-only":
        assert again.exit_code == 74, again.output
        assert again.output.endswith(f"error: cannot write the demo's report into {report} (Read-only file system), "
                                     f"and no report is there: every network is finished, nothing else to do; to "
                                     f"write its report elsewhere: minitransfer report {disk / 'demo'} -o FOLDER\n")
        return
    assert again.exit_code == 0, again.output
    assert (f"{count} networks: none left to train, {count} finished before\n{report} is not rewritten (Read-only "
            f"file system): the report there is as it was written, the findings below measured now; to write the "
            f"report elsewhere: minitransfer report {disk / 'demo'} -o FOLDER\nread {count} finished runs from "
            f"{disk / 'demo'}\n") in again.output
    assert f"  findings.md  {report / 'findings.md'}\n" in again.output and "figures not drawn" not in again.output
    written = [line[2:] for line in (finished_demo / "report" / "findings.md").read_text().splitlines()
               if line.startswith(("- holds: ", "- not shown: "))]
    shown = again.output.split("what these networks show (percentage points, ± one standard error):\n")[1]
    assert written and [line[2:] for line in shown.splitlines()[:len(written)]] == written  # as the report says
    assert "error:" not in again.output


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("how", ["read-only", "full"])
def test_a_report_that_cannot_be_written_is_told_after_what_the_demo_trained(finished_demo, tiny_demo, tmp_path,
                                                                             monkeypatch, how):
    """The demo's folder made read-only (or its disk filled) once its networks had trained, as the
    report is written: the error alone (exit 74) replaced the line of what the demo had trained, and
    read as if the demo had failed. Now that line, then the error naming what could not be written,
    that every network is kept and what to do (exit 74); the rerun it advises trains none again."""
    with tmpfs(tmp_path / "disk", "size=64m", "a folder made read-only (root ignores permissions)") as disk:
        out = disk / "demo"
        shutil.copytree(finished_demo, out)
        shutil.rmtree(out / "natural" / "B2A.run")  # the one network this demo trains
        (out / "natural" / "B2A.h5").unlink()
        real_write = reports.write_report

        def unwritable_meanwhile(*args, **kwargs):
            if how == "read-only":
                subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
            else:
                with open(disk / "filler", "wb") as filler, contextlib.suppress(OSError):
                    while True:
                        filler.write(bytes(1 << 20))
            return real_write(*args, **kwargs)

        monkeypatch.setattr(reports, "write_report", unwritable_meanwhile)
        result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
        monkeypatch.setattr(reports, "write_report", real_write)
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        (disk / "filler").unlink(missing_ok=True)
        again = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    count = len(TINY_PLAN.runs(0))
    assert result.exit_code == 74, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(f"{count} networks: 1 trained in \\d+ s, {count - 1} finished before", lines[-2]), lines
    fix = "make it writable" if how == "read-only" else "free some space"
    assert re.fullmatch(f"error: cannot write {re.escape(str(out / 'report'))}\\S*: "
                        f"{'Read-only file system' if how == 'read-only' else 'No space left on device.*'}; every "
                        f"network is finished \\(kept\\): {fix}, then rerun the same command to write the report "
                        f"\\(it trains none again\\), or write it elsewhere: minitransfer report "
                        f"{re.escape(str(out))} -o FOLDER", lines[-1]), lines[-1]
    assert "Traceback" not in result.output
    assert again.exit_code == 0, again.output
    assert f"{count} networks: none left to train, {count} finished before\n" in again.output


def test_the_default_folder_in_a_read_only_working_folder_says_how_to_give_another(tiny_demo, tmp_path,
                                                                                     monkeypatch):
    """`minitransfer demo` run where nothing can be written (a read-only checkout, / in a container):
    the grid's words, "give a folder this process can write (a copy of this one keeps its finished
    runs)", named no option, and a copy of a folder that was never made."""
    with tmpfs(tmp_path / "disk", "size=1m,ro", "a read-only folder (root ignores permissions)") as disk:
        monkeypatch.chdir(disk)
        result = CliRunner().invoke(main, ["demo", "--device", "cpu"])
        assert snapshot(disk) == {}
    assert result.exit_code == 74, result.output
    assert result.output.splitlines()[-1] == (
        f"error: cannot write the demo's folder {disk / 'minitransfer-demo'} (Read-only file system): run the demo "
        f"from a folder this process can write, or give it one: minitransfer demo -o FOLDER")


@pytest.mark.parametrize("extra", [[], ["--precision", "tf32"]], ids=["same-precision", "other-precision"])
def test_another_seed_into_a_demo_folder_is_refused_naming_the_demo_seeds_not_training_seeds(
        finished_demo, tiny_demo, extra):
    result = CliRunner().invoke(main, ["demo", "-o", str(finished_demo), "--device", "cpu", "--seed", "1", *extra])
    assert result.exit_code == 2, result.output
    assert f"{finished_demo} holds the demo of seed 0, not of seed 1" in result.output
    assert "minitransfer-demo-seed1" in result.output and "--seed 17" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("asked", ["tf32", "tf32x3"])
def test_another_precision_into_a_demo_folder_is_refused_as_a_whole_saying_how_to_go_on(finished_demo, tiny_demo,
                                                                                       asked):
    """`demo -o OUT --precision tf32` where `demo -o OUT` trained: the grid named one network
    ("delete the runs trained otherwise first") and said the demo sets --precision "itself", which
    its user had just given; deleting that network, the next rerun named the next."""
    before = snapshot(finished_demo)
    result = CliRunner().invoke(main, ["demo", "-o", str(finished_demo), "--device", "cpu", "--precision", asked])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        f"error: {finished_demo} holds the demo trained in precision ieee, not {asked}: to go on with it, rerun "
        f"with --precision ieee; to train the demo in {asked}, give it a folder of its own (its default: "
        f"minitransfer-demo-{asked}), or delete {finished_demo} first (what it trained is lost)")
    assert snapshot(finished_demo) == before


def test_another_seed_takes_a_folder_where_a_demo_trained_nothing(tiny_demo, tmp_path, monkeypatch):
    """A seed-0 demo stopped while it planned (`| head -1`), or whose every network failed before its
    first checkpoint, left only its plan: seed 1 was refused, told that seed 0's networks were
    trained and that deleting the folder loses what it trained."""
    out = tmp_path / "demo"
    monkeypatch.setattr(demos, "run_grid", functools.partial(scheduler.run_grid, train_command=KILLS_ITSELF,
                                                             poll_seconds=0.01))
    failed = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert failed.exit_code == 1 and (out / grid.PLAN_FILE).is_file(), failed.output
    seen = {}
    monkeypatch.setattr(demos, "run_grid", lambda runs, out, options, devices, log: seen.update(options) or _stopped())
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu", "--seed", "1"])
    assert result.exit_code == 75 and seen["seed"] == 1, result.output


def _stopped():
    """As run_grid and run_demo end a stopped grid: GridInterrupted, carrying its interrupted outcome."""
    raise GridInterrupted("stopped", GridOutcome([], [], [], {}, interrupted=True))


@pytest.mark.parametrize("where", ["inside", "around"])
def test_a_demo_inside_another_demos_folder_or_around_it_is_refused_before_anything_is_written(
        finished_demo, tiny_demo, where):
    """A folder's report reads every run under it: the outer one would pool the two demos' networks."""
    out = finished_demo / "seed1" if where == "inside" else finished_demo.parent
    before = sorted(finished_demo.parent.rglob("*"))
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu", "--seed", "1"])
    assert result.exit_code == 2, result.output
    says = f"lies inside {finished_demo}" if where == "inside" else f"holds {finished_demo}"
    assert says in result.output and "the folder of another grid" in result.output
    assert sorted(finished_demo.parent.rglob("*")) == before

@pytest.mark.parametrize("changed", [{"max_iter": 4}, {"eval_every": 3}], ids=["max-iter", "eval-every"])
def test_a_demo_of_an_earlier_version_in_its_folder_is_refused_as_a_whole(finished_demo, tiny_demo, monkeypatch,
                                                                          changed):
    """A newer minitransfer whose demo trains with another recipe, run where the earlier one left its
    demo: the grid named one network ("delete the runs trained otherwise first"), and deleting it,
    the next rerun named the next, network by network."""
    newer = dataclasses.replace(TINY_PLAN, train={**TINY, **changed})
    monkeypatch.setattr(demos, "CPU_PLAN", newer)
    before = sorted(finished_demo.rglob("*"))
    result = CliRunner().invoke(main, ["demo", "-o", str(finished_demo), "--device", "cpu"])
    assert result.exit_code == 2, result.output
    (field, value), = changed.items()
    assert result.output.splitlines()[-1] == (
        f"error: {finished_demo} holds a demo trained with other options than this version of minitransfer's demo "
        f"trains with (--{field.replace('_', '-')} {TINY[field]} -> {value}), from an earlier version or another "
        f"plan: none of its networks can be part of this demo; give this demo a folder of its own (-o FOLDER), or "
        f"delete {finished_demo} first (what it trained is lost)")
    assert sorted(finished_demo.rglob("*")) == before



def test_a_network_trained_by_hand_into_the_demos_folder_otherwise_is_refused_as_the_demos_options(
        tiny_data, tiny_demo, tmp_path):
    """The demo has no --max-iter: the refusal says the values it names after -> are the demo's own."""
    out = tmp_path / "demo"
    trained = CliRunner().invoke(main, ["train", "--data", str(tiny_data), "-o", str(out / "mine.h5"), "--preset",
                                        TINY["preset"], "--max-iter", "2", "--batch-size", "8", "--device", "cpu",
                                        "--quiet"])
    assert trained.exit_code == 0, trained.output
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert f"{out / 'mine.run'}, a run trained by hand in {out}" in result.output, result.output
    assert "--max-iter 2 -> 3" in result.output
    assert result.output.rstrip().endswith("the values after each -> are the options this demo trains with (it "
                                           "sets them itself)"), result.output
    assert not (out / "natural").exists()


@pytest.mark.parametrize("options, folder", [
    ([], "minitransfer-demo"), (["--precision", "ieee"], "minitransfer-demo"),
    (["--precision", "tf32"], "minitransfer-demo-tf32"), (["--seed", "3", "--precision", "tf32x3"],
                                                          "minitransfer-demo-seed3-tf32x3"),
], ids=["default", "ieee", "tf32", "seed-tf32x3"])
def test_another_precision_gets_a_default_folder_of_its_own_as_another_seed_does(tiny_demo, tmp_path, monkeypatch,
                                                                                 options, folder):
    """Else `demo --precision tf32` after `demo` was refused: the folder's networks were trained in ieee."""
    seen = {}
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(demos, "run_demo", lambda out, *args, **kwargs: seen.update(out=out) or _stopped())
    result = CliRunner().invoke(main, ["demo", "--device", "cpu", *options])
    assert result.exit_code == 75 and seen["out"] == tmp_path / folder, result.output


@pytest.mark.parametrize("device", ["auto", "cuda"])
def test_a_listed_gpu_that_cupy_cannot_use_is_no_gpu(tiny_demo, tmp_path, monkeypatch, device):
    """CUDA_VISIBLE_DEVICES set where CuPy is missing (a shared server, a container) started the GPU
    plan, and all its 275 networks failed or were not run."""
    seen = {}
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    monkeypatch.setattr(cuda, "cuda_available", lambda: False)
    monkeypatch.setattr(demos, "run_demo", lambda *args, **kwargs: seen.update(kwargs) or _stopped())
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", device])
    if device == "auto":
        assert result.exit_code == 75 and seen["device"] == "cpu" and seen["devices"] == (None,) * demos.CPU_SLOTS
    else:
        assert result.exit_code == 2 and not seen, result.output
        assert "--device cuda: CUDA_VISIBLE_DEVICES lists GPU 0, but CuPy cannot use it here" in result.output


@pytest.mark.usefixtures("tiny_demo")
def test_a_demo_trained_in_tf32_rerun_without_precision_is_refused_naming_the_precision_to_go_on_with(finished_demo,
                                                                                                     tmp_path):
    """The other way round: the plain rerun of a tf32 demo, --precision forgotten. The tf32 demo is the
    finished one with its plan's precision made tf32: a demo trained with --precision tf32 plans the same
    runs and options but for that key (and its plan id), and the refusal reads only the plan's options
    and whether a network of it trained (demo_folder.check_other_demo), not its networks' own records."""
    out = tmp_path / "demo"
    shutil.copytree(finished_demo, out)
    plan = json.loads((out / grid.PLAN_FILE).read_text())
    plan["options"]["precision"] = "tf32"
    (out / grid.PLAN_FILE).write_text(json.dumps(plan))
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[-1] == (
        f"error: {out} holds the demo trained in precision tf32, not ieee: to go on with it, rerun with --precision "
        f"tf32; to train the demo in ieee, give it a folder of its own (its default: minitransfer-demo), or delete "
        f"{out} first (what it trained is lost)")


def test_the_gpu_demo_where_no_gpu_is_visible_is_refused_before_the_benchmark_is_built(tmp_path, monkeypatch):
    """`demo --device cuda` on a laptop: the built-in benchmark was built and cached first ("preparing
    the built-in synthetic benchmark ..."), only to be refused with a usage error that named no way
    to train on the CPU."""
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(cuda, "cupy", lambda: (_ for _ in ()).throw(cuda.CudaUnavailable("no CuPy")))
    monkeypatch.setattr(cuda, "cuda_available", lambda: False)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cuda"])
    assert result.exit_code == 2, result.output
    assert result.output.splitlines() == ["error: --device cuda: no GPU visible (install CuPy, check "
                                          "CUDA_VISIBLE_DEVICES); or train on the CPU (--device cpu)"]
    assert sorted(tmp_path.iterdir()) == []


def test_a_cache_that_cannot_be_written_is_named_with_the_variable_that_moves_it(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache"
    not_a_folder.write_text("")
    monkeypatch.setenv("MINITRANSFER_CACHE", str(not_a_folder))
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    assert f"the built-in benchmark cannot be cached in {not_a_folder}" in result.output
    assert "set MINITRANSFER_CACHE to a folder that can be written" in result.output


def test_a_network_killed_by_a_signal_is_counted_as_killed(tmp_path):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)
    outcome = scheduler.run_grid(runs, tmp_path / "grid", {"data": "/data/synthetic", "seed": 0},
                                 train_command=KILLS_ITSELF, log=lambda line: None, poll_seconds=0.01)
    bases = sorted(run.name for run in runs if run.parent is None)
    assert sorted(outcome.failed) == bases and sorted(outcome.killed) == bases and outcome.exit_code == 1


KILLED = Failure(-9)


@pytest.mark.parametrize("outcome, says, not_says", [
    (GridOutcome([], [], ["random0/baseA"], {}, failures={"random0/baseA": KILLED}),
     "  random0/baseA: killed by SIGKILL, which leaves no message (SIGKILL: the machine ran out of memory, or someone "
     "killed it); rerun the same command to resume it from its last checkpoint, if it wrote one, or else to train "
     "it from the start", "fix that"),
    (GridOutcome([], [], ["random0/baseA"], {}),
     "1 network failed (finished networks are kept):\n  random0/baseA: failed (exit 1): its train.log says why; fix "
     "that, then rerun", "0 that need"),
    (GridOutcome([], [], ["random0/baseA", "random0/A1B"], {"random0/A1B+": "random0/baseA"},
                 failures={"random0/A1B": KILLED}),
     "2 networks failed and 1 that need them were not run (finished networks are kept):\n"
     "  random0/baseA: failed (exit 1): its train.log says why; fix that, then rerun the same command\n"
     "  random0/A1B: killed by SIGKILL, which leaves no message (SIGKILL: the machine ran out of memory, or someone "
     "killed it); rerun the same command to resume it from its last checkpoint, if it wrote one, or else to train "
     "it from the start", "a signal"),
], ids=["killed", "failed-alone", "killed-and-failed"])
def test_a_demo_that_stops_short_says_what_its_failures_need(tiny_demo, tmp_path, monkeypatch, outcome, says,
                                                             not_says):
    monkeypatch.setattr(demos, "run_demo", lambda *args, **kwargs: outcome)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 1 and says in result.output and not_says not in result.output, result.output


@pytest.mark.parametrize("damage", ["deleted", "shard-damaged"])
def test_a_benchmark_damaged_while_the_demo_runs_is_rebuilt_by_a_plain_rerun(tiny_data, tmp_path, monkeypatch,
                                                                               damage):
    cache = tmp_path / "cache"
    shutil.copytree(tiny_data, cache)
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: cache)

    def damaged_meanwhile(*args, **kwargs):
        if damage == "deleted":
            shutil.rmtree(cache)
        else:
            shard = next(cache.glob("train-*.h5"))
            data = shard.read_bytes()
            shard.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        return GridOutcome([], [], ["random0/baseB"], {"random0/B1B": "random0/baseB"})

    monkeypatch.setattr(demos, "run_demo", damaged_meanwhile)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 1, result.output
    assert "the built-in benchmark was deleted or damaged while it ran; rerun the same command" in result.output
    assert "fix that" not in result.output


def test_a_ctrl_c_that_also_ends_the_reader_of_the_output_still_stops_the_grid_as_interrupted(tmp_path):
    """`minitransfer demo | tee demo.log`, then Ctrl-C: the terminal's SIGINT ends tee as well, so
    every line the stopping grid logs meets a closed pipe."""
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)
    ready = tmp_path / "first base listens"
    said = []

    def log(line):
        if said and said[-1] == "Ctrl-C":
            raise BrokenPipeError(32, "Broken pipe")
        said.append(line)
        if line.startswith("[2/"):  # the first base is training
            assert waiting.until(ready.exists), "the first base never set its SIGINT handler"  # else a hang
            said.append("Ctrl-C")
            raise KeyboardInterrupt

    with pytest.raises(GridInterrupted) as raised:
        scheduler.run_grid(runs, tmp_path / "grid", {"data": "/data/synthetic", "seed": 0},
                           train_command=stops_on_sigint(ready), devices=(None, None), log=log, poll_seconds=0.01)
    outcome = raised.value.grid_outcome
    assert outcome.interrupted and outcome.exit_code == 75 and len(outcome.stopped) == 1


def test_an_interrupted_demo_whose_output_reader_has_gone_exits_75_saying_so_on_stderr(tiny_data, tmp_path):
    """Its last lines, left in stdout's buffer, go nowhere: not a BrokenPipeError and exit code 120."""
    script = textwrap.dedent(f"""
        import sys

        import click
        from minitransfer import demo as demos
        from minitransfer.cli import main
        from minitransfer.data import synthetic
        from minitransfer.grid_outcome import GridInterrupted, GridOutcome

        def interrupted(*args, **kwargs):  # as the grid stopping: its log drops the lines it cannot write
            sys.stdin.readline()  # the reader of stdout has gone
            try:
                click.echo("interrupted: rerun the same command to finish the grid")
            except BrokenPipeError:  # the line stays in stdout's buffer
                pass
            raise GridInterrupted("stopped", GridOutcome([], [], [], {{}}, interrupted=True))

        synthetic.builtin_dataset = lambda root=None: {str(tiny_data)!r}
        demos.run_demo = interrupted
        main(["demo", "-o", {str(tmp_path / "demo")!r}, "--device", "cpu"], prog_name="minitransfer")
        """)
    demo = hangup.piped(script)
    assert demo.stdout.readline().startswith("preparing the built-in synthetic benchmark")
    error, code = hangup.reader_gone(demo)
    assert code == 75, error
    assert "the demo was interrupted; rerun the same command" in error and "BrokenPipe" not in error


def test_an_interrupted_demo_whose_terminal_has_closed_exits_75(tiny_data, tmp_path):
    """The ssh connection drops mid-demo: the grid stops on the SIGHUP, and the demo's last words,
    which the closed terminal cannot take (EIO), are dropped: exit 75, not an I/O error (74)."""
    script = textwrap.dedent(f"""
        import pathlib, time

        from minitransfer import demo as demos
        from minitransfer.cli import main
        from minitransfer.data import synthetic
        from minitransfer.grid_outcome import GridInterrupted, GridOutcome

        def interrupted(*args, **kwargs):  # as the grid stopping on the hangup's SIGHUP
            pathlib.Path("ready").touch()
            try:  # short sleeps: a stop due just before one began is answered at its end (one of 60 s missed it)
                while True:
                    time.sleep(0.05)
            except KeyboardInterrupt:
                raise GridInterrupted("stopped", GridOutcome([], [], [], {{}}, interrupted=True))

        synthetic.builtin_dataset = lambda root=None: {str(tiny_data)!r}
        demos.run_demo = interrupted
        main(["demo", "-o", "demo", "--device", "cpu"], prog_name="minitransfer")
        """)
    demo, ours = hangup.start([sys.executable, "-c", script], tmp_path, "terminal")
    try:
        hangup.wait_for(tmp_path / "ready", demo, ours)
        hangup.hang_up(demo, ours, "terminal")
        assert demo.wait(timeout=60) == 75
    finally:
        demo.kill()


def test_the_timing_line_counts_only_what_there_is():
    """A rerun whose networks another demo of the folder trained meanwhile said "0 finished before"."""
    from types import SimpleNamespace

    from minitransfer.cli.demo import _trained

    outcome = SimpleNamespace(finished=["a", "b"], skipped=[], elsewhere=["c", "d", "e", "f"])
    report = SimpleNamespace(results=[SimpleNamespace(run=SimpleNamespace(name=name)) for name in "abcdefg"])
    assert _trained(outcome, report, 5.2) == ("6 networks: 2 trained in 5 s, 4 by another process meanwhile; and 1 "
                                              "of an earlier plan, left alone (the report reads it too)")
    outcome.skipped = ["g"]
    assert _trained(outcome, report, 5.2) == ("7 networks: 2 trained in 5 s, 1 finished before, 4 by another process "
                                              "meanwhile")


# ---- reruns where an earlier demo left its networks ----------------------------------------------


def _demo_rerun(out):
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    return result.output


def _timing_line(output):
    """The line that times the demo ("N networks in T s", "N networks: ...")."""
    return next(line for line in output.splitlines() if re.match(r"\d+ networks(:| in )", line))


@pytest.mark.usefixtures("placeholder_figures", "tiny_demo")
def test_a_rerun_counts_an_earlier_plans_networks_apart_from_its_own(finished_demo, tmp_path, monkeypatch):
    """A demo of an earlier version (or the GPU plan, then the CPU plan) left networks this plan does
    not plan: the timing line counted them among the networks trained now, or finished before."""
    out = tmp_path / "demo"
    shutil.copytree(finished_demo, out)
    earlier, now = ({run.name for run in plan.runs(0)} for plan in (TINY_PLAN, dataclasses.replace(TINY_PLAN,
                                                                                                  layers=(3,))))
    monkeypatch.setattr(demos, "CPU_PLAN", dataclasses.replace(TINY_PLAN, layers=(3,)))
    other_layer = _timing_line(_demo_rerun(out))
    assert re.fullmatch(f"{len(now)} networks: {len(now - earlier)} trained in \\d+ s, {len(now & earlier)} finished "
                        f"before; and {len(earlier - now)} of an earlier plan, left alone \\(the report reads them "
                        f"too\\)", other_layer), other_layer
    monkeypatch.setattr(demos, "CPU_PLAN", TINY_PLAN)  # back to the first plan: none left, layer 3's left alone
    assert _timing_line(_demo_rerun(out)) == (
        f"{len(earlier)} networks: none left to train, {len(earlier)} finished before; and {len(now - earlier)} of an "
        f"earlier plan, left alone (the report reads them too)")


@pytest.mark.usefixtures("placeholder_figures", "tiny_demo")
def test_a_rerun_of_an_interrupted_demo_says_it_resumes_the_network_it_interrupted(finished_demo, tiny_data,
                                                                                   tmp_path):
    """The network stopped with its checkpoint was said to "start" again, as if its training were lost."""
    out = tmp_path / "demo"
    shutil.copytree(finished_demo, out)
    run = next(run for run in TINY_PLAN.runs(0) if run.name == "random0/B2A")
    shutil.rmtree(grid.run_dir(out, run))
    grid.weights_path(out, run.name).unlink()
    options = TINY_PLAN.options(str(tiny_data), "cpu", seed=0)
    interrupted_after(config.TrainConfig(**grid.run_fields(run, out, options), quiet=True), 2)
    output = _demo_rerun(out)
    count = len(TINY_PLAN.runs(0))
    assert "[1/1] resume random0/B2A on CPU at iteration 2\n" in output, output
    assert "start random0/B2A" not in output
    assert re.search(f"^{count} networks: 1 trained in \\d+ s, {count - 1} finished before$", output, re.M), output


@pytest.mark.usefixtures("placeholder_figures")
def test_a_rerun_after_the_cache_moved_still_names_the_natural_splits_families(tmp_path, monkeypatch):
    """$MINITRANSFER_CACHE moved (the old cache deleted): the networks trained before record the
    built-in set where it was, and the report, reading its families there, said "the family A /
    family B transfer" where the first run had named them. The mini preset on 36-pixel images: the
    finding that names the families ("... transfer loses") is drawn from these networks, not micro's."""
    from minitransfer.data import dataset as datasets
    from minitransfer.data import splits

    name = f"synthetic-{synthetic.builtin_tag()}"  # the built-in set's folder, which is_builtin knows
    first, moved = tmp_path / "cache" / name, tmp_path / "moved" / name
    synthetic.build_synthetic(first, classes=4, train_per_class=16, val_per_class=4, size=36, seed=1)
    monkeypatch.setattr(demos, "CPU_PLAN", dataclasses.replace(TINY_PLAN, train={**TINY, "preset": "mini"}))
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: first)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(first.parent))
    _demo_rerun(tmp_path / "demo")
    moved.parent.mkdir()
    first.rename(moved)
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: moved)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(moved.parent))
    output = _demo_rerun(tmp_path / "demo")
    family_a, family_b = splits.half_families(datasets.open_dataset(moved))
    assert f"the {family_a} / {family_b} transfer loses" in output, output
    assert "family A" not in (tmp_path / "demo" / "report" / "findings.md").read_text()


@pytest.mark.parametrize("stopped_in, says", [
    ((synthetic, "builtin_dataset"), "stopped while building the built-in benchmark (a build stopped leaves nothing); "
                                     "rerun the same command to build it"),
    ((reports, "write_report"), "stopped while writing the report into {report}; every network is finished (kept): "
                                "rerun the same command to write the report (it trains none again)"),
], ids=["building-the-benchmark", "writing-the-report"])
@pytest.mark.usefixtures("tiny_demo")
def test_a_demo_stopped_before_or_after_its_networks_says_where_it_stood(finished_demo, monkeypatch, stopped_in,
                                                                         says):
    """Ctrl-C as the benchmark was built, or as the report was written, said train's words: "stopped
    by a signal before anything was saved ...; rerun the same command to continue (train: with
    --resume auto)"."""
    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(*stopped_in, stopped)
    result = CliRunner().invoke(main, ["demo", "-o", str(finished_demo), "--device", "cpu"])
    assert result.exit_code == 75, result.output
    assert result.output.splitlines()[-1] == "interrupted: " + says.format(report=finished_demo / "report")

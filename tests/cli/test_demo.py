"""``minitransfer demo`` / ``experiment`` / ``report`` end to end with the real ``train``, on a tiny
synthetic set and a few iterations (the demo's own size is measured by hand, see the README)."""

import csv
import json

import pytest
from click.testing import CliRunner

from minitransfer import config
from minitransfer import demo as demos
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.grid_outcome import GridOutcome

TINY = {"preset": "mini", "max_iter": 3, "eval_every": 1, "batch_size": 8, "seed": 0}


@pytest.mark.usefixtures("placeholder_figures")  # the figures' files are named, not looked at
def test_demo_trains_the_grid_and_reports_the_measured_accuracies(tiny_data, tmp_path, monkeypatch):
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", demos.DemoPlan(layers=(2,), networks_per_point=1, train=TINY,
                                                               claim_splits=1))
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 0, result.output
    names = ["random0/baseA", "random0/baseB", "random0/B2B", "random0/B2B+", "random0/A2B", "random0/A2B+",
             "random0/B2A", "random1/baseA", "random1/baseB", "random1/A2B", "random1/B2A", "random1/B2B",
             "random1/A2B+",
             "natural/baseA", "natural/baseB", "natural/B2A", "natural/A2B", "all/base", "all/random2"]
    for name in names:
        assert f"done {name}" in result.output
    with open(out / "report" / "results.csv", newline="") as stream:
        rows = {row["run"]: row for row in csv.DictReader(stream)}
    assert sorted(rows) == sorted(names)
    for name in names:  # the table holds what each training measured, unrounded
        measured = json.loads((out / f"{name}.run" / "result.json").read_text())
        assert float(rows[name]["mean10_top1"]) == measured["mean10_top1"]
        assert float(rows[name]["final_top1"]) == measured["final"]["top1"]
    copied = json.loads((out / "random0/A2B.run" / "config.json").read_text())
    assert copied["copy_from"] == str(out / "random0/baseA.h5") and copied["frozen"] and copied["half"] == "B"
    back = json.loads((out / "random0/B2A.run" / "config.json").read_text())
    assert back["copy_from"] == str(out / "random0/baseB.h5") and back["frozen"] and back["half"] == "A"
    assert "what these networks show" in result.output and "At n=2, AnB is" in result.output
    # the lowest n's claim rests on both splits' transfers, both ways; the top n's on both splits' AnB and BnB
    assert "At n=2, transferred layers (AnB and BnA) score" in result.output \
        and "(4 networks of 2 split seeds" in result.output
    assert "4 + 2 networks" in result.output
    figure = out / "report" / "figure2.png"
    if figure.exists():
        assert str(figure) in result.output
    else:
        assert "pip install 'minitransfer[plot]'" in result.output

    again = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert again.exit_code == 0, again.output
    assert "19 of 19 runs already finished" in again.output and "start " not in again.output
    other_seed = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu", "--seed", "1"])
    assert other_seed.exit_code == 2 and "trained with other options" in other_seed.output


def test_the_networks_on_all_classes_train_as_many_epochs_as_a_halfs():
    """All 20 classes are twice a half's images, so twice the iterations, step and evaluation
    intervals; the halves' networks keep the recipe."""
    for plan in (demos.CPU_PLAN, demos.GPU_PLAN):
        options = plan.options("data", "cpu", seed=0)
        assert options[demos.ALL_CLASSES] == {name: 2 * plan.train[name]
                                              for name in ("max_iter", "stepsize", "eval_every")}
        assert {name: options[name] for name in plan.train if name != "seed"} == \
            {name: value for name, value in plan.train.items() if name != "seed"}
    runs = demos.CPU_PLAN.runs(0)
    assert [run.split for run in runs[:12]] == ["all"] * 12 and all(run.split != "all" for run in runs[12:])


def test_the_gpu_demo_runs_the_larger_plan_in_several_processes_per_gpu(monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setattr(demos, "run_grid", lambda runs, out, options, devices, log: seen.update(
        runs=runs, options=options, devices=devices))
    demos.run_demo(tmp_path, tmp_path / "data", seed=2, device="cuda", devices=("0", "1"))
    assert seen["devices"] == ("0",) * demos.PROCESSES_PER_GPU + ("1",) * demos.PROCESSES_PER_GPU
    assert seen["runs"] == demos.GPU_PLAN.runs(2) and seen["options"]["device"] == "cuda"
    demos.run_demo(tmp_path, tmp_path / "data", device="cpu", devices=(None, None))
    assert seen["devices"] == (None, None) and seen["runs"] == demos.CPU_PLAN.runs(0)


def test_the_library_demo_takes_its_device_from_the_slots_and_refuses_one_they_contradict(monkeypatch, tmp_path):
    """Before: run_demo(device="cuda") with the default (CPU) slots planned the GPU plan and ran 16
    processes at once on "CPU slots" that each trained on the GPU the demo saw; device "auto" on GPUs
    ran the CPU plan, one process per GPU."""
    seen = {}
    monkeypatch.setattr(demos, "run_grid", lambda runs, out, options, devices, log: seen.update(
        runs=runs, options=options, devices=devices))
    with pytest.raises(config.ConfigError, match=r"^`device` is 'cuda', but `devices` \(None, None\) gives CPU slots "
                                                 r"\(None\): give devices GPU ids, e\.g\. \(0, 1\), or `device` 'cpu'"):
        demos.run_demo(tmp_path / "demo", tmp_path / "data", device="cuda")
    assert not seen and not (tmp_path / "demo").exists()
    demos.run_demo(tmp_path / "demo", tmp_path / "data", device="auto", devices=("0",))
    assert seen["runs"] == demos.GPU_PLAN.runs(0) and seen["options"]["device"] == "cuda"
    assert seen["devices"] == ("0",) * demos.PROCESSES_PER_GPU


def test_experiment_dry_run_and_report_through_the_group(tiny_data, tmp_path):
    out = tmp_path / "grid"
    planned = CliRunner().invoke(main, ["experiment", "--data", str(tiny_data), "-o", str(out), "--layers", "1",
                                        "--random-frozen", "2", "--dry-run", "--device", "cpu"])
    assert planned.exit_code == 0, planned.output
    assert "8 runs" in planned.output and "--random-frozen 2" in planned.output
    assert not out.exists()
    reported = CliRunner().invoke(main, ["report", str(tmp_path)])
    assert reported.exit_code == 2 and "no finished runs" in reported.output  # no run folder there: a usage mistake


@pytest.mark.parametrize("outcome, says", [
    (GridOutcome([], [], ["random0/baseA"], {"random0/A2B": "random0/baseA", "random0/A2B+": "random0/baseA"}),
     "the demo did not finish: 1 network failed and 2 that need it were not run (finished networks are kept):\n"
     "  random0/baseA: failed (exit 1): its train.log says why; fix that, then rerun the same command"),
    (GridOutcome([], [], [], {}, interrupted=True), "the demo was interrupted; rerun the same command to go on"),
    # stopped while a second demo on the folder trained two of its networks (GridOutcome.summary's count)
    (GridOutcome([], [], [], {}, interrupted=True, stopped=["random0/baseB"], not_started=["random0/B2B"],
                 training_elsewhere=["all/base", "random0/baseA"]),
     "the demo was interrupted; rerun the same command to go on (finished networks are kept); 2 networks still "
     "training in another process, left to it (a rerun waits for them)"),
], ids=["failed", "interrupted", "interrupted-while-another-demo-trains"])
def test_a_demo_that_stops_short_says_whether_a_plain_rerun_will_do(tiny_data, tmp_path, monkeypatch, outcome, says):
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "run_demo", lambda *args, **kwargs: outcome)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == outcome.exit_code and says in result.output, result.output


def test_the_device_help_does_not_promise_one_process_per_gpu_where_the_demo_runs_several():
    """The shared --device help said "one process per GPU for a grid"; the demo trains
    demos.PROCESSES_PER_GPU networks at once on each GPU, as its own text says."""
    assert demos.PROCESSES_PER_GPU > 1
    text = " ".join(CliRunner().invoke(main, ["demo", "--help"], terminal_width=200).output.split())
    assert "several processes per GPU" in text and "one process per GPU" not in text, text

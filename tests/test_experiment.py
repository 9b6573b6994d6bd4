"""The grid planner and the local scheduler of ``minitransfer.experiment`` (with a fake ``train``
that records its invocations); the SLURM scripts are tested in test_slurm.py, a grid's failed runs and a
grid stopped, killed or shared in test_experiment_stops.py."""

import json
import math
import os
import pathlib
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap

import pytest
import waiting
from click.testing import CliRunner
from fake_results import finished_result

from minitransfer import experiment as grid
from minitransfer import (checkpoint_identity, cpus, fileio, grid_caveats, grid_check, grid_options, grid_plan_file,
                          grid_trained, models, preflight_memory, run_lock, scheduler)
from minitransfer import train as training
from minitransfer.memory_limit import Available

# A stand-in for `minitransfer train`: holds the run directory's lock (exit 2 when another process
# does; a run named in FAKE_TRAIN_RACE loses it, its first FAKE_TRAIN_RACES times (default 1), to a
# holder that then stops, or finishes the run with FAKE_TRAIN_RACE_WINNER=finishes, before the grid
# looks), appends what happens to its run directory's invocations.log,
# sleeps FAKE_TRAIN_SECONDS in small steps, exits 75 with a "checkpoint" on SIGINT, resumes from that
# checkpoint, fails with exit 1 when its run name is in FAKE_TRAIN_FAIL, is killed by SIGKILL when it
# is in FAKE_TRAIN_KILL, then writes result.json; a run started once FAKE_TRAIN_HOLD_AFTER runs of its grid
# have a result.json trains until it is stopped; with FAKE_TRAIN_PAIRED set, a run goes on only once an even
# number of runs have started (the one started beside it). It prints the lines of FAKE_TRAIN_SAY ("|" between
# them, {run} its weights' name, {base} its --copy-from) as it starts.
# A result.json as train writes it, which report (and so the grid) reads as a finished run's
A_RESULT = finished_result(top1=0.5, best=0.6, mean10=0.55)
FAKE_TRAIN = textwrap.dedent('''
    import json, os, pathlib, signal, sys, time
    args = sys.argv[1:]
    weights = pathlib.Path(args[args.index("--out") + 1])
    folder = weights.with_name(weights.stem + ".run")
    folder.mkdir(parents=True, exist_ok=True)
    from minitransfer import run_lock
    races = folder / "races"
    if weights.stem in os.environ.get("FAKE_TRAIN_RACE", "").split(",") and \
            len(races.read_text() if races.exists() else "") < int(os.environ.get("FAKE_TRAIN_RACES", "1")):
        with races.open("a") as f:
            f.write("x")
        other = run_lock.RunLock(folder).__enter__()  # as another process taking the run just before this one
        try:
            run_lock.RunLock(folder).__enter__()
        except run_lock.RunBusy as busy:
            print(f"error: {busy}")
        if os.environ.get("FAKE_TRAIN_RACE_WINNER") == "finishes":
            weights.write_text("weights")
            (folder / "result.json").write_text(A_RESULT_JSON)
        other.__exit__(None, None, None)  # the other one has ended before the grid looks
        sys.exit(2)
    try:
        lock = run_lock.RunLock(folder).__enter__()  # as the real train: one process per run directory
    except run_lock.RunBusy as busy:
        print(busy)
        sys.exit(2)
    log = folder / "invocations.log"
    if (folder / "result.json").exists():  # as the real train: a finished run has nothing to do
        sys.exit(0)
    def note(event):
        with open(log, "a") as f:
            f.write(json.dumps({"event": event, "time": time.time(), "pid": os.getpid(),
                                "gpu": os.environ.get("CUDA_VISIBLE_DEVICES"), "args": args,
                                "threads": os.environ.get("OMP_NUM_THREADS")}) + "\\n")
    stop = []
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    resumed = (folder / "checkpoint").exists()
    note("resume" if resumed else "start")
    for line in filter(None, os.environ.get("FAKE_TRAIN_SAY", "").split("|")):
        base = args[args.index("--copy-from") + 1] if "--copy-from" in args else "no base"
        print(line.replace("{run}", weights.stem).replace("{base}", base), flush=True)
    (folder / "pid.tmp").write_text(str(os.getpid()))
    os.replace(folder / "pid.tmp", folder / "pid")  # whole or absent: a test reads it to signal this run
    paired = time.time() + HOLD_SECONDS  # the bound against a hang only
    while os.environ.get("FAKE_TRAIN_PAIRED") and time.time() < paired and \
            len(list(folder.parent.parent.glob("*/*.run/invocations.log"))) % 2:
        time.sleep(0.01)
    assert "--resume" in args and args[args.index("--resume") + 1] == "auto"
    if "--copy-from" in args:
        assert pathlib.Path(args[args.index("--copy-from") + 1]).exists(), "parent weights missing"
    if weights.stem in os.environ.get("FAKE_TRAIN_FAIL", "").split(","):
        note("fail")
        sys.exit(1)
    if weights.stem in os.environ.get("FAKE_TRAIN_KILL", "").split(","):
        os.kill(os.getpid(), signal.SIGKILL)
    seconds = float(os.environ.get("FAKE_TRAIN_SECONDS", "0.05"))
    hold = os.environ.get("FAKE_TRAIN_HOLD_AFTER")
    if hold and len(list(folder.parent.parent.glob("*/*.run/result.json"))) >= int(hold):
        seconds = HOLD_SECONDS  # until stopped (the bound against a hang only)
    deadline = time.time() + seconds
    while time.time() < deadline:
        if stop:
            (folder / "checkpoint").write_text("iteration")
            note("interrupted")
            sys.exit(75)
        time.sleep(0.01)
    weights.write_text("weights")
    result = {**json.loads(A_RESULT_JSON), "evaluations": int(os.environ.get("FAKE_TRAIN_EVALUATIONS", "10"))}
    if "FAKE_TRAIN_EVALUATIONS" in os.environ:  # a result of other fields than its digest's: one without it
        del result["content_sha256"]
    (folder / "result.json.tmp").write_text(json.dumps(result))
    os.replace(folder / "result.json.tmp", folder / "result.json")
    note("finished")
''').replace("A_RESULT_JSON", repr(json.dumps(A_RESULT))).replace("HOLD_SECONDS", str(waiting.DEADLINE_SECONDS))
OPTIONS = {"data": "/data/synthetic", "preset": "mini", "max_iter": 20, "seed": 3, "device": "cpu"}


@pytest.fixture
def fake_train(tmp_path):
    return fake_train_command(tmp_path)


def fake_train_command(folder):
    """The command of :data:`FAKE_TRAIN`, written into ``folder``."""
    path = folder / "fake_train.py"
    path.write_text(FAKE_TRAIN)
    return [sys.executable, str(path)]


def events(out, name):
    log = pathlib.Path(out) / f"{name}.run" / "invocations.log"
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def names(runs):
    return [run.name for run in runs]


# ---- planning -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1-7", (1, 2, 3, 4, 5, 6, 7)), ("1,3,5", (1, 3, 5)), ("2-4,7", (2, 3, 4, 7)), ("5", (5,)), (" 3 , 1 ", (1, 3)),
], ids=["range", "list", "mixed", "single", "spaces"])
def test_parse_layers(text, expected):
    assert grid.parse_layers(text, 7) == expected


@pytest.mark.parametrize("text, reason", [("0-3", "'0-3' is outside 1..7"),
                                          ("1-8", "'1-8' is outside 1..7 .* copied or left random; layer 8, the "
                                                  "classifier, is always trained"),
                                          ("x", "cannot read 'x'"), ("4-2", r"'4-2' runs backwards \(write 2-4\)"),
                                          ("1-", "cannot read '1-'"), ("-3", "cannot read '-3'"),
                                          ("1,,3", "'1,,3' has an empty entry"), ("1,3,", "'1,3,' has an empty entry"),
                                          ("1_0", "cannot read '1_0'"), ("\u0661-3", "cannot read '\u0661-3'")],
                         ids=["zero", "eight", "word", "reversed", "open-end", "open-start", "empty-entry",
                              "trailing-comma", "underscore", "arabic-indic-digit"])
def test_parse_layers_rejects(text, reason):
    with pytest.raises(ValueError, match=f"^{reason}"):  # the option is named by its caller (--layers, --random-frozen)
        grid.parse_layers(text, 7)


def test_plan_one_direction_has_bases_then_the_four_treatments_per_n():
    runs = grid.plan_grid(random_seeds=(0,), layers=(1, 3))
    assert names(runs) == [
        "random0/baseA", "random0/baseB",
        "random0/B1B", "random0/B1B+", "random0/A1B", "random0/A1B+",
        "random0/B3B", "random0/B3B+", "random0/A3B", "random0/A3B+",
    ]
    by_name = {run.name: run for run in runs}
    assert by_name["random0/A3B+"].parent == "random0/baseA"
    assert by_name["random0/B3B"].parent == "random0/baseB"
    assert [by_name[n].treatment
            for n in ("random0/baseA", "random0/B1B", "random0/B1B+", "random0/A1B", "random0/A1B+")] \
        == ["baseB", "BnB", "BnB+", "AnB", "AnB+"]


def test_plan_both_directions_seeds_controls_and_reduced_data():
    runs = grid.plan_grid(random_seeds=(0, 1), natural=True, layers=tuple(range(1, 8)), both_directions=True,
                          random_frozen=(1, 2), per_class=(10, 100))
    listed = names(runs)
    assert len(listed) == len(set(listed))
    per_seed = 2 + 7 * 2 * 4  # bases; n × targets × (selffer, transfer) × (frozen, fine-tuned)
    natural = 2 + 7 * 2       # bases; n × (AnB, BnA), frozen
    assert len(runs) == 2 * per_seed + natural + 1 + 2 + 2
    for expected in ("random1/A7A+", "random1/B7A", "natural/A4B", "natural/B4A", "all/base", "all/random2",
                     "all/reduced-0100"):
        assert expected in listed
    assert not any(name.startswith("natural/") and name.endswith("+") for name in listed)
    position = {name: index for index, name in enumerate(listed)}
    for run in runs:
        if run.parent:
            assert position[run.parent] < position[run.name], run.name
    by_name = {run.name: run for run in runs}
    assert by_name["natural/B4A"].treatment == "AnB" and by_name["natural/B4A"].target == "A"
    assert by_name["all/random2"].parent is None and by_name["all/random2"].n == 2


def test_plan_without_fine_tuned_or_selffer():
    runs = grid.plan_grid(random_seeds=(2,), layers=(4,), fine_tuned=False, selffer=False)
    assert names(runs) == ["random2/baseA", "random2/baseB", "random2/A4B"]


def test_plan_without_the_fine_tuned_selffer_keeps_every_other_treatment():
    runs = grid.plan_grid(random_seeds=(0,), layers=(4,), selffer_fine_tuned=False)
    assert names(runs) == ["random0/baseA", "random0/baseB", "random0/B4B", "random0/A4B", "random0/A4B+"]


def test_plan_the_frozen_transfer_back_at_chosen_layers_only():
    runs = grid.plan_grid(random_seeds=(3,), layers=(1, 4), reverse_layers=(1,))
    assert names(runs) == ["random3/baseA", "random3/baseB", "random3/B1B", "random3/B1B+", "random3/A1B",
                           "random3/A1B+", "random3/B1A", "random3/B4B", "random3/B4B+", "random3/A4B",
                           "random3/A4B+"]
    back = runs[6]
    assert (back.parent, back.target, back.source, back.fine_tuned, back.treatment) == \
        ("random3/baseB", "A", "B", False, "AnB")
    both = names(grid.plan_grid(random_seeds=(3,), layers=(1,), both_directions=True, reverse_layers=(1,)))
    assert both == names(grid.plan_grid(random_seeds=(3,), layers=(1,), both_directions=True))
    with pytest.raises(ValueError, match=r"reverse_layers \(7,\) must be among the layers \(1, 4\)"):
        grid.plan_grid(layers=(1, 4), reverse_layers=(7,))


def test_plan_splits_with_only_what_the_lowest_and_top_n_claims_compare():
    runs = grid.plan_grid(random_seeds=(0,), layers=(4, 2, 7), claim_seeds=(5, 6), selffer_fine_tuned=False)
    assert [name for name in names(runs) if not name.startswith("random0/")] == [
        f"random{seed}/{label}" for seed in (5, 6)
        for label in ("baseA", "baseB", "A2B", "B2A", "B7B", "A7B", "A2B+", "A7B+")]
    by_name = {r.name: r for r in runs}
    back, selffer, top = by_name["random6/B2A"], by_name["random6/B7B"], by_name["random6/A7B"]
    assert (back.parent, back.target, back.kind, back.fine_tuned, back.split, back.split_seed, back.n) == \
        ("random6/baseB", "A", "transfer", False, "random", 6, 2)
    assert (selffer.parent, selffer.kind, selffer.treatment, top.parent, top.treatment, top.fine_tuned) == \
        ("random6/baseB", "selffer", "BnB", "random6/baseA", "AnB", False)
    tuned = by_name["random6/A2B+"]
    assert (tuned.parent, tuned.target, tuned.kind, tuned.fine_tuned, tuned.treatment, tuned.n) == \
        ("random6/baseA", "B", "transfer", True, "AnB+", 2)
    one_layer = names(grid.plan_grid(random_seeds=(), layers=(3,), claim_seeds=(1,)))
    assert one_layer == ["random1/baseA", "random1/baseB", "random1/A3B", "random1/B3A", "random1/B3B", "random1/A3B+"]
    frozen_only = names(grid.plan_grid(random_seeds=(), layers=(1, 7), fine_tuned=False, claim_seeds=(2,)))
    assert not any(name.endswith("+") for name in frozen_only) and len(frozen_only) == 6
    with pytest.raises(ValueError, match=r"claim_seeds \(0, 5\) overlap the random_seeds \(0,\)"):
        grid.plan_grid(random_seeds=(0,), claim_seeds=(0, 5))
    for repeated in ({"random_seeds": (0, 2, 0)}, {"claim_seeds": (3, 3)}):
        with pytest.raises(ValueError, match="repeat split seed (0|3)$"):
            grid.plan_grid(**repeated)


def test_the_cpu_demo_plan_leaves_out_only_bnb_plus_and_transfers_both_ways_at_the_lowest_n():
    from minitransfer import demo

    cpu, gpu = (set(names(plan.runs(0))) for plan in (demo.CPU_PLAN, demo.GPU_PLAN))
    assert {"random0/B7B", "random0/A7B", "random0/A7B+", "natural/B7A", "all/random7"} <= cpu
    assert not any(name.endswith("B+") and "/B" in name for name in cpu)
    assert {name for name in cpu | gpu if name.startswith("random") and name.endswith("A")} == \
        {f"random{seed}/{label}" for seed in range(5) for label in ("baseA", "B1A")}  # GPU: splits 0-4
    for claim_split in ("random3", "random4"):
        assert {name for name in cpu if name.startswith(f"{claim_split}/")} == \
            {f"{claim_split}/{label}" for label in ("baseA", "baseB", "A1B", "B1A", "B7B", "A7B", "A1B+", "A7B+")}
    assert "random0/B7B+" in gpu and len(cpu) == 88 and len(gpu) == 275
    assert {r.split_seed for r in demo.CPU_PLAN.runs(2) if r.split == "random"} == {10, 11, 12, 13, 14}
    assert {r.split_seed for r in demo.GPU_PLAN.runs(2) if r.split == "random"} == {10, 11, 12, 13, 14}


def test_train_arguments_of_a_fine_tuned_transfer(tmp_path):
    run = {r.name: r for r in grid.plan_grid(layers=(3,))}["random0/A3B+"]
    args = grid.train_arguments(run, tmp_path, OPTIONS)
    text = shlex.join(args)
    assert f"--copy-from {tmp_path / 'random0/baseA.h5'}" in text
    assert "--n 3" in text and "--frozen" not in text
    assert "--split random --split-seed 0 --half B" in text
    assert "--preset mini" in text and "--max-iter 20" in text and "--data /data/synthetic" in text
    assert args[-4:] == ["--out", str(tmp_path / "random0/A3B+.h5"), "--resume", "auto"]
    seed = int(args[args.index("--seed") + 1])
    other = {r.name: r for r in grid.plan_grid(layers=(3,))}["random0/B3B+"]
    assert seed != int(grid.train_arguments(other, tmp_path, OPTIONS)[args.index("--seed") + 1])


def test_train_arguments_of_controls(tmp_path):
    runs = {r.name: r for r in grid.plan_grid(random_seeds=(), random_frozen=(2,), per_class=(5,))}
    random2 = grid.train_arguments(runs["all/random2"], tmp_path, {})
    assert random2[:4] == ["--split", "all", "--random-frozen", "2"] and "--copy-from" not in random2
    reduced = grid.train_arguments(runs["all/reduced-0005"], tmp_path, {})
    assert reduced[:4] == ["--split", "all", "--per-class", "5"]


def test_all_classes_options_reach_the_runs_on_every_class_only(tmp_path):
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, random_frozen=(1,), natural=True)
    options = {"preset": "mini", "max_iter": 10, grid_options.ALL_CLASSES: {"max_iter": 20, "stepsize": 7}}
    for run in runs:
        args = grid.train_arguments(run, tmp_path, options)
        on_all = run.split == "all"
        assert args[args.index("--max-iter") + 1] == ("20" if on_all else "10"), run.name
        assert ("--stepsize" in args) == on_all and "--all-classes" not in args, run.name


# ---- local scheduling -----------------------------------------------------------------------

def test_the_warnings_of_the_runs_are_told_on_the_grids_output_each_text_once(tmp_path, fake_train, monkeypatch):
    """A run's train writes its warnings (a CPU run that would take months, a batch larger than the
    data) into its train.log, where a researcher watching the grid did not see them."""
    monkeypatch.setenv("FAKE_TRAIN_SAY", "warning: every run's|iteration 1/20|warning: {run}'s own|note: not one")
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    lines = []
    assert scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=fake_train, log=lines.append,
                              poll_seconds=0.01).exit_code == 0
    assert [line for line in lines if "warning" in line or "note" in line] == [
        f"{runs[0].name}: warning: every run's", *(f"{run.name}: warning: {run.label}'s own" for run in runs)]


def test_a_warning_each_transfer_words_with_its_own_base_is_told_once(tmp_path, fake_train, monkeypatch):
    """Crops too small for the images: each transfer's warning names its base ("the preset of
    OUT/random0/baseA.h5"), and a grid of ten split seeds told it 20 times, once per base."""
    monkeypatch.setenv("FAKE_TRAIN_SAY", "warning: crops of {base}|warning: {run} copies {base}")  # {run}: B1B
    runs = grid.plan_grid(layers=(1,), random_seeds=(0, 1), fine_tuned=False)  # 8 runs: each label twice
    lines = []
    assert scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, train_command=fake_train, log=lines.append,
                              poll_seconds=0.01).exit_code == 0
    crops = [line.split(": ", 1) for line in lines if "warning: crops of" in line]
    transfers = [run for run in runs if run.parent]
    assert len({run.parent for run in transfers}) == 4 and len(crops) == 2, crops  # a base's, and one transfer's
    (base, base_text), (transfer, transfer_text) = crops
    assert base_text == "warning: crops of no base" and transfer in {run.name for run in transfers}
    parent = next(run.parent for run in transfers if run.name == transfer)
    assert transfer_text == f"warning: crops of {grid.weights_path(tmp_path / 'grid', parent)}"
    copies = [line for line in lines if " copies " in line]  # "A1B copies" of each seed's base: told once
    assert len(copies) == len({run.label for run in runs}) == 4, copies



def test_grid_runs_parents_first_and_skips_finished_runs(tmp_path, fake_train):
    runs = grid.plan_grid(layers=(1, 2))
    out = tmp_path / "grid"
    lines = []
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and sorted(outcome.finished) == sorted(names(runs))
    finished_at = {run.name: events(out, run.name)[-1]["time"] for run in runs}
    for run in runs:
        assert [e["event"] for e in events(out, run.name)] == ["start", "finished"]
        assert json.loads((out / f"{run.name}.run" / "treatment.json").read_text())["label"] == run.label
        if run.parent:
            assert events(out, run.name)[0]["time"] >= finished_at[run.parent]
    again = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert again.finished == [] and sorted(again.skipped) == sorted(names(runs)) and again.exit_code == 0
    assert all(len(events(out, run.name)) == 2 for run in runs)
    assert json.loads((out / "experiment.json").read_text())["runs"][0]["name"] == "random0/baseA"


def test_a_notebooks_pathlib_paths_in_the_options_are_recorded_as_text(tmp_path, fake_train):
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = dict(OPTIONS, data=pathlib.Path(OPTIONS["data"]))
    outcome = scheduler.run_grid(runs, out, options, train_command=fake_train, log=lambda line: None, poll_seconds=0.01)
    assert outcome.exit_code == 0
    assert json.loads((out / "experiment.json").read_text())["options"]["data"] == OPTIONS["data"]
    args = events(out, "random0/A1B")[0]["args"]
    assert args[args.index("--data") + 1] == OPTIONS["data"]


def test_transfers_run_on_their_own_after_their_bases_ran_in_an_earlier_call(tmp_path, fake_train):
    """A notebook runs the bases first, then the transfers: the bases finished there are theirs."""
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    bases, transfers = [r for r in runs if r.parent is None], [r for r in runs if r.parent]
    assert [run.base for run in transfers] == [bases[0]]
    assert scheduler.run_grid(bases, out, OPTIONS, train_command=fake_train, log=lambda line: None,
                              poll_seconds=0.01).exit_code == 0
    outcome = scheduler.run_grid(transfers, out, OPTIONS, train_command=fake_train, log=lambda line: None,
                                 poll_seconds=0.01)
    assert (outcome.finished, outcome.blocked, outcome.exit_code) == (["random0/A1B"], [], 0)
    assert [e["event"] for e in events(out, "random0/baseA")] == ["start", "finished"]  # not trained again


def test_grid_gives_each_gpu_one_run_at_a_time(tmp_path, fake_train, monkeypatch):
    # Each run waits for the one started beside it: trainings of 0.3 s, then 1 s, did not overlap where one
    # interpreter started that much later than the other on a loaded 2-core CI machine.
    monkeypatch.setenv("FAKE_TRAIN_PAIRED", "1")
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)  # 4 runs, 2 rounds of 2 GPUs: each GPU trains 2
    out = tmp_path / "grid"
    outcome = scheduler.run_grid(runs, out, {**OPTIONS, "device": "cuda"}, train_command=fake_train, devices=("2", "5"),
                                 log=lambda line: None, poll_seconds=0.01)
    assert outcome.exit_code == 0
    spans = []
    for run in runs:
        start, end = events(out, run.name)
        spans.append((start["gpu"], start["time"], end["time"]))
    assert {gpu for gpu, _, _ in spans} == {"2", "5"}
    for gpu in ("2", "5"):
        mine = sorted((s, e) for g, s, e in spans if g == gpu)
        assert all(next_start >= end for (_, end), (next_start, _) in zip(mine, mine[1:])), gpu
    overlapping = [(a, b) for a in spans for b in spans if a[1] < b[1] < a[2]]
    assert overlapping, "two GPUs should have trained at the same time"


@pytest.mark.parametrize("devices, expected", [(("2", "5", "5"), "4"), ((None, None, None), "4"), (("2",), None),
                                               ((None,) * 6, "4")], ids=["gpus", "cpu", "one", "more-than-runs"])
def test_processes_trained_at_once_share_the_cores_for_their_threads(tmp_path, fake_train, monkeypatch, devices,
                                                                     expected):
    """Three processes at once (on GPUs: their host work; on the CPU: their training) get a third of
    the cores this process may use for NumPy's threads, one process all of them (left unset); a
    count the user chose is kept. Slots beyond the runs to train stay unused: six slots for three
    runs gave each run a sixth of the cores, half of them idle."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(12)))
    for name in cpus.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = {**OPTIONS, "device": "auto"}  # the slots' own: "cpu" or "cuda"
    assert scheduler.run_grid(runs, tmp_path / "grid", options, train_command=fake_train, devices=devices,
                              log=lambda line: None, poll_seconds=0.01).exit_code == 0
    assert [events(tmp_path / "grid", run.name)[0]["threads"] for run in runs] == [expected] * len(runs)
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    assert scheduler.run_grid(runs, tmp_path / "again", options, train_command=fake_train, devices=devices,
                              log=lambda line: None, poll_seconds=0.01).exit_code == 0
    assert {events(tmp_path / "again", run.name)[0]["threads"] for run in runs} == {"7"}


def test_runs_trained_at_once_that_together_exceed_the_memory_stop_the_grid_before_anything_is_written(
        tmp_path, synthetic_8, monkeypatch):
    """Each run checks only itself as it starts: three micro runs at batch 512 that each fit, in three
    CPU slots, would together be killed by the out-of-memory killer (exit 137, no message). The
    three largest are the base on all 8 classes and the two on a half's 4 (all/random1's conv1 is frozen: it
    needs less); one configuration is resolved per half and one net built per fc8 width."""
    micro, image = models.get("micro"), (36, 36)

    def peak(classes, val_images):  # the larger of a training step and an evaluation batch, as train checks them
        net, kept = micro.build(classes), val_images * (4 * 3 * 12 * 12 + 4)  # the validation crops a run keeps
        return max(preflight_memory.training_bytes(net, image, 512),
                   preflight_memory.evaluation_bytes(net, image, val_images)) + kept

    def machine_with(available):
        monkeypatch.setattr(preflight_memory, "available_memory",
                            lambda: Available(available, "MemAvailable in /proc/meminfo"))

    runs = grid.plan_grid(layers=(1,), random_frozen=(1,))  # random0/baseA ... A1B+, all/base, all/random1
    every_class, half = peak(8, 80), peak(4, 40)  # their validation images
    resident = preflight_memory.resident  # what each process grows to, 15% beyond its arrays
    together = resident(every_class) + 2 * resident(half) + 3 * preflight_memory.PROCESS_BYTES
    options = dict(OPTIONS, data=synthetic_8, preset="micro", batch_size=512)
    machine_with(together - 2**20)
    builds = []
    monkeypatch.setattr(models.Preset, "build", lambda preset, classes, _build=models.Preset.build:
                        builds.append(classes) or _build(preset, classes))
    out = tmp_path / "grid"
    with pytest.raises(preflight_memory.OutOfMemory, match=re.escape(
            "the grid trains 3 runs at once (its slots: 3 on the CPU): all/base, random0/baseA, random0/baseB need "
            f"about {preflight_memory.in_units(together, math.ceil)} of memory together "
            f"(the largest: a training step of "
            f"micro at "
            f"`batch_size=512` needs about {preflight_memory.in_units(every_class)}, and each process 64 MiB); "
            f"{preflight_memory.in_units(together - 2**20, math.floor)} is available "
            f"(MemAvailable in /proc/meminfo); give "
            f"the grid "
            f"fewer slots or lower `batch_size`")):
        scheduler.run_grid(runs, out, options, devices=(None,) * 3, log=lambda line: None)
    assert not out.exists()
    assert sorted(builds) == [4, 8]
    machine_with(together - 1024)  # refused by a little: the two figures differ still (not "1 MiB ... 1 MiB")
    with pytest.raises(preflight_memory.OutOfMemory) as refused:
        grid_check.check_memory(runs, out, options, (None,) * 3)
    figures = re.search(r"need about (.+?) of memory together .*; (.+?) is available", str(refused.value))
    assert figures[1] != figures[2], str(refused.value)
    machine_with(together)
    grid_check.check_memory(runs, out, options, (None,) * 3)  # fits: no refusal
    machine_with(2**20)
    grid_check.check_memory(runs, out, options, (None,))  # one at a time: each run checks itself
    machine_with(together // 2)
    grid_check.check_memory(runs, out, options, ("0", "0", "1"))  # on GPUs the host holds the loaders' batches


# ---- command line ---------------------------------------------------------------------------

def test_the_seeds_a_grid_derives_from_the_largest_seeds_stay_in_range(tmp_path):
    """Every network's training seed and split seed, from the largest --seed and --split-seed of an
    experiment and from the largest demo seed; one demo seed more would need a split seed beyond."""
    from minitransfer import config_checks, demo

    largest = config_checks.MAX_SEED
    grids = [(grid.plan_grid(random_seeds=(largest,), natural=True, random_frozen=(1,)), largest)]
    grids += [(plan.runs(demo.MAX_SEED), demo.MAX_SEED) for plan in (demo.CPU_PLAN, demo.GPU_PLAN)]
    for runs, seed in grids:
        for run in runs:
            fields = grid.run_fields(run, tmp_path, {"seed": seed})
            assert 0 <= fields["seed"] <= config_checks.MAX_SEED, run.name
            assert fields["split_seed"] is None or 0 <= fields["split_seed"] <= config_checks.MAX_SEED, run.name
    with pytest.raises(ValueError,
                       match=r"random_seeds must be a sequence of integers in 0..4294967295, got \(4294967295, "):
        demo.CPU_PLAN.runs(demo.MAX_SEED + 1)


def test_cli_dry_run(tmp_path, synthetic_8):
    from minitransfer.cli.experiment import experiment

    data = synthetic_8
    result = CliRunner().invoke(experiment, ["--data", str(data), "-o", str(tmp_path / "grid"), "--layers", "2",
                                             "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "6 runs" in result.output and "[todo] random0/A2B+  (after random0/baseA)" in result.output
    assert "--copy-from" in result.output and "would run on the CPU" in result.output
    assert not list((tmp_path / "grid").glob("*/*.run/invocations.log"))


@pytest.mark.parametrize("arguments, warned", [
    (["--max-iter", "50"], "warning: 8 runs (random0/baseA, random0/baseB, random0/B1B and 5 more) train 50 "
                           "iterations, evaluated every 30 and at the end: 2 evaluations, no more than the 10 best "
                           "whose mean is the paper's accuracy, so the report takes the mean of all of them, the "
                           "first (early in training) included; give --eval-every 4 or less for more than 10"),
    (["--max-iter", "50", "--eval-every", "4"], None),
    (["--max-iter", "50", "--eval-every", "5"], "train 50 iterations, evaluated every 5 and at the end: 10 "
                                                "evaluations, no more than the 10 best whose mean is the paper's "
                                                "accuracy, so the report takes the mean of all of them, the first "
                                                "(early in training) included; give --eval-every 4 or less"),
    ([], "warning: 1 run (all/reduced-0003) trains 267 iterations, evaluated every 30 and at the end: 9 evaluations"),
    (["--max-iter", "5"], "1 evaluation, no more than the 10 best whose mean is the paper's accuracy, so the report "
                          "takes the mean of the one; even --eval-every 1 gives no more in 5 iterations: give "
                          "--max-iter 11 or more"),
    (["--max-iter", "15"], "1 evaluation, no more than the 10 best whose mean is the paper's accuracy, so the "
                           "report takes the mean of the one; give --eval-every 1 for more than 10"),  # not "1 or less"
], ids=["max-iter-below-eval-every-x10", "eval-every-enough", "eval-every-exactly-10", "reduced-schedule",
        "max-iter-below-10", "every-1"])
def test_a_grid_whose_runs_evaluate_fewer_than_10_times_says_so_as_it_is_planned(tmp_path, micro_data, arguments,
                                                                               warned):
    """The paper's accuracy is the mean of the 10 best evaluations; runs that make fewer are averaged
    over all of them, which the report said only after the grid had trained ("careful: fewer than
    10 evaluations"). The dry run (and the grid) says it first, once per schedule: the reduced-data
    runs' own (267 of micro's 600 iterations) included."""
    from minitransfer.cli.experiment import experiment

    result = CliRunner().invoke(experiment, ["--data", micro_data, "-o", str(tmp_path / "g"), "--preset", "micro",
                                             "--layers", "1", "--per-class", "3", "--device", "cpu", "--dry-run",
                                             *arguments])
    assert result.exit_code == 0, result.output
    found = [line for line in result.stderr.splitlines() if "evaluation" in line]
    assert len(found) == (warned is not None) and all(warned in line for line in found), result.stderr


def test_the_evaluations_a_grid_counts_are_those_a_run_makes(tmp_path, micro_data):
    """The grid's warning counts by train's own rule (config.evaluates_after): 4 and 5 of 5 iterations."""
    result = training.train(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, batch_size=8,
                                                 max_iter=5, eval_every=4, device="cpu", quiet=True))
    rows = (tmp_path / "net.run" / "eval.csv").read_text().splitlines()[1:]
    assert [int(row.split(",")[0]) for row in rows] == [4, 5]
    assert grid_caveats.evaluations(training.TrainConfig(max_iter=5, eval_every=4)) == len(rows) == result.evaluations


def test_cli_rejects_bad_layers(tmp_path, synthetic_8):
    from minitransfer.cli.experiment import experiment

    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "0-9"])
    assert result.exit_code == 2 and "outside 1..7" in result.output
    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", " , "])
    assert result.exit_code == 2 and "--layers" in result.output and "no n in ' , '" in result.output
    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--split-seed", "1",
                                             "--split-seed", "1", "--dry-run"])
    assert result.exit_code == 2 and "--split-seed" in result.output and "each split seed once" in result.output


@pytest.mark.parametrize("arguments, message", [
    (["--preset", "caffenet", "--dry-run"], "run random0/baseA: preset caffenet takes 227x227 crops"),
    (["--fc8-outputs", "1", "--emit-slurm", "{tmp}/slurm"],
     "run random0/baseA: --fc8-outputs 1 is fewer than the 4 classes"),
], ids=["preset-too-large", "fc8-too-narrow"])
def test_options_no_base_can_take_stop_the_grid_before_anything_is_planned(tmp_path, synthetic_8, arguments, message):
    from minitransfer.cli.experiment import experiment

    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "1",
                                             "--device", "cpu", *(a.format(tmp=tmp_path) for a in arguments)])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "g").exists() and not (tmp_path / "slurm").exists()


@pytest.mark.parametrize("arguments, message", [
    (["--device", "cpu", "--gpus", "0"], "--gpus 0 chooses GPUs, but --device cpu trains on the CPU"),
    (["--gpus", "0,abc"], "Invalid value for '--gpus': abc is not a GPU index or UUID"),
    (["--gpus", "\u00b2"], "Invalid value for '--gpus': \u00b2 is not a GPU index or UUID"),
    (["--gpus", ","], "Invalid value for '--gpus': an empty GPU id in ','"),
    (["--gpus", ""], "Invalid value for '--gpus': an empty GPU id in ''"),
    (["--gpus", "0,,1"], "Invalid value for '--gpus': an empty GPU id in '0,,1'"),
    (["--replicates", "3"], "a random split's replicates are its --split-seed values"),
    (["--split", "natural", "--split-seed", "1"], "--split-seed: applies to the random split, which is not planned"),
    (["--split", "natural", "--both-directions"],
     "--both-directions: applies to the random split, which is not planned"),
    (["--split", "natural", "--per-class", "5", "--fine-tuned"],
     "--fine-tuned: the natural split plans frozen transfers only (AnB, BnA: Figure 3)"),
], ids=["gpus-on-cpu", "gpus-not-ids", "gpus-superscript-digit", "gpus-comma", "gpus-empty", "gpus-empty-entry",
        "replicates-of-random-split", "split-seed-without-random-split",
        "both-directions-without-random-split", "fine-tuned-without-random-split"])
def test_options_that_would_be_ignored_are_usage_errors(tmp_path, synthetic_8, arguments, message):
    from minitransfer.cli.experiment import experiment

    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "1",
                                             "--max-iter", "2", *arguments])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "g").exists()


def test_gpus_where_cuda_is_unusable_stop_the_grid_before_every_run_fails(tmp_path, synthetic_8, monkeypatch):
    from minitransfer import cuda
    from minitransfer.cli.experiment import experiment

    monkeypatch.setattr(cuda, "cuda_available", lambda: False)
    result = CliRunner().invoke(experiment, ["--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "1",
                                             "--max-iter", "2", "--gpus", "0,1"])
    assert result.exit_code == 2 and "--gpus 0,1: no GPU is usable here" in result.output, result.output
    assert not list(tmp_path.glob("g/*/*.run/train.log"))


def test_replicates_give_a_cross_dataset_grid_its_own_bases_too():
    """A cross-dataset grid had one network per point whatever --replicates said: its findings could
    never be resolved, and their advice (--replicates) was refused."""
    runs = grid.plan_grid(random_seeds=(), layers=(2,), cross=True, fine_tuned=False, replicates=2)
    assert names(runs) == ["cross/baseS", "cross/baseT", "cross/T2T", "cross/S2T",
                           "cross-1/baseS", "cross-1/baseT", "cross-1/T2T", "cross-1/S2T"]
    by_name = {run.name: run for run in runs}
    assert by_name["cross-1/S2T"].parent == "cross-1/baseS" and by_name["cross-1/S2T"].split_seed == 1
    assert len({grid.run_seed(0, run) for run in runs}) == len(runs)


def test_replicates_give_the_natural_split_and_the_controls_their_own_bases():
    runs = grid.plan_grid(random_seeds=(), natural=True, layers=(3,), random_frozen=(3,), replicates=3)
    assert names(runs) == [
        "natural/baseA", "natural/baseB", "natural/B3A", "natural/A3B",
        "natural-1/baseA", "natural-1/baseB", "natural-1/B3A", "natural-1/A3B",
        "natural-2/baseA", "natural-2/baseB", "natural-2/B3A", "natural-2/A3B",
        "all/base", "all/random3", "all-1/base", "all-1/random3", "all-2/base", "all-2/random3"]
    by_name = {run.name: run for run in runs}
    assert by_name["natural-2/A3B"].parent == "natural-2/baseA" and by_name["natural-2/A3B"].split_seed == 2
    seeds = {grid.run_seed(0, run) for run in runs}
    assert len(seeds) == len(runs)  # every network its own training seed
    with pytest.raises(ValueError, match="replicates must be >= 1"):
        grid.plan_grid(replicates=0)


@pytest.mark.parametrize("arguments, message", [
    ({"layers": (0,)}, r"layers must be a sequence of integers, each 1 or more, got \(0,\)"),
    ({"layers": "1-3"}, r"layers must be a sequence of integers, each 1 or more, got '1-3'"),
    ({"layers": 3}, r"layers must be a sequence of integers, each 1 or more, got 3"),
    ({"layers": (2, 2)}, r"layers repeat value 2$"),
    ({"random_seeds": (-1,)}, r"random_seeds must be a sequence of integers in 0..4294967295, got \(-1,\)"),
    ({"random_seeds": (1.5,)}, r"random_seeds must be a sequence of integers in 0..4294967295"),
    ({"per_class": (0,)}, r"per_class must be a sequence of integers in 1..2147483647"),
    ({"per_class": (2**31,)}, r"per_class must be a sequence of integers in 1..2147483647"),
    ({"random_frozen": (3, 3)}, r"random_frozen repeat value 3$"),
    ({"replicates": 1.5}, r"replicates must be >= 1, got 1.5"),
    ({"random_seeds": (), "layers": (), "claim_seeds": (1,)}, r"claim_seeds compare networks .*give layers"),
], ids=["layer-0", "layers-text", "layers-int", "layer-twice", "seed-negative", "seed-fraction", "per-class-0",
        "per-class-beyond-train", "random-frozen-twice", "replicates-fraction", "claims-without-layers"])
def test_plan_rejects_what_no_grid_can_train(arguments, message):
    """A notebook's plan_grid, without the command line's parsing: a run planned twice, at n 0 or
    on split seed -1 would only fail (or train twice) once the grid runs."""
    with pytest.raises(ValueError, match="plan_grid: " + message):
        grid.plan_grid(**arguments)


def test_a_run_held_by_another_process_is_waited_for_not_started(tmp_path, fake_train):
    """The lock of random0/baseA is held here (as by another experiment); the scheduler must not
    start it, and once the holder finishes it, must count it and go on with its transfers."""
    import threading

    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    base_a = {run.name: run for run in runs}["random0/baseA"]
    lock = run_lock.RunLock(grid.run_dir(out, base_a)).__enter__()

    def finish_elsewhere():
        waiting.until(lambda: any("random0/baseA is being trained by another process" in line for line in lines))
        grid.weights_path(out, base_a.name).write_text("weights")
        (grid.run_dir(out, base_a) / "result.json").write_text(json.dumps(A_RESULT))
        lock.__exit__(None, None, None)

    lines = []
    threading.Thread(target=finish_elsewhere).start()
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0 and outcome.elsewhere == ["random0/baseA"]
    assert sorted(outcome.finished) == ["random0/A1B", "random0/baseB"]
    assert events(out, "random0/baseA") == [] and not any("start random0/baseA" in line for line in lines)
    assert any("random0/baseA is being trained by another process" in line for line in lines)


def test_a_run_another_experiment_finished_with_other_options_stops_the_grid(tmp_path, fake_train, synthetic_8):
    """Two experiments with other options started on one folder at once: the run the other one
    finished (here: random0/baseA, another seed) is not counted as this grid's, nor copied from."""
    import threading

    out = tmp_path / "grid"
    options = dict(OPTIONS, data=synthetic_8)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B
    base_a = {run.name: run for run in runs}["random0/baseA"]
    lock = run_lock.RunLock(grid.run_dir(out, base_a)).__enter__()

    def finish_elsewhere():
        waiting.until(lambda: any("random0/baseA is being trained by another process" in line for line in lines))
        fields = grid.run_fields(base_a, out, dict(options, seed=4))
        (grid.run_dir(out, base_a) / "config.json").write_text(json.dumps(fields))
        grid.weights_path(out, base_a.name).write_text("weights")
        (grid.run_dir(out, base_a) / "result.json").write_text(json.dumps(A_RESULT))
        lock.__exit__(None, None, None)

    lines = []
    threading.Thread(target=finish_elsewhere).start()
    with pytest.raises(grid_check.GridMismatch, match=r"random0/baseA.run was trained with other options .*`seed` "):
        scheduler.run_grid(runs, out, options, train_command=fake_train, log=lines.append, poll_seconds=0.01)
    assert events(out, "random0/A1B") == []
    assert any("random0/baseA is being trained by another process" in line for line in lines)


def test_a_finished_run_trained_with_other_options_is_not_taken_for_this_grids(tmp_path, fake_train, synthetic_8):
    """Rerunning into a grid folder with another seed (or max_iter, data ...) would skip its finished
    runs as if they were this grid's: refused, naming the run and the field, before anything starts."""
    out = tmp_path / "grid"
    options = dict(OPTIONS, data=synthetic_8)  # a base is compared as train resolves it: a real dataset
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    assert scheduler.run_grid(runs, out, options, train_command=fake_train, log=lambda line: None,
                              poll_seconds=0.01).exit_code == 0
    base_a = {run.name: run for run in runs}["random0/baseA"]
    (grid.run_dir(out, base_a) / "config.json").write_text(json.dumps(grid.run_fields(base_a, out, options)))
    assert grid_check.trained_otherwise(out, base_a, options) == []
    with pytest.raises(grid_check.GridMismatch, match=r"random0/baseA.run was trained with other options .*`seed` "
                                                     r"\d+ -> \d+"):
        scheduler.run_grid(runs, out, dict(options, seed=4), train_command=fake_train, log=lambda line: None)
    assert [e["event"] for e in events(out, "random0/baseB")] == ["start", "finished"]  # nothing started again


def test_the_command_line_names_the_option_a_finished_run_was_trained_otherwise_with(tmp_path, synthetic_8):
    from minitransfer.cli import main

    grid_options = ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "1", "--no-fine-tuned",
                    "--device", "cpu", "--eval-every", "2"]
    trained = CliRunner().invoke(main, [*grid_options, "--max-iter", "2"])
    assert trained.exit_code == 0, trained.output
    result = CliRunner().invoke(main, [*grid_options, "--max-iter", "3", "--dry-run"])
    assert result.exit_code == 2 and "trained with other options than this grid asks for (--max-iter 2 -> 3)" \
        in result.output, result.output
    assert "to go on with the runs there, give the options as they were trained" in result.output, result.output
    as_told = CliRunner().invoke(main, [*grid_options, "--max-iter", "2", "--dry-run"])  # the first value of each
    assert as_told.exit_code == 0 and "4 finished, 0 to train" in as_told.output, as_told.output


def test_a_grid_mismatch_names_no_default_that_follows_from_another_option_named(tmp_path, synthetic_8):
    """--batch-size 8 left out: its eval batch size, a default that follows from it, differed too and was
    named (--eval-batch-size 8 -> 32), an option experiment does not take, so the advice to give the options
    as trained could not be followed. The option given back alone goes on with the runs."""
    from minitransfer.cli import main

    grid_options = ["experiment", "--data", synthetic_8, "-o", str(tmp_path / "g"), "--layers", "1", "--no-fine-tuned",
                    "--device", "cpu", "--eval-every", "2", "--max-iter", "2"]
    assert CliRunner().invoke(main, [*grid_options, "--batch-size", "8"]).exit_code == 0
    refused = CliRunner().invoke(main, [*grid_options, "--dry-run"])
    assert refused.exit_code == 2 and "(--batch-size 8 -> " in refused.output, refused.output
    assert "eval-batch-size" not in refused.output, refused.output
    as_told = CliRunner().invoke(main, [*grid_options, "--batch-size", "8", "--dry-run"])
    assert as_told.exit_code == 0 and "4 finished, 0 to train" in as_told.output, as_told.output


def test_an_option_given_before_and_left_out_now_is_a_mismatch_too(tmp_path, synthetic_8):
    """The runs were trained for 2 iterations; a rerun without --max-iter asks for the preset's
    default, so taking them as its own would mix two grids. Naming the default (the preset) that
    was implicit before is no change."""
    out = tmp_path / "grid"
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    trained = {"data": synthetic_8, "max_iter": 2, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs, out, trained, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    same = scheduler.run_grid(runs, out, dict(trained, preset="mini"), log=lambda line: None, poll_seconds=0.01)
    assert same.exit_code == 0 and sorted(same.skipped) == sorted(names(runs))
    left_out = {key: value for key, value in trained.items() if key != "max_iter"}
    with pytest.raises(grid_check.GridMismatch, match=r"random0/baseA.run was trained with other options .*"
                                                     r"`max_iter` 2 -> \d+"):
        scheduler.run_grid(runs, out, left_out, log=lambda line: None)


def test_a_dataset_prepared_again_under_the_same_name_is_bad_data(tmp_path):
    """The bases were trained on a dataset that was then built again in the same folder with other
    images: the grid's finished runs are not this dataset's, and no option makes them so (bad data,
    not a ``GridMismatch``; the command line's side: test_grid_data_prepared_again.py)."""
    from minitransfer.data import synthetic

    data, out = tmp_path / "data", tmp_path / "grid"
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)
    options = {"data": str(data), "max_iter": 2, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs, out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=2, overwrite=True)
    with pytest.raises(grid_check.DatasetPreparedAgain, match=rf"{data} was prepared again since .*random0/baseA.run "
                                                             r"trained on it \(sha256 of its meta.json [0-9a-f]{12} -> "
                                                             r"[0-9a-f]{12}\)") as refused:
        scheduler.run_grid(runs, out, options, log=lambda line: None)
    assert not isinstance(refused.value, grid_check.GridMismatch)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, where every write is ENOSPC")
def test_a_grid_that_fails_stops_its_running_trainings_instead_of_leaving_them(tmp_path, fake_train, monkeypatch):
    """baseA trains in one slot when starting baseB in the other fails (its train.log cannot be
    written): the error reaches the caller only after baseA was stopped as Ctrl-C stops it, so no
    training goes on behind the researcher's back. The grid runs with SIGINT ignored, as in a shell
    script's background job, which its trainings inherit: the first SIGINT reaches baseA before it
    has set its handler and is lost, so the grid must send it again. baseA trains until stopped: a
    time of 3 s was not far from the grid's resend after 1 s on a loaded machine."""
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", str(waiting.DEADLINE_SECONDS))
    runs = grid.plan_grid(layers=(1,))
    out = tmp_path / "grid"
    log = out / "random0" / "baseB.run" / "train.log"
    log.parent.mkdir(parents=True)
    log.symlink_to("/dev/full")
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with pytest.raises(fileio.StorageError, match="baseB.run/train.log") as raised:
            scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, devices=(None, None),
                               log=lambda line: None, poll_seconds=0.01)
    finally:
        signal.signal(signal.SIGINT, previous)
    # baseA has ended before the error came (its lock is free): left running, it would hold it until stopped
    assert run_lock.holder(out / "random0" / "baseA.run") is None
    assert [event["event"] for event in events(out, "random0/baseA")] == ["start", "interrupted"]
    told = raised.value.grid_outcome  # what the grid did before the error, for its caller to tell
    assert (told.finished, told.stopped, told.failed) == ([], ["random0/baseA"], [])
    assert told.not_started == names(runs[1:])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full, where every write is ENOSPC")
def test_a_grid_stopped_by_a_full_disk_still_says_which_runs_it_stopped_and_how_to_go_on(tmp_path, fake_train,
                                                                                       micro_data, monkeypatch):
    """The disk full as baseB starts, baseA training in the other slot: the grid stopped baseA and
    exited 74 on the error alone, without its end (which runs finished, were stopped, never started)
    and with "free some space and rerun", not that the rerun keeps what was done. Both are told;
    the same command, rerun once there is space, resumes baseA and trains the rest."""
    from minitransfer.cli import main

    run_grid, append_text = scheduler.run_grid, fileio.append_text
    monkeypatch.setattr(scheduler, "run_grid", lambda *args, **kwargs: run_grid(
        *args, **dict(kwargs, train_command=fake_train, devices=(None, None), poll_seconds=0.01)))
    monkeypatch.setenv("FAKE_TRAIN_SECONDS", str(waiting.DEADLINE_SECONDS))  # baseA trains until stopped
    out = tmp_path / "grid"
    log = out / "random0" / "baseB.run" / "train.log"
    log.parent.mkdir(parents=True)
    log.symlink_to("/dev/full")

    def append_once_base_a_trains(path, text, **options):  # else its stop may reach it before its handler: not started
        assert path != log or waiting.until(lambda: events(out, "random0/baseA"))
        append_text(path, text, **options)

    monkeypatch.setattr(fileio, "append_text", append_once_base_a_trains)
    arguments = ["experiment", "--data", micro_data, "-o", str(out), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu"]
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 74, result.output
    assert f"\n0 trained, 0 already done, 0 failed, 1 stopped with a checkpoint, 3 not started (a rerun trains " \
           f"them); results in {out} (minitransfer report {out})\n" in result.output, result.output
    assert re.search(rf"\nerror: cannot write {re.escape(str(log))}: No space left on device \([^)]*\); free some "
                     rf"space, then rerun the same command to finish the grid: it keeps the runs finished and "
                     rf"resumes those stopped from their checkpoints\n$", result.output), result.output
    assert "Traceback" not in result.output
    log.unlink()  # space freed
    monkeypatch.delenv("FAKE_TRAIN_SECONDS")
    rerun = CliRunner().invoke(main, arguments)
    assert rerun.exit_code == 0, rerun.output
    assert "4 trained, 0 already done, 0 failed; results in " in rerun.output
    assert [event["event"] for event in events(out, "random0/baseA")] == ["start", "interrupted", "resume", "finished"]


# ---- a grid moved or copied elsewhere -------------------------------------------------------

@pytest.fixture(scope="module")
def trained_grid(tmp_path_factory):
    """A grid trained for real on a tiny dataset (4 iterations a run): random0/baseA, baseB and the
    selffer B1B finished, the transfer A1B interrupted at iteration 2 (a checkpoint, no weights).
    Returns (grid folder, runs, options); tests work on copies of the folder."""
    from minitransfer import train as training
    from minitransfer.data import synthetic

    root = tmp_path_factory.mktemp("trained")
    data, out = root / "data", root / "grid"
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    runs = grid.plan_grid(layers=(1,), fine_tuned=False)
    assert names(runs) == ["random0/baseA", "random0/baseB", "random0/B1B", "random0/A1B"]
    options = {"data": str(data.resolve()), "max_iter": 4, "seed": 0, "device": "cpu"}
    assert scheduler.run_grid(runs[:3], out, options, log=lambda line: None, poll_seconds=0.01).exit_code == 0

    def interrupt(done):
        if done == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(training.Interrupted):
        training.train(training.TrainConfig(**grid.run_fields(runs[3], out, options), quiet=True),
                       on_iteration=interrupt)
    return out, runs, options


def _folder_bytes(folder):
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("how", ["moved", "copied", "moved-with-its-data"])
def test_a_grid_moved_or_copied_elsewhere_continues_where_it_is(trained_grid, tmp_path, how):
    """The grid folder is moved (or copied, the original kept; or moved with its dataset, both to a
    cluster's scratch) and the same experiment rerun in its new place: the finished runs are this
    grid's (the base each copied sits at the same place in it, with the sha256 it recorded; the
    dataset is the one whose fingerprint they recorded), the interrupted transfer continues from its
    checkpoint, the original is left as it was, and the report reads the grid where it is."""
    from minitransfer import checkpoint as checkpoints
    from minitransfer import results

    source, runs, options = trained_grid
    original, place = tmp_path / "grid", tmp_path / "scratch" / "grid"
    shutil.copytree(source, original)
    place.parent.mkdir()
    if how == "copied":
        shutil.copytree(original, place)
        before = _folder_bytes(original)
    else:
        original.rename(place)
    if how == "moved-with-its-data":
        shutil.copytree(options["data"], place.parent / "data")
        options = dict(options, data=str(place.parent / "data"))
    lines = []
    outcome = scheduler.run_grid(runs, place, options, log=lines.append, poll_seconds=0.01)
    assert outcome.exit_code == 0, lines
    assert outcome.finished == ["random0/A1B"] and outcome.skipped == names(runs[:3])
    assert "resuming" in (place / "random0" / "A1B.run" / "train.log").read_text()
    assert checkpoints.read_meta(place / "random0" / "A1B.h5")["source"]["checkpoint"] == \
        str(place / "random0" / "baseA.h5")
    if how == "copied":
        assert _folder_bytes(original) == before
    finished, unfinished, left_out = results.collect(place)
    assert [(r.run.name, r.run.label) for r in finished] == [  # in the report's order: bases, then selffer, transfer
        ("random0/baseA", "baseA"), ("random0/baseB", "baseB"), ("random0/B1B", "B1B"), ("random0/A1B", "A1B")]
    assert unfinished == [] and left_out == []


def test_the_dry_run_shows_an_interrupted_run_as_resumed_not_as_a_new_one(trained_grid, tmp_path):
    """A1B was interrupted at iteration 2 (a checkpoint, no result): a rerun continues it there, and
    the dry run says so; without the checkpoint it starts over ("todo"), and with one its run cannot
    read it fails ("bad checkpoint")."""
    from minitransfer.cli import main

    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu", "--dry-run"]
    checkpoint = place / "random0" / "A1B.run" / "checkpoint.h5"
    for damage, status in ((None, "resume at iteration 2"), ("truncate", "bad checkpoint"), ("remove", "todo")):
        if damage == "truncate":
            checkpoint.write_bytes(checkpoint.read_bytes()[:100])
        elif damage == "remove":
            checkpoint.unlink()
        result = CliRunner().invoke(main, arguments)
        assert result.exit_code == 0, result.output
        refused = (f"  (its train refuses to resume it, exit 65: delete {checkpoint} to train it from the "
                   f"start)") if status == "bad checkpoint" else ""
        assert f"  [{status}] random0/A1B  (after random0/baseA){refused}\n" in result.output, result.output
        assert "  [done] random0/B1B  (after random0/baseB)\n" in result.output
        resumed = ", 1 to resume" if damage is None else ""
        assert f"4 runs in {place} (3 finished{resumed}):" in result.output, result.output
    with run_lock.RunLock(place / "random0" / "A1B.run"):  # another process trains it now: the grid waits for it
        result = CliRunner().invoke(main, arguments)
    assert f"  [being trained by PID {os.getpid()}] random0/A1B  (after random0/baseA)\n" in result.output, \
        result.output


def test_the_dry_run_shows_a_checkpoint_this_user_may_not_read_without_failing(trained_grid, tmp_path, monkeypatch):
    """A run's checkpoint without read permission (as root, faked): read_meta says so as an I/O error,
    which the dry run's status, progress and checks took for a failure of the whole command."""
    import builtins

    from minitransfer.cli import main

    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    checkpoint = place / "random0" / "A1B.run" / "checkpoint.h5"
    real_open = builtins.open

    def refuse(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and pathlib.Path(file) == checkpoint:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", refuse)
    result = CliRunner().invoke(main, ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1",
                                       "--no-fine-tuned", "--max-iter", "4", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "  [checkpoint not readable now] random0/A1B  (after random0/baseA)\n" in result.output, result.output


def test_an_interrupted_run_trained_with_other_options_stops_the_grid_before_anything_runs(trained_grid, tmp_path):
    """A1B was interrupted after it had started with another seed (another experiment's run, or this
    one's with other options): continuing it would fail that run and train the rest of the grid;
    the grid, and its dry run, refuse as they refuse a finished run trained otherwise."""
    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    recorded = place / "random0" / "A1B.run" / "config.json"
    recorded.write_text(json.dumps(dict(json.loads(recorded.read_text()), seed=7)))
    with pytest.raises(grid_check.GridMismatch,
                       match=r"random0/A1B.run was trained with other options .*`seed` 7 -> \d+"):
        grid_check.check_finished(runs, place, options)
    before = _folder_bytes(place)
    with pytest.raises(grid_check.GridMismatch, match="random0/A1B.run"):
        scheduler.run_grid(runs, place, options, log=lambda line: None, poll_seconds=0.01)
    assert _folder_bytes(place) == before


def test_a_base_that_is_another_network_in_the_moved_grid_is_refused_by_the_run_and_the_dry_run(trained_grid,
                                                                                                 tmp_path):
    """In the moved grid baseB.h5 is now another network (not the sha256 that B1B recorded of the
    base it copied): B1B was not trained from it. The rerun is refused, naming the paths plainly, offering
    another output folder before deleting anything and saying what deleting loses; a dry run
    refuses it the same way instead of showing B1B done."""
    import h5py

    from minitransfer.cli import main

    source, runs, options = trained_grid
    place = tmp_path / "moved"
    shutil.copytree(source, place)
    with h5py.File(place / "random0" / "baseB.h5", "a") as f:
        f["weights/conv1/W"][0, 0, 0, 0] += 1.0
    with pytest.raises(grid_check.GridMismatch) as refused:
        scheduler.run_grid(runs, place, options, log=lambda line: None)
    message = str(refused.value)
    assert "random0/B1B.run was trained with other options" in message and "PosixPath" not in message
    paths = re.escape(f"`copy_from` '{source}/random0/baseB.h5' -> '{place}/random0/baseB.h5'")
    assert re.search(paths + r" \(another network: sha256 [0-9a-f]{12} -> [0-9a-f]{12}\)", message), message
    assert message.index("choose another output folder") < message.index("delete")
    assert "(what they trained is lost)" in message
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
                 "--max-iter", "4", "--device", "cpu"]
    for dry_run in (["--dry-run"], []):
        result = CliRunner().invoke(main, arguments + dry_run)
        as_option = message.replace("`copy_from`", "--copy-from")  # the command line names the option
        assert result.exit_code == 2 and f"error: {as_option}" in result.output, result.output
        assert "[done]" not in result.output


def test_another_grids_runs_trained_otherwise_stop_a_grid_sharing_their_folder(trained_grid, tmp_path):
    """A second grid (split seed 1) put into a folder whose first grid (split seed 0) ran for 4
    iterations asks for 5: none of its runs is the first grid's, but the folder's report would pool
    both grids' networks. Refused before anything is written, by the grid, its dry run and its SLURM
    scripts (which would skip a finished run as their own), naming the other grid's run and the
    option; the same options, another training seed (each run has its own) are one experiment."""
    from minitransfer.cli import main

    source, runs, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    # A1B, interrupted by train itself, has no treatment.json: one trained by hand (tests/test_grid_hand_trained.py)
    (grid.run_dir(place, runs[3]) / grid.TREATMENT_FILE).write_text(json.dumps(runs[3].to_json()))
    second = grid.plan_grid(random_seeds=(1,), layers=(1,), fine_tuned=False)
    before = _folder_bytes(place)
    with pytest.raises(grid_check.GridMismatch, match=r"random0/A1B.run, a run of another grid in .* "
                                                     r"\(`max_iter` 4 -> 5\): the report of .* would pool"):
        scheduler.run_grid(second, place, dict(options, max_iter=5), log=lambda line: None, poll_seconds=0.01)
    assert _folder_bytes(place) == before
    grid_check.check_others(second, place, dict(options, seed=9))  # another training seed: no mix
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1", "--no-fine-tuned",
                 "--device", "cpu", "--split-seed", "1"]
    for extra in (["--dry-run"], ["--emit-slurm", str(tmp_path / "slurm")]):
        refused = CliRunner().invoke(main, arguments + ["--max-iter", "5"] + extra)
        assert refused.exit_code == 2 and "a run of another grid" in refused.output, refused.output
        assert "(--max-iter 4 -> 5)" in refused.output and "Traceback" not in refused.output, refused.output
        assert _folder_bytes(place) == before and not (tmp_path / "slurm").exists()
        same = CliRunner().invoke(main, arguments + ["--max-iter", "4", "--seed", "9"] + extra)
        assert same.exit_code == 0, same.output
    assert (tmp_path / "slurm").is_dir()
    first = json.loads((source / "experiment.json").read_text())["runs"]
    assert scheduler.run_grid(second, place, dict(options, seed=9), log=lambda line: None,
                              poll_seconds=0.01).exit_code == 0
    listed = [record["name"] for record in json.loads((place / "experiment.json").read_text())["runs"]]
    assert listed == names(second) + [record["name"] for record in first]  # the earlier grid's runs stay listed


# ---- the grid at scale: no poll slept through, no step of a large grid silent -------------------

def test_waiting_for_the_runs_wakes_when_a_train_process_ends_not_after_the_poll(monkeypatch):
    """A run started with Popen (a GPU slot, another train command) was waited for with a plain sleep
    of the poll: every run of the grid started up to 0.2 s after the one before it ended."""
    from minitransfer import launcher

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # ended, not yet taken note of
    monkeypatch.setattr(launcher.time, "sleep", lambda seconds: pytest.fail(f"slept {seconds} s"))
    launcher.wait_any([process], 600)
    assert process.wait() == 0


def test_a_rerun_writes_none_of_the_plan_it_left_as_it_is(tmp_path, monkeypatch):
    """Each rerun of a finished grid wrote (and synced) every run's treatment.json again: 2,900
    fsyncs for 1450 runs before it said they were all done."""
    runs, out = grid.plan_grid(layers=(1, 2)), tmp_path / "grid"
    grid_plan_file.write_plan(out, runs, OPTIONS, ["train"])
    written = []
    monkeypatch.setattr(fileio, "write_bytes", lambda path, data: written.append(path))
    grid_plan_file.write_plan(out, runs, OPTIONS, ["train"])
    assert written == []


def _finished_fakes(out, runs):
    for run in runs:
        run_dir = grid.run_dir(out, run)
        run_dir.mkdir(parents=True, exist_ok=True)
        grid.weights_path(out, run.name).write_text("weights")
        (run_dir / "result.json").write_text(json.dumps(A_RESULT))


def test_the_checks_and_the_plan_of_a_large_grid_say_how_far_they_have_got(tmp_path, fake_train, monkeypatch):
    """Before its first run a grid checks every run its folder holds (hashing each base's weights)
    and writes every run's treatment.json: with a thousand runs that took long without a word."""
    monkeypatch.setattr(grid, "PROGRESS_SECONDS", 0)  # a line for every run
    runs, out = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False), tmp_path / "grid"
    _finished_fakes(out, runs[:2])
    _finished_fakes(out, grid.plan_grid(random_seeds=(1,), layers=(1,), fine_tuned=False, selffer=False))
    for run in grid.plan_grid(random_seeds=(1,), layers=(1,), fine_tuned=False, selffer=False):  # another grid's
        (grid.run_dir(out, run) / grid.TREATMENT_FILE).write_text(json.dumps(run.to_json()))
    said, lines = [], []
    outcome = scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, log=lines.append, poll_seconds=0.01,
                                 progress=said.append)
    assert outcome.exit_code == 0 and outcome.finished == [runs[2].name]
    assert said == [f"checking the runs {out} holds: {index} of 3 runs" for index in range(3)] + [
        f"checking the other runs {out} holds: {index} of 3 runs" for index in range(3)] + [
        f"writing the plan into {out}: {index} of 3 runs" for index in range(3)]
    assert not any(line.startswith(("checking", "writing")) for line in lines)  # said apart from the grid's lines


def test_the_dry_run_says_how_far_its_checks_have_got_on_stderr(tmp_path, synthetic_8, monkeypatch):
    """Its plan on stdout is what `--dry-run > plan.txt` keeps: the progress goes to stderr."""
    from minitransfer.cli.experiment import experiment

    monkeypatch.setattr(grid, "PROGRESS_SECONDS", 0)
    result = CliRunner().invoke(experiment, ["--data", str(synthetic_8), "-o", str(tmp_path / "grid"), "--layers",
                                             "2", "--device", "cpu", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"checking the runs {tmp_path / 'grid'} holds: 5 of 6 runs" in result.stderr
    assert "checking" not in result.stdout and "6 runs in" in result.stdout


def _hashed(monkeypatch):
    """How many times each file is read whole to hash it, by file name, from now on in this process."""
    import collections

    counts, sha256_stream = collections.Counter(), fileio.sha256_stream

    def counted(handle, *args, **kwargs):
        counts[pathlib.Path(handle.name).name] += 1
        return sha256_stream(handle, *args, **kwargs)

    monkeypatch.setattr(fileio, "sha256_stream", counted)
    checkpoint_identity._file_sha256.cache_clear()
    return counts


def test_the_checks_before_a_grid_trust_each_bases_recorded_sha256_and_hash_a_base_at_most_once(
        trained_grid, tmp_path, monkeypatch):
    """Each finished or started transfer is checked against its base's sha256, and each check hashed
    the base's weights file (a CaffeNet base: 244 MB; the paper's grid has ~40 bases) on every run, rerun,
    dry run and SLURM emit of the grid. The digest train recorded in the base's result.json is used while
    the file keeps the size and mtime it was written with; a base without that record (trained before
    it was kept) or touched since is hashed once per process, however many transfers copied it."""
    from minitransfer.cli import main

    source, _, options = trained_grid
    place = tmp_path / "grid"
    shutil.copytree(source, place)
    runs = grid.plan_grid(layers=(1, 2), fine_tuned=False, both_directions=True)
    rest = [run for run in runs if run.name != "random0/A1B"]  # A1B stays interrupted: a started transfer
    assert scheduler.run_grid(rest, place, options, log=lambda line: None, poll_seconds=0.01).finished == names(
        [run for run in rest if run.parent and run.name != "random0/B1B"])
    arguments = ["experiment", "--data", options["data"], "-o", str(place), "--layers", "1,2", "--no-fine-tuned",
                 "--both-directions", "--max-iter", "4", "--device", "cpu"]
    base_a, base_b = place / "random0" / "baseA.h5", place / "random0" / "baseB.h5"
    hashed = _hashed(monkeypatch)
    result = CliRunner().invoke(main, arguments + ["--dry-run"])
    assert result.exit_code == 0 and "[resume at iteration 2] random0/A1B" in result.output, result.output
    assert hashed["baseA.h5"] == hashed["baseB.h5"] == 0
    result_a = base_a.with_suffix(".run") / "result.json"  # as train wrote it before it kept the record
    result_a.write_text(json.dumps({key: value for key, value in json.loads(result_a.read_text()).items()
                                    if key != "weights"}))
    touched = os.stat(base_b).st_mtime_ns + 10 ** 9
    os.utime(base_b, ns=(touched, touched))  # same bytes, another mtime: the record no longer holds
    hashed = _hashed(monkeypatch)
    result = CliRunner().invoke(main, arguments + ["--emit-slurm", str(tmp_path / "slurm")])
    assert result.exit_code == 0, result.output
    assert hashed["baseA.h5"] == hashed["baseB.h5"] == 1


def test_a_base_replaced_by_another_file_of_the_same_size_and_mtime_is_hashed_again(tmp_path):
    """The digests a process keeps are keyed by the file's device and inode too: a base replaced
    (renamed over) by another network of the same size and modification time (a coarse clock, or
    times kept as it was copied) is read again, not taken for the one hashed before."""
    base, other = tmp_path / "baseA.h5", tmp_path / "other.h5"
    base.write_bytes(b"first network")
    assert grid_trained.weights_sha256(base) == fileio.sha256_file(base)
    other.write_bytes(b"other network")
    modified = os.stat(base).st_mtime_ns
    os.utime(other, ns=(modified, modified))
    os.replace(other, base)
    assert grid_trained.weights_sha256(base) == fileio.sha256_file(base)

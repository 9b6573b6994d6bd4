"""The grid and report functions called from a notebook with arguments of the wrong kind: each is a
``ConfigError`` naming the argument and what to give, raised before anything is written (before, a
raw TypeError or AttributeError, or worse, taken and trained: an option setting every run's half)."""

import pathlib

import numpy as np
import pytest

from minitransfer import checkpoint as checkpoints
from minitransfer import config, grid_options, report, scheduler
from minitransfer import experiment as grid
from minitransfer.grid_processes import TrainProcesses
from test_experiment import OPTIONS, events, fake_train  # noqa: F401 (a fixture)

RUNS = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, A1B


def _refused(runs, out, options, fake_train, match):
    """run_grid refuses its arguments with a ConfigError matching ``match``, writing nothing (the
    test's folder holds only the fake train)."""
    with pytest.raises(config.ConfigError, match=match):
        scheduler.run_grid(runs, out, options, train_command=fake_train, log=lambda line: None, poll_seconds=0.01)
    assert [path.name for path in pathlib.Path(fake_train[1]).parent.iterdir()] == ["fake_train.py"]


@pytest.mark.parametrize("name, value", [
    ("half", "A"), ("split", "natural"), ("split_seed", 3), ("copy_from", "other.h5"), ("n", 2), ("frozen", False),
    ("random_frozen", 1), ("per_class", 5), ("out", "net.h5"), ("resume", "auto"),
])
def test_an_option_each_run_sets_itself_is_refused_by_name(tmp_path, fake_train, name, value):  # noqa: F811
    """`{"half": "A"}` trained baseB and A1B on half A (the options replaced each run's own fields)."""
    _refused(RUNS, tmp_path / "grid", {**OPTIONS, name: value}, fake_train,
             f"^`{name}` is set by each run of the grid \\(")


def test_an_own_field_among_the_all_classes_options_is_refused(tmp_path, fake_train):  # noqa: F811
    runs = grid.plan_grid(layers=(), random_seeds=(), per_class=(4,))
    _refused(runs, tmp_path / "grid", {**OPTIONS, grid_options.ALL_CLASSES: {"per_class": 8}}, fake_train,
             "^`per_class` is set by each run of the grid .*give plan_grid's per_class$")


@pytest.mark.parametrize("name, match", [
    ("max_iters", "^`options`: `max_iters` is not a field of a grid's runs; did you mean `max_iter`\\?$"),
    ("colour", "^`options`: `colour` is not a field of a grid's runs; its fields are those of TrainConfig$"),
])
def test_an_unknown_option_is_refused_naming_the_nearest_field(tmp_path, fake_train, name, match):  # noqa: F811
    """Before, trained with the option passed on as --max-iters (a TypeError with train's own command)."""
    _refused(RUNS, tmp_path / "grid", {**OPTIONS, name: 5}, fake_train, match)


@pytest.mark.parametrize("runs, out, options, match", [
    (RUNS, "grid", None, "^`options` must be a dict of configuration fields .* got NoneType$"),
    (RUNS, None, OPTIONS, "^`out` must be a path .* got None$"),
    (RUNS, "grid", {**OPTIONS, "data": 3}, "^`data` must be a path .* got int$"),
    ("random0/baseA", "grid", OPTIONS, "^`runs` must be the list of runs plan_grid returns, got str$"),
    ([run.name for run in RUNS], "grid", OPTIONS, "^`runs` must be .*, got a list holding str$"),
], ids=["options-none", "out-none", "data-int", "runs-str", "runs-names"])
def test_run_grid_arguments_of_the_wrong_kind_are_named(
        tmp_path, monkeypatch, fake_train, runs, out, options, match):  # noqa: F811
    monkeypatch.chdir(tmp_path)
    _refused(runs, out, options, fake_train, match)


@pytest.mark.parametrize("arguments, match", [
    ({"runs": []}, "^`runs` is empty: plan_grid planned no run; give it a split .*$"),
    ({"runs": RUNS + RUNS[:1]}, "^`runs` holds random0/baseA twice: give each run once .*$"),
    ({"devices": ()}, "^`devices` must be a list of slots, each None \\(a CPU slot\\) or a GPU id .*, got an empty "
                      "tuple$"),
    ({"devices": None}, "^`devices` must be a list of slots, .* got NoneType$"),
    ({"devices": "0,1"}, "^`devices` must be a list of slots, .* got str$"),
    ({"devices": 0}, "^`devices` must be a list of slots, .* got int$"),
    ({"devices": (0, -1)}, "^`devices` must be a list of slots, .* got a tuple holding -1$"),
    ({"devices": [True]}, "^`devices` must be a list of slots, .* got a list holding True$"),
    ({"devices": ["cuda"]}, "^`devices` must be a list of slots, .* got a list holding 'cuda'$"),
    ({"train_command": "python train.py"}, "^`train_command` must be a list of the command's words .*, got str$"),
    ({"train_command": []}, "^`train_command` must be a list of the command's words .*, got an empty list$"),
    ({"train_command": ["python", 3]}, "^`train_command` must be .*, got a list holding 3$"),
    ({"log": "grid.log"}, "^`log` must be a function taking a line of text \\(e.g. print\\), got 'grid.log'$"),
    ({"log": None}, "^`log` must be a function taking a line of text \\(e.g. print\\), got None$"),
    ({"progress": True}, "^`progress` must be a function taking a line of text \\(e.g. print\\), or None, got True$"),
    ({"poll_seconds": 0}, "^`poll_seconds` must be a number of seconds above 0 \\(e.g. 0.2\\), got 0$"),
    ({"poll_seconds": -1.0}, "^`poll_seconds` must be a number of seconds above 0 .*, got -1.0$"),
    ({"poll_seconds": float("nan")}, "^`poll_seconds` must be .*, got nan$"),
    ({"poll_seconds": float("inf")}, "^`poll_seconds` must be .*, got inf$"),
    ({"poll_seconds": "0.2"}, "^`poll_seconds` must be .*, got '0.2'$"),
    ({"poll_seconds": True}, "^`poll_seconds` must be .*, got True$"),
], ids=["runs-empty", "runs-twice", "devices-empty", "devices-none", "devices-text", "devices-int",
        "devices-negative", "devices-bool", "devices-word", "command-text", "command-empty", "command-int",
        "log-text", "log-none", "progress-bool", "poll-zero", "poll-negative", "poll-nan", "poll-inf", "poll-text",
        "poll-bool"])
def test_run_grid_scheduling_arguments_of_the_wrong_kind_are_named(
        tmp_path, fake_train, arguments, match):  # noqa: F811
    """Before: an empty `runs` wrote an empty plan and "finished"; `devices=()` planned and wrote the
    grid, then waited for ever with no slot; a text command ran its letters; `log="grid.log"`, a
    bool `progress` or a text `poll_seconds` failed mid-grid with a TypeError; a `poll_seconds` of 0
    or NaN polled without pause."""
    arguments = {"train_command": fake_train, "log": lambda line: None, "poll_seconds": 0.01, **arguments}
    runs = arguments.pop("runs", RUNS)
    with pytest.raises(config.ConfigError, match=match):
        scheduler.run_grid(runs, tmp_path / "grid", OPTIONS, **arguments)
    assert [path.name for path in tmp_path.iterdir()] == ["fake_train.py"]


@pytest.mark.parametrize("devices", [(None, None), [np.int64(0)], ("0", "GPU-8f6c2d1e")],
                         ids=["cpu-slots", "numpy-index", "texts"])
def test_the_slots_run_grid_takes_reach_the_processes(tmp_path, monkeypatch, fake_train, devices):  # noqa: F811
    """What the devices check lets through trains, each run on one of the slots given (a GPU id as
    the run's CUDA_VISIBLE_DEVICES)."""
    seen = []
    start = TrainProcesses.start
    monkeypatch.setattr(TrainProcesses, "start", lambda self, slot, device, *rest: seen.append(device) or
                        start(self, slot, None, *rest))
    outcome = scheduler.run_grid(RUNS, tmp_path / "grid", {**OPTIONS, "device": "auto"}, train_command=fake_train,
                                 devices=devices, log=lambda line: None, poll_seconds=0.01)
    assert sorted(outcome.finished) == sorted(run.name for run in RUNS)
    assert set(seen) <= set(devices) and len(seen) == len(RUNS)
    assert all(type(device) in (type(None), int, str) for device in seen)


@pytest.mark.parametrize("device, devices, match", [
    ("cuda", (None, None), "^options\\['device'\\] is 'cuda', but `devices` \\(None, None\\) gives CPU slots "
                           "\\(None\\): "
                           "give devices GPU ids, e.g. \\(0, 1\\), or options\\['device'\\] 'cpu' \\(or 'auto'\\)$"),
    ("cpu", ("0", "1"), "^options\\['device'\\] is 'cpu', but `devices` \\('0', '1'\\) gives GPUs: give devices CPU "
                        "slots, e.g. \\(None, None\\), or options\\['device'\\] 'cuda' \\(or 'auto'\\)$"),
    ("auto", (None, 0), "^`devices` \\(None, 0\\) mixes CPU slots \\(None\\) and GPUs, but a grid's runs share one "
                        "device"),
    ("gpu", (None,), "^options\\['device'\\] must be one of auto, cpu, cuda, got 'gpu'$"),
], ids=["cuda-on-cpu-slots", "cpu-on-gpus", "mixed", "unknown"])
def test_a_device_the_slots_contradict_is_refused_naming_both(
        tmp_path, fake_train, device, devices, match):  # noqa: F811
    """Before, taken: "cuda" with CPU slots trained every run on the GPUs the grid sees, whichever
    slot it had (two at once on one GPU); "cpu" with GPU slots left the GPUs idle; mixed slots with
    "auto" trained a CPU slot's run on a visible GPU."""
    with pytest.raises(config.ConfigError, match=match):
        scheduler.run_grid(RUNS, tmp_path / "grid", {**OPTIONS, "device": device}, train_command=fake_train,
                           devices=devices, log=lambda line: None, poll_seconds=0.01)
    assert [path.name for path in tmp_path.iterdir()] == ["fake_train.py"]


@pytest.mark.parametrize("devices, device", [((None, None), "cpu"), (("3",), "cuda")], ids=["cpu-slots", "gpu"])
@pytest.mark.parametrize("given", [{"device": "auto"}, {}], ids=["auto", "left-out"])
def test_an_automatic_device_is_that_of_the_slots(tmp_path, fake_train, devices, device, given):  # noqa: F811
    """As --device auto does on the command line: each run trains where its slot is (before, "auto"
    went to each run, which took a GPU it saw although given a CPU slot)."""
    options = {**{key: value for key, value in OPTIONS.items() if key != "device"}, **given}
    outcome = scheduler.run_grid(RUNS, tmp_path / "grid", options, train_command=fake_train, devices=devices,
                                 log=lambda line: None, poll_seconds=0.01)
    assert sorted(outcome.finished) == sorted(run.name for run in RUNS)
    for run in RUNS:
        arguments = events(tmp_path / "grid", run.name)[0]["args"]
        assert arguments[arguments.index("--device") + 1] == device, arguments
    assert options == {**{key: value for key, value in OPTIONS.items() if key != "device"}, **given}  # not changed


def test_a_grid_of_a_tuple_of_runs_with_shared_options_trains(tmp_path, fake_train):  # noqa: F811
    """What the checks let through still trains: plan_grid's runs as a tuple, every option shared."""
    outcome = scheduler.run_grid(tuple(RUNS), tmp_path / "grid", OPTIONS, train_command=fake_train,
                                 log=lambda line: None, poll_seconds=0.01)
    assert (sorted(outcome.finished), outcome.failed) == (sorted(run.name for run in RUNS), [])


@pytest.mark.parametrize("flag", ["natural", "both_directions", "frozen", "fine_tuned", "selffer", "cross",
                                  "selffer_fine_tuned"])
def test_plan_grid_refuses_a_flag_that_is_not_a_bool(flag):
    """`frozen="no"` was taken as true."""
    with pytest.raises(config.ConfigError, match=f"^plan_grid: `{flag}` must be True or False, got 'no'$"):
        grid.plan_grid(**{flag: "no"})


@pytest.mark.parametrize("arguments, match", [
    ({"frozen": False, "fine_tuned": False}, "at least one of frozen and fine_tuned must be planned$"),
    ({"replicates": 0}, "replicates must be >= 1, got 0$"),
    ({"layers": None}, "layers must be a sequence of integers, each 1 or more, got None$"),
    ({"random_seeds": (4, 4)}, "random_seeds repeat split seed 4$"),
    ({"layers": (1, 2), "reverse_layers": (3,)}, "reverse_layers \\(3,\\) must be among the layers \\(1, 2\\)$"),
    ({"claim_seeds": (0,)}, "claim_seeds \\(0,\\) overlap the random_seeds \\(0,\\)$"),
], ids=["nothing-planned", "replicates-0", "layers-none", "seed-twice", "reverse-outside", "claims-overlap"])
def test_plan_grid_arguments_it_cannot_plan_are_the_error_run_grid_raises(arguments, match):
    """A notebook catching run_grid's ConfigError for its bad arguments missed plan_grid's, a plain
    ValueError for all but its flags; still a ValueError, as before."""
    with pytest.raises(config.ConfigError, match="^plan_grid: " + match) as refused:
        grid.plan_grid(**arguments)
    assert isinstance(refused.value, ValueError)


def test_plan_grid_takes_numpy_bools_as_bools():
    assert grid.plan_grid(frozen=np.bool_(True), fine_tuned=np.bool_(False)) == grid.plan_grid(fine_tuned=False)


@pytest.mark.parametrize("arguments, match", [
    ({"runs_dir": None}, "^`runs_dir` must be a path .* got None$"),
    ({"out_dir": 3}, "^`out_dir` must be a path .* got int$"),
    ({"figures": "no"}, "^`figures` must be True or False, got 'no'$"),
    ({"reference": "nope"}, "^`reference` must be 'paper' .* or a TSV file of runs .*, got 'nope' \\(no such file\\)$"),
    ({"reference": "."}, "^`reference` must be 'paper' .*, got '.' \\(a folder\\)$"),
    ({"reference": 3}, "^`reference` must be 'paper' .*, got 3 \\(int\\)$"),
], ids=["runs-dir-none", "out-dir-int", "figures-text", "reference-missing", "reference-folder", "reference-int"])
def test_write_report_arguments_of_the_wrong_kind_are_named(tmp_path, monkeypatch, arguments, match):
    """Before: a TypeError, or NoRuns / FileNotFoundError reading the folder, not the argument."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(config.ConfigError, match=match):
        report.write_report(**{"runs_dir": tmp_path, **arguments})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path, got", [(None, "None"), (3, "int")], ids=["none", "int"])
def test_checkpoint_load_names_a_path_of_the_wrong_kind(path, got):
    with pytest.raises(config.ConfigError, match=f"^`path` must be a path .* got {got}$"):
        checkpoints.load(path)

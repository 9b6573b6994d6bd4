"""A schedule this version refuses (its rate stepped below float32's normal numbers), told in the words of the
command the user ran: ``experiment`` has no --gamma, yet its refusal advised "give a larger --gamma"; a grid that
0.7.0 (which refused no schedule) began and left between its two bases was refused its untrained base with advice
that the grid's folder then refuses (other options than its runs'); ``info`` of such a run printed "made again by"
a command that this version refuses, without a word; and a run whose checkpoint records a rate 0.7.0 took and
float32 cannot hold (weight_decay 1e-40) was refused on resume as "damaged", though its record is intact.

And a report read a base's result.json three times (its accuracies, its weights' digests, "Made from"), a
transfer's twice, and judged each base against chance three times (findings, warnings, Table 1): now once each
per report, nothing kept between two."""

import json
import shlex

import h5py
import pytest
from click.testing import CliRunner
from counting import opens_of
from fake_results import finished_grid, finished_result
from interrupting import interrupted_after

from minitransfer import hdf5_files, optim, report, run_facts, run_file_readers, rundir
from minitransfer import train as training
from minitransfer.cli import main

GRID = ["--layers", "1", "--no-fine-tuned", "--preset", "micro", "--max-iter", "40", "--stepsize", "1",
        "--batch-size", "4", "--device", "cpu"]  # 0.01 · 0.1^39: 0 in float32


def test_experiment_s_refusal_names_only_its_own_options(micro_data, tmp_path):
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "grid"), *GRID,
                                       "--dry-run"])
    assert result.exit_code == 2 and "steps the learning rate below" in result.output, result.output
    assert "--gamma" not in result.output, result.output  # no option of experiment's
    assert "gamma 0.1 steps" in result.output and "give a larger --stepsize, or a smaller --max-iter" in result.output


def test_the_library_s_advice_is_the_caller_s():
    with pytest.raises(optim.ScheduleError, match=r"`gamma` 0.1 .* give a larger `gamma` or `stepsize`, or a "):
        optim.run_solver(max_iter=40, stepsize=1)
    with optim.schedule_set_by({"stepsize": 1, "max_iter": 40, "base_lr": None}):
        with pytest.raises(optim.ScheduleError, match=r"solver: gamma 0.1 .*: give a larger `stepsize`, or a "
                                                      r"smaller `max_iter`$"):
            optim.run_solver(max_iter=40, stepsize=1)
    with optim.schedule_set_by(()), pytest.raises(optim.ScheduleError, match=r"= 1e-38\)$"):
        optim.run_solver(max_iter=40, stepsize=1)


@pytest.fixture
def grid_070_stopped_between_its_bases(micro_data, tmp_path, monkeypatch):
    """A grid of the refused schedule whose baseA 0.7.0 trained (its solver checked no schedule), baseB not."""
    monkeypatch.setattr(optim, "run_solver", optim.Solver)
    out = str(tmp_path / "grid")
    planned = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *GRID, "--dry-run"])
    bases = [shlex.split(line)[1:] for line in planned.output.splitlines()
             if line.startswith("      ") and " train " in line and "--copy-from" not in line]
    assert len(bases) == 2, planned.output
    trained = CliRunner().invoke(main, [*bases[0], "--quiet"])
    assert trained.exit_code == 0, trained.output
    monkeypatch.undo()
    return out


def test_a_070_grid_s_untrained_base_is_refused_saying_what_becomes_of_the_grid(micro_data,
                                                                                grid_070_stopped_between_its_bases):
    out = grid_070_stopped_between_its_bases
    result = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", out, *GRID])
    assert result.exit_code == 2, result.output
    assert "run random0/baseB" in result.output and "--gamma" not in result.output, result.output
    assert "random0/baseA.run" in result.output and "kept, resumed and reported as they are" in result.output
    assert "finish the grid with the version that began it, or train the grid anew in another folder (-o)" in \
        " ".join(result.output.split()), result.output


def test_info_says_that_made_again_by_is_refused_for_a_new_network(grid_070_stopped_between_its_bases):
    result = CliRunner().invoke(main, ["info", f"{grid_070_stopped_between_its_bases}/random0/baseA.run"])
    assert result.exit_code == 0, result.output
    made = next(line for line in result.output.splitlines() if line.startswith("made again by: "))
    assert "--gamma 0.1 --stepsize 1 --max-iter 40" in made, made
    assert "(which this version refuses for a new network: --gamma 0.1 steps the learning rate below" in made, made
    assert "the run itself is kept, reported and resumed as it is)" in made, made


def test_a_run_recording_a_rate_float32_cannot_hold_is_refused_as_such_not_as_damaged(micro_data, tmp_path):
    interrupted_after(training.TrainConfig(out=str(tmp_path / "net.h5"), data=micro_data, batch_size=8, max_iter=4,
                                           eval_every=2, checkpoint_every=2, device="cpu", quiet=True), 2)
    checkpoint = tmp_path / "net.run" / "checkpoint.h5"
    with h5py.File(checkpoint, "r+") as f:  # as 0.7.0 recorded a --weight-decay 1e-40 it took
        f.attrs["config"] = hdf5_files.text_attribute(json.dumps({**json.loads(f.attrs["config"]),
                                                                  "weight_decay": 1e-40}))
    recorded = tmp_path / "net.run" / "config.json"
    recorded.write_text(json.dumps({**json.loads(recorded.read_text()), "weight_decay": 1e-40}))
    result = CliRunner().invoke(main, ["train", "--resume", str(tmp_path / "net.run"), "--device", "cpu"])
    said = " ".join(result.output.split())
    assert result.exit_code == 65 and "Traceback" not in result.output, result.output
    assert "damaged:" not in said, said
    assert "holds weight_decay 1e-40, which this version refuses: weight_decay must be 0 or >= 1.175e-38" in said
    assert "continue it with the version that trained it, or train it again with a --weight-decay" in said, said


def opened(monkeypatch, out):
    """{result.json of a run of the grid ``out``: the names it is opened by from now on}."""
    return {str(path): opens_of(monkeypatch, path) for path in sorted(out.rglob(rundir.RESULT_FILE))}


def test_a_report_reads_each_result_json_once(tmp_path, monkeypatch):
    out = finished_grid(tmp_path / "grid", layers=(1, 3))
    opens = opened(monkeypatch, out)
    report.write_report(out, tmp_path / "report", figures=False)
    times = {path: len(names) for path, names in opens.items()}
    assert len(times) == 10 and set(times.values()) == {1}, opens  # bases were read 3 times, transfers twice


def test_nothing_read_is_kept_between_two_reports(tmp_path, monkeypatch):
    out = finished_grid(tmp_path / "grid", layers=(1, 3))
    result = out / "random0" / "A1B.run" / "result.json"
    opens = opened(monkeypatch, out)
    report.write_report(out, tmp_path / "report", figures=False)
    result.write_text(json.dumps(finished_result(top1=0.25)))
    written = opens[str(result)].pop()  # an open to write, not to read
    again = report.write_report(out, tmp_path / "report", figures=False)
    assert {r.run.name: r.final_top1 for r in again.results}["random0/A1B"] == 0.25
    times = {path: len(names) for path, names in opens.items()}
    assert written == result and len(times) == 10 and set(times.values()) == {2}, opens
    run_file_readers.read_json(result, dict)  # a library call outside a report reads the file as it is
    assert len(opens[str(result)]) == 3


def test_a_report_judges_each_base_against_chance_once(tmp_path, monkeypatch):
    out = finished_grid(tmp_path / "grid", layers=(1, 3))
    bands = []  # of each base judged: the fakes' accuracy is far above chance, whose band nothing else asks then
    band = run_facts.chance_band
    monkeypatch.setattr(run_facts, "chance_band", lambda chance, images: bands.append(images) or band(chance, images))
    report.write_report(out, tmp_path / "report", figures=False)
    assert bands == [1000, 1000], bands  # each base once for the findings, the warnings and Table 1 each

"""A figure's point drawn of fewer networks than were trained says which are missing: three split seeds, one
A7B diverged (left out by the report) and one without an evaluation (NaN), drew AnB at n=7 as "mean of 1 to 3
networks per n" with nothing to say that two of its three seeds were missing, nor why. Every figure of networks
now says under it the networks of its own it did not draw and the runs left out of every figure. The oracle
counts the missing networks from the plan, apart from the code."""

import json
import math

import pytest

from minitransfer import experiment as grid
from minitransfer import figures, report
from minitransfer.results import Result
from test_report import write_run

matplotlib_figure = pytest.importorskip("matplotlib.figure")
Figure = matplotlib_figure.Figure

DIVERGED, UNSCORED = "random2/A7B", "random1/A7B"
LEFT_OUT = [f"{DIVERGED}: training diverged: loss became nan at iteration 5 (lr 1000); no result"]


def planned():
    return grid.plan_grid(random_seeds=(0, 1, 2), layers=(1, 7), natural=True)


def accuracy(run):
    return 0.5 - 0.02 * run.n + 0.01 * run.split_seed


def results_of(runs):
    kept = []
    for run in runs:
        if run.name == DIVERGED:
            continue
        value = math.nan if run.name == UNSCORED else accuracy(run)
        kept.append(Result(run, value, value, value, 0 if math.isnan(value) else 30))
    return kept


def note_of(figure):
    return " ".join(figure.get_supxlabel().split())


def test_figure2_says_the_networks_it_did_not_draw():
    runs = planned()
    drawn = figures.draw_all(Figure, results_of(runs), left_out=LEFT_OUT)
    note = note_of(drawn["figure2"])
    random_a7b = [r.name for r in runs if r.split == "random" and r.treatment == "AnB" and r.n == 7]
    missing = [name for name in random_a7b if name in (DIVERGED, UNSCORED)]
    assert len(random_a7b) == 3 and len(missing) == 2  # the oracle: two of the three seeds' A7B are not drawn
    assert f"1 network without an evaluation ({UNSCORED})" in note
    assert f"1 run that diverged ({DIVERGED})" in note
    assert "the runs left out are in no figure (results.md says why)" in note


def test_a_figure_of_other_runs_names_only_the_runs_left_out_of_every_figure():
    drawn = figures.draw_all(Figure, results_of(planned()), left_out=LEFT_OUT)
    note = note_of(drawn["figure3"])  # the natural split's panel and the random split's AnB below
    assert f"1 network without an evaluation ({UNSCORED})" in note  # its bottom panel draws the random AnB
    assert f"1 run that diverged ({DIVERGED})" in note


def test_a_figure_with_every_network_drawn_says_nothing():
    runs = [run for run in planned() if run.name not in (DIVERGED, UNSCORED)]
    drawn = figures.draw_all(Figure, results_of(runs))
    assert note_of(drawn["figure2"]) == "" and note_of(drawn["figure3"]) == ""


def test_the_report_hands_its_runs_left_out_to_the_figures(tmp_path, monkeypatch):
    out = tmp_path / "grid"
    for run in planned():
        if run.name == DIVERGED:
            folder = grid.run_dir(out, run)
            folder.mkdir(parents=True)
            (folder / "treatment.json").write_text(json.dumps(run.to_json()))
            (folder / "metrics.jsonl").write_text(json.dumps({"event": "diverged", "iteration": 5,
                                                              "message": "loss became nan at iteration 5"}) + "\n")
        else:
            write_run(out, run, accuracy(run))
    kept, draw_all = {}, figures.draw_all
    monkeypatch.setattr(figures, "draw_all", lambda *args, **options: kept.update(draw_all(*args, **options)) or kept)
    report.write_report(out, tmp_path / "report")
    assert f"1 run that diverged ({DIVERGED})" in note_of(kept["figure2"])

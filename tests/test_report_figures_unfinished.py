"""The report names its unfinished runs under the figures (figures_left_out, given by report.write_report): a grid
whose BnB runs are not finished drew Figure 2's AnB alone, nothing under it saying the BnB were missing."""

import json

import pytest

from minitransfer import experiment as grid
from minitransfer import figures, report
from fake_results import finished_grid


@pytest.mark.usefixtures("placeholder_figures")
def test_the_figures_name_the_runs_not_finished(tmp_path, monkeypatch):
    out = finished_grid(tmp_path / "grid", (1, 7), accuracy={"baseA": 0.6, "baseB": 0.6, "A1B": 0.6, "A7B": 0.5})
    for name in ("random0/B1B", "random0/B7B"):  # started, not finished: a treatment, a log, no result
        run = next(run for run in grid.plan_grid(layers=(1, 7)) if run.name == name)
        folder = grid.run_dir(out, run)
        folder.mkdir(parents=True)
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        (folder / "train.log").write_text("")
    drawn = {}
    draw_all = figures.draw_all
    monkeypatch.setattr(figures, "draw_all", lambda *args, **kwargs: drawn.update(draw_all(*args, **kwargs)) or drawn)
    report.write_report(out, tmp_path / "report")
    notes = [text.get_text() for text in drawn["figure2"].texts]
    assert any("random0/B1B" in note and "random0/B7B" in note and "not finished" in note for note in notes), notes

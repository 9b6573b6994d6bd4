"""The report's bases (:class:`minitransfer.comparisons.Bases`) built once for its findings, Table 1
and its figures: the figures drew their relative panels from bases built again for each panel."""

import pytest

from minitransfer import comparisons, figures, report
from minitransfer.results import collect, read_reference
from test_report import write_runs


def panel_points(figure):
    """Every line's points of every panel of ``figure``, as drawn."""
    return repr([[line.get_xydata().tolist() for line in axes.lines] for axes in figure.axes])


@pytest.mark.usefixtures("placeholder_figures")
@pytest.mark.parametrize("reference", [None, "paper"], ids=["own-runs", "with-paper"])
def test_the_figures_take_the_reports_bases_and_draw_as_from_bases_built_afresh(tmp_path, monkeypatch, reference):
    Figure = figures.figure_class()
    runs_dir = write_runs(tmp_path / "grid")
    fresh = collect(runs_dir)[0]
    paper = read_reference(reference) if reference else None
    expected = {name: panel_points(figure) for name, figure in figures.draw_all(Figure, fresh, paper).items()}
    built = []
    build = comparisons.Bases.__init__
    monkeypatch.setattr(comparisons.Bases, "__init__",
                        lambda self, results: built.append(results) or build(self, results))
    drawn = {}
    draw_all = figures.draw_all
    monkeypatch.setattr(figures, "draw_all", lambda *args, **kwargs: drawn.update(draw_all(*args, **kwargs)) or drawn)
    written = report.write_report(runs_dir, tmp_path / "report", reference=reference)
    assert written.figures and {"figure2", "curves"} | ({"figure3"} if reference else set()) == set(drawn)
    assert len(built) == (2 if reference else 1)  # the runs' bases, and the paper's for its Table 1 columns and figure3
    assert {name: panel_points(figure) for name, figure in drawn.items()} == expected

"""A figure of a grid partly trained says which of its runs are not finished: a grid whose BnB were not yet trained
drew Figure 2 with AnB alone and nothing under it (nor in its legend) to say that BnB were planned and on their way;
the report's terminal lines and results.md said so, the figure read as a grid planned without selffers. The oracle:
the grid's plan, less the runs given as trained."""

import pytest

from minitransfer import experiment as grid
from minitransfer import figures
from minitransfer.results import Result

Figure = pytest.importorskip("matplotlib.figure").Figure


def test_figure2_names_the_runs_not_finished():
    runs = grid.plan_grid(random_seeds=(0,), layers=(1, 7), fine_tuned=False)
    trained = [r for r in runs if r.treatment != "BnB"]
    not_trained = sorted(r.name for r in runs if r not in trained)
    assert not_trained == ["random0/B1B", "random0/B7B"]  # the oracle: the plan less the runs trained
    results = [Result(r, 0.4, 0.4, 0.4, 30) for r in trained]
    drawn = figures.draw_all(Figure, results, unfinished=not_trained)
    note = " ".join(drawn["figure2"].get_supxlabel().split())
    assert f"2 runs not finished ({', '.join(not_trained)})" in note, note
    assert "in no figure" in note


def test_a_grid_all_trained_says_nothing_under_its_figure():
    runs = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False)
    drawn = figures.draw_all(Figure, [Result(r, 0.4, 0.4, 0.4, 30) for r in runs], unfinished=())
    assert not drawn["figure2"].get_supxlabel()


def test_a_long_run_name_is_shortened_in_the_note_as_in_a_legend():
    folder = "alice-grid-" + "x" * 200  # a folder named by its options
    runs = grid.plan_grid(random_seeds=(0,), layers=(1,), fine_tuned=False)
    results = [Result(r, 0.4, 0.4, 0.4, 30) for r in runs]
    names = [f"{folder}/random{seed}/A1B" for seed in (1, 2, 3)]
    drawn = figures.draw_all(Figure, results, unfinished=names)
    note = drawn["figure2"].get_supxlabel()
    assert note.count("\n") + 1 <= 3, note  # its line, the runs' names and the end: not a name's 200 characters
    assert all(name[-10:] in note.replace("\n", "") for name in names)  # each name's end kept: it tells them apart

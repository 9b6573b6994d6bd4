"""Figure 3 with --reference drew only the paper's natural-split transfers: not its bases at n=0
(halfnatmanA/B), nor its random-weights runs (nolearn_1_1..7) against netbase, on the random-weights
panel and the bottom panel, nor its natural and random splits' transfers on the bottom panel.
The oracle reads the paper's numbers from the reference table itself."""

import csv
import math
import pathlib
import statistics

import pytest

from minitransfer import experiment as grid
from minitransfer import figures_paper
from minitransfer.results import Result, read_reference

TABLE = pathlib.Path(figures_paper.__file__).parent / "reference" / "yosinski2014_mean_top10_accuracy.tsv"


def paper():
    with TABLE.open() as table:
        return {row["run"]: float(row["mean_top10_val_top1"]) for row in csv.DictReader(table, delimiter="\t")}


def dashed(axes):
    """{label: (x, y)} of the thin dashed lines (the paper's) on ``axes``."""
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in axes.get_lines()
            if line.get_linestyle() == "--"}


def test_figure3_draws_the_papers_bases_and_random_weights():
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = [Result(run, 0.5, 0.5, 0.5, 20) for run in grid.plan_grid(layers=(1, 7), natural=True,
                                                                        random_frozen=(1, 7))]
    figure = figures_paper.figure3(Figure, results, read_reference("paper"))
    natural, random_weights, relative = figure.axes[:3]
    numbers = paper()
    lines = dashed(natural)
    starts = sorted(y[0] for x, y in lines.values() if x[0] == 0)
    assert starts == pytest.approx(sorted([numbers["halfnatmanA"], numbers["halfnatmanB"]]), abs=1e-9)
    layers = list(range(1, 8))
    nolearn = [numbers[f"nolearn_1_{n}"] for n in layers]
    [(x, y)] = dashed(random_weights).values()
    assert x == [0, *layers] and y == pytest.approx([numbers["netbase"], *nolearn])
    [(x, y)] = [line for label, line in dashed(relative).items() if "random frozen" in label]
    assert x == layers and y == pytest.approx([100 * (a - numbers["netbase"]) for a in nolearn])


def test_figure3_bottom_panel_draws_the_papers_three_normalised_curves():
    """The paper's Figure 3 bottom panel: its natural-split transfers (onto either half), its random splits'
    AnB and its random weights, each minus its own base (halfnatmanA/B, half<S><target>, netbase). The
    overlay drew only the random weights there. Oracle: the table's numbers, base subtracted here."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = [Result(run, 0.5, 0.5, 0.5, 20) for run in grid.plan_grid(layers=(1, 7), natural=True,
                                                                        random_frozen=(1, 7))]
    relative = figures_paper.figure3(Figure, results, read_reference("paper")).axes[2]
    numbers, layers = paper(), list(range(1, 8))
    natural = {target: [numbers[f"transfernatman{source}{target}_1_{n}"] - numbers[f"halfnatman{target}"]
                        for n in layers] for source, target in ("AB", "BA")}
    transfers = {n: [(numbers[f"transfer{seed}{source}{seed}{target}_1_{n}"], numbers[f"half{seed}{target}"])
                     for seed in "0123" for source, target in ("AB", "BA")] for n in layers}
    random_split = [statistics.mean(a - base for a, base in transfers[n] if not math.isnan(a)) for n in layers]
    lines = dashed(relative)
    expected = {"target: BnA (paper)": natural["A"], "target: AnB (paper)": natural["B"],
                "random A/B split: AnB (paper)": random_split,
                "random frozen layers (paper)": [numbers[f"nolearn_1_{n}"] - numbers["netbase"] for n in layers]}
    for ending, values in expected.items():
        [(x, y)] = [line for label, line in lines.items() if label.endswith(ending)]
        assert x == layers and y == pytest.approx([100 * v for v in values], abs=1e-9), ending

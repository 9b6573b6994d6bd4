"""What the figures of minitransfer/figures*.py hand to matplotlib for unusual sets of runs: panels
without networks say so, the natural split's targets do not hide each other, the random-weights
panel draws only random-weights runs. Results are built in memory (no training, no files)."""

import dataclasses
import io
import math
import warnings

import pytest

from minitransfer import experiment as grid
from minitransfer import figures, figures_curves, figures_paper, figures_reduced
from minitransfer.results import Result, read_reference

matplotlib_figure = pytest.importorskip("matplotlib.figure")
Figure = matplotlib_figure.Figure


def networks(runs, accuracy):
    """A Result for each planned run, its accuracy ``accuracy(run)`` (NaN: no evaluation)."""
    results = []
    for run in runs:
        value = accuracy(run)
        results.append(Result(run, value, value, value, 0 if math.isnan(value) else 30))
    return results


NO_RELATIVE = "no network with an accuracy and its own base"


def texts(axes):
    return [text.get_text() for text in axes.texts]


def dots(axes):
    """{x: y} of the single-network dots of a panel that have a value."""
    return {x: y for line in axes.lines if line.get_linestyle() == "None" and line.get_marker() not in ("_", "|")
            for x, y in zip(line.get_xdata(), line.get_ydata()) if not math.isnan(y)}


def test_networks_without_an_accuracy_leave_their_panels_saying_so():
    """Every run diverged before its first evaluation: no dot, no legend entry, and each panel says
    why it is empty (it drew an empty frame around an axis of -0.05..0.05 with five legend entries)."""
    results = networks(grid.plan_grid(layers=(1, 2)), lambda run: math.nan)
    top, bottom = figures_paper.figure2(Figure, results).axes
    for axes in (top, bottom):
        assert not axes.containers and not dots(axes) and axes.get_legend() is None
    assert texts(top) == ["no accuracy to draw: none of the 10 networks made an evaluation"]
    assert texts(bottom) == [NO_RELATIVE]


def test_a_relative_panel_without_a_network_and_its_base_says_so():
    """Only the bases were trained: the accuracy panels draw them, the relative panels say they have
    nothing (figure3's said nothing because its zero line counted as data)."""
    results = networks([run for run in grid.plan_grid(layers=(1,)) if run.kind == "base"], lambda run: 0.6)
    top, bottom = figures_paper.figure2(Figure, results).axes
    assert sorted(dots(top).values()) == [0.6, 0.6] and not texts(top)
    assert texts(bottom) == [NO_RELATIVE]
    *_, relative = figures_paper.figure3(Figure, results).axes
    assert texts(relative) == [NO_RELATIVE]


def test_the_random_weights_panel_draws_no_base_without_random_weights_runs():
    """A reduced-data grid trains the all-classes base but no random-frozen network: the panel
    drew that base alone as 'random frozen layers'."""
    results = networks(grid.plan_grid(random_seeds=(), per_class=(10,)), lambda run: 0.5)
    _, random_weights, _ = figures_paper.figure3(Figure, results).axes
    assert not random_weights.containers and not dots(random_weights)
    assert texts(random_weights) == ["no random-weights runs (experiment --random-frozen 1-7)"]


def test_the_natural_splits_targets_do_not_hide_each_other():
    """Both targets at the same accuracies: their dots and means sit apart at every n, the bases too."""
    results = networks(grid.plan_grid(random_seeds=(), natural=True, layers=(2, 5)), lambda run: 0.5 - 0.02 * run.n)
    natural, _, _ = figures_paper.figure3(Figure, results).axes
    # each mean line's points (a NaN where it breaks across n not measured: tests/test_figures_gaps_in_n.py)
    first, second = ({x for x in container.lines[0].get_xdata() if not math.isnan(x)}
                     for container in natural.containers)
    assert len(first) == len(second) == 3 and not first & second
    assert len(dots(natural)) == 2 * 3  # every network a dot of its own x


def test_learning_curves_without_records_say_so():
    results = networks(grid.plan_grid(layers=(1,)), lambda run: 0.5)
    results[0] = Result(results[0].run, 0.5, 0.5, 0.5, 2, curve=((10, 0.4), (20, 0.5)), losses=((10, 2.0),))
    axes = figures_curves.curves(Figure, results).axes
    columns = len(axes) // 2
    loss_row, top1_row = axes[:columns], axes[columns:]
    # baseB's column, the first, has one run with records
    assert [texts(each) for each in loss_row] == [[]] + [["no training loss logged (metrics.jsonl)"]] * 4
    assert [texts(each) for each in top1_row] == [[]] + [["no evaluation recorded (eval.csv)"]] * 4


def assert_titles_fit(name, figure):
    """The suptitle and the panels' titles of ``figure``, laid out as savefig lays it out, within its width."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    width = figure.bbox.width
    for title in figure.texts + [axes.title for axes in figure.axes]:
        extent = title.get_window_extent(renderer)
        assert 0 <= extent.x0 and extent.x1 <= width, f"{name}: {title.get_text()!r}"


def test_every_title_fits_its_figure():
    """With the paper's runs overlaid, figure2's title ran past both edges of the figure."""
    runs = grid.plan_grid(layers=(1, 7), natural=True, random_frozen=(1,), per_class=(1, 10), cross=True)
    drawn = figures.draw_all(Figure, networks(runs, lambda run: 0.5 - 0.01 * run.n), read_reference("paper"))
    for name, figure in drawn.items():
        assert_titles_fit(name, figure)


@pytest.mark.parametrize("treatments", [("baseB",), ("baseB", "AnB")], ids=["one-group", "two-groups"])
def test_the_learning_curves_title_fits_a_figure_of_few_groups(treatments):
    """Two bases alone (a first run of train): the learning curves' figure, one column wide, cut its
    title at both edges; two columns cut it too."""
    runs = [run for run in grid.plan_grid(layers=(1,)) if run.treatment in treatments]
    results = [Result(run, 0.5, 0.5, 0.5, 2, curve=((10, 0.4), (20, 0.5)), losses=((10, 2.0),)) for run in runs]
    assert_titles_fit("curves", figures_curves.curves(Figure, results))


def test_accuracy_axes_name_the_metric_as_the_runs_took_it():
    """A grid evaluated 3 times per run: every accuracy axis said "mean of the 10 best evaluations"."""
    runs = grid.plan_grid(layers=(1,), natural=True, random_frozen=(1,), per_class=(10,))
    results = [Result(run, 0.5, 0.5, 0.5, 3) for run in runs]
    drawn = figures.draw_all(Figure, results)
    labels = [axes.get_ylabel() for name in ("figure2", "figure3", "figure_s1") for axes in drawn[name].axes]
    accuracy = [label for label in labels if label.startswith("top-1 accuracy")]
    assert len(accuracy) == 5 and all(label.endswith("\n(mean of all 3 evaluations)") for label in accuracy)


def test_one_network_draws_no_spread_and_two_draw_theirs():
    """n=1 has one network per treatment, n=2 two: n=1's means carry no error bar (its spread is
    unknown, not zero; a bar of zero height drew caps on the mean), n=2's a bar of the two's s.d."""
    runs = [run for run in grid.plan_grid(layers=(1, 2)) if run.n != 1 or run.name.startswith("random0/")]
    runs += [run for run in grid.plan_grid(random_seeds=(1,), layers=(2,))]
    results = networks(runs, lambda run: 0.5 + 0.1 * run.split_seed + 0.01 * run.n)
    top = figures_paper.figure2(Figure, results).axes[0]
    bars = {}
    for container in top.containers:
        line, (segments,) = container.lines[0], container.lines[2]
        for x, segment in zip(line.get_xdata(), segments.get_segments()):
            bars[round(float(x))] = bars.get(round(float(x)), []) + [segment]
    assert bars[1] and all(len(segment) == 0 for segment in bars[1])
    assert bars[2] and all(len(segment) == 2 and segment[1][1] - segment[0][1] > 0.05 for segment in bars[2])


def test_the_cross_dataset_figure_names_its_networks_as_the_runs_are_named():
    """Across datasets the runs are baseT, TnT(+) and SnT(+): the legend says so, not BnB and AnB."""
    results = networks(grid.plan_grid(random_seeds=(), layers=(1, 2), cross=True), lambda run: 0.4 + 0.01 * run.n)
    drawn = figures.draw_all(Figure, results)["figure_cross"]
    top, bottom = drawn.axes
    labels = [text.get_text() for text in top.get_legend().get_texts()]
    assert labels == ["baseT (1 network)"] + [f"{name} (1 network per n)" for name in ("TnT", "TnT+", "SnT", "SnT+")]
    assert all(text.get_text().split()[0] in ("TnT", "TnT+", "SnT", "SnT+") for text in bottom.get_legend().get_texts())


def errorbars(axes):
    """{x: (mean, half-height of its bar; NaN where none is drawn)} of a panel's mean ± s.d. lines."""
    bars = {}
    for container in axes.containers:
        line, (segments,) = container.lines[0], container.lines[2]
        by_x = {round(float(segment[0][0]), 6): segment for segment in segments.get_segments() if len(segment)}
        for x, y in zip(line.get_xdata(), line.get_ydata()):
            segment = by_x.get(round(float(x), 6))
            bars[float(x)] = (float(y), math.nan if segment is None else (segment[1][1] - segment[0][1]) / 2)
    return bars


def test_figure_s1_draws_every_reduced_network_its_means_and_the_full_data_base():
    """Reduced-data runs had no figure. Two replicates at 10 and 100 images per class, one at 1:
    every network a dot at its count, means ± s.d. (no bar for the one), the all-classes bases as a
    line with their band, on a linear and a logarithmic x axis."""
    runs = [run for run in grid.plan_grid(random_seeds=(), per_class=(1, 10, 100), replicates=2)
            if run.name != "all-1/reduced-0001"]
    accuracy = {(run.per_class, run.split_seed): value for run, value in zip(
        runs, (0.61, 0.09, 0.30, 0.52, 0.65, 0.34, 0.50))}  # all/base, 1, 10, 100, all-1/base, 10, 100
    results = networks(runs, lambda run: accuracy[(run.per_class, run.split_seed)])
    drawn = figures.draw_all(Figure, results)
    assert set(drawn) <= set(figures.FIGURES)  # the report saves, and removes, only the figures it names
    linear, logarithmic = drawn["figure_s1"].axes
    assert (linear.get_xscale(), logarithmic.get_xscale()) == ("linear", "log")
    for axes in (linear, logarithmic):
        assert sorted(dots(axes).values()) == [0.09, 0.30, 0.34, 0.50, 0.52]
        assert sorted(round(x) for x in dots(axes)) == [1, 10, 10, 100, 100]
        bars = errorbars(axes)
        assert sorted(bars) == [1, 10, 100] and math.isnan(bars[1][1]) and bars[1][0] == pytest.approx(0.09)
        for count, pair in ((10, (0.30, 0.34)), (100, (0.52, 0.50))):
            assert bars[count] == pytest.approx((sum(pair) / 2, abs(pair[0] - pair[1]) / math.sqrt(2)))
        (base,) = [line for line in axes.lines if line.get_label().startswith("base")]
        assert list(base.get_ydata()) == pytest.approx([0.63, 0.63])
        (band,) = axes.patches
        heights = band.get_patch_transform().transform(band.get_path().vertices)[:, 1]  # Rectangle or Polygon
        assert (min(heights), max(heights)) == pytest.approx((0.63 - 0.02 * 2 ** 0.5, 0.63 + 0.02 * 2 ** 0.5))
        assert "training images" in axes.get_xlabel() and "top-1" in axes.get_ylabel() and not texts(axes)


def test_figure_s1_labels_a_log_axis_within_a_decade_in_plain_numbers():
    """--per-class 10,20,50: matplotlib labels the minor ticks of a range within about a decade, and
    labelled them 2×10^1, 3×10^1 beside the major ticks' plain 10 and 100."""
    results = networks(grid.plan_grid(random_seeds=(), per_class=(10, 20, 50)), lambda run: 0.4)
    figure = figures_reduced.figure_s1(Figure, results)
    figure.savefig(io.BytesIO(), format="png")  # the tick labels are set as the figure is drawn
    logarithmic = figure.axes[1]
    shown = [label.get_text() for minor in (False, True) for label in logarithmic.get_xticklabels(minor=minor)
             if label.get_text() and logarithmic.get_xlim()[0] <= label.get_position()[0] <= logarithmic.get_xlim()[1]]
    assert "20" in shown and all(text.isdigit() for text in shown), shown


@pytest.mark.parametrize("per_class", [(1,), (3,), (1, 2), (10, 100, 1000)], ids=["1", "3", "1-2", "10-1000"])
def test_figure_s1_counts_images_in_whole_numbers(per_class):
    """A count of images asked for is whole: one count alone (--per-class 1) had its linear axis
    ticked 0.96, 0.98 .. 1.04 training images a class, 1 and 2 at 1.2, 1.4, 1.6, 1.8."""
    results = networks(grid.plan_grid(random_seeds=(), per_class=per_class), lambda run: 0.4)
    linear, _ = figures_reduced.figure_s1(Figure, results).axes
    low, high = linear.get_xlim()
    ticks = [tick for tick in linear.get_xticks() if low <= tick <= high]
    assert ticks and all(tick == round(tick) for tick in ticks), ticks
    if len(per_class) <= 2:  # a few counts: each one ticked
        assert set(per_class) <= set(ticks), ticks


def test_figure_s1_is_drawn_only_for_reduced_data_runs():
    results = networks(grid.plan_grid(layers=(1,), random_frozen=(1,)), lambda run: 0.5)
    assert "figure_s1" not in figures.draw_all(Figure, results)


# Table S1 of the paper's supplement, verbatim: top-1 validation accuracy by examples per class.
TABLE_S1 = {1300: 0.55176, 1000: 0.54094, 750: 0.51470, 500: 0.47568, 250: 0.38428, 100: 0.00110, 50: 0.00111,
            25: 0.00107, 10: 0.00106, 5: 0.00108, 2: 0.00444, 1: 0.00379}


def test_figure_s1_overlays_the_papers_table_s1():
    """--reference paper: the shipped table's reduced-data runs (means of the original logs, to four
    decimals) are the paper's Table S1, drawn dashed on both panels with its all-classes base."""
    results = networks(grid.plan_grid(random_seeds=(), per_class=(10,)), lambda run: 0.4)
    for axes in figures_reduced.figure_s1(Figure, results, read_reference("paper")).axes:
        (paper,) = [line for line in axes.lines if line.get_label() == "reduced data (paper, Table S1)"]
        assert paper.get_linestyle() == "--"
        drawn = dict(zip(paper.get_xdata(), paper.get_ydata()))
        assert drawn == pytest.approx(TABLE_S1, abs=5e-5)
        (base,) = [line for line in axes.lines if line.get_label().endswith("(paper)")]
        assert list(base.get_ydata()) == pytest.approx([0.5763, 0.5763])  # netbase, full data and schedule


def test_figure_s1_without_accuracies_says_so():
    """Every reduced-data run diverged before its first evaluation: both panels say so, and the
    logarithmic axis without data is drawn without a warning."""
    results = networks(grid.plan_grid(random_seeds=(), per_class=(5, 50)), lambda run: math.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure = figures.draw_all(Figure, results)["figure_s1"]
        figure.savefig(io.BytesIO(), format="png")
    for axes in figure.axes:
        assert not axes.containers and not dots(axes) and axes.get_legend() is None
        assert texts(axes) == ["no accuracy to draw: none of the 2 networks made an evaluation"]


@pytest.mark.parametrize("plan, drawn", [
    ({"random_seeds": (), "layers": (2,), "cross": True}, ["curves", "figure_cross"]),
    ({"random_seeds": (0,), "layers": (2,)}, ["curves", "figure2"]),
    ({"random_seeds": (), "natural": True, "layers": (2,)}, ["curves", "figure3"]),
    ({"random_seeds": (), "per_class": (5,)}, ["curves", "figure_s1"]),
], ids=["cross-dataset", "random", "natural", "reduced"])
def test_a_figure_is_drawn_for_the_runs_it_shows(plan, drawn):
    """A cross-dataset grid's report held a figure2 and a figure3 that only said 'no random-split runs'."""
    results = networks(grid.plan_grid(**plan), lambda run: 0.5)
    assert sorted(figures.draw_all(Figure, results)) == drawn


def test_learning_curves_name_a_few_runs_still_rising_and_draw_runs_as_an_image():
    """A grid of 40 runs trained too short: the legend named each (hundreds in a large grid, taller
    than the figure); it names RISING_NAMED and counts the rest. The runs' lines are rasterized: a
    grid of 1,000 runs wrote 20 MB of vector paths into curves.svg."""
    climbing = tuple((10 * i, 0.1 + 0.02 * i) for i in range(1, 21))
    runs = [grid.Run(f"random{seed}/A1B", "transfer", "random", seed, target="B", source="A", n=1)
            for seed in range(40)]
    results = [Result(run, 0.5, 0.5, 0.5, 20, curve=climbing, losses=((10, 2.0), (200, 1.0))) for run in runs]
    loss_axes, top1_axes = figures_curves.curves(Figure, results).axes
    legend = top1_axes.get_legend()
    assert [text.get_text() for text in legend.get_texts()] == [f"random{seed}/A1B" for seed in range(8)]
    assert legend.get_title().get_text() == "still rising (40; 32 more in findings.md)"
    for panel in (loss_axes, top1_axes):
        assert len(panel.lines) == 8 and sum(len(lines.get_segments()) for lines in panel.collections) == 32
        assert all(artist.get_rasterized() for artist in [*panel.lines, *panel.collections])


def test_learning_curves_of_many_runs_are_a_few_artists_drawn_once():
    """2,000 runs' learning curves took 8 s to draw and save (PNG and SVG), a line each, and the SVG
    twice a PNG's time: savefig's layout pass rasterized them too. A panel's runs not named are a
    collection of lines (the steady blue, the rising red), every run in one of them, each drawn
    once; the rising runs named are lines, in the legend."""
    from matplotlib.backends.backend_mixed import MixedModeRenderer
    from matplotlib.colors import to_rgba

    climbing = tuple((10 * i, 0.1 + 0.02 * i) for i in range(1, 21))
    steady = tuple((10 * i, 0.5) for i in range(1, 21))
    runs = [grid.Run(f"random{seed}/A1B", "transfer", "random", seed, target="B", source="A", n=1)
            for seed in range(300)]
    results = [Result(run, 0.5, 0.5, 0.5, 20, curve=climbing if run.split_seed % 10 == 0 else steady,
                      losses=((10, 2.0), (200, 1.0))) for run in runs]
    figure = figures_curves.curves(Figure, results)
    for panel in figure.axes:
        assert len(panel.lines) == figures_curves.RISING_NAMED and len(panel.collections) == 2
        blue, red = panel.collections
        assert (len(blue.get_segments()), len(red.get_segments())) == (270, 30 - figures_curves.RISING_NAMED)
        assert [tuple(blue.get_color()[0][:3]), tuple(red.get_color()[0])] == [to_rgba("#3060a0")[:3], to_rgba("red")]
        assert all(line.get_color() == "red" for line in panel.lines)
        assert panel.get_ylim()[1] >= 2.0 if panel in figure.axes[:1] else panel.get_ylim()[1] >= 0.5
    images = []
    start = MixedModeRenderer.start_rasterizing
    layout, dpi = figure.get_layout_engine(), figure.dpi
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(MixedModeRenderer, "start_rasterizing", lambda renderer: images.append(1) or start(renderer))
        figures.render(figure, "svg")
    assert len(images) == len(figure.axes)  # a panel's runs an image, once
    assert (figure.get_layout_engine(), figure.dpi) == (layout, dpi)


def test_learning_curves_of_the_papers_length_label_iterations_in_thousands():
    """450,000 iterations: the ticks' "100000200000300000" ran into each other in every panel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    run = grid.Run("random0/baseB", "base", "random", 0, target="B")
    result = Result(run, 0.5, 0.5, 0.5, 3, curve=((1000, 0.1), (200_000, 0.4), (450_000, 0.5)),
                    losses=((20, 6.9), (450_000, 1.0)))
    figure = figures_curves.curves(Figure, [result])
    figure.draw(FigureCanvasAgg(figure).get_renderer())
    for axes in figure.axes:
        labels = [label.get_text() for label in axes.get_xticklabels()]
        assert "400k" in labels and not any("0000" in label for label in labels)


def test_a_grid_still_at_its_bases_draws_them_at_n_0_of_the_whole_axis():
    """Only the bases were trained: the axis was n 0 alone, 0 ± 0.04, and the bases' dots spread
    across its whole width. They stand at n 0 of an axis of the n their preset copies (1..7), as a
    grid with transfers draws them."""
    results = networks([run for run in grid.plan_grid(random_seeds=(0, 1, 2)) if run.kind == "base"],
                       lambda run: 0.6 + 0.01 * run.split_seed)
    for axes in figures_paper.figure2(Figure, results).axes:
        assert axes.get_xlim() == (-0.5, 7.5) and list(axes.get_xticks()) == list(range(8))
    top = figures_paper.figure2(Figure, results).axes[0]
    assert all(abs(x) < 0.05 for x in dots(top))
    with_transfers = networks(grid.plan_grid(layers=(1, 7)), lambda run: 0.6)
    assert figures_paper.figure2(Figure, with_transfers).axes[0].get_xlim() == (-0.5, 7.5)


CLIMBING = tuple((10 * i, 0.1 + 0.02 * i) for i in range(1, 21))


@pytest.mark.parametrize("name, shown", [
    ("ℊrid/baseB", "ℊrid/baseB"),    # not in DejaVu Sans; in the STIX fonts matplotlib ships
    ("\u0378/baseB", "\\u0378/baseB"),  # in no font (no character yet)
    ("基础/baseB", None),              # the name where the machine has a CJK font, escaped where not
], ids=["a-font-has-it", "no-font-has-it", "cjk"])
def test_a_run_name_in_a_script_the_font_lacks_is_readable_and_silent(name, shown):
    """A still-rising run named in Chinese: its name in the legend was empty boxes, and matplotlib
    printed a "Glyph ... missing from font(s) DejaVu Sans" warning for each character, on every file
    drawn. The legend falls back to a font of the machine that has the glyphs, else escapes the
    characters none has; nothing is warned."""
    from matplotlib import font_manager

    run = grid.Run(name, "base", "random", 0, target="B")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure = figures.draw_all(Figure, [Result(run, 0.5, 0.5, 0.5, 20, curve=CLIMBING)])["curves"]
        for suffix in ("png", "svg"):
            figures.render(figure, suffix)
    assert [str(warning.message) for warning in caught] == []
    [text] = figure.axes[1].get_legend().get_texts()
    escaped = name.encode("unicode_escape").decode().replace("/baseB", "") + "/baseB"
    assert text.get_text() == (shown or (name if len(text.get_fontfamily()) > 1 else escaped))
    if text.get_text() == name:
        fallback = font_manager.findfont(font_manager.FontProperties(family=text.get_fontfamily()[-1]))
        assert font_manager.get_font(fallback).get_char_index(ord(name[0]))


def test_a_panel_without_data_shows_no_axis_of_nothing():
    """A run without a training log: its loss panel's empty axis ran 0 to 1 iterations, labelled
    200m, 400m (milli-iterations); the panel shows only why it is empty."""
    run = grid.Run("random0/baseB", "base", "random", 0, target="B")
    loss_axes, top1_axes = figures_curves.curves(Figure, [Result(run, 0.5, 0.5, 0.5, 20, curve=CLIMBING)]).axes
    assert texts(loss_axes) == [figures_curves.NO_LOSSES] and not loss_axes.get_xticks().size
    assert not loss_axes.get_yticks().size and top1_axes.get_xticks().size


@pytest.mark.parametrize("name", ["lr$\\x$/baseB", "a$b$/baseB"], ids=["not-a-formula", "a-formula"])
def test_a_run_name_with_dollars_is_a_name_not_a_formula(name):
    """A run named lr$\\x$ still rising: matplotlib read its name in the legend as a formula and
    failed on \\x, a traceback instead of a report; a$b$ was drawn with an italic b."""
    run = grid.Run(name, "base", "random", 0, target="B")
    figure = figures_curves.curves(Figure, [Result(run, 0.5, 0.5, 0.5, 20, curve=CLIMBING)])
    figures.render(figure, "png")
    [text] = figure.axes[1].get_legend().get_texts()
    assert text.get_text() == name and not text.get_parse_math()


def test_a_run_of_one_evaluation_is_a_dot_in_the_learning_curves():
    """Runs of one evaluation each (--eval-every as long as the run): each curve a line of one point,
    of no length, and the validation panels looked empty without saying why."""
    runs = [grid.Run(f"random{seed}/baseB", "base", "random", seed, target="B") for seed in range(2)]
    results = [Result(run, 0.5, 0.5, 0.5, 1, curve=((300, 0.4 + 0.1 * run.split_seed),)) for run in runs]
    _, top1_axes = figures_curves.curves(Figure, results).axes
    drawn = [(x, y) for line in top1_axes.lines if line.get_marker() == "o"
             for x, y in zip(line.get_xdata(), line.get_ydata())]
    assert drawn == [(300, 0.4), (300, 0.5)]


def test_an_empty_panel_says_why_above_the_papers_lines():
    """--reference paper on a grid without natural-split runs: the panel's "no natural-split runs"
    was written across the paper's dashed lines; it stands on white, above them."""
    results = networks(grid.plan_grid(layers=(1,)), lambda run: 0.5)
    natural, _, _ = figures_paper.figure3(Figure, results, read_reference("paper")).axes
    [why] = natural.texts
    assert natural.lines and why.get_bbox_patch().get_facecolor()[:3] == (1, 1, 1)
    assert why.get_zorder() > max(line.get_zorder() for line in natural.lines)


@pytest.mark.parametrize("families", [("US$", "HK$"), ("x$\\y", "z$")], ids=["a-formula", "not-a-formula"])
def test_families_with_dollars_are_names_not_formulas(families):
    """A dataset whose families file names them US$ and HK$: figure3's title and legend read
    "$ (A) / HK$" as a formula, drawn in italics without the dollars; x$\\y and z$ failed on \\y, a
    traceback instead of a report."""
    import dataclasses

    runs = grid.plan_grid(random_seeds=(), natural=True, layers=(1,))
    results = [dataclasses.replace(result, families=families) for result in networks(runs, lambda run: 0.5)]
    figure = figures.draw_all(Figure, results)["figure3"]
    figures.render(figure, "png")
    natural = figure.axes[0]
    title = natural.title
    assert title.get_text() == f"natural split: {families[0]} (A) / {families[1]} (B), by target task"
    assert not title.get_parse_math()
    legend = [text for text in natural.get_legend().get_texts() if "$" in text.get_text()]
    assert len(legend) == 2 and not any(text.get_parse_math() for text in legend)


def test_a_long_run_name_still_rising_does_not_squeeze_the_learning_curves_to_nothing():
    """A run named in the legend (still rising) with a 250-character name: the legend was wider than
    the figure, matplotlib warned "constrained_layout not applied" and drew panels of no width. The
    legend shows the name's start and end; findings.md names it in full."""
    long_name = "random0/" + "lr0.01-wd0.0005-" * 15 + "A1B+"
    rising = tuple((10 * k, 0.1 + 0.05 * k) for k in range(12))
    results = [Result(dataclasses.replace(run, name=long_name if run.name == "random0/A1B+" else run.name),
                      0.6, 0.7, 0.6, 12, curve=rising) for run in grid.plan_grid(layers=(1,))]
    figure = figures_curves.curves(Figure, results)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.draw_without_rendering()  # lays the figure out as savefig does
    [shown] = [text.get_text() for axes in figure.axes if axes.get_legend()
               for text in axes.get_legend().get_texts() if text.get_text().endswith("A1B+")]
    assert len(shown) <= 40 and shown.startswith("random0/lr0.01") and shown.endswith("A1B+") and "…" in shown
    assert all(axes.get_position().width > 0.05 for axes in figure.axes)


def test_learning_curves_columns_read_bases_copies_then_controls():
    """The columns were sorted by group name: AnB first, the bases after the cross-dataset runs,
    fine-tuned runs apart from frozen ones by others. Now bases, selffers, transfers (each frozen
    then fine-tuned), the natural split, the source base and target runs across datasets, the
    controls on every class last."""
    runs = grid.plan_grid(layers=(1,), natural=True, random_frozen=(1,), per_class=(5,), cross=True)
    results = [Result(run, 0.5, 0.5, 0.5, 2, curve=((10, 0.4), (20, 0.5))) for run in runs]
    loss_axes = figures_curves.curves(Figure, results).axes[:len(figures_curves.COLUMNS)]
    assert [axes.get_title().split(" (")[0].split(":")[0] for axes in loss_axes] == [
        "base, baseA, baseB", "BnB", "BnB+", "AnB", "AnB+", "natural split", "baseS", "across datasets", "random",
        "reduced"]


def test_the_paper_figures_legends_lie_below_their_panels_clear_of_the_points():
    """Figure 3's natural split of three networks a point: its legend (loc="best", two columns)
    found no empty corner and sat on the dots, and ran off the figure's left edge. Every legend of
    figure2 and figure3 is now outside its panel, below its n axis and that axis' label, no wider
    than the panel."""
    runs = grid.plan_grid(random_seeds=(0, 1), natural=True, layers=tuple(range(1, 8)), random_frozen=(1, 4, 7),
                          replicates=3)
    results = networks(runs, lambda run: 0.6 - 0.03 * run.n + 0.01 * (len(run.name) % 3))
    drawn = figures.draw_all(Figure, results)
    for name in ("figure2", "figure3"):
        figure = drawn[name]
        figure.draw_without_rendering()  # lays the figure out as savefig does
        legends = [axes for axes in figure.axes if axes.get_legend() is not None]
        assert len(legends) == len(figure.axes), name
        for axes in legends:
            assert_legend_below(axes, name)


def assert_legend_below(axes, name):
    """``axes``' legend, in a figure laid out, lies outside the panel, below its x axis and that
    axis' label, no wider than the panel and within the figure."""
    box = axes.get_legend().get_window_extent()
    assert not box.overlaps(axes.bbox), (name, axes.get_title())
    assert not box.overlaps(axes.xaxis.get_tightbbox()), (name, axes.get_title())
    # under its own panel: one wider than a half-width panel ran off the figure as the PNG was saved
    assert box.y1 < axes.bbox.y0 and axes.bbox.x0 <= box.x0 and box.x1 <= axes.bbox.x1, (name, axes.get_title())
    assert box.y0 >= axes.figure.bbox.y0, (name, axes.get_title())


def test_figure2s_top_panel_keeps_no_room_for_the_n_labels_it_hides():
    """Figure 2's top panel shares the bottom one's n axis and hides its tick labels, but its legend
    dropped by their height as well: a gap of 25 points between its axis label and its legend, which
    the top panel's height lost. Each panel's legend now lies as far below what its axis shows (the
    drawn x axis, measured) as the bottom panel's, whose tick labels are shown."""
    runs = grid.plan_grid(random_seeds=(0, 1), layers=tuple(range(1, 8)))
    figure = figures_paper.figure2(Figure, networks(runs, lambda run: 0.6 - 0.01 * run.n))
    figure.draw_without_rendering()  # lays the figure out as savefig does
    top, bottom = figure.axes
    assert not top.xaxis.get_ticklabels() and bottom.xaxis.get_ticklabels()
    points = figure.dpi / 72
    gaps = [(axes.xaxis.get_tightbbox().y0 - axes.get_legend().get_window_extent().y1) / points
            for axes in (top, bottom)]
    assert all(0 < gap < 14 for gap in gaps) and abs(gaps[0] - gaps[1]) < 3, gaps


def test_the_learning_curves_legend_of_runs_still_rising_lies_below_its_panel():
    """The "still rising" legend sat inside the validation panel where matplotlib found room
    (loc="best"), on the curves when they filled it; it lies below the panel, as the paper
    figures' legends."""
    runs = grid.plan_grid(random_seeds=(0, 1), layers=(1, 2, 3))
    climbing = tuple((100 * k, 0.1 + 0.07 * k) for k in range(1, 12))  # across the whole panel
    results = [Result(run, 0.7, 0.8, 0.7, 11, curve=climbing, losses=((100, 3.0), (1100, 1.0))) for run in runs]
    figure = figures_curves.curves(Figure, results)
    figure.draw_without_rendering()  # lays the figure out as savefig does
    columns = len(figure.axes) // 2  # loss panels on top, top-1 panels below
    top1_panels = figure.axes[columns:]
    assert all(axes.get_legend() is None for axes in figure.axes[:columns])
    assert all(axes.get_legend() is not None for axes in top1_panels)
    for axes in top1_panels:
        assert_legend_below(axes, "curves")


def test_a_runs_loss_spike_leaves_the_other_runs_fall_readable():
    """One base's loss of 46 on a batch (a spike it recovered from at once) set the loss panel's axis
    to 0-48: the other runs' fall from 1.4 to 0.1 was a flat line along its bottom, 2% of its height.
    The loss axis is logarithmic: that fall spans a good part of the panel."""
    falling = tuple((10 * i, 1.4 * 0.87 ** i) for i in range(1, 21))  # 1.2 down to 0.09
    spike = tuple((x, 46.0 if x == 50 else loss) for x, loss in falling)
    runs = [grid.Run(f"random{seed}/baseB", "base", "random", seed, target="B") for seed in range(3)]
    results = [Result(run, 0.9, 0.9, 0.9, 20, curve=((100, 0.8), (200, 0.9)), losses=spike if run.split_seed == 0
                      else falling) for run in runs]
    loss_axes, share = _loss_panel(results)
    assert share > 0.2, share
    assert loss_axes.get_ylim()[1] >= 46


def _loss_panel(results):
    """The loss panel of the curves of ``results``, drawn, and the share of its height that a fall
    from 1.0 to 0.1 spans."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = figures_curves.curves(Figure, results)
    figure.draw(FigureCanvasAgg(figure).get_renderer())
    loss_axes = figure.axes[0]
    (_, low), (_, high) = loss_axes.transAxes.inverted().transform(loss_axes.transData.transform([(100, 0.1),
                                                                                                   (100, 1.0)]))
    return loss_axes, high - low


def test_a_loss_of_zero_or_a_tiny_one_neither_warns_nor_flattens_the_loss_panel(recwarn):
    """A run that learnt a small set by heart logs a loss of 0 (or 1e-7): on the log axis the 0 was
    clipped to a value far below, stretching the axis over decades (the others' fall flat again), and
    a panel of only zeros warned "Data has no positive values". The axis reaches three decades below
    the median at most; a panel without a positive loss stays linear, without a warning."""
    falling = tuple((10 * i, 1.4 * 0.87 ** i) for i in range(1, 21))
    learnt = tuple((x, 0.0 if x > 150 else 1e-7 if x == 150 else loss) for x, loss in falling)
    runs = [grid.Run(f"random{seed}/baseB", "base", "random", seed, target="B") for seed in range(2)]
    results = [Result(run, 0.9, 0.9, 0.9, 20, curve=((100, 0.8), (200, 0.9)),
                      losses=learnt if run.split_seed == 0 else falling) for run in runs]
    _, share = _loss_panel(results)
    assert share > 0.2, share
    zeros = [dataclasses.replace(r, losses=tuple((x, 0.0) for x, _ in falling)) for r in results]
    loss_axes, _ = _loss_panel(zeros)
    assert loss_axes.get_yscale() == "linear"
    assert not [w for w in recwarn if "positive" in str(w.message)], [str(w.message) for w in recwarn]


@pytest.mark.parametrize("source, target", [("imagenet-256", "my-photos-36"), ("s" * 60, "t" * 60)],
                         ids=["short", "long"])
def test_the_cross_dataset_figure_names_its_datasets(source, target):
    """"bases on S, targets on T" left the reader to find out which dataset was which; the title names
    their folders (a long name shortened to fit the figure)."""
    runs = grid.plan_grid(random_seeds=(), layers=(1, 2), cross=True)
    results = [dataclasses.replace(r, dataset=f"/data/{source if r.run.treatment == 'source' else target}")
               for r in networks(runs, lambda run: 0.4 + 0.01 * run.n)]
    drawn = figures.draw_all(Figure, results)["figure_cross"]
    title = drawn.axes[0].get_title()
    shown = [figures_curves.shortened(name) for name in (source, target)]
    assert title.startswith(f"transfer across datasets: bases on S ({shown[0]}),\ntargets on T ({shown[1]}):\n"), title
    assert_titles_fit("figure_cross", drawn)


def test_the_cross_dataset_figure_tells_apart_datasets_of_one_folder_name():
    """Two datasets each prepared into a folder named "prepared" were both "(prepared)": the title names
    each with its parent folder."""
    runs = grid.plan_grid(random_seeds=(), layers=(1, 2), cross=True)
    results = [dataclasses.replace(r, dataset=f"/data/{'a' if r.run.treatment == 'source' else 'b'}/prepared")
               for r in networks(runs, lambda run: 0.4 + 0.01 * run.n)]
    title = figures.cross_title(results)
    assert title == "transfer across datasets: bases on S (a/prepared),\ntargets on T (b/prepared)", title

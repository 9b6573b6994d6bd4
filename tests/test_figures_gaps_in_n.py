"""A grid of some n only (--layers 1,7, or 1,4,7): every line the figures draw over n is solid only between
adjacent n, and dotted across n not measured (a solid line from n=1 to n=7 read as if n=2..6 had networks). Checked
on the data matplotlib is handed (its Line2D points, a NaN where a line breaks), against the n each line's networks
were planned at, worked out here. Results are built in memory (no training, no files)."""

import math

import pytest
from test_figures import Figure, networks

from minitransfer import experiment as grid
from minitransfer import figures, figures_gaps, figures_paper
from minitransfer.results import Result, read_reference

pytest.importorskip("matplotlib.figure")


def solid_segments(line):
    """The (n, n') pairs ``line`` draws a segment between: its consecutive points, both numbers (matplotlib
    draws nothing to a NaN), each x rounded to its n (the treatments sit a fraction of a layer apart)."""
    xs, ys = line.get_data()
    points = [(float(x), float(y)) for x, y in zip(xs, ys)]
    return {(round(a[0]), round(b[0])) for a, b in zip(points, points[1:])
            if not any(math.isnan(v) for v in (*a, *b))}


def means_lines(axes):
    """The lines through the means: the networks' (each mean ± s.d.'s line) and the paper's (dashed; its bases'
    level across the panel is no line over n)."""
    return [container.lines[0] for container in axes.containers] + [
        line for line in axes.lines if line.get_linestyle() == "--" and line.get_label() != "bases (paper)"]


def dotted(axes):
    """The (n, n') pairs of the dotted lines drawn across a gap."""
    return [tuple(sorted(round(float(x)) for x in line.get_xdata())) for line in axes.lines
            if line.get_gid() == figures_gaps.ACROSS_GAP]


def expected(ns):
    """What a reader expects of a line through means at ``ns``: solid between adjacent n, dotted across the rest."""
    ns = sorted(ns)
    pairs = list(zip(ns, ns[1:]))
    return {p for p in pairs if p[1] - p[0] == 1}, {p for p in pairs if p[1] - p[0] > 1}


def check(axes, ns_of_each_line):
    """Every means line of ``axes`` solid only between adjacent n, a dotted line across each gap, and the legend
    saying what the dotted lines are where there is one."""
    lines = means_lines(axes)
    assert len(lines) == len(ns_of_each_line)
    gaps = []
    for line, ns in zip(lines, ns_of_each_line):
        solid, across = expected(ns)
        assert solid_segments(line) == solid, line.get_label()
        # every mean still a point of its line (a marker), none lost with the segments
        assert sorted({round(float(x)) for x in line.get_xdata() if not math.isnan(x)}) == sorted(ns)
        gaps += sorted(across)
    assert sorted(dotted(axes)) == sorted(gaps)
    said = [text.get_text() for text in axes.get_legend().get_texts()] if axes.get_legend() else []
    assert (figures_gaps.GAP_LABEL in said) == bool(gaps)
    assert figures_gaps.GAP_LABEL not in said[:-1]  # last, after the networks' entries


@pytest.mark.parametrize("layers", [(1, 7), (1, 4, 7), (2, 3, 6)])
def test_figure2s_lines_are_solid_only_between_adjacent_n(layers):
    results = networks(grid.plan_grid(layers=layers), lambda run: 0.6 - 0.01 * run.n)
    top, bottom = figures_paper.figure2(Figure, results).axes
    check(top, [[0]] + [layers] * 4)  # the bases, alone at n=0, then BnB, BnB+, AnB, AnB+
    check(bottom, [layers] * 4)


def test_a_grid_of_every_n_draws_its_lines_solid_and_no_dotted_one():
    results = networks(grid.plan_grid(layers=(1, 2, 3)), lambda run: 0.6 - 0.01 * run.n)
    top, bottom = figures_paper.figure2(Figure, results).axes
    check(top, [[0]] + [(1, 2, 3)] * 4)
    check(bottom, [(1, 2, 3)] * 4)


def test_figure3s_lines_break_at_n_not_measured_the_bases_n0_included():
    """The natural split's and the random weights' lines start at their bases (n=0): --layers 2,7 and
    --random-frozen 1,7 leave a gap between 0 and 2, and 1 and 7."""
    runs = grid.plan_grid(random_seeds=(0,), natural=True, layers=(2, 7), random_frozen=(1, 7))
    natural, random_weights, relative = figures_paper.figure3(Figure, networks(runs, lambda r: 0.5 - 0.01 * r.n)).axes
    check(natural, [(0, 2, 7)] * 2)
    check(random_weights, [(0, 1, 7)])
    check(relative, [(2, 7), (2, 7), (1, 7), (2, 7)])  # natural A, natural B, random frozen, random split's AnB


def test_the_papers_lines_break_where_its_runs_leave_n_out():
    """The paper's runs of n 1, 4 and 7 alone (a reference file of some n): its dashed lines too."""
    paper = [r for r in read_reference("paper") if r.run.n in (0, 1, 4, 7)]
    results = networks(grid.plan_grid(layers=(1, 2)), lambda run: 0.6 - 0.01 * run.n)
    top = figures_paper.figure2(Figure, results, paper).axes[0]
    check(top, [[0]] + [(1, 2)] * 4 + [(1, 4, 7)] * 4)


def test_figure_s1s_line_joins_every_count_of_images_asked_for():
    """Figure S1's x is the training images per class, not layers: 1, 10, 100 are joined, not broken."""
    runs = grid.plan_grid(random_seeds=(), per_class=(1, 10, 100))
    drawn = figures.draw_all(Figure, [Result(run, 0.5, 0.5, 0.5, 30) for run in runs])["figure_s1"]
    for axes in drawn.axes:
        (line,) = [container.lines[0] for container in axes.containers]
        assert solid_segments(line) == {(1, 10), (10, 100)} and not dotted(axes)

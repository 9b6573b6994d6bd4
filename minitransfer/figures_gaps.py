"""Lines over n where a grid has some n only (--layers 1,4,7): solid only between adjacent n, thin and dotted across
the n not measured, which have no network (:func:`join_measured`), and the legend's entry saying so
(:func:`say_gaps`); :mod:`minitransfer.figures_paper` draws Figures 2 and 3 with them. A solid line from n=1 to n=7
read as if n=2..6 had been measured.
"""

import numpy as np

ACROSS_GAP = "across n not measured"  # the gid of a dotted line between two means with n not measured between them
GAP_LABEL = "dotted: across n not measured (no network there)"
LEGEND_ROW = 7 * 1.5  # points of a row of a legend below a panel (legend_below's font size, its spacing)


def join_measured(axes, line, ns):
    """``line`` (of means at ``ns``, whole layers, ascending, each at its n + an offset) solid only between
    adjacent n, and thin, dotted and light across n not measured: a grid of --layers 1,7 drew a solid line
    from n=1 to n=7, read as measured at n=2..6 too. The line keeps a point for every mean and a NaN where
    it breaks (matplotlib draws no segment to one); each gap is a line of its own, :data:`ACROSS_GAP` its
    gid, which :func:`say_gaps` names in the legend."""
    xs, ys = line.get_data()
    breaks = [i for i in range(1, len(ns)) if ns[i] - ns[i - 1] > 1]
    if not breaks:
        return
    for i in breaks:
        axes.plot(xs[i - 1:i + 1], ys[i - 1:i + 1], linestyle=":", linewidth=1, alpha=0.6,
                  color=line.get_color(), gid=ACROSS_GAP, label="_across a gap")
    line.set_data(np.insert(np.asarray(xs, float), breaks, np.nan), np.insert(np.asarray(ys, float), breaks, np.nan))


def say_gaps(panels):
    """A legend entry saying what a dotted line across n not measured is, in each of ``panels`` that has one; the
    figure made taller by a row of the legend for each row of panels given one, so that its panels keep their height
    (figure3's top left has no point to spare for its axis' label)."""
    rows = set()
    for axes in panels:
        if any(line.get_gid() == ACROSS_GAP for line in axes.lines):
            axes.plot([], [], linestyle=":", linewidth=1, color="grey", label=GAP_LABEL)
            rows.add(axes.get_subplotspec().rowspan.start)
    if rows:
        figure = panels[0].figure
        figure.set_figheight(figure.get_figheight() + len(rows) * LEGEND_ROW / 72)

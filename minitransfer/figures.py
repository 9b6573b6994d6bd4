"""The paper's figures from the trained networks (needs matplotlib: the ``plot`` extra).

Every network is a dot; each treatment's mean is a line with error bars of ± one standard
deviation across its networks (the seed spread), as in the paper's Figure 2. Accuracies are the
metric of the paper's runs (the original code's), the mean of the 10 best top-1 evaluations on the target
task's validation images (of all of them, for a run that made fewer: the axis says so);
the relative panels show each network minus the base of its own target, in percentage points.

- figure2 (§4.1): random A/B splits; top, accuracies; bottom, relative to the own base.
- figure3 (§4.2–4.3): natural split (by target: its halves named after the families the dataset
  records, natural / man-made for ImageNet), random frozen layers (all classes), and both with the
  random split's AnB relative to their bases.
- figure_cross: transfer across datasets (bases on the source dataset S, targets on T), drawn when
  the grid has such runs.
- figure_s1 (supplement B): reduced-data runs, accuracy against the training images asked for per
  class (--per-class), on linear and logarithmic x axes, with the images used written beside a
  count some classes could not give; drawn when the grid has such runs.
- curves: every run's training loss and validation top-1 against iterations, by treatment; runs
  still rising at the end are drawn in red.

A ``reference`` (the paper's runs, :func:`minitransfer.paper_runs.read_reference`) is overlaid as thin
dashed lines of its means.

Figures 2 and 3 (and the cross-dataset figure) are drawn in :mod:`minitransfer.figures_paper`, Figure
S1 in :mod:`minitransfer.figures_reduced`, the learning curves in :mod:`minitransfer.figures_curves`;
this module draws them all (:func:`draw_all`) and renders them.
"""

import atexit
import contextlib
import importlib.util
import io
import os
import pathlib
import shutil
import tempfile

from minitransfer import figure_fonts, run_search, stopping
from minitransfer.comparisons import built_bases
from minitransfer.data import inputs
from minitransfer.figures_curves import curves, shortened
from minitransfer.figures_left_out import say_left_out
from minitransfer.figures_paper import CROSS_NAMES, figure2, figure3
from minitransfer.figures_reduced import figure_s1
from minitransfer.results import natural_families, select

__all__ = ["DPI", "FIGURES", "figure_class", "render", "draw_all", "readable", "DrawNotice"]

DPI = 120  # of the PNGs, and of the images in the SVGs
# The file stems of every figure draw_all may give (the report removes those it did not draw).
FIGURES = ("figure2", "figure3", "figure_cross", "figure_s1", "curves")


def figure_class():
    """matplotlib's Figure (no pyplot, no global state), or None without the ``plot`` extra (and then no
    folder made for its configuration). A stop as matplotlib is imported is the stop, not "missing": an extension
    module (pybind11's) turns one that comes as it initialises into an ImportError, and the report was written
    without figures, the earlier report's removed, "figures not drawn: matplotlib is missing" and exit code 0
    after a Ctrl-C (:func:`minitransfer.stopping.stop_not_replaced`)."""
    if importlib.util.find_spec("matplotlib") is None:
        return None
    _config_folder_for_matplotlib()
    try:
        with stopping.stop_not_replaced():
            from matplotlib.figure import Figure
    except ImportError:
        return None
    return Figure


def _config_folder_for_matplotlib():
    """Where $MPLCONFIGDIR is unset and the folders matplotlib keeps its configuration and font cache in
    ($XDG_CONFIG_HOME or ~/.config, $XDG_CACHE_HOME or ~/.cache, each /matplotlib) cannot be written (a home
    folder this user may not write: a service account's, a container's), a temporary one, removed at exit:
    matplotlib made one too, but said so in two lines on stderr as it was imported. So too where there is no
    home folder to tell ($HOME unset, and no passwd entry for this uid: a container's)."""
    if "MPLCONFIGDIR" in os.environ:
        return
    try:
        home = pathlib.Path.home()
    except RuntimeError:  # "Could not determine home directory"
        home = None
    if all((os.environ.get(variable) or home) and
           _writable_folder(pathlib.Path(os.environ.get(variable) or home / default) / "matplotlib")
           for variable, default in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"))):
        return
    folder = tempfile.mkdtemp(prefix="minitransfer-matplotlib-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = folder


def _writable_folder(folder):
    """Whether ``folder`` is (or can be made) a folder this process may write, as matplotlib judges it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK) and folder.is_dir()


@stopping.stop_not_replaced()  # matplotlib's extension turned a stop into its own error
def render(figure, suffix):
    """``figure`` as the bytes of a ``suffix`` file (png or svg) at :data:`DPI`: the same figure
    gives the same bytes (matplotlib's SVG otherwise records the time of writing and draws its
    element ids at random)."""
    import matplotlib
    buffer = io.BytesIO()
    # No layout from the user's matplotlibrc where _laid_out turns the figure's own off
    rc = {"svg.hashsalt": "minitransfer", "figure.autolayout": False, "figure.constrained_layout.use": False}
    with matplotlib.rc_context(rc), _laid_out(figure) if suffix == "svg" else contextlib.nullcontext():
        figure.savefig(buffer, dpi=DPI, format=suffix, metadata={"Date": None} if suffix == "svg" else None)
    return buffer.getvalue()


@contextlib.contextmanager
def _laid_out(figure):
    """``figure`` laid out at :data:`DPI` as for a PNG, its layout engine off meanwhile: savefig
    lays a figure out by drawing it once before it saves it, and for an SVG that drawing rasterized
    the rasterized artists too (matplotlib 3.11 turns off its vector drawing only): 2,000 runs'
    learning curves took twice a PNG's time."""
    layout, dpi = figure.get_layout_engine(), figure.dpi
    if layout is None:
        yield
        return
    try:
        figure.set_dpi(DPI)
        figure.draw_without_rendering()
        figure.set_layout_engine(None)
        yield
    finally:
        figure.set_layout_engine(layout)
        figure.set_dpi(dpi)


@stopping.stop_not_replaced()  # as render's: it lays out, measures and draws with matplotlib's
def draw_all(Figure, results, reference=None, bases=None, reference_bases=None, left_out=(), unfinished=(),
             facts=None):
    """{file stem: figure} of every figure the runs allow: figure2 with random-split runs, figure3
    with natural-split or random-frozen ones (each also with the paper's runs as ``reference``: they
    have both), not drawn empty for a grid of other runs alone (a cross-dataset grid's). ``bases``:
    the :class:`minitransfer.comparisons.Bases` of ``results`` (the report's, built once for its
    tables too; built now where None); ``reference_bases``: those of ``reference``, as ``bases``;
    ``left_out``: the report's "name: why" of the runs it left out, said under every figure of networks
    with its networks without an evaluation (:func:`minitransfer.figures_left_out.say_left_out`), and the names of
    the runs ``unfinished`` (not finished, or planned and not started), said there too; ``facts``: the datasets
    the report read already (:func:`minitransfer.run_facts.validation_sets`'), read now where None."""
    figures, bases = {}, built_bases(results, bases)
    if reference or select(results, "random"):
        figures["figure2"] = figure2(Figure, results, reference, bases=bases)
    if reference or select(results, "natural") or select(results, "all", "random"):
        figures["figure3"] = figure3(Figure, results, reference, bases=bases, reference_bases=reference_bases)
    figures["curves"] = curves(Figure, results)
    if select(results, "cross"):
        figures["figure_cross"] = figure2(Figure, results, split="cross",
                                          title=cross_title(results),
                                          names=CROSS_NAMES, bases=bases)
    if select(results, "all", "reduced"):
        figures["figure_s1"] = figure_s1(Figure, results, reference)
    say_left_out(figures, results, left_out, unfinished, facts)
    escaped = {name for name in natural_families(results) if figure_fonts.drawable(name) != name}
    for figure in figures.values():
        escaped |= readable(figure)
    note = figure_fonts.escaped_note(escaped)
    if note:
        stopping.warn(note)
    return figures


def cross_title(results):
    """figure_cross's title, naming the datasets S and T by their folders: "bases on S, targets on
    T" alone left a reader to find out which of their datasets was which (the tables name runs, not
    datasets). Two folders of one name (.../a/prepared, .../b/prepared) are named with their parents'
    (a/prepared, b/prepared), as far up as tells them apart."""
    cross = [r for r in select(results, "cross") if r.dataset]
    names = distinct_names({pathlib.PurePath(r.dataset) for r in cross})

    def named(source):
        folders = sorted({names[pathlib.PurePath(r.dataset)] for r in cross if (r.run.treatment == "source") == source})
        return f" ({', '.join(map(shortened, folders))})" if folders else ""

    source, target = named(True), named(False)
    between = ",\n" if source or target else ", "  # two folders' names are too long for one line
    return f"transfer across datasets: bases on S{source}{between}targets on T{target}"


def distinct_names(paths):
    """{path: its last parts, as few as tell it from the other ``paths``' ("prepared", or "a/prepared" beside
    "b/prepared")}."""
    def tail(path, parts):
        return "/".join(path.parts[-parts:])

    names = {}
    for path in paths:
        parts = 1
        others = [other for other in paths if other != path]
        while parts < len(path.parts) and any(tail(other, parts) == tail(path, parts) for other in others):
            parts += 1
        names[path] = tail(path, parts)
    return names


def readable(figure):
    """Every text of ``figure`` (a run's name, a dataset's family) drawn with glyphs for its
    characters: one of a script its font lacks (CJK in DejaVu Sans) was an empty box, and a
    "Glyph ... missing from font" warning on stderr for each. Such a text falls back to a font on
    this machine that has them (:func:`.figure_fonts.font_with`), else shows them escaped (\\u57fa), in the
    figure only: the tables keep the names. A text with a "$" is a name, not a formula: families
    "US$" and "HK$" lost their dollars to an italic formula, and "x$\\y" stopped the report. Returns the
    texts it escaped, as they were."""
    from matplotlib.text import Text

    escaped = set()
    for text in figure.findobj(Text):
        if "$" in text.get_text():  # no text of ours is a formula; ticks are labelled later, at drawing
            text.set_parse_math(False)
        missing = figure_fonts.missing_characters(text.get_text(), text.get_fontproperties())
        fallback = figure_fonts.font_with(missing) if missing else None
        if fallback:
            text.set_fontfamily([*text.get_fontfamily(), fallback])
        elif missing:
            escaped.add(text.get_text())
            text.set_text(figure_fonts.escaped(text.get_text(), missing))
    return escaped


class DrawNotice(run_search.WalkNotice):
    """Life shown while the figures of many runs are drawn and rendered (2,000 runs' learning
    curves, as PNG and SVG, take seconds each): as the search for the runs shows it, a line on stderr
    each time :data:`minitransfer.run_search.WALK_NOTICE_SECONDS` have passed since the last ("drawing
    the figures of 2,000 runs: curves.svg (10 of 10 files) ..."), and one at the end where one was
    said. Made with the runs drawn as the lines name them ("2,000 runs")."""

    def _say(self, text):
        stopping.warn(inputs.display_name(f"drawing the figures of {self.runs_dir}: {text}"))

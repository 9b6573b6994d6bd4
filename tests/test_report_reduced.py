"""Reduced-data runs (--per-class) on a dataset whose classes hold fewer training images than some
runs asked for: a class with fewer keeps all it has, and the report says the images each run used,
not only the count it asked for (Figure S1 drew 1,000 asked for on a dataset of 500 a class at 1,000)."""

import numpy as np
import pytest
from PIL import Image

from minitransfer import experiment as grid
from minitransfer import figures_reduced
from minitransfer.data import folder as folders
from minitransfer.results import collect, read_reference
from test_report import write_run

TRAIN_IMAGES = {"oak": 2, "fern": 4, "car": 6}  # per class; one validation image each


@pytest.fixture(scope="module")
def uneven_photos(tmp_path_factory):
    """A class-folder dataset whose classes hold :data:`TRAIN_IMAGES` training images."""
    root = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(5)
    for name, count in TRAIN_IMAGES.items():
        for subset, images in (("train", count), ("val", 1)):
            (root / "tree" / subset / name).mkdir(parents=True)
            for index in range(images):
                pixels = rng.integers(0, 256, (12, 12, 3)).astype(np.uint8)
                Image.fromarray(pixels).save(root / "tree" / subset / name / f"{index}.png")
    folders.import_folder(root / "tree", root / "data", size=12, workers=1)
    return root / "data"


def write_reduced_grid(out, data, counts, accuracy=0.5):
    """The base on every class and a reduced-data run for each of ``counts``, trained on ``data``."""
    for run in grid.plan_grid(random_seeds=(), per_class=counts):
        write_run(out, run, accuracy, config={"split": "all", "data": str(data), "per_class": run.per_class})
    return out


def test_a_reduced_data_run_knows_the_images_each_class_kept(uneven_photos, tmp_path):
    results = {r.run.name: r for r in collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (2, 3, 10)))[0]}
    kept = {r.run.per_class: r.kept_per_class for r in results.values() if r.run.kind == "reduced"}
    oracle = {asked: [min(asked, count) for count in TRAIN_IMAGES.values()] for asked in (2, 3, 10)}
    assert kept == {asked: (min(used), pytest.approx(np.mean(used)), max(used)) for asked, used in oracle.items()}
    assert [r.kept_per_class for r in results.values() if r.run.kind == "base"] == [()]  # not a reduced-data run


def test_figure_s1_says_the_images_used_where_a_run_asked_for_more(uneven_photos, tmp_path):
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (2, 3, 10)))[0]
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        notes = sorted(text.get_text() for text in axes.texts)
        assert notes == ["10 asked for:\nused 4 on average (2 to 6)", "3 asked for:\nused 3 on average (2 to 3)"]
        assert "asked for per class (--per-class" in axes.get_xlabel()
        assert "kept all it had: the images used are written at the point" in axes.get_xlabel()


def test_figure_s1_of_runs_whose_dataset_cannot_be_read_says_the_counts_are_asked_for(uneven_photos, tmp_path):
    """The dataset moved away since: the counts asked for, and the axis says a class may have had fewer."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", tmp_path / "moved", (2, 10)))[0]
    assert {r.kept_per_class for r in results} == {()}
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        assert not axes.texts
        assert axes.get_xlabel().startswith("training images asked for per class (--per-class")
        assert axes.get_xlabel().endswith("kept all it had (the datasets cannot be read here to tell)")


def test_figure_s1_of_runs_every_class_could_give_says_nothing_more(uneven_photos, tmp_path):
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (1, 2)))[0]
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        assert not axes.texts and "\n" not in axes.get_xlabel()


@pytest.mark.parametrize("counts, reference", [((2, 3, 10), "paper"), ((3, 10), None)],
                         ids=["paper-axis-to-1300", "own-counts"])
def test_figure_s1_labels_hang_from_their_own_points_inside_the_panel(uneven_photos, tmp_path, counts, reference):
    """A label of the images used was right-aligned 4 pt left of its point: on an axis the paper's counts
    stretch to 1,300 (or beside the y axis) it ran off the panel, over the y label, beside another count's
    points. Each label is anchored at its own point (the count's mean, read from the drawn errorbar) and its
    text lies inside the panel once drawn, apart from the other labels."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, counts))[0]
    figure = figures_reduced.figure_s1(Figure, results, reference and read_reference(reference))
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    for axes in figure.axes:
        means = dict(zip(*axes.containers[0].lines[0].get_data()))
        panel = axes.get_window_extent(renderer)
        boxes = []
        assert len(axes.texts) == 2
        for label in axes.texts:
            count = int(label.get_text().partition(" asked for")[0].replace(",", ""))
            assert tuple(label.xy) == (count, pytest.approx(means[count]))
            box = Text.get_window_extent(label, renderer)  # the text alone, not its leader
            assert panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 and box.y1 <= panel.y1, (
                label.get_text(), box, panel)
            boxes.append(box)
        assert not boxes[0].overlaps(boxes[1])


def test_figure_s1_keeps_eight_labels_inside_the_panel_apart(uneven_photos, tmp_path):
    """Eight counts no class of 2, 4 and 6 images could all give, seven crowded beside the y axis: the labels
    of one quarter of a panel were stacked 22 pt apart without end, out of the panel. Every label lies
    inside its panel once drawn, apart from every other label and from the legend."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    counts = (3, 4, 5, 6, 7, 8, 9, 1000)
    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, counts))[0]
    figure = figures_reduced.figure_s1(Figure, results)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    for axes in figure.axes:
        panel = axes.get_window_extent(renderer)
        boxes = [Text.get_window_extent(label, renderer) for label in axes.texts]
        assert len(boxes) == len(counts)
        for label, box in zip(axes.texts, boxes):
            assert panel.x0 <= box.x0 and box.x1 <= panel.x1 and panel.y0 <= box.y0 and box.y1 <= panel.y1, (
                label.get_text(), box, panel)
        legend = [axes.get_legend().get_window_extent(renderer)] if axes.get_legend() else []
        for index, box in enumerate(boxes):
            assert not any(box.overlaps(other) for other in boxes[index + 1:] + legend), axes.texts[index].get_text()


def write_scheduled_grid(out, iterations):
    """The base on every class and reduced-data runs of 10 and 100 images a class, each kind's config.json
    recording the iterations ``iterations`` gives it ({"base": 40, "reduced": 40}; none recorded where absent)."""
    for run in grid.plan_grid(random_seeds=(), per_class=(10, 100)):
        kind = "reduced" if run.per_class else "base"
        config = {"split": "all", "per_class": run.per_class}
        if kind in iterations:  # the learning rates apart, as a grid's two kinds
            config |= {"max_iter": iterations[kind], "base_lr": 0.01 if run.per_class else 0.02}
        write_run(out, run, 0.3 + 0.001 * (run.per_class or 500), config=config)
    return out


@pytest.mark.parametrize("iterations, words", [
    ({"base": 40, "reduced": 40}, "40 iterations as the reduced-data runs"),
    ({"base": 1200, "reduced": 533}, "1,200 iterations; the reduced-data runs 533"),
    ({}, "its own schedule"),
], ids=["both-max-iter-40", "base-longer", "unrecorded"])
def test_figure_s1_base_line_says_the_schedule_its_runs_recorded(tmp_path, iterations, words):
    """Both kinds trained --max-iter 40 (lr and step apart): the base line said "full schedule" all the same.
    It says the iterations the runs' config.json recorded, and how the reduced-data runs' compare."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_scheduled_grid(tmp_path / "grid", iterations))[0]
    recorded = {r.run.kind: dict(r.schedule).get("max_iter") for r in results}
    assert recorded == {"base": iterations.get("base"), "reduced": iterations.get("reduced")}
    for axes in figures_reduced.figure_s1(Figure, results).axes:
        (base,) = [line.get_label() for line in axes.lines if line.get_label().startswith("base:")]
        assert base == f"base: every training image, {words} (1 network)"
        assert "full schedule" not in base


@pytest.mark.parametrize("reference", ["paper", None], ids=["paper", "own"])
def test_figure_s1_works_out_each_set_of_accuracies_once(uneven_photos, tmp_path, monkeypatch, reference):
    """The reduced-data runs' accuracies by count were worked out four times a figure (each panel, and twice
    for the labels of the images used), the paper's and the base line's words twice: once each."""
    Figure = pytest.importorskip("matplotlib.figure").Figure
    results = collect(write_reduced_grid(tmp_path / "grid", uneven_photos, (3, 10)))[0]
    calls = []
    for name in ("_accuracy_by_per_class", "_base_words"):
        real = getattr(figures_reduced, name)
        monkeypatch.setattr(figures_reduced, name, lambda *args, real=real, name=name: calls.append(
            (name, *(tuple(map(id, arg)) for arg in args))) or real(*args))
    figure = figures_reduced.figure_s1(Figure, results, reference and read_reference(reference))
    assert all(len(axes.texts) == 2 for axes in figure.axes)  # the labels of the images used drawn
    assert len(calls) == len(set(calls)) == 2 + bool(reference), calls

"""What the report's figures and tables call the networks, as a researcher's trial of a small grid of
own data met them: a legend said "(mean ± s.d.)" of one network, the learning curves titled baseA's
and baseB's column "baseB" and drew the source base of a cross-dataset grid among its target's runs,
results.md's treatment column said baseB of a baseA without a word, and A1B+ came before A1B."""

import collections
import json
import re

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import figures, figures_curves, report
from minitransfer.cli import main
from minitransfer.experiment import LOG_FILE
from minitransfer.results import Result
from test_report import read_csv, write_run

Figure = pytest.importorskip("matplotlib.figure").Figure


def pattern(label):
    """A run's label with its n as n, the test's own rule: A1B+ -> AnB+, baseA -> baseA."""
    return re.sub(r"[0-9]+", "n", label)


def networks(runs):
    """A Result of each run whose learning curve is its own flat line, at a height that names it."""
    return [Result(run, 0.5, 0.5, 0.5, 2, curve=((10, index / 100), (20, index / 100)))
            for index, run in enumerate(runs)]


def legend_counts(axes):
    """{legend label: [networks at each point]} of a panel's means, counted from its runs' dots (not
    the error bars' caps) of the mean's colour within a jitter of its x."""
    dots = [line for line in axes.lines if line.get_linestyle() == "None" and line.get_marker() not in ("_", "|")]
    counts = {}
    for container in axes.containers:
        mean = container.lines[0]
        counts[container.get_label()] = [sum(1 for line in dots if line.get_color() == mean.get_color()
                                             for dot in line.get_xdata() if abs(dot - x) < 0.05)
                                         for x in mean.get_xdata()]
    return counts


@pytest.mark.parametrize("seeds", [(0,), (0, 1)], ids=["one-network-a-point", "two-networks-a-point"])
def test_the_legends_say_how_many_networks_each_point_is(seeds):
    """One split seed: each transfer's point is one network, which the legend called a mean ± s.d.; the
    pooled bases are two. Two seeds: two networks a point, four bases."""
    results = networks(grid.plan_grid(random_seeds=seeds, layers=(1, 2)))
    top, bottom = figures.draw_all(Figure, results)["figure2"].axes
    for axes in (top, bottom):
        for label, counts in legend_counts(axes).items():
            if max(counts) == 1:
                assert "s.d." not in label and label.endswith("(1 network per n)"), label
            else:
                assert label.endswith(f"(mean ± s.d. of {counts[0]} networks{' per n' * (len(counts) > 1)})"), label
    bases = next(label for label in legend_counts(top) if label.startswith("bases"))
    assert bases.endswith(f"(mean ± s.d. of {2 * len(seeds)} networks)")
    title = top.get_title()
    assert ("where 2 or more networks" in title) == (len(seeds) == 1), title


def test_a_figure_of_one_network_a_point_says_it_draws_no_spread():
    """A cross-dataset grid and reduced-data runs of one network each: every legend and the titles
    said mean ± s.d."""
    runs = grid.plan_grid(random_seeds=(), layers=(1, 2), cross=True, per_class=(5, 10))
    drawn = figures.draw_all(Figure, networks(runs))
    top, bottom = drawn["figure_cross"].axes
    assert "no mean, no s.d." in top.get_title()
    assert "no mean, no s.d." in drawn["figure_s1"].texts[0].get_text()
    labels = [container.get_label() for figure in (drawn["figure_cross"], drawn["figure_s1"])
              for axes in figure.axes for container in axes.containers]
    assert len(labels) == 5 + 4 + 2 and not [label for label in labels if "s.d." in label]
    assert "reduced data (1 network per size)" in labels


def test_the_learning_curves_columns_are_titled_by_the_runs_they_hold():
    """Each column's title names the runs whose curves it draws (baseA and baseB: "baseA, baseB", not
    the pooled "baseB"; AnB and BnA), and a cross-dataset grid's source base, scored on the other
    dataset, has a column of its own."""
    runs = grid.plan_grid(layers=(1,), both_directions=True, natural=True, cross=True)
    height = {round(r.curve[0][1] * 100): r.run for r in networks(runs)}
    figure = figures_curves.curves(Figure, networks(runs))
    columns = len(figure.axes) // 2
    held = {}
    for loss_axes, top1_axes in zip(figure.axes[:columns], figure.axes[columns:]):
        drawn = [height[round(segment[0][1] * 100)] for lines in top1_axes.collections
                 for segment in lines.get_segments()]
        title = loss_axes.get_title()
        names = title.split(":\n")[-1] if ":\n" in title else title.split(" (")[0]
        held[title] = [run.label for run in drawn]
        assert set(names.split(", ")) == {pattern(run.label) for run in drawn}, title
        assert f"({len(drawn)} run{'s' * (len(drawn) > 1)})" in title
    assert sorted(sum(held.values(), [])) == sorted(run.label for run in runs)  # every run drawn once
    source = [title for title, labels in held.items() if "baseS" in labels]
    assert len(source) == 1 and held[source[0]] == ["baseS"] and "source" in source[0]
    assert "baseA, baseB (2 runs)" in held and "AnB, BnA (2 runs)" in held


def write_grid(out, runs):
    for run in runs:
        write_run(out, run, 0.5 + 0.001 * len(run.name))
    return out


def test_results_md_says_which_runs_the_pooled_treatments_hold(tmp_path):
    """baseA's row said treatment baseB, B1A's AnB, a cross grid's baseS "source" and its baseT baseB,
    without a word: results.md says each run's label is its own and what the treatment pools, for
    every pair the rows show (the CSV keeps its columns)."""
    runs = grid.plan_grid(layers=(1,), both_directions=True, cross=True)
    written = report.write_report(write_grid(tmp_path / "grid", runs), tmp_path / "report", figures=False)
    text = written.files["results.md"].read_text()
    rows = read_csv(written.files["results.csv"])
    assert list(rows[0]) == list(report.COLUMNS)
    pooled = {(pattern(row["label"]).rstrip("+"), row["treatment"].rstrip("+")) for row in rows
              if pattern(row["label"]).rstrip("+") != row["treatment"].rstrip("+")}
    assert {own for own, _ in pooled} == {"baseA", "BnA", "AnA", "baseS", "baseT", "SnT", "TnT"}
    assert "footnote 3" in text
    for own, treatment in pooled:
        said = f'{own}, the source base (trained and scored on the other dataset), is "source"' \
            if own == "baseS" else f"{own} counts as {treatment}"
        assert said in text, said


def test_results_md_says_only_the_pooling_its_runs_show(tmp_path):
    """Random-weights and reduced-data controls on every class, which footnote 3 does not pool: their base
    was said to count as baseB; its treatment is its own label, and no pooling is said."""
    runs = grid.plan_grid(random_seeds=(), random_frozen=(1,), per_class=(5,))
    written = report.write_report(write_grid(tmp_path / "grid", runs), tmp_path / "report", figures=False)
    assert "footnote 3" not in written.files["results.md"].read_text()
    assert {row["run"]: row["treatment"] for row in read_csv(written.files["results.csv"])}["all/base"] == "base"


def test_a_networks_frozen_run_comes_before_its_fine_tuned_one(tmp_path):
    """results.md and results.csv listed A1B+ before A1B (their folders sorted "A1B+.run" first: "+"
    before "."), and random10 before random2."""
    runs = grid.plan_grid(random_seeds=(2, 10), layers=(1, 2))
    written = report.write_report(write_grid(tmp_path / "grid", runs), tmp_path / "report", figures=False)
    names = [row["run"] for row in read_csv(written.files["results.csv"])]
    md = [line.split(" | ")[0].lstrip("| ") for line in written.files["results.md"].read_text().splitlines()
          if line.startswith("| random")]
    assert md == names and sorted(names) == sorted(run.name for run in runs)
    tuned = [name for name in names if name.endswith("+")]
    assert tuned and all(names.index(name[:-1]) == names.index(name) - 1 for name in tuned)
    seeds = [int(name.split("/")[0][len("random"):]) for name in names]
    assert seeds == sorted(seeds)
    assert collections.Counter(seeds) == {2: len(runs) // 2, 10: len(runs) // 2}


@pytest.mark.usefixtures("placeholder_figures")
def test_every_list_of_runs_puts_a_splits_bases_first_then_its_copies_by_n(tmp_path):
    """results.md and results.csv put a split's bases after its transfers (capital letters first:
    A1B before baseA) and A10B before A2B; the runs not finished and those failed were in folder
    order (A1B+ before A1B, random10 before random2). Every list now reads as experiment plans a
    folder (its bases, then at each n the selffers, the transfers, frozen before fine-tuned), the
    folders by name, numbers by value."""
    runs = grid.plan_grid(random_seeds=(10, 2), layers=(1, 2, 10), reverse_layers=(1,), random_frozen=(10, 2),
                          per_class=(5,))
    by_folder = collections.defaultdict(list)  # the test's oracle: experiment's order within a folder
    for run in runs:
        by_folder[run.name.split("/")[0]].append(run.name)
    by_folder["all"].sort(key=lambda name: (not name.endswith("/base"), len(name), name))  # base, random2, ...
    expected = by_folder["all"] + by_folder["random2"] + by_folder["random10"]
    finished = set(expected[::2])
    failed = set(expected[1::4])
    runs_dir = tmp_path / "grid"
    for run in runs:
        if run.name in finished:
            write_run(runs_dir, run, 0.5)
            continue
        folder = grid.run_dir(runs_dir, run)
        folder.mkdir(parents=True)
        (folder / "treatment.json").write_text(json.dumps(run.to_json()))
        if run.name in failed:
            (folder / LOG_FILE).write_text("$ minitransfer train ...\nerror: bad data: shard cut short\n")
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert [row["run"] for row in read_csv(tmp_path / "r" / "results.csv")] == [n for n in expected if n in finished]
    unfinished = [name for name in expected if name not in finished]
    said = {name: (tmp_path / "r" / name).read_text() for name in ("results.md", "findings.md")}
    states = [f"{name} ({'failed' if name in failed else 'not started'})" for name in unfinished]
    assert f"Not finished ({len(unfinished)}): {', '.join(states)}\n" in said["results.md"]
    assert f"in no finding until they are: {', '.join(states)}\n" in said["findings.md"]
    assert f"  not finished ({len(unfinished)}, left out): {', '.join(states[:5])} and " in result.output
    errors = [name for name in unfinished if name in failed]
    for text in said.values():
        assert [line[2:].split(":")[0] for line in text.split("## Failed")[1].split("\n\n")[1].splitlines()] \
            == errors
    assert [line.split(": ")[2] for line in result.stderr.splitlines() if line.startswith("warning: failed: ")][:5] \
        == errors[:5]

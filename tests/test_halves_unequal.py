"""A random split of an odd number of classes gives half A the floor of half of them and half B the rest
(9 classes: 4 and 5). Only `splits` showed it: its help said "half to A, half to B", experiment's "half
the classes", its dry run no class counts, and results.md ("baseA counts as baseB") and Figure 2's top
panel pooled raw accuracies of 4-class and 5-class halves without a word. The class counts here are
those the tests made (a dataset of 7 classes, result.json files recording what their runs scored on)."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.cli import main
from minitransfer.data import build
from minitransfer.data.decode import ImportItem
from minitransfer.data.splits import random_halves
from test_report import write_run

TRAIN_IMAGES = (4, 4, 3, 4, 4, 4, 5)  # of each class: 7 classes, an odd number (halves of unequal size)
CLASSES = len(TRAIN_IMAGES)


@pytest.fixture(scope="module")
def odd_data(tmp_path_factory):
    rng = np.random.default_rng(0)
    classes = [{"index": index, "wnid": f"c{index}", "name": f"c{index}"} for index in range(CLASSES)]

    def subset(per_class):
        labels = np.repeat(np.arange(len(per_class)), per_class)
        return [ImportItem(pixels=rng.integers(0, 256, (14, 14, 3), dtype=np.uint8)) for _ in labels], labels, {}

    path = tmp_path_factory.mktemp("data") / "seven"
    build.build_dataset(path, source={"kind": "test"}, classes=classes, size=14, workers=0,
                        subsets={"train": subset(TRAIN_IMAGES), "val": subset([2] * CLASSES)})
    return str(path)


def _help(*command):
    shown = CliRunner().invoke(main, [*command, "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    return " ".join(shown.output.split())


def _split_halves(data, seed):
    """{half: classes} as `minitransfer splits` prints them (its JSON), which always showed them."""
    shown = CliRunner().invoke(main, ["splits", data, "random", "--split-seed", str(seed), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    return {half["half"]: len(half["classes"]) for half in json.loads(shown.stdout)}


@pytest.mark.parametrize("command, said", [
    (("splits",), r"(\d+) classes give (\d+) and (\d+)"),
    (("experiment",), r"(\d+) classes give A (\d+)()"),
], ids=["splits", "experiment"])
def test_the_helps_say_how_an_odd_number_of_classes_is_split(command, said):
    found = re.search(said, _help(*command))
    assert found, f"{command[0]}'s help does not say how an odd number of classes is split"
    classes, a, b = (int(number) if number else None for number in found.groups())
    assert classes % 2 == 1, "the example is of halves that differ"
    for seed in range(3):  # as the split draws them, for any seed
        half_a, half_b = random_halves(classes, seed)
        assert len(half_a) == a and (b is None or len(half_b) == b) and len(half_a) + len(half_b) == classes


def test_the_dry_run_says_the_halves_class_counts_where_they_differ(odd_data, micro_data, tmp_path):
    done = CliRunner().invoke(main, ["experiment", "--data", odd_data, "-o", str(tmp_path / "g"), "--layers", "1",
                                     "--no-fine-tuned", "--split-seed", "0", "--split-seed", "1", "--dry-run"])
    assert done.exit_code == 0, done.output
    halves = [_split_halves(odd_data, seed) for seed in (0, 1)]
    assert halves[0] == halves[1] and sum(halves[0].values()) == CLASSES and halves[0]["A"] != halves[0]["B"]
    said = [line for line in done.stdout.splitlines() if ": half A " in line]
    assert said == [f"random0, random1: half A {halves[0]['A']} classes, half B {halves[0]['B']} (A gets the floor "
                    f"of half the classes, B the rest)"], done.stdout
    even = CliRunner().invoke(main, ["experiment", "--data", micro_data, "-o", str(tmp_path / "even"), "--layers",
                                     "1", "--no-fine-tuned", "--dry-run"])
    assert even.exit_code == 0 and ": half A " not in even.stdout, even.output  # 4 classes: 2 and 2


def _write_grid(out, classes_a, classes_b, bases=(0.6, 0.6)):
    """A grid at n = 1, both directions, whose result.json files record the classes each run was scored on
    (``bases``: the accuracies of baseA and baseB)."""
    for run in grid.plan_grid(random_seeds=(0, 1), layers=(1,), both_directions=True):
        write_run(out, run, dict(zip("AB", bases))[run.target] if run.kind == "base" else 0.55)
        path = grid.run_dir(out, run) / "result.json"
        classes = classes_a if run.target == "A" else classes_b
        path.write_text(json.dumps({**json.loads(path.read_text()),
                                    "validation": {"images": 10 * classes, "classes": classes}}))
    return out


def test_the_report_says_where_it_pools_halves_of_unequal_size(tmp_path):
    written = report.write_report(_write_grid(tmp_path / "grid", 3, 4), tmp_path / "r", figures=False)
    pooled = next(line for line in written.files["results.md"].read_text().splitlines()
                  if "baseA counts as baseB" in line)
    note = "half A holds 3 classes and half B 4 (A gets the floor of half the classes, B the rest)"
    assert note in pooled and "not like for like" in pooled, pooled
    assert note in written.files["table1.md"].read_text()


def test_table1s_note_on_unequal_halves_is_true_where_its_pooled_column_shows_none(tmp_path):
    """Bases of the halves 30 points apart (beyond INTERCHANGEABLE): Table 1's pooled column shows – (the
    halves are not pooled), and its note said raw accuracies pooled in "Table 1's pooled column" were not like
    for like."""
    written = report.write_report(_write_grid(tmp_path / "grid", 3, 4, bases=(0.65, 0.95)), tmp_path / "r",
                                  figures=False)
    table1 = written.files["table1.md"].read_text()
    own, pooled = next(line.split("|")[2:4] for line in table1.splitlines() if line.startswith("| 1 to 7 |"))
    assert re.fullmatch(r"[+-]\d+\.\d", own.strip()) and pooled.strip() == "–", table1  # measured, not pooled
    note = next(line for line in table1.splitlines() if "not like for like" in line)
    assert "Table 1's pooled column)" not in note and "Table 1's pooled column, where it shows numbers" in note, note


def test_a_report_of_equal_halves_says_nothing_of_their_size(tmp_path):
    written = report.write_report(_write_grid(tmp_path / "grid", 4, 4), tmp_path / "r", figures=False)
    for name in ("results.md", "table1.md"):
        assert "like for like" not in written.files[name].read_text()


@pytest.mark.parametrize("classes_a, classes_b, said", [
    (4, 5, "bases (A and B pooled: 4 and 5 classes)"),
    (5, 5, "bases (A and B pooled)"),
], ids=["4-and-5", "5-and-5"])
def test_figure_2s_pooled_bases_say_the_halves_class_counts(classes_a, classes_b, said):
    from test_figures import Figure
    from minitransfer import figures_paper
    from minitransfer.results import Result

    runs = grid.plan_grid(random_seeds=(0, 1), layers=(1,), both_directions=True)
    results = [Result(run, 0.5, 0.5, 0.5, 10, scored_on=(20, classes_a if run.target == "A" else classes_b))
               for run in runs]
    top = figures_paper.figure2(Figure, results).axes[0]
    labels = [text.get_text() for text in top.get_legend().get_texts()]
    assert any(label.startswith(f"{said} (") for label in labels), labels


def test_train_per_class_help_and_warning_name_the_same_classes(odd_data):
    """The help said a class with "no more images than" N is warned of; the warning names only those with
    fewer (a class of exactly N gives what N asks, all it has): they agree now on "fewer"."""
    from minitransfer.data import dataset
    from minitransfer.data.splits import make_half

    said = re.search(r"--per-class N .*?\.", _help("train")).group(0)
    assert "a class with fewer keeps all it has, which a warning names" in said and "no more" not in said, said
    asked = 4
    note = make_half(dataset.open_dataset(odd_data), "all", per_class=asked).short_classes_note()
    fewer = [f"'c{index}' ({count})" for index, count in enumerate(TRAIN_IMAGES) if count < asked]
    assert note.endswith(f"have fewer than {asked} training images, and keep all they have: {', '.join(fewer)}"), note

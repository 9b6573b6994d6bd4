"""Transfers trained from another grid's bases (another --seed), copied into a grid folder beside its own bases: the
report measured them against the bases beside them, which they were not trained from (their recorded base's
sha256 none of those bases' result.json records), and pooled them silently into the findings, while
``experiment`` on the same folder refuses them. They are left out of the findings now, each named with the base
it copied and the one beside it, as the runs without their base are; the grid's own transfers stay in."""

import shutil

import pytest
import two_machines
from click.testing import CliRunner

from minitransfer import comparisons
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.report import measure

GRID = ["--no-fine-tuned", "--preset", "micro", "--max-iter", "4", "--device", "cpu"]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """grid/: n = 1 trained with the default seed; other/: n = 2 with --seed 1, its A2B and B2B (run folders and
    weights files) copied into grid/random0/ beside grid's own bases."""
    root = tmp_path_factory.mktemp("identity")
    data = str(root / "data")
    synthetic.build_synthetic(data, classes=4, train_per_class=8, val_per_class=4, size=14, seed=1)
    for folder, options in (("grid", ["--layers", "1"]), ("other", ["--layers", "2", "--seed", "1"])):
        result = CliRunner().invoke(main, ["experiment", "--data", data, "-o", str(root / folder), *options, *GRID])
        assert result.exit_code == 0, result.output
    for name in ("A2B", "B2B"):
        shutil.copytree(root / "other" / "random0" / f"{name}.run", root / "grid" / "random0" / f"{name}.run")
        shutil.copy2(root / "other" / "random0" / f"{name}.h5", root / "grid" / "random0" / f"{name}.h5")
    return root


def test_the_copied_transfers_are_left_out_of_the_findings(mixed):
    report = measure(mixed / "grid")
    named = {text.split(":")[0]: text for text in report.without_base}
    assert sorted(named) == ["random0/A2B", "random0/B2B"], report.without_base
    for name, half in (("A2B", "A"), ("B2B", "B")):
        assert str(mixed / "other" / "random0" / f"base{half}.h5") in named[f"random0/{name}"]
        assert f"not from random0/base{half} here" in named[f"random0/{name}"]
    assert list(comparisons.relative_by_n(report.results, bases=report.bases)) == [1]
    assert list(comparisons.relative_by_n(report.results, treatment="BnB", bases=report.bases)) == [1]


@pytest.mark.usefixtures("placeholder_figures")
def test_the_report_warns_of_them_as_the_grid_refuses_them(mixed, tmp_path):
    result = CliRunner().invoke(main, ["experiment", "--data", str(mixed / "data"), "-o", str(mixed / "grid"),
                                       "--layers", "1,2", "--dry-run", *GRID])
    assert result.exit_code == 2 and "another network" in result.output, result.output
    result = CliRunner().invoke(main, ["report", str(mixed / "grid"), "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    said = [line for line in result.output.splitlines() if "left out of the findings" in line]
    assert len(said) == 2 and all("copied its first 2 layers from" in line for line in said), result.output


def test_another_machines_transfers_beside_the_copy_of_its_base_counted_once_stay_in(tmp_path_factory):
    """Two machines' grids of the same seed gathered (as tests/test_relocated_merged_grids.py gathers them): each
    base's weights file records its own paths, another sha256 on each machine; tuesday's transfers, which recorded
    tuesday's, are measured against monday's base counted once, which keeps both sha256s."""
    report = measure(two_machines.gathered(tmp_path_factory))  # trained once per process, shared
    assert report.without_base == []
    kept = {r.run.name: r for r in report.results}["monday/random0/baseA"]
    assert len(set(kept.weights_sha256)) == 2, kept.weights_sha256
    assert list(comparisons.relative_by_n(report.results, bases=report.bases)) == [1, 2]

"""Two machines' grids gathered into one folder for one report: machine A trained n = 1, machine B (the same
dataset prepared again there, another path) trained n = 2 with its own bases, the same networks as A's (train
is deterministic). The report counts each base once, as A's; before, B's transfers then had no base of
their own ("its base tuesday/random0/baseB is not among the runs", though it was just counted as A's) and
were left out of every finding measured against a base."""

import pytest
import two_machines
from click.testing import CliRunner

from minitransfer import comparisons
from minitransfer.cli import main
from minitransfer.results import collect

@pytest.fixture(scope="module")
def gathered(tmp_path_factory):
    """runs/monday: machine A's grid at n = 1; runs/tuesday: machine B's at n = 2, on its own copy of the dataset."""
    return two_machines.gathered(tmp_path_factory)


def test_the_bases_are_counted_once(gathered):
    results, _, left_out = collect(gathered)
    assert sorted(r.run.name for r in results if r.run.kind == "base") == ["monday/random0/baseA",
                                                                         "monday/random0/baseB"]
    assert sum("the same network as monday/random0/base" in text for text in left_out) == 2


def test_the_other_machines_transfers_are_measured_against_the_base_counted_once(gathered):
    results, _, _ = collect(gathered)
    bases = comparisons.Bases(results)
    by_name = {r.run.name: r for r in results}
    for name in ("tuesday/random0/A2B", "tuesday/random0/B2B"):
        assert [b.run.name for b in bases.of(by_name[name])] == ["monday/random0/baseB"]
    assert bases.random_pairs() == [(by_name["monday/random0/baseA"].mean10_top1,
                                     by_name["monday/random0/baseB"].mean10_top1)]  # one pair: no base twice


@pytest.mark.usefixtures("placeholder_figures")
def test_the_report_says_no_base_is_missing(gathered, tmp_path):
    result = CliRunner().invoke(main, ["report", str(gathered), "-o", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    assert "not among the runs" not in result.output, result.output

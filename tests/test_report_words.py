"""What the report's words say its numbers are: results.md called the label column "each run's own name"
while a run named B3B trained with --half A is labelled B3A; table1.md wrote a boost "+28.3%" where
findings.md says "points" for the same kind of difference; findings.md's "seed spread" was never defined."""

import pytest

from minitransfer import experiment as grid
from minitransfer import report
from test_findings import by_claim, random_grid
from test_report import ACCURACY, write_run, write_runs

# a run given one name and trained as another network: its records say B3A (--half A, copied from baseB)
MISNAMED = grid.Run(name="random0/B3B-half-a", kind="transfer", split="random", split_seed=0, target="A", source="B",
                    n=3, parent="random0/baseB")


def test_results_say_the_label_is_the_network_and_the_run_its_name(tmp_path):
    runs = write_runs(tmp_path / "grid")
    write_run(runs, MISNAMED, 0.4)
    text = report.write_report(runs, tmp_path / "r", figures=False).files["results.md"].read_text()
    assert f"| {MISNAMED.name} | B3A | AnB |" in text  # the network, not its name
    assert "each run's own name" not in text
    assert "The run column is the name each run was given; the label column is what its network is" in text


def test_table1_gives_its_boosts_in_the_findings_unit_and_says_it(tmp_path):
    """Boosts in percentage points of top-1 accuracy, as findings.md gives differences and as the paper's
    Table 1 meant its "%" (absolute accuracy: 1.6% over baseB's 62.5%), said above the table."""
    written = report.write_report(write_runs(tmp_path / "grid"), tmp_path / "r", figures=False)
    table = written.files["table1.md"].read_text()
    header, body = table.split("| layers aggregated |")
    assert "percentage points" in header and "points" in written.files["findings.md"].read_text()
    own = 100 * (ACCURACY["random0/A5B+"] - ACCURACY["random0/baseB"])
    assert f"| 5 to 7 | {own:+.1f} |" in body
    assert "%" not in body


@pytest.mark.parametrize("seeds", [1, 3])
def test_the_seed_spread_is_said_where_it_is_used(seeds):
    """Defined in the specific finding, which uses it: across which networks; with one split seed, that it
    is no spread across seeds."""
    results = random_grid(transfer=(0.50, 0.51, 0.49)[:seeds], selffer=(0.60, 0.61, 0.59)[:seeds])
    text = by_claim(results)["specific"].text
    assert "Its seed spread is the larger standard deviation of the AnB and of the BnB at n=7, each network relative " \
           "to its own base, across their split seeds and target halves" in text
    assert ("here all are of split seed 0, so it is no spread across seeds" in text) == (seeds == 1)

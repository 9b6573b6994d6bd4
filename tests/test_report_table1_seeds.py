"""Table 1's pooled columns in a grid partly trained: AnB+ finished on the easy split seeds only,
BnB+ on the hard ones. The numbers stay the paper's definition (every run averaged); table1.md and
the terminal say which seeds each side of such a column holds, and a complete grid says nothing."""

import json

import pytest
from click.testing import CliRunner

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.cli import main
from minitransfer.results import Result
from test_report import read_csv, write_run

# split seeds 0 and 1 easy (bases at 0.70), 2 and 3 hard (0.50); every fine-tuned copy 2 points above its base
BASE = {0: 0.70, 1: 0.70, 2: 0.50, 3: 0.50}
UNPAIRED_SELFFER = ("Table 1's column \"over selffer BnB+\" compares AnB+ of split seeds 0, 1 with BnB+ of split "
                    "seeds 2, 3 (averaged over all runs, as the paper defines it, not split by split); the column "
                    "\"over the own target's base\" pairs each network with its own split's base")
UNPAIRED_POOLED = ("Table 1's column \"over baseA+baseB pooled (paper)\" compares AnB+ of split seeds 0, 1 with "
                   "baseA and baseB of split seeds 0-3 (averaged over all runs, as the paper defines it, not split "
                   "by split); the column \"over the own target's base\" pairs each network with its own split's base")


def write_grid(out, keep=lambda run: True):
    """The runs of a grid of four random split seeds at n = 3 that ``keep`` keeps, under ``out``."""
    for run in grid.plan_grid(random_seeds=tuple(BASE), layers=(3,)):
        if keep(run):
            write_run(out, run, BASE[run.split_seed] + (0.02 if run.fine_tuned else 0.0))
    return out


def report_of(runs_dir, out):
    result = CliRunner().invoke(main, ["report", str(runs_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result.output, (out / "table1.md").read_text(), {row["layers"]: row for row in read_csv(out / "table1.csv")}


def test_pooled_columns_of_runs_of_other_split_seeds_say_which_seeds(tmp_path):
    """AnB+ on the easy seeds 0, 1 and BnB+ on the hard 2, 3: the BnB+ column shows +20% where every
    network gained 2 points over its own base; the numbers are the paper's definition, and a line
    names each pooled column, the seeds of each side and the own-base column that pairs them."""
    runs_dir = write_grid(tmp_path / "grid", keep=lambda run: run.treatment not in ("AnB+", "BnB+")
                          or (run.treatment == "AnB+") == (run.split_seed < 2))
    printed, table, rows = report_of(runs_dir, tmp_path / "r")
    assert float(rows["3 to 7"]["boost_over_own_base"]) == pytest.approx(0.02)
    assert float(rows["3 to 7"]["boost_over_pooled_base"]) == pytest.approx(0.12)
    assert float(rows["3 to 7"]["boost_over_BnB+"]) == pytest.approx(0.20)
    assert "| 3 to 7 | +2.0 | +12.0 | +20.0 | 3 |" in table
    assert f"\nCareful: {UNPAIRED_POOLED}.\n" in table and f"\nCareful: {UNPAIRED_SELFFER}.\n" in table
    assert "compares AnB+" not in printed  # under the table only (the CPU demo would print one every time)


def test_a_complete_grid_has_no_line_on_unpaired_seeds(tmp_path):
    printed, table, rows = report_of(write_grid(tmp_path / "grid"), tmp_path / "r")
    assert float(rows["3 to 7"]["boost_over_BnB+"]) == pytest.approx(0.0, abs=1e-9)
    assert "compares AnB+" not in table and "compares AnB+" not in printed and "Careful" not in table


def test_a_seed_missing_at_one_n_is_named_at_that_n():
    """Seed 1's AnB+ at n = 5 not finished: only n = 5 compares other seeds, and the line says so."""
    runs = [run for run in grid.plan_grid(random_seeds=(0, 1), layers=(3, 5)) if run.name != "random1/A5B+"]
    results = [Result(run, 0.6, 0.6, 0.6, 20) for run in runs]
    assert report.table1_unpaired(results) == [
        f"Table 1's column \"{column}\" compares AnB+ of split seed 0 with {controls} of split seeds 0, 1 at n = 5 "
        f"(averaged over all runs, as the paper defines it, not split by split); the column \"over the own target's "
        f"base\" pairs each network with its own split's base"
        for column, controls in (("over baseA+baseB pooled (paper)", "baseA and baseB"), ("over selffer BnB+", "BnB+"))]


def test_table1_of_a_grid_whose_fine_tuned_runs_are_not_finished_says_so_not_to_rerun_with_options(tmp_path):
    """A grid still training, its bases and BnB finished, its AnB+ planned and not: Table 1 said "not
    measured (...: experiment --split random, without --no-fine-tuned)", options the grid was given."""
    runs_dir = tmp_path / "grid"
    for run in grid.plan_grid(layers=(3,)):
        folder = grid.run_dir(runs_dir, run)
        if run.kind == "base" or run.label == "B3B":
            write_run(runs_dir, run, 0.6)
        else:
            folder.mkdir(parents=True)
            (folder / "treatment.json").write_text(json.dumps(run.to_json()))
    _, table1_md, _ = report_of(runs_dir, tmp_path / "out")
    assert ("Table 1: not measured (no random-split AnB+ runs with their bases finished yet: 3 runs are not, "
            "named in results.md)." in table1_md), table1_md
    assert "--no-fine-tuned" not in table1_md


@pytest.mark.parametrize("unfinished, hint", [
    (["natural/B3A"], ": experiment --split random, without --no-fine-tuned"),
    (["natural/A3B+"], ": experiment --split random, without --no-fine-tuned"),
    (["random0/A3B+"], " finished yet: 1 run is not, named in results.md"),
    (["A3B+/net", "natural/B3A"], " finished yet: 2 runs are not, named in results.md"),
], ids=["no-AnB+-planned", "a-natural-AnB+", "a-random-AnB+", "an-AnB+-by-hand"])
def test_table1_says_not_finished_only_where_a_random_split_anb_plus_is_not(unfinished, hint):
    """A grid planned without AnB+ (--no-fine-tuned) whose natural B3A is not finished: Table 1 said
    its AnB+ were "not finished yet", though none was ever planned."""
    runs = [run for run in grid.plan_grid(layers=(1, 3), fine_tuned=False, natural=True) if run.name not in unfinished]
    results = [Result(run, 0.6, 0.6, 0.6, 20) for run in runs]
    assert report.table1_unmeasured(results, report.table1(results), unfinished) == (
        f"Table 1: not measured (no random-split AnB+ runs with their bases{hint}).")

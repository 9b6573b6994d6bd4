"""Table 1 said nothing of two of its gaps: a row whose AnB+ runs all made no evaluation showed –
in every column, without the line the other empty columns have; and the own-base column averaged
the AnB+ of the splits that have their own base, silently leaving out the others, which the pooled
and BnB+ columns average. A line under the table now says each."""

import shutil

from minitransfer import experiment as grid
from test_report import runs_dir, write_run  # noqa: F401  (fixture)
from test_report_table1_unpooled import NO_EVALUATION, table1_md

ROW = "The row for layers 5 to 7 shows – throughout: "
PARTIAL = ("The column \"over the own target's base\" averages only the AnB+ runs whose own target's base has an "
           "accuracy")


def test_a_row_whose_anb_plus_made_no_evaluation_says_why_it_is_empty(runs_dir, tmp_path):  # noqa: F811
    (runs_dir / "random0" / "A5B+.run" / "result.json").write_text(NO_EVALUATION)
    text = table1_md(runs_dir, tmp_path / "r")
    assert "| 5 to 7 | – | – | – | 5 |" in text
    assert (f"{ROW}its AnB+ runs (random0/A5B+: no accuracy, no evaluation made) are in none of its columns; "
            f"results.md names them.") in text, text


def test_a_table_whose_rows_have_accuracies_has_no_such_line(runs_dir, tmp_path):  # noqa: F811
    text = table1_md(runs_dir, tmp_path / "r")
    assert "shows – throughout" not in text and PARTIAL not in text


def test_an_own_base_column_leaving_out_the_splits_without_their_base_says_which(runs_dir, tmp_path):  # noqa: F811
    """random1's AnB+ and BnB+ beside random0's grid, without random1's bases: the pooled and BnB+ columns
    average both splits' AnB+, the own-base column random0's alone."""
    for run in grid.plan_grid(random_seeds=(1,), layers=(1, 3, 5), frozen=False):
        if run.treatment in ("AnB+", "BnB+"):
            write_run(runs_dir, run, 0.6)
    text = table1_md(runs_dir, tmp_path / "r")
    assert (f"{PARTIAL} throughout: those of split seed 1 are left out of it (random1/baseB: not among the runs), "
            f"while the pooled column averages every AnB+; results.md and findings.md name the runs left out of "
            f"it.") in text, text

    shutil.rmtree(runs_dir / "random0" / "A5B+.run")  # layers 5 to 7: random1's A5B+ alone, the column shows –
    text = table1_md(runs_dir, tmp_path / "r2")
    assert f"{PARTIAL} for layers 1 to 7 and 3 to 7: those of split seed 1" in text, text
    assert ("The column \"over the own target's base\" shows – for layers 5 to 7: no base of the AnB+ runs' own "
            "target has an accuracy (random1/baseB: not among the runs)") in text, text

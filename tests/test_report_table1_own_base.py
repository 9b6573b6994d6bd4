"""Table 1's own-base column (each AnB+ against the base of its own target) showed – where that base
is missing or made no evaluation, and table1.md said nothing of why (results.md and findings.md
name the runs left out of it). A line under the table now names the bases it lacks; none where the
table measures nothing (its "not measured" line says why) or where the column has its numbers."""

import shutil

import pytest

from minitransfer import experiment as grid
from minitransfer import report
from test_report import runs_dir, write_run  # noqa: F401  (fixture)
from test_report_replicate_folders import write_copy
from test_report_table1_unpooled import NO_EVALUATION, table1_md

OWN = "The column \"over the own target's base\" shows – "
WHY = ("; results.md and findings.md name the runs left out of it.")


@pytest.mark.parametrize("damage, said", [("missing", "random0/baseB: not among the runs"),
                                          ("without-evaluation", "random0/baseB: no accuracy, no evaluation made")])
def test_an_own_base_column_without_its_base_says_which(runs_dir, tmp_path, damage, said):  # noqa: F811
    folder = runs_dir / "random0" / "baseB.run"
    if damage == "missing":
        shutil.rmtree(folder)
    else:
        (folder / "result.json").write_text(NO_EVALUATION)
    text = table1_md(runs_dir, tmp_path / "r")
    assert "| 1 to 7 | – | – | +4.0 | 1, 3 and 5 |" in text  # AnB+ against BnB+ alone
    assert f"{OWN}throughout: no base of the AnB+ runs' own target has an accuracy ({said}){WHY}" in text


def test_an_own_base_column_empty_at_some_layers_names_them(runs_dir, tmp_path):  # noqa: F811
    """random0's n = 5 gone, and random1's A5B+ and B5B+ copied in without random1's bases: the layers
    5 to 7 have no own base, 1 to 7 and 3 to 7 theirs."""
    for name in ("A5B+", "B5B+"):
        shutil.rmtree(runs_dir / "random0" / f"{name}.run")
    for run in grid.plan_grid(random_seeds=(1,), layers=(5,), frozen=False):
        if run.treatment in ("AnB+", "BnB+"):
            write_run(runs_dir, run, 0.6)
    text = table1_md(runs_dir, tmp_path / "r")
    assert "| 1 to 7 | +3.5 | " in text and "| 5 to 7 | – | " in text  # A1B+, A3B+ against random0/baseB
    assert f"{OWN}for layers 5 to 7: no base of the AnB+ runs' own target has an accuracy (random1/baseB: not " \
           f"among the runs){WHY}" in text


def test_a_table_measuring_nothing_or_with_its_own_bases_has_no_such_line(runs_dir, tmp_path):  # noqa: F811
    """Only AnB+ copied into a folder, without their bases or BnB+: table1.md says "not measured", once."""
    assert OWN not in table1_md(runs_dir, tmp_path / "r")
    for run in grid.plan_grid(layers=(3,), frozen=False, selffer_fine_tuned=False):
        if run.treatment == "AnB+":
            write_run(tmp_path / "copies", run, 0.5)
    text = report.write_report(tmp_path / "copies", tmp_path / "r2", figures=False).files["table1.md"].read_text()
    assert "Table 1: not measured (no random-split AnB+ runs with their bases)." in text and OWN not in text


def test_an_own_base_in_no_folder_of_its_runs_while_others_hold_one_is_said_so(tmp_path):
    """r3's A5B+ trained by hand without its base, r1 and r2 holding one each: results.md said which is its
    own cannot be told, the table's line that its base was "not among the runs"."""
    for folder, n, accuracy in (("r1", 1, 0.6), ("r2", 1, 0.62), ("r3", 5, 0.64)):  # not copies of each other
        if folder != "r3":
            for half in "AB":
                write_run(tmp_path / "runs" / folder, grid.Run(f"base{half}", "base", "random", 0, target=half),
                          accuracy, treatment=False, config={"split": "random", "half": half})
        write_copy(tmp_path / "runs" / folder, f"A{n}B+", {"split": "random", "half": "B", "n": n, "frozen": False,
                                                           "copy_from": "baseA.h5", "accuracy": accuracy},
                   {"split_kind": "random", "split_half": "A"})
    text = table1_md(tmp_path / "runs", tmp_path / "r")
    assert f"{OWN}for layers 3 to 7 and 5 to 7: no base of the AnB+ runs' own target has an accuracy (r3/baseB: not " \
           f"in their folders, while other folders hold a base of their target (which is theirs cannot be told))" \
           f"{WHY}" in text, text
    results = (tmp_path / "r" / "results.md").read_text()
    assert "r3/A5B+: its base r3/baseB (random split 0, half B) is not in its folder, and 2 others hold one " \
           "(r1/, r2/)" in results, results

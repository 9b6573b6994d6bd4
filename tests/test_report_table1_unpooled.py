"""Table 1's pooled column (baseA and baseB averaged, as the paper pooled them) shows – where the
halves' bases disagree, and table1.md said only that; with no random split whose halves' bases
both have an accuracy (one half trained, its base missing or without an evaluation), it said the
halves disagreed, which nothing measured. A line now says why the column is empty."""

import pytest

from minitransfer import report
from test_report import runs_dir  # noqa: F401  (fixture)

UNPOOLED = ("The pooled column shows – throughout: no random split has both its halves' bases (baseA and baseB) "
            "with an accuracy, so whether they agree cannot be told.")
NO_EVALUATION = '{"final": {}, "best_top1": NaN, "mean10_top1": NaN, "evaluations": 0}'


def table1_md(runs_dir, out):
    report.write_report(runs_dir, out, figures=False)
    return (out / "table1.md").read_text()


@pytest.mark.parametrize("damage", ["missing", "without-evaluation"])
def test_a_pooled_column_without_both_halves_bases_says_why(runs_dir, tmp_path, damage):  # noqa: F811
    folder = runs_dir / "random0" / "baseA.run"
    if damage == "missing":
        (folder / "result.json").unlink()
        (folder / "treatment.json").unlink()
    else:
        (folder / "result.json").write_text(NO_EVALUATION)
    text = table1_md(runs_dir, tmp_path / "r")
    assert "| 1 to 7 | +5.0 | – | +4.0 | 1, 3 and 5 |" in text  # AnB+ against baseB (0.62), its own
    assert UNPOOLED in text


@pytest.mark.parametrize("baseA", [0.60, 0.50], ids=["halves-agree", "halves-disagree"])
def test_a_pooled_column_of_bases_that_can_be_compared_has_no_such_line(runs_dir, tmp_path, baseA):  # noqa: F811
    path = runs_dir / "random0" / "baseA.run" / "result.json"
    path.write_text(path.read_text().replace('"mean10_top1": 0.6', f'"mean10_top1": {baseA}'))
    assert UNPOOLED not in table1_md(runs_dir, tmp_path / "r")


SELFFER_LACKING = 'The column "over selffer BnB+" shows – '


@pytest.mark.parametrize("kept", [(), (3,)], ids=["none", "at-3"])
def test_a_selffer_column_without_bnb_plus_says_why(runs_dir, tmp_path, kept):  # noqa: F811
    """The demo on a CPU trains no BnB+: Table 1's BnB+ column, the paper's second, showed – without a word."""
    for folder in (runs_dir / "random0").glob("B[0-9]B+.run"):
        if int(folder.name[1]) not in kept:
            (folder / "result.json").unlink()
            (folder / "treatment.json").unlink()
    text = table1_md(runs_dir, tmp_path / "r")
    if kept:
        assert f"{SELFFER_LACKING}for layers 5 to 7: " in text  # 1 to 7, 3 to 7: measured at n = 3
        assert "the runs hold BnB+ at layers 3 alone" in text
    else:
        assert f"{SELFFER_LACKING}throughout: " in text and "the runs hold no BnB+ with an accuracy" in text


def test_a_selffer_column_with_its_bnb_plus_has_no_such_line(runs_dir, tmp_path):  # noqa: F811
    assert SELFFER_LACKING not in table1_md(runs_dir, tmp_path / "r")

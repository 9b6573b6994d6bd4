"""Table 1 of a grid that learned nothing: findings.md said its claims were not judged (the bases
at chance), but table1.md, the file a researcher compares with the paper's Table 1, showed its
boosts with no word of it. Now a line under the table names those bases."""

import pytest

from minitransfer import experiment as grid
from minitransfer import report
from minitransfer.data import synthetic
from minitransfer.results import Result
from test_report import write_run

# chance 25%: 3·sqrt(0.25·0.75/200), to 34.2%
BAND = "counted as chance up to 9.2 points above it on 200 validation images"


@pytest.fixture(scope="module")
def val_200(tmp_path_factory):
    """8 classes of 50 validation images: a random half holds 200, chance 25%, three binomial
    standard errors 9.2 points (narrow enough to tell a base that learned nothing)."""
    path = tmp_path_factory.mktemp("data") / "synthetic-8-val50"
    synthetic.build_synthetic(path, classes=8, train_per_class=1, val_per_class=50, size=14, seed=1)
    return str(path)


def table1_of(tmp_path, data, base_top1):
    """table1.md of a grid of two random splits at n = 1, 3 on ``data``: the bases at ``base_top1``,
    every copy 2 points above them."""
    runs = tmp_path / f"grid-{base_top1}"
    for run in grid.plan_grid(random_seeds=(0, 1), layers=(1, 3)):
        config = {"data": data, "split": run.split, "split_seed": run.split_seed, "half": run.target}
        write_run(runs, run, base_top1 + (0.02 if run.parent else 0.0), config=config)
    return report.write_report(runs, tmp_path / f"report-{base_top1}", figures=False).files["table1.md"].read_text()


def test_table1_of_bases_no_better_than_chance_says_so_under_the_table(tmp_path, val_200):
    text = table1_of(tmp_path, val_200, 0.25)
    assert "| 1 to 7 | +2.0 | +2.0 | +0.0 | 1 and 3 |" in text
    assert ("Careful: these boosts are of networks that copy their layers from, or are measured against, bases no "
            f"better than chance (random0/baseA (25.0%, chance 25.0%, {BAND}), random0/baseB (25.0%, chance 25.0%, "
            f"{BAND}), random1/baseA (25.0%, chance 25.0%, {BAND}) and 1 more): they learned nothing, so the boosts "
            "tell nothing of features (findings.md does not judge them; its runs to read with care list every "
            "base)." in text), text
    assert "chance" not in table1_of(tmp_path, val_200, 0.60)  # bases that learned: nothing said


@pytest.mark.parametrize("copies, named", [
    ((), ""),
    (("random1/A1B+",), f"random1/baseB (25.0%, chance 25.0%, {BAND})"),
    (("random1/B1B+",), f"random1/baseB (25.0%, chance 25.0%, {BAND})"),
], ids=["its-split-untabled", "own-base-of-an-AnB+", "parent-of-a-BnB+"])
def test_table1_names_only_the_bases_at_chance_it_compares_with(val_200, copies, named):
    """Split 1's baseB at chance, its baseA not (so the halves are not pooled), and none of its AnB+
    or BnB+ in the table: Table 1 named random1/baseB under boosts that never compare with it. It is
    named where split 1's A1B+ is measured against it, or its B1B+, copied from it, is compared."""
    split_1 = {"random1/baseA": 0.45, "random1/baseB": 0.25, "random1/A1B": 0.30, **dict.fromkeys(copies, 0.30)}
    results = [Result(run, 0.6, 0.6, 0.62 if run.parent else 0.6, 20, dataset=val_200) if run.split_seed == 0 else
               Result(run, 0.3, 0.3, split_1[run.name], 20, dataset=val_200)
               for run in grid.plan_grid(random_seeds=(0, 1), layers=(1,))
               if run.split_seed == 0 or run.name in split_1]
    said = report.table1_at_chance(results)
    assert said == (f"Careful: these boosts are of networks that copy their layers from, or are measured against, "
                    f"bases no better than chance ({named}): they learned nothing, so the boosts tell nothing of "
                    f"features (findings.md does not judge them; its runs to read with care list every base)."
                    if named else "")

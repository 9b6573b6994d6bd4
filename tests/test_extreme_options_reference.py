"""report --reference FILE whose n_test_points is no count: 3.0 or 1e3 stopped the report with Python's
"invalid literal for int() with base 10", naming no column, and a negative count (-5) was taken as one."""

import pytest

from minitransfer import paper_runs

HEADER = "run\tmean_top10_val_top1\tn_test_points\tmax_iter\n"


@pytest.mark.parametrize("count", ["3.0", "1e3", "-5", "abc", "nan"])
def test_a_count_of_evaluations_that_is_no_whole_number_is_refused_naming_its_column(tmp_path, count):
    table = tmp_path / "reference.tsv"
    table.write_text(f"{HEADER}half0A\t0.6151\t{count}\t450000\n", encoding="utf-8")
    with pytest.raises(paper_runs.BadReference) as refused:
        paper_runs.read_reference(table)
    said = str(refused.value)
    assert f"{table} line 2: n_test_points is {count!r}, expected a count of evaluations" in said, said
    assert "invalid literal" not in said


@pytest.mark.parametrize("count, evaluations", [("450", 450), (" 12 ", 12), ("", 0)])
def test_a_count_of_evaluations_is_read(tmp_path, count, evaluations):
    table = tmp_path / "reference.tsv"
    table.write_text(f"{HEADER}half0A\t0.6151\t{count}\t450000\n", encoding="utf-8")
    [result] = paper_runs.read_reference(table)
    assert result.evaluations == evaluations

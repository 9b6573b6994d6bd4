"""Table 1's pooled column pools the bases whose halves were checked to agree, and only those: the pairs of
:meth:`minitransfer.comparisons.Bases.random_pair_keys` decide both whether the halves may be pooled
(interchangeable_halves) and which bases are (report_tables.paired_bases), where each had a gate of its own."""

from minitransfer.comparisons import Bases, interchangeable_halves
from minitransfer.experiment import Run
from minitransfer.report_tables import paired_bases
from minitransfer.results import Result


def base(name, half, accuracy):
    return Result(Run(name, "base", "random", 0, target=half), accuracy, accuracy, accuracy, 20)


def test_a_base_paired_with_none_is_not_pooled():
    """Seed 0's baseA and baseB trained by hand in y/ (0.60 and 0.61: they agree), and another baseA in x/ at 0.70,
    whose folder holds no baseB: the halves were checked in y/ alone, so x/'s baseA, 9 points off y/'s baseB, is
    not pooled (before, it was: paired with y/'s baseB as a network of x/ would be, the one other folder)."""
    results = [base("x/baseA", "A", 0.70), base("y/baseA", "A", 0.60), base("y/baseB", "B", 0.61)]
    bases = Bases(results)
    assert bases.random_pairs() == [(0.60, 0.61)] and interchangeable_halves(results, bases)
    assert sorted(r.run.name for r in paired_bases(results, bases)) == ["y/baseA", "y/baseB"]


def test_the_pooled_bases_are_those_of_the_pairs_with_both_accuracies():
    """Two folders of both halves, one of them with its baseB not evaluated (NaN): its baseA is not pooled."""
    results = [base("g1/baseA", "A", 0.60), base("g1/baseB", "B", 0.61), base("g2/baseA", "A", 0.62),
               base("g2/baseB", "B", float("nan"))]
    pooled = paired_bases(results)
    assert sorted(r.run.name for r in pooled) == ["g1/baseA", "g1/baseB"]

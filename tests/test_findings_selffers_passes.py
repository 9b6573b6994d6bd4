"""The fine-tuning finding against BnB+ (:func:`minitransfer.findings._against_selffers`) groups the runs by n
once: before, it walked every run again for each n that AnB+ and BnB+ share (and, without the report's bases,
built the bases again for each). Its numbers are checked against NumPy in test_findings_fine_tuned_control.py."""

from minitransfer import findings
from minitransfer.experiment import Run
from minitransfer.results import Result


class CountedPasses(list):
    """Results that count the passes made over them."""

    passes = 0

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def grid(layers, seeds=3):
    """Per split seed a baseB, and an AnB+ and a BnB+ at each of ``layers``, their accuracies all different."""
    results = CountedPasses()
    for seed in range(seeds):
        results.append(Result(Run(f"random{seed}/baseB", "base", "random", seed, target="B"), 0.6, 0.6, 0.6, 20))
        for n in layers:
            for kind, source, offset in (("transfer", "A", 0.03), ("selffer", "B", 0.01)):
                accuracy = 0.6 + offset + 0.001 * (seed + 10 * n)
                run = Run(f"random{seed}/{source}{n}B+", kind, "random", seed, target="B", source=source, n=n,
                          fine_tuned=True)
                results.append(Result(run, accuracy, accuracy, accuracy, 20))
    return results


def test_the_runs_are_walked_as_often_at_7_n_as_at_2():
    few, many = grid((1, 2)), grid((1, 2, 3, 4, 5, 6, 7))
    for results in (few, many):
        compared = findings._against_selffers(results, "random", None, "fine-tuning", "said", ())
        assert compared.networks == 2 * 3 * len({r.run.n for r in results} - {0})  # every AnB+ and BnB+ paired
    assert (few.passes, many.passes) == (few.passes, few.passes)

"""splits.random_halves takes half B as the complement of half A without np.setdiff1d, whose np.unique imports
numpy.ma (~8 ms of CPU): the same halves, and no numpy.ma for a split."""

import subprocess
import sys

import numpy as np

from minitransfer.data import splits

SWEEPS = [(classes, 0) for classes in range(2, 1001)]  # every class count; then seeds 1..20 on odd and even counts
SWEEPS += [(classes, seed) for seed in range(1, 21) for classes in (*range(2, 41), 99, 100, 101, 999, 1000)]


def test_half_b_is_what_setdiff1d_gave():
    for classes, seed in SWEEPS:
        half_a, half_b = splits.random_halves(classes, seed)
        expected = np.setdiff1d(np.arange(classes), half_a)  # the code before: the oracle
        assert half_b.dtype == expected.dtype and half_b.tolist() == expected.tolist(), (classes, seed)


def test_a_random_split_imports_no_numpy_ma():
    probe = ("import sys; from minitransfer.data import splits; splits.random_halves(1000, 3); "
             "print(sorted(name for name in sys.modules if name.split('.')[:2] == ['numpy', 'ma']))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"

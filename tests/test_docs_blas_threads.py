"""What the docs say of OpenBLAS's threads. docs/presets.md gives the accuracies small5 reached at given
iterations (29% at the first evaluation, 38.8% at iteration 300, baseB's 34% at 200): those of OpenBLAS's
default two threads. With OMP_NUM_THREADS=1, which the README advises on a busy machine, the same command
reached 36.4% at 300 and baseB 30.4% at 200 on the same machine (its float32 sums round otherwise), and the
page said only that "another machine's BLAS may differ in the last digits". And the README promised the
demo's networks bit for bit the same with one thread "with the kernels OpenBLAS picks for most x86
machines": on an AMD EPYC virtual machine with AVX-512, OpenBLAS 0.3.31 picks its Haswell kernels, and a
micro baseA's weights came out 4e-8 apart after 60 iterations, one thread against two."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _prose(name):
    return " ".join((ROOT / name).read_text().split())


def test_the_measured_accuracies_say_which_thread_count_they_are_of():
    measured = re.search(r"scored 29% at its first evaluation.*?its report names", _prose("docs/presets.md"))
    assert measured, "presets.md no longer gives small5's measured accuracies"
    assert "OMP_NUM_THREADS=1" in measured[0] and "two threads" in measured[0]
    assert "in the last digits" not in measured[0], "a thread count or a BLAS moves them by points, not digits"


def test_the_readmes_one_thread_advice_says_which_kernels_keep_the_bits():
    advice = re.search(r"`OMP_NUM_THREADS=1` trains much faster.*?below\)\.", _prose("README.md"))
    assert advice, "the README no longer advises OMP_NUM_THREADS=1 on a busy machine"
    assert "most x86 machines" not in advice[0]
    assert "SkylakeX" in advice[0] and "Haswell" in advice[0] and "AVX-512" in advice[0], advice[0]

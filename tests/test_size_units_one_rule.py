"""One rule picks the unit a size is said in (:func:`minitransfer.disk_space.size_said` with a family of units):
the largest the size reaches, in bytes below the smallest. Before, grid_cost had two rules of its own (one decimal
in GB, MB or kB; none in MB or kB: a weights file under a kB said "0 kB") and preflight_memory a third (MiB below
a GiB: a quarter MiB said "0 MiB"). The oracle parses each figure back and checks it against the size."""

import math
import re

import numpy as np
import pytest

from minitransfer import disk_space, grid_cost, preflight_memory

DIVISORS = {"kB": 1000, "MB": 1000**2, "GB": 1000**3, "KiB": 1024, "MiB": 1024**2, "GiB": 1024**3}
FAMILIES = {"decimal": (disk_space.DECIMAL, ["kB", "MB", "GB"]), "binary": (disk_space.BINARY, ["KiB", "MiB", "GiB"])}
SAID = re.compile(r"^(\d{1,3}(?:,\d{3})*)(?:\.(\d+))? (bytes|kB|MB|GB|KiB|MiB|GiB)$")


def _sizes():
    """Sizes across every magnitude, with the edges of each unit."""
    rng = np.random.default_rng(69)
    edges = [edge + step for divisor in DIVISORS.values() for edge in (divisor, 1000 * divisor) for step in (-1, 0, 1)]
    return [0, 1, 999, *edges, *(int(10 ** power) for power in rng.uniform(0, 13, 300))]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("digits", [0, 1, 2])
def test_each_size_is_said_in_the_largest_unit_it_reaches_and_reads_back_as_itself(family, digits):
    units, names = FAMILIES[family]
    for size in _sizes():
        said = disk_space.size_said(size, digits, units)
        match = SAID.match(said)
        assert match, (size, said)
        whole, decimals, unit = match.groups()
        if size < DIVISORS[names[0]]:
            assert (unit, decimals, int(whole.replace(",", ""))) == ("bytes", None, size), (size, said)
            continue
        reached = [name for name in names if DIVISORS[name] <= size]
        assert unit == reached[-1], (size, said)
        assert len(decimals or "") == digits, (size, said)
        figure = float(whole.replace(",", "") + "." + (decimals or "0"))
        assert abs(figure * DIVISORS[unit] - size) <= DIVISORS[unit] * 0.5 * 10**-digits * (1 + 1e-9), (size, said)


def test_hand_worked_sizes():
    assert disk_space.size_said(0, unit=disk_space.DECIMAL) == "0 bytes"
    assert disk_space.size_said(999, unit=disk_space.DECIMAL) == "999 bytes"
    assert disk_space.size_said(1000, unit=disk_space.DECIMAL) == "1.0 kB"
    assert disk_space.size_said(6_100_000, unit=disk_space.DECIMAL) == "6.1 MB"
    assert disk_space.size_said(68_500_000_000, unit=disk_space.DECIMAL) == "68.5 GB"
    assert disk_space.size_said(300 * 1024, 0, disk_space.BINARY) == "300 KiB"
    assert disk_space.size_said(1_500_000, unit="MB") == "1.5 MB"  # a unit named: that unit, as before


def test_the_grids_file_sizes_are_never_said_as_nothing():
    """A mini run's weights file: "0 MB", then "0 kB" for one under a kB."""
    assert grid_cost._sizes([512, 339_000, 6_100_000, 6_100_000]) == "512 bytes, 339 kB, 6 MB"
    assert grid_cost._size(68_500_000_000) == "68.5 GB"
    assert grid_cost._size(900_000) == "900.0 kB"  # a mini grid's disk said "0.0 GB"


def test_memory_under_a_mib_is_not_said_as_none():
    assert preflight_memory.in_units(300 * 1024, math.floor) == "300 KiB"  # "0 MiB"
    assert preflight_memory.in_units(100) == "100 bytes"
    assert preflight_memory.in_units(700 * 2**20, math.ceil) == "700 MiB"  # as before from a MiB up
    assert preflight_memory.in_units(3 * 2**30 + 2**29) == "3.5 GiB"


def test_a_needed_and_a_free_size_still_read_apart():
    assert disk_space.needed_and_free(500, 400, unit=disk_space.DECIMAL) == ("500 bytes", "400 bytes")
    assert disk_space.needed_and_free(320_000, 310_000, unit=disk_space.DECIMAL) == ("320.0 kB", "310.0 kB")
    assert disk_space.needed_and_free(1_050_000_000, 980_000_000, unit=disk_space.DECIMAL) == ("1.1 GB", "980.0 MB")

"""A report refused for runs of two datasets names every run it was given: a second copy of one network (two
folders holding the same run, S3T and T3T), which collect counts once, was silently missing from the listing
("(2: baseT, T3T)"), and the refusal writes no results.md that would say why."""

from minitransfer import experiment as grid
from minitransfer.results import collect
from test_report import assert_refused_as_mixed, record_fingerprint, write_run

FIRST, AGAIN = "a" * 64, "b" * 64  # the dataset's meta.json sha256, then once it was prepared again


def copies_of_two_datasets(runs, copies):
    """In ``runs``: baseT and the network T3T twice (the folders ``copies``: its config and numbers alike) on the
    dataset as first prepared, and again/baseT on it prepared again."""
    config = {"split": "all", "data": "/data/t", "preset": "mini"}
    write_run(runs, grid.Run("baseT", "base", "all", 0), 0.60, treatment=False, config=config)
    for name in copies:
        write_run(runs, grid.Run(name, "?", "all", 0), 0.55, treatment=False, config={**config, "n": 3})
    write_run(runs, grid.Run("again/baseT", "base", "all", 0), 0.62, treatment=False, config=config)
    for name, fingerprint in (("baseT", FIRST), *((copy, FIRST) for copy in copies), ("again/baseT", AGAIN)):
        record_fingerprint(runs, name, fingerprint)


def test_a_copy_of_one_network_is_named_in_the_refusal_of_two_datasets(tmp_path):
    runs = tmp_path / "runs"
    copies_of_two_datasets(runs, ("S3T", "T3T"))
    results, _, left_out = collect(runs)
    assert sorted(r.run.name for r in results) == ["T3T", "again/baseT", "baseT"]  # S3T: a copy, counted once
    assert any(text.startswith("S3T: the same network as T3T (") for text in left_out), left_out
    assert_refused_as_mixed(runs, tmp_path / "report",
                            f"2 datasets: /data/t (meta.json sha256 {'a' * 12}) (3: baseT, T3T, S3T, the same "
                            f"network as T3T); /data/t (meta.json sha256 {'b' * 12}) (1: again/baseT)")

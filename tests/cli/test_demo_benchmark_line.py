"""`demo` began every rerun with "preparing the built-in synthetic benchmark ...", the set cached already and
nothing prepared: it says so only where the set is built, and "the built-in synthetic benchmark (cached)"
where an earlier demo built it."""

import errno

from minitransfer import fileio
from minitransfer.cli import demo
from minitransfer.data import synthetic


def test_the_benchmark_is_said_prepared_where_it_is_built_and_cached_on_a_rerun():
    assert demo._benchmark_line() == "preparing the built-in synthetic benchmark ..."
    synthetic.builtin_dataset()  # the first demo's build, into this test's empty $MINITRANSFER_CACHE
    assert demo._benchmark_line() == "the built-in synthetic benchmark (cached)"


def test_a_cache_that_cannot_be_named_is_left_to_the_build_to_say(monkeypatch):
    def unknown_home():
        raise fileio.StorageError(errno.ENOENT, "the home folder is unknown")

    monkeypatch.setattr(synthetic, "cache_dir", unknown_home)
    assert demo._benchmark_line() == "preparing the built-in synthetic benchmark ..."

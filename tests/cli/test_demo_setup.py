"""``minitransfer demo`` before it trains: where its benchmark is cached and where its networks go,
as a newcomer's machine may have them (a cache missing a file, no home folder, an output folder
that is a dataset)."""

import errno
import os
import pwd
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import demo as demos
from minitransfer import grid_check
from minitransfer.cli import main
from minitransfer.data import dataset as datasets
from minitransfer.data import shard_format, synthetic

TINY = {"preset": "mini", "max_iter": 3, "eval_every": 1, "batch_size": 8, "seed": 0}
TINY_PLAN = demos.DemoPlan(layers=(2,), networks_per_point=1, train=TINY, selffer_fine_tuned=False)


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """A cache holding the built-in benchmark, built once: its folder (copy it before damaging it)."""
    root = tmp_path_factory.mktemp("cache")
    synthetic.builtin_dataset(root)
    return root


def test_a_cached_benchmark_that_lost_its_meta_json_is_built_again(cached, tmp_path):
    """A file deleted from the cache (an interrupted `rm -r`, a disk error) left a folder under the
    cache's name without meta.json: the new copy could not be renamed onto it, and every demo
    stopped with exit 74 telling the user to move a cache that could be written."""
    root = tmp_path / "cache"
    shutil.copytree(cached, root)
    path = root / f"synthetic-{synthetic.builtin_tag()}"
    (path / shard_format.META_FILE).unlink()
    assert synthetic.builtin_dataset(root) == path
    datasets.open_dataset(path).verify()
    assert sorted(os.listdir(root)) == [path.name]  # nothing left aside


def test_a_file_in_place_of_the_cached_benchmark_is_replaced(tmp_path):
    path = tmp_path / f"synthetic-{synthetic.builtin_tag()}"
    path.write_text("")
    assert synthetic.builtin_dataset(tmp_path) == path
    datasets.open_dataset(path).verify()
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_a_tilde_in_the_cache_variable_is_the_home_folder(tmp_path, monkeypatch):
    """MINITRANSFER_CACHE="~/cache" (quoted: the shell leaves the ~) cached the benchmark in a
    folder named ~ below the current one."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MINITRANSFER_CACHE", "~/cache")
    assert synthetic.cache_dir() == tmp_path / "home" / "cache"


def test_no_home_folder_and_no_cache_variable_is_one_line_naming_the_variable(tmp_path, monkeypatch):
    """HOME unset under a user id the password database does not know (a container's `--user
    12345`): a RuntimeError's traceback."""
    monkeypatch.delenv("HOME")
    monkeypatch.delenv("MINITRANSFER_CACHE", raising=False)

    def unknown(uid):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    assert "the built-in benchmark cannot be cached in ~/.cache/minitransfer: the home folder is unknown" in \
        result.output
    assert "set MINITRANSFER_CACHE to a folder that can be written" in result.output
    assert not (tmp_path / "demo").exists()


@pytest.mark.parametrize("where", ["is", "inside"])
def test_a_demo_into_a_dataset_folder_is_refused_before_anything_is_written(tiny_data, tmp_path, monkeypatch,
                                                                            where):
    """`demo -o` a dataset (not the benchmark's) trained every network into it, then its report,
    which passes dataset folders by, found none of them: exit 1."""
    other = tmp_path / "other"
    shutil.copytree(tiny_data, other)
    out = other if where == "is" else other / "demo"
    before = sorted(other.rglob("*"))
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", TINY_PLAN)
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 2, result.output
    assert f"the grid folder {out} {'is' if where == 'is' else 'lies inside'} the dataset {other}" in result.output
    assert sorted(other.rglob("*")) == before


def test_a_folder_with_some_other_meta_json_is_no_dataset(tiny_data, tmp_path):
    (tmp_path / shard_format.META_FILE).write_text("{}")
    grid_check.check_place(tmp_path / "demo", {"data": str(tiny_data)})


def test_a_cache_folder_that_is_a_link_to_nowhere_is_named_as_such(tmp_path, monkeypatch):
    """A cache linked to a drive not mounted said "[Errno 17] File exists" of the link."""
    (tmp_path / "cache").symlink_to(tmp_path / "unmounted" / "cache")
    monkeypatch.setenv("MINITRANSFER_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    assert result.output.splitlines()[-1] == (
        f"error: the built-in benchmark cannot be cached in {tmp_path / 'cache'}: {tmp_path / 'cache'} is a symbolic "
        f"link that leads nowhere ({tmp_path / 'unmounted' / 'cache'} does not exist): make it lead somewhere (mount "
        f"its drive, create what it names), or set MINITRANSFER_CACHE to another folder")
    assert not (tmp_path / "unmounted").exists() and not (tmp_path / "demo").exists()


def test_a_link_to_nowhere_in_place_of_the_cached_benchmark_is_replaced_leaving_nothing_aside(tmp_path):
    """The link, moved aside, was never removed (rmtree refuses a link, and the next builds pass it by)."""
    path = tmp_path / f"synthetic-{synthetic.builtin_tag()}"
    path.symlink_to(tmp_path / "gone")
    assert synthetic.builtin_dataset(tmp_path) == path
    datasets.open_dataset(path).verify()
    assert sorted(os.listdir(tmp_path)) == [path.name]


def test_a_damaged_cache_that_cannot_be_replaced_names_it_and_the_variable(cached, tmp_path, monkeypatch):
    """On a read-only file system the damaged copy could not be moved aside: "[Errno 30] Read-only file
    system: '.../synthetic-...' -> '.../.synthetic-....damaged.tmp-...'", with no word of what to do."""
    root = tmp_path / "cache"
    shutil.copytree(cached, root)
    path = root / f"synthetic-{synthetic.builtin_tag()}"
    shard = path / "train-00000.h5"
    raw = bytearray(shard.read_bytes())
    raw[5000] ^= 0x01
    shard.write_bytes(bytes(raw))

    def read_only(source, target):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(source), None, str(target))

    monkeypatch.setattr(os, "rename", read_only)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(root))
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    assert result.output.splitlines()[-1] == (
        f"error: the cached built-in benchmark {path} is damaged and cannot be replaced (Read-only file system): set "
        f"MINITRANSFER_CACHE to a folder that can be written, where it is built again")

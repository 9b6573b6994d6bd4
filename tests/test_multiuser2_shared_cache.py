"""A $MINITRANSFER_CACHE a lab's group shares (mode 2775): whoever first made its folders under a umask 022 made
them 0o755, theirs alone, and every other user of the group was told "cannot record the files of ... found
intact ...: the next run hashes them again" at every run. In a cache folder the group may write, its folders
are made group-writable (and setgid where it is); one another user made so that this user cannot write is
named with its owner and mode."""

import os
import stat
import subprocess
import textwrap

import pytest

from minitransfer.data import integrity, synthetic
import test_grid_shared_folder as shared_folder
from test_grid_shared_folder import _umask, as_nobody

group_folder = shared_folder.group_folder  # a fixture: root's folder for the group nogroup, in /tmp

KEY = [1, 2, 3, 4, 5, "ab"]  # a record's entry, as check_files collects them
# Record a file of the dataset argv[2] found intact, in the cache argv[1]; print any warning, then the record.
RECORD = textwrap.dedent("""
    import os, sys
    os.environ["MINITRANSFER_CACHE"] = sys.argv[1]
    from minitransfer import stopping
    from minitransfer.data import integrity
    stopping.warn = lambda message, *args, **kwargs: print(message) or True
    integrity.record_settled(sys.argv[2], {"b.h5": (1, 2, 3, 4, 5, "cd")})
    path, resolved = integrity._record_path(sys.argv[2])
    print(sorted(integrity._read_record(path, resolved)))
""")


@pytest.fixture
def shared_cache(tmp_path, monkeypatch):
    """A cache folder its group may write, setgid (2775), as $MINITRANSFER_CACHE."""
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o2775)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(cache))
    return cache


def _group_shared(folder):
    mode = folder.stat().st_mode
    return mode & stat.S_IRWXG == stat.S_IRWXG and bool(mode & stat.S_ISGID)


def test_the_records_folder_of_a_group_writable_cache_is_the_groups_whatever_the_umask(shared_cache, tmp_path):
    with _umask(0o022):
        integrity.record_settled(tmp_path, {"a.h5": tuple(KEY)})
    assert _group_shared(shared_cache / integrity.RECORDS)


def test_a_records_folder_this_user_made_before_is_made_the_groups_at_its_next_record(shared_cache, tmp_path):
    """Made 0o755 by an older version: its owner's next run mends it for the others."""
    (shared_cache / integrity.RECORDS).mkdir(mode=0o755)
    (shared_cache / integrity.RECORDS).chmod(0o755)
    with _umask(0o022):
        integrity.record_settled(tmp_path, {"a.h5": tuple(KEY)})
    assert _group_shared(shared_cache / integrity.RECORDS)


def test_a_private_cache_folder_keeps_its_folders_private(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv("MINITRANSFER_CACHE", str(cache))
    with _umask(0o077):
        integrity.record_settled(tmp_path, {"a.h5": tuple(KEY)})
    assert stat.S_IMODE((cache / integrity.RECORDS).stat().st_mode) == 0o700


def test_the_built_in_sets_folder_of_a_group_writable_cache_is_the_groups(shared_cache, monkeypatch):
    monkeypatch.setattr(synthetic, "build_synthetic", lambda folder, **_: (folder / "meta.json").write_text("{}"))
    with _umask(0o022):
        built = synthetic._build_cached(shared_cache, shared_cache / "synthetic-test")
    assert _group_shared(built)


def test_another_user_of_the_group_records_where_the_first_made_the_records_folder(group_folder):
    cache, dataset = group_folder / "cache", group_folder / "data"
    cache.mkdir()
    cache.chmod(0o2775)
    dataset.mkdir()
    os.environ["MINITRANSFER_CACHE"] = str(cache)  # the private_cache fixture's, set back after the test
    with _umask(0o022):
        integrity.record_settled(dataset, {"a.h5": tuple(KEY)})
    other = subprocess.run(**as_nobody("-c", RECORD, cache, dataset), capture_output=True, text=True, timeout=60)
    assert (other.returncode, other.stdout) == (0, "['a.h5', 'b.h5']\n"), other.stderr[-600:]


def test_a_records_folder_another_user_keeps_is_named_with_its_owner(group_folder):
    cache, dataset = group_folder / "cache", group_folder / "data"
    cache.mkdir()
    cache.chmod(0o2775)
    dataset.mkdir()
    (cache / integrity.RECORDS).mkdir()
    (cache / integrity.RECORDS).chmod(0o755)  # as an older version made it under a umask 022: root's alone
    other = subprocess.run(**as_nobody("-c", RECORD, cache, dataset), capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr[-600:]
    warning = other.stdout.splitlines()[0]
    assert warning.startswith(f"warning: cannot record the files of {dataset} found intact (")
    assert f"{cache / integrity.RECORDS} is root's (mode 755), which this user may not write: ask root to" in warning

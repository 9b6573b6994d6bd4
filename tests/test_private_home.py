"""No test writes into the user's cache: conftest points every test process's $HOME (and $XDG_CACHE_HOME,
$MINITRANSFER_CACHE) at a folder of its own before any fixture runs. Module-scoped fixtures (set up before
each test's own $MINITRANSFER_CACHE), environments copied from them, and the SLURM test cluster's jobs had
left records of /tmp/pytest-of-... datasets by the thousand in ~/.cache/minitransfer/verified."""

import os
import pathlib
import pwd
import subprocess
import sys

import pytest

from minitransfer.data import synthetic

USER_HOME = pathlib.Path(pwd.getpwuid(os.getuid()).pw_dir).resolve()
CACHE_DIR = "from minitransfer.data import synthetic; print(synthetic.cache_dir())"


def _outside_user_home(path):
    return USER_HOME not in pathlib.Path(path).resolve().parents


def test_the_default_cache_of_a_test_is_not_the_users(monkeypatch):
    monkeypatch.delenv("MINITRANSFER_CACHE")
    assert _outside_user_home(synthetic.cache_dir()), synthetic.cache_dir()


def test_the_default_cache_of_a_command_a_test_starts_is_not_the_users():
    """A command given this environment less $MINITRANSFER_CACHE (a test of the default, or an environment
    spelled out) still inherits the session's $HOME."""
    environment = {name: value for name, value in os.environ.items() if name != "MINITRANSFER_CACHE"}
    environment["PYTHONPATH"] = os.pathsep.join(sys.path)
    cache = subprocess.run([sys.executable, "-c", CACHE_DIR], env=environment, capture_output=True, text=True,
                           check=True, timeout=120).stdout.strip()
    assert _outside_user_home(cache), cache


@pytest.fixture(scope="module")
def module_cache():
    """The cache folder as a module-scoped fixture (set up before ``private_cache``) resolves it."""
    return synthetic.cache_dir()


def test_a_module_fixture_sees_a_cache_outside_the_users_home(module_cache):
    assert _outside_user_home(module_cache), module_cache

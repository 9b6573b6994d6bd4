"""A user the system knows no name for (a container, NFS) is "user 1234" in every message: a lock's holder
was "PID N of user uid 1234" where a file's owner was "user 1234"."""

import os
import pwd

from minitransfer import file_owners, lock_holder


def no_names(uid):
    raise KeyError(f"getpwuid(): uid not found: {uid}")


def test_a_lock_holder_and_a_files_owner_without_a_name_are_said_alike(monkeypatch, tmp_path):
    monkeypatch.setattr(pwd, "getpwuid", no_names)
    uid = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: uid + 1)  # this process then counts as another user's
    assert lock_holder.holder_named(os.getpid()) == f" (PID {os.getpid()} of user {uid})"
    assert file_owners.owner_and_mode(tmp_path)[0] == f"user {uid}"


def test_a_known_user_is_said_by_name():
    name = pwd.getpwuid(os.geteuid()).pw_name
    assert file_owners.user_name(os.geteuid()) == name and file_owners.as_user(os.geteuid()) == f"user {name}"

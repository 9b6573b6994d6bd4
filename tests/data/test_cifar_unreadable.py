"""An unpacked CIFAR folder with a batch this user may not read (copied from another account, unpacked by root
with a umask of 077): the import stopped with Python's own words, "[Errno 13] Permission denied: '...'", which
say neither what the file is nor what to do. It now says so as every other unreadable file is said (exit 74)."""

import os
import shlex
import subprocess
import sys

from data.test_cifar10 import _cifar10_parts, _write_folder
from data.test_data_unreadable import _without_root_rights


def test_a_cifar_batch_this_user_may_not_read_is_an_io_error_naming_it_and_what_to_do(tmp_path, tree_state):
    folder = _write_folder(tmp_path, "cifar-10-batches-py", _cifar10_parts()) / "cifar-10-batches-py"
    (folder / "data_batch_2").chmod(0)
    command = [sys.executable, "-m", "minitransfer", "prepare", "cifar10", str(folder), str(tmp_path / "out")]
    prefix = _without_root_rights()
    before = tree_state(tmp_path)
    ran = subprocess.run(prefix + (["-c", shlex.join(command)] if prefix else command), capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    assert ran.returncode == 74, ran.stderr
    assert ran.stderr == (f"error: I/O: {folder / 'data_batch_2'}: the CIFAR-10 file is not readable by this user "
                          f"(permission denied): give read access to it (chmod a+r) and rerun\n")
    assert tree_state(tmp_path) == before

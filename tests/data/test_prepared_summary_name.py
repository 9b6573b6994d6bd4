"""The line that reports a prepared dataset printed OUT as the terminal decodes it: a name whose bytes are not
UTF-8 (a Latin-1 'café' on a UTF-8 system) came out as a replacement character, 'out?', which names no folder
one can type, where every other message of prepare writes it as '\\xe9'. It is now written as they write it."""

import os
import subprocess
import sys

from data.test_cifar10 import _cifar10_parts, _write_archive


def test_the_summary_names_an_out_whose_bytes_are_not_utf8_as_the_other_messages_do(tmp_path):
    archive = _write_archive(tmp_path / "cifar-10-python.tar.gz", "cifar-10-batches-py", _cifar10_parts())
    out = os.fsencode(tmp_path) + b"/caf\xe9"
    ran = subprocess.run([os.fsencode(sys.executable), b"-m", b"minitransfer", b"prepare", b"cifar10",
                          os.fsencode(archive), out], capture_output=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "LC_ALL": "C.UTF-8"})
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == os.fsencode(tmp_path) + b"/caf\\xe9: 10 classes, train 100, val 20 images of 32x32\n"
    assert os.path.isfile(out + b"/meta.json")

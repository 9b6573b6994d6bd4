"""A class folder of ILSVRC2012's train/ or of tiny-imagenet-200 this user may not list (unpacked by another
account with a umask of 077): the import stopped with Python's "[Errno 13] Permission denied: '...'". It now
says what 'prepare folder' says of such a folder: named, with what to do (exit 74)."""

import os
import shlex
import subprocess
import sys

import pytest

from data.test_data_unreadable import _without_root_rights
from data.test_import_archives import WNIDS, _imagenet_tree, _tiny_files


def _imagenet(root, image_bytes, write_files):
    tree, labels = _imagenet_tree(root / "ILSVRC2012", image_bytes, write_files)
    return ["imagenet", str(tree), "--val-labels", str(labels)], tree / "train" / WNIDS[1]


def _tiny(root, image_bytes, write_files):
    write_files(root / "tiny-imagenet-200", _tiny_files(image_bytes))
    return (["tiny-imagenet", str(root / "tiny-imagenet-200")],
            root / "tiny-imagenet-200" / "train" / WNIDS[0] / "images")


@pytest.mark.parametrize("layout", [_imagenet, _tiny], ids=["imagenet", "tiny-imagenet"])
def test_a_class_folder_this_user_may_not_list_is_an_io_error_naming_it(tmp_path, image_bytes, write_files, layout):
    arguments, unlistable = layout(tmp_path, image_bytes, write_files)
    unlistable.chmod(0)
    command = [sys.executable, "-m", "minitransfer", "prepare", *arguments, str(tmp_path / "out"), "--size", "12"]
    prefix = _without_root_rights()
    try:
        ran = subprocess.run(prefix + (["-c", shlex.join(command)] if prefix else command), capture_output=True,
                             text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=120)
    finally:
        unlistable.chmod(0o755)
    assert ran.returncode == 74, ran.stderr
    assert ran.stderr.startswith(f"error: I/O: {unlistable}: a folder of SOURCE that this user may not list "
                                 f"(permission denied), so its images cannot be imported: give read access to it "
                                 f"(chmod -R a+rX)"), ran.stderr
    assert not (tmp_path / "out").exists()

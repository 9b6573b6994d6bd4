"""A base removed while train --copy-from reads it (another process's train --overwrite starting the
base's run over removes its weights file): said plainly, an I/O error (74), not damage."""

import builtins
import shutil

import pytest
from click.testing import CliRunner
from test_cross_dataset_refusals import base  # noqa: F401 (a fixture: a micro network, its run folder beside it)

from minitransfer import checkpoint
from minitransfer.cli import main

FAST = ["--max-iter", "1", "--eval-every", "1", "--batch-size", "8", "--device", "cpu"]

# When the file goes, as load opens it: before its first open (the check that it can be read), just
# after it (before its HDF5 signature is read), or before the open that hashes and reads it.
WHEN = {"before-its-check": (1, "before"), "before-its-signature": (1, "after"), "before-its-read": (2, "before")}


@pytest.mark.parametrize("when", list(WHEN))
def test_a_base_removed_while_it_is_read_says_so(base, micro_data, when, tmp_path, monkeypatch):
    """It was "corrupt or incomplete (FileNotFoundError: ...)" (65), "not an HDF5 file (corrupt or not
    a checkpoint)" (65) or "cannot be read (No such file or directory)"."""
    path = tmp_path / "X.h5"
    shutil.copy(base, path)
    number, removed = WHEN[when]
    opened = []

    def open_then_remove(file, *args, **kwargs):  # load's open, the file removed at its Nth call
        if str(file) != str(path):
            return builtins.open(file, *args, **kwargs)
        opened.append(file)
        if len(opened) == number and removed == "before":
            path.unlink()
        handle = builtins.open(file, *args, **kwargs)
        if len(opened) == number and removed == "after":
            path.unlink()
        return handle

    monkeypatch.setattr(checkpoint, "open", open_then_remove, raising=False)
    done = CliRunner().invoke(main, ["train", "--data", micro_data, "--copy-from", str(path), "--n", "2",
                                     "-o", str(tmp_path / "T.h5"), *FAST])
    assert len(opened) == number and not path.exists()
    assert done.exit_code == 74, done.output
    assert done.output == (f"error: checkpoint {path} was removed while it was read (its run started over or "
                           f"moved?): give it again once it is there\n")

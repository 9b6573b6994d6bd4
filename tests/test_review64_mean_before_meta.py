"""A prepare --overwrite that changes meta.json but no shard (here only the path of its --families file), stopped
between its new mean.h5 and its new meta.json: mean.h5 records meta.json's digest since a1d9c173, so it is
written again where only the source changed, and the old meta.json, naming the old mean.h5's sha256, was left in
place. The dataset then read as finished with a "corrupt mean image" (verify and train exit 65), where before that
change it stayed whole. The old meta.json now goes first, as it does when a shard changes: an unfinished import,
whose command (named) finishes it."""

import hashlib
import os
import shutil
import stat
import threading

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import build, shard_format


def _photos(root):
    rng = np.random.default_rng(0)
    for name in ("cats", "dogs", "ants", "owls"):
        (root / name).mkdir(parents=True)
        for index in range(3):
            Image.fromarray(rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)).save(root / name / f"{index}.png")
    return root


def test_a_stop_before_meta_json_leaves_an_unfinished_import_not_a_corrupt_mean(tmp_path, monkeypatch):
    photos, out = _photos(tmp_path / "photos"), tmp_path / "ds"
    families = tmp_path / "families.txt"
    families.write_text("cats natural\ndogs natural\nants man-made\nowls man-made\n")
    moved = shutil.copy(families, tmp_path / "moved.txt")
    prepare = ["prepare", "folder", str(photos), str(out), "--size", "12", "--workers", "0", "--val-fraction", "0.34"]
    done = CliRunner().invoke(main, [*prepare, "--families", str(families)])
    assert done.exit_code == 0, done.output

    def stopped(folder, meta):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(build, "write_meta", stopped)
        done = CliRunner().invoke(main, [*prepare, "--families", str(moved), "--overwrite"])
    assert done.exit_code == 75, done.output
    checked = CliRunner().invoke(main, ["prepare", "verify", str(out)])
    assert "corrupt mean image" not in checked.output, checked.output
    assert "unfinished import" in checked.output and str(moved) in checked.output, checked.output
    done = CliRunner().invoke(main, [*prepare, "--families", str(moved)])  # as the refusal says
    assert done.exit_code == 0, done.output
    checked = CliRunner().invoke(main, ["prepare", "verify", str(out)])
    assert checked.exit_code == 0 and "(verified)" in checked.output, checked.output


def test_a_named_pipe_in_place_of_mean_h5_is_replaced_not_read(tmp_path):
    """write_mean compares mean.h5 with the image an older version wrote (a1d9c173) by reading it whole: a named
    pipe there (an import rerun over such a folder) was opened and waited on for ever; fileio's own comparison of
    the new image reads no file of another size, and the write replaced the pipe, as before that change."""
    path = tmp_path / "mean.h5"
    os.mkfifo(path)
    classes = [{"index": 0, "wnid": "n0", "name": "zero"}, {"index": 1, "wnid": "n1", "name": "one"}]
    meta = {"classes": classes, "mean": {"file": "mean.h5", "of": "train"}}
    written = {}
    writer = threading.Thread(target=lambda: written.update(sha256=shard_format.write_mean(
        path, np.zeros((4, 4, 3), np.float32), classes, meta)), daemon=True)
    writer.start()
    writer.join(60)  # some milliseconds' work
    hung = writer.is_alive()
    if hung:  # the reader waits for a writer: one that opens and closes it ends that wait
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        writer.join(60)
    assert not hung, "write_mean waited for ever on a named pipe at mean.h5"
    assert stat.S_ISREG(os.stat(path).st_mode) and written["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()

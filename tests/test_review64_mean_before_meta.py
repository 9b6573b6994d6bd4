"""A prepare --overwrite that changes meta.json but no shard (here only the path of its --families file), stopped
between its new mean.h5 and its new meta.json: mean.h5 records meta.json's digest since a1d9c173, so it is
written again where only the source changed, and the old meta.json, naming the old mean.h5's sha256, was left in
place. The dataset then read as finished with a "corrupt mean image" (verify and train exit 65), where before that
change it stayed whole. The old meta.json now goes first, as it does when a shard changes: an unfinished import,
whose command (named) finishes it."""

import shutil

import numpy as np
from click.testing import CliRunner
from PIL import Image

from minitransfer.cli import main
from minitransfer.data import build


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

"""Paths a notebook gives from its home folder ("~/runs/baseA.h5"), which no shell expands there: train()
takes them as the command line takes them from a shell, not as a folder named "~" in the working folder."""

import os

from minitransfer import checkpoint as checkpoints
from minitransfer import train as training

FAST = {"batch_size": 8, "max_iter": 2, "eval_every": 2, "quiet": True, "device": "cpu"}


def test_paths_beginning_with_a_tilde_name_the_home_folder(micro_data, tmp_path, monkeypatch):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (home / "micro").symlink_to(micro_data)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    base = training.train(training.TrainConfig(out="~/baseA.h5", data="~/micro", **FAST))
    assert checkpoints.load(home / "baseA.h5").iteration == FAST["max_iter"]
    assert os.path.samefile(base.out, home / "baseA.h5") and os.path.samefile(base.run_dir, home / "baseA.run")
    copied = training.train(training.TrainConfig(out="~/A2B.h5", copy_from="~/baseA.h5", n=2, **FAST))
    assert os.path.samefile(copied.out, home / "A2B.h5")
    again = training.train(training.TrainConfig(resume="~/A2B.run", **FAST))  # finished: its result, as it was
    assert again.final == copied.final
    assert os.listdir(work) == []  # no folder named "~" made where the notebook runs

"""A grid's runs share the cores by the slots the grid's runs fill, whatever is left to train: its slots were
trimmed to the runs pending, so a 2-slot grid gave a run 1 thread of 2 cores with two runs pending and every core
(no count set) rerun with that run alone left, and runs whose last bits depend on OpenBLAS's thread count
(micro at batch 20, CaffeNet on the CPU) came out otherwise."""

import os
import shutil
import sys

import pytest
from test_experiment import FAKE_TRAIN, OPTIONS, events

from minitransfer import cpus, scheduler
from minitransfer import experiment as grid

SLOTS = (None, None)


@pytest.fixture
def fake_train(tmp_path):
    path = tmp_path / "fake_train.py"
    path.write_text(FAKE_TRAIN)
    return [sys.executable, str(path)]


def _trained(runs, out, fake_train):
    assert scheduler.run_grid(runs, out, OPTIONS, train_command=fake_train, devices=SLOTS, log=lambda line: None,
                              poll_seconds=0.01).exit_code == 0


def test_a_run_left_alone_gets_the_share_it_gets_among_others(tmp_path, fake_train, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(12)))
    for name in cpus.THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    share = str(max(1, cpus.usable_cpus() // len(SLOTS)))  # the cores, by the slots as the grid is given them
    runs = grid.plan_grid(layers=(1,), fine_tuned=False, selffer=False)  # baseA, baseB, then A1B
    out = tmp_path / "grid"
    _trained(runs, out, fake_train)
    assert [events(out, run.name)[0]["threads"] for run in runs] == [share] * len(runs)
    last = runs[-1]
    shutil.rmtree(grid.run_dir(out, last))  # the grid rerun with one run left to train
    grid.weights_path(out, last.name).unlink()
    _trained(runs, out, fake_train)
    assert events(out, last.name)[0]["threads"] == share

"""A ``train`` killed in its start-up (``kill -9`` before it wrote its config.json) leaves its run folder
holding its lock file alone, the PID of the dead process in it. ``info`` (and ``eval``) of that folder
said "a folder without a network: give ... a run folder (baseA.run) that holds its checkpoint.h5", as of
any folder, where the folder given is one; now it says what a run folder with its config.json alone
is said to be: stopped in its start-up (rerun its train command), or training now where a process holds
the lock (wait for it). Found by killing ``train --copy-from ... --resume auto`` at random moments."""

import shlex

import pytest
from click.testing import CliRunner

from minitransfer import run_lock
from minitransfer.cli import main

TRAIN = "train --split all --preset micro --batch-size 8 --max-iter 4 --eval-every 2 --device cpu --quiet -o net.h5"


@pytest.fixture
def killed_in_start_up(tmp_path, monkeypatch):
    """net.run as a train killed before its config.json leaves it: its lock file, a dead holder's record."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "net.run").mkdir()
    (tmp_path / "net.run" / run_lock.RunLock.FILE).write_text("4194304 elsewhere")
    assert run_lock.holder(tmp_path / "net.run") is None  # the oracle: no process holds it
    return tmp_path


def _refused(command):
    shown = CliRunner().invoke(main, [command, "net.run"])
    assert shown.exit_code == 2, shown.output
    return " ".join(shown.output.split())  # click wraps the usage error's lines


@pytest.mark.parametrize("command", ["info", "eval"])
def test_a_run_killed_in_its_start_up_is_said_stopped_and_its_command_trains_it(killed_in_start_up, micro_data,
                                                                                command):
    said = _refused(command)
    assert "a folder without a network" not in said, said
    assert "net.run is the run folder of net.h5" in said, said
    assert "stopped before writing its first checkpoint (no process is training it" in said, said
    assert "rerun its train command" in said, said
    trained = CliRunner().invoke(main, [*shlex.split(TRAIN), "--data", micro_data, "--resume", "auto"])
    assert trained.exit_code == 0, trained.output
    assert CliRunner().invoke(main, ["info", "net.run"]).exit_code == 0


def test_a_run_in_its_start_up_now_is_said_training(killed_in_start_up):
    with run_lock.RunLock(killed_in_start_up / "net.run"):
        said = _refused("info")
    assert "its training runs now" in said and "wait for it" in said, said

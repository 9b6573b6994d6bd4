"""A grid's run that trained to its end, its network files gone since, given as a network: info says the grid's
command that trains it again as its one remedy (run_remedies.run_without_network), no "train --overwrite" after it.
Whether the words give that command is told by their type (run_networks.Remedied), not by looking for its first
words in them: words that say the same otherwise (here: reworded by the test) still get no second remedy."""

import json

import pytest

from minitransfer import rundir, run_networks, run_remedies

COMMAND = "minitransfer experiment -o /grids/g --data /data/d"  # the grid's command, as _grid_command says it


@pytest.fixture
def gone_run(tmp_path, monkeypatch):
    """A grid's run folder (random0/A1B.run) whose logs record its last iteration and whose result.json, checkpoint
    and weights file are not there; its grid's command stood in for (no plan to read)."""
    folder = tmp_path / "random0" / "A1B.run"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"max_iter": 4, "checkpoint_every": 2}))
    (folder / "metrics.jsonl").write_text(json.dumps({"iteration": 4, "loss": 1.0}) + "\n")
    (folder / "treatment.json").write_text(json.dumps({"name": "random0/A1B"}))
    monkeypatch.setattr(run_networks, "_grid_command", lambda run_folder: (COMMAND, []))
    return folder


def _said(folder):
    return run_remedies.run_without_network(folder, folder.parent / "A1B.h5")


def test_the_grids_command_is_the_one_remedy_said(gone_run):
    said = _said(gone_run)
    assert said.count(COMMAND) == 1 and "trained to its end" in said, said
    assert rundir.train_again() not in said and "--overwrite" not in said, said


def test_the_grids_command_said_in_other_words_is_still_the_one_remedy(gone_run, monkeypatch):
    real = run_networks.checkpoint_missing

    def reworded(run_folder, command=True):
        words = real(run_folder, command)  # its type kept, as any rewording where the remedy is chosen keeps it
        return type(words)(words.replace("to train it again, rerun its grid:", "its grid's command trains it again:"))

    monkeypatch.setattr(run_networks, "checkpoint_missing", reworded)
    said = _said(gone_run)
    assert "its grid's command trains it again: `" + COMMAND in said, said
    assert rundir.train_again() not in said and "--overwrite" not in said, said

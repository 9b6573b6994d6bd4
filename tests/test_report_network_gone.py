"""``report`` of finished runs whose network is gone (their weights file and checkpoint.h5 moved or
deleted): each is counted, its result standing, as before, but a note on stderr now says how many and
names a few of them, in info's words for such a run, so that one meant as a base for --copy-from is
not found missing later. The oracle of what is gone is the files each test deletes itself."""

import shlex

import pytest
from click.testing import CliRunner
from test_report import ACCURACY, write_runs

from minitransfer import experiment as grid
from minitransfer.cli import main

pytestmark = pytest.mark.usefixtures("placeholder_figures")
GONE = "neither its checkpoint.h5 nor its weights file is there now (moved or deleted since)"


@pytest.fixture
def runs_dir(tmp_path):
    """A grid's finished runs, written as train would (:func:`test_report.write_runs`), each weights file beside
    its run folder and no checkpoint.h5."""
    return write_runs(tmp_path / "grid")


def _report(runs, out):
    result = CliRunner().invoke(main, ["report", str(runs), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return result


def _delete_networks(runs_dir, names):
    for name in names:
        grid.weights_path(runs_dir, name).unlink()
        assert not (runs_dir / f"{name}.run" / "checkpoint.h5").exists()  # the fixture writes none


def test_runs_whose_network_is_gone_are_counted_and_named_once_on_stderr(runs_dir, tmp_path):
    gone = ["random0/A3B", "random0/baseA"]
    _delete_networks(runs_dir, gone)
    result = _report(runs_dir, tmp_path / "r")
    assert f"read {len(ACCURACY)} finished runs" in result.stdout  # counted all the same
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "no network" not in result.stdout, result.output
    assert notes[0].startswith(f"note: {len(gone)} finished runs counted have no network now: "), notes
    named = notes[0].split(": ")[2].split(";")[0].split(", ")
    assert sorted(named) == sorted(gone) and GONE in notes[0] and "--copy-from" in notes[0], notes


def test_a_network_left_in_its_checkpoint_or_weights_file_is_not_named(runs_dir, tmp_path):
    _delete_networks(runs_dir, ["random0/A3B"])
    (runs_dir / "random0" / "A3B.run" / "checkpoint.h5").write_text("the network as it finished")
    assert "note: " not in _report(runs_dir, tmp_path / "r").stderr


def test_many_gone_are_counted_and_a_few_named(runs_dir, tmp_path):
    gone = sorted(ACCURACY)[:8]
    _delete_networks(runs_dir, gone)
    note = next(line for line in _report(runs_dir, tmp_path / "r").stderr.splitlines() if line.startswith("note: "))
    assert note.startswith(f"note: {len(gone)} finished runs counted have no network now: ")
    shown = note.split(": ")[2].split(";")[0]
    assert shown.endswith(f" and {len(gone) - 5} more") and len(shown.split(" and ")[0].split(", ")) == 5, note
    assert set(shown.split(" and ")[0].split(", ")) < set(gone), note


TRAIN = "train --split all --preset micro --batch-size 8 --max-iter 4 --eval-every 2 --device cpu --quiet -o net.h5"


def test_a_trained_run_is_said_gone_as_info_says_it(micro_data, tmp_path, monkeypatch):
    """A run train wrote (config.json naming its weights file), its networks deleted: report's note and
    info's refusal say the same of it."""
    monkeypatch.chdir(tmp_path)
    runs = tmp_path / "runs"
    runs.mkdir()
    monkeypatch.chdir(runs)
    assert CliRunner().invoke(main, [*shlex.split(TRAIN), "--data", micro_data]).exit_code == 0
    result = _report(runs, tmp_path / "r")
    assert "note: " not in result.stderr, result.stderr  # its network there: nothing to say
    (runs / "net.h5").unlink()
    (runs / "net.run" / "checkpoint.h5").unlink()
    result = _report(runs, tmp_path / "r")
    assert "read 1 finished run from" in result.stdout
    assert f"note: 1 finished run counted has no network now: net; for each, {GONE}" in result.stderr, result.stderr
    info = " ".join(CliRunner().invoke(main, ["info", "net.run"]).output.split())
    assert "neither its checkpoint.h5 nor net.h5 is there now (moved or deleted since)" in info, info

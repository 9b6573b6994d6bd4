"""A transfer whose own base is not finished (trained again and stopped, or being trained again): report said
"its base random0/baseB ... is not among the runs" in the report that listed random0/baseB under "Not finished
(resumable at iteration N)". It now says the base is not finished, where it stands, and what to do: resume it
(`train --resume` its folder), or, where a process trains it again, the words a grid and submit.sh say it in."""

import os
import shutil

import pytest
from click.testing import CliRunner

from minitransfer import checkpoint as checkpoints
from minitransfer import report, run_lock
from minitransfer.cli import main

from test_checkpoint import _checkpoint
from test_report_plan import _grid, _stop

BASE = "random0/baseB"
# the runs measured against baseB in test_report.write_runs' grid (layers 1, 3 and 5): its transfers and selffers
ON_B = {f"random0/{a}{n}B{plus}" for a in "AB" for n in (1, 3, 5) for plus in ("", "+")}


def _texts(written):
    return {text.partition(": ")[0]: text.partition(": ")[2] for text in written.without_base}


def test_a_base_stopped_with_a_checkpoint_is_said_not_finished_with_how_to_resume_it(tmp_path):
    out = _grid(tmp_path / "grid")
    saved = _checkpoint(seed=3)
    folder = _stop(out, BASE)
    checkpoints.save(folder / "checkpoint.h5", saved)
    written = report.write_report(out, tmp_path / "report", figures=False)
    state = f"resumable at iteration {saved.meta['iteration']}"
    assert written.unfinished == [BASE] and written.unfinished_said == [f"{BASE} ({state})"]
    said = (f"its base {BASE} (random split 0, half B) is not finished ({state}): resume it to its end "
            f"(minitransfer train --resume {folder})")
    assert _texts(written) == dict.fromkeys(ON_B, said)
    for name in ("results.md", "findings.md"):
        text = written.files[name].read_text()
        assert f"\n- random0/A3B: {said}\n" in text and "not among the runs" not in text


@pytest.mark.usefixtures("placeholder_figures")
def test_a_base_being_trained_again_is_said_so_as_a_grid_says_it(tmp_path):
    out = _grid(tmp_path / "grid")
    folder = _stop(out, BASE)
    checkpoints.save(folder / "checkpoint.h5", _checkpoint(seed=3))
    with run_lock.RunLock(folder):  # a process trains it again now
        written = report.write_report(out, tmp_path / "report", figures=False)
        terminal = CliRunner().invoke(main, ["report", str(out), "-o", str(tmp_path / "terminal")])
    assert written.training == [BASE]
    said = (f"its base {BASE} (random split 0, half B) is not finished: {BASE} is being trained again by PID "
            f"{os.getpid()}, its weights file removed until that training ends: let it end")
    assert _texts(written) == dict.fromkeys(ON_B, said)
    assert terminal.exit_code == 0, terminal.output
    assert f"warning: left out of the findings: random0/B1B: {said}\n" in terminal.output, terminal.output


def test_a_base_deleted_is_still_not_among_the_runs(tmp_path):
    out = _grid(tmp_path / "grid")
    shutil.rmtree(out / f"{BASE}.run")
    (out / f"{BASE}.h5").unlink()
    written = report.write_report(out, tmp_path / "report", figures=False)
    assert written.unfinished == []
    assert _texts(written) == dict.fromkeys(ON_B, f"its base {BASE} (random split 0, half B) is not among the runs")

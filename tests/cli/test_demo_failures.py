"""``minitransfer demo`` whose networks failed: one line per cause at its end, not a pointer to each
network's log; whose grid stopped with an error once it had planned (a network's train.log that
cannot be begun), what it did, the error and what to do, as ``experiment`` says it
(tests/test_grid_io_faults.py). Its networks are the fake ``train`` of test_grid_failures."""

import errno
import functools
import os
import sys

import pytest
from click.testing import CliRunner
from refusing import refuse_appending
from test_grid_failures import FAKE_TRAIN, FREE_SPACE

from minitransfer import demo as demos
from minitransfer import scheduler
from minitransfer.cli import main
from minitransfer.data import synthetic

PLAN = demos.DemoPlan(layers=(2,), networks_per_point=1, selffer_fine_tuned=False,
                      train={"preset": "mini", "max_iter": 3, "seed": 0})
RERUN = ("then rerun the same command to finish the demo: it keeps the networks finished and resumes those stopped "
         "from their checkpoints")


@pytest.fixture
def fake_demo(tiny_data, tmp_path, monkeypatch):
    """The demo of :data:`PLAN` on ``tiny_data``, each network the fake train (set FAKE_ENDS)."""
    fake_train = tmp_path / "fake_train.py"
    fake_train.write_text(FAKE_TRAIN)
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", PLAN)
    monkeypatch.setattr(demos, "run_grid", functools.partial(scheduler.run_grid, poll_seconds=0.01,
                                                             train_command=[sys.executable, str(fake_train)]))


@pytest.mark.usefixtures("fake_demo")
def test_the_demo_ends_with_one_line_for_its_networks_on_a_full_disk_and_exits_74(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_ENDS", "baseA=74,baseB=74,base=74")  # every base of every split (all/random2 finishes)
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    lines = result.output.splitlines()
    end = lines.index("the demo did not finish: 5 networks failed and 6 that need them were not run (finished "
                      "networks are kept):")
    quoted = "; ".join(f'{run}: "error: cannot write {out / run}.h5: No space left on device"'
                       for run in ("all/base", "natural/baseA", "natural/baseB"))  # the first three error lines
    assert lines[end + 1:] == ["  all/base, natural/baseA, natural/baseB and 2 more: " + FREE_SPACE.format(
        their="their", eg="e.g. ", log=out / "all" / "base.run" / "train.log") + f" ({quoted}; 2 more)"], result.output


@pytest.mark.usefixtures("fake_demo")
@pytest.mark.parametrize("code, fix", [(errno.ENOSPC, "free some space"), (errno.EROFS, "make it writable"),
                                       (errno.EIO, "fix that")], ids=["full", "read-only", "io-error"])
def test_a_network_log_that_cannot_be_begun_ends_the_demo_with_what_it_did_and_what_to_do(tmp_path, monkeypatch,
                                                                                         code, fix):
    """A transfer's train.log refused as it starts, on one CPU slot (none left running): the demo
    exited 74 on the error alone, without how many networks it had trained or that a rerun keeps them."""
    monkeypatch.setenv("FAKE_ENDS", "none=0")
    monkeypatch.setattr(demos, "CPU_SLOTS", 1)
    out = tmp_path / "demo"
    log = out / "random0" / "A2B.run" / "train.log"  # its base, at least, finished before it
    refuse_appending(monkeypatch, log, code)
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    trained = sorted(path.relative_to(out).with_suffix("").as_posix() for path in out.glob("*/*.h5"))
    assert "random0/baseA" in trained and "random0/A2B" not in trained, trained
    assert (f"\n{len(trained)} trained, 0 already done, 0 failed, 0 stopped with a checkpoint, "
            f"{len(PLAN.runs(0)) - len(trained)} not started (a rerun trains them); results in {out} ") \
        in result.output, result.output
    assert f"\nerror: cannot write {log}: {os.strerror(code)}" in result.output, result.output
    assert result.output.endswith(f"; {fix}, {RERUN}\n"), result.output
    assert "Traceback" not in result.output

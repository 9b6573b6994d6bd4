"""``minitransfer demo`` whose networks failed: one line per cause at its end, not a pointer to each
network's log (the fake ``train`` of test_grid_failures)."""

import functools
import sys

from click.testing import CliRunner
from test_grid_failures import FAKE_TRAIN, FREE_SPACE

from minitransfer import demo as demos
from minitransfer import scheduler
from minitransfer.cli import main
from minitransfer.data import synthetic


def test_the_demo_ends_with_one_line_for_its_networks_on_a_full_disk_and_exits_74(tiny_data, tmp_path, monkeypatch):
    fake_train = tmp_path / "fake_train.py"
    fake_train.write_text(FAKE_TRAIN)
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", demos.DemoPlan(layers=(2,), networks_per_point=1, selffer_fine_tuned=False,
                                                          train={"preset": "mini", "max_iter": 3, "seed": 0}))
    monkeypatch.setattr(demos, "run_grid", functools.partial(scheduler.run_grid,
                                                             train_command=[sys.executable, str(fake_train)]))
    monkeypatch.setenv("FAKE_ENDS", "baseA=74,baseB=74,base=74")  # every base of every split (all/random2 finishes)
    out = tmp_path / "demo"
    result = CliRunner().invoke(main, ["demo", "-o", str(out), "--device", "cpu"])
    assert result.exit_code == 74, result.output
    lines = result.output.splitlines()
    end = lines.index("the demo did not finish: 5 networks failed and 6 that need them were not run (finished "
                      "networks are kept):")
    assert lines[end + 1:] == ["  all/base, natural/baseA, natural/baseB and 2 more: " + FREE_SPACE.format(
        their="their", log=out / "all" / "base.run" / "train.log")], result.output

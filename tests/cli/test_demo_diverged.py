"""A demo whose network diverged: the grid's words for it ("train the grid again into a new folder
(-o) with a lower --base-lr") name an option the demo does not take, and a rerun of the demo, which
trains its one recipe, diverges again, bit for bit. The demo says so, and which command trains a grid
like its own with the option."""

import json
import shlex

from click.testing import CliRunner

from minitransfer import demo as demos
from minitransfer.cli import main
from minitransfer.data import synthetic
from minitransfer.grid_outcome import Failure, GridOutcome

PLAN = demos.DemoPlan(layers=(2,), networks_per_point=1, selffer_fine_tuned=False,
                      train={"preset": "mini", "max_iter": 3, "base_lr": 0.004, "eval_every": 1, "seed": 0})


def test_a_diverged_network_is_told_with_the_experiment_that_takes_a_lower_base_lr(tiny_data, tmp_path, monkeypatch):
    run = tmp_path / "demo" / "random0" / "baseA.run"
    run.mkdir(parents=True)
    (run / "metrics.jsonl").write_text(json.dumps({"event": "diverged", "iteration": 2,
                                                   "message": "loss became nan at iteration 2 (lr 0.004)"}) + "\n")
    outcome = GridOutcome([], [], ["random0/baseA"], {"random0/A2B": "random0/baseA"},
                          failures={"random0/baseA": Failure(1, run / "train.log")})
    monkeypatch.setattr(synthetic, "builtin_dataset", lambda root=None: tiny_data)
    monkeypatch.setattr(demos, "CPU_PLAN", PLAN)
    monkeypatch.setattr(demos, "run_demo", lambda *args, **kwargs: outcome)
    result = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--device", "cpu"])
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert "a rerun diverges again, bit for bit" in lines[-3], result.stderr
    assert lines[-2] == ("  the demo takes none of the options advised above (--base-lr): it trains one recipe on its "
                         "built-in benchmark, and a rerun trains its failed networks again with it; --base-lr is "
                         "`minitransfer experiment`'s: to train a grid like the demo's with it, on the same "
                         "benchmark, in a folder of its own, change or add it in:"), result.stderr
    command = shlex.split(lines[-1])
    at = command.index("--base-lr") + 1
    assert command[at] == "0.004"  # the demo's own, to lower
    refused = CliRunner().invoke(main, ["demo", "-o", str(tmp_path / "demo"), "--base-lr", "0.001"])
    assert refused.exit_code == 2 and "No such option '--base-lr'" in refused.output
    command[at] = "0.001"
    planned = CliRunner().invoke(main, [*command[1:3], str(tmp_path / "grid"), *command[4:], "--dry-run"])
    assert planned.exit_code == 0 and "random0/baseA" in planned.output, planned.output
